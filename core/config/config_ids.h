/* Component ids, `type[/name]`, as the collector spells them: the type
 * matches ^[a-zA-Z][0-9a-zA-Z_]{0,62}$, the name (optional) is non-empty
 * and holds no whitespace, control character or '/'.
 *
 * Pure functions; safe from any thread. */
#ifndef OTELC_CONFIG_IDS_H
#define OTELC_CONFIG_IDS_H

#include <stddef.h>

/* Splits `id`. On success returns NULL, copies the type into
 * type[0..type_cap) (type_cap >= 64 always fits) and points *name into
 * `id` after the '/' (NULL when there is none). On failure returns a
 * static message saying what is wrong. */
const char *otelc_component_id_parse(const char *id, char *type, size_t type_cap,
                                     const char **name);

#endif
