/* admin_command.c: `otelc admin METHOD PATH`, one request to a running
 * daemon's admin endpoint, its answer on stdout. The host knows no plugin
 * by name: whatever a plugin serves there is reached the same way. */
#include "admin_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"

static bool known_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "DELETE") == 0;
}

int otelc_admin_command(const otelc_options *opts)
{
    if (opts->nargs != 2 || !known_method(opts->args[0]) || opts->args[1][0] != '/') {
        fprintf(stderr, "otelc: usage: otelc admin GET|POST|DELETE /PATH [--admin HOST:PORT]\n");
        return OTELC_EXIT_USAGE;
    }
    char base[512];
    char *body = NULL;
    if (admin_cli_base_url(opts, base, sizeof(base)) != 0) {
        fprintf(stderr, "otelc: cannot tell the admin endpoint; use --admin HOST:PORT\n");
        return OTELC_EXIT_USAGE;
    }
    int rc = admin_cli_call(base, opts->args[0], opts->args[1], &body);
    if (rc == OTELC_EXIT_OK && body)
        printf("%s", body);
    free(body);
    return rc;
}
