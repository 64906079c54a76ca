/*
 * otelc/testkit.h: a fake host for unit-testing a plugin without the
 * daemon (libotelc_testkit.a; pkg-config otelc-testkit, CMake
 * otelc::testkit). Link it into test programs only, never into a plugin.
 *
 * An otelc_test_host stands for the host of ONE plugin instance. It hands
 * the plugin a complete otelc_host_api table and records what the plugin
 * does with it, so that a test can drive the plugin's callbacks itself and
 * assert on the outcome:
 *
 *   config    YAML text becomes the node tree create() reads (node_*,
 *             config_node), positions included; the key table is checked
 *             and the config struct filled as the host does
 *             (otelc_test_plugin_create); config_error is recorded.
 *   emit      every batch the plugin emits is kept, in order, with the
 *             answer the test chose (OK, RETRY, REJECT, or PENDING that the
 *             test completes later).
 *   tickets   the test makes the tickets it passes to consume and reads
 *             how and when the plugin completed them.
 *   metrics, logs, health, exporter pause, consume_ready, export_batching:
 *             recorded and readable.
 *   routes    admin routes the plugin registers can be requested, and
 *             their answers read.
 *
 * Batches are the host's own implementation of the otelc_batch contract
 * (refcounted, immutable, segments, merge), the same code the daemon runs,
 * so a plugin sees what it sees in the real host.
 *
 * OWNERSHIP. As in otelc/plugin.h: a batch passed to a kit function is
 * lent for the call; a batch a kit function returns with "new" in its
 * name has one reference, the caller's. The host keeps a reference to each
 * emitted batch until otelc_test_host_free; what the accessors return
 * (batches, bytes, strings) lives until then too unless said otherwise.
 * Tickets, nodes, requests and series are the host's and freed with it.
 *
 * THREADS. Every function of the host table, and every otelc_test_*
 * function that reads or completes something, may be called from any
 * thread: the plugin's own threads call the table while the test thread
 * waits with the *_wait functions. otelc_test_host_new, _free, _config and
 * otelc_test_plugin_create belong to the test's thread.
 *
 * FAILURES. Misuse of the contract that the real host would turn into a
 * crash or a lost batch (a ticket completed twice, an emit answered
 * PENDING never completed, a batch leaked) is reported by
 * otelc_test_host_check and otelc_test_batches_live instead.
 */
#ifndef OTELC_TESTKIT_H
#define OTELC_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct otelc_test_host otelc_test_host;
typedef struct otelc_test_http otelc_test_http; /* one request to a plugin's route */

/* ------------------------------------------------------------------ */
/* The host                                                            */
/* ------------------------------------------------------------------ */

/* A new host with no config, instance id "test", pipeline "traces", and
 * emits answered OK. NULL if memory ran out. */
otelc_test_host *otelc_test_host_new(void);

/* Releases everything the host recorded: emitted batches, tickets, the
 * config tree and struct, series, requests. Destroy the plugin instance
 * first: its config struct and strings are the host's. NULL is fine. */
void otelc_test_host_free(otelc_test_host *h);

/* The table to pass to create() (the same pointer for the host's life). */
const otelc_host_api *otelc_test_host_api(otelc_test_host *h);
/* The context to pass to create() when the test calls it itself. */
otelc_ctx *otelc_test_host_ctx(otelc_test_host *h);

/* What instance_id and pipeline_id answer (copied; pipeline may be NULL,
 * as the host answers for kinds other than processors). */
void otelc_test_host_set_ids(otelc_test_host *h, const char *instance_id,
                             const char *pipeline_id);
/* What pipeline_storage answers (copied; NULL, the default, as the host
 * answers when an exporter downstream queues in memory): the storage
 * extension id every exporter downstream keeps its sending queue in.
 * Offer that extension's storage with otelc_test_host_offer too. Set it
 * before otelc_test_plugin_create for a plugin that reads it at create. */
void otelc_test_host_set_pipeline_storage(otelc_test_host *h, const char *storage_id);
/* What exporter_timeout_ns (default 0) and exporter_consumers (default 1)
 * answer. */
void otelc_test_host_set_exporter(otelc_test_host *h, int64_t timeout_ns, uint32_t consumers);

/* 0 when the plugin kept the contract so far, else -1 with every problem
 * in otelc_test_host_last_error: a ticket completed more than once, or
 * completed with a consume outcome other than PENDING (tickets handed out
 * by otelc_test_plugin_consume), or never completed after PENDING; an
 * emit answered PENDING that the test has not completed; a completion
 * status other than OK, RETRY or REJECT; config_error or a node_* service
 * called after create returned (the tree is the host's then). Call it at
 * the end of a test. */
int otelc_test_host_check(otelc_test_host *h);

/* The last error recorded: a config error (with its position, as
 * "config:LINE:COL: key 'a.b': message"), a failed typed node read, a
 * refused create or a check's findings. NULL if none. Valid until the next
 * error is recorded or the host is freed. */
const char *otelc_test_host_last_error(otelc_test_host *h);
/* Config errors reported so far (config_error and failed node reads). */
size_t otelc_test_host_config_errors(otelc_test_host *h);

/* ------------------------------------------------------------------ */
/* Config and create                                                   */
/* ------------------------------------------------------------------ */

/* Parses yaml (one document; the plugin's own map, as under
 * `exporters: { mine: ... }`) into the tree config_node() then returns,
 * replacing an earlier one. Empty text is "all defaults". Returns the
 * root, or NULL with the parse error in last_error. Anchors, aliases and
 * duplicate keys are refused as the host refuses them; ${env:...} is not
 * expanded. The tree lives until the host is freed. */
const otelc_node *otelc_test_host_config(otelc_test_host *h, const char *yaml);

/* Does what the host does before and at create: checks desc's ABI
 * version, parses yaml as otelc_test_host_config, checks every key against
 * desc's key table (unknown keys, wrong types, unsupported collector keys;
 * an exporter's sending_queue, retry_on_failure and timeout are the
 * host's and skipped), fills a zeroed struct of config_size bytes with
 * defaults and values, then calls create. id is the instance id (NULL: the
 * type). Returns 0 with *state set, or -1 with the reason in last_error
 * (create then was not called if the config was refused). One instance per
 * host: a second call fails. */
int otelc_test_plugin_create(otelc_test_host *h, const otelc_plugin *desc, const char *id,
                             const char *yaml, void **state);

/* Calls the created instance's consume with b (lent) and a new ticket the
 * kit remembers together with the outcome, so that check can tell a
 * completion that should not have come from one that is missing. *t (may
 * be NULL) receives the ticket. */
otelc_status otelc_test_plugin_consume(otelc_test_host *h, otelc_batch *b, otelc_ticket **t);

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

/* A batch holding a copy of len bytes of an ExportTraceServiceRequest,
 * validated as a receiver validates it (its span count is counted);
 * received_ns is now. NULL if the bytes are not a valid request or memory
 * ran out. */
otelc_batch *otelc_test_batch_new(const uint8_t *pb, size_t len);
/* A batch of signal s holding a copy of len bytes of that signal's
 * Export*ServiceRequest, with items its data points, log records or
 * spans as the test says (not validated). NULL if memory ran out. */
otelc_batch *otelc_test_batch_of(otelc_signal s, const uint8_t *pb, size_t len, uint32_t items);
/* otelc_test_batch_new from OTLP/JSON text (NUL-terminated). */
otelc_batch *otelc_test_batch_from_json(const char *json);
/* A batch of signal s holding a copy of len bytes of that signal's
 * Export*ServiceRequest, validated as a receiver validates it, items
 * counted as the receiver counts them (spans, data points of every kind,
 * log records); received_ns is now. NULL if the bytes are not a valid
 * request of s or memory ran out. */
otelc_batch *otelc_test_batch_signal_new(otelc_signal s, const uint8_t *pb, size_t len);
/* otelc_test_batch_signal_new from the OTLP/JSON (NUL-terminated) of a
 * request of signal s: {"resourceMetrics":[...]}, {"resourceLogs":[...]}. */
otelc_batch *otelc_test_batch_signal_from_json(otelc_signal s, const char *json);
/* A request of one resource (service.name = service, plain text without
 * quotes or backslashes) and one scope with spans spans named "span-0",
 * "span-1", ..., ten to a trace, ids derived from their index: a quick
 * batch when the content does not matter. */
otelc_batch *otelc_test_batch_spans(const char *service, uint32_t spans);

/* b's request as OTLP/JSON of its signal, NUL-terminated (malloc'ed: the
 * caller frees it), for assertions on content; NULL if b is not a valid
 * request. */
char *otelc_test_batch_json(otelc_batch *b);

/* Batches of the kit alive now, in this process (made by the kit or
 * through a host's batch_* services): 0 once a test released all. */
long otelc_test_batches_live(void);

/* ------------------------------------------------------------------ */
/* Emit                                                                */
/* ------------------------------------------------------------------ */

/* What emit and emit_ticket answer from now on (OK at first). PENDING
 * emits wait for otelc_test_host_complete_emit. */
void otelc_test_host_answer(otelc_test_host *h, otelc_status answer);
/* Queues a one-time answer: the next emits take queued answers in order,
 * then the default again (a RETRY once, say, then OK). */
void otelc_test_host_answer_next(otelc_test_host *h, otelc_status answer);

/* Emits recorded so far: every call, whatever its answer. */
size_t otelc_test_emitted_count(otelc_test_host *h);
/* The i-th emitted batch (from 0), or NULL; the host's reference. */
otelc_batch *otelc_test_emitted(otelc_test_host *h, size_t i);
/* Its bytes (contiguous) and length, or NULL. */
const uint8_t *otelc_test_emitted_bytes(otelc_test_host *h, size_t i, size_t *len);
uint32_t otelc_test_emitted_spans(otelc_test_host *h, size_t i);
/* The answer the i-th emit got. */
otelc_status otelc_test_emitted_answer(otelc_test_host *h, size_t i);
/* Spans of every emit answered OK or PENDING. */
uint64_t otelc_test_emitted_spans_total(otelc_test_host *h);
/* Waits up to timeout_ms for at least n emits; returns how many there are. */
size_t otelc_test_emitted_wait(otelc_test_host *h, size_t n, int timeout_ms);

/* Completes the i-th emit, which was answered PENDING: calls its done
 * function, or completes the ticket passed to emit_ticket, with status
 * (OK, RETRY or REJECT), from the calling thread. 0, or -1 if emit i was
 * not PENDING or is completed already. */
int otelc_test_host_complete_emit(otelc_test_host *h, size_t i, otelc_status status);
/* Completes every PENDING emit not yet completed; returns how many. */
size_t otelc_test_host_complete_all(otelc_test_host *h, otelc_status status);

/* ------------------------------------------------------------------ */
/* Tickets                                                             */
/* ------------------------------------------------------------------ */

/* A ticket to pass to consume (or export_send); the host's, freed with it. */
otelc_ticket *otelc_test_ticket_new(otelc_test_host *h);
/* How often the plugin completed t (exactly once after PENDING). */
int otelc_test_ticket_completions(const otelc_ticket *t);
bool otelc_test_ticket_done(const otelc_ticket *t);
/* The status of the last completion; meaningless before one. */
otelc_status otelc_test_ticket_status(const otelc_ticket *t);
/* Waits up to timeout_ms for a completion; returns otelc_test_ticket_done. */
bool otelc_test_ticket_wait(const otelc_ticket *t, int timeout_ms);

/* ------------------------------------------------------------------ */
/* What else the plugin did                                            */
/* ------------------------------------------------------------------ */

/* Metric values by name and labels (key, value, ..., NULL: the series
 * with exactly those labels, in any order; NULL: all series of the name,
 * summed). A counter's or gauge's value; 0 if no series matches. */
double otelc_test_metric(otelc_test_host *h, const char *name, const char *const *labels);
/* A histogram's observation count and sum. */
uint64_t otelc_test_metric_observations(otelc_test_host *h, const char *name,
                                        const char *const *labels);
double otelc_test_metric_sum(otelc_test_host *h, const char *name, const char *const *labels);
/* How many series of that name the plugin registered. */
size_t otelc_test_metric_series(otelc_test_host *h, const char *name);

/* Log lines recorded ("error: ...", "warn: ...", "info: ...",
 * "debug: ..."; config errors too), and how many contain needle. */
size_t otelc_test_log_count(otelc_test_host *h);
const char *otelc_test_log_line(otelc_test_host *h, size_t i);
size_t otelc_test_logged(otelc_test_host *h, const char *needle);

/* The last health report (OK before any); *detail (may be NULL) gets its
 * detail or NULL, valid until the next report. */
otelc_health otelc_test_host_health(otelc_test_host *h, const char **detail);
/* True while the exporter is paused; *reason (may be NULL) gets the last
 * pause reason, valid until the next pause. */
bool otelc_test_host_paused(otelc_test_host *h, const char **reason);
/* How often the plugin called consume_ready. */
size_t otelc_test_host_ready_calls(otelc_test_host *h);
/* What signals_fed answers the plugin (a mask of otelc_signal; traces
 * until set): the signals of the pipelines a receiver feeds, of a
 * processor's pipeline, of the pipelines an exporter ends. Set it before
 * otelc_test_plugin_create for a plugin that reads it at create. */
void otelc_test_host_set_signals_fed(otelc_test_host *h, uint32_t signals);

/* How often the plugin called memory_release. */
size_t otelc_test_host_memory_releases(otelc_test_host *h);

/* Services. What the plugin (an extension) offered of kind with
 * service_provide, with its state in *state (may be NULL); NULL if none.
 * And a service the test offers the plugin under extension id id (a
 * receiver's or exporter's `auth: { authenticator: id }` finds it with
 * service_lookup); vtable and state are the test's and must outlive the
 * host. Returns 0, or -1 if memory ran out. */
const void *otelc_test_host_provided(otelc_test_host *h, const char *kind, void **state);
int otelc_test_host_offer(otelc_test_host *h, const char *kind, const char *id,
                          const void *vtable, void *state);
/* An in-memory storage service (OTELC_SERVICE_STORAGE) to offer the
 * plugin: otelc_test_host_offer(h, OTELC_SERVICE_STORAGE, "file_storage",
 * otelc_test_storage_vtable(), s). Its tables outlive the plugin, so a
 * test may destroy the instance and create another over the same data
 * (a restart). Commits apply at once and their done runs inside commit,
 * unless held: then otelc_test_storage_release runs the held dones (the
 * data is visible to scans already) and returns how many. Free it after
 * the host; held commits are then dropped without their done. */
typedef struct otelc_test_storage otelc_test_storage;
otelc_test_storage *otelc_test_storage_new(void);
const otelc_storage *otelc_test_storage_vtable(void);
void otelc_test_storage_hold(otelc_test_storage *s, bool hold);
size_t otelc_test_storage_release(otelc_test_storage *s);
/* Keys in the table name of owner; commits made (all tables). */
size_t otelc_test_storage_count(otelc_test_storage *s, const char *owner, const char *name);
size_t otelc_test_storage_commits(otelc_test_storage *s);
/* From now on commits complete with ESHUTDOWN and clients are refused. */
void otelc_test_storage_close(otelc_test_storage *s);
void otelc_test_storage_free(otelc_test_storage *s);

/* How often the plugin called export_batching successfully, and the last
 * request into *out (may be NULL; metadata key strings are the host's
 * copies). */
int otelc_test_host_batching(otelc_test_host *h, otelc_batching *out);

/* ------------------------------------------------------------------ */
/* Admin routes                                                        */
/* ------------------------------------------------------------------ */

/* Calls the handler of the route matching method and target ("/path?a=1"
 * with the query) as the admin server would, on the calling thread.
 * Returns the request (the host's), or NULL if no route matches. body
 * (may be NULL) is copied. Query values reach http_query as written (not
 * percent-decoded); the request has no headers. */
otelc_test_http *otelc_test_http_request(otelc_test_host *h, const char *method,
                                         const char *target, const void *body, size_t len);
/* Waits up to timeout_ms for the whole answer (a response, or a stream's
 * end); returns the HTTP status, or -1 if the answer is not complete. */
int otelc_test_http_wait(otelc_test_http *r, int timeout_ms);
/* The answer's body so far (streamed chunks concatenated, NUL-terminated
 * for convenience) and a response header, or NULL. */
const char *otelc_test_http_body(otelc_test_http *r, size_t *len);
const char *otelc_test_http_header(otelc_test_http *r, const char *name);
/* The endpoint the plugin asked its routes be served on (http_serve), or
 * NULL: the admin endpoint. Valid while the host lives. */
const char *otelc_test_http_endpoint(otelc_test_host *h);
/* The auth.authenticator id the plugin's http_serve_settings named, or
 * NULL. Valid while the host lives. */
const char *otelc_test_http_authenticator(otelc_test_host *h);

#ifdef __cplusplus
}
#endif
#endif /* OTELC_TESTKIT_H */
