/*
 * reindex_cli.h: `otelc reindex`: asks a running daemon to rebuild its span
 * index from its bucket (POST /api/reindex, which the awss3 exporter
 * serves and answers once the rebuild is done).
 */
#ifndef OTELC_CORE_REINDEX_CLI_H
#define OTELC_CORE_REINDEX_CLI_H

#include "runtime/cli.h"

/* Returns an exit code: 0 (the answer, a JSON summary, is printed), 1 (the
 * daemon answered an error), 2 (no endpoint), 3 (the daemon cannot be
 * reached). Main thread. */
int otelc_reindex_command(const otelc_options *opts);

#endif
