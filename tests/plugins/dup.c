/* Built twice (dup_a.so, dup_b.so): the second must be refused as a
 * duplicate type. */
#include <otelc/plugin.h>

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    *state = 0;
    return 0;
}

static void destroy(void *state) {}

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "dup",
    .version = "0.0.1",
    .create = create,
    .destroy = destroy,
};

OTELC_PLUGIN(desc)
