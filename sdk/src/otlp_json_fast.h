/*
 * otlp_json_fast.h: the OTLP/JSON writer's single pass (internal), for
 * messages whose fields come in field-number order, each singular field
 * once: what encoders write.
 */
#ifndef OTELC_SDK_OTLP_JSON_FAST_H
#define OTELC_SDK_OTLP_JSON_FAST_H

#include "json_out.h"
#include "otlp_json_schema.h"

#include <stdbool.h>

/*
 * Writes the JSON of message m (schema s, entered at AnyValue nesting
 * `depth`) and returns true; or returns false with o->cur where it was,
 * for the two-pass writer to write it instead (what that writer would
 * write differently or fail on, and messages too large for the pass).
 */
bool otlp_json_fast_message(struct json_out *o, const struct wschema *s, const pb_bytes *m,
                            unsigned depth);

#endif /* OTELC_SDK_OTLP_JSON_FAST_H */
