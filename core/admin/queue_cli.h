/*
 * queue_cli.h: `otelc queue inspect|replay EXPORTER [ID]`, run against a
 * live daemon through its admin routes (the durable queue's dead letters).
 */
#ifndef OTELC_CORE_QUEUE_CLI_H
#define OTELC_CORE_QUEUE_CLI_H

#include "runtime/cli.h"

/* Returns an exit code: 0, 1 (the daemon answered an error), 2 (usage),
 * 3 (the daemon cannot be reached). Prints the answers to stdout. */
int otelc_queue_command(const otelc_options *opts);

#endif
