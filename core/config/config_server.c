/* confighttp's tls and auth for otelc's own HTTP endpoints (see
 * config_server.h). The key lists are configtls.ServerConfig's and
 * configauth's, so a collector config moves over unchanged or fails
 * naming the key. */
#include "config_server.h"

#include <string.h>

#include "config_value.h"
#include "telemetry/log.h"

typedef enum support { KEY_READ, KEY_IGNORED, KEY_REFUSED } support;

typedef struct known_key {
    const char *key;
    support support;
} known_key;

/* ca_file and its kin verify servers: a server has no use for them. */
static const known_key tls_keys[] = {
    {"cert_file", KEY_READ},          {"key_file", KEY_READ},
    {"client_ca_file", KEY_READ},     {"min_version", KEY_READ},
    {"max_version", KEY_READ},        {"ca_file", KEY_IGNORED},
    {"ca_pem", KEY_IGNORED},          {"include_system_ca_certs_pool", KEY_IGNORED},
    {"cert_pem", KEY_REFUSED},        {"key_pem", KEY_REFUSED},
    {"reload_interval", KEY_REFUSED}, {"client_ca_file_reload", KEY_REFUSED},
    {"cipher_suites", KEY_REFUSED},   {"curve_preferences", KEY_REFUSED},
    {"tpm_config", KEY_REFUSED},      {NULL, KEY_READ},
};

static const known_key auth_keys[] = {
    {"authenticator", KEY_READ}, {"request_params", KEY_REFUSED}, {NULL, KEY_READ}};

static void check_keys(const otelc_node *map, const known_key *table, otelc_errors *errs)
{
    for (const otelc_node *c = otelc_node_first(map); c; c = otelc_node_next(c)) {
        const known_key *k = table;
        while (k->key && strcmp(k->key, otelc_node_key(c)) != 0)
            k++;
        if (!k->key) {
            otelc_cfg_unknown_key(errs, c);
        } else if (k->support == KEY_REFUSED) {
            otelc_errors_add_key(errs, c, "collector key is not supported yet");
        } else if (k->support == KEY_IGNORED) {
            char where[640];
            otelc_errors_prefix(where, sizeof(where), c, true);
            otelc_log(OTELC_LOG_WARN, "config", "%sa server does not use this key; ignored",
                      where);
        }
    }
}

/* "1.0".."1.3" as 0..3; -1 (after an error) for anything else. */
static int read_version(const otelc_node *n, int dflt, otelc_errors *errs)
{
    const char *v = NULL;
    int rc = otelc_cfg_string(n, errs, &v);
    if (rc == OTELC_CFG_DEFAULT)
        return dflt;
    if (rc == OTELC_CFG_ERROR)
        return -1;
    if (strlen(v) == 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '3')
        return v[2] - '0';
    otelc_errors_add_value(errs, n, "expected 1.0, 1.1, 1.2 or 1.3, got '%s'", v);
    return -1;
}

static const char *read_file_key(const otelc_node *tls, const char *key, otelc_errors *errs)
{
    const char *v = NULL;
    otelc_cfg_string(otelc_node_child(tls, key), errs, &v);
    return v && *v ? v : NULL;
}

/* The file pairs and versions hang together. */
static void check_tls(const otelc_node *tls, otelc_http_server *out, otelc_errors *errs)
{
    otelc_tls_server *t = &out->tls;
    if (!t->cert_file != !t->key_file)
        otelc_errors_add_value(errs, tls, "cert_file and key_file go together");
    else if (!t->cert_file && t->client_ca_file)
        otelc_errors_add_value(errs, tls, "client_ca_file needs cert_file and key_file");
    if (t->max_minor >= 0 && t->min_minor > t->max_minor)
        otelc_errors_add_value(errs, otelc_node_child(tls, "max_version"),
                               "max_version is older than min_version");
    out->tls_on = t->cert_file && t->key_file;
}

static void read_tls(const otelc_node *tls, otelc_http_server *out, otelc_errors *errs)
{
    otelc_tls_server *t = &out->tls;
    t->min_minor = 2;
    t->max_minor = -1;
    if (otelc_cfg_map(tls, errs) != OTELC_CFG_OK)
        return;
    check_keys(tls, tls_keys, errs);
    t->cert_file = read_file_key(tls, "cert_file", errs);
    t->key_file = read_file_key(tls, "key_file", errs);
    t->client_ca_file = read_file_key(tls, "client_ca_file", errs);
    int min = read_version(otelc_node_child(tls, "min_version"), 2, errs);
    int max = read_version(otelc_node_child(tls, "max_version"), -1, errs);
    t->min_minor = min < 0 ? 2 : min;
    t->max_minor = max;
    check_tls(tls, out, errs);
}

/* The collector refuses an auth section without an authenticator. */
static void read_auth(const otelc_node *auth, otelc_http_server *out, otelc_errors *errs)
{
    int rc = otelc_cfg_map(auth, errs);
    if (rc == OTELC_CFG_ERROR || otelc_node_kind_of(auth) == OTELC_NODE_NULL)
        return;
    check_keys(auth, auth_keys, errs);
    out->auth_at = otelc_node_child(auth, "authenticator");
    rc = otelc_cfg_string(out->auth_at, errs, &out->authenticator);
    if (rc == OTELC_CFG_OK && *out->authenticator)
        return;
    if (rc != OTELC_CFG_ERROR) /* a wrong type was reported already */
        otelc_errors_add_value(errs, out->auth_at ? out->auth_at : auth,
                               "authenticator: missing (an extension id such as basicauth)");
    out->authenticator = NULL;
}

int otelc_http_server_read(const otelc_node *tls, const otelc_node *auth,
                           otelc_http_server *out, otelc_errors *errs)
{
    size_t before = otelc_errors_count(errs);
    memset(out, 0, sizeof(*out));
    read_tls(tls, out, errs);
    read_auth(auth, out, errs);
    return otelc_errors_count(errs) > before ? -1 : 0;
}

static bool same_text(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

bool otelc_tls_server_equal(const otelc_http_server *x, const otelc_http_server *y)
{
    const otelc_tls_server *a = &x->tls, *b = &y->tls;
    if (!x->tls_on || !y->tls_on)
        return x->tls_on == y->tls_on;
    return same_text(a->cert_file, b->cert_file) && same_text(a->key_file, b->key_file) &&
           same_text(a->client_ca_file, b->client_ca_file) && a->min_minor == b->min_minor &&
           a->max_minor == b->max_minor;
}
