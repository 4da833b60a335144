/* A minimal valid WebAssembly module, streamed: the fixed sections and the metadata custom
 * section are built in memory (a few hundred bytes), the padding custom sections that bring
 * the module to its exact size are generated while reading. */
#include "artifact/artifact.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Each padding section is at most this long (header included): section lengths are u32. */
#define PAD_SECTION_MAX ((uint64_t)1 << 30)

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

/* Everything but the padding. */
static void build_prefix(struct rc_buf *b, const char *metadata)
{
    static const unsigned char header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    /* one function type: (i32, i32) -> i32 */
    static const unsigned char types[] = {0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f};
    /* one function of type 0 */
    static const unsigned char funcs[] = {0x01, 0x00};
    /* export "validate" = function 0 */
    static const unsigned char exports[] = {0x01, 0x08, 'v', 'a', 'l',  'i',
                                            'd',  'a',  't', 'e', 0x00, 0x00};
    /* one body: no locals, i32.const 0, end */
    static const unsigned char code[] = {0x01, 0x04, 0x00, 0x41, 0x00, 0x0b};

    rc_buf_add(b, header, sizeof(header));
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
    build_prefix(&b, o->metadata);
    uint64_t n = b.len;
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

struct wasm_src {
    char *prefix;
    size_t prefix_len;
    struct pad_run runs[3];
    unsigned nruns;
    struct rc_blob_src pad; /* one synthetic stream feeds every payload */
    /* cursor */
    uint64_t prefix_pos;
    unsigned run;
    uint64_t sec;
    uint64_t off; /* within the current section */
};

static int wasm_read(void *vctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    struct wasm_src *c = vctx;
    size_t i = 0;
    *got = 0;
    while (i < cap) {
        if (c->prefix_pos < c->prefix_len) {
            size_t n = c->prefix_len - (size_t)c->prefix_pos;
            if (n > cap - i)
                n = cap - i;
            memcpy(buf + i, c->prefix + c->prefix_pos, n);
            c->prefix_pos += n;
            i += n;
            continue;
        }
        if (c->run >= c->nruns)
            break;
        const struct pad_run *r = &c->runs[c->run];
        if (c->sec >= r->count) {
            c->run++;
            c->sec = 0;
            c->off = 0;
            continue;
        }
        if (c->off < r->hlen) {
            size_t n = r->hlen - (size_t)c->off;
            if (n > cap - i)
                n = cap - i;
            memcpy(buf + i, r->hdr + c->off, n);
            c->off += n;
            i += n;
            continue;
        }
        uint64_t left = r->total - c->off;
        if (left == 0) {
            c->sec++;
            c->off = 0;
            continue;
        }
        size_t want = (uint64_t)(cap - i) < left ? cap - i : (size_t)left;
        size_t n = 0;
        int rc = rc_artifact_blob_read(&c->pad, buf + i, want, &n, err);
        if (rc < 0)
            return rc;
        if (n == 0)
            return rc_error_set(err, RC_ERR, "wasm padding stream ended early");
        c->off += n;
        i += n;
    }
    *got = i;
    return 0;
}

static int wasm_rewind(void *vctx, struct rc_error **err)
{
    struct wasm_src *c = vctx;
    c->prefix_pos = 0;
    c->run = 0;
    c->sec = 0;
    c->off = 0;
    return rc_artifact_blob_rewind(&c->pad, err);
}

static void wasm_dispose(void *vctx)
{
    struct wasm_src *c = vctx;
    free(c->prefix);
    rc_artifact_blob_dispose(&c->pad);
    free(c);
}

static void *wasm_clone(const void *vctx)
{
    const struct wasm_src *c = vctx;
    struct wasm_src *d = rc_xcalloc(1, sizeof(*d));
    d->prefix = rc_xmalloc(c->prefix_len + 1);
    memcpy(d->prefix, c->prefix, c->prefix_len);
    d->prefix_len = c->prefix_len;
    memcpy(d->runs, c->runs, sizeof(c->runs));
    d->nruns = c->nruns;
    rc_artifact_blob_clone(&d->pad, &c->pad);
    return d;
}

int rc_artifact_blob_wasm(struct rc_blob_src *out, const struct rc_artifact_wasm_opts *o,
                          struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_buf prefix = RC_BUF_INIT(0);
    build_prefix(&prefix, o->metadata);
    uint64_t base = prefix.len;
    uint64_t pad = 0;
    if (o->size) {
        if (o->size > (uint64_t)INT64_MAX || o->size < base ||
            (o->size > base && o->size - base < RC_ARTIFACT_WASM_MIN_PADDING)) {
            rc_buf_dispose(&prefix);
            return rc_error_set(err, RC_EINVAL,
                                "wasm module size %llu: must be %llu or at least %llu",
                                (unsigned long long)o->size, (unsigned long long)base,
                                (unsigned long long)(base + RC_ARTIFACT_WASM_MIN_PADDING));
        }
        pad = o->size - base;
    }

    struct wasm_src *c = rc_xcalloc(1, sizeof(*c));
    c->prefix_len = prefix.len;
    c->prefix = rc_buf_steal(&prefix, NULL);
    if (pad) {
        uint64_t full = pad / PAD_SECTION_MAX, rem = pad % PAD_SECTION_MAX;
        if (rem == 0) {
            pad_run_init(&c->runs[c->nruns++], full, PAD_SECTION_MAX);
        } else if (rem >= RC_ARTIFACT_WASM_MIN_PADDING || full == 0) {
            if (full)
                pad_run_init(&c->runs[c->nruns++], full, PAD_SECTION_MAX);
            pad_run_init(&c->runs[c->nruns++], 1, rem);
        } else {
            /* a remainder too small for a section of its own: shorten one full section */
            if (full > 1)
                pad_run_init(&c->runs[c->nruns++], full - 1, PAD_SECTION_MAX);
            pad_run_init(&c->runs[c->nruns++], 1, PAD_SECTION_MAX - RC_ARTIFACT_WASM_MIN_PADDING);
            pad_run_init(&c->runs[c->nruns++], 1, rem + RC_ARTIFACT_WASM_MIN_PADDING);
        }
    }
    uint64_t payload = 0;
    for (unsigned i = 0; i < c->nruns; i++)
        payload += c->runs[i].count * c->runs[i].payload;
    rc_artifact_blob_synthetic(&c->pad, o->seed, payload);

    out->read = wasm_read;
    out->rewind = wasm_rewind;
    out->ctx = c;
    out->length = (int64_t)(base + pad);
    out->dispose = wasm_dispose;
    out->clone = wasm_clone;
    return 0;
}
