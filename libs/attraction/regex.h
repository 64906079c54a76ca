/*
 * regex.h: the regular expressions of attribute actions and match
 * properties, on PCRE2.
 *
 * The collector compiles these with Go's regexp (RE2 syntax). PCRE2 reads
 * the same syntax for everything a config uses in practice: named groups
 * as (?P<name>...) or (?<name>...), (?:...), classes, \d \w \s (ASCII, as
 * in Go), flags like (?i), lazy quantifiers. `$` matches at the very end
 * only and `.` not a newline, as in Go. What differs: PCRE2 backtracks,
 * so a pathological pattern is cut off by a match limit (that match then
 * counts as no match) where RE2 runs in linear time; and PCRE2 accepts
 * more (lookaround, backreferences) than RE2 would.
 *
 * A compiled regex holds its own match data: one thread at a time.
 */
#ifndef ATTRACTION_REGEX_H
#define ATTRACTION_REGEX_H

#include <otelc/sdk/pbwire.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct attr_regex attr_regex;

/* Compiles pattern (UTF-8, NUL-terminated). NULL with a reason in err
 * (err_cap bytes, NUL-terminated) when it does not compile or memory ran
 * out. */
attr_regex *attr_regex_compile(const char *pattern, char *err, size_t err_cap);

/* Frees re; NULL is a no-op. */
void attr_regex_free(attr_regex *re);

/* Whether re matches somewhere in the n bytes at s (unanchored, as Go's
 * MatchString). A match cut off by the limit is false. */
bool attr_regex_search(attr_regex *re, const uint8_t *s, size_t n);

/* Capturing groups of the pattern (group 0, the whole match, excluded). */
size_t attr_regex_groups(const attr_regex *re);

/* The name of group i (1-based), or NULL for an unnamed group. Lives as
 * long as re. */
const char *attr_regex_group_name(const attr_regex *re, size_t i);

/* After a successful attr_regex_search: the bytes group i captured (a view
 * into the searched bytes); an unset group is empty. */
pb_bytes attr_regex_group(const attr_regex *re, const uint8_t *s, size_t i);

#endif /* ATTRACTION_REGEX_H */
