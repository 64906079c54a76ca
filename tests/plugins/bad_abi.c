/* A plugin built wrong on purpose: the loader must refuse it. Which way it
 * is wrong is chosen at build time (BAD_MAJOR, BAD_MINOR or BAD_SIZE). */
#include <otelc/plugin.h>

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    *state = 0;
    return 0;
}

static void destroy(void *state) {}

static const otelc_plugin desc = {
#if defined(BAD_MAJOR)
    .abi_major = OTELC_ABI_MAJOR + 98,
#else
    .abi_major = OTELC_ABI_MAJOR,
#endif
#if defined(BAD_MINOR)
    .abi_minor = OTELC_ABI_MINOR + 1,
#else
    .abi_minor = OTELC_ABI_MINOR,
#endif
#if defined(BAD_SIZE)
    .struct_size = 16,
#else
    .struct_size = sizeof(otelc_plugin),
#endif
    .kind = OTELC_EXPORTER,
    .type = "badabi",
    .version = "0.0.1",
    .create = create,
    .destroy = destroy,
};

OTELC_PLUGIN(desc)
