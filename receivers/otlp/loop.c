/*
 * loop.c: the receiver's loop threads. Each runs its own event_base; work
 * from other threads arrives through its mailbox.
 */
#include <stdlib.h>
#include <unistd.h>

#include "otlp_recv.h"

/* Runs the completions taken from the mailbox (streams and HTTP/1.1
 * requests answer, orphans only drop their reference). */
static void handle_done(mb_node *n)
{
    while (n) {
        mb_node *next = n->next;
        n->run(n);
        n = next;
    }
}

static void loop_drain(otlp_loop *l)
{
    if (l->index == 0)
        listeners_close(l);
    for (otlp_conn *c = l->conns, *next; c; c = next) {
        next = c->next;
        conn_drain(c);
        conn_settle(c);
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    otlp_loop *l = arg;
    mb_batch b;
    mailbox_take(l->mb, &b);
    for (size_t i = 0; i < b.nfds; i++)
        conn_accept(l, b.fds[i]);
    free(b.fds);
    handle_done(b.done);
    if (b.cmds & MB_CMD_DRAIN)
        loop_drain(l);
    if (b.cmds & MB_CMD_STOP)
        event_base_loopbreak(l->base);
}

/* Closes everything the loop owns; later completions find the mailbox
 * closed and clean up after themselves. */
static void loop_teardown(otlp_loop *l)
{
    mb_batch left;
    if (l->index == 0)
        listeners_close(l);
    while (l->conns)
        conn_free(l->conns);
    mailbox_close(l->mb, &left);
    for (size_t i = 0; i < left.nfds; i++)
        close(left.fds[i]);
    free(left.fds);
    handle_done(left.done);
}

static void *loop_main(void *arg)
{
    otlp_loop *l = arg;
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    loop_teardown(l);
    return NULL;
}

int loops_create(otlp_server *srv)
{
    srv->loops = calloc(srv->nloops, sizeof(*srv->loops));
    if (!srv->loops)
        return -1;
    for (unsigned i = 0; i < srv->nloops; i++) {
        otlp_loop *l = &srv->loops[i];
        l->r = srv->r;
        l->srv = srv;
        l->index = i;
        l->base = event_base_new();
        l->mb = mailbox_new();
        if (!l->base || !l->mb || mailbox_attach(l->mb, l->base, on_wake, l) != 0)
            return -1;
    }
    return 0;
}

/* The threads inherit the host's mask: SIGINT, SIGTERM and SIGPIPE are
 * blocked (signals are the main thread's business; EPIPE is handled where
 * writes fail). */
int loops_start(otlp_server *srv)
{
    int rc = 0;
    for (unsigned i = 0; i < srv->nloops && rc == 0; i++) {
        otlp_loop *l = &srv->loops[i];
        rc = pthread_create(&l->thread, NULL, loop_main, l) == 0 ? 0 : -1;
        l->running = rc == 0;
    }
    return rc;
}

void loops_post_all(otlp_server *srv, unsigned cmds)
{
    for (unsigned i = 0; srv->loops && i < srv->nloops; i++)
        if (srv->loops[i].mb)
            mailbox_post_cmd(srv->loops[i].mb, cmds);
}

void loops_join(otlp_server *srv)
{
    for (unsigned i = 0; srv->loops && i < srv->nloops; i++) {
        otlp_loop *l = &srv->loops[i];
        if (l->running) {
            pthread_join(l->thread, NULL);
            l->running = false;
            l->thread_done = true;
        }
    }
}

void loops_free(otlp_server *srv)
{
    for (unsigned i = 0; srv->loops && i < srv->nloops; i++) {
        otlp_loop *l = &srv->loops[i];
        if (l->mb && l->base && !l->thread_done)
            loop_teardown(l); /* its thread never ran */
        mailbox_unref(l->mb);
        if (l->base)
            event_base_free(l->base);
    }
    free(srv->loops);
    srv->loops = NULL;
}
