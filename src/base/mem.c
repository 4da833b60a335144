#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

static void oom(size_t n)
{
    fprintf(stderr, "regcompat: out of memory allocating %zu bytes\n", n);
    abort();
}

void *rc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *rc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *rc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *rc_xstrdup(const char *s)
{
    return s ? rc_xstrndup(s, strlen(s)) : NULL;
}

char *rc_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *d = rc_xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *rc_vfmt(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return rc_xstrdup("(format error)");
    char *s = rc_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *rc_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rc_vfmt(fmt, ap);
    va_end(ap);
    return s;
}

void rc_grow(void *p, size_t *cap, size_t need, size_t elsize)
{
    void **arr = (void **)p;
    if (need <= *cap && *arr)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    *arr = rc_xrealloc(*arr, ncap * elsize);
    *cap = ncap;
}

void rc_freep(void *pp)
{
    void **p = (void **)pp;
    free(*p);
    *p = NULL;
}

/* ---- buffers ---- */

void rc_buf_init(struct rc_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int buf_reserve(struct rc_buf *b, size_t extra)
{
    if (b->max && b->len + extra > b->max)
        return RC_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    if (b->max && ncap > b->max + 1)
        ncap = b->max + 1;
    b->data = rc_xrealloc(b->data, ncap);
    b->cap = ncap;
    return 0;
}

int rc_buf_add(struct rc_buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return RC_ELIMIT;
    if (!b->data)
        b->data = rc_xcalloc(1, b->cap = 1);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int rc_buf_adds(struct rc_buf *b, const char *s)
{
    return rc_buf_add(b, s, strlen(s));
}

int rc_buf_addc(struct rc_buf *b, char c)
{
    return rc_buf_add(b, &c, 1);
}

int rc_buf_vaddf(struct rc_buf *b, const char *fmt, va_list ap)
{
    char *s = rc_vfmt(fmt, ap);
    int rc = rc_buf_adds(b, s);
    free(s);
    return rc;
}

int rc_buf_addf(struct rc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rc_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *rc_buf_str(const struct rc_buf *b)
{
    return b->data ? b->data : "";
}

void rc_buf_reset(struct rc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *rc_buf_steal(struct rc_buf *b, size_t *len_out)
{
    char *d = b->data ? b->data : rc_xcalloc(1, 1);
    if (len_out)
        *len_out = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void rc_buf_dispose(struct rc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int rc_buf_read_file(struct rc_buf *b, const char *path, struct rc_error **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rc_error_set(err, errno == ENOENT ? RC_ENOTFOUND : RC_EIO, "%s: %s", path,
                            strerror(errno));
    char tmp[65536];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        if (rc_buf_add(b, tmp, (size_t)n) < 0) {
            close(fd);
            return rc_error_set(err, RC_ELIMIT, "%s: larger than %zu bytes", path, b->max);
        }
    }
    close(fd);
    if (!b->data)
        rc_buf_add(b, "", 0);
    return 0;
}

int rc_write_file(const char *path, const void *data, size_t len, struct rc_error **err)
{
    char *tmp = rc_fmt("%s.tmp.%ld", path, (long)getpid());
    /* a file left or planted under the temporary name is removed, never written through */
    if (unlink(tmp) < 0 && errno != ENOENT) {
        int e = errno;
        free(tmp);
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
    }
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
    }
    free(tmp);
    return 0;
}
