#include "oci/oci.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

#include "base/banned.h"

void rc_oci_init(struct rc_oci *o, struct rc_http_client *http, struct rc_auth *auth,
                 const char *base)
{
    o->http = http;
    o->auth = auth;
    o->base = rc_xstrdup(base);
    size_t n = strlen(o->base);
    while (n && o->base[n - 1] == '/')
        o->base[--n] = '\0';
}

void rc_oci_dispose(struct rc_oci *o)
{
    free(o->base);
    o->base = NULL;
}

/* scopes for one repository: "repository:<repo>:<actions>" */
struct scopes {
    char *s[3];
};

static const char *const *scopes_for(struct scopes *sc, const char *repo, const char *actions,
                                     const char *repo2, const char *actions2)
{
    memset(sc, 0, sizeof(*sc));
    sc->s[0] = rc_auth_scope_repo(repo, actions);
    if (repo2)
        sc->s[1] = rc_auth_scope_repo(repo2, actions2);
    return (const char *const *)sc->s;
}

static void scopes_dispose(struct scopes *sc)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(sc->s); i++)
        free(sc->s[i]);
}

static char *url_of(const struct rc_oci *o, const char *path_or_url)
{
    if (strstr(path_or_url, "://"))
        return rc_xstrdup(path_or_url);
    return rc_fmt("%s%s%s", o->base, path_or_url[0] == '/' ? "" : "/", path_or_url);
}

/* Blob bodies can take far longer than one request's timeout: they get a long total limit
 * and rely on the client's minimum speed (a transfer below it for the request timeout is
 * cut) against stalls and trickles; a blob GET of known size gets less (blob_get). */
#define BLOB_TRANSFER_TIMEOUT_MS (6L * 3600 * 1000)

/* One request through auth. The request's headers are disposed here. */
static int send_req(struct rc_oci *o, struct rc_http_request *req, const char *const *scopes,
                    struct rc_http_response *resp, struct rc_error **err)
{
    int rc = rc_auth_send(o->auth, o->http, req, scopes, resp, err);
    rc_http_headers_dispose(&req->headers);
    return rc;
}

int rc_oci_request(struct rc_oci *o, const char *method, const char *path_or_url,
                   const struct rc_http_headers *headers, const void *body, size_t body_len,
                   const char *const *scopes, struct rc_http_response *resp, struct rc_error **err)
{
    rc_autofree char *url = url_of(o, path_or_url);
    /* the spec lets registries redirect reads (blob downloads to storage, say), and clients
     * follow; writes are not replayed elsewhere */
    bool read = rc_str_eq(method, "GET") || rc_str_eq(method, "HEAD");
    struct rc_http_request req = {.method = method,
                                  .url = url,
                                  .body = body,
                                  .body_len = body_len,
                                  .hash_body = true,
                                  .follow_redirects = read};
    if (headers)
        rc_http_headers_copy(&req.headers, headers);
    return send_req(o, &req, scopes, resp, err);
}

char *rc_oci_scope(const char *repo, const char *actions)
{
    return rc_auth_scope_repo(repo, actions);
}

int rc_oci_ping(struct rc_oci *o, struct rc_http_response *resp, struct rc_error **err)
{
    return rc_oci_request(o, "GET", "/v2/", NULL, NULL, 0, NULL, resp, err);
}

/* ---- uploads --------------------------------------------------------------------------- */

static const char *const mode_names[] = {"post-put", "single-post", "chunked", "streamed"};

bool rc_upload_mode_parse(const char *s, enum rc_upload_mode *out)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(mode_names); i++) {
        if (rc_str_eq(s, mode_names[i])) {
            *out = (enum rc_upload_mode)i;
            return true;
        }
    }
    if (rc_str_eq(s, "monolithic")) {
        *out = RC_UPLOAD_POST_PUT;
        return true;
    }
    return false;
}

const char *rc_upload_mode_name(enum rc_upload_mode m)
{
    return mode_names[m];
}

void rc_upload_result_dispose(struct rc_upload_result *r)
{
    free(r->location);
    r->location = NULL;
    for (size_t i = 0; i < r->ndeviations; i++) {
        free(r->deviations[i].text);
        free(r->deviations[i].method);
        free(r->deviations[i].url);
    }
    free(r->deviations);
    r->deviations = NULL;
    r->ndeviations = r->capdeviations = 0;
}

char *rc_oci_location(const struct rc_http_response *resp)
{
    const char *loc = rc_http_headers_get(&resp->headers, "Location");
    if (!loc || !*loc || !resp->url)
        return NULL;
    char *out = NULL;
    struct rc_error *e = NULL;
    if (rc_url_resolve(&out, resp->url, loc, &e) < 0) {
        rc_error_free(e);
        return NULL;
    }
    return out;
}

int rc_oci_upload_start(struct rc_oci *o, const char *repo, const char *query,
                        struct rc_http_response *resp, struct rc_error **err)
{
    rc_autofree char *url =
        rc_fmt("%s/v2/%s/blobs/uploads/%s%s", o->base, repo, query ? "?" : "", query ? query : "");
    struct scopes sc;
    struct rc_http_request req = {.method = "POST", .url = url};
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    return rc;
}

/* A window of n bytes of a parent source starting at offset off: chunks stream straight from
 * the parent, so memory does not grow with chunk size. rewind restarts the parent and skips. */
struct window {
    const struct rc_http_body_source *parent;
    uint64_t off;
    uint64_t n;
    uint64_t done;
};

static int window_read(void *ctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    struct window *w = ctx;
    *got = 0;
    if (w->done >= w->n)
        return 0;
    if (cap > w->n - w->done)
        cap = (size_t)(w->n - w->done);
    int rc = w->parent->read(w->parent->ctx, buf, cap, got, err);
    if (rc < 0)
        return rc;
    if (*got == 0)
        return rc_error_set(err, RC_EIO, "blob source ended early");
    w->done += *got;
    return 0;
}

static int window_rewind(void *ctx, struct rc_error **err)
{
    struct window *w = ctx;
    if (!w->parent->rewind)
        return rc_error_set(err, RC_ERR, "blob source cannot rewind");
    int rc = w->parent->rewind(w->parent->ctx, err);
    if (rc < 0)
        return rc;
    char tmp[65536];
    uint64_t left = w->off;
    while (left) {
        size_t got = 0;
        rc = w->parent->read(w->parent->ctx, tmp, left < sizeof(tmp) ? (size_t)left : sizeof(tmp),
                             &got, err);
        if (rc < 0)
            return rc;
        if (!got)
            return rc_error_set(err, RC_EIO, "blob source ended early");
        left -= got;
    }
    w->done = 0;
    return 0;
}

static int rewind_src(const struct rc_http_body_source *src, struct rc_error **err)
{
    if (!src->rewind)
        return rc_error_set(err, RC_ERR, "blob source cannot rewind");
    return src->rewind(src->ctx, err);
}

/* Moves the Location of resp into *loc (the newest Location always wins). */
static bool take_location(const struct rc_http_response *resp, char **loc)
{
    char *l = rc_oci_location(resp);
    if (!l)
        return false;
    free(*loc);
    *loc = l;
    return true;
}

static void note_deviation(struct rc_upload_result *res, const char *method,
                           const struct rc_http_response *resp, const char *fmt, ...)
    RC_PRINTF(4, 5);
static void note_deviation(struct rc_upload_result *res, const char *method,
                           const struct rc_http_response *resp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct rc_upload_deviation d = {rc_vfmt(fmt, ap), rc_xstrdup(method), rc_xstrdup(resp->url)};
    va_end(ap);
    RC_PUSH(res->deviations, res->ndeviations, res->capdeviations, d);
}

static int put_final(struct rc_oci *o, const char *repo, const char *loc, const char *digest,
                     const struct rc_http_body_source *body, struct rc_upload_result *res,
                     struct rc_http_response *resp, struct rc_error **err)
{
    char *url = NULL;
    int rc = rc_url_add_query(&url, loc, "digest", digest, err);
    if (rc < 0)
        return rc;
    struct scopes sc;
    struct rc_http_request req = {
        .method = "PUT", .url = url, .source = body, .timeout_ms = BLOB_TRANSFER_TIMEOUT_MS};
    rc_http_headers_add(&req.headers, "Content-Type", "application/octet-stream");
    rc_http_response_dispose(resp);
    rc_http_response_init(resp);
    rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    free(url);
    if (rc < 0)
        return rc;
    if (resp->status != 201) {
        res->failed_at = "PUT";
        res->expected_status = 201;
        return 0;
    }
    take_location(resp, &res->location);
    return 0;
}

#define MIN_FALLBACK_CHUNK ((uint64_t)16 * 1024)

static int upload_chunks(struct rc_oci *o, const char *repo, char **loc,
                         const struct rc_http_body_source *src, const struct rc_upload_opts *opts,
                         struct rc_upload_result *res, struct rc_http_response *resp,
                         struct rc_error **err)
{
    uint64_t total = src->length < 0 ? 0 : (uint64_t)src->length;
    uint64_t chunk = opts->chunk_size ? opts->chunk_size : 4 * RC_MIB;
    if (opts->honour_min_chunk && res->min_chunk > chunk)
        chunk = res->min_chunk;
    int rc = rewind_src(src, err);
    if (rc < 0)
        return rc;
    for (uint64_t off = 0; off < total;) {
        uint64_t n = total - off < chunk ? total - off : chunk;
        struct window w = {src, off, n, 0};
        struct rc_http_body_source ws = {window_read, window_rewind, &w, (int64_t)n};
        char range[64];
        snprintf(range, sizeof(range), "%s%" PRIu64 "-%" PRIu64, opts->bytes_prefix ? "bytes " : "",
                 off, off + n - 1);
        struct rc_http_request req = {
            .method = "PATCH", .url = *loc, .source = &ws, .timeout_ms = BLOB_TRANSFER_TIMEOUT_MS};
        rc_http_headers_add(&req.headers, "Content-Type", "application/octet-stream");
        rc_http_headers_add(&req.headers, "Content-Range", range);
        rc_http_response_dispose(resp);
        rc_http_response_init(resp);
        struct scopes sc;
        rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
        scopes_dispose(&sc);
        if (rc < 0)
            return rc;
        /* A request body limit in front of the registry (413): the session is untouched, so
         * the same range goes again in smaller chunks, down to 16 KiB. */
        if (resp->status == 413 && n > MIN_FALLBACK_CHUNK) {
            if (!res->refused_chunk)
                res->refused_chunk = n;
            chunk = n / 4 > MIN_FALLBACK_CHUNK ? n / 4 : MIN_FALLBACK_CHUNK;
            struct window at = {src, off, 0, 0};
            int rrc = window_rewind(&at, err); /* back to this chunk's first byte */
            if (rrc < 0)
                return rrc;
            continue;
        }
        off += n;
        res->chunk_used = chunk;
        res->patches++;
        if (resp->status != 202) {
            if (resp->status / 100 == 2 && rc_http_headers_get(&resp->headers, "Location")) {
                note_deviation(res, "PATCH", resp, "PATCH %u answered %ld, not 202", res->patches,
                               resp->status);
            } else {
                res->failed_at = "PATCH";
                res->expected_status = 202;
                return 0;
            }
        }
        if (!take_location(resp, loc)) {
            res->failed_at = "PATCH";
            res->expected_status = 202;
            note_deviation(res, "PATCH", resp, "PATCH %u answered without a Location",
                           res->patches);
            return 0;
        }
        char want[48];
        snprintf(want, sizeof(want), "0-%" PRIu64, off - 1); /* off is past this chunk */
        const char *got = rc_http_headers_get(&resp->headers, "Range");
        if (!got ||
            !(rc_str_eq(got, want) || (rc_str_starts(got, "bytes=") && rc_str_eq(got + 6, want))))
            note_deviation(res, "PATCH", resp, "PATCH %u answered Range '%s', expected '%s'",
                           res->patches, got ? got : "(none)", want);
    }
    return 0;
}

int rc_oci_blob_upload(struct rc_oci *o, const char *repo, const char *digest,
                       const struct rc_http_body_source *src, const struct rc_upload_opts *opts,
                       struct rc_upload_result *res, struct rc_http_response *resp,
                       struct rc_error **err)
{
    const char *dg = opts->bad_digest ? opts->bad_digest : digest;
    int rc;
    if (opts->mode == RC_UPLOAD_SINGLE_POST) {
        rc_autofree char *enc = rc_url_encode(dg);
        rc_autofree char *url = rc_fmt("%s/v2/%s/blobs/uploads/?digest=%s", o->base, repo, enc);
        struct rc_http_request req = {
            .method = "POST", .url = url, .source = src, .timeout_ms = BLOB_TRANSFER_TIMEOUT_MS};
        rc_http_headers_add(&req.headers, "Content-Type", "application/octet-stream");
        struct scopes sc;
        rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
        scopes_dispose(&sc);
        if (rc < 0)
            return rc;
        if (resp->status == 201) {
            res->single_post_done = true;
            take_location(resp, &res->location);
            return 0;
        }
        if (resp->status != 202 || !take_location(resp, &res->location)) {
            res->failed_at = "POST";
            res->expected_status = 201;
            return 0;
        }
        res->single_post_declined = true;
        rc = rewind_src(src, err);
        if (rc < 0)
            return rc;
        char *loc = rc_steal(&res->location);
        rc = put_final(o, repo, loc, dg, src, res, resp, err);
        free(loc);
        return rc;
    }

    rc = rc_oci_upload_start(o, repo, NULL, resp, err);
    if (rc < 0)
        return rc;
    char *loc = NULL;
    if (resp->status != 202 || !take_location(resp, &loc)) {
        res->failed_at = "POST";
        res->expected_status = 202;
        free(loc);
        return 0;
    }
    const char *minlen = rc_http_headers_get(&resp->headers, "OCI-Chunk-Min-Length");
    int64_t ml;
    if (minlen && rc_parse_i64(minlen, &ml) && ml > 0)
        res->min_chunk = (uint64_t)ml;

    static const struct rc_http_body_source empty = {NULL, NULL, NULL, 0};
    switch (opts->mode) {
    case RC_UPLOAD_POST_PUT:
        rc = put_final(o, repo, loc, dg, src, res, resp, err);
        break;
    case RC_UPLOAD_CHUNKED:
        rc = upload_chunks(o, repo, &loc, src, opts, res, resp, err);
        if (rc == 0 && !res->failed_at)
            rc = put_final(o, repo, loc, dg, &empty, res, resp, err);
        break;
    case RC_UPLOAD_STREAMED: {
        struct rc_http_body_source s = *src;
        s.length = -1;
        rc = rewind_src(src, err);
        if (rc < 0)
            break;
        struct rc_http_request req = {
            .method = "PATCH", .url = loc, .source = &s, .timeout_ms = BLOB_TRANSFER_TIMEOUT_MS};
        rc_http_headers_add(&req.headers, "Content-Type", "application/octet-stream");
        rc_http_response_dispose(resp);
        rc_http_response_init(resp);
        struct scopes sc;
        rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
        scopes_dispose(&sc);
        if (rc < 0)
            break;
        res->patches++;
        if (resp->status != 202 || !take_location(resp, &loc)) {
            res->failed_at = "PATCH";
            res->expected_status = 202;
            break;
        }
        rc = put_final(o, repo, loc, dg, &empty, res, resp, err);
        break;
    }
    case RC_UPLOAD_SINGLE_POST:
        break;
    }
    free(loc);
    return rc;
}

static int upload_session_req(struct rc_oci *o, const char *method, const char *repo,
                              const char *location, struct rc_http_response *resp,
                              struct rc_error **err)
{
    rc_autofree char *url = url_of(o, location);
    struct rc_http_request req = {.method = method, .url = url};
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    return rc;
}

int rc_oci_upload_status(struct rc_oci *o, const char *repo, const char *location,
                         struct rc_http_response *resp, struct rc_error **err)
{
    return upload_session_req(o, "GET", repo, location, resp, err);
}

int rc_oci_upload_cancel(struct rc_oci *o, const char *repo, const char *location,
                         struct rc_http_response *resp, struct rc_error **err)
{
    return upload_session_req(o, "DELETE", repo, location, resp, err);
}

int rc_oci_blob_mount(struct rc_oci *o, const char *repo, const char *digest, const char *from,
                      struct rc_http_response *resp, struct rc_error **err)
{
    rc_autofree char *enc = rc_url_encode(digest);
    rc_autofree char *q = from ? rc_fmt("mount=%s&from=%s", enc, from) : rc_fmt("mount=%s", enc);
    rc_autofree char *url = rc_fmt("%s/v2/%s/blobs/uploads/?%s", o->base, repo, q);
    struct rc_http_request req = {.method = "POST", .url = url};
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", from, "pull"), resp, err);
    scopes_dispose(&sc);
    return rc;
}

/* size >= 0: the body is bounded by it (rc_oci_blob_get_sized) */
static int blob_get(struct rc_oci *o, const char *repo, const char *digest, bool head,
                    const char *range, int64_t size, size_t max_body, struct rc_http_response *resp,
                    struct rc_error **err)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/blobs/%s", o->base, repo, digest);
    struct rc_http_request req = {.method = head ? "HEAD" : "GET",
                                  .url = url,
                                  .hash_body = true,
                                  .max_body = max_body,
                                  .follow_redirects = true,
                                  .timeout_ms = head ? 0 : BLOB_TRANSFER_TIMEOUT_MS,
                                  .bounded = size >= 0,
                                  .max_length = size >= 0 ? (uint64_t)size : 0};
    if (range)
        rc_http_headers_add(&req.headers, "Range", range);
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    return rc;
}

int rc_oci_blob_get(struct rc_oci *o, const char *repo, const char *digest, bool head,
                    const char *range, size_t max_body, struct rc_http_response *resp,
                    struct rc_error **err)
{
    return blob_get(o, repo, digest, head, range, -1, max_body, resp, err);
}

int rc_oci_blob_get_sized(struct rc_oci *o, const char *repo, const char *digest, int64_t size,
                          size_t max_body, struct rc_http_response *resp, struct rc_error **err)
{
    return blob_get(o, repo, digest, false, NULL, size, max_body, resp, err);
}

static int simple(struct rc_oci *o, const char *method, const char *repo, const char *what,
                  const char *ref, const char *actions, const char *accept,
                  struct rc_http_response *resp, struct rc_error **err)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/%s/%s", o->base, repo, what, ref);
    struct rc_http_request req = {
        .method = method, .url = url, .hash_body = true, .max_body = 8 * RC_MIB};
    if (accept)
        rc_http_headers_add(&req.headers, "Accept", accept);
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, actions, NULL, NULL), resp, err);
    scopes_dispose(&sc);
    return rc;
}

int rc_oci_blob_delete(struct rc_oci *o, const char *repo, const char *digest,
                       struct rc_http_response *resp, struct rc_error **err)
{
    return simple(o, "DELETE", repo, "blobs", digest, "delete", NULL, resp, err);
}

int rc_oci_manifest_get(struct rc_oci *o, const char *repo, const char *ref, bool head,
                        const char *accept, struct rc_http_response *resp, struct rc_error **err)
{
    return simple(o, head ? "HEAD" : "GET", repo, "manifests", ref, "pull", accept, resp, err);
}

int rc_oci_manifest_delete(struct rc_oci *o, const char *repo, const char *ref,
                           struct rc_http_response *resp, struct rc_error **err)
{
    return simple(o, "DELETE", repo, "manifests", ref, "delete", NULL, resp, err);
}

int rc_oci_manifest_put(struct rc_oci *o, const char *repo, const char *ref,
                        const char *content_type, const void *bytes, size_t len,
                        struct rc_http_response *resp, struct rc_error **err)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/manifests/%s", o->base, repo, ref);
    struct rc_http_request req = {.method = "PUT", .url = url, .body = bytes, .body_len = len};
    if (content_type)
        rc_http_headers_add(&req.headers, "Content-Type", content_type);
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull,push", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    return rc;
}

int rc_oci_tags_list(struct rc_oci *o, const char *repo, long n, const char *last,
                     const char *url_override, struct rc_http_response *resp, struct rc_error **err)
{
    struct rc_buf url = RC_BUF_INIT(0);
    if (url_override) {
        rc_buf_adds(&url, url_override);
    } else {
        rc_buf_addf(&url, "%s/v2/%s/tags/list", o->base, repo);
        char sep = '?';
        if (n >= 0) {
            rc_buf_addf(&url, "%cn=%ld", sep, n);
            sep = '&';
        }
        if (last) {
            rc_autofree char *enc = rc_url_encode(last);
            rc_buf_addf(&url, "%clast=%s", sep, enc);
        }
    }
    struct rc_http_request req = {.method = "GET", .url = rc_buf_str(&url), .hash_body = true};
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    rc_buf_dispose(&url);
    return rc;
}

int rc_oci_referrers(struct rc_oci *o, const char *repo, const char *digest,
                     const char *artifact_type, struct rc_http_response *resp,
                     struct rc_error **err)
{
    rc_autofree char *url = rc_fmt("%s/v2/%s/referrers/%s", o->base, repo, digest);
    char *full = NULL;
    if (artifact_type) {
        int rc = rc_url_add_query(&full, url, "artifactType", artifact_type, err);
        if (rc < 0)
            return rc;
    }
    struct rc_http_request req = {.method = "GET", .url = full ? full : url, .hash_body = true};
    rc_http_headers_add(&req.headers, "Accept", RC_MT_OCI_INDEX);
    struct scopes sc;
    int rc = send_req(o, &req, scopes_for(&sc, repo, "pull", NULL, NULL), resp, err);
    scopes_dispose(&sc);
    free(full);
    return rc;
}

/* ---- helpers --------------------------------------------------------------------------- */

bool rc_oci_error_codes(const struct rc_http_response *resp, struct rc_strv *codes)
{
    if (!resp->body.len)
        return false;
    struct rc_json *j = NULL;
    struct rc_error *e = NULL;
    if (rc_json_parse(&j, resp->body.data, resp->body.len, &e) < 0) {
        rc_error_free(e);
        return false;
    }
    const struct rc_json *errs = rc_json_get(j, "errors");
    bool ok = rc_json_type(errs) == RC_JSON_ARRAY;
    for (size_t i = 0; ok && i < rc_json_len(errs); i++) {
        const char *code = rc_json_get_str(rc_json_at(errs, i), "code");
        if (code)
            rc_strv_push(codes, code);
    }
    rc_json_free(j);
    return ok;
}

/* Link: <url>; rel="next", <url2>; rel="prev" -- URLs may contain commas, so take <...>
 * first and then look at the parameters up to the next '<'. */
char *rc_oci_link_next(const struct rc_http_response *resp)
{
    for (size_t i = 0; i < resp->headers.n; i++) {
        if (!rc_str_ieq(resp->headers.v[i].name, "Link"))
            continue;
        const char *p = resp->headers.v[i].value;
        while ((p = strchr(p, '<'))) {
            const char *end = strchr(p, '>');
            if (!end)
                break;
            const char *params = end + 1;
            const char *next = strchr(params, '<');
            size_t plen = next ? (size_t)(next - params) : strlen(params);
            rc_autofree char *pstr = rc_xstrndup(params, plen);
            for (char *c = pstr; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            if (strstr(pstr, "rel=\"next\"") || strstr(pstr, "rel=next")) {
                rc_autofree char *ref = rc_xstrndup(p + 1, (size_t)(end - p - 1));
                char *out = NULL;
                struct rc_error *e = NULL;
                if (rc_url_resolve(&out, resp->url, ref, &e) < 0) {
                    rc_error_free(e);
                    return NULL;
                }
                return out;
            }
            p = end + 1;
        }
    }
    return NULL;
}

/* Two spellings of one page compare equal; the URL itself when it does not parse. */
static char *url_key(const char *url)
{
    char *key = rc_url_normalize(url);
    return key ? key : rc_xstrdup(url);
}

char *rc_oci_next_page(const struct rc_http_response *resp, struct rc_strv *pages, bool *loop)
{
    *loop = false;
    for (size_t i = 0; i < resp->nhops; i++)
        rc_strv_push_take(pages, url_key(resp->hops[i].url));
    if (resp->url)
        rc_strv_push_take(pages, url_key(resp->url));
    char *next = rc_oci_link_next(resp);
    if (!next)
        return NULL;
    rc_autofree char *key = url_key(next);
    if (rc_strv_contains(pages, key)) {
        free(next);
        *loop = true;
        return NULL;
    }
    return next;
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* */
bool rc_oci_valid_repo(const char *name)
{
    const char *p = name;
    if (!p || !*p || strlen(p) > 255)
        return false;
    for (;;) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p)))
            return false;
        while (islower((unsigned char)*p) || isdigit((unsigned char)*p))
            p++;
        if (*p == '\0')
            return true;
        if (*p == '/') {
            p++;
            continue;
        }
        if (*p == '.') {
            p++;
        } else if (*p == '_') {
            p++;
            if (*p == '_')
                p++;
        } else if (*p == '-') {
            while (*p == '-')
                p++;
        } else {
            return false;
        }
    }
}

/* [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} */
bool rc_oci_valid_tag(const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;
    if (n == 0 || n > 128 || !(isalnum((unsigned char)tag[0]) || tag[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
            return false;
    return true;
}

int rc_oci_split_ref(const char *ref, char **repo, char **reference, struct rc_error **err)
{
    const char *at = strchr(ref, '@');
    const char *sep = at;
    if (!sep) {
        const char *slash = strrchr(ref, '/');
        const char *colon = strrchr(ref, ':');
        if (colon && (!slash || colon > slash))
            sep = colon;
    }
    *repo = rc_xstrndup(ref, sep ? (size_t)(sep - ref) : strlen(ref));
    *reference = sep ? rc_xstrdup(sep + 1) : NULL;
    if (!**repo)
        return rc_error_set(err, RC_EINVAL, "reference '%s' has no repository", ref);
    return 0;
}
