/* Typed config accessors; see config_value.h. */
#include "config_value.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config_units.h"

void otelc_cfg_wrong_type(otelc_errors *errs, const otelc_node *node, const char *expected)
{
    if (otelc_node_kind_of(node) == OTELC_NODE_SCALAR)
        otelc_errors_add_value(errs, node, "expected %s, got '%s'", expected,
                               otelc_node_text(node));
    else
        otelc_errors_add_value(errs, node, "expected %s, got %s", expected,
                               otelc_node_kind_name(otelc_node_kind_of(node)));
}

void otelc_cfg_unknown_key(otelc_errors *errs, const otelc_node *child)
{
    otelc_errors_add_key(errs, child, "unknown key");
}

size_t otelc_cfg_check_keys(const otelc_node *map, const char *const *known, otelc_errors *errs)
{
    size_t unknown = 0;

    for (const otelc_node *c = otelc_node_first(map); c != NULL; c = otelc_node_next(c)) {
        size_t i = 0;

        while (known[i] != NULL && strcmp(known[i], otelc_node_key(c)) != 0)
            i++;
        if (known[i] == NULL) {
            otelc_cfg_unknown_key(errs, c);
            unknown++;
        }
    }
    return unknown;
}

/* Gives the text of a typed scalar, or says why there is none: an absent,
 * empty or expanded-to-nothing value falls back to the default. */
static int typed_text(const otelc_node *node, otelc_errors *errs, const char *expected,
                      const char **text)
{
    switch (otelc_node_kind_of(node)) {
    case OTELC_NODE_NULL:
        return OTELC_CFG_DEFAULT;
    case OTELC_NODE_SCALAR:
        *text = otelc_node_text(node);
        if ((*text)[0] == '\0' && otelc_node_is_expanded(node))
            return OTELC_CFG_DEFAULT;
        return OTELC_CFG_OK;
    default:
        otelc_cfg_wrong_type(errs, node, expected);
        return OTELC_CFG_ERROR;
    }
}

int otelc_cfg_string(const otelc_node *node, otelc_errors *errs, const char **out)
{
    switch (otelc_node_kind_of(node)) {
    case OTELC_NODE_NULL:
        return OTELC_CFG_DEFAULT;
    case OTELC_NODE_SCALAR:
        *out = otelc_node_text(node);
        return OTELC_CFG_OK;
    default:
        otelc_cfg_wrong_type(errs, node, "a string");
        return OTELC_CFG_ERROR;
    }
}

int otelc_cfg_bool(const otelc_node *node, otelc_errors *errs, bool *out)
{
    static const char *const truths[] = {"true", "True", "TRUE"};
    static const char *const falsehoods[] = {"false", "False", "FALSE"};
    const char *text = NULL;
    int rc = typed_text(node, errs, "true or false", &text);

    if (rc != OTELC_CFG_OK)
        return rc;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(text, truths[i]) == 0 || strcmp(text, falsehoods[i]) == 0) {
            *out = strcmp(text, truths[i]) == 0;
            return OTELC_CFG_OK;
        }
    }
    otelc_errors_add_value(errs, node, "expected true or false, got '%s'", text);
    return OTELC_CFG_ERROR;
}

int otelc_cfg_int(const otelc_node *node, otelc_errors *errs, int64_t min, int64_t max,
                  int64_t *out)
{
    const char *text = NULL;
    char *end = NULL;
    long long value;
    int rc = typed_text(node, errs, "an integer", &text);

    if (rc != OTELC_CFG_OK)
        return rc;
    errno = 0;
    value = strtoll(text, &end, 10);
    if (text[0] == '\0' || !(text[0] == '-' || text[0] == '+' || (text[0] >= '0' && text[0] <= '9')) ||
        *end != '\0') {
        otelc_errors_add_value(errs, node, "expected an integer, got '%s'", text);
        return OTELC_CFG_ERROR;
    }
    if (errno == ERANGE || value < min || value > max) {
        otelc_errors_add_value(errs, node, "%s is out of range [%lld, %lld]", text,
                               (long long)min, (long long)max);
        return OTELC_CFG_ERROR;
    }
    *out = value;
    return OTELC_CFG_OK;
}

int otelc_cfg_double(const otelc_node *node, otelc_errors *errs, double *out)
{
    const char *text = NULL;
    char *end = NULL;
    double value;
    int rc = typed_text(node, errs, "a number", &text);

    if (rc != OTELC_CFG_OK)
        return rc;
    /* strtod also takes hex, "inf", "nan" and leading blanks; YAML
     * numbers are plain decimals. */
    if (text[0] == '\0' || strspn(text, "0123456789+-.eE") != strlen(text)) {
        otelc_errors_add_value(errs, node, "expected a number, got '%s'", text);
        return OTELC_CFG_ERROR;
    }
    errno = 0;
    value = strtod(text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(value)) {
        otelc_errors_add_value(errs, node, "expected a number, got '%s'", text);
        return OTELC_CFG_ERROR;
    }
    *out = value;
    return OTELC_CFG_OK;
}

int otelc_cfg_duration(const otelc_node *node, otelc_errors *errs, bool allow_negative,
                       int64_t *out_ns)
{
    const char *text = NULL;
    const char *why;
    int64_t value = 0;
    int rc = typed_text(node, errs, "a duration", &text);

    if (rc != OTELC_CFG_OK)
        return rc;
    why = otelc_parse_duration(text, &value);
    if (why != NULL) {
        otelc_errors_add_value(errs, node, "invalid duration '%s': %s", text, why);
        return OTELC_CFG_ERROR;
    }
    if (value < 0 && !allow_negative) {
        otelc_errors_add_value(errs, node, "invalid duration '%s': must not be negative", text);
        return OTELC_CFG_ERROR;
    }
    *out_ns = value;
    return OTELC_CFG_OK;
}

int otelc_cfg_size(const otelc_node *node, otelc_errors *errs, uint64_t *out_bytes)
{
    const char *text = NULL;
    const char *why;
    uint64_t value = 0;
    int rc = typed_text(node, errs, "a size", &text);

    if (rc != OTELC_CFG_OK)
        return rc;
    why = otelc_parse_size(text, &value);
    if (why != NULL) {
        otelc_errors_add_value(errs, node, "invalid size '%s': %s", text, why);
        return OTELC_CFG_ERROR;
    }
    *out_bytes = value;
    return OTELC_CFG_OK;
}

int otelc_cfg_string_list(const otelc_node *node, otelc_errors *errs, const char ***out,
                          size_t *count)
{
    const char **items = NULL;
    size_t n = 0;
    int rc = otelc_cfg_list(node, errs);

    if (rc != OTELC_CFG_OK)
        return rc;
    if (otelc_node_count(node) == 0) {
        *out = NULL;
        *count = 0;
        return OTELC_CFG_OK;
    }
    items = calloc(otelc_node_count(node), sizeof(*items));
    if (items == NULL) {
        otelc_errors_add_value(errs, node, "out of memory");
        return OTELC_CFG_ERROR;
    }
    for (const otelc_node *c = otelc_node_first(node); c != NULL; c = otelc_node_next(c)) {
        if (otelc_node_kind_of(c) != OTELC_NODE_SCALAR) {
            otelc_cfg_wrong_type(errs, c, "a string");
            rc = OTELC_CFG_ERROR;
            continue;
        }
        items[n++] = otelc_node_text(c);
    }
    if (rc != OTELC_CFG_OK) {
        free(items);
        return rc;
    }
    *out = items;
    *count = n;
    return OTELC_CFG_OK;
}

int otelc_cfg_map(const otelc_node *node, otelc_errors *errs)
{
    switch (otelc_node_kind_of(node)) {
    case OTELC_NODE_MAP:
        return OTELC_CFG_OK;
    case OTELC_NODE_NULL:
        return OTELC_CFG_DEFAULT;
    default:
        otelc_cfg_wrong_type(errs, node, "a map");
        return OTELC_CFG_ERROR;
    }
}

int otelc_cfg_list(const otelc_node *node, otelc_errors *errs)
{
    switch (otelc_node_kind_of(node)) {
    case OTELC_NODE_LIST:
        return OTELC_CFG_OK;
    case OTELC_NODE_NULL:
        return OTELC_CFG_DEFAULT;
    default:
        otelc_cfg_wrong_type(errs, node, "a list");
        return OTELC_CFG_ERROR;
    }
}
