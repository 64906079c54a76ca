/* reindex_cli.c: `otelc reindex`, a thin wrapper over POST /api/reindex. */
#include "reindex_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "admin_cli.h"

int otelc_reindex_command(const otelc_options *opts)
{
    char base[512];
    char *body = NULL;
    if (admin_cli_base_url(opts, base, sizeof(base)) != 0) {
        fprintf(stderr, "otelc: cannot tell the admin endpoint; use --admin HOST:PORT\n");
        return OTELC_EXIT_USAGE;
    }
    int rc = admin_cli_call(base, "POST", "/api/reindex", &body);
    if (rc == OTELC_EXIT_OK)
        printf("%s", body);
    free(body);
    return rc;
}
