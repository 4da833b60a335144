/* A scripted HTTP/1.1 peer on 127.0.0.1 for unit tests (test_http, test_auth): it answers
 * each request it reads with the next raw response of its script and records the requests.
 * No network beyond loopback. */
#ifndef RC_TEST_FAKE_PEER_H
#define RC_TEST_FAKE_PEER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"

#define FAKE_MAX 16

struct fake {
    int lfd;
    int port;
    pthread_t thread;
    const char *script[FAKE_MAX]; /* raw responses, in order; "" = close without answering */
    char *owned[FAKE_MAX];        /* scripts built with fake_say */
    size_t nowned;
    size_t nscript;
    char *requests[FAKE_MAX]; /* raw requests (head + decoded body) */
    size_t nreq;
    size_t connections;
};

static inline bool wait_readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
}

/* Reads one request from fd into a buffer; false on EOF or timeout. */
static inline bool read_request(int fd, struct rc_buf *req, char *pending, size_t *npending)
{
    struct rc_buf in = RC_BUF_INIT(0);
    rc_buf_add(&in, pending, *npending);
    *npending = 0;
    char tmp[8192];
    const char *eoh;
    while (!(eoh = strstr(rc_buf_str(&in), "\r\n\r\n"))) {
        if (!wait_readable(fd, 5000)) {
            rc_buf_dispose(&in);
            return false;
        }
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n <= 0) {
            rc_buf_dispose(&in);
            return false;
        }
        rc_buf_add(&in, tmp, (size_t)n);
    }
    size_t head_len = (size_t)(eoh - in.data) + 4;
    rc_buf_add(req, in.data, head_len);
    char *head = rc_xstrndup(in.data, head_len);
    for (char *p = head; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    size_t have = in.len - head_len;
    const char *cl = strstr(head, "\r\ncontent-length:");
    bool chunked = strstr(head, "transfer-encoding: chunked") != NULL;
    size_t body_len = 0;
    if (cl) {
        int64_t v = 0;
        char num[32] = {0};
        const char *p = cl + strlen("\r\ncontent-length:");
        while (*p == ' ')
            p++;
        for (size_t i = 0; i < sizeof(num) - 1 && p[i] >= '0' && p[i] <= '9'; i++)
            num[i] = p[i];
        if (rc_parse_i64(num, &v))
            body_len = (size_t)v;
    }
    free(head);
    if (chunked) {
        /* read until the terminating zero chunk, decoding as we go */
        struct rc_buf raw = RC_BUF_INIT(0);
        rc_buf_add(&raw, in.data + head_len, have);
        for (;;) {
            const char *s = rc_buf_str(&raw);
            const char *end = strstr(s, "\r\n0\r\n\r\n");
            if (rc_str_starts(s, "0\r\n\r\n") || end)
                break;
            if (!wait_readable(fd, 5000))
                break;
            ssize_t n = read(fd, tmp, sizeof(tmp));
            if (n <= 0)
                break;
            rc_buf_add(&raw, tmp, (size_t)n);
        }
        const char *p = rc_buf_str(&raw);
        for (;;) {
            unsigned long sz = strtoul(p, NULL, 16);
            const char *data = strstr(p, "\r\n");
            if (!data || sz == 0)
                break;
            data += 2;
            rc_buf_add(req, data, sz);
            p = data + sz + 2;
        }
        rc_buf_dispose(&raw);
    } else {
        size_t take = have < body_len ? have : body_len;
        rc_buf_add(req, in.data + head_len, take);
        if (have > take) {
            *npending = have - take;
            memcpy(pending, in.data + head_len + take, *npending);
        }
        while (take < body_len) {
            if (!wait_readable(fd, 5000))
                break;
            size_t want = body_len - take < sizeof(tmp) ? body_len - take : sizeof(tmp);
            ssize_t n = read(fd, tmp, want);
            if (n <= 0)
                break;
            rc_buf_add(req, tmp, (size_t)n);
            take += (size_t)n;
        }
    }
    rc_buf_dispose(&in);
    return true;
}

static inline void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static inline void *fake_main(void *arg)
{
    struct fake *f = arg;
    size_t next = 0;
    char pending[65536];
    while (next < f->nscript) {
        if (!wait_readable(f->lfd, 5000))
            break;
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            break;
        f->connections++;
        size_t npending = 0;
        while (next < f->nscript) {
            struct rc_buf req = RC_BUF_INIT(0);
            if (!read_request(fd, &req, pending, &npending)) {
                rc_buf_dispose(&req);
                break;
            }
            f->requests[f->nreq++] = rc_buf_steal(&req, NULL);
            const char *r = f->script[next++];
            write_all(fd, r, strlen(r));
            if (!*r || strstr(r, "Connection: close"))
                break;
        }
        close(fd);
    }
    return NULL;
}

static inline void fake_listen(struct fake *f)
{
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_FATAL(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
    CU_ASSERT_FATAL(listen(f->lfd, 8) == 0);
    socklen_t len = sizeof(a);
    getsockname(f->lfd, (struct sockaddr *)&a, &len);
    f->port = ntohs(a.sin_port);
}

static inline void fake_run(struct fake *f)
{
    pthread_create(&f->thread, NULL, fake_main, f);
}

static inline void fake_stop(struct fake *f)
{
    pthread_join(f->thread, NULL);
    close(f->lfd);
}

static inline char *fake_url(const struct fake *f, const char *path)
{
    return rc_fmt("http://127.0.0.1:%d%s", f->port, path);
}

/* Header value in a raw request (case-insensitive name), or NULL. Static buffer. */
static inline const char *req_header(const char *raw, const char *name)
{
    static char value[512];
    size_t nlen = strlen(name);
    const char *p = strstr(raw, "\r\n");
    while (p && p[2] != '\r') {
        p += 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            if (n >= sizeof(value))
                n = sizeof(value) - 1;
            memcpy(value, v, n);
            value[n] = '\0';
            return value;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

static inline const char *req_body(const char *raw)
{
    const char *p = strstr(raw, "\r\n\r\n");
    return p ? p + 4 : "";
}

#endif
