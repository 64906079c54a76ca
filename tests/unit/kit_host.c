/* kit_host.c: see kit_host.h. */
#include "kit_host.h"

#include <stdio.h>

#include <otelc/sdk/clock.h>

otelc_test_host *h;

int ks_setup(void **unused)
{
    (void)unused;
    h = otelc_test_host_new();
    return h ? 0 : -1;
}

int ks_done(void)
{
    int rc = otelc_test_host_check(h);
    if (rc != 0)
        fprintf(stderr, "%s\n", otelc_test_host_last_error(h));
    otelc_test_host_free(h);
    h = NULL;
    return rc == 0 && otelc_test_batches_live() == 0 ? 0 : -1;
}

int64_t ks_deadline(int ms)
{
    return otelc_mono_ns() + (int64_t)ms * 1000000;
}
