/*
 * listener.c: the listening sockets, all on loop 0, which deals accepted
 * connections out to the loops round-robin. No SO_REUSEPORT: a second
 * process on the same port must fail to bind, as operators expect.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <otelc/sdk/clock.h>

#include "otlp_recv.h"

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    otlp_server *srv = arg;
    unsigned i = srv->next_loop++ % srv->nloops;
    if (i == 0)
        conn_accept(&srv->loops[0], fd);
    else if (!mailbox_post_fd(srv->loops[i].mb, fd))
        close(fd);
}

static void on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
    otlp_loop *l0 = arg;
    for (size_t i = 0; i < l0->nlis; i++)
        evconnlistener_enable(l0->lis[i]);
}

/* Out of descriptors: an idle connection makes room for the new client,
 * which is then accepted at once (the listener stays readable). An idle
 * client loses nothing but its connection; a refused one could not send
 * at all. Logged once a minute at most: an attack would flood the log. */
static bool make_room(otlp_server *srv, int e)
{
    otlp_loop *l0 = &srv->loops[0];
    if ((e != EMFILE && e != ENFILE) || !conn_evict_idle(l0))
        return false;
    int64_t now = otelc_mono_ns();
    if (now - srv->evict_logged_ns >= INT64_C(60) * 1000000000) {
        srv->evict_logged_ns = now;
        srv->r->api->log(srv->r->ctx, OTELC_LOG_WARN,
                         "out of file descriptors: closing idle connections to accept new ones");
    }
    return true;
}

/* Out of descriptors or memory, the pending connection stays queued and
 * the socket stays readable: pause accepting briefly instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    otlp_server *srv = arg;
    otlp_loop *l0 = &srv->loops[0];
    int e = errno;
    struct timeval pause = {0, 100000};
    if (make_room(srv, e))
        return;
    srv->r->api->log(srv->r->ctx, OTELC_LOG_WARN, "accept failed: %s", strerror(e));
    if (!l0->accept_pause)
        return;
    for (size_t i = 0; i < l0->nlis; i++)
        evconnlistener_disable(l0->lis[i]);
    evtimer_add(l0->accept_pause, &pause);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* A bound, listening socket for addr (its port filled in on return), or
 * -1 with errno set. */
static int bind_one(struct sockaddr_storage *addr, socklen_t len)
{
    int one = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (addr->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)addr, len) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* localhost's ::1 may be missing on hosts without IPv6; 127.0.0.1 then
 * serves alone. Any other address failing is an error. */
static bool skippable(const otlp_server *srv, const struct sockaddr_storage *a, size_t bound)
{
    bool localhost = !srv->set.ep.host[0] || strcmp(srv->set.ep.host, "localhost") == 0;
    return localhost && bound > 0 && a->ss_family == AF_INET6 &&
           (errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT);
}

static int listen_addr(otlp_server *srv, otlp_loop *l0, struct sockaddr_storage *a,
                       socklen_t len)
{
    otlp_recv *r = srv->r;
    char name[80];
    endpoint_format((struct sockaddr *)a, name, sizeof(name));
    int fd = bind_one(a, len);
    if (fd < 0) {
        bool skip = skippable(srv, a, l0->nlis);
        r->api->log(r->ctx, skip ? OTELC_LOG_WARN : OTELC_LOG_ERROR, "cannot listen on %s: %s",
                    name, strerror(errno));
        return skip ? 0 : -1;
    }
    struct evconnlistener *lis = evconnlistener_new(l0->base, on_accept, srv,
                                                    LEV_OPT_CLOSE_ON_FREE, 0, fd);
    if (!lis) {
        close(fd);
        r->api->log(r->ctx, OTELC_LOG_ERROR, "cannot listen on %s: out of memory", name);
        return -1;
    }
    evconnlistener_set_error_cb(lis, on_accept_error);
    l0->lis[l0->nlis++] = lis;
    endpoint_format((struct sockaddr *)a, name, sizeof(name));
    r->api->log(r->ctx, OTELC_LOG_INFO, "listening on %s (%s%s)", name,
                srv->proto == OTLP_GRPC ? "gRPC" : "HTTP", srv->ssl_ctx ? ", TLS" : "");
    return 0;
}

int listeners_open(otlp_server *srv)
{
    char err[300];
    endpoint_addrs addrs;
    otlp_loop *l0 = &srv->loops[0];
    if (endpoint_resolve(&srv->set.ep, &addrs, err, sizeof(err)) != 0) {
        srv->r->api->log(srv->r->ctx, OTELC_LOG_ERROR, "%s", err);
        return -1;
    }
    l0->accept_pause = evtimer_new(l0->base, on_accept_resume, l0);
    uint16_t port = srv->set.ep.port;
    for (size_t i = 0; i < addrs.n; i++) {
        /* With port 0 every address shares the port the first one got. */
        set_port(&addrs.addr[i], port);
        if (listen_addr(srv, l0, &addrs.addr[i], addrs.len[i]) != 0)
            return -1;
        if (port == 0 && l0->nlis > 0)
            port = get_port(&addrs.addr[i]);
    }
    return 0;
}

void listeners_close(otlp_loop *l0)
{
    for (size_t i = 0; i < l0->nlis; i++)
        evconnlistener_free(l0->lis[i]);
    l0->nlis = 0;
    if (l0->accept_pause)
        event_free(l0->accept_pause);
    l0->accept_pause = NULL;
}
