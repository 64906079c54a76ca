/*
 * creds.h: AWS credentials for the S3 client.
 *
 * Resolution order, first match wins:
 *   1. the config (s3uploader.access_key_id / secret_access_key /
 *      session_token);
 *   2. the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN);
 *   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *      $HOME/.aws/credentials), profile AWS_PROFILE or "default".
 * Web identity, container and instance metadata credentials, and profiles
 * that assume roles or run processes, are refused as not supported yet.
 *
 * Credentials are immutable and refcounted so an upload keeps the set it
 * was signed with while a reload installs a new one. Secrets are wiped when
 * the last reference goes, and no error message ever carries one.
 */
#ifndef OTELC_S3_CREDS_H
#define OTELC_S3_CREDS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum s3_creds_source {
    S3_CREDS_CONFIG = 0,
    S3_CREDS_ENV = 1,
    S3_CREDS_FILE = 2,
} s3_creds_source;

typedef struct s3_creds {
    atomic_uint refs;
    s3_creds_source source;
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL for long-term keys */
    char path[1024];     /* the shared file read (S3_CREDS_FILE) */
    char profile[128];   /* its profile */
} s3_creds;

/* Reads an environment variable; NULL when unset. */
typedef const char *(*s3_getenv_fn)(const char *name);

typedef struct s3_creds_in {
    const char *access_key_id; /* from the config; NULL or "" when absent */
    const char *secret_access_key;
    const char *session_token;
    s3_getenv_fn getenv; /* NULL: the process environment */
} s3_creds_in;

/*
 * Resolves credentials as described above. Reads the shared file when it
 * comes to it (blocking I/O: call from start or a consumer thread). On
 * success returns 0 and *out holds one reference for the caller. On
 * failure returns -1 and writes a secret-free reason into err.
 */
int s3_creds_resolve(const s3_creds_in *in, s3_creds **out, char *err, size_t err_size);

/*
 * Reads cur's shared file and profile again (cur must come from
 * S3_CREDS_FILE). 0 with a new reference in *out, or -1 with a reason.
 */
int s3_creds_reload(const s3_creds *cur, s3_creds **out, char *err, size_t err_size);

/* Takes a reference; returns c. Any thread. */
s3_creds *s3_creds_ref(s3_creds *c);

/* Drops a reference; the last one wipes and frees. NULL is a no-op. */
void s3_creds_unref(s3_creds *c);

/* "config", "environment" or "shared credentials file". */
const char *s3_creds_source_name(s3_creds_source s);

/* One profile's values found in a shared credentials file: views into the
 * text that was parsed, with their lengths (ptr NULL when absent). */
typedef struct s3_ini_value {
    const char *ptr;
    size_t len;
} s3_ini_value;

typedef struct s3_profile {
    bool found;              /* the [profile] section exists */
    s3_ini_value key_id;  /* aws_access_key_id */
    s3_ini_value secret;  /* aws_secret_access_key */
    s3_ini_value token;   /* aws_session_token */
    bool indirect;           /* role_arn, source_profile, credential_process,
                              * sso_*, web_identity_token_file */
} s3_profile;

/*
 * Finds profile in the INI text[0..len) of a shared credentials file:
 * sections "[name]" (or "[profile name]"), "key = value" lines, '#' and
 * ';' comment lines, blanks trimmed, key names case-insensitive; a key
 * repeated in the profile keeps its last value. Pure; allocates nothing.
 */
void s3_profile_parse(const char *text, size_t len, const char *profile, s3_profile *out);

#endif /* OTELC_S3_CREDS_H */
