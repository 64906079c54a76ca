/*
 * pass.h: one batch through the OTLP editor for a processor that edits
 * attributes: the edited request goes on as a new batch, or the batch
 * itself when nothing changed (no copy, same bytes).
 */
#ifndef ATTRACTION_PASS_H
#define ATTRACTION_PASS_H

#include <stdbool.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>

/*
 * Edits b (lent) as a request of its signal with fns and arg
 * (otlp_edit_run_signal), then emits with ticket
 * t: b when *changes is still 0 afterwards (the callbacks count their
 * changes there), else the edited request with b's metadata. Returns the
 * emit's outcome, RETRY when memory ran out (the caller keeps the data),
 * REJECT (logged) for a request the editor cannot read.
 */
otelc_status attr_pass(otelc_ctx *ctx, const otelc_host_api *api, otlp_editor *ed,
                       otelc_batch *b, otelc_ticket *t, const otlp_edit_fns *fns, void *arg,
                       const int *changes);

/*
 * The second half of attr_pass, for a caller that ran the editor itself
 * (under a lock of its own, say): emits the editor's output (items spans,
 * data points or log records) with b's metadata when changed, else b.
 */
otelc_status attr_emit(otelc_ctx *ctx, const otelc_host_api *api, otlp_editor *ed,
                       otelc_batch *b, otelc_ticket *t, size_t items, bool changed);

#endif /* ATTRACTION_PASS_H */
