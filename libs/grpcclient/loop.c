/*
 * loop.c: the exporter's loop thread: one libevent base for the
 * connection, the calls' timers and the reconnection back-off. Calls come
 * in from the consumer threads through `incoming` and a wake event.
 */
#include <stdlib.h>

#include <event2/dns.h>
#include <event2/thread.h>

#include "client.h"

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    ogrpc *x = arg;
    (void)fd;
    (void)what;
    pthread_mutex_lock(&x->mu);
    og_call *list = x->incoming;
    x->incoming = NULL;
    x->incoming_tail = &x->incoming;
    bool release = x->releasing, cancel = x->cancelling, stop = x->stopping;
    bool connect = x->connect_now;
    x->connect_now = false;
    pthread_mutex_unlock(&x->mu);
    if (connect && !x->conn)
        og_conn_open(x);
    while (list) {
        og_call *call = list;
        list = call->next;
        og_call_start(x, call);
    }
    if (release || cancel)
        og_calls_end(x, cancel);
    if (stop)
        event_base_loopbreak(x->base);
}

static void *loop_main(void *arg)
{
    ogrpc *x = arg;
    event_base_loop(x->base, EVLOOP_NO_EXIT_ON_EMPTY);
    og_calls_end(x, true); /* nothing is left by a clean shutdown */
    if (x->old)
        og_conn_close(x->old, "exporter shut down");
    if (x->conn)
        og_conn_close(x->conn, "exporter shut down");
    return NULL;
}

int og_loop_start(ogrpc *x)
{
    x->base = event_base_new();
    if (!x->base)
        return -1;
    /* Name servers from resolv.conf; without one, names resolve through
     * the system's blocking getaddrinfo (libevent's fallback). */
    x->dns = evdns_base_new(x->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                         EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    x->wake = event_new(x->base, -1, 0, on_wake, x);
    if (!x->wake || og_conn_init(x) != 0)
        return -1;
    if (pthread_create(&x->thread, NULL, loop_main, x) != 0)
        return -1;
    x->thread_started = true;
    return 0;
}

void og_loop_wake(ogrpc *x)
{
    event_active(x->wake, EV_READ, 0);
}

void og_loop_stop(ogrpc *x)
{
    if (x->thread_started) {
        pthread_mutex_lock(&x->mu);
        x->stopping = true;
        pthread_mutex_unlock(&x->mu);
        og_loop_wake(x);
        pthread_join(x->thread, NULL);
        x->thread_started = false;
    }
    if (x->backoff)
        event_free(x->backoff);
    x->backoff = NULL;
    if (x->wake)
        event_free(x->wake);
    x->wake = NULL;
    if (x->dns)
        evdns_base_free(x->dns, 0);
    x->dns = NULL;
    if (x->base)
        event_base_free(x->base);
    x->base = NULL;
}

bool og_submit(ogrpc *x, og_call *call)
{
    call->next = NULL;
    pthread_mutex_lock(&x->mu);
    bool taken = x->accepting;
    if (taken) {
        *x->incoming_tail = call;
        x->incoming_tail = &call->next;
        x->inflight++;
    }
    pthread_mutex_unlock(&x->mu);
    if (taken)
        og_loop_wake(x);
    return taken;
}
