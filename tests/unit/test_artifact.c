#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "base/base.h"
#include "crypto/crypto.h"
#include "cu.h"
#include "digest/digest.h"
#include "json/json.h"

#define EMPTY_DESC_JSON(mt)                                                                        \
    "{\"digest\":\"" RC_ARTIFACT_EMPTY_DIGEST "\",\"mediaType\":\"" mt "\",\"size\":2}"

/* ---- helpers --------------------------------------------------------------------------- */

static void digest_of(char out[RC_DIGEST_MAX], struct rc_blob_src *s)
{
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_blob_digest(out, s, &err), 0);
    rc_error_free(err);
}

static char *slurp(struct rc_blob_src *s, size_t *len)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_blob_slurp(&b, s, &err), 0);
    rc_error_free(err);
    return rc_buf_steal(&b, len);
}

static bool has_key(const char *json, size_t len, const char *key)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    if (rc_json_parse(&j, json, len, &err) < 0) {
        rc_error_free(err);
        return false;
    }
    bool found = rc_json_get(j, key) != NULL;
    rc_json_free(j);
    return found;
}

static void parse_ok(struct rc_artifact_manifest *m, const struct rc_artifact *a)
{
    struct rc_error *err = NULL;
    int rc = rc_artifact_manifest_parse(m, a->manifest, a->manifest_len, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc < 0)
        fprintf(stderr, "parse: %s\n", rc_error_msg(err));
    rc_error_free(err);
}

/* The manifest digest is the sha256 of its bytes, and writing the parsed view gives the same
 * bytes back (our output is canonical). */
static void check_roundtrip(const struct rc_artifact *a)
{
    char d[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, a->manifest, a->manifest_len, d);
    RC_ASSERT_STR(a->digest, d);
    CU_ASSERT_EQUAL(strlen(a->manifest), a->manifest_len);
    struct rc_artifact_manifest m;
    parse_ok(&m, a);
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_manifest_write(&b, &m, &err), 0);
    RC_ASSERT_STR(rc_buf_str(&b), a->manifest);
    rc_buf_dispose(&b);
    rc_error_free(err);
    rc_artifact_manifest_dispose(&m);
    /* every blob's descriptor matches its content */
    for (size_t i = 0; i < a->nblobs; i++) {
        char bd[RC_DIGEST_MAX];
        digest_of(bd, (struct rc_blob_src *)&a->blobs[i].src);
        RC_ASSERT_STR(bd, a->blobs[i].desc.digest);
        CU_ASSERT_EQUAL(a->blobs[i].src.length, a->blobs[i].desc.size);
    }
}

/* ---- blob sources ---------------------------------------------------------------------- */

static void test_mem_sources(void)
{
    struct rc_blob_src s;
    char d[RC_DIGEST_MAX];
    rc_artifact_blob_mem(&s, "{}", 2);
    CU_ASSERT_EQUAL(s.length, 2);
    digest_of(d, &s);
    RC_ASSERT_STR(d, RC_ARTIFACT_EMPTY_DIGEST);
    char buf[8];
    size_t got = 0;
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&s, buf, 1, &got, NULL), 0);
    CU_ASSERT(got == 1 && buf[0] == '{');
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&s, buf, 8, &got, NULL), 0);
    CU_ASSERT(got == 1 && buf[0] == '}');
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&s, buf, 8, &got, NULL), 0);
    CU_ASSERT_EQUAL(got, 0);
    struct rc_blob_src c;
    rc_artifact_blob_clone(&c, &s);
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&c, buf, 8, &got, NULL), 0);
    CU_ASSERT(got == 2 && memcmp(buf, "{}", 2) == 0);
    rc_artifact_blob_dispose(&c);
    rc_artifact_blob_dispose(&s);

    rc_artifact_blob_mem_take(&s, rc_xstrdup("hello"), 5);
    rc_artifact_blob_clone(&c, &s);
    rc_artifact_blob_dispose(&s); /* the clone owns its own copy */
    size_t len = 0;
    char *all = slurp(&c, &len);
    CU_ASSERT(len == 5 && memcmp(all, "hello", 5) == 0);
    free(all);
    rc_artifact_blob_dispose(&c);

    /* a source that gives fewer bytes than its length is an error */
    rc_artifact_blob_mem_copy(&s, "abc", 3);
    s.length = 4;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_blob_digest(d, &s, &err), RC_EIO);
    rc_error_free(err);
    rc_artifact_blob_dispose(&s);
}

static void test_synthetic(void)
{
    const uint64_t size = 3 * RC_MIB + 13;
    struct rc_blob_src a, b, c;
    rc_artifact_blob_synthetic(&a, 42, size);
    rc_artifact_blob_synthetic(&b, 42, size);
    rc_artifact_blob_synthetic(&c, 43, size);
    CU_ASSERT_EQUAL(a.length, (int64_t)size);
    char da[RC_DIGEST_MAX], db[RC_DIGEST_MAX], dc[RC_DIGEST_MAX];
    digest_of(da, &a);
    digest_of(db, &b);
    digest_of(dc, &c);
    RC_ASSERT_STR(da, db);
    CU_ASSERT(strcmp(da, dc) != 0);

    /* reads of odd sizes give the same bytes as one big read */
    size_t len = 0;
    char *whole = slurp(&a, &len);
    CU_ASSERT_EQUAL(len, size);
    char *pieces = rc_xmalloc(size);
    size_t off = 0, step = 1;
    for (;;) {
        size_t got = 0;
        CU_ASSERT_EQUAL(rc_artifact_blob_read(&b, pieces + off, step, &got, NULL), 0);
        if (!got)
            break;
        off += got;
        step = step * 3 % 65521 + 1;
        if (step > size - off && size > off)
            step = size - off;
    }
    CU_ASSERT_EQUAL(off, size);
    CU_ASSERT(memcmp(whole, pieces, size) == 0);

    /* rewind after a partial read restarts the stream */
    char head[100];
    size_t got = 0;
    CU_ASSERT_EQUAL(rc_artifact_blob_rewind(&c, NULL), 0);
    rc_artifact_blob_read(&c, head, sizeof(head), &got, NULL);
    CU_ASSERT_EQUAL(rc_artifact_blob_rewind(&c, NULL), 0);
    char dc2[RC_DIGEST_MAX];
    digest_of(dc2, &c);
    RC_ASSERT_STR(dc2, dc);

    /* a shorter stream of the same seed is a prefix; a clone starts at 0 */
    struct rc_blob_src p, q;
    rc_artifact_blob_synthetic(&p, 42, 1001);
    rc_artifact_blob_clone(&q, &a);
    char *ps = slurp(&p, &len);
    CU_ASSERT(len == 1001 && memcmp(ps, whole, 1001) == 0);
    char qbuf[64];
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&q, qbuf, sizeof(qbuf), &got, NULL), 0);
    CU_ASSERT(got == 64 && memcmp(qbuf, whole, 64) == 0);
    free(ps);
    free(whole);
    free(pieces);
    rc_artifact_blob_dispose(&p);
    rc_artifact_blob_dispose(&q);
    rc_artifact_blob_dispose(&a);
    rc_artifact_blob_dispose(&b);
    rc_artifact_blob_dispose(&c);

    CU_ASSERT(rc_artifact_seed("a", 0) != rc_artifact_seed("b", 0));
    CU_ASSERT(rc_artifact_seed("a", 0) != rc_artifact_seed("a", 1));
    CU_ASSERT_EQUAL(rc_artifact_seed("a", 7), rc_artifact_seed("a", 7));
}

/* Pinned values: a change here changes what every earlier run pushed. */
static void test_known_answers(void)
{
    /* splitmix64 seeded with 0 starts with 0xe220a8397b1dcdaf (the published reference) */
    struct rc_blob_src s;
    unsigned char w[8];
    size_t got = 0;
    rc_artifact_blob_synthetic(&s, 0, 8);
    CU_ASSERT_EQUAL(rc_artifact_blob_read(&s, (char *)w, sizeof(w), &got, NULL), 0);
    static const unsigned char first[8] = {0xaf, 0xcd, 0x1d, 0x7b, 0x39, 0xa8, 0x20, 0xe2};
    CU_ASSERT(got == 8 && memcmp(w, first, 8) == 0);
    rc_artifact_blob_dispose(&s);

    char d[RC_DIGEST_MAX];
    rc_artifact_blob_synthetic(&s, 1, RC_MIB);
    digest_of(d, &s);
    RC_ASSERT_STR(d, "sha256:85b66b3a5816d686deb42f2d2473d9a7121ceb75c822b838f958c76ca86ed8ea");
    rc_artifact_blob_dispose(&s);

    /* the smallest module, byte for byte */
    static const unsigned char module[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,       /* \0asm, version 1 */
        0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, /* type */
        0x03, 0x02, 0x01, 0x00,                               /* function */
        0x07, 0x0c, 0x01, 0x08, 'v',  'a',  'l',  'i',  'd',
        'a',  't',  'e',  0x00, 0x00,                   /* export */
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b, /* code */
    };
    struct rc_artifact_wasm_opts o = {0, 0, NULL};
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, NULL), 0);
    size_t len = 0;
    char *bytes = slurp(&s, &len);
    CU_ASSERT(len == sizeof(module) && memcmp(bytes, module, len) == 0);
    free(bytes);
    rc_artifact_blob_dispose(&s);

    struct rc_artifact a;
    struct rc_artifact_policy_opts po = {.salt = "unit"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&a, &po, NULL), 0);
    RC_ASSERT_STR(a.digest,
                  "sha256:3a11a2f3ccff70603befdffca3eec8ceac69bf24ac820e5b7ddd5c469ad23e63");
    RC_ASSERT_STR(a.blobs[1].desc.digest,
                  "sha256:574681169957deb6ba81b1308ce51454bfc831af97930ef82c9971a717900953");
    rc_artifact_dispose(&a);
}

/* ---- wasm ------------------------------------------------------------------------------ */

/* A byte reader over a blob source, through a fixed buffer (works for any size). */
struct reader {
    struct rc_blob_src *s;
    char buf[65536];
    size_t len, pos;
    uint64_t total;
    bool eof;
};

static int rd_byte(struct reader *r)
{
    if (r->pos == r->len) {
        size_t got = 0;
        if (r->eof || rc_artifact_blob_read(r->s, r->buf, sizeof(r->buf), &got, NULL) < 0 || !got) {
            r->eof = true;
            return -1;
        }
        r->len = got;
        r->pos = 0;
    }
    r->total++;
    return (unsigned char)r->buf[r->pos++];
}

/* Our own LEB128 reader; *width gets the number of bytes used. */
static bool rd_leb(struct reader *r, uint64_t *out, unsigned *width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        int b = rd_byte(r);
        if (b < 0)
            return false;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            *width = i + 1;
            return true;
        }
    }
    return false;
}

struct wasm_info {
    bool ok;
    uint64_t total;
    unsigned nsections;
    unsigned ids[16];
    unsigned npadding;
    unsigned max_width;
    struct rc_buf metadata;
    bool has_metadata;
};

static void wasm_parse(struct wasm_info *w, struct rc_blob_src *s)
{
    memset(w, 0, sizeof(*w));
    rc_buf_init(&w->metadata, 0);
    struct reader *r = rc_xcalloc(1, sizeof(*r));
    r->s = s;
    rc_artifact_blob_rewind(s, NULL);
    static const unsigned char magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    for (int i = 0; i < 8; i++)
        if (rd_byte(r) != magic[i])
            goto out;
    for (;;) {
        int id = rd_byte(r);
        if (id < 0)
            break;
        uint64_t size = 0, nlen = 0;
        unsigned width = 0, nw = 0;
        if (!rd_leb(r, &size, &width) || size > UINT32_MAX)
            goto out;
        if (width > w->max_width)
            w->max_width = width;
        if (w->nsections < RC_ARRAY_LEN(w->ids))
            w->ids[w->nsections] = (unsigned)id;
        w->nsections++;
        uint64_t start = r->total;
        if (id == 0) {
            char name[64] = {0};
            if (!rd_leb(r, &nlen, &nw) || nlen >= sizeof(name))
                goto out;
            for (uint64_t i = 0; i < nlen; i++)
                name[i] = (char)rd_byte(r);
            bool meta = strcmp(name, RC_ARTIFACT_KW_METADATA_SECTION) == 0;
            if (meta)
                w->has_metadata = true;
            else if (strcmp(name, RC_ARTIFACT_PADDING_SECTION) == 0)
                w->npadding++;
            else
                goto out;
            while (r->total - start < size) {
                int b = rd_byte(r);
                if (b < 0)
                    goto out;
                if (meta)
                    rc_buf_addc(&w->metadata, (char)b);
            }
        } else {
            for (uint64_t i = 0; i < size; i++)
                if (rd_byte(r) < 0)
                    goto out;
        }
        if (r->total - start != size)
            goto out;
    }
    w->total = r->total;
    w->ok = true;
out:
    free(r);
}

static void check_wasm_size(uint64_t size, const char *metadata)
{
    struct rc_artifact_wasm_opts o = {size, 7, metadata};
    struct rc_blob_src s;
    struct rc_error *err = NULL;
    int rc = rc_artifact_blob_wasm(&s, &o, &err);
    CU_ASSERT_EQUAL(rc, 0);
    rc_error_free(err);
    if (rc < 0)
        return;
    CU_ASSERT_EQUAL((uint64_t)s.length, size);
    struct wasm_info w;
    wasm_parse(&w, &s);
    CU_ASSERT(w.ok);
    CU_ASSERT_EQUAL(w.total, size);
    if (!w.ok || w.total != size)
        fprintf(stderr, "wasm size %llu: ok %d total %llu\n", (unsigned long long)size, w.ok,
                (unsigned long long)w.total);
    CU_ASSERT(w.npadding >= 1);
    CU_ASSERT_EQUAL(w.has_metadata, metadata != NULL);
    rc_buf_dispose(&w.metadata);
    rc_artifact_blob_dispose(&s);
}

static void test_wasm_module(void)
{
    struct rc_buf md = RC_BUF_INIT(0);
    struct rc_artifact_policy_opts po = {.salt = "wasm"};
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_policy_metadata(&md, &po, &err), 0);
    struct rc_artifact_wasm_opts o = {0, 1, md.data};
    struct rc_blob_src s;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, &err), 0);
    CU_ASSERT_EQUAL((uint64_t)s.length, rc_artifact_wasm_base_size(&o));
    struct wasm_info w;
    wasm_parse(&w, &s);
    CU_ASSERT(w.ok);
    CU_ASSERT_EQUAL(w.total, (uint64_t)s.length);
    /* type, function, export, code, then the metadata custom section; no padding */
    CU_ASSERT_EQUAL(w.nsections, 5);
    CU_ASSERT(w.ids[0] == 1 && w.ids[1] == 3 && w.ids[2] == 7 && w.ids[3] == 10 && w.ids[4] == 0);
    CU_ASSERT_EQUAL(w.npadding, 0);
    CU_ASSERT(w.has_metadata);
    RC_ASSERT_STR(rc_buf_str(&w.metadata), md.data);

    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL(rc_json_parse(&j, w.metadata.data, w.metadata.len, &err), 0);
    RC_ASSERT_STR(rc_json_get_str(j, "protocolVersion"), "v1");
    RC_ASSERT_STR(rc_json_get_str(j, "executionMode"), "kubewarden-wapc");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "annotations.io\\.kubewarden\\.policy\\.title")),
                  "regcompat-probe");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "annotations.io\\.kubewarden\\.kwctl")),
                  RC_ARTIFACT_KWCTL_VERSION);
    CU_ASSERT(strchr(rc_json_str(rc_json_path(j, "annotations.io\\.kubewarden\\.policy\\.usage")),
                     '\n') != NULL);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_get(j, "rules")), RC_JSON_ARRAY);
    bool mutating = true;
    CU_ASSERT(rc_json_bool(rc_json_get(j, "mutating"), &mutating) && !mutating);
    rc_json_free(j);

    /* the module bytes start as every wasm binary does */
    size_t len = 0;
    char *bytes = slurp(&s, &len);
    CU_ASSERT(len >= 8 && memcmp(bytes, "\0asm\1\0\0\0", 8) == 0);
    free(bytes);
    rc_artifact_blob_dispose(&s);
    rc_buf_dispose(&w.metadata);
    rc_buf_dispose(&md);
    rc_error_free(err);
}

static void test_wasm_sizes(void)
{
    const char *meta = "{\"protocolVersion\":\"v1\"}";
    struct rc_artifact_wasm_opts o = {0, 0, meta};
    uint64_t base = rc_artifact_wasm_base_size(&o);
    /* every size from the smallest padding up to past the 1 -> 2 byte LEB128 boundary
     * (content length 127 / 128) */
    for (uint64_t pad = RC_ARTIFACT_WASM_MIN_PADDING; pad <= 160; pad++)
        check_wasm_size(base + pad, meta);
    /* the 2 -> 3 byte boundary (content length 16383 / 16384) */
    for (uint64_t pad = 16380; pad <= 16392; pad++)
        check_wasm_size(base + pad, meta);
    check_wasm_size(base + 1000, NULL);
    check_wasm_size(RC_MIB + 1, meta);
    check_wasm_size(9 * RC_MIB, meta);

    /* sizes that cannot be reached */
    struct rc_blob_src s;
    struct rc_error *err = NULL;
    o.size = base + 1;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, &err), RC_EINVAL);
    rc_error_freep(&err);
    o.size = base - 1;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, &err), RC_EINVAL);
    rc_error_freep(&err);
    o.size = base + RC_ARTIFACT_WASM_MIN_PADDING - 1;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, &err), RC_EINVAL);
    rc_error_freep(&err);
    o.size = base;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, &err), 0);
    CU_ASSERT_EQUAL((uint64_t)s.length, base);
    rc_artifact_blob_dispose(&s);

    /* same seed same bytes, another seed other bytes; rewind after a partial read */
    struct rc_blob_src a, b;
    struct rc_artifact_wasm_opts oa = {2 * RC_MIB + 5, 11, meta}, ob = {2 * RC_MIB + 5, 12, meta};
    rc_artifact_blob_wasm(&a, &oa, NULL);
    rc_artifact_blob_wasm(&b, &ob, NULL);
    char da[RC_DIGEST_MAX], da2[RC_DIGEST_MAX], db[RC_DIGEST_MAX];
    digest_of(da, &a);
    char tmp[333];
    size_t got = 0;
    rc_artifact_blob_read(&a, tmp, sizeof(tmp), &got, NULL);
    digest_of(da2, &a);
    digest_of(db, &b);
    RC_ASSERT_STR(da, da2);
    CU_ASSERT(strcmp(da, db) != 0);
    struct rc_blob_src c;
    rc_artifact_blob_clone(&c, &a);
    char dc[RC_DIGEST_MAX];
    digest_of(dc, &c);
    RC_ASSERT_STR(dc, da);
    rc_artifact_blob_dispose(&a);
    rc_artifact_blob_dispose(&b);
    rc_artifact_blob_dispose(&c);
}

/* Padding beyond one section (1 GiB each), with a remainder too small for its own section. */
static void test_wasm_huge(void)
{
    const char *meta = "{}";
    struct rc_artifact_wasm_opts o = {0, 0, meta};
    uint64_t size = ((uint64_t)1 << 30) + rc_artifact_wasm_base_size(&o) + 5;
    struct rc_blob_src s;
    o.size = size;
    CU_ASSERT_EQUAL(rc_artifact_blob_wasm(&s, &o, NULL), 0);
    struct wasm_info w;
    wasm_parse(&w, &s);
    CU_ASSERT(w.ok);
    CU_ASSERT_EQUAL(w.total, size);
    CU_ASSERT_EQUAL(w.npadding, 2);
    CU_ASSERT_EQUAL(w.max_width, 5);
    rc_buf_dispose(&w.metadata);
    rc_artifact_blob_dispose(&s);
}

/* ---- wasm bulk and the midstate cache --------------------------------------------------- */

/* The digest of everything the source gives, read byte by byte through our own buffer and
 * OpenSSL's ordinary hasher: no shortcut. */
static void full_digest(char out[RC_DIGEST_MAX], struct rc_blob_src *s)
{
    rc_artifact_blob_rewind(s, NULL);
    struct rc_hasher *h = rc_hasher_new(RC_DIGEST_SHA256);
    char *buf = rc_xmalloc(100000); /* not a multiple of 64 on purpose */
    uint64_t total = 0;
    for (;;) {
        size_t got = 0;
        if (rc_artifact_blob_read(s, buf, 100000, &got, NULL) < 0 || !got)
            break;
        rc_hasher_update(h, buf, got);
        total += got;
    }
    CU_ASSERT_EQUAL(total, (uint64_t)s->length);
    rc_hasher_final(h, out);
    rc_hasher_free(h);
    free(buf);
    rc_artifact_blob_rewind(s, NULL);
}

/* A fresh, empty cache directory of the test's own; the in-memory cache emptied. drop_cache
 * removes it and gives XDG_CACHE_HOME back its value from before. */
static char cache_root[64];
static char *cache_env_before;
static void fresh_cache(void)
{
    free(cache_env_before);
    cache_env_before = rc_xstrdup(getenv("XDG_CACHE_HOME"));
    snprintf(cache_root, sizeof(cache_root), "/tmp/rc-unit-cache-XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(cache_root) != NULL);
    setenv("XDG_CACHE_HOME", cache_root, 1);
    rc_artifact_mid_forget();
}

static void drop_cache(void)
{
    char *cmd = rc_fmt("rm -rf '%s'", cache_root);
    CU_ASSERT_EQUAL(system(cmd), 0);
    free(cmd);
    if (cache_env_before)
        setenv("XDG_CACHE_HOME", cache_env_before, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    rc_artifact_mid_forget();
}

static char *record_of(uint64_t size, const char *meta)
{
    struct rc_artifact_wasm_opts o = {0, 0, meta};
    uint64_t bulk = rc_artifact_wasm_bulk_len(size, rc_artifact_wasm_base_size(&o));
    return rc_fmt("%s/regcompat/wasm-bulk-v%d-%llu.sha256mid", cache_root,
                  RC_ARTIFACT_WASM_BULK_VERSION, (unsigned long long)bulk);
}

static char *read_text(const char *path)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    if (rc_buf_read_file(&b, path, &err) < 0) {
        rc_error_free(err);
        rc_buf_dispose(&b);
        return NULL;
    }
    return rc_buf_steal(&b, NULL);
}

/* The digest through the cache (cold, then from the record on disk, then from memory) is the
 * hash of the whole stream, at sizes on and off the 64-byte grid and across a bulk section
 * boundary of the LEB128 width; small modules have no bulk and no record. */
static void test_wasm_cached_digest(void)
{
    fresh_cache();
    const char *meta = "{\"protocolVersion\":\"v1\"}";
    static const uint64_t sizes[] = {RC_ARTIFACT_WASM_BULK_MIN, RC_ARTIFACT_WASM_BULK_MIN + 1,
                                     3 * RC_MIB + 37, 5 * RC_MIB + 64, 9 * RC_MIB + 63};
    for (size_t i = 0; i < RC_ARRAY_LEN(sizes); i++) {
        struct rc_artifact_wasm_opts o = {sizes[i], 5, meta};
        struct rc_blob_src s;
        CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&s, &o, NULL), 0);
        CU_ASSERT(rc_artifact_wasm_bulk_len(sizes[i], rc_artifact_wasm_base_size(&o)) > 0);
        char want[RC_DIGEST_MAX], cold[RC_DIGEST_MAX], disk[RC_DIGEST_MAX], mem[RC_DIGEST_MAX];
        full_digest(want, &s);
        char *path = record_of(sizes[i], meta);
        if (i == 0) /* the next size has the same bulk */
            CU_ASSERT_EQUAL(access(path, F_OK), -1);
        digest_of(cold, &s);
        CU_ASSERT_EQUAL(access(path, R_OK), 0);
        rc_artifact_mid_forget();
        digest_of(disk, &s);
        digest_of(mem, &s);
        RC_ASSERT_STR(cold, want);
        RC_ASSERT_STR(disk, want);
        RC_ASSERT_STR(mem, want);
        /* a read after the digest starts at byte 0 */
        char head[8];
        size_t got = 0;
        rc_artifact_blob_read(&s, head, sizeof(head), &got, NULL);
        CU_ASSERT(got == 8 && memcmp(head, "\0asm\1\0\0\0", 8) == 0);
        free(path);
        rc_artifact_blob_dispose(&s);
    }
    /* under the threshold: no bulk, no record */
    struct rc_artifact_wasm_opts o = {RC_ARTIFACT_WASM_BULK_MIN - 1, 5, meta};
    CU_ASSERT_EQUAL(rc_artifact_wasm_bulk_len(o.size, rc_artifact_wasm_base_size(&o)), 0);
    struct rc_blob_src s;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&s, &o, NULL), 0);
    char want[RC_DIGEST_MAX], got[RC_DIGEST_MAX];
    full_digest(want, &s);
    digest_of(got, &s);
    RC_ASSERT_STR(got, want);
    rc_artifact_blob_dispose(&s);
    drop_cache();
}

/* The record on disk is what the digest is made of (a well-formed record with another state
 * changes the digest: the cache is really used), and a record that is corrupt, truncated,
 * empty, binary or about another bulk is ignored: the digest is right and the record is
 * written again. */
static void test_wasm_cache_records(void)
{
    fresh_cache();
    const char *meta = "{}";
    uint64_t size = 2 * RC_MIB + 3;
    struct rc_artifact_wasm_opts o = {size, 9, meta};
    struct rc_blob_src s;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&s, &o, NULL), 0);
    char want[RC_DIGEST_MAX], got[RC_DIGEST_MAX];
    full_digest(want, &s);
    digest_of(got, &s);
    RC_ASSERT_STR(got, want);
    char *path = record_of(size, meta);
    char *good = read_text(path);
    CU_ASSERT_FATAL(good != NULL);
    /* a record for another bulk length, valid in itself */
    struct rc_artifact_wasm_opts o2 = {3 * RC_MIB, 9, meta};
    struct rc_blob_src s2;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&s2, &o2, NULL), 0);
    digest_of(got, &s2);
    rc_artifact_blob_dispose(&s2);
    char *path2 = record_of(3 * RC_MIB, meta);
    char *foreign = read_text(path2);
    CU_ASSERT_FATAL(foreign != NULL);

    /* a different state with a matching check line is trusted: the digest changes */
    {
        struct rc_buf b = RC_BUF_INIT(0);
        char *state = strstr(good, "\nstate ") + 7;
        rc_buf_add(&b, good, (size_t)(state - good));
        rc_buf_adds(&b, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
        char check[RC_DIGEST_MAX];
        rc_digest_bytes(RC_DIGEST_SHA256, b.data, b.len, check);
        rc_buf_addf(&b, "check %s\n", check);
        CU_ASSERT_EQUAL(rc_write_file(path, b.data, b.len, NULL), 0);
        rc_buf_dispose(&b);
        rc_artifact_mid_forget();
        digest_of(got, &s);
        CU_ASSERT(strcmp(got, want) != 0);
    }

    char *flipped = rc_xstrdup(good);
    char *st = strstr(flipped, "\nstate ") + 7;
    st[3] = st[3] == '0' ? '1' : '0';
    char *truncated = rc_xstrdup(good);
    truncated[strlen(truncated) / 2] = '\0';
    char *upper = rc_xstrdup(good); /* the check line in upper case */
    for (char *p = strstr(upper, "check sha256:") + 13; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    char *trailing = rc_fmt("%sx\n", good);
    static const char binary[] = "\x00\x01regcompat sha256 midstate 1\n\xff";
    struct {
        const char *what;
        const char *bytes;
        size_t len;
    } bad[] = {
        {"one state digit changed", flipped, strlen(flipped)},
        {"cut in half", truncated, strlen(truncated)},
        {"empty", "", 0},
        {"binary", binary, sizeof(binary) - 1},
        {"check in upper case", upper, strlen(upper)},
        {"a line after the check", trailing, strlen(trailing)},
        {"another bulk's record", foreign, strlen(foreign)},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(bad); i++) {
        CU_ASSERT_EQUAL(rc_write_file(path, bad[i].bytes, bad[i].len, NULL), 0);
        rc_artifact_mid_forget();
        digest_of(got, &s);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "cache record (%s) was trusted\n", bad[i].what);
        RC_ASSERT_STR(got, want);
        char *now = read_text(path);
        CU_ASSERT(now && strcmp(now, good) == 0);
        free(now);
    }
    /* a directory where the record should be: still the right digest */
    CU_ASSERT_EQUAL(unlink(path), 0);
    CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
    rc_artifact_mid_forget();
    digest_of(got, &s);
    RC_ASSERT_STR(got, want);
    CU_ASSERT_EQUAL(rmdir(path), 0);

    free(flipped);
    free(truncated);
    free(upper);
    free(trailing);
    free(foreign);
    free(good);
    free(path2);
    free(path);
    rc_artifact_blob_dispose(&s);
    drop_cache();
}

/* The layout: the bulk (padding) right after the header and the same for every seed, the
 * code sections and the metadata after it, the seeded padding last; two seeds give two
 * digests that differ only in the tail. */
static void test_wasm_bulk_layout(void)
{
    fresh_cache();
    const char *meta = "{\"protocolVersion\":\"v1\"}";
    uint64_t size = 3 * RC_MIB + 11;
    struct rc_artifact_wasm_opts oa = {size, 21, meta}, ob = {size, 22, meta};
    struct rc_blob_src a, b;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&a, &oa, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(rc_artifact_blob_wasm(&b, &ob, NULL), 0);
    uint64_t prefix = 8 + rc_artifact_wasm_bulk_len(size, rc_artifact_wasm_base_size(&oa));
    CU_ASSERT_EQUAL(prefix % 64, 0);
    CU_ASSERT(size - prefix >= 64 * 1024);

    struct wasm_info w;
    wasm_parse(&w, &a);
    CU_ASSERT(w.ok);
    CU_ASSERT_EQUAL(w.total, size);
    CU_ASSERT(w.has_metadata);
    RC_ASSERT_STR(rc_buf_str(&w.metadata), meta);
    /* padding (bulk), type, function, export, code, metadata, padding (tail) */
    CU_ASSERT_EQUAL(w.nsections, 7);
    CU_ASSERT(w.ids[0] == 0 && w.ids[1] == 1 && w.ids[2] == 3 && w.ids[3] == 7 && w.ids[4] == 10 &&
              w.ids[5] == 0 && w.ids[6] == 0);
    CU_ASSERT_EQUAL(w.npadding, 2);
    rc_buf_dispose(&w.metadata);

    size_t la = 0, lb = 0;
    char *ba = slurp(&a, &la), *bb = slurp(&b, &lb);
    CU_ASSERT_FATAL(la == size && lb == size);
    CU_ASSERT(memcmp(ba, bb, (size_t)prefix) == 0);
    CU_ASSERT(memcmp(ba + prefix, bb + prefix, (size_t)(size - prefix)) != 0);
    free(ba);
    free(bb);
    char da[RC_DIGEST_MAX], db[RC_DIGEST_MAX];
    digest_of(da, &a);
    digest_of(db, &b);
    CU_ASSERT(strcmp(da, db) != 0);
    rc_artifact_blob_dispose(&a);
    rc_artifact_blob_dispose(&b);
    drop_cache();
}

/* ---- Kubewarden policy ----------------------------------------------------------------- */

static void test_policy_manifest(void)
{
    struct rc_artifact a;
    struct rc_error *err = NULL;
    struct rc_artifact_policy_opts o = {.salt = "unit"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&a, &o, &err), 0);
    RC_ASSERT_STR(a.media_type, "application/vnd.oci.image.manifest.v1+json");
    CU_ASSERT_EQUAL_FATAL(a.nblobs, 2);
    RC_ASSERT_STR(a.blobs[0].desc.digest,
                  "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    RC_ASSERT_STR(a.blobs[0].desc.media_type, "application/vnd.wasm.config.v1+json");
    CU_ASSERT_EQUAL(a.blobs[0].desc.size, 2);
    RC_ASSERT_STR(a.blobs[1].desc.media_type, "application/vnd.wasm.content.layer.v1+wasm");

    char wasm_digest[RC_DIGEST_MAX];
    digest_of(wasm_digest, &a.blobs[1].src);
    char expected[2048];
    snprintf(expected, sizeof(expected),
             "{\"annotations\":{"
             "\"io.kubewarden.kwctl\":\"1.31.0\","
             "\"io.kubewarden.policy.author\":\"regcompat\","
             "\"io.kubewarden.policy.description\":\"Probe policy pushed by regcompat (salt: "
             "unit)\","
             "\"io.kubewarden.policy.source\":\"https://example.invalid/regcompat\","
             "\"io.kubewarden.policy.title\":\"regcompat-probe\","
             "\"io.kubewarden.policy.version\":\"0.1.0\","
             "\"org.opencontainers.image.source\":\"https://example.invalid/regcompat\"},"
             "\"config\":{\"digest\":\"sha256:"
             "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
             "\"mediaType\":\"application/vnd.wasm.config.v1+json\",\"size\":2},"
             "\"layers\":[{\"digest\":\"%s\","
             "\"mediaType\":\"application/vnd.wasm.content.layer.v1+wasm\",\"size\":%lld}],"
             "\"schemaVersion\":2}",
             wasm_digest, (long long)a.blobs[1].src.length);
    RC_ASSERT_STR(a.manifest, expected);
    check_roundtrip(&a);

    /* the layer is a wasm module carrying the same metadata */
    struct wasm_info w;
    wasm_parse(&w, &a.blobs[1].src);
    CU_ASSERT(w.ok && w.has_metadata);
    struct rc_buf md = RC_BUF_INIT(0);
    rc_artifact_policy_metadata(&md, &o, NULL);
    RC_ASSERT_STR(rc_buf_str(&w.metadata), rc_buf_str(&md));
    rc_buf_dispose(&md);
    rc_buf_dispose(&w.metadata);

    /* what the puller checks */
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    CU_ASSERT_EQUAL(rc_artifact_check_policy(&m, &err), 0);
    CU_ASSERT_PTR_NULL(m.media_type);
    CU_ASSERT_PTR_NULL(m.artifact_type);
    CU_ASSERT_PTR_NULL(m.subject);
    CU_ASSERT_EQUAL(m.schema_version, 2);
    CU_ASSERT_PTR_NULL(rc_artifact_annots_get(&m.annotations, "io.kubewarden.policy.usage"));
    rc_artifact_manifest_dispose(&m);

    /* deterministic; the salt changes the content */
    struct rc_artifact b, c;
    CU_ASSERT_EQUAL(rc_artifact_build_policy(&b, &o, &err), 0);
    RC_ASSERT_STR(b.digest, a.digest);
    RC_ASSERT_STR(b.blobs[1].desc.digest, a.blobs[1].desc.digest);
    struct rc_artifact_policy_opts o2 = {.salt = "other"};
    CU_ASSERT_EQUAL(rc_artifact_build_policy(&c, &o2, &err), 0);
    CU_ASSERT(strcmp(c.digest, a.digest) != 0);
    CU_ASSERT(strcmp(c.blobs[1].desc.digest, a.blobs[1].desc.digest) != 0);
    rc_artifact_dispose(&a);
    rc_artifact_dispose(&b);
    rc_artifact_dispose(&c);
    rc_error_free(err);
}

static void test_policy_annotations(void)
{
    struct rc_artifact_annots in = {0}, out;
    rc_artifact_annots_set(&in, "io.kubewarden.policy.title", "  spaced  ");
    rc_artifact_annots_set(&in, "io.kubewarden.policy.url", "one line\n");
    rc_artifact_annots_set(&in, "io.kubewarden.policy.usage", "two\nlines");
    rc_artifact_annots_set(&in, "io.kubewarden.policy.license", "a\n\n");
    rc_artifact_annots_set(&in, "io.kubewarden.policy.source", "https://src.example");
    rc_artifact_policy_oci_annotations(&out, &in);
    RC_ASSERT_STR(rc_artifact_annots_get(&out, "io.kubewarden.policy.title"), "spaced");
    RC_ASSERT_STR(rc_artifact_annots_get(&out, "io.kubewarden.policy.url"), "one line");
    CU_ASSERT_PTR_NULL(rc_artifact_annots_get(&out, "io.kubewarden.policy.usage"));
    CU_ASSERT_PTR_NULL(rc_artifact_annots_get(&out, "io.kubewarden.policy.license"));
    RC_ASSERT_STR(rc_artifact_annots_get(&out, "org.opencontainers.image.source"),
                  "https://src.example");
    rc_artifact_annots_dispose(&out);
    /* an explicit org.opencontainers.image.source is kept */
    rc_artifact_annots_set(&in, "org.opencontainers.image.source", "https://mine.example");
    rc_artifact_policy_oci_annotations(&out, &in);
    RC_ASSERT_STR(rc_artifact_annots_get(&out, "org.opencontainers.image.source"),
                  "https://mine.example");
    rc_artifact_annots_dispose(&out);

    /* custom annotations reach the manifest sorted, with io.kubewarden.kwctl added */
    struct rc_artifact a;
    struct rc_artifact_policy_opts o = {.salt = "x", .annotations = &in, .kwctl_version = "9.9.9"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&a, &o, NULL), 0);
    CU_ASSERT(rc_str_starts(a.manifest,
                            "{\"annotations\":{\"io.kubewarden.kwctl\":\"9.9.9\","
                            "\"io.kubewarden.policy.source\":\"https://src.example\","
                            "\"io.kubewarden.policy.title\":\"spaced\","
                            "\"io.kubewarden.policy.url\":\"one line\","
                            "\"org.opencontainers.image.source\":\"https://mine.example\"},"
                            "\"config\":"));
    rc_artifact_dispose(&a);
    rc_artifact_annots_dispose(&in);

    /* metadata without annotations: no annotations key at all */
    struct rc_artifact_policy_opts bare = {.salt = "bare", .no_annotations = true};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&a, &bare, NULL), 0);
    char expected[1024];
    snprintf(expected, sizeof(expected),
             "{\"config\":" EMPTY_DESC_JSON(
                 "application/vnd.wasm.config.v1+json") ","
                                                        "\"layers\":[{\"digest\":\"%s\","
                                                        "\"mediaType\":\"application/"
                                                        "vnd.wasm.content.layer.v1+wasm\",\"size\":"
                                                        "%lld}],"
                                                        "\"schemaVersion\":2}",
             a.blobs[1].desc.digest, (long long)a.blobs[1].desc.size);
    RC_ASSERT_STR(a.manifest, expected);
    rc_artifact_dispose(&a);

    /* an exact layer size */
    struct rc_artifact_policy_opts big = {.salt = "big", .wasm_size = 9 * RC_MIB};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&a, &big, NULL), 0);
    CU_ASSERT_EQUAL(a.blobs[1].desc.size, (int64_t)(9 * RC_MIB));
    check_roundtrip(&a);
    rc_artifact_dispose(&a);
}

/* ---- other artifacts ------------------------------------------------------------------- */

static void test_cncf_wasm(void)
{
    struct rc_artifact a, b;
    struct rc_error *err = NULL;
    struct rc_artifact_cncf_wasm_opts o = {.salt = "cncf"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_cncf_wasm(&a, &o, &err), 0);
    CU_ASSERT_EQUAL(rc_artifact_build_cncf_wasm(&b, &o, &err), 0);
    RC_ASSERT_STR(a.digest, b.digest);
    rc_artifact_dispose(&b);
    o.salt = "cncf2";
    CU_ASSERT_EQUAL(rc_artifact_build_cncf_wasm(&b, &o, &err), 0);
    CU_ASSERT(strcmp(a.digest, b.digest) != 0);
    rc_artifact_dispose(&b);
    check_roundtrip(&a);

    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    RC_ASSERT_STR(m.media_type, RC_ARTIFACT_MT_OCI_MANIFEST);
    CU_ASSERT_PTR_NULL(m.artifact_type);
    RC_ASSERT_STR(m.config->media_type, "application/vnd.wasm.config.v0+json");
    CU_ASSERT_EQUAL_FATAL(m.nlayers, 1);
    RC_ASSERT_STR(m.layers[0].media_type, "application/wasm");
    CU_ASSERT_NOT_EQUAL(rc_artifact_check_policy(&m, &err), 0);
    rc_error_freep(&err);

    const struct rc_artifact_blob *cfg = rc_artifact_find_blob(&a, m.config->digest);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    size_t len = 0;
    char *text = slurp((struct rc_blob_src *)&cfg->src, &len);
    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, text, len, &err), 0);
    RC_ASSERT_STR(rc_json_get_str(j, "architecture"), "wasm");
    RC_ASSERT_STR(rc_json_get_str(j, "os"), "wasip1");
    RC_ASSERT_STR(rc_json_get_str(j, "created"), RC_ARTIFACT_CREATED);
    CU_ASSERT_PTR_NOT_NULL(rc_json_get_str(j, "author"));
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "layerDigests[0]")), m.layers[0].digest);
    rc_json_free(j);
    free(text);

    /* the layer is a module without Kubewarden metadata */
    const struct rc_artifact_blob *layer = rc_artifact_find_blob(&a, m.layers[0].digest);
    struct wasm_info w;
    wasm_parse(&w, (struct rc_blob_src *)&layer->src);
    CU_ASSERT(w.ok && !w.has_metadata && w.npadding == 1);
    rc_buf_dispose(&w.metadata);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);
    rc_error_free(err);
}

static void test_oci_artifact(void)
{
    struct rc_artifact subj_art;
    struct rc_artifact_policy_opts po = {.salt = "subject"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&subj_art, &po, NULL), 0);
    struct rc_artifact_desc subject;
    rc_artifact_desc_of(&subject, &subj_art);

    /* no blobs: empty config (with data) + one empty layer + artifactType */
    struct rc_artifact a;
    struct rc_error *err = NULL;
    struct rc_artifact_oci_opts o = {.artifact_type = "application/vnd.regcompat.test",
                                     .config_data = true,
                                     .subject = &subject};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_oci(&a, &o, &err), 0);
    CU_ASSERT_EQUAL(a.nblobs, 1); /* "{}" once */
    char expected[2048];
    snprintf(
        expected, sizeof(expected),
        "{\"artifactType\":\"application/vnd.regcompat.test\","
        "\"config\":{\"data\":\"e30=\",\"digest\":\"" RC_ARTIFACT_EMPTY_DIGEST "\","
        "\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"size\":2},"
        "\"layers\":[" EMPTY_DESC_JSON(
            "application/vnd.oci.empty.v1+json") "],"
                                                 "\"mediaType\":\"application/"
                                                 "vnd.oci.image.manifest.v1+json\","
                                                 "\"schemaVersion\":2,"
                                                 "\"subject\":{\"digest\":\"%s\","
                                                 "\"mediaType\":\"application/"
                                                 "vnd.oci.image.manifest.v1+json\",\"size\":%zu}}",
        subj_art.digest, subj_art.manifest_len);
    RC_ASSERT_STR(a.manifest, expected);
    check_roundtrip(&a);
    rc_artifact_dispose(&a);

    /* layers from bytes and synthetic content, annotations, a custom config */
    struct rc_artifact_annots ann = {0}, lann = {0};
    rc_artifact_annots_set(&ann, "org.opencontainers.image.description", "probe");
    rc_artifact_annots_set(&lann, "org.opencontainers.image.title", "blob.bin");
    struct rc_artifact_layer_spec layers[] = {
        {.media_type = "text/plain", .bytes = "hello\n", .bytes_len = 6},
        {.size = RC_MIB + 3, .annotations = &lann},
    };
    struct rc_artifact_oci_opts o2 = {.salt = "s1",
                                      .artifact_type = "application/vnd.regcompat.files",
                                      .config_media_type = "application/vnd.regcompat.config+json",
                                      .config = "{\"a\":1}",
                                      .config_len = 7,
                                      .layers = layers,
                                      .nlayers = 2,
                                      .annotations = &ann};
    struct rc_artifact b, c;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_oci(&a, &o2, &err), 0);
    CU_ASSERT_EQUAL(rc_artifact_build_oci(&b, &o2, &err), 0);
    RC_ASSERT_STR(a.digest, b.digest);
    o2.salt = "s2";
    CU_ASSERT_EQUAL(rc_artifact_build_oci(&c, &o2, &err), 0);
    CU_ASSERT(strcmp(a.digest, c.digest) != 0);
    CU_ASSERT(strcmp(a.blobs[2].desc.digest, c.blobs[2].desc.digest) != 0);
    RC_ASSERT_STR(a.blobs[1].desc.digest, c.blobs[1].desc.digest); /* bytes do not change */
    CU_ASSERT_EQUAL(a.nblobs, 3);
    check_roundtrip(&a);
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    RC_ASSERT_STR(m.artifact_type, "application/vnd.regcompat.files");
    RC_ASSERT_STR(m.config->media_type, "application/vnd.regcompat.config+json");
    CU_ASSERT_EQUAL(m.config->size, 7);
    CU_ASSERT_PTR_NULL(m.config->data);
    CU_ASSERT_EQUAL_FATAL(m.nlayers, 2);
    RC_ASSERT_STR(m.layers[0].media_type, "text/plain");
    RC_ASSERT_STR(m.layers[1].media_type, RC_ARTIFACT_MT_OCTET);
    CU_ASSERT_EQUAL(m.layers[1].size, (int64_t)(RC_MIB + 3));
    RC_ASSERT_STR(
        rc_artifact_annots_get(&m.layers[1].annotations, "org.opencontainers.image.title"),
        "blob.bin");
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "io.regcompat.salt"), "s1");
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "org.opencontainers.image.description"),
                  "probe");
    CU_ASSERT_PTR_NULL(m.subject);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);
    rc_artifact_dispose(&b);
    rc_artifact_dispose(&c);
    rc_artifact_annots_dispose(&ann);
    rc_artifact_annots_dispose(&lann);
    rc_artifact_desc_dispose(&subject);
    rc_artifact_dispose(&subj_art);
    rc_error_free(err);
}

static void test_index(void)
{
    struct rc_artifact p1, p2, idx;
    struct rc_artifact_policy_opts o1 = {.salt = "i1"}, o2 = {.salt = "i2"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&p1, &o1, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&p2, &o2, NULL), 0);
    struct rc_artifact_desc d[2];
    rc_artifact_desc_of(&d[0], &p1);
    rc_artifact_desc_of(&d[1], &p2);
    struct rc_artifact_index_opts o = {.manifests = d, .nmanifests = 2};
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_index(&idx, &o, &err), 0);
    RC_ASSERT_STR(idx.media_type, RC_ARTIFACT_MT_OCI_INDEX);
    CU_ASSERT_EQUAL(idx.nblobs, 0);
    char expected[1024];
    snprintf(expected, sizeof(expected),
             "{\"manifests\":[{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu},"
             "{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu}],"
             "\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"schemaVersion\":2}",
             p1.digest, RC_ARTIFACT_MT_OCI_MANIFEST, p1.manifest_len, p2.digest,
             RC_ARTIFACT_MT_OCI_MANIFEST, p2.manifest_len);
    RC_ASSERT_STR(idx.manifest, expected);
    check_roundtrip(&idx);
    rc_artifact_dispose(&idx);

    /* an index that is an artifact itself */
    struct rc_artifact_annots ann = {0};
    rc_artifact_annots_set(&ann, "k", "v");
    struct rc_artifact_index_opts oa = {.salt = "ix",
                                        .artifact_type = "application/vnd.regcompat.bundle",
                                        .manifests = d,
                                        .nmanifests = 1,
                                        .subject = &d[1],
                                        .annotations = &ann};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_index(&idx, &oa, &err), 0);
    struct rc_artifact_manifest m;
    parse_ok(&m, &idx);
    CU_ASSERT(m.is_index);
    CU_ASSERT_EQUAL(m.nmanifests, 1);
    CU_ASSERT_EQUAL(m.nlayers, 0);
    CU_ASSERT_PTR_NULL(m.config);
    RC_ASSERT_STR(m.artifact_type, "application/vnd.regcompat.bundle");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.subject);
    RC_ASSERT_STR(m.subject->digest, p2.digest);
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "k"), "v");
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "io.regcompat.salt"), "ix");
    CU_ASSERT_NOT_EQUAL(rc_artifact_check_policy(&m, &err), 0);
    rc_error_freep(&err);
    check_roundtrip(&idx);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&idx);
    rc_artifact_annots_dispose(&ann);
    rc_artifact_desc_dispose(&d[0]);
    rc_artifact_desc_dispose(&d[1]);
    rc_artifact_dispose(&p1);
    rc_artifact_dispose(&p2);
}

static void test_cosign(void)
{
    const char *digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char *tag = rc_artifact_cosign_tag(digest);
    RC_ASSERT_STR(tag,
                  "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig");
    free(tag);
    CU_ASSERT_PTR_NULL(rc_artifact_cosign_tag("sha256:nothex"));

    struct rc_artifact a, b;
    struct rc_error *err = NULL;
    struct rc_artifact_cosign_opts o = {
        .salt = "sig", .docker_reference = "registry.example/ns/policy", .manifest_digest = digest};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_cosign(&a, &o, &err), 0);
    CU_ASSERT_EQUAL(rc_artifact_build_cosign(&b, &o, &err), 0);
    RC_ASSERT_STR(a.digest, b.digest);
    rc_artifact_dispose(&b);
    check_roundtrip(&a);
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    RC_ASSERT_STR(m.media_type, RC_ARTIFACT_MT_OCI_MANIFEST);
    RC_ASSERT_STR(m.config->media_type, "application/vnd.oci.image.config.v1+json");
    CU_ASSERT_EQUAL_FATAL(m.nlayers, 1);
    RC_ASSERT_STR(m.layers[0].media_type, "application/vnd.dev.cosign.simplesigning.v1+json");
    static const char *const keys[] = {"dev.cosignproject.cosign/signature",
                                       "dev.sigstore.cosign/certificate",
                                       "dev.sigstore.cosign/chain", "dev.sigstore.cosign/bundle"};
    for (size_t i = 0; i < RC_ARRAY_LEN(keys); i++)
        CU_ASSERT_PTR_NOT_NULL(rc_artifact_annots_get(&m.layers[0].annotations, keys[i]));
    CU_ASSERT(rc_str_starts(
        rc_artifact_annots_get(&m.layers[0].annotations, "dev.sigstore.cosign/certificate"),
        "-----BEGIN CERTIFICATE-----\n"));
    const char *bundle =
        rc_artifact_annots_get(&m.layers[0].annotations, "dev.sigstore.cosign/bundle");
    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, bundle, strlen(bundle), &err), 0);
    CU_ASSERT_PTR_NOT_NULL(rc_json_get_str(j, "SignedEntryTimestamp"));
    CU_ASSERT_PTR_NOT_NULL(rc_json_path(j, "Payload.integratedTime"));
    rc_json_free(j);

    /* the payload is the Simple Signing document naming the digest */
    const struct rc_artifact_blob *payload = rc_artifact_find_blob(&a, m.layers[0].digest);
    CU_ASSERT_PTR_NOT_NULL_FATAL(payload);
    size_t len = 0;
    char *text = slurp((struct rc_blob_src *)&payload->src, &len);
    RC_ASSERT_STR(text,
                  "{\"critical\":{\"identity\":{\"docker-reference\":"
                  "\"registry.example/ns/policy\"},\"image\":{\"docker-manifest-digest\":"
                  "\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"},"
                  "\"type\":\"cosign container image signature\"},\"optional\":null}");
    free(text);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);

    /* two signatures: two layers, the payload blob pushed once */
    o.nsignatures = 2;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_cosign(&a, &o, &err), 0);
    parse_ok(&m, &a);
    CU_ASSERT_EQUAL(m.nlayers, 2);
    CU_ASSERT_EQUAL(a.nblobs, 2);
    CU_ASSERT(strcmp(rc_artifact_annots_get(&m.layers[0].annotations, keys[0]),
                     rc_artifact_annots_get(&m.layers[1].annotations, keys[0])) != 0);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);

    o.manifest_digest = "nope";
    CU_ASSERT_EQUAL(rc_artifact_build_cosign(&a, &o, &err), RC_EINVAL);
    rc_error_free(err);
}

static void test_sigstore_bundle(void)
{
    struct rc_artifact p;
    struct rc_artifact_policy_opts po = {.salt = "bundle-subject"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&p, &po, NULL), 0);
    struct rc_artifact_desc subject;
    rc_artifact_desc_of(&subject, &p);

    struct rc_artifact a;
    struct rc_error *err = NULL;
    struct rc_artifact_bundle_opts o = {.salt = "b", .subject = &subject};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_sigstore_bundle(&a, &o, &err), 0);
    check_roundtrip(&a);
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    RC_ASSERT_STR(m.artifact_type, "application/vnd.dev.sigstore.bundle.v0.3+json");
    RC_ASSERT_STR(m.media_type, RC_ARTIFACT_MT_OCI_MANIFEST);
    RC_ASSERT_STR(m.config->media_type, RC_ARTIFACT_MT_EMPTY);
    RC_ASSERT_STR(m.config->digest, RC_ARTIFACT_EMPTY_DIGEST);
    CU_ASSERT_EQUAL_FATAL(m.nlayers, 1);
    RC_ASSERT_STR(m.layers[0].media_type, "application/vnd.dev.sigstore.bundle.v0.3+json");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.subject);
    RC_ASSERT_STR(m.subject->digest, p.digest);
    CU_ASSERT_EQUAL(m.subject->size, (int64_t)p.manifest_len);
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "dev.sigstore.bundle.content"),
                  "message-signature");
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "dev.sigstore.bundle.predicateType"),
                  "https://sigstore.dev/cosign/sign/v1");
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "org.opencontainers.image.created"),
                  RC_ARTIFACT_CREATED);
    const struct rc_artifact_blob *layer = rc_artifact_find_blob(&a, m.layers[0].digest);
    size_t len = 0;
    char *text = slurp((struct rc_blob_src *)&layer->src, &len);
    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, text, len, &err), 0);
    RC_ASSERT_STR(rc_json_get_str(j, "mediaType"), RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "messageSignature.messageDigest.algorithm")),
                  "SHA2_256");
    rc_json_free(j);
    free(text);
    rc_artifact_manifest_dispose(&m);

    /* the DSSE flavour */
    struct rc_artifact d;
    o.content = "dsse-envelope";
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_sigstore_bundle(&d, &o, &err), 0);
    CU_ASSERT(strcmp(d.digest, a.digest) != 0);
    layer = &d.blobs[1];
    text = slurp((struct rc_blob_src *)&layer->src, &len);
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, text, len, &err), 0);
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "dsseEnvelope.payloadType")),
                  "application/vnd.in-toto+json");
    rc_json_free(j);
    free(text);
    rc_artifact_dispose(&d);

    o.subject = NULL;
    CU_ASSERT_EQUAL(rc_artifact_build_sigstore_bundle(&d, &o, &err), RC_EINVAL);
    rc_error_free(err);
    rc_artifact_dispose(&a);
    rc_artifact_desc_dispose(&subject);
    rc_artifact_dispose(&p);
}

/* With a key, each signature layer carries the base64 DER ECDSA signature of its payload
 * blob (what kwctl verify checks with a pubKey) and no fake certificate; a signature
 * appended to a stored .sig keeps the stored layers first and lists every layer in the
 * config's rootfs, as cosign's append does. */
static void test_cosign_signed(void)
{
    const char *digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    struct rc_crypto_key *k1 = NULL, *k2 = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_crypto_key_generate(&k1, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(rc_crypto_key_generate(&k2, NULL), 0);
    struct rc_error *err = NULL;
    struct rc_artifact a, b;
    struct rc_artifact_cosign_opts o = {.salt = "sig",
                                        .docker_reference = "registry.example/ns/policy",
                                        .manifest_digest = digest,
                                        .key = k1};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_cosign(&a, &o, &err), 0);
    check_roundtrip(&a);
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    CU_ASSERT_EQUAL_FATAL(m.nlayers, 1);
    CU_ASSERT_EQUAL(m.layers[0].annotations.n, 1);
    const char *sig =
        rc_artifact_annots_get(&m.layers[0].annotations, "dev.cosignproject.cosign/signature");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
    RC_ASSERT_STR(a.blobs[0].desc.media_type, RC_ARTIFACT_MT_OCI_CONFIG); /* config first */
    const struct rc_artifact_blob *payload = rc_artifact_find_blob(&a, m.layers[0].digest);
    CU_ASSERT_PTR_NOT_NULL_FATAL(payload);
    size_t len = 0;
    char *text = slurp((struct rc_blob_src *)&payload->src, &len);
    struct rc_buf der = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL_FATAL(rc_crypto_unbase64(&der, sig, strlen(sig), &err), 0);
    CU_ASSERT_EQUAL(rc_crypto_verify(k1, text, len, der.data, der.len, &err), 0);
    CU_ASSERT_EQUAL(rc_crypto_verify(k2, text, len, der.data, der.len, &err), RC_EPROTO);
    rc_error_free(err);
    err = NULL;
    rc_buf_reset(&der);

    /* a second signature by another key, appended */
    o.key = k2;
    o.append_to = &m;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_cosign(&b, &o, &err), 0);
    struct rc_artifact_manifest m2;
    parse_ok(&m2, &b);
    CU_ASSERT_EQUAL_FATAL(m2.nlayers, 2);
    RC_ASSERT_STR(
        rc_artifact_annots_get(&m2.layers[0].annotations, "dev.cosignproject.cosign/signature"),
        sig);
    const char *sig2 =
        rc_artifact_annots_get(&m2.layers[1].annotations, "dev.cosignproject.cosign/signature");
    CU_ASSERT_EQUAL_FATAL(rc_crypto_unbase64(&der, sig2, strlen(sig2), &err), 0);
    CU_ASSERT_EQUAL(rc_crypto_verify(k2, text, len, der.data, der.len, &err), 0);
    const struct rc_artifact_blob *cfg = rc_artifact_find_blob(&b, m2.config->digest);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    size_t clen = 0;
    char *ctext = slurp((struct rc_blob_src *)&cfg->src, &clen);
    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, ctext, clen, &err), 0);
    const struct rc_json *ids = rc_json_path(j, "rootfs.diff_ids");
    CU_ASSERT_EQUAL(rc_json_len(ids), 2);
    rc_json_free(j);
    free(ctext);
    rc_artifact_manifest_dispose(&m2);
    rc_artifact_dispose(&b);

    free(text);
    rc_buf_dispose(&der);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);
    rc_crypto_key_free(k1);
    rc_crypto_key_free(k2);
}

/* A DSSE bundle made with a key: the signature verifies over the DSSE PAE of the in-toto
 * statement naming the subject; the hint is the key's fingerprint; the config descriptor
 * carries the bundle artifactType as cosign 3 writes it. */
static void test_bundle_signed(void)
{
    struct rc_buf pae = RC_BUF_INIT(0);
    rc_artifact_dsse_pae(&pae, "application/vnd.in-toto+json", "{}", 2);
    RC_ASSERT_STR(rc_buf_str(&pae), "DSSEv1 28 application/vnd.in-toto+json 2 {}");
    rc_buf_reset(&pae);

    struct rc_artifact p;
    struct rc_artifact_policy_opts po = {.salt = "bundle-subject"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&p, &po, NULL), 0);
    struct rc_artifact_desc subject;
    rc_artifact_desc_of(&subject, &p);
    struct rc_crypto_key *k = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_crypto_key_generate(&k, NULL), 0);
    struct rc_error *err = NULL;
    struct rc_artifact a;
    struct rc_artifact_bundle_opts o = {
        .salt = "b", .subject = &subject, .content = "dsse-envelope", .key = k};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_sigstore_bundle(&a, &o, &err), 0);
    struct rc_artifact_manifest m;
    parse_ok(&m, &a);
    RC_ASSERT_STR(m.config->artifact_type, RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    RC_ASSERT_STR(rc_artifact_annots_get(&m.annotations, "dev.sigstore.bundle.content"),
                  "dsse-envelope");
    const struct rc_artifact_blob *layer = rc_artifact_find_blob(&a, m.layers[0].digest);
    size_t len = 0;
    char *text = slurp((struct rc_blob_src *)&layer->src, &len);
    struct rc_json *j = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_json_parse(&j, text, len, &err), 0);
    const char *payload = rc_json_str(rc_json_path(j, "dsseEnvelope.payload"));
    const struct rc_json *sigs = rc_json_path(j, "dsseEnvelope.signatures");
    CU_ASSERT_EQUAL_FATAL(rc_json_len(sigs), 1);
    const char *sig = rc_json_get_str(rc_json_at(sigs, 0), "sig");
    struct rc_buf stmt = RC_BUF_INIT(0), der = RC_BUF_INIT(0), pub = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL_FATAL(rc_crypto_unbase64(&stmt, payload, strlen(payload), &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&stmt), p.digest + strlen("sha256:")));
    CU_ASSERT_EQUAL_FATAL(rc_crypto_unbase64(&der, sig, strlen(sig), &err), 0);
    rc_artifact_dsse_pae(&pae, "application/vnd.in-toto+json", stmt.data, stmt.len);
    CU_ASSERT_EQUAL(rc_crypto_verify(k, pae.data, pae.len, der.data, der.len, &err), 0);
    /* the statement alone is not what is signed */
    CU_ASSERT_EQUAL(rc_crypto_verify(k, stmt.data, stmt.len, der.data, der.len, &err), RC_EPROTO);
    rc_error_free(err);
    rc_crypto_public_der(&pub, k, NULL);
    char d[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, pub.data, pub.len, d);
    const char *hint = rc_json_str(rc_json_path(j, "verificationMaterial.publicKey.hint"));
    struct rc_buf raw = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL_FATAL(rc_crypto_unbase64(&raw, hint, strlen(hint), NULL), 0);
    CU_ASSERT_EQUAL_FATAL(raw.len, 32);
    char hex[65];
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)raw.data[i]);
    RC_ASSERT_STR(hex, d + strlen("sha256:"));
    rc_buf_dispose(&raw);
    rc_json_free(j);
    free(text);
    rc_buf_dispose(&stmt);
    rc_buf_dispose(&der);
    rc_buf_dispose(&pub);
    rc_buf_dispose(&pae);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&a);
    rc_artifact_desc_dispose(&subject);
    rc_artifact_dispose(&p);
    rc_crypto_key_free(k);
}

static void test_referrers_index(void)
{
    struct rc_artifact idx;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_referrers_index(&idx, NULL, 0, &err), 0);
    RC_ASSERT_STR(idx.manifest, "{\"manifests\":[],\"mediaType\":"
                                "\"application/vnd.oci.image.index.v1+json\",\"schemaVersion\":2}");
    rc_artifact_dispose(&idx);

    struct rc_artifact p, bundle, plain;
    struct rc_artifact_policy_opts po = {.salt = "ref"};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_policy(&p, &po, NULL), 0);
    struct rc_artifact_desc subject;
    rc_artifact_desc_of(&subject, &p);
    struct rc_artifact_bundle_opts bo = {.salt = "ref", .subject = &subject};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_sigstore_bundle(&bundle, &bo, &err), 0);
    struct rc_artifact_oci_opts oo = {.artifact_type = "application/vnd.regcompat.note",
                                      .subject = &subject};
    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_oci(&plain, &oo, &err), 0);

    struct rc_artifact_desc e[4];
    CU_ASSERT_EQUAL(rc_artifact_referrer_entry(&e[0], bundle.media_type, bundle.manifest,
                                               bundle.manifest_len, &err),
                    0);
    CU_ASSERT_EQUAL(rc_artifact_referrer_entry(&e[1], plain.media_type, plain.manifest,
                                               plain.manifest_len, &err),
                    0);
    /* a manifest without artifactType (kwctl's) is listed by its config media type; its
     * mediaType comes from the Content-Type */
    CU_ASSERT_EQUAL(
        rc_artifact_referrer_entry(&e[2], p.media_type, p.manifest, p.manifest_len, &err), 0);
    rc_artifact_desc_copy(&e[3], &e[0]); /* a duplicate */
    RC_ASSERT_STR(e[0].artifact_type, RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    RC_ASSERT_STR(e[0].digest, bundle.digest);
    CU_ASSERT_EQUAL(e[0].size, (int64_t)bundle.manifest_len);
    RC_ASSERT_STR(rc_artifact_annots_get(&e[0].annotations, "dev.sigstore.bundle.content"),
                  "message-signature");
    RC_ASSERT_STR(e[1].artifact_type, "application/vnd.regcompat.note");
    RC_ASSERT_STR(e[2].artifact_type, RC_ARTIFACT_MT_WASM_CONFIG_V1);
    RC_ASSERT_STR(e[2].media_type, RC_ARTIFACT_MT_OCI_MANIFEST);

    CU_ASSERT_EQUAL_FATAL(rc_artifact_build_referrers_index(&idx, e, 4, &err), 0);
    check_roundtrip(&idx);
    struct rc_artifact_manifest m;
    parse_ok(&m, &idx);
    CU_ASSERT(m.is_index);
    RC_ASSERT_STR(m.media_type, RC_ARTIFACT_MT_OCI_INDEX);
    CU_ASSERT_EQUAL_FATAL(m.nmanifests, 3);
    RC_ASSERT_STR(m.manifests[0].digest, bundle.digest);
    RC_ASSERT_STR(m.manifests[0].artifact_type, RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    RC_ASSERT_STR(
        rc_artifact_annots_get(&m.manifests[0].annotations, "dev.sigstore.bundle.predicateType"),
        "https://sigstore.dev/cosign/sign/v1");
    RC_ASSERT_STR(m.manifests[1].digest, plain.digest);
    rc_artifact_manifest_dispose(&m);
    rc_artifact_dispose(&idx);
    for (size_t i = 0; i < 4; i++)
        rc_artifact_desc_dispose(&e[i]);
    rc_artifact_desc_dispose(&subject);
    rc_artifact_dispose(&p);
    rc_artifact_dispose(&bundle);
    rc_artifact_dispose(&plain);
    rc_error_free(err);
}

static void test_manifest_parse_errors(void)
{
    static const struct {
        const char *json;
        const char *msg;
    } bad[] = {
        {"[]", "expected an object"},
        {"{\"schemaVersion\":\"2\"}", "schemaVersion"},
        {"{\"layers\":{}}", "layers: expected an array"},
        {"{\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" RC_ARTIFACT_EMPTY_DIGEST
         "\",\"size\":\"2\"}]}",
         "layers[0].size"},
        {"{\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":2}}",
         "config.digest: invalid"},
        {"{\"subject\":{\"digest\":\"" RC_ARTIFACT_EMPTY_DIGEST "\",\"size\":2}}",
         "subject.mediaType: missing"},
        {"{\"annotations\":{\"a\":1}}", "annotations.a"},
        {"{\"mediaType\":5}", "mediaType"},
        {"{\"layers\":[", "parsing manifest"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(bad); i++) {
        struct rc_artifact_manifest m;
        struct rc_error *err = NULL;
        int rc = rc_artifact_manifest_parse(&m, bad[i].json, strlen(bad[i].json), &err);
        CU_ASSERT(rc < 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err) ? rc_error_msg(err) : "", bad[i].msg));
        if (!strstr(rc_error_msg(err) ? rc_error_msg(err) : "", bad[i].msg))
            fprintf(stderr, "case %zu: %s\n", i, rc_error_msg(err));
        rc_error_free(err);
    }
    /* unknown members are ignored, absent ones are NULL */
    const char *ok = "{\"schemaVersion\":2,\"x\":[1,2],\"layers\":[]}";
    struct rc_artifact_manifest m;
    CU_ASSERT_EQUAL(rc_artifact_manifest_parse(&m, ok, strlen(ok), NULL), 0);
    CU_ASSERT_EQUAL(m.schema_version, 2);
    CU_ASSERT(!m.is_index && m.nlayers == 0 && !m.config && !m.media_type);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_artifact_check_policy(&m, &err), RC_EPROTO);
    rc_error_free(err);
    rc_artifact_manifest_dispose(&m);
    CU_ASSERT(has_key(ok, strlen(ok), "x"));
}

static CU_TestInfo artifact_tests[] = {
    {"memory sources", test_mem_sources},
    {"synthetic streams", test_synthetic},
    {"known answers", test_known_answers},
    {"wasm module and metadata section", test_wasm_module},
    {"wasm exact sizes", test_wasm_sizes},
    {"wasm over 1 GiB", test_wasm_huge},
    {"wasm digest through the midstate cache", test_wasm_cached_digest},
    {"wasm midstate cache records", test_wasm_cache_records},
    {"wasm bulk first, salt last", test_wasm_bulk_layout},
    {"kubewarden policy manifest", test_policy_manifest},
    {"kubewarden annotations", test_policy_annotations},
    {"cncf wasm artifact", test_cncf_wasm},
    {"oci 1.1 artifact", test_oci_artifact},
    {"image index", test_index},
    {"cosign signature", test_cosign},
    {"sigstore bundle referrer", test_sigstore_bundle},
    {"cosign signature with a key", test_cosign_signed},
    {"sigstore bundle with a key", test_bundle_signed},
    {"referrers fallback index", test_referrers_index},
    {"manifest parse errors", test_manifest_parse_errors},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"artifact", NULL, NULL, NULL, NULL, artifact_tests},
    CU_SUITE_INFO_NULL,
};
