/* The kwctl client model: push-artifact and pull-artifact with `client: kwctl` make exactly the
 * requests kwctl makes and accept exactly what it accepts, so a policy check passes where
 * `kwctl push` / `kwctl pull` would work and fails where they would not, naming the kwctl
 * behaviour. The spec suites keep the spec path (ops_push.c, ops_pull.c, src/oci): regcompat's
 * own workarounds (smaller chunks after a 413, RFC 3986 Location resolution, a replay after a
 * 401, retries) are not part of this model.
 *
 * Sources (docs/kwctl-model.md lists every rule): kwctl v1.31.0 (Cargo.lock pins
 * policy-fetcher 0.11.0 and oci-client 0.15.0); oci-client 0.15.0 src/client.rs (push_blob,
 * push_blob_chunked, push_chunk, push_monolithically, push_manifest_raw,
 * extract_location_header, location_header_to_url, _pull_manifest_raw, validate_layers,
 * pull_blob, pull_blob_response, validate_registry_response) and src/digest.rs
 * (validate_digest); policy-fetcher 0.11.0 src/registry/mod.rs (Registry::auth, do_push,
 * build_immutable_ref) and src/lib.rs (WASM_MAGIC_NUMBER). Auth: src/auth/kwctl.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

/* oci-client 0.15.0 src/client.rs: PUSH_CHUNK_MAX_SIZE = 4096 * 1024 */
#define KW_CHUNK        ((size_t)4096 * 1024)
#define KW_MANIFEST_MAX (8 * RC_MIB)
#define KW_BLOB_KEEP    4096

/* One kwctl operation (one push or one pull): kwctl builds a new oci-client Client for each
 * (policy-fetcher Registry::client), so its token cache lives exactly this long. */
struct kw {
    struct sctx *c;
    const struct rc_step *st;
    const char *base; /* the registry's URL */
    char *scope;      /* repository:R:pull,push (push) or repository:R:pull (pull) */
    char *authz;      /* a cached Authorization value (Bearer token or Basic) */
    char *anon_note;  /* why kwctl went on anonymously, for a following 401 */
};

static void kw_dispose(struct kw *k)
{
    free(k->scope);
    free(k->authz);
    free(k->anon_note);
}

bool kwctl_client(struct sctx *c, const struct rc_step *st)
{
    const char *cl = rc_step_str(st, "client");
    if (!cl)
        cl = c->sc->client;
    return cl && rc_str_eq(cl, "kwctl");
}

/* Client::get_auth_token: a cached token is used; without one, the discovery runs again
 * before this request (an anonymous outcome is not cached, so it repeats every time). */
static void kw_auth(struct kw *k)
{
    if (k->authz)
        return;
    struct worker *w = k->c->w;
    char *note = NULL;
    struct rc_error *err = NULL;
    rc_auth_kwctl_discover(w->kw_http, k->base, w->kw_user, w->kw_pass, k->scope,
                           w->profile->auth.allow_insecure_realm, &k->authz, &note, &err);
    rc_error_free(err);
    if (note) {
        free(k->anon_note);
        k->anon_note = note;
    }
}

/* One request as kwctl's reqwest client sends it: HTTP/1.1, no retries, redirects followed.
 * Its Authorization goes only to the registry's origin (a rule of regcompat's, not kwctl's:
 * credentials never leave the registry). */
static int kw_send(struct kw *k, const char *method, const char *url, const char *accept,
                   const char *content_type, const char *content_range, const void *body,
                   size_t body_len, size_t keep, struct rc_http_response *resp,
                   struct rc_error **err)
{
    kw_auth(k);
    struct rc_http_request req = {.method = method,
                                  .url = url,
                                  .body = body,
                                  .body_len = body_len,
                                  .max_body = keep,
                                  .hash_body = true,
                                  .follow_redirects = true};
    if (k->authz && rc_url_same_origin(url, k->base))
        rc_http_headers_add(&req.headers, "Authorization", k->authz);
    if (accept)
        rc_http_headers_add(&req.headers, "Accept", accept);
    if (content_range)
        rc_http_headers_add(&req.headers, "Content-Range", content_range);
    if (content_type)
        rc_http_headers_add(&req.headers, "Content-Type", content_type);
    int rc = rc_http_send(k->c->w->kw_http, &req, resp, err);
    rc_http_headers_dispose(&req.headers);
    return rc;
}

/* A non-2xx answer: the classifier decides (credentials, rate limits, a wrong answer), with
 * why kwctl went anonymous when it did. */
static int kw_unexpected(struct kw *k, const char *what, const struct rc_http_response *r,
                         const char *expected)
{
    if ((r->status == 401 || r->status == 403) && k->anon_note) {
        rc_autofree char *w = rc_fmt("%s (%s)", what, k->anon_note);
        return judge_unexpected(k->c, k->st, w, r, expected);
    }
    return judge_unexpected(k->c, k->st, what, r, expected);
}

enum loc_outcome { LOC_OK, LOC_SPEC_VIOLATION, LOC_NONE, LOC_ERROR };

/* extract_location_header + location_header_to_url: the expected status with a Location
 * gives the URL (a Location starting with '/' is joined to scheme://registry, anything else
 * is taken verbatim); another 2xx is a SpecViolationError; no Location is a
 * RegistryNoLocationError; anything else a ServerError. */
static enum loc_outcome kw_location(struct kw *k, const struct rc_http_response *r, long want,
                                    char **out)
{
    *out = NULL;
    if (r->status != want)
        return r->status / 100 == 2 ? LOC_SPEC_VIOLATION : LOC_ERROR;
    const char *lh = rc_http_headers_get(&r->headers, "Location");
    if (!lh)
        return LOC_NONE;
    *out = lh[0] == '/' ? rc_fmt("%s%s", k->base, lh) : rc_xstrdup(lh);
    return LOC_OK;
}

/* reqwest parses the next request's URL: a Location kept verbatim that is not absolute
 * ("relative URL without a base") ends the push. */
static bool kw_usable_url(const char *u)
{
    return rc_str_starts(u, "http://") || rc_str_starts(u, "https://");
}

/* ---- push ------------------------------------------------------------------------------ */

struct blob_push {
    const char *digest;
    const char *what; /* "layer sha256:..." */
    const char *data;
    size_t len;
};

/* Judges a step of a blob upload that did not give kwctl what it needs. Returns 1 (decided)
 * or 2 (a SpecViolationError: the chunked path restarts monolithically). */
static int kw_upload_answer(struct kw *k, const char *what, const struct rc_http_response *r,
                            long want, bool chunked, char **loc)
{
    enum loc_outcome o = kw_location(k, r, want, loc);
    char ws[16];
    snprintf(ws, sizeof(ws), "%ld", want);
    switch (o) {
    case LOC_OK:
        if (!kw_usable_url(*loc)) {
            judge_wrong(k->c,
                        "%s answered Location '%s': kwctl joins only a Location that starts "
                        "with '/' to the registry and uses any other verbatim, so the next "
                        "request has no valid URL (a path-relative Location breaks kwctl)",
                        what, *loc);
            free(*loc); /* the caller keeps a Location only when the upload goes on */
            *loc = NULL;
            return 1;
        }
        return 0;
    case LOC_SPEC_VIOLATION:
        if (chunked)
            return 2;
        judge_wrong(k->c,
                    "%s answered %ld, not %ld: kwctl takes any other 2xx as a "
                    "SpecViolationError, and in a monolithic upload that is final",
                    what, r->status, want);
        return 1;
    case LOC_NONE:
        judge_wrong(k->c,
                    "%s answered %ld without Location: kwctl needs it "
                    "(RegistryNoLocationError) and stops",
                    what, r->status);
        return 1;
    case LOC_ERROR:
    default:
        if (r->status == 413) {
            rc_autofree char *w =
                rc_fmt("%s: %s",
                       rc_str_starts(what, "PATCH") ? "kwctl sends PATCH chunks of up to 4 MiB "
                                                      "and never smaller ones after a 413"
                                                    : "kwctl has no fallback after a 413",
                       what);
            return kw_unexpected(k, w, r, ws);
        }
        return kw_unexpected(k, what, r, ws);
    }
}

/* Judges one request of a blob upload: no answer, an answer kwctl cannot go on with, or a
 * SpecViolationError of the chunked path, which is a deviation before kwctl restarts the
 * blob monolithically (returns 2). */
static int kw_upload_step(struct kw *k, const char *what, int rc, struct rc_error *err,
                          const struct rc_http_response *r, long want, bool chunked, char **loc)
{
    if (rc < 0)
        return judge_transport(k->c, what, rc, err);
    int stop = kw_upload_answer(k, what, r, want, chunked, loc);
    if (stop == 2) {
        rc_autofree char *ans = describe_answer(r);
        judge_deviation(k->c,
                        "%s answered %s, not %ld: kwctl restarts the blob as one monolithic "
                        "upload (oci-client SpecViolationError fallback)",
                        what, ans, want);
    }
    return stop;
}

static int kw_post(struct kw *k, const char *repo, const char *what, bool chunked, char **loc)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/blobs/uploads/", k->base, repo);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = kw_send(k, "POST", url, NULL, NULL, NULL, NULL, 0, 4096, &r, &err);
    int stop = kw_upload_step(k, what, rc, err, &r, 202, chunked, loc);
    sctx_set_last(k->c, &r);
    return stop;
}

static int kw_put_digest(struct kw *k, const char *loc, const struct blob_push *b, const void *body,
                         size_t len, bool chunked, const char *what)
{
    rc_autofree char *url = NULL;
    struct rc_error *err = NULL;
    if (rc_url_add_query(&url, loc, "digest", b->digest, &err) < 0) {
        judge_wrong(k->c, "%s: kwctl cannot add digest= to the Location %s: %s", what, loc,
                    rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    struct rc_http_response r;
    rc_http_response_init(&r);
    int rc = kw_send(k, "PUT", url, NULL, body ? "application/octet-stream" : NULL, NULL, body, len,
                     4096, &r, &err);
    rc_autofree char *next = NULL;
    int stop = kw_upload_step(k, what, rc, err, &r, 201, chunked, &next);
    sctx_set_last(k->c, &r);
    return stop;
}

/* push_blob_chunked; returns 0 done, 1 decided, 2 restart monolithically. */
static int kw_push_chunked(struct kw *k, const char *repo, const struct blob_push *b)
{
    rc_autofree char *pw = rc_fmt("POST of %s", b->what);
    char *loc = NULL;
    int stop = kw_post(k, repo, pw, true, &loc);
    if (stop)
        return stop;
    size_t nchunks = (b->len + KW_CHUNK - 1) / KW_CHUNK;
    for (size_t i = 0, off = 0; off < b->len; i++) {
        size_t n = b->len - off < KW_CHUNK ? b->len - off : KW_CHUNK;
        char range[64];
        snprintf(range, sizeof(range), "%zu-%zu", off, off + n - 1);
        rc_autofree char *what =
            rc_fmt("PATCH %zu of %zu (%zu bytes) of %s", i + 1, nchunks, n, b->what);
        struct rc_http_response r;
        rc_http_response_init(&r);
        struct rc_error *err = NULL;
        int rc = kw_send(k, "PATCH", loc, NULL, "application/octet-stream", range, b->data + off, n,
                         4096, &r, &err);
        char *next = NULL;
        stop = kw_upload_step(k, what, rc, err, &r, 202, true, &next);
        sctx_set_last(k->c, &r);
        free(loc);
        loc = next;
        if (stop)
            return stop;
        off += n;
    }
    rc_autofree char *what = rc_fmt("closing PUT of %s", b->what);
    stop = kw_put_digest(k, loc, b, NULL, 0, true, what);
    free(loc);
    return stop;
}

static int kw_push_monolithic(struct kw *k, const char *repo, const struct blob_push *b)
{
    rc_autofree char *pw = rc_fmt("monolithic POST of %s", b->what);
    char *loc = NULL;
    int stop = kw_post(k, repo, pw, false, &loc);
    if (stop)
        return stop;
    rc_autofree char *what = rc_fmt("monolithic PUT of %s", b->what);
    stop = kw_put_digest(k, loc, b, b->data, b->len, false, what);
    free(loc);
    return stop;
}

static int kw_push_blob(struct kw *k, const char *repo, struct rc_artifact_blob *ab,
                        const char *kind)
{
    struct rc_buf data = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    if (rc_artifact_blob_rewind(&ab->src, &err) < 0 ||
        rc_artifact_blob_slurp(&data, &ab->src, &err) < 0) {
        judge_suite(k->c, "reading the %s blob: %s", kind, rc_error_msg(err));
        rc_error_free(err);
        rc_buf_dispose(&data);
        return 1;
    }
    rc_autofree char *what = rc_fmt("%s %s", kind, ab->desc.digest);
    struct blob_push b = {ab->desc.digest, what, data.data, data.len};
    int stop = kw_push_chunked(k, repo, &b);
    if (stop == 2) {
        k->c->fallback = true;
        stop = kw_push_monolithic(k, repo, &b);
    }
    rc_buf_dispose(&data);
    if (!stop)
        sctx_track(k->c, repo, ab->desc.digest, false);
    return stop;
}

static bool hex_run(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return false;
    return i == n;
}

/* policy-fetcher build_immutable_ref: the last path segment of the manifest URL must be
 * sha256:<64 hex> or sha512:<128 hex>. Returns that segment or NULL. */
static const char *immutable_digest(const char *url)
{
    const char *seg = strrchr(url, '/');
    seg = seg ? seg + 1 : NULL;
    if (!seg)
        return NULL;
    if (rc_str_starts(seg, "sha256:") && hex_run(seg + 7, 64))
        return seg;
    if (rc_str_starts(seg, "sha512:") && hex_run(seg + 7, 128))
        return seg;
    return NULL;
}

/* push_manifest_raw and build_immutable_ref. 0 = kwctl push succeeded. */
static int kw_put_manifest(struct kw *k, const char *repo, const char *reference,
                           const struct rc_artifact *art, struct rc_http_response *r)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/manifests/%s", k->base, repo, reference);
    struct rc_error *err = NULL;
    int rc = kw_send(k, "PUT", url, NULL, art->media_type, NULL, art->manifest, art->manifest_len,
                     4096, r, &err);
    if (rc < 0)
        return judge_transport(k->c, "kwctl's manifest PUT", rc, err);
    if (r->status / 100 == 2)
        sctx_track(k->c, repo, art->digest, true);
    char *murl = NULL;
    enum loc_outcome o = kw_location(k, r, 201, &murl);
    rc_autofree char *manifest_url = murl;
    if (o == LOC_SPEC_VIOLATION)
        return judge_wrong(k->c,
                           "manifest PUT answered %ld: kwctl accepts only 201 here "
                           "(SpecViolationError, no fallback)",
                           r->status);
    if (o == LOC_ERROR)
        return kw_unexpected(k, "kwctl's manifest PUT", r, "201");
    if (o == LOC_NONE) {
        judge_deviation(k->c, "manifest PUT answered 201 without Location: kwctl builds the "
                              "manifest URL from the sha256 of the bytes it sent");
        manifest_url = rc_fmt("%s/v2/%s/manifests/%s", k->base, repo, art->digest);
    }
    const char *d = immutable_digest(manifest_url);
    if (!d)
        return judge_wrong(k->c,
                           "manifest PUT answered Location '%s': kwctl takes the pushed digest "
                           "from its last path segment and fails (BuildImmutableReferenceError)",
                           manifest_url);
    if (!rc_str_eq(d, art->digest))
        return judge_wrong(k->c,
                           "manifest PUT answered Location naming %s: kwctl would report the "
                           "immutable reference @%s, not the digest pushed (%s)",
                           d, d, art->digest);
    return 0;
}

int kwctl_push_artifact(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *kind = step_arg(c, st, "artifact");
    if (!rc_str_eq(kind, "kubewarden-policy"))
        return judge_suite(c, "client kwctl pushes only kubewarden-policy, not '%s'", kind);
    rc_autofree char *seed = step_arg(c, st, "seed");
    rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "");
    struct rc_artifact art = {0};
    struct rc_artifact_policy_opts po = {.salt = salt,
                                         .wasm_size = (uint64_t)step_num(st, "size", 0)};
    struct rc_error *err = NULL;
    if (rc_artifact_build_policy(&art, &po, &err) < 0) {
        judge_suite(c, "building the policy: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference)) {
        rc_artifact_dispose(&art);
        return 1;
    }
    struct rc_artifact_manifest m = {0};
    if (rc_artifact_manifest_parse(&m, art.manifest, art.manifest_len, &err) < 0 || !m.config) {
        judge_suite(c, "the built policy manifest: %s", err ? rc_error_msg(err) : "no config");
        rc_error_free(err);
        rc_artifact_manifest_dispose(&m);
        rc_artifact_dispose(&art);
        return 1;
    }
    struct kw k = {.c = c, .st = st, .base = c->w->profile->url};
    k.scope = rc_oci_scope(repo, "pull,push");
    int stop = 0;
    /* Client::push: the layers, then the config (no HEAD, no mount) */
    for (int pass = 0; pass < 2 && !stop; pass++)
        for (size_t i = 0; i < art.nblobs && !stop; i++) {
            bool cfg = rc_str_eq(art.blobs[i].desc.digest, m.config->digest);
            if (cfg == (pass == 1))
                stop = kw_push_blob(&k, repo, &art.blobs[i], cfg ? "config" : "layer");
        }
    struct rc_http_response r;
    rc_http_response_init(&r);
    if (!stop)
        stop = kw_put_manifest(&k, repo, reference, &art, &r);
    if (r.status) {
        step_save_answer(c, st, &r);
        sctx_set_last(c, &r);
    } else {
        rc_http_response_dispose(&r);
    }
    step_save(c, st, "digest", art.digest);
    step_save_u64(c, st, "size", art.manifest_len);
    step_save(c, st, "media_type", art.media_type);
    step_save(c, st, "ref", ref);
    step_save(c, st, "tag",
              rc_str_starts(reference, "sha") && strchr(reference, ':') ? "" : reference);
    step_save(c, st, "config_digest", m.config->digest);
    if (m.nlayers) {
        step_save(c, st, "layer_digest", m.layers[0].digest);
        step_save_u64(c, st, "layer_size", (uint64_t)m.layers[0].size);
    }
    step_save(c, st, "artifact_type", m.config->media_type);
    rc_artifact_manifest_dispose(&m);
    kw_dispose(&k);
    if (step_save_name(st)) {
        struct saved_artifact sa = {rc_xstrdup(step_save_name(st)), art};
        RC_PUSH(c->arts, c->narts, c->caparts, sa);
    } else {
        rc_artifact_dispose(&art);
    }
    return stop;
}

/* ---- pull ------------------------------------------------------------------------------ */

static const char *const kw_manifest_types[] = {RC_MT_DOCKER_MANIFEST, RC_MT_DOCKER_LIST,
                                                RC_MT_OCI_MANIFEST, RC_MT_OCI_INDEX};

/* pull_blob: GET with kwctl's manifest Accept list; reqwest's error_for_status refuses only
 * 4xx/5xx; the bytes must hash to the descriptor's digest and to Docker-Content-Digest when
 * that is sent. */
static int kw_pull_blob(struct kw *k, const char *repo, const struct rc_artifact_desc *d,
                        const struct rc_artifact *expected, bool wasm)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/blobs/%s", k->base, repo, d->digest);
    rc_autofree char *what = rc_fmt("kwctl's GET of blob %s", d->digest);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = kw_send(k, "GET", url, RC_ACCEPT_KWCTL, NULL, NULL, NULL, 0, KW_BLOB_KEEP, &r, &err);
    int stop = 0;
    const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
    if (rc < 0) {
        stop = judge_transport(k->c, what, rc, err);
    } else if (r.status >= 400) {
        stop = kw_unexpected(k, what, &r, "200");
    } else if (r.status / 100 != 2) {
        stop = judge_wrong(k->c, "%s answered %ld: kwctl reads no content from it", what, r.status);
    } else if (rc_str_starts(d->digest, "sha256:") && !rc_str_eq(r.body_digest, d->digest)) {
        stop = judge_wrong(k->c, "%s: content hashes to %s; kwctl refuses it", what, r.body_digest);
    } else if (dcd && rc_str_starts(dcd, "sha256:") && !rc_str_eq(dcd, r.body_digest)) {
        stop = judge_wrong(k->c, "%s: Docker-Content-Digest says %s; kwctl checks it and refuses",
                           what, dcd);
    } else if (wasm && (r.body.len < 4 || memcmp(r.body.data, "\0asm", 4) != 0)) {
        stop =
            judge_wrong(k->c, "%s: the module does not start with \\0asm; kwctl refuses it", what);
    } else if (expected && !rc_artifact_find_blob(expected, d->digest)) {
        stop = judge_wrong(k->c, "%s: not a blob of the pushed policy", what);
    }
    if (!stop && r.status != 200)
        judge_deviation(k->c, "%s answered %ld, not 200: kwctl reads it all the same", what,
                        r.status);
    sctx_set_last(k->c, &r);
    return stop;
}

static int kw_check_manifest(struct kw *k, const char *reference, const struct rc_http_response *r,
                             struct rc_artifact_manifest *m)
{
    struct sctx *c = k->c;
    const char *dcd = rc_http_headers_get(&r->headers, "Docker-Content-Digest");
    const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
    bool by_digest = strchr(reference, ':') != NULL;
    if (r->body_truncated)
        return judge_wrong(c, "manifest GET: body larger than the 8 MiB regcompat reads");
    if (dcd && rc_str_starts(dcd, "sha256:") && !rc_str_eq(dcd, r->body_digest))
        return judge_wrong(c,
                           "manifest GET: Docker-Content-Digest %s, content hashes to %s; kwctl "
                           "checks the header when it is sent and refuses",
                           dcd, r->body_digest);
    if (by_digest && rc_str_starts(reference, "sha256:") && !rc_str_eq(reference, r->body_digest))
        return judge_wrong(c, "manifest GET by digest: content hashes to %s; kwctl refuses it",
                           r->body_digest);
    struct rc_error *err = NULL;
    if (rc_artifact_manifest_parse(m, r->body.data, r->body.len, &err) < 0) {
        judge_wrong(c, "manifest GET: kwctl cannot parse the body: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    if (m->schema_version != 2)
        return judge_wrong(c, "manifest GET: schemaVersion %" PRId64 "; kwctl requires 2",
                           m->schema_version);
    if (m->media_type) {
        bool ok = false;
        for (size_t i = 0; i < RC_ARRAY_LEN(kw_manifest_types); i++)
            ok |= rc_str_eq(m->media_type, kw_manifest_types[i]);
        if (!ok)
            return judge_wrong(c, "manifest GET: mediaType %s is none of kwctl's four types",
                               m->media_type);
    }
    if (m->is_index)
        return judge_wrong(c, "manifest GET: an index where kwctl expects the policy's image "
                              "manifest (kwctl policies are never indexes)");
    /* validate_layers */
    if (!m->nlayers)
        return judge_wrong(c, "the manifest has no layers: kwctl refuses it (PullNoLayersError)");
    for (size_t i = 0; i < m->nlayers; i++)
        if (!rc_str_eq(m->layers[i].media_type, RC_ARTIFACT_MT_WASM_LAYER_V1))
            return judge_wrong(c,
                               "layer %zu has media type %s: kwctl accepts only %s "
                               "(IncompatibleLayerMediaTypeError)",
                               i + 1, m->layers[i].media_type, RC_ARTIFACT_MT_WASM_LAYER_V1);
    if (!dcd)
        judge_deviation(c, "manifest GET sent no Docker-Content-Digest: kwctl computes the "
                           "digest from the body");
    size_t ctlen = ct ? strcspn(ct, "; ") : 0;
    if (!ct || ctlen != strlen(RC_MT_OCI_MANIFEST) || strncmp(ct, RC_MT_OCI_MANIFEST, ctlen) != 0)
        judge_deviation(c, "manifest GET answered Content-Type '%s', not %s: kwctl ignores it",
                        ct ? ct : "(none)", RC_MT_OCI_MANIFEST);
    return 0;
}

int kwctl_pull_artifact(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (step_split(c, ref, &repo, &reference))
        return 1;
    const char *expected_name = rc_step_str(st, "expect_artifact");
    struct saved_artifact *exp = sctx_artifact(c, expected_name);
    if (expected_name && !exp)
        return judge_suite(c, "expect_artifact '%s' names no pushed artifact", expected_name);
    struct kw k = {.c = c, .st = st, .base = c->w->profile->url};
    k.scope = rc_oci_scope(repo, "pull");
    rc_autofree char *url = rc_fmt("%s/v2/%s/manifests/%s", k.base, repo, reference);
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc =
        kw_send(&k, "GET", url, RC_ACCEPT_KWCTL, NULL, NULL, NULL, 0, KW_MANIFEST_MAX, &r, &err);
    if (rc < 0) {
        rc_http_response_dispose(&r);
        kw_dispose(&k);
        return judge_transport(c, "kwctl's manifest GET", rc, err);
    }
    step_save_answer(c, st, &r);
    int stop = 0;
    if (r.status / 100 == 2 && r.status != 200) {
        stop = judge_wrong(c,
                           "manifest GET answered %ld: kwctl accepts only 200 "
                           "(SpecViolationError)",
                           r.status);
    } else if (r.status != 200) {
        judge_answer(c, st, "kwctl's manifest GET", &r, "200");
        stop = 1; /* an answer the step's expectations allow ends the pull here too */
    }
    struct rc_artifact_manifest m = {0};
    if (!stop) {
        step_save(c, st, "digest", r.body_digest);
        step_save_u64(c, st, "size", r.body_bytes);
        step_save(c, st, "media_type", rc_http_headers_get(&r.headers, "Content-Type"));
        stop = kw_check_manifest(&k, reference, &r, &m);
    }
    if (!stop && exp &&
        (r.body.len != exp->art.manifest_len ||
         memcmp(r.body.data, exp->art.manifest, r.body.len) != 0))
        stop = judge_wrong(c, "manifest GET: kwctl got %s, not the policy pushed (%s)",
                           r.body_digest, exp->art.digest);
    sctx_set_last(c, &r);
    /* _pull_manifest_and_config: the config; then every layer; the first must be wasm */
    if (!stop && m.config)
        stop = kw_pull_blob(&k, repo, m.config, exp ? &exp->art : NULL, false);
    for (size_t i = 0; !stop && i < m.nlayers; i++)
        stop = kw_pull_blob(&k, repo, &m.layers[i], exp ? &exp->art : NULL, i == 0);
    rc_artifact_manifest_dispose(&m);
    kw_dispose(&k);
    return stop;
}
