#include "selection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bloc_select_devices(const char *list, const char *fallback, bloc_device_info_t *out, int max, int *n,
                        bloc_error_t *err)
{
    *n = 0;
    if (list && !strcmp(list, "all")) {
        bloc_device_info_t *all;
        int na, st = bloc_devices_list(&all, &na, err);
        if (st)
            return st;
        for (int i = 0; i < na && *n < max; i++)
            out[(*n)++] = all[i];
        free(all);
        return BLOC_OK;
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list ? list : fallback);
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    do {
        bloc_device_info_t d;
        int st = bloc_device_select(tok ? tok : "", &d, err);
        if (st)
            return st;
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= out[i].platform_index == d.platform_index && out[i].device_index == d.device_index;
        if (!dup && *n < max)
            out[(*n)++] = d;
    } while (tok && (tok = strtok_r(NULL, ",", &save)));
    return BLOC_OK;
}

int bloc_select_precisions(const char *list, bloc_precision_t fallback, bloc_precision_t out[2], int *n,
                           bloc_error_t *err)
{
    *n = 0;
    if (!list) {
        out[(*n)++] = fallback;
        return BLOC_OK;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "fp32"))
            out[(*n)++] = BLOC_FP32;
        else if (!strcmp(tok, "fp64"))
            out[(*n)++] = BLOC_FP64;
        else
            return bloc_error_set(err, BLOC_ERR_USAGE, "bloc: --precision takes fp32, fp64 or fp32,fp64, not '%s'", tok);
        if (*n == 2)
            break;
    }
    return *n ? BLOC_OK : bloc_error_set(err, BLOC_ERR_USAGE, "bloc: --precision is empty");
}
