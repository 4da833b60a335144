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
    if (s->digest)
        return s->digest(s->ctx, out, err);
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
    *out = (struct rc_blob_src){.read = mem_read,
                                .rewind = mem_rewind,
                                .ctx = m,
                                .length = (int64_t)len,
                                .dispose = mem_dispose,
                                .clone = mem_clone};
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

/* The synthetic stream is splitmix64's output sequence: word i (from 0) is the finalizer
 * applied to seed + (i + 1) * gamma. Every word depends only on its index, so the loop below
 * has no carried dependency and runs several words in flight. */
#define SPLITMIX_GAMMA UINT64_C(0x9e3779b97f4a7c15)

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline void store_le64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

struct synth_src {
    uint64_t seed;
    uint64_t size;
    uint64_t pos;           /* bytes handed out */
    uint64_t word;          /* the next word to generate */
    unsigned char carry[8]; /* the unread tail of the last generated word */
    unsigned carry_off;
    unsigned carry_len;
};

static void synth_reset(struct synth_src *c)
{
    c->pos = 0;
    c->word = 0;
    c->carry_off = c->carry_len = 0;
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
    uint64_t x = c->seed + c->word * SPLITMIX_GAMMA;
    for (; n - i >= 32; i += 32) {
        store_le64(p + i, mix64(x + SPLITMIX_GAMMA));
        store_le64(p + i + 8, mix64(x + 2 * SPLITMIX_GAMMA));
        store_le64(p + i + 16, mix64(x + 3 * SPLITMIX_GAMMA));
        store_le64(p + i + 24, mix64(x + 4 * SPLITMIX_GAMMA));
        x += 4 * SPLITMIX_GAMMA;
        c->word += 4;
    }
    for (; n - i >= 8; i += 8) {
        x += SPLITMIX_GAMMA;
        store_le64(p + i, mix64(x));
        c->word++;
    }
    if (i < n) {
        x += SPLITMIX_GAMMA;
        store_le64(c->carry, mix64(x));
        c->word++;
        c->carry_off = 0;
        c->carry_len = 8;
        while (i < n)
            p[i++] = c->carry[c->carry_off++];
    }
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
    *out = (struct rc_blob_src){.read = synth_read,
                                .rewind = synth_rewind,
                                .ctx = c,
                                .length = (int64_t)size,
                                .dispose = free,
                                .clone = synth_clone};
}

uint64_t rc_artifact_seed(const char *salt, uint64_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)(salt ? salt : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return mix64((h ^ (n * SPLITMIX_GAMMA)) + SPLITMIX_GAMMA);
}
