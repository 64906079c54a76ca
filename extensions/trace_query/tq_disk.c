/*
 * tq_disk.c: the disk cache of file tails (a file's footer and the bloom
 * filters before it, as one ranged GET brought them), so that a query
 * node restarted on the same directory reads no footer twice. Entries are
 * named by a hash of the object key and its size, so a rewritten object
 * misses; each is written to a temporary name and renamed, so a crash
 * leaves no half entry. Bounded: past max_bytes, entries go (in the
 * directory's order) until 90 % is left. Losing the directory loses
 * nothing but time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "trace_query.h"

#define TAIL_MAX (64u << 20)

struct tq_disk {
    char dir[1024];
    char space[1024]; /* the bucket's identity, mixed into every name */
    uint64_t max_bytes;
    pthread_mutex_t mu;
    uint64_t bytes; /* under mu: what the entries take */
};

static void entry_path(const tq_disk *d, const char *key, uint64_t size, char *out, size_t n)
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    char named[2100];
    int len = snprintf(named, sizeof(named), "%s\n%s", d->space, key);
    size_t used = len < 0 ? 0 : (size_t)len < sizeof(named) ? (size_t)len : sizeof(named) - 1;
    SHA256((const unsigned char *)named, used, h);
    for (size_t i = 0; i < sizeof(h); i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(out, n, "%s/%s-%llu.tail", d->dir, hex, (unsigned long long)size);
}

/* Calls fn for every entry file of the directory with its path and size. */
static void each_entry(tq_disk *d, void (*fn)(tq_disk *d, const char *path, uint64_t size))
{
    DIR *dir = opendir(d->dir);
    struct dirent *e;
    char path[1400];
    struct stat st;
    while (dir && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".tail") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", d->dir, e->d_name);
        if (stat(path, &st) == 0)
            fn(d, path, (uint64_t)st.st_size);
    }
    if (dir)
        closedir(dir);
}

static void count_entry(tq_disk *d, const char *path, uint64_t size)
{
    (void)path;
    d->bytes += size;
}

/* Creates dir and any missing parents, as `mkdir -p`: the shipped
 * configuration names ./data/query-cache, which a fresh tree lacks. */
static int make_dirs(const char *dir)
{
    char path[sizeof(((tq_disk *)0)->dir)];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

tq_disk *tq_disk_open(const char *dir, const char *space, uint64_t max_bytes, char *err,
                      size_t n)
{
    if (!dir || !*dir)
        return NULL;
    tq_disk *d = calloc(1, sizeof(*d));
    if (!d || strlen(dir) >= sizeof(d->dir) || make_dirs(dir) != 0) {
        snprintf(err, n, "cache.directory \"%s\": %s", dir, d ? strerror(errno) : "no memory");
        free(d);
        return NULL;
    }
    snprintf(d->dir, sizeof(d->dir), "%s", dir);
    snprintf(d->space, sizeof(d->space), "%s", space ? space : "");
    d->max_bytes = max_bytes;
    pthread_mutex_init(&d->mu, NULL);
    each_entry(d, count_entry);
    return d;
}

void tq_disk_close(tq_disk *d)
{
    if (!d)
        return;
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* Reads all of fd (at most TAIL_MAX + 8 bytes). */
static uint8_t *read_all(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 8 || (uint64_t)st.st_size > TAIL_MAX + 8)
        return NULL;
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)r;
    }
    *len = got;
    return buf;
}

int tq_disk_get(tq_disk *d, const char *key, uint64_t size, uint8_t **data, size_t *len,
                uint64_t *offset)
{
    char path[1400];
    if (!d)
        return -1;
    entry_path(d, key, size, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t all = 0;
    uint8_t *buf = fd >= 0 ? read_all(fd, &all) : NULL;
    if (fd >= 0)
        close(fd);
    if (!buf)
        return -1;
    memcpy(offset, buf, 8); /* the tail's offset in the object, this host's order */
    if (*offset + (all - 8) != size) {
        free(buf);
        return -1;
    }
    memmove(buf, buf + 8, all - 8);
    buf[all - 8] = 0;
    *data = buf;
    *len = all - 8;
    return 0;
}

static void drop_entry(tq_disk *d, const char *path, uint64_t size)
{
    if (d->bytes > d->max_bytes / 10 * 9 && unlink(path) == 0)
        d->bytes -= size < d->bytes ? size : d->bytes;
}

/* Writes header and data to tmp, then renames it to path. */
static int write_entry(const char *tmp, const char *path, uint64_t offset, const uint8_t *data,
                       size_t len)
{
    FILE *f = fopen(tmp, "wbe");
    if (!f)
        return -1;
    bool ok = fwrite(&offset, 8, 1, f) == 1 && fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void tq_disk_put(tq_disk *d, const char *key, uint64_t size, const uint8_t *data, size_t len,
                 uint64_t offset)
{
    char path[1400], tmp[1450];
    if (!d || len > TAIL_MAX || len + 8 > d->max_bytes)
        return;
    entry_path(d, key, size, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.%lu.tmp", path, (unsigned long)pthread_self());
    if (write_entry(tmp, path, offset, data, len) != 0)
        return;
    pthread_mutex_lock(&d->mu);
    d->bytes += len + 8;
    if (d->bytes > d->max_bytes)
        each_entry(d, drop_entry);
    pthread_mutex_unlock(&d->mu);
}
