/*
 * conv_rules.c: compiling a conv_spec into one hash table of attribute
 * keys, so that the wire walker asks one question per attribute.
 */
#include "conv_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_key(const void *key, size_t len)
{
    /* FNV-1a: short keys, no allocation, good enough spread. */
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

const conv_entry *conv_rules_find(const conv_rules *r, const void *key, size_t len)
{
    if (!r->slots)
        return NULL;
    for (size_t i = hash_key(key, len) & r->mask;; i = (i + 1) & r->mask) {
        const conv_entry *e = &r->slots[i];
        if (!e->key)
            return NULL;
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
}

/* The entry for key, added empty when missing. The table never fills:
 * it has twice as many slots as keys can be added. */
static conv_entry *slot_for(conv_rules *r, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = hash_key(key, len) & r->mask;; i = (i + 1) & r->mask) {
        conv_entry *e = &r->slots[i];
        if (!e->key) {
            e->key = key;
            e->key_len = len;
            return e;
        }
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
}

static size_t semconv_count(void)
{
    size_t n = 0;
    while (conv_semconv_table[n].from)
        n++;
    return n;
}

static int fail(char *why, size_t cap, const char *what, const char *key)
{
    snprintf(why, cap, "%s \"%s\"", what, key ? key : "");
    return -1;
}

static int add_renames(conv_rules *r, const conv_spec *spec, char *why, size_t cap)
{
    if (spec->semconv_upgrade)
        for (const conv_semconv *s = conv_semconv_table; s->from; s++)
            slot_for(r, s->from)->rename = s;
    for (size_t i = 0; i < spec->nrenames; i++) {
        const conv_rename_spec *rs = &spec->renames[i];
        if (!rs->from || !*rs->from || !rs->to || !*rs->to)
            return fail(why, cap, "renames need a non-empty from and to; got", rs->from);
        for (size_t j = 0; j < i; j++)
            if (strcmp(spec->renames[j].from, rs->from) == 0)
                return fail(why, cap, "renames: key given twice:", rs->from);
        conv_entry *e = slot_for(r, rs->from);
        r->config_renames[i] = (conv_semconv){rs->from, RN_PLAIN, rs->to, NULL, NULL, 0};
        e->rename = &r->config_renames[i]; /* config wins over the built-in row */
    }
    return 0;
}

static int add_moves(conv_rules *r, const conv_key_action *list, size_t n, bool to_res,
                     char *why, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        if (!list[i].key || !*list[i].key)
            return fail(why, cap, "an empty key in", to_res ? "to_resource" : "from_resource");
        conv_entry *e = slot_for(r, list[i].key);
        conv_action *a = to_res ? &e->to_resource : &e->from_resource;
        if (*a != CONV_NO_MOVE)
            return fail(why, cap, to_res ? "to_resource: key given twice:"
                                         : "from_resource: key given twice:", list[i].key);
        *a = list[i].action == CONV_MOVE ? CONV_MOVE : CONV_COPY;
    }
    return 0;
}

static int add_others(conv_rules *r, const conv_spec *spec, char *why, size_t cap)
{
    for (size_t i = 0; i < spec->ndeletes; i++) {
        if (!spec->deletes[i] || !*spec->deletes[i])
            return fail(why, cap, "an empty key in", "delete");
        slot_for(r, spec->deletes[i])->del = true;
    }
    for (size_t i = 0; i < spec->ncoerce; i++) {
        const conv_coerce_spec *c = &spec->coerce[i];
        if (!c->key || !*c->key || c->to == CONV_NONE)
            return fail(why, cap, "coerce needs a key and a type; got", c->key);
        conv_entry *e = slot_for(r, c->key);
        if (e->coerce != CONV_NONE)
            return fail(why, cap, "coerce: key given twice:", c->key);
        e->coerce = c->to;
        r->has_coerce = true;
    }
    if (add_moves(r, spec->to_resource, spec->nto_resource, true, why, cap) != 0)
        return -1;
    return add_moves(r, spec->from_resource, spec->nfrom_resource, false, why, cap);
}

static uint64_t limit(int64_t v)
{
    return v > 0 ? (uint64_t)v : 0;
}

int conv_rules_build(conv_rules *r, const conv_spec *spec, char *why, size_t cap)
{
    *r = (conv_rules){0};
    size_t keys = semconv_count() + spec->nrenames + spec->ndeletes + spec->ncoerce +
                  spec->nfrom_resource + spec->nto_resource;
    size_t slots = 16;
    while (slots < keys * 2)
        slots *= 2;
    r->slots = calloc(slots, sizeof(*r->slots));
    r->config_renames = calloc(spec->nrenames ? spec->nrenames : 1, sizeof(*r->config_renames));
    r->mask = slots - 1;
    if (!r->slots || !r->config_renames) {
        conv_rules_free(r);
        return fail(why, cap, "out of memory", NULL);
    }
    if (add_renames(r, spec, why, cap) != 0 || add_others(r, spec, why, cap) != 0) {
        conv_rules_free(r);
        return -1;
    }
    r->has_renames = spec->semconv_upgrade || spec->nrenames || spec->ndeletes;
    r->to_resource = spec->to_resource;
    r->nto_resource = spec->nto_resource;
    r->from_resource = spec->from_resource;
    r->nfrom_resource = spec->nfrom_resource;
    r->max_attrs = limit(spec->max_attributes_per_span);
    r->max_value_len = limit(spec->max_attribute_value_length);
    r->max_events = limit(spec->max_events_per_span);
    r->max_links = limit(spec->max_links_per_span);
    return 0;
}

void conv_rules_free(conv_rules *r)
{
    free(r->slots);
    free(r->config_renames);
    *r = (conv_rules){0};
}

bool conv_rules_active(const conv_rules *r)
{
    if (r->max_attrs || r->max_value_len || r->max_events || r->max_links)
        return true;
    for (size_t i = 0; i <= r->mask; i++)
        if (r->slots[i].key)
            return true;
    return false;
}
