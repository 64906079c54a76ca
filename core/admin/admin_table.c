/*
 * admin_table.c: route patterns and matching.
 *
 * Patterns and paths are split into segments once; a route matches a path
 * of as many segments when each exact segment is equal. Among matches the
 * most specific wins, compared left to right: at the first segment where
 * one route is exact and the other a parameter, the exact one wins
 * (/api/traces/search beats /api/traces/{id}). The table is small (tens of
 * routes), so a walk is all it needs.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_METHOD_LEN 16

size_t admin_split_path(char *path, const char **seg)
{
    char *p;
    size_t n = 0;

    if (!path || path[0] != '/')
        return 0;
    p = path + 1;
    for (;;) {
        char *slash = strchr(p, '/');
        if (n == ADMIN_MAX_SEGMENTS)
            return 0;
        seg[n++] = p;
        if (!slash)
            return n;
        *slash = '\0';
        p = slash + 1;
    }
}

const char *admin_method_name(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "OTHER";
    }
}

static bool valid_method(const char *m)
{
    size_t len = m ? strlen(m) : 0;

    if (len == 0 || len > MAX_METHOD_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    }
    return true;
}

static bool valid_param_name(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Turns "{name}" into "name" in place and marks it; -1 if malformed. */
static int parse_segment(admin_entry *r, size_t i)
{
    char *s = r->storage + (r->seg[i] - r->storage); /* seg[] points into storage */
    size_t len = strlen(s);

    if (len > 0 && s[0] == '{') {
        if (s[len - 1] != '}' || !valid_param_name(s + 1, len - 2))
            return -1;
        s[len - 1] = '\0';
        r->seg[i] = s + 1;
        r->param[i] = true;
        return 0;
    }
    return strpbrk(s, "{}") ? -1 : 0;
}

static bool params_distinct(const admin_entry *r)
{
    for (size_t i = 0; i < r->nseg; i++) {
        for (size_t j = i + 1; j < r->nseg && r->param[i]; j++) {
            if (r->param[j] && strcmp(r->seg[i], r->seg[j]) == 0)
                return false;
        }
    }
    return true;
}

admin_entry *admin_entry_new(unsigned scope, const char *method, const char *pattern,
                             otelc_route_fn fn, void *arg)
{
    admin_entry *r;

    if (!valid_method(method) || !pattern || !fn)
        return NULL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->scope = scope;
    r->fn = fn;
    r->arg = arg;
    r->method = strdup(method);
    r->pattern = strdup(pattern);
    r->storage = strdup(pattern);
    if (!r->method || !r->pattern || !r->storage)
        goto out_free_route;
    r->nseg = admin_split_path(r->storage, r->seg);
    if (r->nseg == 0)
        goto out_free_route;
    for (size_t i = 0; i < r->nseg; i++) {
        if (parse_segment(r, i) != 0)
            goto out_free_route;
    }
    if (!params_distinct(r))
        goto out_free_route;
    return r;

out_free_route:
    admin_entry_free(r);
    return NULL;
}

void admin_entry_free(admin_entry *r)
{
    if (!r)
        return;
    free(r->method);
    free(r->pattern);
    free(r->storage);
    free(r);
}

bool admin_entry_same(const admin_entry *x, const admin_entry *y)
{
    if (strcmp(x->method, y->method) != 0 || x->nseg != y->nseg)
        return false;
    for (size_t i = 0; i < x->nseg; i++) {
        if (x->param[i] != y->param[i])
            return false;
        if (!x->param[i] && strcmp(x->seg[i], y->seg[i]) != 0)
            return false;
    }
    return true;
}

/* True when r matches the path; *rank has one bit per exact segment, the
 * first segment highest, so a larger rank is the more specific route. */
static bool path_matches(const admin_entry *r, const char *const *seg, size_t nseg,
                         uint64_t *rank)
{
    *rank = 0;
    if (r->nseg != nseg)
        return false;
    for (size_t i = 0; i < nseg; i++) {
        if (r->param[i])
            continue;
        if (strcmp(r->seg[i], seg[i]) != 0)
            return false;
        *rank |= (uint64_t)1 << (63 - i);
    }
    return true;
}

static bool method_matches(const admin_entry *r, const char *method)
{
    /* HEAD is GET without the body, which evhttp leaves out itself. */
    return strcmp(r->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

/* Adds method to the comma-separated list unless it is there already. */
static void allow_add(char *allow, size_t len, const char *method)
{
    size_t mlen = strlen(method);
    size_t used = strlen(allow);

    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += mlen) {
        if ((p == allow || p[-1] == ' ') && (p[mlen] == ',' || p[mlen] == '\0'))
            return;
    }
    snprintf(allow + used, len - used, "%s%s", used ? ", " : "", method);
}

const admin_entry *admin_entry_find(const admin_entry *routes, unsigned scopes,
                                    const char *method, const char *const *seg, size_t nseg,
                                    char *allow, size_t allowlen)
{
    const admin_entry *best = NULL;
    uint64_t best_rank = 0;

    allow[0] = '\0';
    for (const admin_entry *r = routes; r; r = r->next) {
        uint64_t rank;
        if (!(r->scope & scopes) || !path_matches(r, seg, nseg, &rank))
            continue;
        if (!method_matches(r, method)) {
            allow_add(allow, allowlen, r->method);
            continue;
        }
        if (!best || rank > best_rank) {
            best = r;
            best_rank = rank;
        }
    }
    if (best)
        allow[0] = '\0';
    return best;
}
