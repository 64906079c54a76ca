/*
 * builtin_file_storage.c: the collector's file_storage extension. It owns
 * a durable_store: created (no I/O) at create, opened at start (lock,
 * checks, recovery, writer), closed at shutdown after the exporters'
 * queues drained, released at destroy.
 */
#include "builtin_file_storage.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/builtin.h"
#include "queue/durable/durable_admin.h"
#include "queue/durable/durable_kv.h"
#include "queue/durable/durable_store.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

#define TYPE "file_storage"

typedef struct fs_cfg {
    const char *directory;
    int64_t timeout_ns;
    bool fsync;
    bool create_directory;
    const char *directory_permissions;
    bool recreate;
    uint64_t max_size;
} fs_cfg;

typedef struct fs_state {
    otelc_ctx *ctx;
    durable_store *store;
    uint64_t max_size; /* caps each queue's max_disk_size; 0: no cap */
} fs_state;

/* The collector's check, made only when a directory may be created: an
 * octal number of permission bits alone. */
static int parse_mode(otelc_ctx *ctx, const otelc_host_api *api, const fs_cfg *cfg,
                      unsigned *out)
{
    const char *text = cfg->directory_permissions;
    char *end;
    *out = 0750;
    if (!cfg->create_directory)
        return 0;
    unsigned long m = text ? strtoul(text, &end, 8) : 0;
    const char *why = !text || !*text || *end ? "directory_permissions value must be a valid "
                                                "octal representation"
                      : m & ~0777ul ? "directory_permissions contain invalid bits for file "
                                      "access"
                                    : NULL;
    if (why) {
        api->config_error(ctx, api->node_get(ctx->node, "directory_permissions"), "%s", why);
        return -1;
    }
    *out = (unsigned)m;
    return 0;
}

/* ---- the storage service: components' key-value tables ---- */

static otelc_storage_client *kv_client(void *state, const char *owner, const char *name,
                                       char *err, size_t err_size)
{
    fs_state *s = state;
    return (otelc_storage_client *)durable_kv_open(s->store, owner, name, err, err_size);
}

static int kv_commit(otelc_storage_client *c, const otelc_storage_op *ops, size_t n,
                     void (*done)(void *arg, int status), void *arg)
{
    return durable_kv_commit((durable_kv *)c, ops, n, done, arg);
}

static int kv_scan(otelc_storage_client *c,
                   int (*fn)(void *arg, const void *key, size_t key_len, const void *value,
                             size_t value_len),
                   void *arg)
{
    return durable_kv_scan((durable_kv *)c, fn, arg);
}

static void kv_close(otelc_storage_client *c)
{
    durable_kv_close((durable_kv *)c);
}

static const otelc_storage fs_storage = {
    .struct_size = sizeof(otelc_storage),
    .client = kv_client,
    .commit = kv_commit,
    .scan = kv_scan,
    .client_close = kv_close,
};

static int fs_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const fs_cfg *cfg = cfgp;
    durable_store_cfg sc = {.directory = cfg->directory, .lock_timeout_ns = cfg->timeout_ns,
                            .fsync = cfg->fsync, .create_directory = cfg->create_directory,
                            .recreate = cfg->recreate};
    if (parse_mode(ctx, api, cfg, &sc.dir_mode) != 0)
        return -1;
    if (!cfg->directory || !*cfg->directory) {
        api->config_error(ctx, NULL, "directory must be set");
        return -1;
    }
    fs_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->ctx = ctx;
    s->max_size = cfg->max_size;
    s->store = durable_store_new(ctx->id, &sc);
    if (!s->store) {
        free(s);
        return -1;
    }
    durable_store_set_host(s->store, ctx->h->metrics, ctx->h->admin);
    if (ctx->h->metrics)
        metrics_add_render_hook(ctx->h->metrics, durable_store_refresh_metrics, s->store);
    *state = s;
    return api->service_provide(ctx, OTELC_SERVICE_STORAGE, &fs_storage, s);
}

static int fs_start(void *state)
{
    fs_state *s = state;
    char err[1024];
    if (durable_store_open(s->store, err, sizeof(err)) != 0) {
        otelc_log(OTELC_LOG_ERROR, s->ctx->log_name, "%s", err);
        return -1;
    }
    otelc_log(OTELC_LOG_INFO, s->ctx->log_name, "queue storage open in %s",
              durable_store_dir(s->store));
    return 0;
}

static int fs_shutdown(void *state, int64_t deadline_ns)
{
    fs_state *s = state;
    durable_store_close(s->store);
    return 0;
}

static void fs_destroy(void *state)
{
    fs_state *s = state;
    durable_store_unref(s->store);
    free(s);
}

#define MOOT "LMDB reuses freed pages in place: nothing to compact"

static const otelc_cfg_key fs_keys[] = {
    {"directory", OTELC_CFG_STRING, "/var/lib/otelcol/file_storage",
     "directory of the queue's LMDB files", offsetof(fs_cfg, directory), 0},
    {"timeout", OTELC_CFG_DURATION, "1s", "how long to wait for the directory's lock",
     offsetof(fs_cfg, timeout_ns), 0},
    {"fsync", OTELC_CFG_BOOL, "true",
     "fsync every commit (false: a machine crash may lose acknowledged data)",
     offsetof(fs_cfg, fsync), 0},
    {"create_directory", OTELC_CFG_BOOL, "false", "create the directory when missing",
     offsetof(fs_cfg, create_directory), 0},
    {"directory_permissions", OTELC_CFG_STRING, "0750", "mode of a created directory",
     offsetof(fs_cfg, directory_permissions), 0},
    /* The collector compacts its bbolt files; LMDB reuses the pages it
     * frees, so the keys are accepted and have nothing to do. */
    {"compaction", OTELC_CFG_SECTION, NULL, "the collector's compaction of its files", 0, 0},
    {"compaction.on_start", OTELC_CFG_BOOL, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.on_rebound", OTELC_CFG_BOOL, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.directory", OTELC_CFG_STRING, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.max_transaction_size", OTELC_CFG_INT, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.rebound_needed_threshold_mib", OTELC_CFG_INT, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.rebound_trigger_threshold_mib", OTELC_CFG_INT, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.check_interval", OTELC_CFG_DURATION, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"compaction.cleanup_on_start", OTELC_CFG_BOOL, NULL, MOOT, 0, OTELC_KEY_IGNORED},
    {"recreate", OTELC_CFG_BOOL, "false",
     "move a data.mdb LMDB cannot read aside (data.mdb.<time>.backup) and start empty",
     offsetof(fs_cfg, recreate), 0},
    {"max_size", OTELC_CFG_SIZE, "0",
     "most bytes each exporter queue here keeps (caps its max_disk_size); 0: no cap",
     offsetof(fs_cfg, max_size), 0},
    {0},
};

const otelc_plugin builtin_file_storage_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = TYPE,
    .version = OTELC_VERSION,
    .doc = "LMDB storage for durable sending queues",
    .config_keys = fs_keys,
    .config_size = sizeof(fs_cfg),
    .create = fs_create,
    .start = fs_start,
    .shutdown = fs_shutdown,
    .destroy = fs_destroy,
};

/* ---- wiring exporters to it ---- */

static otelc_ctx *find_storage(host *h, const char *id)
{
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind == OTELC_EXTENSION && strcmp(c->id, id) == 0)
            return c;
    }
    return NULL;
}

size_t file_storage_check(host *h, otelc_errors *errs)
{
    size_t bad = 0;
    for (size_t i = 0; i < h->ncomps; i++) {
        otelc_ctx *c = h->comps[i];
        if (c->plugin->desc->kind != OTELC_EXPORTER || !c->qcfg.storage)
            continue;
        const otelc_node *at =
            otelc_node_child(otelc_node_child(c->node, "sending_queue"), "storage");
        otelc_ctx *ext = find_storage(h, c->qcfg.storage);
        if (!ext) {
            otelc_errors_add_value(errs, at, "storage '%s' is not an extension of "
                                   "service.extensions", c->qcfg.storage);
            bad++;
        } else if (strcmp(ext->plugin->desc->type, TYPE) != 0) {
            otelc_errors_add_value(errs, at, "storage '%s' is a %s extension; a sending queue "
                                   "needs a file_storage one", c->qcfg.storage,
                                   ext->plugin->desc->type);
            bad++;
        }
    }
    return bad;
}

exporter_queue *file_storage_queue_new(host *h, otelc_ctx *c)
{
    otelc_ctx *ext = find_storage(h, c->qcfg.storage);
    if (!ext || !ext->created || ext->plugin->desc != &builtin_file_storage_desc) {
        otelc_log(OTELC_LOG_ERROR, c->log_name, "storage %s is not a created file_storage "
                  "extension", c->qcfg.storage);
        return NULL;
    }
    fs_state *s = ext->state;
    /* The collector bounds each component's file; here each queue. */
    if (s->max_size && s->max_size < c->qcfg.max_disk_size)
        c->qcfg.max_disk_size = s->max_size;
    return queue_new_durable(&c->qcfg, c->id, host_export, c, s->store, c->health);
}
