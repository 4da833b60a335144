/* Manifests and tags: PUT, GET/HEAD, tagging, deletes and the tags list. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

/* An OCI manifest of exactly size bytes: the empty config (pushed first, so the manifest
 * is valid), no layers, and an annotation of filler characters. */
static int padded_manifest(struct sctx *c, const struct rc_step *st, const char *repo,
                           uint64_t size, char **out)
{
    struct rc_blob_src cfg;
    rc_artifact_blob_mem(&cfg, RC_ARTIFACT_EMPTY_JSON, 2);
    struct rc_upload_opts uo = {.mode = RC_UPLOAD_POST_PUT};
    struct rc_http_response r;
    rc_http_response_init(&r);
    int stop = step_upload(c, st, repo, RC_ARTIFACT_EMPTY_DIGEST, &cfg, &uo, "config upload", &r);
    rc_artifact_blob_dispose(&cfg);
    if (stop) {
        sctx_set_last(c, &r);
        return 1;
    }
    rc_http_response_dispose(&r);
    const char *head = "{\"annotations\":{\"io.regcompat.padding\":\"";
    const char *tail = "\"},\"config\":{\"digest\":\"" RC_ARTIFACT_EMPTY_DIGEST
                       "\",\"mediaType\":\"" RC_ARTIFACT_MT_EMPTY
                       "\",\"size\":2},\"layers\":[],\"mediaType\":\"" RC_MT_OCI_MANIFEST
                       "\",\"schemaVersion\":2}";
    size_t fixed = strlen(head) + strlen(tail);
    if (size < fixed || size > 64 * RC_MIB) {
        judge_suite(c, "put-manifest size must be between %zu bytes and 64 MiB", fixed);
        return 1;
    }
    size_t pad = (size_t)size - fixed;
    char *m = rc_xmalloc((size_t)size + 1);
    memcpy(m, head, strlen(head));
    memset(m + strlen(head), 'x', pad);
    memcpy(m + strlen(head) + pad, tail, strlen(tail) + 1);
    *out = m;
    return 0;
}

/* A descriptor of a saved object: a push-blob or put-manifest (its {NAME.digest}, .size,
 * .media_type) or a push-artifact. 1 = a suite error, decided. */
static int saved_desc(struct sctx *c, const char *name, const char *dflt_type,
                      struct rc_artifact_desc *out)
{
    memset(out, 0, sizeof(*out));
    struct saved_artifact *sa = sctx_artifact(c, name);
    if (sa) {
        rc_artifact_desc_of(out, &sa->art);
        return 0;
    }
    rc_autofree char *dk = rc_fmt("%s.digest", name);
    rc_autofree char *sk = rc_fmt("%s.size", name);
    rc_autofree char *mk = rc_fmt("%s.media_type", name);
    const char *d = sctx_var(c, dk), *sz = sctx_var(c, sk), *mt = sctx_var(c, mk);
    if (!d || !*d || !sz || !*sz)
        return judge_suite(c, "manifest: '%s' names nothing saved with a digest and size", name);
    out->digest = rc_xstrdup(d);
    out->size = strtoll(sz, NULL, 10);
    out->media_type = rc_xstrdup(dflt_type ? dflt_type : mt);
    return 0;
}

static void write_desc(struct rc_jw *w, const char *key, const struct rc_artifact_desc *d)
{
    if (key)
        rc_jw_key(w, key);
    rc_jw_obj_begin(w);
    rc_jw_kstr(w, "mediaType", d->media_type);
    rc_jw_kstr(w, "digest", d->digest);
    rc_jw_key(w, "size");
    rc_jw_int(w, d->size);
    rc_jw_obj_end(w);
}

static const char *entry1(const struct rc_arg *a, const char *key)
{
    const struct rc_map_entry *e = rc_map_get(a, key);
    return e && e->values.n ? e->values.v[0] : NULL;
}

/* The declarative manifest: an OCI image manifest in canonical JSON built from saved blobs,
 * so that no suite carries a hand-computed digest. 1 = a suite error, decided. */
static int declared_manifest(struct sctx *c, const struct rc_arg *a, char **out)
{
    const char *cfg = entry1(a, "config");
    const char *ctype = entry1(a, "config_type");
    const char *ltype = entry1(a, "layer_type");
    const char *at = entry1(a, "artifact_type");
    const char *subj = entry1(a, "subject");
    const char *mtf = entry1(a, "media_type_field");
    const struct rc_map_entry *layers = rc_map_get(a, "layers");
    for (size_t i = 0; i < a->nmap; i++) {
        static const char *const keys[] = {"config",          "config_type",   "layers",
                                           "layer_type",      "artifact_type", "subject",
                                           "media_type_field"};
        bool known = false;
        for (size_t k = 0; k < RC_ARRAY_LEN(keys); k++)
            known |= rc_str_eq(keys[k], a->map[i].key);
        if (!known)
            return judge_suite(c, "manifest: unknown key '%s'", a->map[i].key);
    }
    struct rc_artifact_desc d = {0};
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, false);
    rc_jw_obj_begin(&w);
    rc_jw_kint(&w, "schemaVersion", 2);
    if (!mtf || !rc_str_eq(mtf, "false"))
        rc_jw_kstr(&w, "mediaType", RC_MT_OCI_MANIFEST);
    if (at) {
        rc_autofree char *v = sctx_subst(c, at);
        rc_jw_kstr(&w, "artifactType", v);
    }
    int stop = 0;
    if (!cfg || rc_str_eq(cfg, "empty")) {
        d.media_type = rc_xstrdup(RC_ARTIFACT_MT_EMPTY);
        d.digest = rc_xstrdup(RC_ARTIFACT_EMPTY_DIGEST);
        d.size = 2;
    } else {
        stop = saved_desc(c, cfg, ctype ? ctype : RC_ARTIFACT_MT_OCI_CONFIG, &d);
    }
    if (!stop)
        write_desc(&w, "config", &d);
    rc_artifact_desc_dispose(&d);
    rc_jw_key(&w, "layers");
    rc_jw_arr_begin(&w);
    for (size_t i = 0; !stop && layers && i < layers->values.n; i++) {
        stop = saved_desc(c, layers->values.v[i], ltype ? ltype : RC_ARTIFACT_MT_OCI_LAYER_TAR, &d);
        if (!stop)
            write_desc(&w, NULL, &d);
        rc_artifact_desc_dispose(&d);
    }
    rc_jw_arr_end(&w);
    if (!stop && subj) {
        stop = saved_desc(c, subj, NULL, &d);
        if (!stop)
            write_desc(&w, "subject", &d);
        rc_artifact_desc_dispose(&d);
    }
    rc_jw_key(&w, "annotations");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "io.regcompat.run", c->w->run_id);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    struct rc_error *err = NULL;
    if (!stop && rc_jw_finish(&w, &err) < 0) {
        stop = judge_suite(c, "manifest: %s", rc_error_msg(err));
        rc_error_free(err);
    }
    if (stop) {
        rc_buf_dispose(&b);
        return 1;
    }
    *out = rc_buf_steal(&b, NULL);
    return 0;
}

int op_put_manifest(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    const char *by_digest = rc_step_str(st, "ref_digest");
    if (by_digest)
        repo = rc_xstrdup(ref); /* the reference is the body's digest, known below */
    else if (step_split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *body = step_arg(c, st, "body");
    rc_autofree char *mt = step_arg(c, st, "media_type");
    const char *from = rc_step_str(st, "from");
    const struct rc_arg *size = rc_step_arg(st, "size");
    const struct rc_arg *decl = rc_step_arg(st, "manifest");
    rc_autofree char *generated = NULL;
    if (decl && !body && !from) {
        if (declared_manifest(c, decl, &generated))
            return 1;
        body = rc_steal(&generated);
    } else if (size && !body && !from) {
        if (padded_manifest(c, st, repo, (uint64_t)size->num, &generated))
            return 1;
        body = rc_steal(&generated);
    }
    const char *bytes = body;
    size_t len = body ? strlen(body) : 0;
    const char *ctype = mt ? mt : RC_MT_OCI_MANIFEST;
    if (from) {
        struct saved_artifact *sa = sctx_artifact(c, from);
        if (!sa) {
            judge_suite(c, "from '%s' names no pushed artifact", from);
            return 1;
        }
        bytes = sa->art.manifest;
        len = sa->art.manifest_len;
        ctype = mt ? mt : sa->art.media_type;
    }
    char digest[RC_DIGEST_MAX], own[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, bytes ? bytes : "", len, digest);
    rc_digest_bytes(by_digest && rc_str_eq(by_digest, "sha512") ? RC_DIGEST_SHA512
                                                                : RC_DIGEST_SHA256,
                    bytes ? bytes : "", len, own);
    if (by_digest)
        reference = rc_xstrdup(own);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_put(&c->w->oci, repo, reference, ctype, bytes, len, &r, &err);
    /* any answer: a registry may store what it refused (Distribution 2.8.2 keeps a manifest
     * PUT under a malformed digest and answers 500); cleanup deletes what is there */
    if (rc == 0)
        sctx_track(c, repo, own, true);
    step_save(c, st, "digest", own);
    step_save(c, st, "sha256", digest);
    step_save_u64(c, st, "size", len);
    step_save(c, st, "media_type", ctype);
    return step_finish(c, st, "manifest PUT", rc, err, &r);
}

int op_get_manifest(struct sctx *c, const struct rc_step *st)
{
    bool head = st->def->op == RC_OP_HEAD_MANIFEST;
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *acc_arg = step_arg(c, st, "accept");
    rc_autofree char *accept = step_accept(acc_arg ? acc_arg : "all");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, reference, head, accept, &r, &err);
    if (rc == 0) {
        const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
        step_save(c, st, "digest", head ? (dcd ? dcd : "") : r.body_digest);
        step_save_u64(c, st, "size", r.body_bytes);
        step_save(c, st, "media_type", rc_http_headers_get(&r.headers, "Content-Type"));
    }
    return step_finish(c, st, head ? "manifest HEAD" : "manifest GET", rc, err, &r);
}

/* The manifest this scenario itself pushed to repo with that digest (saved by a push-artifact
 * step and tracked as created there), or NULL. */
static const struct rc_artifact *own_manifest(struct sctx *c, const char *repo, const char *digest)
{
    const struct created *cr = sctx_created(c, repo, digest);
    for (size_t i = 0; cr && cr->manifest && i < c->narts; i++)
        if (rc_str_eq(c->arts[i].art.digest, digest))
            return &c->arts[i].art;
    return NULL;
}

/* Tags a manifest as clients do: GET it, PUT the same bytes under the new tag. A setup step
 * that tags a manifest the scenario pushed itself sends its known bytes without the GET:
 * that answer would judge nothing the push did not (and registries that bill pulls count
 * every manifest GET). */
int op_tag(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *tag = step_arg(c, st, "tag");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference))
        return 1;
    const struct rc_artifact *own =
        st->role == RC_ROLE_PRECONDITION ? own_manifest(c, repo, reference) : NULL;
    struct rc_http_response g;
    rc_http_response_init(&g);
    struct rc_error *err = NULL;
    int rc = 0;
    if (own) {
        rc_buf_add(&g.body, own->manifest, own->manifest_len);
        snprintf(g.body_digest, sizeof(g.body_digest), "%s", own->digest);
        rc_http_headers_add(&g.headers, "Content-Type", own->media_type);
    } else {
        rc_autofree char *accept = step_accept("all");
        rc = rc_oci_manifest_get(&c->w->oci, repo, reference, false, accept, &g, &err);
        if (rc < 0) {
            rc_http_response_dispose(&g);
            return judge_transport(c, "manifest GET", rc, err);
        }
        if (g.status != 200) {
            judge_unexpected(c, st, "manifest GET (to tag it)", &g, "200");
            sctx_set_last(c, &g);
            return 1;
        }
    }
    const char *ct = rc_http_headers_get(&g.headers, "Content-Type");
    rc_autofree char *ctype = rc_xstrdup(ct ? ct : RC_MT_OCI_MANIFEST);
    struct rc_http_response p;
    rc_http_response_init(&p);
    rc = rc_oci_manifest_put(&c->w->oci, repo, tag, ctype, g.body.data, g.body.len, &p, &err);
    step_save(c, st, "digest", g.body_digest);
    step_save_u64(c, st, "size", g.body.len);
    step_save(c, st, "media_type", ctype);
    if (rc == 0 && p.status / 100 == 2)
        sctx_track(c, repo, g.body_digest, true);
    rc_http_response_dispose(&g);
    return step_finish(c, st, "manifest PUT (new tag)", rc, err, &p);
}

int op_delete_manifest(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference))
        return 1;
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_delete(&c->w->oci, repo, reference, &r, &err);
    if (rc == 0 && r.status == 202)
        sctx_untrack(c, repo, reference);
    return step_finish(c, st, "manifest DELETE", rc, err, &r);
}

int op_delete_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *digest = step_arg(c, st, "digest");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_delete(&c->w->oci, repo, digest, &r, &err);
    if (rc == 0 && r.status == 202)
        sctx_untrack(c, repo, digest);
    return step_finish(c, st, "blob DELETE", rc, err, &r);
}

int op_list_tags(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *last = step_arg(c, st, "last");
    long n = (long)step_num(st, "n", -1);
    bool follow = step_num(st, "follow", 1) != 0;
    rc_strv_dispose(&c->tags);
    c->tags_listed = false;
    char *next = NULL;
    unsigned pages = 0;
    RC_CLEANUP(rc_strv_dispose) struct rc_strv seen = {0};
    for (;;) {
        struct rc_http_response r;
        rc_http_response_init(&r);
        struct rc_error *err = NULL;
        int rc = rc_oci_tags_list(&c->w->oci, repo, n, last, next, &r, &err);
        free(next);
        next = NULL;
        if (rc < 0) {
            rc_http_response_dispose(&r);
            return judge_transport(c, "tags list GET", rc, err);
        }
        pages++;
        if (r.status != 200) {
            step_save_u64(c, st, "pages", pages);
            return step_finish(c, st, "tags list GET", rc, err, &r);
        }
        struct rc_json *j = NULL;
        if (rc_json_parse(&j, r.body.data ? r.body.data : "", r.body.len, &err) < 0) {
            judge_wrong(c, "tags list: body is not JSON: %s", rc_error_msg(err));
            rc_error_free(err);
            sctx_set_last(c, &r);
            return 1;
        }
        const struct rc_json *tags = rc_json_get(j, "tags");
        if (rc_json_type(tags) == RC_JSON_ARRAY) {
            for (size_t i = 0; i < rc_json_len(tags); i++) {
                const char *t = rc_json_str(rc_json_at(tags, i));
                if (t)
                    rc_strv_push(&c->tags, t);
            }
        } else if (rc_json_type(tags) == RC_JSON_NULL) {
            if (tags)
                sctx_add_note(c, "tags list answered \"tags\": null");
        } else {
            judge_wrong(c, "tags list: \"tags\" is %s, not an array",
                        rc_json_type_name(rc_json_type(tags)));
            rc_json_free(j);
            sctx_set_last(c, &r);
            return 1;
        }
        rc_json_free(j);
        bool loop = false;
        next = follow ? rc_oci_next_page(&r, &seen, &loop) : NULL;
        sctx_set_last(c, &r);
        if (loop) {
            judge_wrong(c, "tags list: Link rel=next points back to a page already read");
            return 1;
        }
        if (!next)
            break;
        if (pages >= MAX_TAG_PAGES) {
            free(next);
            judge_wrong(c, "tags list: still a Link rel=next after %u pages", pages);
            return 1;
        }
    }
    c->tags_listed = true;
    step_save_u64(c, st, "count", c->tags.n);
    step_save_u64(c, st, "pages", pages);
    step_save_answer(c, st, &c->last);
    return 0;
}
