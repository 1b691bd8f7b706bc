/* Fuzz target: the YAML config loader (bloc_config_parse) and the --set
 * setter (bloc_config_set). */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_targets.h"
#include "problem.h"
#include "solver.h"

/* Invariants of a config the loader accepted. */
static void check(const bloc_config_t *c)
{
    if (!c->problem || !c->solver || c->iterations < 1 || c->log_every < 1 || c->checkpoint_every < 0 ||
        c->reduce_groups < 1 || c->local_size < 1 || (c->local_size & (c->local_size - 1)) != 0 ||
        !(c->divergence_blowup >= 0) || (c->precision != BLOC_FP32 && c->precision != BLOC_FP64) ||
        memchr(c->output, '\0', sizeof c->output) == NULL || memchr(c->device, '\0', sizeof c->device) == NULL)
        abort();
}

static const char BASE[] = "problem: {name: toy_nonconvex_1d, n: 3}\nsolver: {name: meha, alpha: 0.1}\n"
                           "iterations: 10\n";

int bloc_fuzz_config(const uint8_t *data, size_t size)
{
    bloc_config_t cfg;
    bloc_error_t err;
    if (bloc_config_parse(&cfg, "fuzz.yaml", data, size, &err) == BLOC_OK)
        check(&cfg);
    else if (err.status == BLOC_OK || strlen(err.message) == 0)
        abort(); /* a failure always says why */
    /* the same bytes as a --set assignment (up to the first NUL) */
    if (bloc_config_parse(&cfg, "base.yaml", (const unsigned char *)BASE, sizeof BASE - 1, &err) != BLOC_OK)
        abort();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (bloc_config_set(&cfg, text, &err) == BLOC_OK)
        check(&cfg);
    free(text);
    return 0;
}

#ifdef BLOC_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bloc_fuzz_config(data, size); }
#endif
