/*
 * authkit/authkit.h: pieces the authenticator extensions share.
 *
 * Pure functions (comparison, header lookup, base64) and two with I/O: a
 * small file read whole, and a watcher thread that calls back when a file
 * may have changed. Nothing here logs; callers say what went wrong.
 */
#ifndef OTELC_AUTHKIT_H
#define OTELC_AUTHKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether a and b hold the same bytes, in time that depends on the
 * lengths only (never on where they differ): Go's ConstantTimeCompare,
 * which also answers at once when the lengths differ. */
bool ak_equal(const void *a, size_t alen, const void *b, size_t blen);

/* The value of the first header called name (any case) in a list of
 * name, value, ..., NULL; NULL when absent. headers may be NULL. */
const char *ak_header(const char *const *headers, const char *name);

/* Standard base64 with padding. encode writes the text and its NUL into
 * out (cap bytes) and returns its length, or 0 when it does not fit.
 * decode accepts exactly what encode writes (n bytes, padding required)
 * and returns the decoded length, or -1 for anything else or no room. */
size_t ak_b64_encode(const void *in, size_t n, char *out, size_t cap);
long ak_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* Reads path whole (at most max bytes) into a malloc'd, NUL-terminated
 * buffer. 0, or -errno (-EFBIG past max). */
int ak_read_file(const char *path, size_t max, char **out, size_t *len);

/* Trims spaces, tabs, CR and LF from both ends of s[0..*n), moving *s. */
void ak_trim(const char **s, size_t *n);

/* A thread that calls changed(arg) whenever path may have changed:
 * written, replaced, removed, re-created, or its symlink pointed
 * elsewhere. It watches the file's folder with inotify and compares the
 * file's identity, size and times, so a change is reported once (a few
 * spurious calls are possible: the callback re-reads and compares); it
 * also looks every ak_watch_poll_ms, should an event be missed or the
 * folder not exist yet. changed runs on the watcher's thread. */
typedef struct ak_watch ak_watch;
typedef void (*ak_changed_fn)(void *arg);
extern const int ak_watch_poll_ms;

/* Starts watching; NULL with errno set when no thread could be made. */
ak_watch *ak_watch_start(const char *path, ak_changed_fn changed, void *arg);
/* Stops the thread (waits for a running callback) and frees; NULL is fine. */
void ak_watch_stop(ak_watch *w);

#endif /* OTELC_AUTHKIT_H */
