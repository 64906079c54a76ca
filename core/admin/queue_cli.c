/* queue_cli.c: the queue subcommands; thin wrappers over admin routes. */
#include "queue_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"

/* The queue's figures from /health, then its dead letters. */
static int inspect(const char *base, const char *exporter)
{
    char *body = NULL, path[512];
    int rc = admin_cli_call(base, "GET", "/health", &body);
    if (rc == OTELC_EXIT_OK || rc == OTELC_EXIT_CONFIG) { /* 503 still has the figures */
        json_t *h = json_loads(body ? body : "", 0, NULL);
        json_t *q = json_object_get(json_object_get(json_object_get(h, "components"), exporter),
                                    "queue");
        char *text = q ? json_dumps(q, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        printf("queue of %s:\n%s\n", exporter, text ? text : "(no such exporter or no queue)");
        free(text);
        json_decref(h);
    }
    free(body);
    body = NULL;
    snprintf(path, sizeof(path), "/api/queue/%s/deadletters", exporter);
    rc = admin_cli_call(base, "GET", path, &body);
    if (rc == OTELC_EXIT_OK)
        printf("dead letters:\n%s\n", body);
    free(body);
    return rc;
}

static int replay(const char *base, const char *exporter, const char *id)
{
    char *body = NULL, path[512];
    snprintf(path, sizeof(path), "/api/queue/%s/deadletters/replay%s%s", exporter,
             id ? "?id=" : "", id ? id : "");
    int rc = admin_cli_call(base, "POST", path, &body);
    if (rc == OTELC_EXIT_OK)
        printf("%s\n", body);
    free(body);
    return rc;
}

int otelc_queue_command(const otelc_options *opts)
{
    char base[512];
    if (opts->nargs < 2 || opts->nargs > 3 ||
        (strcmp(opts->args[0], "inspect") != 0 && strcmp(opts->args[0], "replay") != 0) ||
        (strcmp(opts->args[0], "inspect") == 0 && opts->nargs != 2)) {
        fprintf(stderr, "otelc: usage: otelc queue inspect EXPORTER | otelc queue replay "
                        "EXPORTER [ID]\n");
        return OTELC_EXIT_USAGE;
    }
    if (admin_cli_base_url(opts, base, sizeof(base)) != 0) {
        fprintf(stderr, "otelc: cannot tell the admin endpoint; use --admin HOST:PORT\n");
        return OTELC_EXIT_USAGE;
    }
    if (strcmp(opts->args[0], "inspect") == 0)
        return inspect(base, opts->args[1]);
    return replay(base, opts->args[1], opts->nargs == 3 ? opts->args[2] : NULL);
}
