/*
 * pass.c: a batch through the editor and on to the next stage.
 */
#include "pass.h"

#include <stdlib.h>

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

static otelc_status emit_edited(otelc_ctx *ctx, const otelc_host_api *api, otlp_editor *ed,
                                otelc_batch *b, size_t items, otelc_ticket *t)
{
    uint8_t *out;
    size_t len;
    if (otlp_edit_take(ed, &out, &len) != OTLP_OK)
        return OTELC_RETRY;
    otelc_batch *nb = api->batch_adopt(out, len, (uint32_t)items, free_buf, NULL,
                                       otelc_batch_meta_of(b));
    if (!nb) {
        free(out); /* adopt did not take it */
        return OTELC_RETRY;
    }
    otelc_status st = api->emit_ticket(ctx, nb, t);
    otelc_batch_unref(nb);
    return st;
}

otelc_status attr_pass(otelc_ctx *ctx, const otelc_host_api *api, otlp_editor *ed,
                       otelc_batch *b, otelc_ticket *t, const otlp_edit_fns *fns, void *arg,
                       const int *changes)
{
    const uint8_t *in = otelc_batch_flat(b);
    size_t items;
    if (!in)
        return OTELC_RETRY;
    int rc = otlp_edit_run_signal(ed, otelc_batch_signal(b), in, otelc_batch_len(b), fns, arg,
                                  &items);
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc != OTLP_OK) {
        api->log(ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    return attr_emit(ctx, api, ed, b, t, items, *changes != 0);
}

otelc_status attr_emit(otelc_ctx *ctx, const otelc_host_api *api, otlp_editor *ed,
                       otelc_batch *b, otelc_ticket *t, size_t items, bool changed)
{
    return changed ? emit_edited(ctx, api, ed, b, items, t) : api->emit_ticket(ctx, b, t);
}
