/* Signatures (issue 10): signing a manifest as cosign does, and finding and verifying its
 * signatures as the verifiers read them.
 *
 * Sources (read for the facts, cited by version):
 * - kwctl verify = policy-fetcher v0.11.0 src/verify/mod.rs (fetch_sigstore_remote_data,
 *   verify_local_file_checksum) over sigstore-rs 0.13.0 src/cosign/client.rs: triangulate
 *   (HEAD the policy manifest for its digest, tag sha256-<hex>.sig), trusted_signature_layers
 *   (GET the .sig manifest, then pull it with the simple-signing layer type as the only
 *   accepted one: config and layers), signature_layers.rs SignatureLayer::new (the layer's
 *   sha256 must be its descriptor digest, the payload must name the policy digest, the
 *   signature is the dev.cosignproject.cosign/signature annotation) and is_signed_by_key
 *   (the base64 signature over the payload bytes); then the policy manifest by digest, which
 *   must have exactly one wasm layer, the local file.
 * - Sigstore bundles: cosign v3.1.2 pkg/oci/remote/write.go (WriteReferrer: HEAD the subject,
 *   the empty config, PUT by digest) and sigstore-rs 0.14.0 src/cosign/client.rs
 *   (fetch_signature_layers_from_referrers: the referrers of the digest, unfiltered, each
 *   pulled with the bundle layer type accepted); DSSE v1.0 for the signed PAE. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

#define MAX_SIG_BLOB       (256 * 1024)
#define INTOTO_PAYLOADTYPE "application/vnd.in-toto+json"
#define SIG_ANNOTATION     "dev.cosignproject.cosign/signature"

/* The scenario's key of that name, made on first use. REGCOMPAT_TEST_KEY_SEED (tests only)
 * derives it from "<seed>/<name>" so that the secrets test knows which bytes must never
 * appear in any output. NULL: decided (error). */
static struct rc_crypto_key *scenario_key(struct sctx *c, const char *name)
{
    for (size_t i = 0; i < c->nkeys; i++)
        if (rc_str_eq(c->keys[i].name, name))
            return c->keys[i].key;
    struct sign_key k = {rc_xstrdup(name), NULL};
    struct rc_error *err = NULL;
    const char *seed = getenv("REGCOMPAT_TEST_KEY_SEED");
    int rc;
    if (seed && *seed) {
        rc_autofree char *material = rc_fmt("%s/%s", seed, name);
        rc = rc_crypto_key_from_seed(&k.key, material, strlen(material), &err);
    } else {
        rc = rc_crypto_key_generate(&k.key, &err);
    }
    if (rc < 0) {
        free(k.name);
        judge_suite(c, "signing key: %s", rc_error_msg(err));
        rc_error_free(err);
        return NULL;
    }
    RC_PUSH(c->keys, c->nkeys, c->capkeys, k);
    return k.key;
}

/* 0 when the signature (DER bytes) of data verifies with one of the scenario's keys. */
static int verify_any_key(struct sctx *c, const void *data, size_t len, const struct rc_buf *sig)
{
    for (size_t i = 0; i < c->nkeys; i++) {
        struct rc_error *err = NULL;
        int rc = rc_crypto_verify(c->keys[i].key, data, len, sig->data, sig->len, &err);
        rc_error_free(err);
        if (rc == 0)
            return 0;
    }
    return RC_EPROTO;
}

/* A request whose answer must be 200 (what every verifier requires). 1 = decided. */
static int want_200(struct sctx *c, const struct rc_step *st, const char *what, int rc,
                    struct rc_error *err, struct rc_http_response *r)
{
    if (rc < 0)
        return judge_transport(c, what, rc, err);
    if (r->status != 200)
        return judge_unexpected(c, st, what, r, "200");
    return 0;
}

/* GET of a small blob named by a descriptor, checked as the verifiers check it: 200, the
 * whole body, its sha256 equal to the descriptor's digest. 1 = decided. */
static int get_sig_blob(struct sctx *c, const struct rc_step *st, const char *repo,
                        const struct rc_artifact_desc *d, const char *kind,
                        struct rc_http_response *r)
{
    struct rc_error *err = NULL;
    rc_autofree char *what = rc_fmt("GET of the %s blob %s", kind, d->digest);
    int rc = rc_oci_blob_get(&c->w->oci, repo, d->digest, false, NULL, MAX_SIG_BLOB, r, &err);
    if (want_200(c, st, what, rc, err, r))
        return 1;
    if (r->body.len != r->body_bytes)
        return judge_wrong(c, "%s: %" PRIu64 " bytes, more than a signature blob can be", what,
                           r->body_bytes);
    if (!rc_str_eq(r->body_digest, d->digest))
        return judge_wrong(c, "%s: the content hashes to %s, not to its digest", what,
                           r->body_digest);
    return 0;
}

/* GET of a manifest that must be an image manifest; the body's digest is checked against
 * Docker-Content-Digest and, when ref is a digest, against it. 1 = decided. */
static int get_manifest(struct sctx *c, const struct rc_step *st, const char *repo, const char *ref,
                        const char *what, struct rc_artifact_manifest *m,
                        struct rc_http_response *r)
{
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, ref, false, RC_ACCEPT_KWCTL, r, &err);
    if (want_200(c, st, what, rc, err, r))
        return 1;
    const char *dcd = rc_http_headers_get(&r->headers, "Docker-Content-Digest");
    if (dcd && !rc_str_eq(dcd, r->body_digest))
        return judge_wrong(c, "%s: Docker-Content-Digest says %s, the body hashes to %s", what, dcd,
                           r->body_digest);
    if (strchr(ref, ':') && !rc_str_eq(ref, r->body_digest))
        return judge_wrong(c, "%s: the body hashes to %s", what, r->body_digest);
    if (rc_artifact_manifest_parse(m, r->body.data ? r->body.data : "", r->body.len, &err) < 0) {
        judge_wrong(c, "%s: not a manifest: %s", what, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    if (m->is_index)
        return judge_wrong(c, "%s: an image index, where an image manifest was written", what);
    return 0;
}

/* The digest a reference resolves to, as oci-client's fetch_manifest_digest finds it: HEAD
 * with kwctl's Accept and Docker-Content-Digest, or a GET and the body's hash when the
 * header is missing (a deviation). 1 = decided. */
static int resolve(struct sctx *c, const struct rc_step *st, const char *repo, const char *ref,
                   char out[RC_DIGEST_MAX])
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    rc_autofree char *what = rc_fmt("HEAD of the signed manifest %s", ref);
    int rc = rc_oci_manifest_get(&c->w->oci, repo, ref, true, RC_ACCEPT_KWCTL, &r, &err);
    if (want_200(c, st, what, rc, err, &r)) {
        sctx_set_last(c, &r);
        return 1;
    }
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    if (dcd && rc_digest_valid(dcd)) {
        snprintf(out, RC_DIGEST_MAX, "%s", dcd);
        rc_http_response_dispose(&r);
        return 0;
    }
    judge_deviation(c,
                    "HEAD of %s answered no Docker-Content-Digest (\"Pulling manifests\" "
                    "requires it): resolved with a GET, as oci-client does",
                    ref);
    rc_http_response_dispose(&r);
    rc_http_response_init(&r);
    free(what);
    what = rc_fmt("GET of the signed manifest %s", ref);
    rc = rc_oci_manifest_get(&c->w->oci, repo, ref, false, RC_ACCEPT_KWCTL, &r, &err);
    if (want_200(c, st, what, rc, err, &r)) {
        sctx_set_last(c, &r);
        return 1;
    }
    snprintf(out, RC_DIGEST_MAX, "%s", r.body_digest);
    rc_http_response_dispose(&r);
    return 0;
}

/* ---- sign ------------------------------------------------------------------------------ */

static int sign_bundle(struct sctx *c, const struct rc_step *st, struct saved_artifact *sa,
                       const struct rc_crypto_key *key, const char *salt)
{
    struct rc_artifact_desc subject = {0};
    rc_artifact_desc_of(&subject, &sa->art);
    char subject_digest[RC_DIGEST_MAX];
    snprintf(subject_digest, sizeof(subject_digest), "%s", sa->art.digest);
    /* cosign 3 `sign` writes a DSSE envelope with the cosign sign predicate */
    struct rc_artifact_bundle_opts o = {
        .salt = salt, .subject = &subject, .content = "dsse-envelope", .key = key};
    struct rc_artifact art = {0};
    struct rc_error *err = NULL;
    int rc = rc_artifact_build_sigstore_bundle(&art, &o, &err);
    rc_artifact_desc_dispose(&subject);
    if (rc < 0) {
        judge_suite(c, "building the bundle: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    int stop = referrer_push(c, st, &art, subject_digest, "auto");
    step_keep_artifact(c, st, &art);
    return stop;
}

/* cosign's append: the stored .sig manifest (200) gets one more layer; none (404) starts a
 * new one. *old is filled when one is stored. 1 = decided. */
static int read_stored_sig(struct sctx *c, const struct rc_step *st, const char *tag,
                           struct rc_artifact_manifest *old, bool *found)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    *found = false;
    int rc = rc_oci_manifest_get(&c->w->oci, c->repo, tag, false, RC_ACCEPT_KWCTL, &r, &err);
    int stop = 0;
    if (rc < 0) {
        stop = judge_transport(c, "GET of the stored signature manifest", rc, err);
    } else if (r.status == 200) {
        if (rc_artifact_manifest_parse(old, r.body.data ? r.body.data : "", r.body.len, &err) < 0 ||
            old->is_index) {
            stop = judge_wrong(c,
                               "GET of the stored signature manifest %s: not an image "
                               "manifest%s%s",
                               tag, err ? ": " : "", err ? rc_error_msg(err) : "");
            rc_error_free(err);
        } else {
            *found = true;
        }
    } else if (r.status != 404) {
        stop = judge_unexpected(c, st, "GET of the stored signature manifest", &r, "200 or 404");
    }
    if (stop)
        sctx_set_last(c, &r);
    else
        rc_http_response_dispose(&r);
    return stop;
}

int op_sign(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = step_subject_arg(c, st);
    if (!sa)
        return 1;
    rc_autofree char *format = step_arg(c, st, "format");
    rc_autofree char *key_name = step_arg(c, st, "key");
    struct rc_crypto_key *key = scenario_key(c, key_name ? key_name : "default");
    if (!key)
        return 1;
    rc_autofree char *salt =
        rc_fmt("%s/%s/sign/%s", c->w->run_id, c->sc->id, key_name ? key_name : "default");
    if (format && rc_str_eq(format, "bundle"))
        return sign_bundle(c, st, sa, key, salt);
    if (format && !rc_str_eq(format, "cosign")) {
        judge_suite(c, "sign: unknown format '%s'", format);
        return 1;
    }
    char subject_digest[RC_DIGEST_MAX];
    snprintf(subject_digest, sizeof(subject_digest), "%s", sa->art.digest);
    rc_autofree char *tag = rc_artifact_cosign_tag(subject_digest);
    struct rc_artifact_manifest old = {0};
    bool found = false;
    if (step_num(st, "append", 1) && read_stored_sig(c, st, tag, &old, &found)) {
        rc_artifact_manifest_dispose(&old);
        return 1;
    }
    rc_autofree char *dref = rc_fmt("%s/%s", c->w->host, c->repo);
    struct rc_artifact_cosign_opts o = {.salt = salt,
                                        .docker_reference = dref,
                                        .manifest_digest = subject_digest,
                                        .key = key,
                                        .append_to = found ? &old : NULL};
    struct rc_artifact art = {0};
    struct rc_error *err = NULL;
    int rc = rc_artifact_build_cosign(&art, &o, &err);
    rc_artifact_manifest_dispose(&old);
    if (rc < 0) {
        judge_suite(c, "building the signature: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    struct rc_upload_opts uo = {.mode = RC_UPLOAD_POST_PUT};
    struct rc_http_response r;
    rc_http_response_init(&r);
    if (step_push_built(c, st, c->repo, tag, &art, &uo, &r) < 0) {
        rc_artifact_dispose(&art);
        return 1;
    }
    step_save_answer(c, st, &r);
    step_save(c, st, "digest", art.digest);
    step_save(c, st, "tag", tag);
    int stop = judge_answer(c, st, "signature manifest PUT", &r, "201");
    sctx_set_last(c, &r);
    step_keep_artifact(c, st, &art);
    return stop;
}

/* ---- verify: cosign, kwctl's read path ---------------------------------------------------- */

/* One simple-signing layer whose blob is in r: the payload names the policy and the
 * annotation's signature verifies. 1 = decided. */
static int check_sig_layer(struct sctx *c, const struct rc_artifact_desc *l, const char *digest,
                           const struct rc_http_response *r)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    if (rc_json_parse(&j, r->body.data ? r->body.data : "", r->body.len, &err) < 0) {
        judge_wrong(c, "signature layer %s: the payload is not JSON: %s", l->digest,
                    rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    const char *named = rc_json_str(rc_json_path(j, "critical.image.docker-manifest-digest"));
    int stop = 0;
    if (!rc_str_eq(named, digest))
        stop = judge_wrong(c, "signature layer %s: the payload names %s, not the policy %s",
                           l->digest, named ? named : "no digest", digest);
    rc_json_free(j);
    if (stop)
        return 1;
    const char *b64 = rc_artifact_annots_get(&l->annotations, SIG_ANNOTATION);
    if (!b64)
        return judge_wrong(c,
                           "signature layer %s: no %s annotation (the registry dropped the "
                           "layer's annotations)",
                           l->digest, SIG_ANNOTATION);
    struct rc_buf sig = RC_BUF_INIT(0);
    if (rc_crypto_unbase64(&sig, b64, strlen(b64), &err) < 0) {
        rc_error_free(err);
        rc_buf_dispose(&sig);
        return judge_wrong(c, "signature layer %s: the %s annotation is not base64", l->digest,
                           SIG_ANNOTATION);
    }
    int v = verify_any_key(c, r->body.data, r->body.len, &sig);
    rc_buf_dispose(&sig);
    if (v < 0)
        return judge_wrong(c,
                           "signature layer %s: the ECDSA signature does not verify over the "
                           "payload with the signing key",
                           l->digest);
    return 0;
}

static int verify_cosign(struct sctx *c, const struct rc_step *st, const char *repo,
                         const char *digest, int64_t want)
{
    rc_autofree char *tag = rc_artifact_cosign_tag(digest);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_artifact_manifest m = {0};
    rc_autofree char *what = rc_fmt("GET of the signature manifest %s", tag);
    if (get_manifest(c, st, repo, tag, what, &m, &r)) {
        rc_artifact_manifest_dispose(&m);
        sctx_set_last(c, &r);
        return 1;
    }
    step_save(c, st, "digest", r.body_digest);
    step_save(c, st, "via", "tag");
    sctx_set_last(c, &r);
    int stop = 0;
    /* oci-client's pull refuses a layer of a type that was not asked for */
    for (size_t i = 0; i < m.nlayers && !stop; i++)
        if (!rc_str_eq(m.layers[i].media_type, RC_ARTIFACT_MT_COSIGN_SIMPLESIGNING))
            stop =
                judge_wrong(c, "%s: layer %s has media type %s, not %s", what, m.layers[i].digest,
                            m.layers[i].media_type, RC_ARTIFACT_MT_COSIGN_SIMPLESIGNING);
    if (!stop && m.config) {
        struct rc_http_response b;
        rc_http_response_init(&b);
        stop = get_sig_blob(c, st, repo, m.config, "signature config", &b);
        rc_http_response_dispose(&b);
    }
    int64_t verified = 0;
    for (size_t i = 0; i < m.nlayers && !stop; i++) {
        struct rc_http_response b;
        rc_http_response_init(&b);
        stop = get_sig_blob(c, st, repo, &m.layers[i], "signature layer", &b) ||
               check_sig_layer(c, &m.layers[i], digest, &b);
        rc_http_response_dispose(&b);
        verified += !stop;
    }
    step_save_u64(c, st, "count", (uint64_t)verified);
    if (!stop && verified != want)
        stop = judge_wrong(c, "%s: %" PRId64 " signature%s verified, %" PRId64 " were written",
                           what, verified, verified == 1 ? "" : "s", want);
    rc_artifact_manifest_dispose(&m);
    return stop;
}

/* ---- verify: Sigstore bundles as referrers ------------------------------------------------ */

/* The referrers of digest into c->refs: the API, or the tag schema when the registry has
 * none (a fallback: pass with a note). 1 = decided. */
static int list_referrers(struct sctx *c, const struct rc_step *st, const char *repo,
                          const char *digest)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_referrers(&c->w->oci, repo, digest, NULL, &r, &err);
    if (rc < 0)
        return judge_transport(c, "referrers GET", rc, err);
    bool index_ok = false;
    rc_autofree char *no_api = referrers_no_api(&r, &index_ok);
    if (!no_api) {
        int stop = r.status == 200 ? referrers_take_index(c, &r, "referrers GET")
                                   : judge_unexpected(c, st, "referrers GET", &r, "200");
        step_save(c, st, "via", "referrers API");
        sctx_set_last(c, &r);
        return stop;
    }
    rc_http_response_dispose(&r);
    rc_http_response_init(&r);
    bool found = false;
    if (referrers_fallback_get(c, st, repo, digest, &found, &r)) {
        sctx_set_last(c, &r);
        return 1;
    }
    step_save(c, st, "via", "tag schema");
    int stop = 0;
    if (found) {
        stop = referrers_take_index(c, &r, "referrers tag schema index");
    } else {
        rc_artifact_manifest_dispose(&c->refs);
        memset(&c->refs, 0, sizeof(c->refs));
    }
    if (!stop && c->refs.nmanifests) {
        c->fallback = true;
        sctx_add_note(c,
                      "no referrers API (%s): the bundle was found through the tag schema "
                      "index",
                      no_api);
    }
    sctx_set_last(c, &r);
    return stop;
}

/* One bundle layer (its blob in r): a v0.3 bundle with a DSSE envelope over an in-toto
 * statement naming digest, signed by a key of the scenario. 1 = decided. */
static int check_bundle(struct sctx *c, const char *layer_digest, const char *digest,
                        const struct rc_http_response *r)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    if (rc_json_parse(&j, r->body.data ? r->body.data : "", r->body.len, &err) < 0) {
        judge_wrong(c, "bundle %s: not JSON: %s", layer_digest, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    int stop = 0;
    const char *mt = rc_json_get_str(j, "mediaType");
    const char *ptype = rc_json_str(rc_json_path(j, "dsseEnvelope.payloadType"));
    const char *payload = rc_json_str(rc_json_path(j, "dsseEnvelope.payload"));
    const struct rc_json *sigs = rc_json_path(j, "dsseEnvelope.signatures");
    struct rc_buf stmt = RC_BUF_INIT(0), sig = RC_BUF_INIT(0), pae = RC_BUF_INIT(0);
    struct rc_json *sj = NULL;
    if (!rc_str_eq(mt, RC_ARTIFACT_MT_SIGSTORE_BUNDLE)) {
        stop = judge_wrong(c, "bundle %s: mediaType %s, not %s", layer_digest, mt ? mt : "absent",
                           RC_ARTIFACT_MT_SIGSTORE_BUNDLE);
    } else if (!rc_str_eq(ptype, INTOTO_PAYLOADTYPE) || !payload || rc_json_len(sigs) < 1) {
        stop = judge_wrong(c,
                           "bundle %s: no DSSE envelope with an in-toto payload and a "
                           "signature",
                           layer_digest);
    } else if (rc_crypto_unbase64(&stmt, payload, strlen(payload), &err) < 0 ||
               rc_json_parse(&sj, stmt.data ? stmt.data : "", stmt.len, &err) < 0) {
        stop = judge_wrong(c, "bundle %s: the DSSE payload is not base64 JSON", layer_digest);
    } else {
        const char *colon = strchr(digest, ':');
        rc_autofree char *alg = rc_xstrndup(digest, (size_t)(colon - digest));
        bool names = false;
        const struct rc_json *subj = rc_json_get(sj, "subject");
        for (size_t i = 0; i < rc_json_len(subj); i++) {
            const char *h = rc_json_get_str(rc_json_get(rc_json_at(subj, i), "digest"), alg);
            names |= rc_str_eq(h, colon + 1);
        }
        const char *b64 = rc_json_get_str(rc_json_at(sigs, 0), "sig");
        if (!names) {
            stop = judge_wrong(c, "bundle %s: the in-toto statement does not name %s", layer_digest,
                               digest);
        } else if (!b64 || rc_crypto_unbase64(&sig, b64, strlen(b64), &err) < 0) {
            stop = judge_wrong(c, "bundle %s: the DSSE signature is not base64", layer_digest);
        } else {
            rc_artifact_dsse_pae(&pae, INTOTO_PAYLOADTYPE, stmt.data, stmt.len);
            if (verify_any_key(c, pae.data, pae.len, &sig) < 0)
                stop = judge_wrong(c,
                                   "bundle %s: the DSSE signature does not verify with the "
                                   "signing key",
                                   layer_digest);
        }
    }
    rc_error_free(err);
    rc_json_free(sj);
    rc_json_free(j);
    rc_buf_dispose(&stmt);
    rc_buf_dispose(&sig);
    rc_buf_dispose(&pae);
    return stop;
}

static int verify_bundle(struct sctx *c, const struct rc_step *st, const char *repo,
                         const char *digest, int64_t want)
{
    if (list_referrers(c, st, repo, digest))
        return 1;
    /* sigstore-rs reads every referrer (the index entry's artifactType is not trusted) and
     * keeps the layers of the bundle type */
    size_t n = c->refs.nmanifests;
    char **refs = rc_xcalloc(n + 1, sizeof(*refs));
    for (size_t i = 0; i < n; i++)
        refs[i] = rc_xstrdup(c->refs.manifests[i].digest);
    int stop = 0;
    int64_t verified = 0;
    for (size_t i = 0; i < n && !stop; i++) {
        struct rc_http_response r;
        rc_http_response_init(&r);
        struct rc_artifact_manifest m = {0};
        rc_autofree char *what = rc_fmt("GET of the referrer %s", refs[i]);
        stop = get_manifest(c, st, repo, refs[i], what, &m, &r);
        for (size_t k = 0; k < m.nlayers && !stop; k++) {
            if (!rc_str_eq(m.layers[k].media_type, RC_ARTIFACT_MT_SIGSTORE_BUNDLE))
                continue;
            struct rc_http_response b;
            rc_http_response_init(&b);
            stop = get_sig_blob(c, st, repo, &m.layers[k], "bundle", &b) ||
                   check_bundle(c, m.layers[k].digest, digest, &b);
            rc_http_response_dispose(&b);
            verified += !stop;
        }
        rc_artifact_manifest_dispose(&m);
        if (stop)
            sctx_set_last(c, &r);
        else
            rc_http_response_dispose(&r);
    }
    for (size_t i = 0; i < n; i++)
        free(refs[i]);
    free(refs);
    step_save_u64(c, st, "count", (uint64_t)verified);
    if (!stop && verified != want)
        stop = judge_wrong(c,
                           "%" PRId64 " Sigstore bundle%s of %s verified among its %zu "
                           "referrers, %" PRId64 " were written",
                           verified, verified == 1 ? "" : "s", digest, n, want);
    return stop;
}

/* policy-fetcher's last step: the verified digest's manifest has exactly one wasm layer, and
 * it is the local file (here: the subject's wasm blob). 1 = decided. */
static int check_policy_layer(struct sctx *c, const struct rc_step *st, const char *repo,
                              const char *digest, const struct rc_artifact *subject)
{
    const struct rc_artifact_blob *local = NULL;
    for (size_t i = 0; i < subject->nblobs; i++)
        if (rc_str_eq(subject->blobs[i].desc.media_type, RC_ARTIFACT_MT_WASM_LAYER_V1))
            local = &subject->blobs[i];
    if (!local)
        return 0; /* not a policy: nothing local to compare */
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_artifact_manifest m = {0};
    rc_autofree char *what = rc_fmt("GET of the verified policy %s", digest);
    int stop = get_manifest(c, st, repo, digest, what, &m, &r);
    size_t nwasm = 0;
    const char *layer = NULL;
    for (size_t i = 0; i < m.nlayers && !stop; i++)
        if (rc_str_eq(m.layers[i].media_type, RC_ARTIFACT_MT_WASM_LAYER_V1)) {
            nwasm++;
            layer = m.layers[i].digest;
        }
    if (!stop && nwasm != 1)
        stop = judge_wrong(c, "%s: %zu wasm layers, kwctl verify needs exactly one", what, nwasm);
    else if (!stop && !rc_str_eq(layer, local->desc.digest))
        stop = judge_wrong(c, "%s: its wasm layer is %s, the signed file is %s", what, layer,
                           local->desc.digest);
    rc_artifact_manifest_dispose(&m);
    if (stop)
        sctx_set_last(c, &r);
    else
        rc_http_response_dispose(&r);
    return stop;
}

int op_verify(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = step_subject_arg(c, st);
    if (!sa)
        return 1;
    if (!c->nkeys)
        return judge_suite(c, "verify: no key of this scenario signed anything");
    rc_autofree char *format = step_arg(c, st, "format");
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (ref) {
        if (step_split(c, ref, &repo, &reference))
            return 1;
    } else {
        repo = rc_xstrdup(c->repo);
        reference = rc_xstrdup(sa->art.digest);
    }
    char digest[RC_DIGEST_MAX];
    if (resolve(c, st, repo, reference, digest))
        return 1;
    if (!rc_str_eq(digest, sa->art.digest))
        return judge_wrong(c, "%s resolves to %s, not to the signed manifest %s", reference, digest,
                           sa->art.digest);
    int64_t want = step_num(st, "signatures", 1);
    int stop = format && rc_str_eq(format, "bundle") ? verify_bundle(c, st, repo, digest, want)
                                                     : verify_cosign(c, st, repo, digest, want);
    return stop || check_policy_layer(c, st, repo, digest, &sa->art);
}

/* ---- what deleting a signed manifest leaves behind ---------------------------------------- */

int op_signature_leftovers(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = step_subject_arg(c, st);
    if (!sa)
        return 1;
    rc_autofree char *format = step_arg(c, st, "format");
    char digest[RC_DIGEST_MAX];
    snprintf(digest, sizeof(digest), "%s", sa->art.digest);
    if (format && rc_str_eq(format, "bundle")) {
        if (list_referrers(c, st, c->repo, digest))
            return 1;
        size_t n = c->refs.nmanifests;
        step_save_u64(c, st, "left", n);
        if (n)
            sctx_add_note(c,
                          "deleting the policy left %zu referrer%s of %s listed (its Sigstore "
                          "bundle): clients must delete them",
                          n, n == 1 ? "" : "s", digest);
        else
            sctx_add_note(c, "after deleting the policy, no referrer of %s is listed", digest);
        return 0;
    }
    rc_autofree char *tag = rc_artifact_cosign_tag(digest);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, c->repo, tag, true, RC_ACCEPT_KWCTL, &r, &err);
    rc_autofree char *what = rc_fmt("HEAD of the signature tag %s", tag);
    if (rc < 0)
        return judge_transport(c, what, rc, err);
    step_save_answer(c, st, &r);
    int stop = judge_answer(c, st, what, &r, "200 404");
    if (!stop) {
        step_save(c, st, "left", r.status == 200 ? "1" : "0");
        if (r.status == 200)
            sctx_add_note(c,
                          "deleting the policy left its signature behind: %s still answers "
                          "200 (cosign clean removes it)",
                          tag);
        else
            sctx_add_note(c, "the registry removed the signature %s with the policy", tag);
    }
    sctx_set_last(c, &r);
    return stop;
}
