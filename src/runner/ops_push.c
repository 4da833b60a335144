/* Pushing: whole artifacts, blobs in every upload mode, mounts and upload sessions. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

static int upload_opts_from(struct sctx *c, const struct rc_step *st, const char *dflt,
                            struct rc_upload_opts *o)
{
    rc_autofree char *mode = step_arg(c, st, "mode");
    const char *m = mode ? mode : dflt;
    memset(o, 0, sizeof(*o));
    if (rc_str_eq(m, "kwctl")) {
        o->mode = RC_UPLOAD_CHUNKED;
        o->chunk_size = 4 * RC_MIB;
    } else if (!rc_upload_mode_parse(m, &o->mode)) {
        judge_suite(c, "unknown upload mode '%s' in the suite", m);
        return 1;
    }
    o->chunk_size =
        (uint64_t)step_num(st, "chunk", (int64_t)(o->chunk_size ? o->chunk_size : 4 * RC_MIB));
    o->honour_min_chunk = step_num(st, "min_chunk", !rc_str_eq(m, "kwctl")) != 0;
    o->bytes_prefix = step_num(st, "bytes_prefix", 0) != 0;
    return 0;
}

/* Every deviation an upload noticed, each with the exchange that showed it. */
static void upload_deviations(struct sctx *c, const char *what, const struct rc_upload_result *res)
{
    for (size_t i = 0; i < res->ndeviations; i++)
        sctx_add_deviation_at(c, res->deviations[i].method, res->deviations[i].url, what,
                              res->deviations[i].text);
}

/* Whether this check has uploaded that blob into that repository itself and the registry
 * confirmed it (201 naming the same digest), with no delete of it since (a delete through
 * delete-blob untracks it). Only then may a whole-artifact push leave the blob out. */
static bool blob_uploaded(struct sctx *c, const char *repo, const char *digest)
{
    const struct created *cr = sctx_created(c, repo, digest);
    return cr && !cr->manifest && cr->confirmed;
}

/* Uploads one blob; decides the scenario when the sequence did not complete. */
int step_upload(struct sctx *c, const struct rc_step *st, const char *repo, const char *digest,
                struct rc_blob_src *blob, const struct rc_upload_opts *o, const char *what,
                struct rc_http_response *resp)
{
    struct rc_http_body_source src;
    step_body_source(&src, blob);
    struct rc_upload_result res = {0};
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_upload(&c->w->oci, repo, digest, &src, o, &res, resp, &err);
    if (rc < 0) {
        upload_deviations(c, what, &res);
        rc_upload_result_dispose(&res);
        return judge_transport(c, what, rc, err);
    }
    upload_deviations(c, what, &res);
    if (res.failed_at) {
        char *w = rc_fmt("%s: %s", what, res.failed_at);
        char exp[16];
        snprintf(exp, sizeof(exp), "%ld", res.expected_status);
        judge_unexpected(c, st, w, resp, exp);
        free(w);
        rc_upload_result_dispose(&res);
        return 1;
    }
    sctx_track(c, repo, digest, false);
    const char *dcd = rc_http_headers_get(&resp->headers, "Docker-Content-Digest");
    if (resp->status == 201 && !o->bad_digest && rc_str_eq(dcd, digest))
        sctx_created(c, repo, digest)->confirmed = true;
    if (res.refused_chunk) {
        c->fallback = true;
        sctx_add_note(c,
                      "%s: a %" PRIu64 "-byte PATCH was refused with 413; the upload went through "
                      "in %" PRIu64 "-byte chunks%s",
                      what, res.refused_chunk, res.chunk_used,
                      o->chunk_size == 4 * RC_MIB ? " (kwctl always sends 4 MiB chunks)" : "");
    }
    if (res.single_post_declined)
        step_save(c, st, "single_post", "declined");
    rc_upload_result_dispose(&res);
    return 0;
}

static int build_artifact(struct sctx *c, const struct rc_step *st, struct rc_artifact *out)
{
    rc_autofree char *kind = step_arg(c, st, "artifact");
    rc_autofree char *seed = step_arg(c, st, "seed");
    rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "");
    uint64_t size = (uint64_t)step_num(st, "size", 0);
    struct rc_error *err = NULL;
    int rc;
    struct rc_artifact_desc subject = {0};
    const char *subj_name = rc_step_str(st, "subject");
    if (subj_name) {
        struct saved_artifact *sa = sctx_artifact(c, subj_name);
        if (!sa) {
            judge_suite(c, "subject '%s' names no pushed artifact", subj_name);
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
    } else if (rc_str_eq(kind, "oci-image") || rc_str_eq(kind, "oci-custom-layer")) {
        struct rc_artifact_image_opts o = {
            .salt = salt,
            .layer_size = size ? size : DEFAULT_LAYER_SIZE,
            .layer_media_type =
                rc_str_eq(kind, "oci-custom-layer") ? "application/vnd.regcompat.layer.v1" : NULL,
            .subject = subj_name ? &subject : NULL};
        rc = rc_artifact_build_image(out, &o, &err);
    } else if (rc_str_eq(kind, "oci-artifact") || rc_str_eq(kind, "oci-artifact-config")) {
        /* OCI 1.1 artifact guidance: a custom artifactType with the empty config; or the
         * older way, a custom config media type and no artifactType */
        bool cfg = rc_str_eq(kind, "oci-artifact-config");
        struct rc_artifact_layer_spec layer = {.size = size ? size : DEFAULT_LAYER_SIZE};
        struct rc_artifact_oci_opts o = {
            .salt = salt,
            .artifact_type = cfg ? NULL : "application/vnd.regcompat.test.v1",
            .config_media_type = cfg ? "application/vnd.regcompat.config.v1+json" : NULL,
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
        judge_suite(c, "unknown artifact '%s' (or it needs a subject)", kind);
        return 1;
    }
    rc_artifact_desc_dispose(&subject);
    if (rc < 0) {
        judge_suite(c, "building %s: %s", kind, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    return 0;
}

/* Pushes every blob of a built artifact, then its manifest under reference. Returns < 0
 * when the scenario is decided on the way (a blob upload or the transport failed; resp then
 * went to `last`), else 0 with the manifest PUT's answer in resp, whatever its status.
 * A blob this check has already uploaded into the same repository (blob_uploaded), such as
 * the empty config "{}" that two referrers share, is not sent again: clients do not upload
 * what the registry holds. oras-go v2 asks first (copy.go, CopyGraph: the pre-handler calls
 * dst.Exists and skips a descriptor the target has); remembering what this check pushed
 * gives the same result without the HEAD. Explicit push-blob steps always upload. */
int step_push_built(struct sctx *c, const struct rc_step *st, const char *repo,
                    const char *reference, const struct rc_artifact *art,
                    const struct rc_upload_opts *uo, struct rc_http_response *resp)
{
    for (size_t i = 0; i < art->nblobs; i++) {
        struct rc_artifact_blob *b = &art->blobs[i];
        if (blob_uploaded(c, repo, b->desc.digest))
            continue;
        rc_autofree char *what =
            rc_fmt("upload of blob %s (%s)", b->desc.digest, b->desc.media_type);
        rc_http_response_dispose(resp);
        rc_http_response_init(resp);
        if (step_upload(c, st, repo, b->desc.digest, &b->src, uo, what, resp)) {
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
        judge_transport(c, "manifest PUT", rc, err);
        return -1;
    }
    if (resp->status / 100 == 2)
        sctx_track(c, repo, art->digest, true);
    return 0;
}

int op_push_artifact(struct sctx *c, const struct rc_step *st)
{
    if (kwctl_client(c, st))
        return kwctl_push_artifact(c, st);
    struct rc_artifact art = {0};
    if (build_artifact(c, st, &art))
        return 1;
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    struct rc_upload_opts uo;
    if (step_split(c, ref, &repo, &reference) || upload_opts_from(c, st, "kwctl", &uo)) {
        rc_artifact_dispose(&art);
        return 1;
    }
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    if (step_push_built(c, st, repo, reference, &art, &uo, &resp) < 0) {
        rc_artifact_dispose(&art);
        return 1;
    }
    step_save_answer(c, st, &resp);
    step_save(c, st, "digest", art.digest);
    step_save_u64(c, st, "size", art.manifest_len);
    step_save(c, st, "media_type", art.media_type);
    step_save(c, st, "ref", ref);
    step_save(c, st, "tag",
              rc_str_starts(reference, "sha") && strchr(reference, ':') ? "" : reference);
    char *loc = rc_oci_location(&resp);
    const char *seg = loc ? strrchr(loc, '/') : NULL;
    step_save(c, st, "location_digest", seg ? seg + 1 : "");
    free(loc);
    struct rc_error *err = NULL;
    struct rc_artifact_manifest m = {0};
    if (rc_artifact_manifest_parse(&m, art.manifest, art.manifest_len, &err) == 0) {
        if (m.config)
            step_save(c, st, "config_digest", m.config->digest);
        if (m.nlayers) {
            step_save(c, st, "layer_digest", m.layers[0].digest);
            step_save_u64(c, st, "layer_size", (uint64_t)m.layers[0].size);
        }
        step_save(c, st, "artifact_type",
                  m.artifact_type ? m.artifact_type
                  : m.config      ? m.config->media_type
                                  : "");
    }
    rc_error_free(err);
    rc_artifact_manifest_dispose(&m);
    int stop = judge_answer(c, st, "manifest PUT", &resp, "201");
    sctx_set_last(c, &resp);
    if (step_save_name(st)) {
        struct saved_artifact sa = {rc_xstrdup(step_save_name(st)), art};
        RC_PUSH(c->arts, c->narts, c->caparts, sa);
    } else {
        rc_artifact_dispose(&art);
    }
    return stop;
}

int op_push_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *content = step_arg(c, st, "content");
    rc_autofree char *seed = step_arg(c, st, "seed");
    rc_autofree char *bad = step_arg(c, st, "digest");
    struct rc_blob_src blob;
    if (content) {
        rc_artifact_blob_mem_copy(&blob, content, strlen(content));
    } else {
        rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "");
        rc_artifact_blob_synthetic(&blob, rc_artifact_seed(salt, 0),
                                   (uint64_t)step_num(st, "size", DEFAULT_BLOB_SIZE));
    }
    char digest[RC_DIGEST_MAX];
    struct rc_error *err = NULL;
    if (rc_artifact_blob_digest(digest, &blob, &err) < 0) {
        rc_artifact_blob_dispose(&blob);
        judge_suite(c, "blob source: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    struct rc_upload_opts uo;
    if (upload_opts_from(c, st, "post-put", &uo)) {
        rc_artifact_blob_dispose(&blob);
        return 1;
    }
    uo.bad_digest = bad;
    step_save(c, st, "digest", digest);
    step_save_u64(c, st, "size", (uint64_t)blob.length);
    struct rc_http_response r;
    rc_http_response_init(&r);
    int stop = step_upload(c, st, repo, digest, &blob, &uo, "blob upload", &r);
    step_save_answer(c, st, &r);
    sctx_set_last(c, &r);
    rc_artifact_blob_dispose(&blob);
    return stop;
}

int op_mount_blob(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *digest = step_arg(c, st, "digest");
    rc_autofree char *from = step_arg(c, st, "from");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_mount(&c->w->oci, repo, digest, from, &r, &err);
    if (rc == 0 && r.status == 201)
        sctx_track(c, repo, digest, false);
    step_save(c, st, "digest", digest);
    return step_finish(c, st, "mount POST", rc, err, &r);
}

int op_upload_session(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *loc = step_arg(c, st, "location");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    bool cancel = st->def->op == RC_OP_CANCEL_UPLOAD;
    int rc = cancel ? rc_oci_upload_cancel(&c->w->oci, repo, loc, &r, &err)
                    : rc_oci_upload_status(&c->w->oci, repo, loc, &r, &err);
    return step_finish(c, st, cancel ? "upload DELETE" : "upload status GET", rc, err, &r);
}
