/*
 * mailbox.h: how other threads reach a loop thread.
 *
 * Completions of emitted requests arrive on whatever thread the pipeline
 * finished on, accepted connections on the accepting loop, and drain or
 * stop orders on the host's main thread. Each loop owns one mailbox: a
 * locked queue plus an event the posting thread activates. The mailbox is
 * refcounted so that a completion arriving after its loop stopped still
 * finds it: posting then fails and the poster cleans up itself.
 */
#ifndef OTELC_OTLP_MAILBOX_H
#define OTELC_OTLP_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

/* Intrusive link for queued completions; embedded in the posted object,
 * which sets run: the loop thread calls run(node) for each one it takes. */
typedef struct mb_node {
    struct mb_node *next;
    void (*run)(struct mb_node *n);
} mb_node;

enum {
    MB_CMD_DRAIN = 1u << 0, /* stop accepting, GOAWAY every connection */
    MB_CMD_STOP = 1u << 1,  /* close everything and leave the loop */
};

/* What one wake-up takes out of the mailbox; the loop thread owns it. */
typedef struct mb_batch {
    mb_node *done; /* completions, oldest first */
    int *fds;      /* accepted sockets (malloc'd array; caller frees) */
    size_t nfds;
    unsigned cmds;
} mb_batch;

typedef struct mailbox mailbox;

/* A new mailbox with one reference, not yet attached; NULL without memory. */
mailbox *mailbox_new(void);
mailbox *mailbox_ref(mailbox *mb);
/* Drops a reference from any thread; the last one frees the mailbox. */
void mailbox_unref(mailbox *mb);

/* Creates the wake event on base calling fn(arg); loop setup only. 0/-1. */
int mailbox_attach(mailbox *mb, struct event_base *base, event_callback_fn fn, void *arg);

/* Posters, any thread. Each returns false when the loop has closed the
 * mailbox (or memory ran out for an fd): the caller keeps what it posted. */
bool mailbox_post_done(mailbox *mb, mb_node *n);
bool mailbox_post_fd(mailbox *mb, int fd);
void mailbox_post_cmd(mailbox *mb, unsigned cmds);

/* Loop thread: takes everything queued so far into *out. */
void mailbox_take(mailbox *mb, mb_batch *out);

/* Loop thread, once, after its loop ended: later posts fail, the wake
 * event is freed, and what was still queued is handed back in *left. */
void mailbox_close(mailbox *mb, mb_batch *left);

#endif /* OTELC_OTLP_MAILBOX_H */
