/* reindex_cli.c: `otelc reindex`, a thin wrapper over POST /api/reindex. */
#include "reindex_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "admin_client.h"
#include "config.h"

/* --admin, else service.admin.endpoint of the config, else the default. */
static int base_url(const otelc_options *opts, char *out, size_t cap)
{
    if (opts->admin)
        return admin_client_url(opts->admin, out, cap);
    otelc_errors errs;
    otelc_errors_init(&errs);
    otelc_config *cfg =
        otelc_config_load((const char *const *)opts->config_files, opts->n_config_files, &errs);
    otelc_errors_fini(&errs);
    const char *ep = cfg && cfg->admin_endpoint ? cfg->admin_endpoint
                                                : OTELC_ADMIN_DEFAULT_ENDPOINT;
    int rc = admin_client_url(ep, out, cap);
    otelc_config_free(cfg);
    return rc;
}

int otelc_reindex_command(const otelc_options *opts)
{
    char base[512], err[512];
    char *body = NULL;
    long status = 0;
    if (base_url(opts, base, sizeof(base)) != 0) {
        fprintf(stderr, "otelc: cannot tell the admin endpoint; use --admin HOST:PORT\n");
        return OTELC_EXIT_USAGE;
    }
    if (admin_client_call(base, "POST", "/api/reindex", &body, &status, err, sizeof(err)) != 0) {
        fprintf(stderr, "otelc: cannot reach the daemon: %s\n", err);
        return OTELC_EXIT_START;
    }
    int rc = status >= 200 && status <= 299 ? OTELC_EXIT_OK : OTELC_EXIT_CONFIG;
    if (rc == OTELC_EXIT_OK)
        printf("%s", body);
    else
        fprintf(stderr, "otelc: POST /api/reindex answered %ld: %s", status, body);
    free(body);
    return rc;
}
