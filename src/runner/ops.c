/* The operations a step can run. Each reads its arguments (variables substituted), talks to
 * the registry through the oci module, keeps the last answer for `expect`, saves values, and
 * decides the scenario's status only when the answer makes going on pointless. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/internal.h"

#include "base/banned.h"

#define DEFAULT_BLOB_SIZE  4096
#define DEFAULT_LAYER_SIZE (64 * 1024)
#define MAX_TAG_PAGES      1000

static char *arg(struct sctx *c, const struct rc_step *st, const char *key)
{
    return sctx_subst(c, rc_step_str(st, key));
}

static int64_t arg_num(const struct rc_step *st, const char *key, int64_t dflt)
{
    const struct rc_arg *a = rc_step_arg(st, key);
    return a ? a->num : dflt;
}

static const char *save_name(const struct rc_step *st)
{
    return rc_step_str(st, "save");
}

static void save(struct sctx *c, const struct rc_step *st, const char *field, const char *v)
{
    sctx_set_var(c, save_name(st), field, v);
}

static void save_u64(struct sctx *c, const struct rc_step *st, const char *field, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRIu64, v);
    save(c, st, field, b);
}

static void save_answer(struct sctx *c, const struct rc_step *st, const struct rc_http_response *r)
{
    save_u64(c, st, "status", (uint64_t)r->status);
    char *loc = rc_oci_location(r);
    save(c, st, "location", loc);
    free(loc);
}

static char *resolve_accept(const char *a)
{
    if (!a || rc_str_eq(a, "kwctl"))
        return rc_xstrdup(RC_ACCEPT_KWCTL);
    if (rc_str_eq(a, "oci"))
        return rc_xstrdup(RC_MT_OCI_MANIFEST ", " RC_MT_OCI_INDEX);
    if (rc_str_eq(a, "all"))
        return rc_xstrdup(RC_MT_OCI_MANIFEST ", " RC_MT_OCI_INDEX ", " RC_MT_DOCKER_MANIFEST
                                             ", " RC_MT_DOCKER_LIST);
    if (rc_str_eq(a, "none"))
        return NULL;
    return rc_xstrdup(a);
}

/* Splits a reference argument; an error decides the scenario (a suite bug: error). */
static int split(struct sctx *c, const char *ref, char **repo, char **reference)
{
    struct rc_error *err = NULL;
    if (rc_oci_split_ref(ref, repo, reference, &err) < 0 || !*reference) {
        sctx_decide(c, RC_ST_ERROR, "bad reference '%s' in the suite", ref);
        rc_error_free(err);
        return 1;
    }
    return 0;
}

static void body_source(struct rc_http_body_source *out, struct rc_blob_src *b)
{
    out->read = b->read;
    out->rewind = b->rewind;
    out->ctx = b->ctx;
    out->length = b->length;
}

/* ---- push ------------------------------------------------------------------------------ */

static int upload_opts_from(struct sctx *c, const struct rc_step *st, const char *dflt,
                            struct rc_upload_opts *o)
{
    rc_autofree char *mode = arg(c, st, "mode");
    const char *m = mode ? mode : dflt;
    memset(o, 0, sizeof(*o));
    if (rc_str_eq(m, "kwctl")) {
        o->mode = RC_UPLOAD_CHUNKED;
        o->chunk_size = 4 * RC_MIB;
    } else if (!rc_upload_mode_parse(m, &o->mode)) {
        sctx_decide(c, RC_ST_ERROR, "unknown upload mode '%s' in the suite", m);
        return 1;
    }
    o->chunk_size =
        (uint64_t)arg_num(st, "chunk", (int64_t)(o->chunk_size ? o->chunk_size : 4 * RC_MIB));
    o->honour_min_chunk = arg_num(st, "min_chunk", !rc_str_eq(m, "kwctl")) != 0;
    o->bytes_prefix = arg_num(st, "bytes_prefix", 0) != 0;
    return 0;
}

/* Uploads one blob; decides the scenario when the sequence did not complete. */
static int upload(struct sctx *c, const struct rc_step *st, const char *repo, const char *digest,
                  struct rc_blob_src *blob, const struct rc_upload_opts *o, const char *what,
                  struct rc_http_response *resp)
{
    struct rc_http_body_source src;
    body_source(&src, blob);
    struct rc_upload_result res = {0};
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_upload(&c->w->oci, repo, digest, &src, o, &res, resp, &err);
    if (rc < 0) {
        rc_upload_result_dispose(&res);
        return sctx_transport_error(c, what, rc, err);
    }
    if (res.failed_at) {
        char *w = rc_fmt("%s: %s", what, res.failed_at);
        char exp[16];
        snprintf(exp, sizeof(exp), "%ld", res.expected_status);
        sctx_unexpected(c, st, w, resp, exp);
        if (res.deviation[0])
            sctx_add_note(c, "%s", res.deviation);
        free(w);
        rc_upload_result_dispose(&res);
        return 1;
    }
    sctx_track(c, repo, digest, false);
    if (res.refused_chunk) {
        c->fallback = true;
        sctx_add_note(c,
                      "%s: a %" PRIu64 "-byte PATCH was refused with 413; the upload went through "
                      "in %" PRIu64 "-byte chunks%s",
                      what, res.refused_chunk, res.chunk_used,
                      o->chunk_size == 4 * RC_MIB ? " (kwctl always sends 4 MiB chunks)" : "");
    }
    if (res.deviation[0])
        sctx_add_note(c, "%s: %s", what, res.deviation);
    if (res.single_post_declined)
        save(c, st, "single_post", "declined");
    rc_upload_result_dispose(&res);
    return 0;
}

static int build_artifact(struct sctx *c, const struct rc_step *st, struct rc_artifact *out)
{
    rc_autofree char *kind = arg(c, st, "artifact");
    rc_autofree char *seed = arg(c, st, "seed");
    rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "");
    uint64_t size = (uint64_t)arg_num(st, "size", 0);
    struct rc_error *err = NULL;
    int rc;
    struct rc_artifact_desc subject = {0};
    const char *subj_name = rc_step_str(st, "subject");
    if (subj_name) {
        struct saved_artifact *sa = sctx_artifact(c, subj_name);
        if (!sa) {
            sctx_decide(c, RC_ST_ERROR, "subject '%s' names no pushed artifact", subj_name);
            return 1;
        }
        rc_artifact_desc_of(&subject, &sa->art);
    }
    if (rc_str_eq(kind, "kubewarden-policy")) {
        struct rc_artifact_policy_opts o = {.salt = salt, .wasm_size = size};
        rc = rc_artifact_build_policy(out, &o, &err);
    } else if (rc_str_eq(kind, "cncf-wasm")) {
        struct rc_artifact_cncf_wasm_opts o = {.salt = salt, .wasm_size = size};
        rc = rc_artifact_build_cncf_wasm(out, &o, &err);
    } else if (rc_str_eq(kind, "oci-artifact")) {
        struct rc_artifact_layer_spec layer = {.size = size ? size : DEFAULT_LAYER_SIZE};
        struct rc_artifact_oci_opts o = {.salt = salt,
                                         .artifact_type = "application/vnd.regcompat.test.v1",
                                         .layers = &layer,
                                         .nlayers = 1,
                                         .subject = subj_name ? &subject : NULL};
        rc = rc_artifact_build_oci(out, &o, &err);
    } else if (rc_str_eq(kind, "cosign-signature") && subj_name) {
        rc_autofree char *dref = rc_fmt("%s/%s", c->w->host, c->repo);
        struct rc_artifact_cosign_opts o = {
            .salt = salt, .docker_reference = dref, .manifest_digest = subject.digest};
        rc = rc_artifact_build_cosign(out, &o, &err);
    } else if (rc_str_eq(kind, "sigstore-bundle") && subj_name) {
        struct rc_artifact_bundle_opts o = {.salt = salt, .subject = &subject};
        rc = rc_artifact_build_sigstore_bundle(out, &o, &err);
    } else {
        rc_artifact_desc_dispose(&subject);
        sctx_decide(c, RC_ST_ERROR, "unknown artifact '%s' (or it needs a subject)", kind);
        return 1;
    }
    rc_artifact_desc_dispose(&subject);
    if (rc < 0) {
        sctx_decide(c, RC_ST_ERROR, "building %s: %s", kind, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    return 0;
}

/* Pushes every blob of a built artifact, then its manifest under reference. Returns < 0
 * when the scenario is decided on the way (a blob upload or the transport failed; resp then
 * went to `last`), else 0 with the manifest PUT's answer in resp, whatever its status. */
static int push_built(struct sctx *c, const struct rc_step *st, const char *repo,
                      const char *reference, const struct rc_artifact *art,
                      const struct rc_upload_opts *uo, struct rc_http_response *resp)
{
    for (size_t i = 0; i < art->nblobs; i++) {
        struct rc_artifact_blob *b = &art->blobs[i];
        rc_autofree char *what =
            rc_fmt("upload of blob %s (%s)", b->desc.digest, b->desc.media_type);
        rc_http_response_dispose(resp);
        rc_http_response_init(resp);
        if (upload(c, st, repo, b->desc.digest, &b->src, uo, what, resp)) {
            sctx_set_last(c, resp);
            return -1;
        }
    }
    rc_http_response_dispose(resp);
    rc_http_response_init(resp);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_put(&c->w->oci, repo, reference, art->media_type, art->manifest,
                                 art->manifest_len, resp, &err);
    if (rc < 0) {
        sctx_transport_error(c, "manifest PUT", rc, err);
        return -1;
    }
    if (resp->status / 100 == 2)
        sctx_track(c, repo, art->digest, true);
    return 0;
}

static int op_push_artifact(struct sctx *c, const struct rc_step *st)
{
    struct rc_artifact art = {0};
    if (build_artifact(c, st, &art))
        return 1;
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    struct rc_upload_opts uo;
    if (split(c, ref, &repo, &reference) || upload_opts_from(c, st, "kwctl", &uo)) {
        rc_artifact_dispose(&art);
        return 1;
    }
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    if (push_built(c, st, repo, reference, &art, &uo, &resp) < 0) {
        rc_artifact_dispose(&art);
        return 1;
    }
    save_answer(c, st, &resp);
    save(c, st, "digest", art.digest);
    save_u64(c, st, "size", art.manifest_len);
    save(c, st, "media_type", art.media_type);
    save(c, st, "ref", ref);
    save(c, st, "tag", rc_str_starts(reference, "sha") && strchr(reference, ':') ? "" : reference);
    char *loc = rc_oci_location(&resp);
    const char *seg = loc ? strrchr(loc, '/') : NULL;
    save(c, st, "location_digest", seg ? seg + 1 : "");
    free(loc);
    struct rc_error *err = NULL;
    struct rc_artifact_manifest m = {0};
    if (rc_artifact_manifest_parse(&m, art.manifest, art.manifest_len, &err) == 0) {
        if (m.config)
            save(c, st, "config_digest", m.config->digest);
        if (m.nlayers) {
            save(c, st, "layer_digest", m.layers[0].digest);
            save_u64(c, st, "layer_size", (uint64_t)m.layers[0].size);
        }
        save(c, st, "artifact_type",
             m.artifact_type ? m.artifact_type
             : m.config      ? m.config->media_type
                             : "");
    }
    rc_error_free(err);
    rc_artifact_manifest_dispose(&m);
    bool ok = resp.status == 201;
    if (!ok)
        sctx_unexpected(c, st, "manifest PUT", &resp, "201");
    sctx_set_last(c, &resp);
    if (save_name(st)) {
        struct saved_artifact sa = {rc_xstrdup(save_name(st)), art};
        RC_PUSH(c->arts, c->narts, c->caparts, sa);
    } else {
        rc_artifact_dispose(&art);
    }
    return ok ? 0 : 1;
}

/* ---- pull ------------------------------------------------------------------------------ */

static int pull_blob(struct sctx *c, const struct rc_step *st, const char *repo,
                     const struct rc_artifact_desc *d, const struct rc_artifact *expected,
                     bool check_wasm)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_get_sized(&c->w->oci, repo, d->digest, d->size, 4096, &r, &err);
    rc_autofree char *what = rc_fmt("GET blob %s", d->digest);
    int stop = 0;
    if (rc < 0) {
        stop = sctx_transport_error(c, what, rc, err);
    } else if (r.status != 200) {
        stop = sctx_unexpected(c, st, what, &r, "200");
    } else if (r.body_overflow) {
        sctx_decide(c, RC_ST_FAIL,
                    "%s: the body goes on past the %" PRId64 " bytes the manifest gives as its "
                    "size (cut there)",
                    what, d->size);
        stop = 1;
    } else if (!rc_str_eq(r.body_digest, d->digest) && rc_str_starts(d->digest, "sha256:")) {
        sctx_decide(c, RC_ST_FAIL, "%s: content hashes to %s", what, r.body_digest);
        stop = 1;
    } else if (d->size >= 0 && r.body_bytes != (uint64_t)d->size) {
        sctx_decide(c, RC_ST_FAIL, "%s: %" PRIu64 " bytes, the manifest says %" PRId64, what,
                    r.body_bytes, d->size);
        stop = 1;
    } else if (check_wasm && (r.body.len < 4 || memcmp(r.body.data, "\0asm", 4) != 0)) {
        sctx_decide(c, RC_ST_FAIL, "%s: the wasm layer does not start with \\0asm", what);
        stop = 1;
    } else if (expected && !rc_artifact_find_blob(expected, d->digest)) {
        sctx_decide(c, RC_ST_FAIL, "%s: not a blob of the pushed artifact", what);
        stop = 1;
    }
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    if (!stop && dcd && !rc_str_eq(dcd, d->digest)) {
        sctx_decide(c, RC_ST_FAIL, "%s: Docker-Content-Digest says %s", what, dcd);
        stop = 1;
    }
    rc_http_response_dispose(&r);
    return stop;
}

static int op_pull_artifact(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *acc_arg = arg(c, st, "accept");
    rc_autofree char *accept = resolve_accept(acc_arg);
    rc_autofree char *verify = arg(c, st, "verify");
    const char *expected_name = rc_step_str(st, "expect_artifact");
    struct saved_artifact *exp = sctx_artifact(c, expected_name);
    if (expected_name && !exp) {
        sctx_decide(c, RC_ST_ERROR, "expect_artifact '%s' names no pushed artifact", expected_name);
        return 1;
    }
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, reference, false, accept, &r, &err);
    if (rc < 0) {
        rc_http_response_dispose(&r);
        return sctx_transport_error(c, "manifest GET", rc, err);
    }
    save_answer(c, st, &r);
    if (r.status != 200) {
        sctx_unexpected(c, st, "manifest GET", &r, "200");
        sctx_set_last(c, &r);
        return 1;
    }
    const char *ct = rc_http_headers_get(&r.headers, "Content-Type");
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    save(c, st, "digest", r.body_digest);
    save_u64(c, st, "size", r.body_bytes);
    save(c, st, "media_type", ct);
    int stop = 0;
    struct rc_artifact_manifest m = {0};
    bool by_digest = strchr(reference, ':') != NULL;
    if (r.body_truncated) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET: body larger than the 8 MiB regcompat reads");
        stop = 1;
    } else if (!dcd) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET: no Docker-Content-Digest header");
        stop = 1;
    } else if (!rc_str_eq(dcd, r.body_digest)) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET: Docker-Content-Digest %s, content hashes to %s",
                    dcd, r.body_digest);
        stop = 1;
    } else if (by_digest && !rc_str_eq(reference, r.body_digest)) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET by digest returned content hashing to %s",
                    r.body_digest);
        stop = 1;
    } else if (rc_artifact_manifest_parse(&m, r.body.data, r.body.len, &err) < 0) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET: body is not a valid manifest: %s",
                    rc_error_msg(err));
        stop = 1;
    } else if (m.schema_version != 2) {
        sctx_decide(c, RC_ST_FAIL, "manifest GET: schemaVersion %" PRId64 ", expected 2",
                    m.schema_version);
        stop = 1;
    } else {
        const char *want_ct = m.media_type ? m.media_type
                              : exp        ? exp->art.media_type
                              : m.is_index ? RC_MT_OCI_INDEX
                                           : RC_MT_OCI_MANIFEST;
        size_t ctlen = ct ? strcspn(ct, "; ") : 0;
        if (!ct || strlen(want_ct) != ctlen || strncmp(ct, want_ct, ctlen) != 0) {
            sctx_decide(c, RC_ST_FAIL, "manifest GET: Content-Type '%s', expected '%s'",
                        ct ? ct : "(none)", want_ct);
            stop = 1;
        }
    }
    rc_error_free(err);
    err = NULL;
    bool bytes = !verify || rc_str_eq(verify, "bytes");
    if (!stop && exp && bytes &&
        (r.body.len != exp->art.manifest_len ||
         memcmp(r.body.data, exp->art.manifest, r.body.len) != 0)) {
        sctx_decide(c, RC_ST_FAIL,
                    "manifest GET: bytes differ from what was pushed (%s, pushed %s)",
                    r.body_digest, exp->art.digest);
        stop = 1;
    }
    bool policy = m.config && rc_str_eq(m.config->media_type, RC_ARTIFACT_MT_WASM_CONFIG_V1);
    if (!stop && policy && rc_artifact_check_policy(&m, &err) < 0) {
        sctx_decide(c, RC_ST_FAIL, "kwctl would refuse this policy: %s", rc_error_msg(err));
        stop = 1;
    }
    rc_error_free(err);
    sctx_set_last(c, &r);
    if (!stop && verify && rc_str_eq(verify, "none")) {
        rc_artifact_manifest_dispose(&m);
        return 0;
    }
    if (!stop && m.config)
        stop = pull_blob(c, st, repo, m.config, exp ? &exp->art : NULL, false);
    for (size_t i = 0; !stop && i < m.nlayers; i++)
        stop = pull_blob(c, st, repo, &m.layers[i], exp ? &exp->art : NULL, policy && i == 0);
    rc_artifact_manifest_dispose(&m);
    return stop;
}

/* ---- blobs ----------------------------------------------------------------------------- */

static char *repo_arg(struct sctx *c, const struct rc_step *st)
{
    char *r = arg(c, st, "repo");
    return r ? r : rc_xstrdup(c->repo);
}

static int op_push_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *content = arg(c, st, "content");
    rc_autofree char *seed = arg(c, st, "seed");
    rc_autofree char *bad = arg(c, st, "digest");
    struct rc_blob_src blob;
    if (content) {
        rc_artifact_blob_mem_copy(&blob, content, strlen(content));
    } else {
        rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "");
        rc_artifact_blob_synthetic(&blob, rc_artifact_seed(salt, 0),
                                   (uint64_t)arg_num(st, "size", DEFAULT_BLOB_SIZE));
    }
    char digest[RC_DIGEST_MAX];
    struct rc_error *err = NULL;
    if (rc_artifact_blob_digest(digest, &blob, &err) < 0) {
        rc_artifact_blob_dispose(&blob);
        sctx_decide(c, RC_ST_ERROR, "blob source: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    struct rc_upload_opts uo;
    if (upload_opts_from(c, st, "post-put", &uo)) {
        rc_artifact_blob_dispose(&blob);
        return 1;
    }
    uo.bad_digest = bad;
    save(c, st, "digest", digest);
    save_u64(c, st, "size", (uint64_t)blob.length);
    struct rc_http_response r;
    rc_http_response_init(&r);
    int stop = upload(c, st, repo, digest, &blob, &uo, "blob upload", &r);
    save_answer(c, st, &r);
    sctx_set_last(c, &r);
    rc_artifact_blob_dispose(&blob);
    return stop;
}

/* Steps that send one request and leave judging to `expect`. */
static int finish_simple(struct sctx *c, const struct rc_step *st, const char *what, int rc,
                         struct rc_error *err, struct rc_http_response *r)
{
    if (rc < 0) {
        rc_http_response_dispose(r);
        return sctx_transport_error(c, what, rc, err);
    }
    save_answer(c, st, r);
    if (sctx_matches_unsupported(c, st, r)) {
        sctx_unexpected(c, st, what, r, "");
        sctx_set_last(c, r);
        return 1;
    }
    sctx_set_last(c, r);
    return 0;
}

static int op_mount_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *digest = arg(c, st, "digest");
    rc_autofree char *from = arg(c, st, "from");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_mount(&c->w->oci, repo, digest, from, &r, &err);
    if (rc == 0 && r.status == 201)
        sctx_track(c, repo, digest, false);
    save(c, st, "digest", digest);
    return finish_simple(c, st, "mount POST", rc, err, &r);
}

static int op_get_blob(struct sctx *c, const struct rc_step *st)
{
    bool head = st->def->op == RC_OP_HEAD_BLOB;
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *digest = arg(c, st, "digest");
    rc_autofree char *range = arg(c, st, "range");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_get(&c->w->oci, repo, digest, head, range, 64 * 1024, &r, &err);
    if (rc == 0) {
        save(c, st, "digest", r.body_digest);
        save_u64(c, st, "size", r.body_bytes);
    }
    return finish_simple(c, st, head ? "blob HEAD" : "blob GET", rc, err, &r);
}

static int op_upload_session(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *loc = arg(c, st, "location");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    bool cancel = st->def->op == RC_OP_CANCEL_UPLOAD;
    int rc = cancel ? rc_oci_upload_cancel(&c->w->oci, repo, loc, &r, &err)
                    : rc_oci_upload_status(&c->w->oci, repo, loc, &r, &err);
    return finish_simple(c, st, cancel ? "upload DELETE" : "upload status GET", rc, err, &r);
}

static int op_delete_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *digest = arg(c, st, "digest");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_delete(&c->w->oci, repo, digest, &r, &err);
    if (rc == 0 && r.status == 202)
        sctx_untrack(c, repo, digest);
    return finish_simple(c, st, "blob DELETE", rc, err, &r);
}

/* ---- manifests ------------------------------------------------------------------------- */

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
    int stop = upload(c, st, repo, RC_ARTIFACT_EMPTY_DIGEST, &cfg, &uo, "config upload", &r);
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
        sctx_decide(c, RC_ST_ERROR, "put-manifest size must be between %zu bytes and 64 MiB",
                    fixed);
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

static int op_put_manifest(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *body = arg(c, st, "body");
    rc_autofree char *mt = arg(c, st, "media_type");
    const char *from = rc_step_str(st, "from");
    const struct rc_arg *size = rc_step_arg(st, "size");
    rc_autofree char *generated = NULL;
    if (size && !body && !from) {
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
            sctx_decide(c, RC_ST_ERROR, "from '%s' names no pushed artifact", from);
            return 1;
        }
        bytes = sa->art.manifest;
        len = sa->art.manifest_len;
        ctype = mt ? mt : sa->art.media_type;
    }
    char digest[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, bytes ? bytes : "", len, digest);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_put(&c->w->oci, repo, reference, ctype, bytes, len, &r, &err);
    if (rc == 0 && r.status / 100 == 2)
        sctx_track(c, repo, digest, true);
    save(c, st, "digest", digest);
    save_u64(c, st, "size", len);
    save(c, st, "media_type", ctype);
    return finish_simple(c, st, "manifest PUT", rc, err, &r);
}

static int op_get_manifest(struct sctx *c, const struct rc_step *st)
{
    bool head = st->def->op == RC_OP_HEAD_MANIFEST;
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *acc_arg = arg(c, st, "accept");
    rc_autofree char *accept = resolve_accept(acc_arg ? acc_arg : "all");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, reference, head, accept, &r, &err);
    if (rc == 0) {
        const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
        save(c, st, "digest", head ? (dcd ? dcd : "") : r.body_digest);
        save_u64(c, st, "size", r.body_bytes);
        save(c, st, "media_type", rc_http_headers_get(&r.headers, "Content-Type"));
    }
    return finish_simple(c, st, head ? "manifest HEAD" : "manifest GET", rc, err, &r);
}

static int op_tag(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *tag = arg(c, st, "tag");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *accept = resolve_accept("all");
    struct rc_http_response g;
    rc_http_response_init(&g);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, reference, false, accept, &g, &err);
    if (rc < 0) {
        rc_http_response_dispose(&g);
        return sctx_transport_error(c, "manifest GET", rc, err);
    }
    if (g.status != 200) {
        sctx_unexpected(c, st, "manifest GET (to tag it)", &g, "200");
        sctx_set_last(c, &g);
        return 1;
    }
    const char *ct = rc_http_headers_get(&g.headers, "Content-Type");
    rc_autofree char *ctype = rc_xstrdup(ct ? ct : RC_MT_OCI_MANIFEST);
    struct rc_http_response p;
    rc_http_response_init(&p);
    rc = rc_oci_manifest_put(&c->w->oci, repo, tag, ctype, g.body.data, g.body.len, &p, &err);
    save(c, st, "digest", g.body_digest);
    save_u64(c, st, "size", g.body.len);
    save(c, st, "media_type", ctype);
    if (rc == 0 && p.status / 100 == 2)
        sctx_track(c, repo, g.body_digest, true);
    rc_http_response_dispose(&g);
    if (rc == 0 && p.status != 201 && !sctx_matches_unsupported(c, st, &p)) {
        save_answer(c, st, &p);
        sctx_unexpected(c, st, "manifest PUT (new tag)", &p, "201");
        sctx_set_last(c, &p);
        return 1;
    }
    return finish_simple(c, st, "manifest PUT (new tag)", rc, err, &p);
}

static int op_delete_manifest(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (split(c, ref, &repo, &reference))
        return 1;
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_delete(&c->w->oci, repo, reference, &r, &err);
    if (rc == 0 && r.status == 202)
        sctx_untrack(c, repo, reference);
    return finish_simple(c, st, "manifest DELETE", rc, err, &r);
}

/* ---- tags ------------------------------------------------------------------------------ */

static int op_list_tags(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *last = arg(c, st, "last");
    long n = (long)arg_num(st, "n", -1);
    bool follow = arg_num(st, "follow", 1) != 0;
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
            return sctx_transport_error(c, "tags list GET", rc, err);
        }
        pages++;
        if (r.status != 200) {
            save_u64(c, st, "pages", pages);
            return finish_simple(c, st, "tags list GET", rc, err, &r);
        }
        struct rc_json *j = NULL;
        if (rc_json_parse(&j, r.body.data ? r.body.data : "", r.body.len, &err) < 0) {
            sctx_decide(c, RC_ST_FAIL, "tags list: body is not JSON: %s", rc_error_msg(err));
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
            sctx_decide(c, RC_ST_FAIL, "tags list: \"tags\" is %s, not an array",
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
            sctx_decide(c, RC_ST_FAIL,
                        "tags list: Link rel=next points back to a page already read");
            return 1;
        }
        if (!next)
            break;
        if (pages >= MAX_TAG_PAGES) {
            free(next);
            sctx_decide(c, RC_ST_FAIL, "tags list: still a Link rel=next after %u pages", pages);
            return 1;
        }
    }
    c->tags_listed = true;
    save_u64(c, st, "count", c->tags.n);
    save_u64(c, st, "pages", pages);
    save_answer(c, st, &c->last);
    return 0;
}

/* ---- raw requests ---------------------------------------------------------------------- */

static int op_request(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *method = arg(c, st, "method");
    rc_autofree char *path = arg(c, st, "path");
    rc_autofree char *body = arg(c, st, "body");
    struct rc_http_headers h = {0};
    const struct rc_arg *ha = rc_step_arg(st, "headers");
    for (size_t i = 0; ha && i < ha->nmap; i++) {
        for (size_t j = 0; j < ha->map[i].values.n; j++) {
            char *v = sctx_subst(c, ha->map[i].values.v[j]);
            rc_http_headers_add(&h, ha->map[i].key, v);
            free(v);
        }
    }
    /* scopes: a request on {repo} asks for everything a scenario might do there */
    char *s1 = rc_auth_scope_repo(c->repo, "pull,push,delete");
    char *s2 = rc_auth_scope_repo(c->repo2, "pull,push,delete");
    const char *scopes[] = {s1, s2, NULL};
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    char *url = strstr(path, "://")
                    ? rc_xstrdup(path)
                    : rc_fmt("%s%s%s", c->w->oci.base, path[0] == '/' ? "" : "/", path);
    const struct rc_arg *qa = rc_step_arg(st, "query");
    int rc = 0;
    for (size_t i = 0; qa && rc == 0 && i < qa->nmap; i++) {
        for (size_t j = 0; rc == 0 && j < qa->map[i].values.n; j++) {
            char *v = sctx_subst(c, qa->map[i].values.v[j]);
            char *next = NULL;
            rc = rc_url_add_query(&next, url, qa->map[i].key, v, &err);
            free(v);
            if (rc == 0) {
                free(url);
                url = next;
            }
        }
    }
    if (rc < 0) {
        free(url);
        free(s1);
        free(s2);
        rc_http_headers_dispose(&h);
        sctx_decide(c, RC_ST_ERROR, "request: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    rc = rc_oci_request(&c->w->oci, method, url, &h, body, body ? strlen(body) : 0, scopes, &r,
                        &err);
    free(url);
    free(s1);
    free(s2);
    rc_http_headers_dispose(&h);
    if (rc == 0) {
        const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
        save(c, st, "digest", dcd ? dcd : "");
    }
    return finish_simple(c, st, method, rc, err, &r);
}

/* ---- expect ---------------------------------------------------------------------------- */

static bool value_matches(struct sctx *c, const char *pattern, const char *actual)
{
    rc_autofree char *p = sctx_subst(c, pattern);
    if (rc_str_eq(p, "present"))
        return actual != NULL;
    if (rc_str_eq(p, "absent"))
        return actual == NULL;
    return actual && rc_glob_match(p, actual);
}

static int expect_fail(struct sctx *c, const struct rc_step *st, const char *fmt, ...)
    RC_PRINTF(3, 4);
static int expect_fail(struct sctx *c, const struct rc_step *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    const char *why = rc_step_str(st, "reason");
    if (sctx_matches_unsupported(c, st, &c->last))
        sctx_decide(c, RC_ST_UNSUPPORTED, "%s%s%s", why ? why : "", why ? ": " : "", msg);
    else
        sctx_decide(c, RC_ST_FAIL, "%s%s%s", why ? why : "", why ? ": " : "", msg);
    free(msg);
    return 1;
}

static char *json_scalar(const struct rc_json *j)
{
    int64_t i;
    bool b;
    switch (rc_json_type(j)) {
    case RC_JSON_STRING:
        return rc_xstrdup(rc_json_str(j));
    case RC_JSON_INT:
        rc_json_int(j, &i);
        return rc_fmt("%" PRId64, i);
    case RC_JSON_BOOL:
        rc_json_bool(j, &b);
        return rc_xstrdup(b ? "true" : "false");
    case RC_JSON_NULL:
        return j ? rc_xstrdup("null") : NULL;
    default:
        return rc_xstrdup(rc_json_type_name(rc_json_type(j)));
    }
}

static bool ref_matches(const struct rc_artifact_desc *d, const char *pattern)
{
    return (d->artifact_type && rc_glob_match(pattern, d->artifact_type)) ||
           (d->digest && rc_glob_match(pattern, d->digest));
}

static int expect_referrers(struct sctx *c, const struct rc_step *st)
{
    const struct rc_arg *inc = rc_step_arg(st, "referrers_include");
    const struct rc_arg *exc = rc_step_arg(st, "referrers_exclude");
    const struct rc_arg *cnt = rc_step_arg(st, "referrers_count");
    if (!inc && !exc && !cnt)
        return 0;
    if (!c->refs_listed)
        return expect_fail(c, st, "no successful referrers listing before this expectation");
    for (size_t i = 0; inc && i < inc->list.n; i++) {
        rc_autofree char *p = sctx_subst(c, inc->list.v[i]);
        bool found = false;
        for (size_t k = 0; k < c->refs.nmanifests && !found; k++)
            found = ref_matches(&c->refs.manifests[k], p);
        if (!found)
            return expect_fail(c, st, "no referrer matching '%s' (%zu listed)", p,
                               c->refs.nmanifests);
    }
    for (size_t i = 0; exc && i < exc->list.n; i++) {
        rc_autofree char *p = sctx_subst(c, exc->list.v[i]);
        for (size_t k = 0; k < c->refs.nmanifests; k++)
            if (ref_matches(&c->refs.manifests[k], p))
                return expect_fail(c, st, "referrer %s matches '%s', which must not be listed",
                                   c->refs.manifests[k].digest, p);
    }
    if (cnt && (int64_t)c->refs.nmanifests != cnt->num)
        return expect_fail(c, st, "%zu referrers listed, expected %" PRId64, c->refs.nmanifests,
                           cnt->num);
    return 0;
}

/* The first "{var}": pattern pair of a map argument that does not match, or NULL. */
static const struct rc_map_entry *map_mismatch(struct sctx *c, const struct rc_arg *a,
                                               char **actual_out)
{
    for (size_t i = 0; a && i < a->nmap; i++) {
        char *actual = sctx_subst(c, a->map[i].key);
        for (size_t j = 0; j < a->map[i].values.n; j++) {
            if (!value_matches(c, a->map[i].values.v[j], actual)) {
                *actual_out = actual;
                return &a->map[i];
            }
        }
        free(actual);
    }
    return NULL;
}

static int op_expect(struct sctx *c, const struct rc_step *st)
{
    char *seen = NULL;
    const struct rc_map_entry *miss = map_mismatch(c, rc_step_arg(st, "when"), &seen);
    free(seen);
    if (miss)
        return 0; /* this expectation does not apply to what happened */
    seen = NULL;
    miss = map_mismatch(c, rc_step_arg(st, "values"), &seen);
    if (miss) {
        rc_autofree char *want = sctx_subst(c, miss->values.v[0]);
        int stop = expect_fail(c, st, "%s is '%s', expected %s", miss->key, seen, want);
        free(seen);
        return stop;
    }
    c->step_first = c->ntrace ? c->ntrace - 1 : 0; /* the judged answer */
    const struct rc_http_response *r = &c->last;
    const struct rc_arg *a;
    if ((a = rc_step_arg(st, "status")) && !(a->list.n == 0)) {
        char s[16];
        snprintf(s, sizeof(s), "%ld", r->status);
        if (!rc_strv_contains(&a->list, s)) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            const char *why = rc_step_str(st, "reason");
            if (why && r->status != 401 && r->status != 403 && r->status != 429 &&
                r->status != 502 && r->status != 503 && r->status != 504) {
                rc_autofree char *ans = describe_answer(r);
                return expect_fail(c, st, "answered %s, expected %s", ans, want);
            }
            return sctx_unexpected(c, st, "the registry", r, want);
        }
    }
    if ((a = rc_step_arg(st, "header"))) {
        for (size_t i = 0; i < a->nmap; i++) {
            const char *actual = rc_http_headers_get(&r->headers, a->map[i].key);
            for (size_t j = 0; j < a->map[i].values.n; j++) {
                if (!value_matches(c, a->map[i].values.v[j], actual)) {
                    rc_autofree char *want = sctx_subst(c, a->map[i].values.v[j]);
                    return expect_fail(c, st, "header %s is '%s', expected %s", a->map[i].key,
                                       actual ? actual : "(absent)", want);
                }
            }
        }
    }
    if ((a = rc_step_arg(st, "content_type"))) {
        const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
        size_t n = ct ? strcspn(ct, "; ") : 0;
        bool ok = false;
        for (size_t i = 0; i < a->list.n; i++)
            ok |= ct && strlen(a->list.v[i]) == n && strncmp(ct, a->list.v[i], n) == 0;
        if (!ok) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            return expect_fail(c, st, "Content-Type '%s', expected %s", ct ? ct : "(none)", want);
        }
    }
    if ((a = rc_step_arg(st, "error_code"))) {
        struct rc_strv codes = {0};
        bool env = rc_oci_error_codes(r, &codes);
        bool ok = false;
        for (size_t i = 0; i < a->list.n; i++)
            ok |= rc_strv_contains(&codes, a->list.v[i]);
        rc_autofree char *g = rc_strv_join(&codes, ",");
        rc_strv_dispose(&codes);
        if (!ok) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            return expect_fail(c, st, "error code %s, expected %s",
                               env ? g : "(no OCI error envelope)", want);
        }
    }
    if ((a = rc_step_arg(st, "json"))) {
        struct rc_json *j = NULL;
        struct rc_error *err = NULL;
        if (rc_json_parse(&j, r->body.data ? r->body.data : "", r->body.len, &err) < 0) {
            int stop = expect_fail(c, st, "body is not JSON: %s", rc_error_msg(err));
            rc_error_free(err);
            return stop;
        }
        for (size_t i = 0; i < a->nmap; i++) {
            char *actual = json_scalar(rc_json_path(j, a->map[i].key));
            for (size_t k = 0; k < a->map[i].values.n; k++) {
                if (!value_matches(c, a->map[i].values.v[k], actual)) {
                    rc_autofree char *want = sctx_subst(c, a->map[i].values.v[k]);
                    int stop = expect_fail(c, st, "JSON %s is %s, expected %s", a->map[i].key,
                                           actual ? actual : "(absent)", want);
                    free(actual);
                    rc_json_free(j);
                    return stop;
                }
            }
            free(actual);
        }
        rc_json_free(j);
    }
    rc_autofree char *bd = arg(c, st, "body_digest");
    if (bd && !rc_str_eq(bd, r->body_digest))
        return expect_fail(c, st, "body hashes to %s, expected %s", r->body_digest, bd);
    if ((a = rc_step_arg(st, "tags_include")) || rc_step_arg(st, "tags_exclude") ||
        rc_step_arg(st, "tags_sorted")) {
        if (!c->tags_listed)
            return expect_fail(c, st, "no successful list-tags before this expectation");
        for (size_t i = 0; a && i < a->list.n; i++) {
            rc_autofree char *t = sctx_subst(c, a->list.v[i]);
            if (!rc_strv_contains(&c->tags, t))
                return expect_fail(c, st, "tag '%s' missing from the tags list (%zu tags)", t,
                                   c->tags.n);
        }
        const struct rc_arg *ex = rc_step_arg(st, "tags_exclude");
        for (size_t i = 0; ex && i < ex->list.n; i++) {
            rc_autofree char *t = sctx_subst(c, ex->list.v[i]);
            if (rc_strv_contains(&c->tags, t))
                return expect_fail(c, st, "tag '%s' still in the tags list", t);
        }
        if (arg_num(st, "tags_sorted", 0)) {
            for (size_t i = 1; i < c->tags.n; i++)
                if (strcmp(c->tags.v[i - 1], c->tags.v[i]) > 0)
                    return expect_fail(c, st, "tags not in lexical order ('%s' before '%s')",
                                       c->tags.v[i - 1], c->tags.v[i]);
        }
    }
    return expect_referrers(c, st);
}

/* ---- referrers, attach, sign ---------------------------------------------------------- */

/* Parses an answer that must be an image index into c->refs. */
static int take_index(struct sctx *c, const struct rc_http_response *r, const char *what)
{
    rc_artifact_manifest_dispose(&c->refs);
    memset(&c->refs, 0, sizeof(c->refs));
    struct rc_error *err = NULL;
    if (rc_artifact_manifest_parse(&c->refs, r->body.data ? r->body.data : "", r->body.len, &err) <
            0 ||
        !c->refs.is_index) {
        sctx_decide(c, RC_ST_FAIL, "%s: the body is not an image index%s%s", what, err ? ": " : "",
                    err ? rc_error_msg(err) : "");
        rc_error_free(err);
        return 1;
    }
    c->refs_listed = true;
    return 0;
}

/* Keeps only the entries of artifactType at (what a client must do itself when the registry
 * did not apply the filter). */
static void filter_refs(struct sctx *c, const char *at)
{
    size_t keep = 0;
    for (size_t i = 0; i < c->refs.nmanifests; i++) {
        if (rc_str_eq(c->refs.manifests[i].artifact_type, at))
            c->refs.manifests[keep++] = c->refs.manifests[i];
        else
            rc_artifact_desc_dispose(&c->refs.manifests[i]);
    }
    c->refs.nmanifests = keep;
}

/* GET of the tag-schema index of subject digest in repo. 1 = decided; else *found tells
 * whether the tag exists and resp holds the answer. A tag that resolves to the subject
 * itself (or to anything but an index) is a registry fault. */
static int get_fallback_index(struct sctx *c, const struct rc_step *st, const char *repo,
                              const char *subject, bool *found, struct rc_http_response *resp)
{
    rc_autofree char *tag = rc_digest_to_tag(subject);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, tag, false, RC_MT_OCI_INDEX, resp, &err);
    if (rc < 0)
        return sctx_transport_error(c, "GET of the referrers tag schema index", rc, err);
    *found = resp->status == 200;
    if (resp->status == 404)
        return 0;
    if (resp->status != 200)
        return sctx_unexpected(c, st, "GET of the referrers tag schema index", resp, "200 or 404");
    if (rc_str_eq(resp->body_digest, subject)) {
        sctx_decide(c, RC_ST_FAIL,
                    "the tag %s resolves to the subject manifest itself, not to a referrers "
                    "index",
                    tag);
        return 1;
    }
    return 0;
}

static int op_referrers(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = repo_arg(c, st);
    rc_autofree char *digest = arg(c, st, "digest");
    rc_autofree char *at = arg(c, st, "artifact_type");
    bool fallback = arg_num(st, "fallback", 0) != 0;
    c->refs_listed = false;
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_referrers(&c->w->oci, repo, digest, at, &r, &err);
    if (rc < 0) {
        rc_http_response_dispose(&r);
        return sctx_transport_error(c, "referrers GET", rc, err);
    }
    save_answer(c, st, &r);
    if (r.status == 404 && fallback) {
        struct rc_http_response f;
        rc_http_response_init(&f);
        bool found = false;
        rc_http_response_dispose(&r);
        if (get_fallback_index(c, st, repo, digest, &found, &f)) {
            sctx_set_last(c, &f);
            return 1;
        }
        c->fallback = true;
        sctx_add_note(c, "no referrers API (404): listed through the tag schema");
        int stop = 0;
        if (found) {
            stop = take_index(c, &f, "referrers tag schema index");
        } else {
            rc_artifact_manifest_dispose(&c->refs);
            memset(&c->refs, 0, sizeof(c->refs));
            c->refs_listed = true;
        }
        if (!stop && at)
            filter_refs(c, at);
        save_u64(c, st, "count", c->refs.nmanifests);
        sctx_set_last(c, &f);
        return stop;
    }
    if (r.status != 200)
        return finish_simple(c, st, "referrers GET", 0, NULL, &r);
    int stop = take_index(c, &r, "referrers GET");
    /* further pages (Link: <...>; rel="next"), followed verbatim */
    unsigned pages = 1;
    RC_CLEANUP(rc_strv_dispose) struct rc_strv seen = {0};
    bool loop = false;
    for (char *next = stop ? NULL : rc_oci_next_page(&r, &seen, &loop); next;
         next = rc_oci_next_page(&r, &seen, &loop)) {
        if (pages >= MAX_TAG_PAGES) {
            free(next);
            sctx_decide(c, RC_ST_FAIL, "referrers: still a Link rel=next after %u pages", pages);
            stop = 1;
            break;
        }
        pages++;
        struct rc_artifact_manifest acc = c->refs;
        memset(&c->refs, 0, sizeof(c->refs));
        struct rc_http_response pg;
        rc_http_response_init(&pg);
        rc = rc_oci_request(&c->w->oci, "GET", next, NULL, NULL, 0, NULL, &pg, &err);
        free(next);
        if (rc < 0) {
            rc_artifact_manifest_dispose(&acc);
            rc_http_response_dispose(&pg);
            rc_http_response_dispose(&r);
            return sctx_transport_error(c, "referrers GET (next page)", rc, err);
        }
        stop = pg.status == 200 ? take_index(c, &pg, "referrers GET (next page)")
                                : sctx_unexpected(c, st, "referrers GET (next page)", &pg, "200");
        if (!stop) {
            /* append this page to what came before */
            acc.manifests = rc_xrealloc(acc.manifests, (acc.nmanifests + c->refs.nmanifests) *
                                                           sizeof(*acc.manifests));
            memcpy(acc.manifests + acc.nmanifests, c->refs.manifests,
                   c->refs.nmanifests * sizeof(*acc.manifests));
            acc.nmanifests += c->refs.nmanifests;
            c->refs.nmanifests = 0;
        }
        rc_artifact_manifest_dispose(&c->refs);
        c->refs = acc;
        rc_http_response_dispose(&r);
        r = pg;
        if (stop)
            break;
    }
    if (loop && !stop) {
        sctx_decide(c, RC_ST_FAIL, "referrers: Link rel=next points back to a page already read");
        stop = 1;
    }
    const char *applied = rc_http_headers_get(&r.headers, "OCI-Filters-Applied");
    bool filtered = applied && strstr(applied, "artifactType");
    save(c, st, "filtered", filtered ? "true" : "false");
    if (!stop && at && !filtered)
        filter_refs(c, at); /* the spec asks clients to filter when the registry did not */
    save_u64(c, st, "count", c->refs.nmanifests);
    sctx_set_last(c, &r);
    return stop;
}

/* Adds the entry for art to the tag-schema index of subject (read, add, write back). */
static int update_fallback_index(struct sctx *c, const struct rc_step *st, const char *repo,
                                 const char *subject, const struct rc_artifact *art)
{
    struct rc_http_response g;
    rc_http_response_init(&g);
    bool found = false;
    if (get_fallback_index(c, st, repo, subject, &found, &g)) {
        rc_http_response_dispose(&g);
        return 1;
    }
    struct rc_artifact_manifest old = {0};
    struct rc_error *err = NULL;
    if (found &&
        (rc_artifact_manifest_parse(&old, g.body.data, g.body.len, &err) < 0 || !old.is_index)) {
        sctx_decide(c, RC_ST_FAIL, "the referrers tag schema index is not an image index");
        rc_error_free(err);
        rc_artifact_manifest_dispose(&old);
        rc_http_response_dispose(&g);
        return 1;
    }
    rc_http_response_dispose(&g);
    size_t n = old.nmanifests;
    struct rc_artifact_desc *entries = rc_xcalloc(n + 1, sizeof(*entries));
    for (size_t i = 0; i < n; i++)
        rc_artifact_desc_copy(&entries[i], &old.manifests[i]);
    rc_artifact_manifest_dispose(&old);
    int stop = 0;
    if (rc_artifact_referrer_entry(&entries[n], art->media_type, art->manifest, art->manifest_len,
                                   &err) < 0) {
        sctx_decide(c, RC_ST_ERROR, "referrer entry: %s", rc_error_msg(err));
        rc_error_free(err);
        stop = 1;
    }
    struct rc_artifact idx = {0};
    if (!stop && rc_artifact_build_referrers_index(&idx, entries, n + 1, &err) < 0) {
        sctx_decide(c, RC_ST_ERROR, "referrers index: %s", rc_error_msg(err));
        rc_error_free(err);
        stop = 1;
    }
    for (size_t i = 0; i <= n; i++)
        rc_artifact_desc_dispose(&entries[i]);
    free(entries);
    if (!stop) {
        rc_autofree char *tag = rc_digest_to_tag(subject);
        struct rc_http_response p;
        rc_http_response_init(&p);
        int rc = rc_oci_manifest_put(&c->w->oci, repo, tag, idx.media_type, idx.manifest,
                                     idx.manifest_len, &p, &err);
        if (rc < 0) {
            stop = sctx_transport_error(c, "PUT of the referrers tag schema index", rc, err);
        } else if (p.status != 201) {
            stop = sctx_unexpected(c, st, "PUT of the referrers tag schema index", &p, "201");
        } else {
            sctx_track(c, repo, idx.digest, true);
            c->fallback = true;
            sctx_add_note(c, "no OCI-Subject on the referrer's PUT: recorded in the tag schema "
                             "index");
        }
        rc_http_response_dispose(&p);
    }
    rc_artifact_dispose(&idx);
    return stop;
}

/* Pushes a referrer of a saved subject; keeps the fallback index when asked to. */
static int push_referrer(struct sctx *c, const struct rc_step *st, struct rc_artifact *art,
                         const char *subject_digest, const char *mode)
{
    rc_autofree char *ref = arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (ref) {
        if (split(c, ref, &repo, &reference))
            return 1;
    } else {
        repo = rc_xstrdup(c->repo);
        reference = rc_xstrdup(art->digest);
    }
    struct rc_upload_opts uo = {.mode = RC_UPLOAD_POST_PUT};
    struct rc_http_response r;
    rc_http_response_init(&r);
    if (push_built(c, st, repo, reference, art, &uo, &r) < 0)
        return 1;
    save_answer(c, st, &r);
    save(c, st, "digest", art->digest);
    save_u64(c, st, "size", art->manifest_len);
    save(c, st, "media_type", art->media_type);
    const char *subj = rc_http_headers_get(&r.headers, "OCI-Subject");
    save(c, st, "oci_subject", subj ? subj : "");
    if (r.status != 201) {
        sctx_unexpected(c, st, "referrer manifest PUT", &r, "201");
        sctx_set_last(c, &r);
        return 1;
    }
    if (subj && !rc_str_eq(subj, subject_digest)) {
        sctx_decide(c, RC_ST_FAIL, "OCI-Subject names %s, the subject is %s", subj, subject_digest);
        sctx_set_last(c, &r);
        return 1;
    }
    bool want = rc_str_eq(mode, "always") || (!subj && !rc_str_eq(mode, "never"));
    save(c, st, "fallback", want ? "true" : "false");
    int stop = want ? update_fallback_index(c, st, repo, subject_digest, art) : 0;
    sctx_set_last(c, &r); /* expect judges the referrer's own PUT */
    return stop;
}

static void keep_artifact(struct sctx *c, const struct rc_step *st, struct rc_artifact *art)
{
    if (save_name(st)) {
        struct saved_artifact sa = {rc_xstrdup(save_name(st)), *art};
        RC_PUSH(c->arts, c->narts, c->caparts, sa);
    } else {
        rc_artifact_dispose(art);
    }
}

static struct saved_artifact *subject_arg(struct sctx *c, const struct rc_step *st)
{
    const char *name = rc_step_str(st, "subject");
    struct saved_artifact *sa = sctx_artifact(c, name);
    if (!sa)
        sctx_decide(c, RC_ST_ERROR, "subject '%s' names no saved artifact", name);
    return sa;
}

static int op_attach(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = subject_arg(c, st);
    if (!sa)
        return 1;
    rc_autofree char *kind = arg(c, st, "artifact");
    rc_autofree char *at = arg(c, st, "artifact_type");
    rc_autofree char *seed = arg(c, st, "seed");
    rc_autofree char *mode = arg(c, st, "fallback");
    rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "attach");
    struct rc_artifact_desc subject = {0};
    rc_artifact_desc_of(&subject, &sa->art);
    char subject_digest[RC_DIGEST_MAX];
    snprintf(subject_digest, sizeof(subject_digest), "%s", sa->art.digest);
    struct rc_artifact art = {0};
    struct rc_error *err = NULL;
    int rc;
    if (rc_str_eq(kind, "sigstore-bundle")) {
        struct rc_artifact_bundle_opts o = {.salt = salt, .subject = &subject};
        rc = rc_artifact_build_sigstore_bundle(&art, &o, &err);
    } else if (rc_str_eq(kind, "oci-artifact")) {
        struct rc_artifact_layer_spec layer = {.size = 1024};
        struct rc_artifact_annots an = {0};
        rc_artifact_annots_set(&an, "org.opencontainers.image.title", salt);
        struct rc_artifact_oci_opts o = {.salt = salt,
                                         .artifact_type =
                                             at ? at : "application/vnd.regcompat.test.v1",
                                         .layers = &layer,
                                         .nlayers = 1,
                                         .subject = &subject,
                                         .annotations = &an};
        rc = rc_artifact_build_oci(&art, &o, &err);
        rc_artifact_annots_dispose(&an);
    } else {
        rc_artifact_desc_dispose(&subject);
        sctx_decide(c, RC_ST_ERROR, "attach: unknown artifact '%s'", kind);
        return 1;
    }
    rc_artifact_desc_dispose(&subject);
    if (rc < 0) {
        sctx_decide(c, RC_ST_ERROR, "building %s: %s", kind, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    int stop = push_referrer(c, st, &art, subject_digest, mode ? mode : "auto");
    keep_artifact(c, st, &art);
    return stop;
}

static int op_sign(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = subject_arg(c, st);
    if (!sa)
        return 1;
    rc_autofree char *format = arg(c, st, "format");
    char subject_digest[RC_DIGEST_MAX];
    snprintf(subject_digest, sizeof(subject_digest), "%s", sa->art.digest);
    rc_autofree char *salt = rc_fmt("%s/%s/sign", c->w->run_id, c->sc->id);
    struct rc_artifact art = {0};
    struct rc_error *err = NULL;
    if (format && rc_str_eq(format, "bundle")) {
        struct rc_artifact_desc subject = {0};
        rc_artifact_desc_of(&subject, &sa->art);
        struct rc_artifact_bundle_opts o = {.salt = salt, .subject = &subject};
        int rc = rc_artifact_build_sigstore_bundle(&art, &o, &err);
        rc_artifact_desc_dispose(&subject);
        if (rc < 0) {
            sctx_decide(c, RC_ST_ERROR, "building the bundle: %s", rc_error_msg(err));
            rc_error_free(err);
            return 1;
        }
        int stop = push_referrer(c, st, &art, subject_digest, "auto");
        keep_artifact(c, st, &art);
        return stop;
    }
    if (format && !rc_str_eq(format, "cosign")) {
        sctx_decide(c, RC_ST_ERROR, "sign: unknown format '%s'", format);
        return 1;
    }
    rc_autofree char *dref = rc_fmt("%s/%s", c->w->host, c->repo);
    struct rc_artifact_cosign_opts o = {
        .salt = salt, .docker_reference = dref, .manifest_digest = subject_digest};
    if (rc_artifact_build_cosign(&art, &o, &err) < 0) {
        sctx_decide(c, RC_ST_ERROR, "building the signature: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    rc_autofree char *tag = rc_artifact_cosign_tag(subject_digest);
    struct rc_upload_opts uo = {.mode = RC_UPLOAD_POST_PUT};
    struct rc_http_response r;
    rc_http_response_init(&r);
    if (push_built(c, st, c->repo, tag, &art, &uo, &r) < 0) {
        rc_artifact_dispose(&art);
        return 1;
    }
    save_answer(c, st, &r);
    save(c, st, "digest", art.digest);
    save(c, st, "tag", tag);
    int stop = 0;
    if (r.status != 201)
        stop = sctx_unexpected(c, st, "signature manifest PUT", &r, "201");
    sctx_set_last(c, &r);
    keep_artifact(c, st, &art);
    return stop;
}

/* ---- dispatch -------------------------------------------------------------------------- */

typedef int (*op_fn)(struct sctx *c, const struct rc_step *st);

static const op_fn op_table[RC_OP__COUNT] = {
    [RC_OP_PUSH_ARTIFACT] = op_push_artifact,
    [RC_OP_PULL_ARTIFACT] = op_pull_artifact,
    [RC_OP_PUSH_BLOB] = op_push_blob,
    [RC_OP_MOUNT_BLOB] = op_mount_blob,
    [RC_OP_GET_BLOB] = op_get_blob,
    [RC_OP_HEAD_BLOB] = op_get_blob,
    [RC_OP_CANCEL_UPLOAD] = op_upload_session,
    [RC_OP_UPLOAD_STATUS] = op_upload_session,
    [RC_OP_PUT_MANIFEST] = op_put_manifest,
    [RC_OP_GET_MANIFEST] = op_get_manifest,
    [RC_OP_HEAD_MANIFEST] = op_get_manifest,
    [RC_OP_TAG] = op_tag,
    [RC_OP_LIST_TAGS] = op_list_tags,
    [RC_OP_DELETE_TAG] = op_delete_manifest,
    [RC_OP_DELETE_MANIFEST] = op_delete_manifest,
    [RC_OP_DELETE_BLOB] = op_delete_blob,
    [RC_OP_REQUEST] = op_request,
    [RC_OP_REFERRERS] = op_referrers,
    [RC_OP_ATTACH] = op_attach,
    [RC_OP_SIGN] = op_sign,
    [RC_OP_EXPECT] = op_expect,
};

int run_step(struct sctx *c, const struct rc_step *st)
{
    if (st->def->op != RC_OP_EXPECT)
        c->step_first = c->ntrace;
    return op_table[st->def->op](c, st);
}
