/*
 * creds_file.c: the shared credentials file's INI dialect.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "creds.h"

typedef struct span {
    const char *p;
    size_t len;
} span;

static span trim(const char *p, size_t len)
{
    while (len && isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    return (span){p, len};
}

static bool span_is(span s, const char *word)
{
    return s.len == strlen(word) && strncasecmp(s.p, word, s.len) == 0;
}

/* "[name]" or "[profile name]" names profile? */
static bool section_is(span line, const char *profile)
{
    span name = trim(line.p + 1, line.len - 2);
    if (name.len > 8 && strncmp(name.p, "profile", 7) == 0 && isspace((unsigned char)name.p[7]))
        name = trim(name.p + 8, name.len - 8);
    return name.len == strlen(profile) && memcmp(name.p, profile, name.len) == 0;
}

static bool is_indirect(span key)
{
    static const char *const keys[] = {"role_arn", "source_profile", "credential_process",
                                       "web_identity_token_file", "credential_source", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (span_is(key, keys[i]))
            return true;
    return key.len > 4 && strncasecmp(key.p, "sso_", 4) == 0;
}

static void take_pair(span line, s3_profile *out)
{
    const char *eq = memchr(line.p, '=', line.len);
    if (!eq)
        return;
    span key = trim(line.p, (size_t)(eq - line.p));
    span val = trim(eq + 1, line.len - (size_t)(eq + 1 - line.p));
    s3_ini_value v = {val.p, val.len};
    if (span_is(key, "aws_access_key_id"))
        out->key_id = v;
    else if (span_is(key, "aws_secret_access_key"))
        out->secret = v;
    else if (span_is(key, "aws_session_token"))
        out->token = v;
    else if (is_indirect(key))
        out->indirect = true;
}

void s3_profile_parse(const char *text, size_t len, const char *profile, s3_profile *out)
{
    memset(out, 0, sizeof(*out));
    bool inside = false;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        span line = trim(p, (size_t)((nl ? nl : end) - p));
        p = nl ? nl + 1 : end;
        if (line.len == 0 || line.p[0] == '#' || line.p[0] == ';')
            continue;
        if (line.p[0] == '[' && line.p[line.len - 1] == ']') {
            inside = section_is(line, profile);
            out->found |= inside;
        } else if (inside) {
            take_pair(line, out);
        }
    }
}
