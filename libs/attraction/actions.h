/*
 * actions.h: the collector's attribute actions (its attraction package),
 * the `actions` of the attributes processor and the `attributes` of the
 * resource processor:
 *
 *   - key: http.route            insert | update | upsert, with exactly one
 *     action: upsert               of value (typed as YAML types it),
 *     value: /users                from_attribute or from_context
 *   - { key: db.statement, action: delete }      key and/or pattern
 *   - { pattern: ^secret\., action: hash }       (a regex over keys)
 *   - { key: url, pattern: ^/u/(?P<uid>\d+), action: extract }
 *   - { key: retries, action: convert, converted_type: int }
 *
 * Actions run in order on one attribute list, each seeing what the ones
 * before it did. A config is checked as the collector checks it; every
 * error is reported at its node (file:line:column and key path).
 *
 * An attr_actions holds scratch space and compiled regexes with their
 * match data: it is used by one thread at a time (one per processor
 * instance: consume never runs concurrently with itself).
 */
#ifndef ATTRACTION_ACTIONS_H
#define ATTRACTION_ACTIONS_H

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>

#include <stddef.h>

typedef struct attr_actions attr_actions;

/*
 * Reads the list node `list` (the value of key `what` of the instance's
 * config, for messages) from create. Strings are borrowed from the config
 * tree, which outlives the instance's create..destroy. Returns 0 with *out
 * (free it with attr_actions_free), or -1 after config_error said why
 * (every problem found is reported, not just the first); an absent or
 * empty list is an error, as in the collector.
 */
int attr_actions_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                       const char *what, attr_actions **out);

void attr_actions_free(attr_actions *a);

/*
 * Applies every action to the attributes of the editor's current `at`
 * (resource or span). meta (may be NULL) is the batch's metadata, which
 * from_context reads. Returns the number of attribute changes, or a
 * negative OTLP_E* code (OTLP_ENOMEM: memory ran out; the editor's output
 * is then unusable).
 */
int attr_actions_apply(attr_actions *a, otlp_editor *ed, enum otlp_edit_target at,
                       const otelc_batch_meta *meta);

#endif /* ATTRACTION_ACTIONS_H */
