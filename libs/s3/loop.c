/*
 * loop.c: libevent + libcurl multi on a thread of their own.
 */
#include "loop.h"

#include <pthread.h>
#include <stdlib.h>

#include <event2/event.h>
#include <event2/event_struct.h>

struct s3_loop {
    struct event_base *base;
    CURLM *multi;
    struct event timer; /* libcurl's single timeout */
    struct event wake;  /* on_wake, activated from any thread */
    struct event stop;  /* breaks the loop */
    void (*on_wake)(void *arg);
    void *arg;
    pthread_t thread;
    bool events_set;
    bool running;
};

/* One socket libcurl asked us to watch. */
typedef struct sock_watch {
    struct event ev;
    s3_loop *loop;
} sock_watch;

static void drain_done(s3_loop *l)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(l->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result; /* msg dies with remove_handle */
        s3_transfer *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        curl_multi_remove_handle(l->multi, easy);
        if (t)
            t->done(t->arg, rc);
    }
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
    sock_watch *w = arg;
    s3_loop *l = w->loop; /* w may be freed during the action */
    int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(l->multi, fd, flags, &running);
    drain_done(l);
}

static void on_timer_event(evutil_socket_t fd, short what, void *arg)
{
    s3_loop *l = arg;
    int running;
    curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain_done(l);
}

/* CURLMOPT_SOCKETFUNCTION: only arms or disarms events. */
static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    s3_loop *l = userp;
    sock_watch *w = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (w) {
            event_del(&w->ev);
            free(w);
        }
        return 0;
    }
    if (!w) {
        w = calloc(1, sizeof(*w));
        if (!w)
            return -1;
        w->loop = l;
        curl_multi_assign(l->multi, s, w); /* allowed from this callback */
    } else {
        event_del(&w->ev);
    }
    short kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
                 (what & CURL_POLL_OUT ? EV_WRITE : 0);
    event_assign(&w->ev, l->base, s, kind, on_socket_event, w);
    return event_add(&w->ev, NULL) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: a timeout of 0 becomes a zero-delay event, so
 * libcurl is never re-entered from its own callback. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    s3_loop *l = userp;
    if (timeout_ms < 0)
        return event_del(&l->timer) == 0 ? 0 : -1;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    return evtimer_add(&l->timer, &tv) == 0 ? 0 : -1;
}

static void on_wake_event(evutil_socket_t fd, short what, void *arg)
{
    s3_loop *l = arg;
    l->on_wake(l->arg);
}

static void on_stop_event(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopbreak(((s3_loop *)arg)->base);
}

s3_loop *s3_loop_new(void (*on_wake)(void *arg), void *arg)
{
    s3_loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->on_wake = on_wake;
    l->arg = arg;
    l->base = event_base_new();
    l->multi = curl_multi_init();
    if (!l->base || !l->multi) {
        s3_loop_free(l);
        return NULL;
    }
    evtimer_assign(&l->timer, l->base, on_timer_event, l);
    event_assign(&l->wake, l->base, -1, 0, on_wake_event, l);
    event_assign(&l->stop, l->base, -1, 0, on_stop_event, l);
    l->events_set = true;
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
    return l;
}

static void *loop_main(void *arg)
{
    s3_loop *l = arg;
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

int s3_loop_start(s3_loop *l)
{
    int rc = pthread_create(&l->thread, NULL, loop_main, l);
    l->running = rc == 0;
    return rc == 0 ? 0 : -1;
}

void s3_loop_wake(s3_loop *l)
{
    event_active(&l->wake, 0, 0);
}

int s3_loop_add(s3_loop *l, s3_transfer *t)
{
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
    return curl_multi_add_handle(l->multi, t->easy) == CURLM_OK ? 0 : -1;
}

void s3_loop_cancel(s3_loop *l, s3_transfer *t)
{
    curl_multi_remove_handle(l->multi, t->easy);
}

void s3_loop_stop(s3_loop *l)
{
    if (!l->running)
        return;
    event_active(&l->stop, 0, 0);
    pthread_join(l->thread, NULL);
    l->running = false;
}

struct event_base *s3_loop_base(s3_loop *l)
{
    return l->base;
}

CURLM *s3_loop_multi(s3_loop *l)
{
    return l->multi;
}

void s3_loop_free(s3_loop *l)
{
    if (!l)
        return;
    s3_loop_stop(l);
    /* Cleanup closes cached connections through the socket callback,
     * which still needs the base. */
    if (l->multi)
        curl_multi_cleanup(l->multi);
    if (l->events_set) {
        event_del(&l->timer);
        event_del(&l->wake);
        event_del(&l->stop);
    }
    if (l->base)
        event_base_free(l->base);
    free(l);
}
