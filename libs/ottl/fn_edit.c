/*
 * fn_edit.c: the editors of the collector's ottlfuncs that write a path
 * or change a map: set, delete_key, delete_matching_keys, keep_keys,
 * keep_matching_keys, limit, merge_maps, truncate_all.
 *
 * A map is changed in one splice of the editor (the entries kept, in
 * their order, with new values where they changed), and only when
 * something changes, so a statement that finds nothing to do leaves the
 * request as it came.
 */
#include "fn.h"

RUN(ottl_fn_set)
{
    value v;
    (void)out;
    if (arg(e, c, 1, &v) != 0)
        return -1;
    /* the collector's set does nothing with nil (ottl.set.allowNil is off) */
    return v.t == V_NIL ? 0 : ottl_set_target(e, c, 0, &v);
}

RUN(ottl_fn_delete_key)
{
    pb_bytes key = lit_str(c, 1);
    (void)out;
    if (!e->ed)
        return ottl_errorf(e, "read-only evaluation cannot edit");
    int rc = otlp_edit_attr_delete(e->ed, ottl_level_target(c->argv[0]->path.level),
                                   (const char *)key.ptr, key.len);
    if (rc < 0)
        return ottl_edit_failed(e, rc);
    e->changes += rc > 0;
    return 0;
}

/* Keeps the entries keep() says yes to; one splice when any went. */
typedef int (*keep_fn)(ottl_env *e, const call_node *c, const otlp_kv *kv);

static int filter_map(ottl_env *e, const call_node *c, keep_fn keep)
{
    otlp_kv *kv;
    size_t n, kept = 0;
    if (ottl_target_entries(e, c, 0, &kv, &n) != 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        int rc = keep(e, c, &kv[k]);
        if (rc < 0)
            return -1;
        if (rc)
            kv[kept++] = kv[k];
    }
    return kept == n ? 0 : ottl_set_map_entries(e, c->argv[0], kv, kept);
}

static int regex_keep(ottl_env *e, const call_node *c, const otlp_kv *kv, bool keep_match)
{
    int m = ottl_regex_search(c->aux[1], kv->key);
    if (m < 0)
        return ottl_errorf(e, "the regex match limit was reached on key %.*s",
                           (int)kv->key.len, (const char *)kv->key.ptr);
    return (m == 1) == keep_match;
}

static int unmatched(ottl_env *e, const call_node *c, const otlp_kv *kv)
{
    return regex_keep(e, c, kv, false);
}

static int matched(ottl_env *e, const call_node *c, const otlp_kv *kv)
{
    return regex_keep(e, c, kv, true);
}

/* Whether key is one of the string literals of list argument i. */
static bool listed(const call_node *c, size_t i, pb_bytes key)
{
    const node *l = c->argv[i];
    for (size_t k = 0; k < l->list.n; k++)
        if (bytes_eq(key, l->list.items[k]->str.p, l->list.items[k]->str.n))
            return true;
    return false;
}

static int in_keys(ottl_env *e, const call_node *c, const otlp_kv *kv)
{
    (void)e;
    return listed(c, 1, kv->key);
}

RUN(ottl_fn_delete_matching_keys)
{
    (void)out;
    return filter_map(e, c, unmatched);
}

RUN(ottl_fn_keep_matching_keys)
{
    (void)out;
    return filter_map(e, c, matched);
}

RUN(ottl_fn_keep_keys)
{
    (void)out;
    return filter_map(e, c, in_keys);
}

/* ---- limit ---- */

const char *ottl_check_limit(const call_node *c)
{
    int64_t limit = c->argv[1]->i;
    if (limit < 0)
        return "invalid limit, it cannot be negative";
    if ((int64_t)c->argv[2]->list.n > limit)
        return "invalid limit, it cannot be less than the number of priority keys";
    return NULL;
}

RUN(ottl_fn_limit)
{
    otlp_kv *kv;
    size_t n, kept = 0;
    int64_t limit = c->argv[1]->i, count = 0;
    (void)out;
    if (ottl_target_entries(e, c, 0, &kv, &n) != 0)
        return -1;
    if ((int64_t)n <= limit)
        return 0;
    for (size_t k = 0; k < n; k++)
        count += listed(c, 2, kv[k].key);
    /* priority keys stay; of the others, the first ones while room is left */
    for (size_t k = 0; k < n; k++)
        if (listed(c, 2, kv[k].key) || count++ < limit)
            kv[kept++] = kv[k];
    return ottl_set_map_entries(e, c->argv[0], kv, kept);
}

/* ---- merge_maps ---- */

const char *ottl_check_merge_maps(const call_node *c)
{
    pb_bytes s = lit_str(c, 2);
    if (bytes_eq(s, "insert", 6) || bytes_eq(s, "update", 6) || bytes_eq(s, "upsert", 6))
        return NULL;
    return "invalid value for strategy, must be insert, update or upsert";
}

static int find_key(const otlp_kv *kv, size_t n, pb_bytes key)
{
    for (size_t k = 0; k < n; k++)
        if (bytes_eq(kv[k].key, key.ptr, key.len))
            return (int)k;
    return -1;
}

RUN(ottl_fn_merge_maps)
{
    value src;
    otlp_kv *target, *from, *all;
    size_t nt, nf, changed = 0;
    pb_bytes s = lit_str(c, 2);
    bool insert = !bytes_eq(s, "update", 6), update = !bytes_eq(s, "insert", 6);
    (void)out;
    if (arg(e, c, 1, &src) != 0)
        return -1;
    if (src.t != V_MAP)
        return ottl_type_error(e, "pcommon.Map", &src);
    if (ottl_map_entries(e, &src.l, &from, &nf) != 0 ||
        ottl_target_entries(e, c, 0, &target, &nt) != 0)
        return -1;
    if (!(all = ottl_arena_alloc(&e->scratch, (nt + nf + 1) * sizeof(otlp_kv))))
        return ottl_errorf(e, "out of memory");
    memcpy(all, target, nt * sizeof(otlp_kv));
    for (size_t k = 0; k < nf; k++) {
        int at = find_key(all, nt, from[k].key);
        if (at >= 0 && update) {
            all[at].value = from[k].value;
            changed++;
        } else if (at < 0 && insert) {
            all[nt++] = from[k];
            changed++;
        }
    }
    return changed ? ottl_set_map_entries(e, c->argv[0], all, nt) : 0;
}

/* ---- truncate_all ---- */

const char *ottl_check_truncate_all(const call_node *c)
{
    int64_t limit = c->argv[1]->i;
    if (limit < 0)
        return "invalid limit, it cannot be negative";
    if (has_arg(c, 3) && (int64_t)c->argv[3]->str.n > limit)
        return "the truncation_marker is longer than the limit";
    return NULL;
}

static pb_bytes truncated(ottl_env *e, const call_node *c, pb_bytes s, size_t limit)
{
    pb_bytes marker = has_arg(c, 3) ? lit_str(c, 3) : bytes_of("", 0);
    bool utf8_safe = !has_arg(c, 2) || c->argv[2]->b;
    size_t room = limit - marker.len;
    size_t cut = utf8_safe ? otlp_utf8_cut(s.ptr, s.len, room) : room;
    pb_bytes parts[2] = {bytes_of(s.ptr, cut), marker};
    return ottl_scratch_concat(e, parts, 2);
}

RUN(ottl_fn_truncate_all)
{
    otlp_kv *kv;
    size_t n, changed = 0;
    size_t limit = (size_t)c->argv[1]->i;
    (void)out;
    if (ottl_target_entries(e, c, 0, &kv, &n) != 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (kv[k].value.type != OTLP_ANY_STRING || kv[k].value.bytes.len <= limit)
            continue;
        kv[k].value.bytes = truncated(e, c, kv[k].value.bytes, limit);
        if (!kv[k].value.bytes.ptr)
            return ottl_errorf(e, "out of memory");
        changed++;
    }
    return changed ? ottl_set_map_entries(e, c->argv[0], kv, n) : 0;
}
