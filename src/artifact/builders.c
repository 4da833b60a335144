/* The artifact builders: Kubewarden policy (kwctl's exact bytes), CNCF Wasm artifact, generic
 * OCI 1.1 artifacts and indexes, cosign legacy signatures, Sigstore bundle referrers, and the
 * referrers fallback index. Each fills a struct rc_artifact from its options, deterministically. */
#include "artifact/artifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

#include "base/banned.h"

#define SALT_ANNOTATION      "io.regcompat.salt"
#define KW_SOURCE_ANNOTATION "io.kubewarden.policy.source"
#define KW_KWCTL_ANNOTATION  "io.kubewarden.kwctl"
#define OCI_SOURCE           "org.opencontainers.image.source"
#define OCI_CREATED          "org.opencontainers.image.created"

/* ---- small helpers --------------------------------------------------------------------- */

static char *base64(const void *data, size_t len)
{
    return rc_crypto_base64(data, len);
}

static char *base64_str(const char *s)
{
    return base64(s, strlen(s));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The raw hash bytes of a valid "alg:hex" digest; returns their number. */
static size_t digest_raw(unsigned char out[64], const char *digest)
{
    const char *hex = strchr(digest, ':');
    size_t n = 0;
    for (hex = hex ? hex + 1 : digest; n < 64 && hex[0] && hex[1]; hex += 2) {
        int hi = hexval(hex[0]), lo = hexval(hex[1]);
        if (hi < 0 || lo < 0)
            break;
        out[n++] = (unsigned char)(hi << 4 | lo);
    }
    return n;
}

/* Deterministic filler that says what it is: "regcompat test <what> (not cryptographic) <hex>". */
static char *fake_text(const char *what, const char *salt, unsigned i, const char *subject)
{
    char *seed = rc_fmt("%s|%s|%u|%s", what, salt ? salt : "", i, subject ? subject : "");
    char d[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, seed, strlen(seed), d);
    free(seed);
    return rc_fmt("regcompat test %s (not cryptographic) %s", what, d + strlen("sha256:"));
}

static char *fake_b64(const char *what, const char *salt, unsigned i, const char *subject)
{
    char *t = fake_text(what, salt, i, subject);
    char *b = base64_str(t);
    free(t);
    return b;
}

/* A PEM block whose body is the base64 of a marked test text. */
static void fake_pem(struct rc_buf *b, const char *what, const char *salt, unsigned i,
                     const char *subject)
{
    char *body = fake_b64(what, salt, i, subject);
    rc_buf_adds(b, "-----BEGIN CERTIFICATE-----\n");
    for (size_t off = 0, n = strlen(body); off < n; off += 64) {
        rc_buf_add(b, body + off, n - off < 64 ? n - off : 64);
        rc_buf_addc(b, '\n');
    }
    rc_buf_adds(b, "-----END CERTIFICATE-----\n");
    free(body);
}

/* Adds a blob (src moves in) unless one with the same digest is listed already; fills desc.
 * digest may be given when already known. */
static int add_blob(struct rc_artifact *a, struct rc_artifact_desc *desc, const char *media_type,
                    struct rc_blob_src *src, const char *known_digest, struct rc_error **err)
{
    char digest[RC_DIGEST_MAX];
    if (known_digest) {
        snprintf(digest, sizeof(digest), "%s", known_digest);
    } else {
        int rc = rc_artifact_blob_digest(digest, src, err);
        if (rc < 0) {
            rc_artifact_blob_dispose(src);
            return rc_error_prefix(err, "hashing a %s blob", media_type);
        }
    }
    rc_artifact_desc_init(desc, media_type, digest, src->length);
    if (rc_artifact_find_blob(a, digest)) {
        rc_artifact_blob_dispose(src);
        return 0;
    }
    struct rc_artifact_blob b;
    rc_artifact_desc_init(&b.desc, media_type, digest, src->length);
    b.src = *src;
    memset(src, 0, sizeof(*src));
    RC_PUSH(a->blobs, a->nblobs, a->cap, b);
    return 0;
}

static int add_mem_blob(struct rc_artifact *a, struct rc_artifact_desc *desc,
                        const char *media_type, const void *data, size_t len, struct rc_error **err)
{
    struct rc_blob_src src;
    rc_artifact_blob_mem_copy(&src, data, len);
    return add_blob(a, desc, media_type, &src, NULL, err);
}

static int add_buf_blob(struct rc_artifact *a, struct rc_artifact_desc *desc,
                        const char *media_type, struct rc_buf *b, struct rc_error **err)
{
    struct rc_blob_src src;
    size_t len = b->len;
    rc_artifact_blob_mem_take(&src, rc_buf_steal(b, NULL), len);
    return add_blob(a, desc, media_type, &src, NULL, err);
}

/* Writes the manifest and sets bytes, digest and Content-Type. */
static int finish(struct rc_artifact *a, const struct rc_artifact_manifest *m,
                  const char *content_type, struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(0);
    int rc = rc_artifact_manifest_write(&b, m, err);
    if (rc < 0) {
        rc_buf_dispose(&b);
        return rc;
    }
    a->manifest_len = b.len;
    a->manifest = rc_buf_steal(&b, NULL);
    a->media_type = rc_xstrdup(content_type);
    rc_digest_bytes(RC_DIGEST_SHA256, a->manifest, a->manifest_len, a->digest);
    return 0;
}

static int jw_done(struct rc_jw *w, const char *what, struct rc_error **err)
{
    int rc = rc_jw_finish(w, err);
    return rc < 0 ? rc_error_prefix(err, "writing %s", what) : 0;
}

static void copy_subject(struct rc_artifact_manifest *m, const struct rc_artifact_desc *subject)
{
    if (!subject)
        return;
    m->subject = rc_xcalloc(1, sizeof(*m->subject));
    rc_artifact_desc_copy(m->subject, subject);
}

static void manifest_annots(struct rc_artifact_manifest *m, const struct rc_artifact_annots *given,
                            const char *salt)
{
    rc_artifact_annots_copy(&m->annotations, given);
    if (salt)
        rc_artifact_annots_set(&m->annotations, SALT_ANNOTATION, salt);
}

static int check_desc(const struct rc_artifact_desc *d, const char *what, struct rc_error **err)
{
    if (!d->media_type || !d->digest || !rc_digest_valid(d->digest) || d->size < 0)
        return rc_error_set(err, RC_EINVAL,
                            "%s: a descriptor needs a media type, a valid digest "
                            "and a size",
                            what);
    return 0;
}

/* ---- Kubewarden policy ----------------------------------------------------------------- */

static void policy_meta_annots(struct rc_artifact_annots *out,
                               const struct rc_artifact_policy_opts *o)
{
    memset(out, 0, sizeof(*out));
    if (o->no_annotations)
        return;
    if (o->annotations) {
        rc_artifact_annots_copy(out, o->annotations);
    } else {
        char *desc = o->salt ? rc_fmt("Probe policy pushed by regcompat (salt: %s)", o->salt)
                             : rc_xstrdup("Probe policy pushed by regcompat");
        rc_artifact_annots_set(out, "io.kubewarden.policy.title", "regcompat-probe");
        rc_artifact_annots_set(out, "io.kubewarden.policy.version", "0.1.0");
        rc_artifact_annots_set(out, "io.kubewarden.policy.description", desc);
        rc_artifact_annots_set(out, "io.kubewarden.policy.author", "regcompat");
        rc_artifact_annots_set(out, KW_SOURCE_ANNOTATION, "https://example.invalid/regcompat");
        rc_artifact_annots_set(out, "io.kubewarden.policy.usage",
                               "# regcompat-probe\n\nA policy that exists to test OCI registries.\n"
                               "It accepts every request.\n");
        free(desc);
    }
    if (!rc_artifact_annots_get(out, KW_KWCTL_ANNOTATION))
        rc_artifact_annots_set(out, KW_KWCTL_ANNOTATION,
                               o->kwctl_version ? o->kwctl_version : RC_ARTIFACT_KWCTL_VERSION);
}

static int annot_ptr_cmp(const void *a, const void *b)
{
    const struct rc_artifact_annot *x = *(const struct rc_artifact_annot *const *)a;
    const struct rc_artifact_annot *y = *(const struct rc_artifact_annot *const *)b;
    return strcmp(x->key, y->key);
}

static void jw_str_array(struct rc_jw *w, const char *key, const char *const *v, size_t n)
{
    rc_jw_key(w, key);
    rc_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        rc_jw_str(w, v[i]);
    rc_jw_arr_end(w);
}

/* Kubewarden's metadata document, members in the order kwctl annotate writes them. */
static int write_metadata(struct rc_buf *out, const struct rc_artifact_annots *annots,
                          struct rc_error **err)
{
    static const char *const groups[] = {""};
    static const char *const versions[] = {"v1"};
    static const char *const resources[] = {"pods"};
    static const char *const operations[] = {"CREATE", "UPDATE"};
    struct rc_jw w;
    rc_jw_init(&w, out, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "protocolVersion", "v1");
    rc_jw_key(&w, "rules");
    rc_jw_arr_begin(&w);
    rc_jw_obj_begin(&w);
    jw_str_array(&w, "apiGroups", groups, RC_ARRAY_LEN(groups));
    jw_str_array(&w, "apiVersions", versions, RC_ARRAY_LEN(versions));
    jw_str_array(&w, "resources", resources, RC_ARRAY_LEN(resources));
    jw_str_array(&w, "operations", operations, RC_ARRAY_LEN(operations));
    rc_jw_obj_end(&w);
    rc_jw_arr_end(&w);
    if (annots->n) {
        /* a sorted map in kwctl */
        const struct rc_artifact_annot **v = rc_xcalloc(annots->n, sizeof(*v));
        for (size_t i = 0; i < annots->n; i++)
            v[i] = &annots->v[i];
        qsort(v, annots->n, sizeof(*v), annot_ptr_cmp);
        rc_jw_key(&w, "annotations");
        rc_jw_obj_begin(&w);
        for (size_t i = 0; i < annots->n; i++)
            rc_jw_kstr(&w, v[i]->key, v[i]->value);
        rc_jw_obj_end(&w);
        free(v);
    }
    rc_jw_kbool(&w, "mutating", false);
    rc_jw_kbool(&w, "backgroundAudit", true);
    rc_jw_key(&w, "contextAwareResources");
    rc_jw_arr_begin(&w);
    rc_jw_arr_end(&w);
    rc_jw_kstr(&w, "executionMode", "kubewarden-wapc");
    rc_jw_kstr(&w, "policyType", "kubernetes");
    rc_jw_obj_end(&w);
    return jw_done(&w, "policy metadata", err);
}

int rc_artifact_policy_metadata(struct rc_buf *out, const struct rc_artifact_policy_opts *o,
                                struct rc_error **err)
{
    struct rc_artifact_annots annots;
    policy_meta_annots(&annots, o);
    int rc = write_metadata(out, &annots, err);
    rc_artifact_annots_dispose(&annots);
    return rc;
}

/* Rust's str::lines() semantics: a single trailing newline does not start another line. */
static bool is_multi_line(const char *v)
{
    size_t n = strlen(v);
    if (n && v[n - 1] == '\n')
        n--;
    return memchr(v, '\n', n) != NULL;
}

void rc_artifact_policy_oci_annotations(struct rc_artifact_annots *out,
                                        const struct rc_artifact_annots *metadata)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; metadata && i < metadata->n; i++) {
        if (is_multi_line(metadata->v[i].value))
            continue;
        char *v = rc_xstrdup(metadata->v[i].value);
        rc_artifact_annots_set(out, metadata->v[i].key, rc_str_trim(v));
        free(v);
    }
    const char *source = rc_artifact_annots_get(out, KW_SOURCE_ANNOTATION);
    if (source && !rc_artifact_annots_get(out, OCI_SOURCE))
        rc_artifact_annots_set(out, OCI_SOURCE, source);
}

int rc_artifact_build_policy(struct rc_artifact *out, const struct rc_artifact_policy_opts *o,
                             struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m = {0};
    m.schema_version = 2; /* no mediaType, no artifactType, no subject: as kwctl */
    struct rc_artifact_annots meta;
    policy_meta_annots(&meta, o);
    struct rc_buf md = RC_BUF_INIT(0);
    int rc = write_metadata(&md, &meta, err);
    if (rc < 0)
        goto out;
    struct rc_artifact_wasm_opts wo = {o->wasm_size, rc_artifact_seed(o->salt, 0), md.data};
    struct rc_blob_src wasm;
    if ((rc = rc_artifact_blob_wasm(&wasm, &wo, err)) < 0)
        goto out;
    m.config = rc_xcalloc(1, sizeof(*m.config));
    m.layers = rc_xcalloc(1, sizeof(*m.layers));
    m.nlayers = 1;
    if ((rc = add_mem_blob(out, m.config, RC_ARTIFACT_MT_WASM_CONFIG_V1, RC_ARTIFACT_EMPTY_JSON, 2,
                           err)) < 0) {
        rc_artifact_blob_dispose(&wasm);
        goto out;
    }
    if ((rc = add_blob(out, &m.layers[0], RC_ARTIFACT_MT_WASM_LAYER_V1, &wasm, NULL, err)) < 0)
        goto out;
    rc_artifact_policy_oci_annotations(&m.annotations, &meta);
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_MANIFEST, err);
out:
    rc_artifact_manifest_dispose(&m);
    rc_artifact_annots_dispose(&meta);
    rc_buf_dispose(&md);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the Kubewarden policy");
    }
    return 0;
}

/* ---- CNCF Wasm artifact ---------------------------------------------------------------- */

int rc_artifact_build_cncf_wasm(struct rc_artifact *out, const struct rc_artifact_cncf_wasm_opts *o,
                                struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m = {0};
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_MANIFEST);
    struct rc_buf cfg = RC_BUF_INIT(0);
    struct rc_artifact_wasm_opts wo = {o->wasm_size, rc_artifact_seed(o->salt, 0), NULL};
    if (!wo.size) /* room for padding, so that the salt changes the module */
        wo.size = rc_artifact_wasm_base_size(&wo) + 64;
    struct rc_blob_src wasm;
    char wasm_digest[RC_DIGEST_MAX];
    int rc = rc_artifact_blob_wasm(&wasm, &wo, err);
    if (rc < 0)
        goto out;
    if ((rc = rc_artifact_blob_digest(wasm_digest, &wasm, err)) < 0) {
        rc_artifact_blob_dispose(&wasm);
        goto out;
    }
    struct rc_jw w;
    rc_jw_init(&w, &cfg, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "architecture", "wasm");
    rc_jw_kstr(&w, "author", "regcompat");
    rc_jw_kstr(&w, "created", RC_ARTIFACT_CREATED);
    rc_jw_key(&w, "layerDigests");
    rc_jw_arr_begin(&w);
    rc_jw_str(&w, wasm_digest);
    rc_jw_arr_end(&w);
    rc_jw_kstr(&w, "os", o->os ? o->os : "wasip1");
    rc_jw_obj_end(&w);
    if ((rc = jw_done(&w, "CNCF wasm config", err)) < 0) {
        rc_artifact_blob_dispose(&wasm);
        goto out;
    }
    m.config = rc_xcalloc(1, sizeof(*m.config));
    m.layers = rc_xcalloc(1, sizeof(*m.layers));
    m.nlayers = 1;
    if ((rc = add_buf_blob(out, m.config, RC_ARTIFACT_MT_WASM_CONFIG_V0, &cfg, err)) < 0) {
        rc_artifact_blob_dispose(&wasm);
        goto out;
    }
    if ((rc = add_blob(out, &m.layers[0], RC_ARTIFACT_MT_WASM, &wasm, wasm_digest, err)) < 0)
        goto out;
    rc_artifact_annots_copy(&m.annotations, o->annotations);
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_MANIFEST, err);
out:
    rc_artifact_manifest_dispose(&m);
    rc_buf_dispose(&cfg);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the CNCF wasm artifact");
    }
    return 0;
}

/* ---- generic OCI 1.1 artifact and index ------------------------------------------------ */

int rc_artifact_build_oci(struct rc_artifact *out, const struct rc_artifact_oci_opts *o,
                          struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m = {0};
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_MANIFEST);
    m.artifact_type = rc_xstrdup(o->artifact_type);
    int rc = 0;
    if (o->subject && (rc = check_desc(o->subject, "subject", err)) < 0)
        goto out;
    m.config = rc_xcalloc(1, sizeof(*m.config));
    if (o->config_media_type) {
        const void *data = o->config ? o->config : RC_ARTIFACT_EMPTY_JSON;
        size_t len = o->config ? o->config_len : 2;
        rc = add_mem_blob(out, m.config, o->config_media_type, data, len, err);
    } else {
        rc = add_mem_blob(out, m.config, RC_ARTIFACT_MT_EMPTY, RC_ARTIFACT_EMPTY_JSON, 2, err);
        if (rc == 0 && o->config_data)
            m.config->data = rc_xstrdup(RC_ARTIFACT_EMPTY_DATA);
    }
    if (rc < 0)
        goto out;
    size_t n = o->nlayers ? o->nlayers : 1;
    m.layers = rc_xcalloc(n, sizeof(*m.layers));
    for (size_t i = 0; i < n; i++) {
        m.nlayers = i + 1;
        if (!o->nlayers) {
            rc = add_mem_blob(out, &m.layers[i], RC_ARTIFACT_MT_EMPTY, RC_ARTIFACT_EMPTY_JSON, 2,
                              err);
        } else {
            const struct rc_artifact_layer_spec *l = &o->layers[i];
            const char *mt = l->media_type ? l->media_type : RC_ARTIFACT_MT_OCTET;
            if (l->bytes) {
                rc = add_mem_blob(out, &m.layers[i], mt, l->bytes, l->bytes_len, err);
            } else {
                struct rc_blob_src src;
                rc_artifact_blob_synthetic(&src, rc_artifact_seed(o->salt, i + 1), l->size);
                rc = add_blob(out, &m.layers[i], mt, &src, NULL, err);
            }
            if (rc == 0)
                rc_artifact_annots_copy(&m.layers[i].annotations, l->annotations);
        }
        if (rc < 0)
            goto out;
    }
    copy_subject(&m, o->subject);
    manifest_annots(&m, o->annotations, o->salt);
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_MANIFEST, err);
out:
    rc_artifact_manifest_dispose(&m);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the OCI artifact");
    }
    return 0;
}

int rc_artifact_build_image(struct rc_artifact *out, const struct rc_artifact_image_opts *o,
                            struct rc_error **err)
{
    uint64_t size = o->layer_size ? o->layer_size : 64 * 1024;
    /* the layer is seeded as rc_artifact_build_oci seeds layer 0 */
    struct rc_blob_src src;
    rc_artifact_blob_synthetic(&src, rc_artifact_seed(o->salt, 1), size);
    char diff_id[RC_DIGEST_MAX];
    int rc = rc_artifact_blob_digest(diff_id, &src, err);
    rc_artifact_blob_dispose(&src);
    if (rc < 0)
        return rc_error_prefix(err, "building the OCI image");
    char *config = rc_fmt("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"diff_ids\":"
                          "[\"%s\"],\"type\":\"layers\"}}",
                          diff_id);
    struct rc_artifact_layer_spec layer = {
        .media_type = o->layer_media_type ? o->layer_media_type : RC_ARTIFACT_MT_OCI_LAYER_TAR,
        .size = size};
    struct rc_artifact_oci_opts oo = {.salt = o->salt,
                                      .artifact_type = o->artifact_type,
                                      .config_media_type = RC_ARTIFACT_MT_OCI_CONFIG,
                                      .config = config,
                                      .config_len = strlen(config),
                                      .layers = &layer,
                                      .nlayers = 1,
                                      .subject = o->subject};
    rc = rc_artifact_build_oci(out, &oo, err);
    free(config);
    return rc;
}

int rc_artifact_build_index(struct rc_artifact *out, const struct rc_artifact_index_opts *o,
                            struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m = {0};
    m.is_index = true;
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_INDEX);
    m.artifact_type = rc_xstrdup(o->artifact_type);
    int rc = 0;
    if (o->subject && (rc = check_desc(o->subject, "subject", err)) < 0)
        goto out;
    m.manifests = rc_xcalloc(o->nmanifests ? o->nmanifests : 1, sizeof(*m.manifests));
    for (size_t i = 0; i < o->nmanifests; i++) {
        if ((rc = check_desc(&o->manifests[i], "manifests", err)) < 0)
            goto out;
        rc_artifact_desc_copy(&m.manifests[m.nmanifests++], &o->manifests[i]);
    }
    copy_subject(&m, o->subject);
    manifest_annots(&m, o->annotations, o->salt);
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_INDEX, err);
out:
    rc_artifact_manifest_dispose(&m);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the image index");
    }
    return 0;
}

int rc_artifact_build_referrers_index(struct rc_artifact *out,
                                      const struct rc_artifact_desc *entries, size_t n,
                                      struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m = {0};
    m.is_index = true;
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_INDEX);
    m.manifests = rc_xcalloc(n ? n : 1, sizeof(*m.manifests));
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_desc(&entries[i], "referrer", err)) < 0)
            goto out;
        bool seen = false;
        for (size_t j = 0; j < m.nmanifests && !seen; j++)
            seen = strcmp(m.manifests[j].digest, entries[i].digest) == 0;
        if (!seen)
            rc_artifact_desc_copy(&m.manifests[m.nmanifests++], &entries[i]);
    }
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_INDEX, err);
out:
    rc_artifact_manifest_dispose(&m);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the referrers index");
    }
    return 0;
}

/* ---- cosign legacy signature ----------------------------------------------------------- */

char *rc_artifact_cosign_tag(const char *digest)
{
    if (!digest || !rc_digest_valid(digest))
        return NULL;
    char *tag = rc_fmt("%s.sig", digest);
    *strchr(tag, ':') = '-';
    return tag;
}

/* The Rekor "SET" bundle cosign stores in dev.sigstore.cosign/bundle, with test values. */
static int cosign_rekor_bundle(struct rc_buf *out, const char *salt, unsigned i,
                               const char *payload_digest, const char *sig_b64,
                               struct rc_error **err)
{
    struct rc_buf body = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &body, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "apiVersion", "0.0.1");
    rc_jw_kstr(&w, "kind", "hashedrekord");
    rc_jw_key(&w, "spec");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "data");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "hash");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "algorithm", "sha256");
    rc_jw_kstr(&w, "value", strchr(payload_digest, ':') + 1);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "signature");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "content", sig_b64);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    int rc = jw_done(&w, "rekor entry", err);
    if (rc < 0) {
        rc_buf_dispose(&body);
        return rc;
    }
    char *body_b64 = base64(body.data, body.len);
    char *set = fake_b64("signed entry timestamp", salt, i, payload_digest);
    char log_id[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, "regcompat test log", 18, log_id);
    rc_jw_init(&w, out, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "SignedEntryTimestamp", set);
    rc_jw_key(&w, "Payload");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "body", body_b64);
    rc_jw_kint(&w, "integratedTime", 1735689600 + (int64_t)i); /* RC_ARTIFACT_CREATED */
    rc_jw_kint(&w, "logIndex", (int64_t)(rc_artifact_seed(salt, i) % 100000000u));
    rc_jw_kstr(&w, "logID", log_id + strlen("sha256:"));
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc = jw_done(&w, "rekor bundle", err);
    free(set);
    free(body_b64);
    rc_buf_dispose(&body);
    return rc;
}

/* One signature layer's annotations: the real signature, or the full set of fakes. */
static int cosign_annotations(struct rc_artifact_desc *l, const struct rc_artifact_cosign_opts *o,
                              unsigned i, const struct rc_buf *payload, const char *payload_digest,
                              struct rc_error **err)
{
    if (o->key) {
        struct rc_buf der = RC_BUF_INIT(0);
        int rc = rc_crypto_sign(&der, o->key, payload->data, payload->len, err);
        if (rc == 0) {
            char *sig = base64(der.data, der.len);
            rc_artifact_annots_set(&l->annotations, "dev.cosignproject.cosign/signature", sig);
            free(sig);
        }
        rc_buf_dispose(&der);
        return rc;
    }
    char *sig = fake_b64("signature", o->salt, i, o->manifest_digest);
    struct rc_buf cert = RC_BUF_INIT(0), chain = RC_BUF_INIT(0), bundle = RC_BUF_INIT(0);
    fake_pem(&cert, "leaf certificate", o->salt, i, o->manifest_digest);
    fake_pem(&chain, "intermediate certificate", o->salt, i, o->manifest_digest);
    fake_pem(&chain, "root certificate", o->salt, i, o->manifest_digest);
    int rc = cosign_rekor_bundle(&bundle, o->salt, i, payload_digest, sig, err);
    if (rc == 0) {
        rc_artifact_annots_set(&l->annotations, "dev.cosignproject.cosign/signature", sig);
        rc_artifact_annots_set(&l->annotations, "dev.sigstore.cosign/certificate",
                               rc_buf_str(&cert));
        rc_artifact_annots_set(&l->annotations, "dev.sigstore.cosign/chain", rc_buf_str(&chain));
        rc_artifact_annots_set(&l->annotations, "dev.sigstore.cosign/bundle", rc_buf_str(&bundle));
    }
    free(sig);
    rc_buf_dispose(&cert);
    rc_buf_dispose(&chain);
    rc_buf_dispose(&bundle);
    return rc;
}

/* The small image config cosign writes: one history entry and one diff_id per layer. */
static int cosign_config(struct rc_buf *cfg, const struct rc_artifact_manifest *m,
                         struct rc_error **err)
{
    struct rc_jw w;
    rc_jw_init(&w, cfg, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "architecture", "");
    rc_jw_key(&w, "config");
    rc_jw_obj_begin(&w);
    rc_jw_obj_end(&w);
    rc_jw_kstr(&w, "created", "0001-01-01T00:00:00Z");
    rc_jw_key(&w, "history");
    rc_jw_arr_begin(&w);
    for (size_t i = 0; i < m->nlayers; i++) {
        rc_jw_obj_begin(&w);
        rc_jw_kstr(&w, "created", "0001-01-01T00:00:00Z");
        rc_jw_obj_end(&w);
    }
    rc_jw_arr_end(&w);
    rc_jw_kstr(&w, "os", "");
    rc_jw_key(&w, "rootfs");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "diff_ids");
    rc_jw_arr_begin(&w);
    for (size_t i = 0; i < m->nlayers; i++)
        rc_jw_str(&w, m->layers[i].digest);
    rc_jw_arr_end(&w);
    rc_jw_kstr(&w, "type", "layers");
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    return jw_done(&w, "cosign image config", err);
}

int rc_artifact_build_cosign(struct rc_artifact *out, const struct rc_artifact_cosign_opts *o,
                             struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    if (!o->docker_reference || !o->manifest_digest || !rc_digest_valid(o->manifest_digest))
        return rc_error_set(err, RC_EINVAL,
                            "cosign signature: a docker reference and a valid digest are needed");
    unsigned nsig = o->nsignatures ? o->nsignatures : 1;
    size_t nold = o->append_to ? o->append_to->nlayers : 0;
    struct rc_artifact_manifest m = {0};
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_MANIFEST);
    struct rc_buf payload = RC_BUF_INIT(0), cfg = RC_BUF_INIT(0);
    struct rc_jw w;
    int rc;

    /* the Simple Signing payload: the same bytes for every signature of this digest */
    rc_jw_init(&w, &payload, false);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "critical");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "identity");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "docker-reference", o->docker_reference);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "image");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "docker-manifest-digest", o->manifest_digest);
    rc_jw_obj_end(&w);
    rc_jw_kstr(&w, "type", "cosign container image signature");
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "optional");
    rc_jw_null(&w);
    rc_jw_obj_end(&w);
    if ((rc = jw_done(&w, "simple signing payload", err)) < 0)
        goto out;
    char payload_digest[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, payload.data, payload.len, payload_digest);

    m.layers = rc_xcalloc(nold + nsig, sizeof(*m.layers));
    for (size_t i = 0; i < nold; i++) {
        rc_artifact_desc_copy(&m.layers[i], &o->append_to->layers[i]);
        m.nlayers = i + 1;
    }
    for (unsigned i = 0; i < nsig; i++) {
        struct rc_artifact_desc *l = &m.layers[nold + i];
        m.nlayers = nold + i + 1;
        if ((rc = add_mem_blob(out, l, RC_ARTIFACT_MT_COSIGN_SIMPLESIGNING, payload.data,
                               payload.len, err)) < 0 ||
            (rc = cosign_annotations(l, o, (unsigned)nold + i, &payload, payload_digest, err)) < 0)
            goto out;
    }
    if ((rc = cosign_config(&cfg, &m, err)) < 0)
        goto out;
    m.config = rc_xcalloc(1, sizeof(*m.config));
    if ((rc = add_buf_blob(out, m.config, RC_ARTIFACT_MT_OCI_CONFIG, &cfg, err)) < 0)
        goto out;
    /* the config is pushed first, as for every artifact */
    if (out->nblobs > 1) {
        struct rc_artifact_blob cb = out->blobs[out->nblobs - 1];
        memmove(out->blobs + 1, out->blobs, (out->nblobs - 1) * sizeof(*out->blobs));
        out->blobs[0] = cb;
    }
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_MANIFEST, err);
out:
    rc_artifact_manifest_dispose(&m);
    rc_buf_dispose(&payload);
    rc_buf_dispose(&cfg);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the cosign signature");
    }
    return 0;
}

/* ---- Sigstore bundle referrer ---------------------------------------------------------- */

void rc_artifact_dsse_pae(struct rc_buf *out, const char *payload_type, const void *payload,
                          size_t len)
{
    rc_buf_addf(out, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type, len);
    rc_buf_add(out, payload, len);
}

static int write_bundle(struct rc_buf *out, const struct rc_artifact_bundle_opts *o,
                        const char *content, struct rc_error **err)
{
    unsigned char raw[64];
    size_t nraw = digest_raw(raw, o->subject->digest);
    char *digest_b64 = base64(raw, nraw);
    char *sig = fake_b64("bundle signature", o->salt, 0, o->subject->digest);
    char *hint = NULL;
    if (o->key) {
        struct rc_buf der = RC_BUF_INIT(0);
        int krc = rc_crypto_public_der(&der, o->key, err);
        if (krc < 0) {
            rc_buf_dispose(&der);
            free(digest_b64);
            free(sig);
            return krc;
        }
        unsigned char fp[64];
        char d[RC_DIGEST_MAX];
        rc_digest_bytes(RC_DIGEST_SHA256, der.data, der.len, d);
        hint = base64(fp, digest_raw(fp, d));
        rc_buf_dispose(&der);
    } else {
        hint = fake_b64("public key hint", o->salt, 0, NULL);
    }
    struct rc_jw w;
    rc_jw_init(&w, out, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "mediaType", RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    rc_jw_key(&w, "verificationMaterial");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "publicKey");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "hint", hint);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "tlogEntries");
    rc_jw_arr_begin(&w);
    rc_jw_arr_end(&w);
    rc_jw_obj_end(&w);
    if (strcmp(content, "dsse-envelope") == 0) {
        /* a minimal in-toto statement about the subject */
        const char *colon = strchr(o->subject->digest, ':');
        char *alg = rc_xstrndup(o->subject->digest, (size_t)(colon - o->subject->digest));
        struct rc_buf st = RC_BUF_INIT(0);
        struct rc_jw sw;
        rc_jw_init(&sw, &st, false);
        rc_jw_obj_begin(&sw);
        rc_jw_kstr(&sw, "_type", "https://in-toto.io/Statement/v1");
        rc_jw_key(&sw, "subject");
        rc_jw_arr_begin(&sw);
        rc_jw_obj_begin(&sw);
        rc_jw_key(&sw, "digest");
        rc_jw_obj_begin(&sw);
        rc_jw_kstr(&sw, alg, colon + 1);
        rc_jw_obj_end(&sw);
        rc_jw_obj_end(&sw);
        rc_jw_arr_end(&sw);
        rc_jw_kstr(&sw, "predicateType", o->predicate_type);
        rc_jw_key(&sw, "predicate");
        rc_jw_obj_begin(&sw);
        rc_jw_obj_end(&sw);
        rc_jw_obj_end(&sw);
        int src = jw_done(&sw, "in-toto statement", err);
        free(alg);
        if (src < 0) {
            rc_buf_dispose(&st);
            free(digest_b64);
            free(sig);
            free(hint);
            return src;
        }
        size_t stlen = st.len;
        char *statement = rc_buf_steal(&st, NULL);
        char *payload = base64(statement, stlen);
        if (o->key) {
            struct rc_buf pae = RC_BUF_INIT(0), der = RC_BUF_INIT(0);
            rc_artifact_dsse_pae(&pae, "application/vnd.in-toto+json", statement, stlen);
            int krc = rc_crypto_sign(&der, o->key, pae.data, pae.len, err);
            if (krc == 0) {
                free(sig);
                sig = base64(der.data, der.len);
            }
            rc_buf_dispose(&pae);
            rc_buf_dispose(&der);
            if (krc < 0) {
                free(payload);
                free(statement);
                free(digest_b64);
                free(sig);
                free(hint);
                return krc;
            }
        }
        rc_jw_key(&w, "dsseEnvelope");
        rc_jw_obj_begin(&w);
        rc_jw_kstr(&w, "payload", payload);
        rc_jw_kstr(&w, "payloadType", "application/vnd.in-toto+json");
        rc_jw_key(&w, "signatures");
        rc_jw_arr_begin(&w);
        rc_jw_obj_begin(&w);
        rc_jw_kstr(&w, "sig", sig);
        rc_jw_obj_end(&w);
        rc_jw_arr_end(&w);
        rc_jw_obj_end(&w);
        free(payload);
        free(statement);
    } else {
        rc_jw_key(&w, "messageSignature");
        rc_jw_obj_begin(&w);
        rc_jw_key(&w, "messageDigest");
        rc_jw_obj_begin(&w);
        rc_jw_kstr(&w, "algorithm", nraw == 64 ? "SHA2_512" : "SHA2_256");
        rc_jw_kstr(&w, "digest", digest_b64);
        rc_jw_obj_end(&w);
        rc_jw_kstr(&w, "signature", sig);
        rc_jw_obj_end(&w);
    }
    rc_jw_obj_end(&w);
    free(digest_b64);
    free(sig);
    free(hint);
    return jw_done(&w, "sigstore bundle", err);
}

int rc_artifact_build_sigstore_bundle(struct rc_artifact *out,
                                      const struct rc_artifact_bundle_opts *o,
                                      struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    if (!o->subject)
        return rc_error_set(err, RC_EINVAL, "sigstore bundle: a subject is needed");
    int rc = check_desc(o->subject, "sigstore bundle subject", err);
    if (rc < 0)
        return rc;
    struct rc_artifact_bundle_opts eff = *o;
    if (!eff.content)
        eff.content = "message-signature";
    if (!eff.predicate_type)
        eff.predicate_type = "https://sigstore.dev/cosign/sign/v1";
    struct rc_artifact_manifest m = {0};
    m.schema_version = 2;
    m.media_type = rc_xstrdup(RC_ARTIFACT_MT_OCI_MANIFEST);
    m.artifact_type = rc_xstrdup(RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    struct rc_buf bundle = RC_BUF_INIT(0);
    if ((rc = write_bundle(&bundle, &eff, eff.content, err)) < 0)
        goto out;
    m.config = rc_xcalloc(1, sizeof(*m.config));
    m.layers = rc_xcalloc(1, sizeof(*m.layers));
    m.nlayers = 1;
    if ((rc = add_mem_blob(out, m.config, RC_ARTIFACT_MT_EMPTY, RC_ARTIFACT_EMPTY_JSON, 2, err)) <
            0 ||
        (rc = add_buf_blob(out, &m.layers[0], RC_ARTIFACT_MT_SIGSTORE_BUNDLE, &bundle, err)) < 0)
        goto out;
    m.config->artifact_type = rc_xstrdup(RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    copy_subject(&m, o->subject);
    rc_artifact_annots_set(&m.annotations, "dev.sigstore.bundle.content", eff.content);
    rc_artifact_annots_set(&m.annotations, "dev.sigstore.bundle.predicateType", eff.predicate_type);
    rc_artifact_annots_set(&m.annotations, OCI_CREATED, RC_ARTIFACT_CREATED);
    rc = finish(out, &m, RC_ARTIFACT_MT_OCI_MANIFEST, err);
out:
    rc_artifact_manifest_dispose(&m);
    rc_buf_dispose(&bundle);
    if (rc < 0) {
        rc_artifact_dispose(out);
        return rc_error_prefix(err, "building the sigstore bundle");
    }
    return 0;
}
