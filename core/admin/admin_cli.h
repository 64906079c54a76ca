/*
 * admin_cli.h: steps every CLI command that talks to a running otelc
 * shares (`otelc queue ...`, `otelc admin ...`).
 */
#ifndef OTELC_CORE_ADMIN_CLI_H
#define OTELC_CORE_ADMIN_CLI_H

#include <stddef.h>

#include "runtime/cli.h"

/* The daemon's admin base URL: --admin, else service.admin.endpoint of
 * the config files, else the default endpoint. Writes at most cap bytes;
 * 0 or -1. */
int admin_cli_base_url(const otelc_options *opts, char *out, size_t cap);

/* One request to the daemon (see admin_client_call). Returns
 * OTELC_EXIT_OK for a 2xx answer, OTELC_EXIT_CONFIG for another status
 * and OTELC_EXIT_START when the daemon cannot be reached, after saying
 * why on stderr. *body is the caller's to free (NULL when unreached). */
int admin_cli_call(const char *base, const char *method, const char *path, char **body);

#endif
