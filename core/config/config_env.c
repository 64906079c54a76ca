/* `${env:...}` expansion; see config_env.h. */
#include "config_env.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config_node_impl.h"
#include "telemetry/log.h"

typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

static int strbuf_put(strbuf *sb, const char *text, size_t n)
{
    if (sb->data == NULL || sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap != 0 ? sb->cap : 64;
        char *grown;

        while (cap < sb->len + n + 1)
            cap *= 2;
        grown = realloc(sb->data, cap);
        if (grown == NULL)
            return -1;
        sb->data = grown;
        sb->cap = cap;
    }
    memcpy(sb->data + sb->len, text, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

/* One `${...}` reference, split up; pointers into the scalar's text. */
typedef struct reference {
    const char *name;
    size_t name_len;
    const char *fallback; /* NULL when there is no ":-" */
    size_t fallback_len;
} reference;

static size_t name_length(const char *text, size_t max)
{
    size_t n = 0;

    if (max == 0 || !(isalpha((unsigned char)text[0]) || text[0] == '_'))
        return 0;
    while (n < max && (isalnum((unsigned char)text[n]) || text[n] == '_'))
        n++;
    return n;
}

/* Splits the inside of `${...}`. Returns 0, or -1 with an error recorded
 * at `node`. */
static int parse_reference(const otelc_node *node, const char *whole, size_t whole_len,
                           reference *ref, otelc_errors *errs)
{
    const char *inner = whole;
    size_t len = whole_len;
    size_t n;

    if (len >= 4 && memcmp(inner, "env:", 4) == 0) {
        inner += 4;
        len -= 4;
    }
    n = name_length(inner, len);
    memset(ref, 0, sizeof(*ref));
    ref->name = inner;
    ref->name_len = n;
    if (n > 0 && n == len)
        return 0;
    if (n > 0 && len - n >= 2 && inner[n] == ':' && inner[n + 1] == '-') {
        ref->fallback = inner + n + 2;
        ref->fallback_len = len - n - 2;
        return 0;
    }
    if (n > 0 && inner[n] == ':')
        otelc_errors_add_value(errs, node, "config provider '%.*s' is not supported (only env)",
                               (int)n, inner);
    else
        otelc_errors_add_value(errs, node, "'${%.*s}' does not name an environment variable",
                               (int)whole_len, whole);
    return -1;
}

static void warn_unset(const otelc_node *node, const reference *ref)
{
    char where[640];

    otelc_errors_prefix(where, sizeof(where), node, false);
    otelc_log(OTELC_LOG_WARN, "config",
              "%senvironment variable '%.*s' is not set; using an empty value", where,
              (int)ref->name_len, ref->name);
}

/* Appends the value of one reference. */
static int put_reference(strbuf *sb, const otelc_node *node, const reference *ref)
{
    char *name = strndup(ref->name, ref->name_len);
    const char *value;

    if (name == NULL)
        return -1;
    value = getenv(name);
    free(name);
    if (value != NULL)
        return strbuf_put(sb, value, strlen(value));
    if (ref->fallback != NULL)
        return strbuf_put(sb, ref->fallback, ref->fallback_len);
    warn_unset(node, ref);
    return strbuf_put(sb, "", 0);
}

/* What expanding one scalar came to. */
enum {
    EXPAND_NO_MEMORY = -2,
    EXPAND_FAILED = -1, /* an error was recorded */
    EXPAND_NOTHING = 0, /* no reference, at most `$$` */
    EXPAND_DONE = 1,    /* at least one reference was replaced */
};

/* Handles the text after one `$` at *p: `$$`, `${...}` or a lone `$`. */
static int expand_dollar(strbuf *sb, const otelc_node *node, const char **p, otelc_errors *errs)
{
    const char *close;
    reference ref;

    if (**p != '{') {
        /* `$$` is one `$`; a lone `$` stays. */
        if (**p == '$')
            (*p)++;
        return strbuf_put(sb, "$", 1) == 0 ? EXPAND_NOTHING : EXPAND_NO_MEMORY;
    }
    close = strchr(*p, '}');
    if (close == NULL) {
        otelc_errors_add_value(errs, node, "'${' without a closing '}'");
        return EXPAND_FAILED;
    }
    if (parse_reference(node, *p + 1, (size_t)(close - *p - 1), &ref, errs) != 0)
        return EXPAND_FAILED;
    if (put_reference(sb, node, &ref) != 0)
        return EXPAND_NO_MEMORY;
    *p = close + 1;
    return EXPAND_DONE;
}

/* Expands `node`'s text into `sb`; returns an EXPAND_* value. */
static int expand_text(strbuf *sb, const otelc_node *node, otelc_errors *errs)
{
    const char *p = node->text;
    int result = EXPAND_NOTHING;

    for (;;) {
        const char *dollar = strchr(p, '$');
        int rc;

        if (dollar == NULL)
            return strbuf_put(sb, p, strlen(p)) == 0 ? result : EXPAND_NO_MEMORY;
        if (strbuf_put(sb, p, (size_t)(dollar - p)) != 0)
            return EXPAND_NO_MEMORY;
        p = dollar + 1;
        rc = expand_dollar(sb, node, &p, errs);
        if (rc < 0)
            return rc;
        if (rc == EXPAND_DONE)
            result = EXPAND_DONE;
    }
}

static int expand_scalar(otelc_node *node, otelc_errors *errs)
{
    strbuf sb = {NULL, 0, 0};
    int rc;

    if (strchr(node->text, '$') == NULL)
        return 0;
    rc = expand_text(&sb, node, errs);
    if (rc == EXPAND_NO_MEMORY)
        otelc_errors_add_value(errs, node, "out of memory while expanding");
    if (rc < 0) {
        free(sb.data);
        return -1;
    }
    otelc_node_take_text(node, sb.data);
    if (rc == EXPAND_DONE)
        node->flags |= OTELC_NODE_EXPANDED;
    return 0;
}

int otelc_env_expand_tree(otelc_node *root, otelc_errors *errs)
{
    int rc = 0;

    if (root == NULL)
        return 0;
    if (root->kind == OTELC_NODE_SCALAR)
        return expand_scalar(root, errs);
    /* Nesting is capped by the parser, so recursion is bounded. */
    for (otelc_node *child = root->first; child != NULL; child = child->next) {
        if (otelc_env_expand_tree(child, errs) != 0)
            rc = -1;
    }
    return rc;
}
