/*
 * tracestate.h: the W3C tracestate of a span, with its OpenTelemetry
 * section ("ot=th:...;rv:...") parsed, as the collector's pkg/sampling
 * reads and writes it: members of other vendors and other `ot` keys are
 * kept in order; writing puts `ot` first, then `rv`, `th` and the other
 * `ot` keys, then the other vendors, and drops whitespace and empty
 * members.
 *
 * OWNERSHIP. A parsed tracestate views the text it was parsed from (keys
 * and values of the kept members point into it): keep the text unchanged
 * while the tracestate is used. `rv` and `th` are copied.
 */
#ifndef PS_TRACESTATE_H
#define PS_TRACESTATE_H

#include "threshold.h"

#define PS_TS_MAX_LEN 1024     /* a longer tracestate is invalid */
#define PS_TS_MAX_MEMBERS 32   /* list members, as the collector counts them */
#define PS_OT_MAX_LEN 256      /* the `ot` value */
#define PS_OT_MAX_EXTRA 128    /* other `ot` keys (each at least "k:" and ";") */
#define PS_TS_FORMAT_MAX (PS_TS_MAX_LEN + 64) /* room for any written tracestate */

/* Why a tracestate was refused (the collector's error texts). */
enum ps_ts_error {
    PS_TS_OK = 0,
    PS_TS_ESIZE,    /* "invalid tracestate size" */
    PS_TS_ESYNTAX,  /* "invalid syntax" */
    PS_TS_ERVALUE,  /* "r-value must have 14 hex digits" */
    PS_TS_ETVALUE,  /* "t-value exceeds 14 hex digits" */
    PS_TS_ETEMPTY,  /* "t-value is empty" */
};

typedef struct ps_member {
    const char *key, *value;
    size_t klen, vlen;
} ps_member;

typedef struct ps_tracestate {
    char rv[PS_HEX_DIGITS + 1]; /* `rv` as written; "" when absent */
    char th[PS_HEX_DIGITS + 1]; /* `th` as written; "" when absent */
    ps_randomness rnd;          /* rv's value */
    ps_threshold threshold;     /* th's value */
    ps_member ot_extra[PS_OT_MAX_EXTRA];
    size_t n_ot_extra;
    ps_member extra[PS_TS_MAX_MEMBERS];
    size_t n_extra;
} ps_tracestate;

/*
 * Parses len bytes of text into ts. Returns PS_TS_OK, or the first error
 * met; ts then holds what was read up to it and after it (the collector
 * goes on past a bad `rv` or `th`), but callers treat it as unreadable.
 */
int ps_tracestate_parse(ps_tracestate *ts, const char *text, size_t len);

/*
 * A log record's sampling information, the collector's logs carrier: the
 * `sampling.randomness` (rv) and `sampling.threshold` (th) string
 * attributes, NULL when absent or empty, parsed into ts as an `ot`
 * section holding only them. Returns PS_TS_OK or the first error.
 */
int ps_carrier_parse(ps_tracestate *ts, const char *rv, size_t rv_len, const char *th,
                     size_t th_len);

/* The collector's message for a PS_TS_* code. */
const char *ps_ts_strerror(int code);

static inline bool ps_ts_has_rv(const ps_tracestate *ts)
{
    return ts->rv[0] != '\0';
}

static inline bool ps_ts_has_th(const ps_tracestate *ts)
{
    return ts->th[0] != '\0';
}

/* Sets `rv` to rnd's 14 digits. */
void ps_ts_set_rv(ps_tracestate *ts, ps_randomness rnd);

/* Removes `th` (an arriving threshold the randomness contradicts). */
void ps_ts_clear_th(ps_tracestate *ts);

/*
 * Records that the span was kept at threshold th: `th` becomes its
 * encoding (none for PS_NEVER). Returns 0, or -1 without a change when
 * that would raise the probability `th` already states ("cannot raise
 * existing sampling probability").
 */
int ps_ts_update_th(ps_tracestate *ts, ps_threshold th);

/*
 * Writes ts as tracestate text into out (cap bytes; PS_TS_FORMAT_MAX
 * always suffices) with a NUL. Returns its length, or -1 if cap was too
 * small.
 */
long ps_tracestate_format(const ps_tracestate *ts, char *out, size_t cap);

#endif /* PS_TRACESTATE_H */
