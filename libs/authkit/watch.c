/*
 * watch.c: a thread that reports when a file may have changed. inotify
 * watches the file's folder (events on the file itself are lost when it
 * is replaced by a rename, and a Kubernetes secret swaps a symlink in
 * that folder); every event, and every poll interval, compares what
 * stat() says of the path now with what it said last time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkit.h"

const int ak_watch_poll_ms = 1000;

#define EVENTS                                                                                 \
    (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |          \
     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)

struct ak_watch {
    char *path;
    ak_changed_fn changed;
    void *arg;
    int ifd;        /* inotify, or -1 */
    int wd;         /* the folder's watch, or -1 */
    int stop[2];    /* a pipe: written once to stop the thread */
    struct stat last;
    bool existed;
    pthread_t thread;
};

/* The folder of w->path ("." for a bare name), watched when it exists. */
static void watch_folder(ak_watch *w)
{
    char *dir = strdup(w->path);
    if (!dir || w->ifd < 0) {
        free(dir);
        return;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = 0;
    w->wd = inotify_add_watch(w->ifd, slash ? dir : ".", EVENTS);
    free(dir);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Compares the path with the last look; calls back on a difference. */
static void look(ak_watch *w)
{
    struct stat now;
    bool exists = stat(w->path, &now) == 0;
    bool changed = exists != w->existed || (exists && !same_file(&now, &w->last));
    w->existed = exists;
    if (exists)
        w->last = now;
    if (changed)
        w->changed(w->arg);
}

/* Empties the inotify queue; re-adds the folder's watch if it went. */
static void drain_events(ak_watch *w)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & IN_IGNORED)
                w->wd = -1;
            p += sizeof(*e) + e->len;
        }
    }
}

static void *watch_main(void *arg)
{
    ak_watch *w = arg;
    for (;;) {
        if (w->wd < 0)
            watch_folder(w);
        struct pollfd fds[2] = {{w->stop[0], POLLIN, 0}, {w->ifd, POLLIN, 0}};
        int rc = poll(fds, w->ifd >= 0 ? 2 : 1, ak_watch_poll_ms);
        if (rc < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        if (rc > 0 && fds[1].revents)
            drain_events(w);
        look(w);
    }
    return NULL;
}

static void watch_free(ak_watch *w)
{
    if (w->ifd >= 0)
        close(w->ifd);
    if (w->stop[0] >= 0)
        close(w->stop[0]);
    if (w->stop[1] >= 0)
        close(w->stop[1]);
    free(w->path);
    free(w);
}

ak_watch *ak_watch_start(const char *path, ak_changed_fn changed, void *arg)
{
    ak_watch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    *w = (ak_watch){.path = strdup(path), .changed = changed, .arg = arg, .wd = -1,
                    .stop = {-1, -1}};
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC); /* -1: polling alone */
    w->existed = stat(path, &w->last) == 0;
    int err = !w->path ? ENOMEM : pipe2(w->stop, O_CLOEXEC) != 0 ? errno : 0;
    if (!err)
        err = pthread_create(&w->thread, NULL, watch_main, w);
    if (err) {
        watch_free(w);
        errno = err;
        return NULL;
    }
    return w;
}

void ak_watch_stop(ak_watch *w)
{
    if (!w)
        return;
    ssize_t rc;
    do
        rc = write(w->stop[1], "x", 1);
    while (rc < 0 && errno == EINTR);
    pthread_join(w->thread, NULL);
    watch_free(w);
}
