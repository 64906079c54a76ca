/*
 * mailbox.c: the locked queue between other threads and a loop thread.
 */
#include "mailbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct mailbox {
    pthread_mutex_t lock;
    atomic_int refs;
    bool closed;
    struct event *wake; /* NULL until attached and after close */
    mb_node *head, *tail;
    int *fds;
    size_t nfds, cap;
    unsigned cmds;
};

mailbox *mailbox_new(void)
{
    mailbox *mb = calloc(1, sizeof(*mb));
    if (!mb)
        return NULL;
    pthread_mutex_init(&mb->lock, NULL);
    atomic_init(&mb->refs, 1);
    return mb;
}

mailbox *mailbox_ref(mailbox *mb)
{
    atomic_fetch_add_explicit(&mb->refs, 1, memory_order_relaxed);
    return mb;
}

void mailbox_unref(mailbox *mb)
{
    if (!mb || atomic_fetch_sub_explicit(&mb->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_destroy(&mb->lock);
    free(mb->fds);
    free(mb);
}

int mailbox_attach(mailbox *mb, struct event_base *base, event_callback_fn fn, void *arg)
{
    mb->wake = event_new(base, -1, 0, fn, arg);
    return mb->wake ? 0 : -1;
}

/* Called with the lock held; the event lives until close, under the lock. */
static void wake(mailbox *mb)
{
    if (mb->wake)
        event_active(mb->wake, 0, 0);
}

bool mailbox_post_done(mailbox *mb, mb_node *n)
{
    pthread_mutex_lock(&mb->lock);
    bool ok = !mb->closed;
    if (ok) {
        n->next = NULL;
        if (mb->tail)
            mb->tail->next = n;
        else
            mb->head = n;
        mb->tail = n;
        wake(mb);
    }
    pthread_mutex_unlock(&mb->lock);
    return ok;
}

/* Called with the lock held. */
static bool grow_fds(mailbox *mb)
{
    if (mb->nfds < mb->cap)
        return true;
    size_t cap = mb->cap ? mb->cap * 2 : 16;
    int *fds = realloc(mb->fds, cap * sizeof(*fds));
    if (!fds)
        return false;
    mb->fds = fds;
    mb->cap = cap;
    return true;
}

bool mailbox_post_fd(mailbox *mb, int fd)
{
    pthread_mutex_lock(&mb->lock);
    bool ok = !mb->closed && grow_fds(mb);
    if (ok) {
        mb->fds[mb->nfds++] = fd;
        wake(mb);
    }
    pthread_mutex_unlock(&mb->lock);
    return ok;
}

void mailbox_post_cmd(mailbox *mb, unsigned cmds)
{
    pthread_mutex_lock(&mb->lock);
    mb->cmds |= cmds;
    wake(mb);
    pthread_mutex_unlock(&mb->lock);
}

static void take_locked(mailbox *mb, mb_batch *out)
{
    out->done = mb->head;
    out->fds = mb->fds;
    out->nfds = mb->nfds;
    out->cmds = mb->cmds;
    mb->head = mb->tail = NULL;
    mb->fds = NULL;
    mb->nfds = mb->cap = 0;
    mb->cmds = 0;
}

void mailbox_take(mailbox *mb, mb_batch *out)
{
    pthread_mutex_lock(&mb->lock);
    take_locked(mb, out);
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_close(mailbox *mb, mb_batch *left)
{
    pthread_mutex_lock(&mb->lock);
    mb->closed = true;
    take_locked(mb, left);
    if (mb->wake)
        event_free(mb->wake);
    mb->wake = NULL;
    pthread_mutex_unlock(&mb->lock);
}
