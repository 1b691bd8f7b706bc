/* Kernel shape: how the data-parallel passes over a dataset are cut into
 * work items. The iteration graph is the same on every device; only the
 * launches of the passes over the samples (problems/softmax.c) differ:
 *   BLOC_SHAPE_CPU  few long work items with wide vectors and private
 *                   tiles (a work item per core's share of the rows)
 *   BLOC_SHAPE_GPU  many short work items: a work-group per few samples,
 *                   one feature per lane (coalesced loads), partial sums
 *                   added through local memory
 * Chosen from the device type (a CPU gets the CPU shape, everything else
 * the GPU shape if it runs work-groups of BLOC_SHAPE_GPU_GROUP items, else
 * the CPU shape), or forced with the environment variable
 * BLOC_KERNEL_SHAPE=cpu|gpu (tests run both shapes on one device). Every
 * sum has a fixed order in both shapes, so each is reproducible bit for
 * bit; the two shapes add in different orders and agree to rounding. */
#ifndef BLOC_KERNEL_SHAPE_H
#define BLOC_KERNEL_SHAPE_H

#include "error.h"
#include "runtime.h"

typedef enum { BLOC_SHAPE_CPU, BLOC_SHAPE_GPU } bloc_shape_t;

/* the largest work-group of the GPU shape (16 x 16 tiles of problems/mlp.cl) */
#define BLOC_SHAPE_GPU_GROUP 256

/* The shape for device dev: *shape; BLOC_ERR_USAGE for a bad
 * BLOC_KERNEL_SHAPE value, BLOC_ERR_DEVICE for gpu on a device whose
 * work-groups are smaller than BLOC_SHAPE_GPU_GROUP. */
int bloc_kernel_shape(const bloc_device_info_t *dev, bloc_shape_t *shape, bloc_error_t *err);
const char *bloc_shape_name(bloc_shape_t shape);

#endif
