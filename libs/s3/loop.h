/*
 * loop.h: the S3 client's own event loop thread: libevent driving a libcurl
 * multi handle through its socket and timer callbacks.
 *
 * libcurl's rules are kept here: its callbacks only (re)arm libevent
 * events and never call curl_multi_* (a timer of 0 ms becomes a zero-delay
 * event); finished transfers are drained with curl_multi_info_read after
 * every socket action; transfers are added and removed only from loop
 * callbacks. Connections live in the multi handle's cache and are reused
 * across uploads.
 */
#ifndef OTELC_S3_LOOP_H
#define OTELC_S3_LOOP_H

#include <stdbool.h>

#include <curl/curl.h>

typedef struct s3_loop s3_loop;
struct event_base;

/* A transfer the loop runs: the easy handle and who hears of its end. */
typedef struct s3_transfer {
    CURL *easy;
    /* Called on the loop thread once the transfer ended (rc is its result)
     * and the easy handle left the multi; the callee may start others. */
    void (*done)(void *arg, CURLcode rc);
    void *arg;
} s3_transfer;

/*
 * A loop that calls on_wake(arg) on its thread whenever s3_loop_wake() was
 * called (several wakes may merge into one call). No thread runs until
 * s3_loop_start(). Returns NULL if memory or libcurl/libevent failed.
 * The host must have enabled libevent's pthread locking (it does).
 */
s3_loop *s3_loop_new(void (*on_wake)(void *arg), void *arg);

/* Starts the thread with SIGINT, SIGTERM and SIGPIPE blocked. 0 or -1. */
int s3_loop_start(s3_loop *l);

/* Schedules on_wake on the loop thread. Any thread. */
void s3_loop_wake(s3_loop *l);

/* Loop thread only, outside libcurl callbacks: starts t (t must live until
 * its done runs, or until s3_loop_cancel). 0, or -1 if libcurl refused. */
int s3_loop_add(s3_loop *l, s3_transfer *t);

/* Loop thread only: removes a running transfer; done is not called. */
void s3_loop_cancel(s3_loop *l, s3_transfer *t);

/* Stops the loop and joins its thread; idempotent. Not from the loop
 * thread. Running transfers must have been cancelled or finished first. */
void s3_loop_stop(s3_loop *l);

/* Stops the loop if needed and frees it. NULL is a no-op. */
void s3_loop_free(s3_loop *l);

/* The loop's libevent base, for timers of the client's own (armed and
 * fired on the loop thread only). */
struct event_base *s3_loop_base(s3_loop *l);

/* Sets a multi option (before start): connection limits and the like. */
CURLM *s3_loop_multi(s3_loop *l);

#endif /* OTELC_S3_LOOP_H */
