/*
 * actions_int.h: what the parsing and applying halves of actions.h share.
 */
#ifndef ATTRACTION_ACTIONS_INT_H
#define ATTRACTION_ACTIONS_INT_H

#include "actions.h"
#include "regex.h"
#include "value.h"

enum act_kind { ACT_INSERT, ACT_UPDATE, ACT_UPSERT, ACT_DELETE, ACT_HASH, ACT_EXTRACT, ACT_CONVERT };

/* Where insert, update and upsert take the value from. */
enum act_source { SRC_NONE, SRC_VALUE, SRC_ATTRIBUTE, SRC_CONTEXT };

typedef struct action {
    enum act_kind kind;
    const char *key;      /* NULL when only a pattern selects (delete, hash) */
    enum act_source src;
    otlp_anyvalue value;  /* SRC_VALUE; strings view the config tree */
    const char *from;     /* SRC_ATTRIBUTE / SRC_CONTEXT key */
    attr_regex *re;       /* pattern: over keys (delete, hash) or the value (extract) */
    enum attr_conv to;    /* convert */
} action;

struct attr_actions {
    action *v;
    size_t n;
    attr_buf scratch; /* values made by one action */
    attr_buf keys;    /* keys a pattern selected: length, then the bytes */
};

#endif /* ATTRACTION_ACTIONS_INT_H */
