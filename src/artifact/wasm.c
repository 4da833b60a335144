/* A minimal valid WebAssembly module, streamed: the fixed sections and the metadata custom
 * section are built in memory (a few hundred bytes), the padding custom sections that bring
 * the module to its exact size are generated while reading. */
#include "artifact/artifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Each padding section is at most this long (header included): section lengths are u32. */
#define PAD_SECTION_MAX ((uint64_t)1 << 30)
/* A module with a bulk keeps at least this much salted padding in its tail. */
#define TAIL_ROOM ((uint64_t)64 * 1024)
/* Seeds the bulk's padding: the same for every module. */
#define WASM_BULK_SALT "regcompat wasm bulk"
/* Read size when hashing a module. */
#define WASM_HASH_BUF ((size_t)64 * 1024)

static unsigned leb_len(uint64_t v)
{
    unsigned n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Encodes v as unsigned LEB128 in exactly width bytes (width >= leb_len(v)); a wider
 * encoding continues with 0x80 bytes and ends with 0x00, which WebAssembly accepts up to
 * 5 bytes for a u32. */
static void leb_put(unsigned char *p, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++) {
        unsigned char b = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (i + 1 < width)
            b |= 0x80;
        p[i] = b;
    }
}

static void buf_leb(struct rc_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    unsigned n = leb_len(v);
    leb_put(tmp, v, n);
    rc_buf_add(b, tmp, n);
}

static void buf_section(struct rc_buf *b, unsigned char id, const void *content, size_t len)
{
    rc_buf_addc(b, (char)id);
    buf_leb(b, len);
    rc_buf_add(b, content, len);
}

static const unsigned char wasm_header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

/* Everything after the header but the padding: the fixed sections and the metadata. */
static void build_body(struct rc_buf *b, const char *metadata)
{
    /* one function type: (i32, i32) -> i32 */
    static const unsigned char types[] = {0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f};
    /* one function of type 0 */
    static const unsigned char funcs[] = {0x01, 0x00};
    /* export "validate" = function 0 */
    static const unsigned char exports[] = {0x01, 0x08, 'v', 'a', 'l',  'i',
                                            'd',  'a',  't', 'e', 0x00, 0x00};
    /* one body: no locals, i32.const 0, end */
    static const unsigned char code[] = {0x01, 0x04, 0x00, 0x41, 0x00, 0x0b};

    buf_section(b, 1, types, sizeof(types));
    buf_section(b, 3, funcs, sizeof(funcs));
    buf_section(b, 7, exports, sizeof(exports));
    buf_section(b, 10, code, sizeof(code));
    if (metadata) {
        struct rc_buf content = RC_BUF_INIT(0);
        size_t nlen = strlen(RC_ARTIFACT_KW_METADATA_SECTION);
        buf_leb(&content, nlen);
        rc_buf_add(&content, RC_ARTIFACT_KW_METADATA_SECTION, nlen);
        rc_buf_adds(&content, metadata);
        buf_section(b, 0, content.data, content.len);
        rc_buf_dispose(&content);
    }
}

uint64_t rc_artifact_wasm_base_size(const struct rc_artifact_wasm_opts *o)
{
    struct rc_buf b = RC_BUF_INIT(0);
    build_body(&b, o->metadata);
    uint64_t n = sizeof(wasm_header) + b.len;
    rc_buf_dispose(&b);
    return n;
}

/* A run of identical padding sections. */
struct pad_run {
    uint64_t count;
    uint64_t total;   /* bytes per section, header included */
    uint64_t payload; /* padding bytes per section */
    unsigned char hdr[24];
    unsigned hlen;
};

/* Shapes one padding section of total bytes (>= RC_ARTIFACT_WASM_MIN_PADDING): id 0, the
 * content length in w bytes, the name; the payload is what remains. */
static void pad_run_init(struct pad_run *r, uint64_t count, uint64_t total)
{
    const char *name = RC_ARTIFACT_PADDING_SECTION;
    size_t nlen = strlen(name); /* < 128: one length byte */
    unsigned w = 1;
    uint64_t content = 0;
    for (; w <= 5; w++) {
        content = total - 1 - w;
        if (leb_len(content) <= w)
            break;
    }
    r->count = count;
    r->total = total;
    r->payload = content - 1 - nlen;
    r->hdr[0] = 0x00;
    leb_put(r->hdr + 1, content, w);
    r->hdr[1 + w] = (unsigned char)nlen;
    memcpy(r->hdr + 2 + w, name, nlen);
    r->hlen = (unsigned)(2 + w + nlen);
}

/* The module as a list of segments: bytes in memory, or a run of padding sections fed by
 * one of two synthetic streams (the bulk's, fixed; the tail's, seeded by the caller). */
enum seg_kind { SEG_MEM, SEG_PAD };

struct seg {
    enum seg_kind kind;
    const unsigned char *mem; /* SEG_MEM: points into wasm_src (header or body) */
    size_t mem_len;
    struct pad_run run; /* SEG_PAD */
    unsigned stream;    /* SEG_PAD: 0 bulk, 1 tail */
};

#define MAX_SEGS 8

struct wasm_src {
    char *body;
    size_t body_len;
    struct seg segs[MAX_SEGS];
    unsigned nsegs;
    unsigned tail_seg; /* first segment after the bulk (the body) */
    uint64_t bulk_len; /* bytes of bulk padding, 0 = none */
    uint64_t length;   /* of the whole module */
    struct rc_blob_src streams[2];
    /* cursor */
    unsigned seg;
    uint64_t pos; /* SEG_MEM: offset; SEG_PAD: offset in the current section */
    uint64_t sec; /* SEG_PAD: section index within the run */
};

static int wasm_read(void *vctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    struct wasm_src *c = vctx;
    size_t i = 0;
    *got = 0;
    while (i < cap && c->seg < c->nsegs) {
        const struct seg *g = &c->segs[c->seg];
        if (g->kind == SEG_MEM) {
            if (c->pos >= g->mem_len) {
                c->seg++;
                c->pos = 0;
                continue;
            }
            size_t n = g->mem_len - (size_t)c->pos;
            if (n > cap - i)
                n = cap - i;
            memcpy(buf + i, g->mem + c->pos, n);
            c->pos += n;
            i += n;
            continue;
        }
        const struct pad_run *r = &g->run;
        if (c->sec >= r->count) {
            c->seg++;
            c->sec = 0;
            c->pos = 0;
            continue;
        }
        if (c->pos < r->hlen) {
            size_t n = r->hlen - (size_t)c->pos;
            if (n > cap - i)
                n = cap - i;
            memcpy(buf + i, r->hdr + c->pos, n);
            c->pos += n;
            i += n;
            continue;
        }
        uint64_t left = r->total - c->pos;
        if (left == 0) {
            c->sec++;
            c->pos = 0;
            continue;
        }
        size_t want = (uint64_t)(cap - i) < left ? cap - i : (size_t)left;
        size_t n = 0;
        int rc = rc_artifact_blob_read(&c->streams[g->stream], buf + i, want, &n, err);
        if (rc < 0)
            return rc;
        if (n == 0)
            return rc_error_set(err, RC_ERR, "wasm padding stream ended early");
        c->pos += n;
        i += n;
    }
    *got = i;
    return 0;
}

static int wasm_rewind(void *vctx, struct rc_error **err)
{
    struct wasm_src *c = vctx;
    c->seg = 0;
    c->sec = 0;
    c->pos = 0;
    int rc = rc_artifact_blob_rewind(&c->streams[0], err);
    return rc < 0 ? rc : rc_artifact_blob_rewind(&c->streams[1], err);
}

static void wasm_dispose(void *vctx)
{
    struct wasm_src *c = vctx;
    free(c->body);
    rc_artifact_blob_dispose(&c->streams[0]);
    rc_artifact_blob_dispose(&c->streams[1]);
    free(c);
}

static void *wasm_clone(const void *vctx)
{
    const struct wasm_src *c = vctx;
    struct wasm_src *d = rc_xcalloc(1, sizeof(*d));
    d->body = rc_xmalloc(c->body_len + 1);
    memcpy(d->body, c->body, c->body_len);
    d->body_len = c->body_len;
    memcpy(d->segs, c->segs, sizeof(c->segs));
    d->nsegs = c->nsegs;
    for (unsigned i = 0; i < d->nsegs; i++)
        if (d->segs[i].kind == SEG_MEM && d->segs[i].mem != wasm_header)
            d->segs[i].mem = (const unsigned char *)d->body;
    d->tail_seg = c->tail_seg;
    d->bulk_len = c->bulk_len;
    d->length = c->length;
    rc_artifact_blob_clone(&d->streams[0], &c->streams[0]);
    rc_artifact_blob_clone(&d->streams[1], &c->streams[1]);
    return d;
}

/* The digest of a module with a bulk: the SHA-256 state after the header and the bulk (a
 * whole number of blocks, and the same for every module of this bulk length) comes from the
 * midstate cache, so only the tail is hashed. When the cache is cold the whole module is
 * hashed in one pass and the state at the end of the bulk is saved on the way. */
static int wasm_digest(const void *vctx, char out[RC_DIGEST_MAX], struct rc_error **err)
{
    const struct wasm_src *c = vctx;
    struct wasm_src *d = wasm_clone(c);
    uint64_t prefix = sizeof(wasm_header) + c->bulk_len;
    char key[64];
    snprintf(key, sizeof(key), "wasm-bulk-v%d-%llu", RC_ARTIFACT_WASM_BULK_VERSION,
             (unsigned long long)c->bulk_len);
    struct rc_sha256_mid mid;
    bool warm = rc_artifact_mid_get(key, prefix, &mid);
    struct rc_hasher *h = rc_hasher_new_resumable(warm ? &mid : NULL);
    uint64_t total = 0;
    if (warm) {
        d->seg = d->tail_seg; /* the tail stream is still at 0 */
        total = prefix;
    }
    char *buf = rc_xmalloc(WASM_HASH_BUF);
    int rc = 0;
    for (;;) {
        size_t cap = WASM_HASH_BUF;
        if (!warm && total < prefix && prefix - total < cap)
            cap = (size_t)(prefix - total); /* stop exactly at the end of the bulk */
        size_t got = 0;
        rc = wasm_read(d, buf, cap, &got, err);
        if (rc < 0 || got == 0)
            break;
        rc_hasher_update(h, buf, got);
        total += got;
        if (!warm && total == prefix) {
            if (!rc_hasher_save(h, &mid)) {
                rc = rc_error_set(err, RC_ERR, "wasm bulk is not a whole number of blocks");
                break;
            }
            rc_artifact_mid_put(key, &mid);
            warm = true;
        }
    }
    if (rc == 0 && total != c->length)
        rc = rc_error_set(err, RC_EIO, "wasm module gave %llu bytes", (unsigned long long)total);
    if (rc == 0)
        rc_hasher_final(h, out);
    free(buf);
    rc_hasher_free(h);
    wasm_dispose(d);
    return rc;
}

/* Appends the padding runs for pad bytes (>= RC_ARTIFACT_WASM_MIN_PADDING) fed by stream. */
static void add_pad_segs(struct wasm_src *c, uint64_t pad, unsigned stream)
{
    struct pad_run runs[3];
    unsigned n = 0;
    uint64_t full = pad / PAD_SECTION_MAX, rem = pad % PAD_SECTION_MAX;
    if (rem == 0) {
        pad_run_init(&runs[n++], full, PAD_SECTION_MAX);
    } else if (rem >= RC_ARTIFACT_WASM_MIN_PADDING || full == 0) {
        if (full)
            pad_run_init(&runs[n++], full, PAD_SECTION_MAX);
        pad_run_init(&runs[n++], 1, rem);
    } else {
        /* a remainder too small for a section of its own: shorten one full section */
        if (full > 1)
            pad_run_init(&runs[n++], full - 1, PAD_SECTION_MAX);
        pad_run_init(&runs[n++], 1, PAD_SECTION_MAX - RC_ARTIFACT_WASM_MIN_PADDING);
        pad_run_init(&runs[n++], 1, rem + RC_ARTIFACT_WASM_MIN_PADDING);
    }
    for (unsigned i = 0; i < n; i++) {
        struct seg *g = &c->segs[c->nsegs++];
        g->kind = SEG_PAD;
        g->run = runs[i];
        g->stream = stream;
    }
}

static uint64_t pad_payload(const struct wasm_src *c, unsigned stream)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < c->nsegs; i++)
        if (c->segs[i].kind == SEG_PAD && c->segs[i].stream == stream)
            n += c->segs[i].run.count * c->segs[i].run.payload;
    return n;
}

uint64_t rc_artifact_wasm_bulk_len(uint64_t size, uint64_t base)
{
    if (size < RC_ARTIFACT_WASM_BULK_MIN)
        return 0;
    uint64_t body = base - sizeof(wasm_header);
    uint64_t room = TAIL_ROOM;
    if (room < body + RC_ARTIFACT_WASM_MIN_PADDING)
        room = body + RC_ARTIFACT_WASM_MIN_PADDING;
    if (size < room + 64 + sizeof(wasm_header) + RC_ARTIFACT_WASM_MIN_PADDING)
        return 0;
    uint64_t prefix = (size - room) / 64 * 64; /* header + bulk: whole SHA-256 blocks */
    return prefix - sizeof(wasm_header);
}

int rc_artifact_blob_wasm(struct rc_blob_src *out, const struct rc_artifact_wasm_opts *o,
                          struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_buf body = RC_BUF_INIT(0);
    build_body(&body, o->metadata);
    uint64_t base = sizeof(wasm_header) + body.len;
    if (o->size && (o->size > (uint64_t)INT64_MAX || o->size < base ||
                    (o->size > base && o->size - base < RC_ARTIFACT_WASM_MIN_PADDING))) {
        rc_buf_dispose(&body);
        return rc_error_set(err, RC_EINVAL, "wasm module size %llu: must be %llu or at least %llu",
                            (unsigned long long)o->size, (unsigned long long)base,
                            (unsigned long long)(base + RC_ARTIFACT_WASM_MIN_PADDING));
    }
    uint64_t size = o->size ? o->size : base;
    uint64_t bulk = rc_artifact_wasm_bulk_len(size, base);
    uint64_t tail = size - base - bulk;

    struct wasm_src *c = rc_xcalloc(1, sizeof(*c));
    c->body_len = body.len;
    c->body = rc_buf_steal(&body, NULL);
    c->bulk_len = bulk;
    c->length = size;
    c->segs[c->nsegs++] =
        (struct seg){.kind = SEG_MEM, .mem = wasm_header, .mem_len = sizeof(wasm_header)};
    if (bulk)
        add_pad_segs(c, bulk, 0);
    c->tail_seg = c->nsegs;
    c->segs[c->nsegs++] = (struct seg){
        .kind = SEG_MEM, .mem = (const unsigned char *)c->body, .mem_len = c->body_len};
    if (tail)
        add_pad_segs(c, tail, 1);
    rc_artifact_blob_synthetic(&c->streams[0], rc_artifact_seed(WASM_BULK_SALT, 0),
                               pad_payload(c, 0));
    rc_artifact_blob_synthetic(&c->streams[1], o->seed, pad_payload(c, 1));

    out->read = wasm_read;
    out->rewind = wasm_rewind;
    out->ctx = c;
    out->length = (int64_t)size;
    out->dispose = wasm_dispose;
    out->clone = wasm_clone;
    out->digest = bulk ? wasm_digest : NULL;
    return 0;
}
