/* admin_command.h: `otelc admin METHOD PATH [--admin HOST:PORT]`. */
#ifndef OTELC_CORE_ADMIN_COMMAND_H
#define OTELC_CORE_ADMIN_COMMAND_H

#include "runtime/cli.h"

/* Sends one request to the daemon and prints the answer's body. Returns
 * an OTELC_EXIT_* code (see admin_cli_call). Main thread. */
int otelc_admin_command(const otelc_options *opts);

#endif
