/*
 * file: the collector's file exporter. Appends every batch, of whatever
 * signal, to `path`: OTLP/JSON, one request per line (format: json; the
 * line's top-level key says its signal: resourceSpans, resourceMetrics,
 * resourceLogs), or each serialized request after its 4-byte big-endian
 * length (format: proto). Each batch is one write(2), so a reader never
 * sees half a line from this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_json.h>

typedef struct file_cfg {
    const char *path;
    const char *format;
    bool append;
} file_cfg;

typedef struct file_exp {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const file_cfg *cfg;
    bool proto;
    int fd;
} file_exp;

#define WRITEV_MAX 1024 /* IOV_MAX on Linux; POSIX guarantees at least 16 */

/* Writes iov[0..n) whole, WRITEV_MAX vectors at a time; consume calls are
 * serialized, so the pieces of one batch are never interleaved. */
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n < WRITEV_MAX ? n : WRITEV_MAX);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static otelc_status write_proto(file_exp *f, otelc_batch *b)
{
    struct iovec small[65], *iov = small;
    size_t nseg = otelc_batch_segments(b, small + 1, 64);
    if (nseg > 64) { /* a merged batch: a vector as long as it, not a copy */
        iov = malloc((nseg + 1) * sizeof(*iov));
        if (!iov || nseg > INT_MAX - 1) {
            free(iov);
            return OTELC_RETRY;
        }
        nseg = otelc_batch_segments(b, iov + 1, nseg);
    }
    uint32_t len = (uint32_t)otelc_batch_len(b);
    uint8_t prefix[4] = {len >> 24, len >> 16, len >> 8, len};
    iov[0] = (struct iovec){prefix, 4};
    int rc = write_all(f->fd, iov, (int)nseg + 1);
    if (iov != small)
        free(iov);
    return rc == 0 ? OTELC_OK : OTELC_RETRY;
}

/* The batch's segments as parts in *n (a merged batch of more than 64:
 * its flat copy as one). 0, or -ENOMEM. */
static int parts_of(otelc_batch *b, pb_bytes parts[64], size_t *n)
{
    struct iovec segs[64];
    *n = otelc_batch_segments(b, segs, 64);
    if (*n > 64) {
        const uint8_t *flat = otelc_batch_flat(b);
        parts[0] = (pb_bytes){flat, otelc_batch_len(b)};
        *n = 1;
        return flat ? 0 : -ENOMEM;
    }
    for (size_t i = 0; i < *n; i++)
        parts[i] = (pb_bytes){segs[i].iov_base, segs[i].iov_len};
    return 0;
}

static otelc_status write_json(file_exp *f, otelc_batch *b)
{
    pb_bytes parts[64];
    size_t n;
    struct otlp_buf out = {0};
    int rc = parts_of(b, parts, &n);
    if (rc == 0)
        rc = otlp_json_writev_signal_buf(otelc_batch_signal(b), parts, n, &out);
    if (rc < 0) {
        otlp_buf_free(&out);
        if (rc == -ENOMEM)
            return OTELC_RETRY;
        f->api->log(f->ctx, OTELC_LOG_ERROR, "cannot write a batch as JSON: %s", strerror(-rc));
        return OTELC_REJECT;
    }
    struct iovec iov[2] = {{out.data, out.len}, {(void *)"\n", 1}};
    int w = write_all(f->fd, iov, 2);
    otlp_buf_free(&out);
    return w == 0 ? OTELC_OK : OTELC_RETRY;
}

static otelc_status consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    file_exp *f = state;
    otelc_status st = f->proto ? write_proto(f, b) : write_json(f, b);
    if (st == OTELC_RETRY)
        f->api->log(f->ctx, OTELC_LOG_WARN, "write to %s failed: %s", f->cfg->path,
                    strerror(errno));
    return st;
}

static int create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp, void **state)
{
    const file_cfg *cfg = cfgp;
    const otelc_node *node = api->config_node(ctx);
    if (!cfg->path || !*cfg->path) {
        api->config_error(ctx, node, "path is required");
        return -1;
    }
    if (strcmp(cfg->format, "json") != 0 && strcmp(cfg->format, "proto") != 0) {
        api->config_error(ctx, api->node_get(node, "format"), "format must be json or proto");
        return -1;
    }
    file_exp *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->ctx = ctx;
    f->api = api;
    f->cfg = cfg;
    f->proto = strcmp(cfg->format, "proto") == 0;
    f->fd = -1;
    *state = f;
    return 0;
}

static int start(void *state)
{
    file_exp *f = state;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND | (f->cfg->append ? 0 : O_TRUNC);
    f->fd = open(f->cfg->path, flags, 0644);
    if (f->fd < 0) {
        f->api->log(f->ctx, OTELC_LOG_ERROR, "cannot open %s: %s", f->cfg->path,
                    strerror(errno));
        return -1;
    }
    return 0;
}

static int shutdown(void *state, int64_t deadline_ns)
{
    file_exp *f = state;
    if (f->fd >= 0) {
        fsync(f->fd);
        close(f->fd);
        f->fd = -1;
    }
    return 0;
}

static void destroy(void *state)
{
    file_exp *f = state;
    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

static const otelc_cfg_key keys[] = {
    {"path", OTELC_CFG_STRING, NULL, "file to write", offsetof(file_cfg, path), 0},
    {"format", OTELC_CFG_STRING, "json", "json (OTLP/JSON lines) or proto (length-prefixed)",
     offsetof(file_cfg, format), 0},
    {"append", OTELC_CFG_BOOL, "false", "append instead of truncating at start",
     offsetof(file_cfg, append), 0},
    {"rotation", OTELC_CFG_NODE, NULL, "file rotation", 0, OTELC_KEY_UNSUPPORTED},
    {"compression", OTELC_CFG_STRING, NULL, "zstd compression", 0, OTELC_KEY_UNSUPPORTED},
    {"flush_interval", OTELC_CFG_DURATION, NULL, "otelc writes each batch at once", 0,
     OTELC_KEY_IGNORED},
    {"group_by", OTELC_CFG_NODE, NULL, "one file per resource attribute", 0,
     OTELC_KEY_UNSUPPORTED},
    {"encoding", OTELC_CFG_STRING, NULL, "encoding extension", 0, OTELC_KEY_UNSUPPORTED},
    {"create_directory", OTELC_CFG_BOOL, NULL, "create the parent directory", 0,
     OTELC_KEY_UNSUPPORTED},
    {"directory_permissions", OTELC_CFG_STRING, NULL, "mode of created directories", 0,
     OTELC_KEY_UNSUPPORTED},
    {0},
};

static const otelc_plugin desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXPORTER,
    .type = "file",
    .version = "1.0.0",
    .doc = "writes received traces, metrics and logs to a file as OTLP/JSON lines or "
           "length-prefixed protobuf",
    .config_keys = keys,
    .config_size = sizeof(file_cfg),
    .create = create,
    .start = start,
    .consume = consume,
    .shutdown = shutdown,
    .destroy = destroy,
    .signals = OTELC_ALL_SIGNALS,
};

OTELC_PLUGIN(desc)
