/* Blob sources: bytes in memory and synthetic pseudo-random streams, plus the generic
 * operations (read, rewind, clone, digest) every source shares. */
#include "artifact/artifact.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define DIGEST_BUF_SIZE ((size_t)64 * 1024)

/* ---- generic operations ---------------------------------------------------------------- */

int rc_artifact_blob_read(struct rc_blob_src *s, char *buf, size_t cap, size_t *got,
                          struct rc_error **err)
{
    *got = 0;
    if (!s->read)
        return rc_error_set(err, RC_EINVAL, "reading an empty blob source");
    return s->read(s->ctx, buf, cap, got, err);
}

int rc_artifact_blob_rewind(struct rc_blob_src *s, struct rc_error **err)
{
    if (!s->rewind)
        return rc_error_set(err, RC_EINVAL, "rewinding an empty blob source");
    return s->rewind(s->ctx, err);
}

void rc_artifact_blob_clone(struct rc_blob_src *out, const struct rc_blob_src *src)
{
    *out = *src;
    out->ctx = src->clone ? src->clone(src->ctx) : NULL;
}

void rc_artifact_blob_dispose(struct rc_blob_src *s)
{
    if (!s)
        return;
    if (s->dispose && s->ctx)
        s->dispose(s->ctx);
    memset(s, 0, sizeof(*s));
}

int rc_artifact_blob_digest(char out[RC_DIGEST_MAX], struct rc_blob_src *s, struct rc_error **err)
{
    out[0] = '\0';
    int rc = rc_artifact_blob_rewind(s, err);
    if (rc < 0)
        return rc;
    char *buf = rc_xmalloc(DIGEST_BUF_SIZE);
    struct rc_hasher *h = rc_hasher_new(RC_DIGEST_SHA256);
    uint64_t total = 0;
    for (;;) {
        size_t got = 0;
        rc = rc_artifact_blob_read(s, buf, DIGEST_BUF_SIZE, &got, err);
        if (rc < 0 || got == 0)
            break;
        rc_hasher_update(h, buf, got);
        total += got;
    }
    if (rc == 0 && s->length >= 0 && total != (uint64_t)s->length)
        rc = rc_error_set(err, RC_EIO, "blob source gave %llu bytes, expected %lld",
                          (unsigned long long)total, (long long)s->length);
    if (rc == 0) {
        rc_hasher_final(h, out);
        rc = rc_artifact_blob_rewind(s, err);
    }
    rc_hasher_free(h);
    free(buf);
    return rc;
}

int rc_artifact_blob_slurp(struct rc_buf *out, struct rc_blob_src *s, struct rc_error **err)
{
    int rc = rc_artifact_blob_rewind(s, err);
    if (rc < 0)
        return rc;
    char buf[16384];
    for (;;) {
        size_t got = 0;
        rc = rc_artifact_blob_read(s, buf, sizeof(buf), &got, err);
        if (rc < 0)
            return rc;
        if (got == 0)
            break;
        if (rc_buf_add(out, buf, got) < 0)
            return rc_error_set(err, RC_ELIMIT, "blob larger than %zu bytes", out->max);
    }
    return rc_artifact_blob_rewind(s, err);
}

/* ---- memory ---------------------------------------------------------------------------- */

struct mem_src {
    const char *data;
    size_t len;
    size_t pos;
    char *owned; /* == data when the source owns it */
};

static int mem_read(void *vctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    RC_UNUSED(err);
    struct mem_src *m = vctx;
    size_t n = m->len - m->pos;
    if (n > cap)
        n = cap;
    if (n)
        memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    *got = n;
    return 0;
}

static int mem_rewind(void *vctx, struct rc_error **err)
{
    RC_UNUSED(err);
    ((struct mem_src *)vctx)->pos = 0;
    return 0;
}

static void mem_dispose(void *vctx)
{
    struct mem_src *m = vctx;
    free(m->owned);
    free(m);
}

static void *mem_clone(const void *vctx)
{
    const struct mem_src *m = vctx;
    struct mem_src *c = rc_xcalloc(1, sizeof(*c));
    c->len = m->len;
    if (m->owned) {
        c->owned = rc_xmalloc(m->len ? m->len : 1);
        if (m->len)
            memcpy(c->owned, m->owned, m->len);
        c->data = c->owned;
    } else {
        c->data = m->data;
    }
    return c;
}

static void mem_fill(struct rc_blob_src *out, const void *data, size_t len, bool owned)
{
    struct mem_src *m = rc_xcalloc(1, sizeof(*m));
    m->data = data;
    m->len = len;
    m->owned = owned ? (char *)data : NULL;
    out->read = mem_read;
    out->rewind = mem_rewind;
    out->ctx = m;
    out->length = (int64_t)len;
    out->dispose = mem_dispose;
    out->clone = mem_clone;
}

void rc_artifact_blob_mem(struct rc_blob_src *out, const void *data, size_t len)
{
    mem_fill(out, data, len, false);
}

void rc_artifact_blob_mem_take(struct rc_blob_src *out, void *data, size_t len)
{
    mem_fill(out, data ? data : rc_xmalloc(1), len, true);
}

void rc_artifact_blob_mem_copy(struct rc_blob_src *out, const void *data, size_t len)
{
    char *copy = rc_xmalloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    mem_fill(out, copy, len, true);
}

/* ---- synthetic ------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t rotl64(uint64_t v, int k)
{
    return (v << k) | (v >> (64 - k));
}

struct synth_src {
    uint64_t seed;
    uint64_t size;
    uint64_t pos;
    uint64_t s[4];
    unsigned char carry[8]; /* the unread tail of the last generated word */
    unsigned carry_off;
    unsigned carry_len;
};

static void synth_reset(struct synth_src *c)
{
    uint64_t x = c->seed;
    for (int i = 0; i < 4; i++)
        c->s[i] = splitmix64(&x);
    c->pos = 0;
    c->carry_off = c->carry_len = 0;
}

/* xoshiro256** */
static inline uint64_t synth_next(uint64_t *s)
{
    uint64_t r = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return r;
}

static inline void store_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int synth_read(void *vctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    RC_UNUSED(err);
    struct synth_src *c = vctx;
    uint64_t left = c->size - c->pos;
    size_t n = (uint64_t)cap < left ? cap : (size_t)left;
    unsigned char *p = (unsigned char *)buf;
    size_t i = 0;
    while (i < n && c->carry_off < c->carry_len)
        p[i++] = c->carry[c->carry_off++];
    uint64_t s[4] = {c->s[0], c->s[1], c->s[2], c->s[3]};
    for (; n - i >= 8; i += 8)
        store_le64(p + i, synth_next(s));
    if (i < n) {
        store_le64(c->carry, synth_next(s));
        c->carry_off = 0;
        c->carry_len = 8;
        while (i < n)
            p[i++] = c->carry[c->carry_off++];
    }
    memcpy(c->s, s, sizeof(s));
    c->pos += n;
    *got = n;
    return 0;
}

static int synth_rewind(void *vctx, struct rc_error **err)
{
    RC_UNUSED(err);
    synth_reset(vctx);
    return 0;
}

static void *synth_clone(const void *vctx)
{
    const struct synth_src *c = vctx;
    struct synth_src *d = rc_xcalloc(1, sizeof(*d));
    d->seed = c->seed;
    d->size = c->size;
    synth_reset(d);
    return d;
}

void rc_artifact_blob_synthetic(struct rc_blob_src *out, uint64_t seed, uint64_t size)
{
    if (size > (uint64_t)INT64_MAX)
        size = (uint64_t)INT64_MAX;
    struct synth_src *c = rc_xcalloc(1, sizeof(*c));
    c->seed = seed;
    c->size = size;
    synth_reset(c);
    out->read = synth_read;
    out->rewind = synth_rewind;
    out->ctx = c;
    out->length = (int64_t)size;
    out->dispose = free;
    out->clone = synth_clone;
}

uint64_t rc_artifact_seed(const char *salt, uint64_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)(salt ? salt : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    uint64_t x = h ^ (n * UINT64_C(0x9e3779b97f4a7c15));
    return splitmix64(&x);
}
