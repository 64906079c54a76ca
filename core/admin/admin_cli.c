/* admin_cli.c: the admin endpoint and requests for CLI commands. */
#include "admin_cli.h"

#include <stdio.h>

#include "admin_client.h"
#include "config/config.h"

int admin_cli_base_url(const otelc_options *opts, char *out, size_t cap)
{
    if (opts->admin)
        return admin_client_url(opts->admin, false, out, cap);
    otelc_errors errs;
    otelc_errors_init(&errs);
    otelc_config *cfg =
        otelc_config_load((const char *const *)opts->config_files, opts->n_config_files, &errs);
    otelc_errors_fini(&errs);
    const char *ep = cfg && cfg->admin_endpoint ? cfg->admin_endpoint
                                                : OTELC_ADMIN_DEFAULT_ENDPOINT;
    int rc = admin_client_url(ep, cfg && cfg->admin_server.tls_on, out, cap);
    otelc_config_free(cfg);
    return rc;
}

int admin_cli_call(const char *base, const char *method, const char *path, char **body)
{
    char err[512];
    long status = 0;
    if (admin_client_call(base, method, path, body, &status, err, sizeof(err)) != 0) {
        fprintf(stderr, "otelc: cannot reach the daemon: %s\n", err);
        return OTELC_EXIT_START;
    }
    if (status < 200 || status > 299) {
        fprintf(stderr, "otelc: %s %s answered %ld: %s\n", method, path, status, *body);
        return OTELC_EXIT_CONFIG;
    }
    return OTELC_EXIT_OK;
}
