/*
 * regex.h: the regular expressions of OTTL (IsMatch, replace_pattern,
 * delete_matching_keys, ...) on PCRE2.
 *
 * The collector compiles them with Go's regexp (RE2 syntax). PCRE2 reads
 * the same syntax for what configs use: classes, \d \w \s (ASCII, as in
 * Go), (?i) and other flags, (?P<name>...) and (?<name>...), lazy
 * quantifiers; `$` matches at the very end only and `.` no newline, as in
 * Go. What differs: PCRE2 backtracks, so a pathological pattern is cut
 * off by a match limit (an evaluation error) where RE2 runs in linear
 * time; and PCRE2 accepts more (lookaround, backreferences) than RE2.
 *
 * A compiled regex holds its match data: one thread at a time.
 */
#ifndef OTTL_REGEX_H
#define OTTL_REGEX_H

#include "internal.h"

typedef struct ottl_regex ottl_regex;

/* Compiles the n bytes of pattern. NULL with a reason in err (cap bytes). */
ottl_regex *ottl_regex_compile(const char *pattern, size_t n, char *err, size_t cap);
void ottl_regex_free(void *re);

/* Whether re matches somewhere in s (Go's MatchString). 1, 0, or -1 when
 * the match limit cut it off. */
int ottl_regex_search(ottl_regex *re, pb_bytes s);

/*
 * Go's ReplaceAllString: every non-overlapping match in s replaced by
 * repl with $1, ${1}, $name, ${name} expanded and $$ a literal $. The
 * result is made in a (a view of s itself when nothing matched). 0, or
 * -1 with e->err.
 */
int ottl_regex_replace_all(ottl_env *e, ottl_regex *re, pb_bytes s, pb_bytes repl,
                           pb_bytes *out);

/* The matches of re in s, for the replace functions that hash each
 * replacement: calls fn(arg, match, expanded) for each, in order. */
typedef int (*ottl_match_fn)(void *arg, pb_bytes match, pb_bytes expanded);
int ottl_regex_each(ottl_env *e, ottl_regex *re, pb_bytes s, pb_bytes repl,
                    ottl_match_fn fn, void *arg);

/* Globs (replace_match, replace_all_matches): gobwas/glob syntax without
 * separators: * ? [abc] [!a-z] {alt,ernatives} and \ escapes. The
 * pattern is kept; compile checks it. */
typedef struct ottl_glob ottl_glob;
ottl_glob *ottl_glob_compile(const char *pattern, size_t n, char *err, size_t cap);
void ottl_glob_free(void *g);
bool ottl_glob_match(const ottl_glob *g, pb_bytes s);

#endif /* OTTL_REGEX_H */
