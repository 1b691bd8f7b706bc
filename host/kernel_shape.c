#include "kernel_shape.h"

#include <stdlib.h>
#include <string.h>

int bloc_kernel_shape(const bloc_device_info_t *dev, bloc_shape_t *shape, bloc_error_t *err)
{
    const char *env = getenv("BLOC_KERNEL_SHAPE");
    int fits = dev->max_work_group >= BLOC_SHAPE_GPU_GROUP;
    if (!env || !*env) {
        *shape = dev->type & CL_DEVICE_TYPE_CPU || !fits ? BLOC_SHAPE_CPU : BLOC_SHAPE_GPU;
        return BLOC_OK;
    }
    if (!strcmp(env, "cpu")) {
        *shape = BLOC_SHAPE_CPU;
        return BLOC_OK;
    }
    if (!strcmp(env, "gpu")) {
        if (!fits)
            return bloc_error_set(err, BLOC_ERR_DEVICE,
                                  "BLOC_KERNEL_SHAPE=gpu needs work-groups of %d work items; device '%s' allows %zu",
                                  BLOC_SHAPE_GPU_GROUP, dev->device_name, dev->max_work_group);
        *shape = BLOC_SHAPE_GPU;
        return BLOC_OK;
    }
    return bloc_error_set(err, BLOC_ERR_USAGE, "BLOC_KERNEL_SHAPE='%s': expected cpu or gpu", env);
}

const char *bloc_shape_name(bloc_shape_t shape)
{
    return shape == BLOC_SHAPE_CPU ? "cpu" : "gpu";
}
