/*
 * actions_apply.c: running attribute actions on the editor's current
 * resource or span, in order, each reading the list as the ones before
 * it left it (otlp_edit_attrs), as the collector's AttrProc.Process does.
 * Every function returns the attribute changes it made (0 or more) or a
 * negative OTLP_E* code.
 */
#include "actions_int.h"

#include <string.h>
#include <strings.h>

typedef struct place {
    otlp_editor *ed;
    enum otlp_edit_target at;
} place;

static int find(const place *pl, const char *key, size_t len, otlp_anyvalue *v)
{
    otlp_list cur;
    int rc = otlp_edit_attrs(pl->ed, pl->at, &cur);
    return rc < 0 ? rc : otlp_attr_find(&cur, key, len, v);
}

static int put(const place *pl, pb_bytes key, const otlp_anyvalue *v, enum otlp_attr_mode mode)
{
    return otlp_edit_attr_put(pl->ed, pl->at, (const char *)key.ptr, key.len, v, mode);
}

static pb_bytes key_of(const char *s)
{
    return (pb_bytes){(const uint8_t *)s, strlen(s)};
}

/* from_context: request metadata, the values of one key joined with ";".
 * otelc has no client address or auth data on a batch (yet): those keys
 * find nothing, as in the collector without them. */
static int context_value(attr_actions *a, const char *key, const otelc_batch_meta *meta,
                         otlp_anyvalue *out)
{
    if (strncmp(key, "metadata.", 9) == 0)
        key += 9;
    else if (strncmp(key, "auth.", 5) == 0 || strcmp(key, "client.address") == 0)
        return 0;
    size_t found = 0;
    a->scratch.len = 0;
    for (size_t i = 0; meta && i < meta->npairs; i++) {
        if (strcasecmp(meta->pairs[i].key, key) != 0)
            continue;
        if (found++)
            attr_buf_put(&a->scratch, ";", 1);
        attr_buf_put(&a->scratch, meta->pairs[i].value, strlen(meta->pairs[i].value));
    }
    if (a->scratch.failed)
        return OTLP_ENOMEM;
    *out = (otlp_anyvalue){.type = OTLP_ANY_STRING};
    out->bytes = (pb_bytes){(const uint8_t *)a->scratch.p, a->scratch.len};
    return found > 0;
}

static int act_set(attr_actions *a, const action *ac, const place *pl, const otelc_batch_meta *meta)
{
    static const enum otlp_attr_mode modes[] = {
        [ACT_INSERT] = OTLP_ATTR_INSERT, [ACT_UPDATE] = OTLP_ATTR_UPDATE,
        [ACT_UPSERT] = OTLP_ATTR_UPSERT};
    otlp_anyvalue v = ac->value;
    int rc = 1;
    if (ac->src == SRC_ATTRIBUTE)
        rc = find(pl, ac->from, strlen(ac->from), &v);
    else if (ac->src == SRC_CONTEXT)
        rc = context_value(a, ac->from, meta, &v);
    return rc <= 0 ? rc : put(pl, key_of(ac->key), &v, modes[ac->kind]);
}

/* The keys of the current list that re matches, into a->keys (each as its
 * length, then its bytes): the list changes under the actions that follow. */
static int collect_keys(attr_actions *a, attr_regex *re, const place *pl)
{
    otlp_list cur;
    otlp_list_iter it;
    otlp_kv kv;
    int rc = otlp_edit_attrs(pl->ed, pl->at, &cur);
    a->keys.len = 0;
    if (rc < 0)
        return rc;
    otlp_list_iter_init(&it, &cur);
    while ((rc = otlp_attr_next(&it, &kv)) > 0)
        if (attr_regex_search(re, kv.key.ptr, kv.key.len)) {
            attr_buf_put(&a->keys, &kv.key.len, sizeof kv.key.len);
            attr_buf_put(&a->keys, kv.key.ptr, kv.key.len);
        }
    return rc < 0 ? rc : a->keys.failed ? OTLP_ENOMEM : OTLP_OK;
}

/* The next collected key; *off walks a->keys. */
static bool next_key(const attr_actions *a, size_t *off, pb_bytes *key)
{
    if (*off >= a->keys.len)
        return false;
    memcpy(&key->len, a->keys.p + *off, sizeof key->len);
    key->ptr = (const uint8_t *)a->keys.p + *off + sizeof key->len;
    *off += sizeof key->len + key->len;
    return true;
}

static int hash_key(const place *pl, pb_bytes key)
{
    char hex[65];
    otlp_anyvalue v;
    int rc = find(pl, (const char *)key.ptr, key.len, &v);
    if (rc <= 0)
        return rc;
    attr_value_hash(&v, hex);
    otlp_anyvalue h = otlp_any_string(hex);
    return put(pl, key, &h, OTLP_ATTR_UPDATE);
}

static int delete_key(const place *pl, pb_bytes key)
{
    return otlp_edit_attr_delete(pl->ed, pl->at, (const char *)key.ptr, key.len);
}

/* delete and hash: the key first, then every key the pattern matches
 * afterwards (a key matched by both is hashed twice, as in the collector). */
static int act_by_key(attr_actions *a, const action *ac, const place *pl,
                      int (*one)(const place *, pb_bytes))
{
    int rc = ac->key ? one(pl, key_of(ac->key)) : 0, changes = rc;
    size_t off = 0;
    pb_bytes k;
    if (rc < 0 || !ac->re || (rc = collect_keys(a, ac->re, pl)) < 0)
        return rc < 0 ? rc : changes;
    while (next_key(a, &off, &k)) {
        if ((rc = one(pl, k)) < 0)
            return rc;
        changes += rc;
    }
    return changes;
}

/* extract: the named groups of the first match in a string value become
 * attributes (upserted; a group that took no part gives ""). */
static int act_extract(attr_actions *a, const action *ac, const place *pl)
{
    otlp_anyvalue v;
    int rc = find(pl, ac->key, strlen(ac->key), &v), changes = 0;
    if (rc <= 0 || v.type != OTLP_ANY_STRING)
        return rc < 0 ? rc : 0;
    /* A copy: v may point into the list the puts below rewrite. */
    a->scratch.len = 0;
    attr_buf_put(&a->scratch, v.bytes.ptr, v.bytes.len);
    const uint8_t *s = (const uint8_t *)a->scratch.p;
    if (a->scratch.failed)
        return OTLP_ENOMEM;
    if (!attr_regex_search(ac->re, s, v.bytes.len))
        return 0;
    for (size_t i = 1; i <= attr_regex_groups(ac->re); i++) {
        otlp_anyvalue g = {.type = OTLP_ANY_STRING};
        g.bytes = attr_regex_group(ac->re, s, i);
        if ((rc = put(pl, key_of(attr_regex_group_name(ac->re, i)), &g, OTLP_ATTR_UPSERT)) < 0)
            return rc;
        changes += rc;
    }
    return changes;
}

/* convert: a value that does not convert is left as it is. */
static int act_convert(attr_actions *a, const action *ac, const place *pl)
{
    otlp_anyvalue v, out;
    int rc = find(pl, ac->key, strlen(ac->key), &v);
    if (rc <= 0)
        return rc;
    a->scratch.len = 0;
    if (!attr_value_convert(&v, ac->to, &a->scratch, &out))
        return a->scratch.failed ? OTLP_ENOMEM : 0;
    return put(pl, key_of(ac->key), &out, OTLP_ATTR_UPDATE);
}

static int run(attr_actions *a, const action *ac, const place *pl, const otelc_batch_meta *meta)
{
    switch (ac->kind) {
    case ACT_INSERT:
    case ACT_UPDATE:
    case ACT_UPSERT: return act_set(a, ac, pl, meta);
    case ACT_DELETE: return act_by_key(a, ac, pl, delete_key);
    case ACT_HASH: return act_by_key(a, ac, pl, hash_key);
    case ACT_EXTRACT: return act_extract(a, ac, pl);
    default: return act_convert(a, ac, pl);
    }
}

int attr_actions_apply(attr_actions *a, otlp_editor *ed, enum otlp_edit_target at,
                       const otelc_batch_meta *meta)
{
    place pl = {ed, at};
    int changes = 0;
    for (size_t i = 0; i < a->n; i++) {
        int rc = run(a, &a->v[i], &pl, meta);
        if (rc < 0)
            return rc;
        changes += rc;
    }
    return changes;
}
