/* Pulling: whole artifacts verified as a client does, and single blobs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

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
        stop = judge_transport(c, what, rc, err);
    } else if (r.status != 200) {
        stop = judge_unexpected(c, st, what, &r, "200");
    } else if (r.body_overflow) {
        judge_wrong(c,
                    "%s: the body goes on past the %" PRId64 " bytes the manifest gives as its "
                    "size (cut there)",
                    what, d->size);
        stop = 1;
    } else if (!rc_str_eq(r.body_digest, d->digest) && rc_str_starts(d->digest, "sha256:")) {
        judge_wrong(c, "%s: content hashes to %s", what, r.body_digest);
        stop = 1;
    } else if (d->size >= 0 && r.body_bytes != (uint64_t)d->size) {
        judge_wrong(c, "%s: %" PRIu64 " bytes, the manifest says %" PRId64, what, r.body_bytes,
                    d->size);
        stop = 1;
    } else if (check_wasm && (r.body.len < 4 || memcmp(r.body.data, "\0asm", 4) != 0)) {
        judge_wrong(c, "%s: the wasm layer does not start with \\0asm", what);
        stop = 1;
    } else if (expected && !rc_artifact_find_blob(expected, d->digest)) {
        judge_wrong(c, "%s: not a blob of the pushed artifact", what);
        stop = 1;
    }
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    if (!stop && dcd && !rc_str_eq(dcd, d->digest)) {
        judge_wrong(c, "%s: Docker-Content-Digest says %s", what, dcd);
        stop = 1;
    }
    rc_http_response_dispose(&r);
    return stop;
}

int op_pull_artifact(struct sctx *c, const struct rc_step *st)
{
    if (kwctl_client(c, st))
        return kwctl_pull_artifact(c, st);
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference))
        return 1;
    rc_autofree char *acc_arg = step_arg(c, st, "accept");
    rc_autofree char *accept = step_accept(acc_arg);
    rc_autofree char *verify = step_arg(c, st, "verify");
    const char *expected_name = rc_step_str(st, "expect_artifact");
    struct saved_artifact *exp = sctx_artifact(c, expected_name);
    if (expected_name && !exp) {
        judge_suite(c, "expect_artifact '%s' names no pushed artifact", expected_name);
        return 1;
    }
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, reference, false, accept, &r, &err);
    if (rc < 0) {
        rc_http_response_dispose(&r);
        return judge_transport(c, "manifest GET", rc, err);
    }
    step_save_answer(c, st, &r);
    if (r.status != 200) {
        /* an answer the step's expectations allow ends the pull here too */
        judge_answer(c, st, "manifest GET", &r, "200");
        sctx_set_last(c, &r);
        return 1;
    }
    const char *ct = rc_http_headers_get(&r.headers, "Content-Type");
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    step_save(c, st, "digest", r.body_digest);
    step_save_u64(c, st, "size", r.body_bytes);
    step_save(c, st, "media_type", ct);
    int stop = 0;
    struct rc_artifact_manifest m = {0};
    bool by_digest = strchr(reference, ':') != NULL;
    if (r.body_truncated) {
        judge_wrong(c, "manifest GET: body larger than the 8 MiB regcompat reads");
        stop = 1;
    } else if (!dcd) {
        judge_wrong(c, "manifest GET: no Docker-Content-Digest header");
        stop = 1;
    } else if (!rc_str_eq(dcd, r.body_digest)) {
        judge_wrong(c, "manifest GET: Docker-Content-Digest %s, content hashes to %s", dcd,
                    r.body_digest);
        stop = 1;
    } else if (by_digest && !rc_str_eq(reference, r.body_digest)) {
        judge_wrong(c, "manifest GET by digest returned content hashing to %s", r.body_digest);
        stop = 1;
    } else if (rc_artifact_manifest_parse(&m, r.body.data, r.body.len, &err) < 0) {
        judge_wrong(c, "manifest GET: body is not a valid manifest: %s", rc_error_msg(err));
        stop = 1;
    } else if (m.schema_version != 2) {
        judge_wrong(c, "manifest GET: schemaVersion %" PRId64 ", expected 2", m.schema_version);
        stop = 1;
    } else {
        const char *want_ct = m.media_type ? m.media_type
                              : exp        ? exp->art.media_type
                              : m.is_index ? RC_MT_OCI_INDEX
                                           : RC_MT_OCI_MANIFEST;
        size_t ctlen = ct ? strcspn(ct, "; ") : 0;
        if (!ct || strlen(want_ct) != ctlen || strncmp(ct, want_ct, ctlen) != 0) {
            judge_wrong(c, "manifest GET: Content-Type '%s', expected '%s'", ct ? ct : "(none)",
                        want_ct);
            stop = 1;
        }
    }
    rc_error_free(err);
    err = NULL;
    bool bytes = !verify || rc_str_eq(verify, "bytes");
    if (!stop && exp && bytes &&
        (r.body.len != exp->art.manifest_len ||
         memcmp(r.body.data, exp->art.manifest, r.body.len) != 0)) {
        judge_wrong(c, "manifest GET: bytes differ from what was pushed (%s, pushed %s)",
                    r.body_digest, exp->art.digest);
        stop = 1;
    }
    bool policy = m.config && rc_str_eq(m.config->media_type, RC_ARTIFACT_MT_WASM_CONFIG_V1);
    if (!stop && policy && rc_artifact_check_policy(&m, &err) < 0) {
        judge_wrong(c, "kwctl would refuse this policy: %s", rc_error_msg(err));
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

int op_get_blob(struct sctx *c, const struct rc_step *st)
{
    bool head = st->def->op == RC_OP_HEAD_BLOB;
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *digest = step_arg(c, st, "digest");
    rc_autofree char *range = step_arg(c, st, "range");
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_blob_get(&c->w->oci, repo, digest, head, range, 64 * 1024, &r, &err);
    if (rc == 0) {
        step_save(c, st, "digest", r.body_digest);
        step_save_u64(c, st, "size", r.body_bytes);
    }
    return step_finish(c, st, head ? "blob HEAD" : "blob GET", rc, err, &r);
}
