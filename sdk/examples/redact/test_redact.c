/*
 * test_redact.c: unit tests of the redact processor with the SDK's test
 * kit (otelc/testkit.h): no daemon, no sockets. The kit plays the host:
 * it checks the config against the key table, records what the
 * processor emits and counts, and lets each test choose what downstream
 * answers. Built with the example when otelc::testkit is found; run with
 * ctest or ./test_redact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/testkit.h>

/* redact.c's descriptor, through the symbol every plugin exports. */
const otelc_plugin *otelc_plugin_entry_v1(void);

static int failures;

/* Plain checks, not assert(): they stay on in release builds and a
 * failure names its line and goes on to the next check. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static const char secrets[] =
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"shop\"}},"
    "{\"key\":\"db.password\",\"value\":{\"stringValue\":\"hunter2\"}}]},"
    "\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
    "\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"GET /cart\",\"attributes\":["
    "{\"key\":\"session.token\",\"value\":{\"stringValue\":\"s3cr3t\"}},"
    "{\"key\":\"token\",\"value\":{\"stringValue\":\"visible\"}}]}]}]}]}";

static const char *const labels[] = {"processor", "redact", "pipeline", "traces", NULL};

/* A host with a redact instance created from yaml; NULL if create failed. */
static otelc_test_host *host_with(const char *yaml, void **state)
{
    otelc_test_host *h = otelc_test_host_new();
    if (otelc_test_plugin_create(h, otelc_plugin_entry_v1(), "redact", yaml, state) != 0)
        *state = NULL;
    return h;
}

static void finish(otelc_test_host *h, void *state)
{
    if (state)
        otelc_plugin_entry_v1()->destroy(state);
    CHECK(otelc_test_host_check(h) == 0);
    otelc_test_host_free(h);
    CHECK(otelc_test_batches_live() == 0);
}

static void test_masks_matching_keys(void)
{
    void *state;
    otelc_test_host *h = host_with("keys: [\"*.password\", \"*.token\"]", &state);
    otelc_batch *b = otelc_test_batch_from_json(secrets);
    CHECK(state && b);

    CHECK(otelc_test_plugin_consume(h, b, NULL) == OTELC_OK);
    CHECK(otelc_test_emitted_count(h) == 1);
    char *json = otelc_test_batch_json(otelc_test_emitted(h, 0));
    CHECK(json && !strstr(json, "hunter2") && !strstr(json, "s3cr3t"));
    CHECK(json && strstr(json, "\"visible\"") && strstr(json, "\"***\""));
    CHECK(otelc_test_metric(h, "redact_processor_masked_attributes_total", labels) == 2);
    free(json);
    otelc_batch_unref(b);
    finish(h, state);
}

static void test_passes_clean_batches_unchanged(void)
{
    void *state;
    otelc_test_host *h = host_with("keys: [password]\nreplacement: \"[gone]\"", &state);
    otelc_batch *b = otelc_test_batch_spans("shop", 3);

    CHECK(otelc_test_plugin_consume(h, b, NULL) == OTELC_OK);
    CHECK(otelc_test_emitted(h, 0) == b); /* the very batch: nothing copied */
    CHECK(otelc_test_emitted_spans(h, 0) == 3);
    CHECK(otelc_test_metric(h, "redact_processor_masked_attributes_total", labels) == 0);
    otelc_batch_unref(b);
    finish(h, state);
}

static void test_config_errors(void)
{
    void *state;
    otelc_test_host *h = host_with("replacement: x", &state);
    CHECK(!state);
    CHECK(strstr(otelc_test_host_last_error(h), "name at least one key pattern"));
    finish(h, state);

    h = host_with("keys: [a]\nreplace: x", &state);
    CHECK(!state);
    CHECK(strstr(otelc_test_host_last_error(h), "config:2:1: key 'replace': unknown key"));
    finish(h, state);
}

/* Downstream's answer is the processor's: a PENDING emit completes the
 * ticket consume got, when downstream completes. */
static void test_downstream_answers_reach_the_caller(void)
{
    void *state;
    otelc_test_host *h = host_with("keys: [\"*.token\"]", &state);
    otelc_batch *b = otelc_test_batch_from_json(secrets);
    otelc_ticket *t;

    otelc_test_host_answer_next(h, OTELC_RETRY);
    CHECK(otelc_test_plugin_consume(h, b, NULL) == OTELC_RETRY);
    otelc_test_host_answer(h, OTELC_PENDING);
    CHECK(otelc_test_plugin_consume(h, b, &t) == OTELC_PENDING);
    CHECK(!otelc_test_ticket_done(t));
    CHECK(otelc_test_host_complete_emit(h, 1, OTELC_OK) == 0);
    CHECK(otelc_test_ticket_completions(t) == 1 && otelc_test_ticket_status(t) == OTELC_OK);
    otelc_batch_unref(b);
    finish(h, state);
}

static void test_rejects_malformed_requests(void)
{
    void *state;
    otelc_test_host *h = host_with("keys: [a]", &state);
    static const uint8_t junk[] = {0x0a, 0x05, 0x01};
    otelc_batch *b = otelc_test_host_api(h)->batch_copy(junk, sizeof(junk), 1, NULL);

    CHECK(otelc_test_plugin_consume(h, b, NULL) == OTELC_REJECT);
    CHECK(otelc_test_emitted_count(h) == 0);
    CHECK(otelc_test_logged(h, "a request was refused") == 1);
    otelc_batch_unref(b);
    finish(h, state);
}

int main(void)
{
    test_masks_matching_keys();
    test_passes_clean_batches_unchanged();
    test_config_errors();
    test_downstream_answers_reach_the_caller();
    test_rejects_malformed_requests();
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    else
        printf("test_redact: all checks passed\n");
    return failures ? 1 : 0;
}
