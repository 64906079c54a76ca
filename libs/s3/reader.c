/*
 * reader.c: the read-only client: fetches cross to the loop thread on a
 * list under a mutex, run there, and their groups wake the callers.
 */
#include "reader.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "request.h"

#define LIST_PAGE_MAX (8u << 20) /* bytes of one ListObjectsV2 answer */

struct s3_reader {
    s3_endpoint ep;
    s3_client client;
    s3_loop *loop;
    s3_creds *creds;
    pthread_mutex_t mu;
    s3_fetch *incoming, **incoming_tail; /* under mu */
    bool open;                           /* under mu: fetches are taken */
    bool started;
    s3_fetch *running; /* loop thread */
};

/* A started fetch ended: it leaves the running list. */
static void fetch_ended(void *arg, s3_fetch *f)
{
    s3_reader *r = arg;
    for (s3_fetch **p = &r->running; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            return;
        }
    }
}

static void cancel_running(s3_reader *r)
{
    while (r->running) {
        s3_fetch *f = r->running;
        r->running = f->next;
        s3_loop_cancel(r->loop, &f->req.xfer);
        s3_fetch_finish(f, -ECANCELED, "shutting down");
    }
}

static void on_wake(void *arg)
{
    s3_reader *r = arg;
    pthread_mutex_lock(&r->mu);
    s3_fetch *list = r->incoming;
    r->incoming = NULL;
    r->incoming_tail = &r->incoming;
    bool open = r->open;
    pthread_mutex_unlock(&r->mu);
    if (!open)
        cancel_running(r);
    while (list) {
        s3_fetch *f = list;
        list = f->next;
        if (!open) {
            s3_fetch_finish(f, -ECANCELED, "shutting down");
            continue;
        }
        f->on_end = fetch_ended;
        f->end_arg = r;
        f->next = r->running;
        r->running = f;
        s3_fetch_start(f, &r->client, f->creds); /* may end (and unlink) at once */
    }
}

s3_reader *s3_reader_new(const s3_endpoint *ep, s3_creds *creds)
{
    s3_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        s3_creds_unref(creds);
        return NULL;
    }
    r->ep = *ep;
    r->creds = creds;
    r->incoming_tail = &r->incoming;
    pthread_mutex_init(&r->mu, NULL);
    r->loop = s3_loop_new(on_wake, r);
    r->client = (s3_client){&r->ep, NULL, sigv4_signer_new(), r->loop};
    if (!r->loop || !r->client.signer) {
        s3_reader_free(r);
        return NULL;
    }
    return r;
}

int s3_reader_start(s3_reader *r)
{
    if (s3_loop_start(r->loop) != 0)
        return -1;
    pthread_mutex_lock(&r->mu);
    r->open = r->started = true;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

void s3_reader_run(s3_reader *r, s3_fetch *const *fs, size_t n)
{
    s3_fetch_group g;
    s3_fetch_group_init(&g);
    for (size_t i = 0; i < n; i++) {
        s3_fetch_group_add(&g, fs[i]);
        fs[i]->creds = r->creds; /* the reader's reference outlives its fetches */
    }
    pthread_mutex_lock(&r->mu);
    bool taken = r->open && n > 0;
    for (size_t i = 0; taken && i < n; i++) {
        fs[i]->next = NULL;
        *r->incoming_tail = fs[i];
        r->incoming_tail = &fs[i]->next;
    }
    pthread_mutex_unlock(&r->mu);
    if (taken)
        s3_loop_wake(r->loop);
    for (size_t i = 0; !taken && i < n; i++)
        s3_fetch_finish(fs[i], -ECANCELED, "shutting down");
    s3_fetch_group_wait(&g);
    s3_fetch_group_fini(&g);
}

/* One page's request after token (NULL: the first). */
static void list_request(s3_fetch *f, const char *prefix, const char *token)
{
    memset(f, 0, sizeof(*f));
    f->query[f->nquery++] = (sigv4_pair){"list-type", "2"};
    f->query[f->nquery++] = (sigv4_pair){"prefix", prefix};
    if (token && *token)
        f->query[f->nquery++] = (sigv4_pair){"continuation-token", token};
    f->max_bytes = LIST_PAGE_MAX;
}

/* Appends a page's entries to *out. */
static int append_page(const s3_list_page *p, s3_list_entry **out, size_t *n)
{
    if (p->n == 0)
        return 0;
    s3_list_entry *grown = realloc(*out, (*n + p->n) * sizeof(**out));
    if (!grown)
        return -ENOMEM;
    memcpy(grown + *n, p->items, p->n * sizeof(*grown));
    *out = grown;
    *n += p->n;
    return 0;
}

/* Fetches and parses one page into *page. */
static int list_page(s3_reader *r, s3_fetch *f, s3_list_page *page, char *err, size_t err_size)
{
    s3_fetch *one = f;
    s3_reader_run(r, &one, 1);
    int rc = f->rc;
    if (rc == 0 && s3_list_parse(f->body, f->len, page) != 0)
        rc = -EIO, snprintf(f->reason, sizeof(f->reason), "not a ListBucketResult");
    if (rc != 0)
        snprintf(err, err_size, "listing: %s", f->reason);
    free(f->body);
    return rc == -ENOENT ? -EIO : rc;
}

int s3_reader_list(s3_reader *r, const char *prefix, s3_list_entry **out, size_t *n, char *err,
                   size_t err_size)
{
    s3_fetch f;
    s3_list_page page = {0};
    char token[sizeof(page.next_token)] = "";
    int rc;
    *out = NULL;
    *n = 0;
    do {
        list_request(&f, prefix, token);
        rc = list_page(r, &f, &page, err, err_size);
        if (rc == 0)
            rc = append_page(&page, out, n);
        bool more = rc == 0 && page.truncated && page.next_token[0];
        snprintf(token, sizeof(token), "%s", more ? page.next_token : "");
        s3_list_page_free(&page);
    } while (rc == 0 && token[0]);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void s3_reader_stop(s3_reader *r)
{
    pthread_mutex_lock(&r->mu);
    bool was = r->open;
    r->open = false;
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        s3_loop_stop(r->loop);
    r->started = false;
    /* The loop thread is gone: what it ran or had not taken yet ends here
     * (its transfers come off the multi handle on this thread). */
    if (was)
        on_wake(r);
}

void s3_reader_free(s3_reader *r)
{
    if (!r)
        return;
    s3_reader_stop(r);
    s3_loop_free(r->loop);
    sigv4_signer_free(r->client.signer);
    s3_creds_unref(r->creds);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
