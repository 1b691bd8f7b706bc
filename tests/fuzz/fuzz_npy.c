/* Fuzz target: the .npy reader (bloc_npy_parse). */
#include <stdlib.h>

#include "fuzz_targets.h"
#include "npy.h"

/* Invariants of an array the reader accepted: the shape's product, and
 * every element readable (ASan checks the bounds). */
static void check(const bloc_npy_array_t *a, int ndim, const size_t *shape)
{
    size_t count = 1;
    if (a->ndim < 1 || a->ndim > BLOC_NPY_MAX_DIMS || (ndim > 0 && a->ndim != ndim))
        abort();
    for (int i = 0; i < a->ndim; i++) {
        if (ndim > 0 && a->shape[i] != shape[i])
            abort();
        count *= a->shape[i];
    }
    if (count != a->count || (count > 0 && !a->data))
        abort();
    volatile double sum = 0;
    for (size_t i = 0; i < a->count; i++)
        sum += a->data[i];
    (void)sum;
}

int bloc_fuzz_npy(const uint8_t *data, size_t size)
{
    bloc_npy_array_t a;
    bloc_error_t err;
    if (bloc_npy_parse("fuzz.npy", data, size, 0, NULL, &a, &err) == BLOC_OK) {
        check(&a, 0, NULL);
        /* the same image against the shape it has, and against another */
        size_t shape[2] = {a.shape[0], a.ndim > 1 ? a.shape[1] : 0}, other[2] = {shape[0] + 1, shape[1]};
        int nd = a.ndim;
        bloc_npy_free(&a);
        if (bloc_npy_parse("fuzz.npy", data, size, nd, shape, &a, &err) != BLOC_OK)
            abort();
        check(&a, nd, shape);
        bloc_npy_free(&a);
        if (bloc_npy_parse("fuzz.npy", data, size, nd, other, &a, &err) == BLOC_OK)
            abort();
    }
    return 0;
}

#ifdef BLOC_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bloc_fuzz_npy(data, size); }
#endif
