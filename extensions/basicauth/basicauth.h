/*
 * basicauth.h: the basicauth extension's config and state, shared by the
 * server side (basicauth.c) and the client side (client.c). Internal.
 */
#ifndef OTELC_BASICAUTH_H
#define OTELC_BASICAUTH_H

#include <pthread.h>
#include <stdbool.h>

#include <otelc/plugin.h>

#include "authkit/authkit.h"
#include "htpasswd.h"

typedef struct ba_cfg {
    const char *file;
    const char *inl;
    const char *username;
    const char *password;
    const char *username_file;
    const char *password_file;
} ba_cfg;

#define BA_CACHE_SLOTS 64

/* Credentials verified lately, as keyed digests (never the passwords),
 * so a client's every request does not pay for bcrypt again. */
typedef struct ba_cache {
    pthread_mutex_t mu;
    unsigned char key[32];
    unsigned char slot[BA_CACHE_SLOTS][32];
    size_t used, next;
} ba_cache;

typedef struct ba {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const ba_cfg *cfg;
    bool server;          /* htpasswd given: a server authenticator */
    hp_table table;       /* server: read at start, then only read */
    ba_cache cache;
    pthread_rwlock_t lock; /* client: guards value */
    char *value;          /* client: "Basic <base64>", or NULL */
    ak_watch *watch[2];   /* client: username_file, password_file */
} ba;

/* client.c: the client side. check at create (a username with ':' is
 * refused), start reads the files and watches them, stop ends the
 * watchers; headers is the auth.client vtable's. */
int ba_client_check(ba *b);
int ba_client_start(ba *b);
void ba_client_stop(ba *b);
void ba_client_free(ba *b);
extern const otelc_auth_client ba_client_vtable;

#endif /* OTELC_BASICAUTH_H */
