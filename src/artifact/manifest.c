/* Annotations, descriptors, and manifests / indexes as typed values: the canonical writer,
 * the parser the puller verifies with, and the built-artifact container. */
#include "artifact/artifact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

#include "base/banned.h"

/* ---- annotations ----------------------------------------------------------------------- */

static struct rc_artifact_annot *annots_find(const struct rc_artifact_annots *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].key, key) == 0)
            return &a->v[i];
    return NULL;
}

void rc_artifact_annots_set(struct rc_artifact_annots *a, const char *key, const char *value)
{
    struct rc_artifact_annot *e = annots_find(a, key);
    if (e) {
        char *v = rc_xstrdup(value ? value : "");
        free(e->value);
        e->value = v;
        return;
    }
    struct rc_artifact_annot item = {rc_xstrdup(key), rc_xstrdup(value ? value : "")};
    RC_PUSH(a->v, a->n, a->cap, item);
}

const char *rc_artifact_annots_get(const struct rc_artifact_annots *a, const char *key)
{
    const struct rc_artifact_annot *e = annots_find(a, key);
    return e ? e->value : NULL;
}

void rc_artifact_annots_copy(struct rc_artifact_annots *out, const struct rc_artifact_annots *src)
{
    memset(out, 0, sizeof(*out));
    if (!src)
        return;
    for (size_t i = 0; i < src->n; i++)
        rc_artifact_annots_set(out, src->v[i].key, src->v[i].value);
}

void rc_artifact_annots_dispose(struct rc_artifact_annots *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].key);
        free(a->v[i].value);
    }
    free(a->v);
    memset(a, 0, sizeof(*a));
}

/* ---- descriptors ----------------------------------------------------------------------- */

void rc_artifact_desc_init(struct rc_artifact_desc *d, const char *media_type, const char *digest,
                           int64_t size)
{
    memset(d, 0, sizeof(*d));
    d->media_type = rc_xstrdup(media_type);
    d->digest = rc_xstrdup(digest);
    d->size = size;
}

void rc_artifact_desc_copy(struct rc_artifact_desc *out, const struct rc_artifact_desc *src)
{
    rc_artifact_desc_init(out, src->media_type, src->digest, src->size);
    out->artifact_type = rc_xstrdup(src->artifact_type);
    out->data = rc_xstrdup(src->data);
    rc_artifact_annots_copy(&out->annotations, &src->annotations);
}

void rc_artifact_desc_dispose(struct rc_artifact_desc *d)
{
    if (!d)
        return;
    free(d->media_type);
    free(d->digest);
    free(d->artifact_type);
    free(d->data);
    rc_artifact_annots_dispose(&d->annotations);
    memset(d, 0, sizeof(*d));
}

/* ---- writer ---------------------------------------------------------------------------- */

static int annot_cmp(const void *a, const void *b)
{
    const struct rc_artifact_annot *x = *(const struct rc_artifact_annot *const *)a;
    const struct rc_artifact_annot *y = *(const struct rc_artifact_annot *const *)b;
    return strcmp(x->key, y->key);
}

static void write_annots(struct rc_jw *w, const struct rc_artifact_annots *a)
{
    const struct rc_artifact_annot **sorted = rc_xcalloc(a->n ? a->n : 1, sizeof(*sorted));
    for (size_t i = 0; i < a->n; i++)
        sorted[i] = &a->v[i];
    qsort(sorted, a->n, sizeof(*sorted), annot_cmp);
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < a->n; i++)
        rc_jw_kstr(w, sorted[i]->key, sorted[i]->value);
    rc_jw_obj_end(w);
    free(sorted);
}

/* Keys in byte order: annotations, artifactType, data, digest, mediaType, size. */
static void write_desc(struct rc_jw *w, const struct rc_artifact_desc *d)
{
    rc_jw_obj_begin(w);
    if (d->annotations.n) {
        rc_jw_key(w, "annotations");
        write_annots(w, &d->annotations);
    }
    if (d->artifact_type)
        rc_jw_kstr(w, "artifactType", d->artifact_type);
    if (d->data)
        rc_jw_kstr(w, "data", d->data);
    rc_jw_kstr(w, "digest", d->digest);
    rc_jw_kstr(w, "mediaType", d->media_type);
    rc_jw_kint(w, "size", d->size);
    rc_jw_obj_end(w);
}

static void write_desc_array(struct rc_jw *w, const char *key, const struct rc_artifact_desc *v,
                             size_t n)
{
    rc_jw_key(w, key);
    rc_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        write_desc(w, &v[i]);
    rc_jw_arr_end(w);
}

/* Keys in byte order: annotations, artifactType, config, layers, manifests, mediaType,
 * schemaVersion, subject. */
int rc_artifact_manifest_write(struct rc_buf *out, const struct rc_artifact_manifest *m,
                               struct rc_error **err)
{
    struct rc_jw w;
    rc_jw_init(&w, out, false);
    rc_jw_obj_begin(&w);
    if (m->annotations.n) {
        rc_jw_key(&w, "annotations");
        write_annots(&w, &m->annotations);
    }
    if (m->artifact_type)
        rc_jw_kstr(&w, "artifactType", m->artifact_type);
    if (!m->is_index) {
        if (m->config) {
            rc_jw_key(&w, "config");
            write_desc(&w, m->config);
        }
        write_desc_array(&w, "layers", m->layers, m->nlayers);
    } else {
        write_desc_array(&w, "manifests", m->manifests, m->nmanifests);
    }
    if (m->media_type)
        rc_jw_kstr(&w, "mediaType", m->media_type);
    if (m->schema_version >= 0)
        rc_jw_kint(&w, "schemaVersion", m->schema_version);
    if (m->subject) {
        rc_jw_key(&w, "subject");
        write_desc(&w, m->subject);
    }
    rc_jw_obj_end(&w);
    int rc = rc_jw_finish(&w, err);
    if (rc < 0)
        return rc_error_prefix(err, "writing manifest");
    return 0;
}

/* ---- parser ---------------------------------------------------------------------------- */

/* An optional string member: absent is fine, another type is an error. */
static int opt_str(char **out, const struct rc_json *obj, const char *key, const char *where,
                   struct rc_error **err)
{
    const struct rc_json *v = rc_json_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (rc_json_type(v) != RC_JSON_STRING)
        return rc_error_set(err, RC_EPARSE, "%s%s%s: expected a string, got %s", where,
                            *where ? "." : "", key, rc_json_type_name(rc_json_type(v)));
    *out = rc_xstrdup(rc_json_str(v));
    return 0;
}

static int parse_annots(struct rc_artifact_annots *out, const struct rc_json *obj,
                        const char *where, struct rc_error **err)
{
    const struct rc_json *a = rc_json_get(obj, "annotations");
    if (!a)
        return 0;
    const char *dot = *where ? "." : "";
    if (rc_json_type(a) != RC_JSON_OBJECT)
        return rc_error_set(err, RC_EPARSE, "%s%sannotations: expected an object, got %s", where,
                            dot, rc_json_type_name(rc_json_type(a)));
    for (size_t i = 0; i < rc_json_len(a); i++) {
        const char *key = rc_json_key_at(a, i);
        const struct rc_json *v = rc_json_at(a, i);
        if (rc_json_type(v) != RC_JSON_STRING)
            return rc_error_set(err, RC_EPARSE, "%s%sannotations.%s: expected a string, got %s",
                                where, dot, key, rc_json_type_name(rc_json_type(v)));
        if (!rc_artifact_annots_get(out, key)) /* the first of duplicated keys wins */
            rc_artifact_annots_set(out, key, rc_json_str(v));
    }
    return 0;
}

static int parse_desc(struct rc_artifact_desc *out, const struct rc_json *j, const char *where,
                      struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    if (rc_json_type(j) != RC_JSON_OBJECT)
        return rc_error_set(err, RC_EPARSE, "%s: expected an object, got %s", where,
                            rc_json_type_name(rc_json_type(j)));
    int rc;
    if ((rc = opt_str(&out->media_type, j, "mediaType", where, err)) < 0 ||
        (rc = opt_str(&out->digest, j, "digest", where, err)) < 0 ||
        (rc = opt_str(&out->artifact_type, j, "artifactType", where, err)) < 0 ||
        (rc = opt_str(&out->data, j, "data", where, err)) < 0 ||
        (rc = parse_annots(&out->annotations, j, where, err)) < 0)
        return rc;
    if (!out->media_type)
        return rc_error_set(err, RC_EPARSE, "%s.mediaType: missing", where);
    if (!out->digest)
        return rc_error_set(err, RC_EPARSE, "%s.digest: missing", where);
    if (!rc_digest_valid(out->digest))
        return rc_error_set(err, RC_EPARSE, "%s.digest: invalid digest \"%s\"", where, out->digest);
    const struct rc_json *size = rc_json_get(j, "size");
    if (!size)
        return rc_error_set(err, RC_EPARSE, "%s.size: missing", where);
    if (!rc_json_int(size, &out->size) || out->size < 0)
        return rc_error_set(err, RC_EPARSE, "%s.size: expected a non-negative integer", where);
    return 0;
}

static int parse_desc_array(struct rc_artifact_desc **out, size_t *n, const struct rc_json *root,
                            const char *key, struct rc_error **err)
{
    const struct rc_json *arr = rc_json_get(root, key);
    if (!arr)
        return 0;
    if (rc_json_type(arr) != RC_JSON_ARRAY)
        return rc_error_set(err, RC_EPARSE, "%s: expected an array, got %s", key,
                            rc_json_type_name(rc_json_type(arr)));
    size_t len = rc_json_len(arr);
    *out = rc_xcalloc(len ? len : 1, sizeof(**out));
    for (size_t i = 0; i < len; i++) {
        char where[64];
        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        *n = i + 1; /* so that dispose frees what was filled */
        int rc = parse_desc(&(*out)[i], rc_json_at(arr, i), where, err);
        if (rc < 0)
            return rc;
    }
    *n = len;
    return 0;
}

static int parse_manifest(struct rc_artifact_manifest *m, const struct rc_json *root,
                          struct rc_error **err)
{
    if (rc_json_type(root) != RC_JSON_OBJECT)
        return rc_error_set(err, RC_EPARSE, "manifest: expected an object, got %s",
                            rc_json_type_name(rc_json_type(root)));
    int rc;
    const struct rc_json *sv = rc_json_get(root, "schemaVersion");
    if (sv && !rc_json_int(sv, &m->schema_version))
        return rc_error_set(err, RC_EPARSE, "schemaVersion: expected an integer, got %s",
                            rc_json_type_name(rc_json_type(sv)));
    if ((rc = opt_str(&m->media_type, root, "mediaType", "", err)) < 0 ||
        (rc = opt_str(&m->artifact_type, root, "artifactType", "", err)) < 0 ||
        (rc = parse_annots(&m->annotations, root, "", err)) < 0)
        return rc;
    m->is_index =
        rc_json_get(root, "manifests") != NULL ||
        rc_str_eq(m->media_type, RC_ARTIFACT_MT_OCI_INDEX) ||
        rc_str_eq(m->media_type, "application/vnd.docker.distribution.manifest.list.v2+json");
    const struct rc_json *cfg = rc_json_get(root, "config");
    if (cfg) {
        m->config = rc_xcalloc(1, sizeof(*m->config));
        if ((rc = parse_desc(m->config, cfg, "config", err)) < 0)
            return rc;
    }
    if ((rc = parse_desc_array(&m->layers, &m->nlayers, root, "layers", err)) < 0 ||
        (rc = parse_desc_array(&m->manifests, &m->nmanifests, root, "manifests", err)) < 0)
        return rc;
    const struct rc_json *subj = rc_json_get(root, "subject");
    if (subj) {
        m->subject = rc_xcalloc(1, sizeof(*m->subject));
        if ((rc = parse_desc(m->subject, subj, "subject", err)) < 0)
            return rc;
    }
    return 0;
}

int rc_artifact_manifest_parse(struct rc_artifact_manifest *out, const char *bytes, size_t len,
                               struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    out->schema_version = -1;
    struct rc_json *root = NULL;
    int rc = rc_json_parse(&root, bytes, len, err);
    if (rc < 0)
        return rc_error_prefix(err, "parsing manifest");
    rc = parse_manifest(out, root, err);
    rc_json_free(root);
    if (rc < 0) {
        rc_artifact_manifest_dispose(out);
        out->schema_version = -1;
        return rc_error_prefix(err, "parsing manifest");
    }
    return 0;
}

static void desc_array_free(struct rc_artifact_desc *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rc_artifact_desc_dispose(&v[i]);
    free(v);
}

void rc_artifact_manifest_dispose(struct rc_artifact_manifest *m)
{
    if (!m)
        return;
    free(m->media_type);
    free(m->artifact_type);
    rc_artifact_desc_dispose(m->config);
    free(m->config);
    desc_array_free(m->layers, m->nlayers);
    desc_array_free(m->manifests, m->nmanifests);
    rc_artifact_desc_dispose(m->subject);
    free(m->subject);
    rc_artifact_annots_dispose(&m->annotations);
    memset(m, 0, sizeof(*m));
}

int rc_artifact_check_policy(const struct rc_artifact_manifest *m, struct rc_error **err)
{
    if (m->is_index)
        return rc_error_set(err, RC_EPROTO, "an image index, not a policy manifest");
    if (m->nlayers == 0)
        return rc_error_set(err, RC_EPROTO, "the manifest has no layers");
    for (size_t i = 0; i < m->nlayers; i++)
        if (!rc_str_eq(m->layers[i].media_type, RC_ARTIFACT_MT_WASM_LAYER_V1))
            return rc_error_set(err, RC_EPROTO, "layers[%zu] has media type %s, not %s", i,
                                m->layers[i].media_type, RC_ARTIFACT_MT_WASM_LAYER_V1);
    return 0;
}

int rc_artifact_referrer_entry(struct rc_artifact_desc *out, const char *content_type,
                               const char *bytes, size_t len, struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_artifact_manifest m;
    int rc = rc_artifact_manifest_parse(&m, bytes, len, err);
    if (rc < 0)
        return rc;
    char digest[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, bytes, len, digest);
    rc_artifact_desc_init(out, m.media_type ? m.media_type : content_type, digest, (int64_t)len);
    if (m.artifact_type)
        out->artifact_type = rc_xstrdup(m.artifact_type);
    else if (m.config)
        out->artifact_type = rc_xstrdup(m.config->media_type);
    rc_artifact_annots_copy(&out->annotations, &m.annotations);
    rc_artifact_manifest_dispose(&m);
    if (!out->media_type) {
        rc_artifact_desc_dispose(out);
        return rc_error_set(err, RC_EINVAL, "referrer entry: no media type for the manifest");
    }
    return 0;
}

/* ---- built artifacts ------------------------------------------------------------------- */

void rc_artifact_dispose(struct rc_artifact *a)
{
    if (!a)
        return;
    free(a->manifest);
    free(a->media_type);
    for (size_t i = 0; i < a->nblobs; i++) {
        rc_artifact_desc_dispose(&a->blobs[i].desc);
        rc_artifact_blob_dispose(&a->blobs[i].src);
    }
    free(a->blobs);
    memset(a, 0, sizeof(*a));
}

void rc_artifact_desc_of(struct rc_artifact_desc *out, const struct rc_artifact *a)
{
    rc_artifact_desc_init(out, a->media_type, a->digest, (int64_t)a->manifest_len);
}

const struct rc_artifact_blob *rc_artifact_find_blob(const struct rc_artifact *a,
                                                     const char *digest)
{
    for (size_t i = 0; i < a->nblobs; i++)
        if (rc_str_eq(a->blobs[i].desc.digest, digest))
            return &a->blobs[i];
    return NULL;
}
