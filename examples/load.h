/*
 * load.h: the example client's run: keeps --connections connections with
 * up to --streams requests each in flight, builds each request when a
 * stream frees up (or resends the one --replay request), paces to --rate,
 * stops after --spans or --duration, and counts what came back.
 *
 * Everything runs on the thread that calls load_run, in its event_base.
 */
#ifndef OTELC_CLIENT_LOAD_H
#define OTELC_CLIENT_LOAD_H

#include <stdio.h>

#include <event2/event.h>

#include "h2_client.h"
#include "options.h"
#include "stats.h"

typedef struct load load;

/*
 * A run of opts against target on base. opts, target and base are
 * borrowed and must outlive the run; ids_out receives --print-ids lines.
 * Returns NULL with a reason in err.
 */
load *load_new(const client_opts *opts, uint64_t seed, struct event_base *base,
               const h2_target *target, FILE *ids_out, char *err, size_t errcap);

/*
 * Connects and sends until done; returns when every request has ended.
 * Returns 0, or -1 when a connection failed and --allow-failures was not
 * given (the reason was printed to stderr).
 */
int load_run(load *l);

/*
 * Asks the run to stop sending (for SIGINT): requests in flight still
 * finish. A second call abandons them. Loop thread only.
 */
void load_stop(load *l);

const client_stats *load_stats(const load *l);

/* Seconds from the first connection up to the last answer. */
double load_elapsed(const load *l);

void load_free(load *l);

#endif /* OTELC_CLIENT_LOAD_H */
