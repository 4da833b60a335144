/* oci: the OCI Distribution API as functions over one registry. Each call sends one request
 * (or, for uploads, the sequence the chosen mode prescribes) and returns the registry's
 * answer in resp: statuses are data here, the caller decides what they mean. Return values
 * are those of rc_http_send (0 = an answer arrived). */
#ifndef RC_OCI_H
#define RC_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/base.h"
#include "digest/digest.h"
#include "http/http.h"

#define RC_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define RC_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define RC_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define RC_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
/* kwctl's pull Accept list, in kwctl's order */
#define RC_ACCEPT_KWCTL                                                                            \
    RC_MT_DOCKER_MANIFEST ", " RC_MT_DOCKER_LIST ", " RC_MT_OCI_MANIFEST ", " RC_MT_OCI_INDEX

struct rc_oci {
    struct rc_http_client *http; /* borrowed */
    struct rc_auth *auth;        /* borrowed */
    char *base;                  /* "https://host:port", no trailing slash */
};

void rc_oci_init(struct rc_oci *o, struct rc_http_client *http, struct rc_auth *auth,
                 const char *base);
void rc_oci_dispose(struct rc_oci *o);

/* A raw request: path ("/v2/...") or absolute URL; headers/body optional; scopes as for
 * rc_auth_send. */
int rc_oci_request(struct rc_oci *o, const char *method, const char *path_or_url,
                   const struct rc_http_headers *headers, const void *body, size_t body_len,
                   const char *const *scopes, struct rc_http_response *resp, struct rc_error **err);
int rc_oci_ping(struct rc_oci *o, struct rc_http_response *resp, struct rc_error **err);
/* The token scope "repository:<repo>:<actions>" for rc_oci_request. */
char *rc_oci_scope(const char *repo, const char *actions);

/* ---- blobs ----------------------------------------------------------------------------- */

enum rc_upload_mode {
    RC_UPLOAD_POST_PUT,    /* POST, then PUT <location>?digest= with the whole body */
    RC_UPLOAD_SINGLE_POST, /* POST ?digest= with the body (202 = not supported: PUT follows) */
    RC_UPLOAD_CHUNKED,     /* POST, PATCH chunks with Content-Range, PUT ?digest= empty */
    RC_UPLOAD_STREAMED,    /* POST, one PATCH of unknown length, PUT ?digest= empty */
};
bool rc_upload_mode_parse(const char *s, enum rc_upload_mode *out);
const char *rc_upload_mode_name(enum rc_upload_mode m);

struct rc_upload_opts {
    enum rc_upload_mode mode;
    uint64_t chunk_size;    /* chunked: bytes per PATCH (raised to OCI-Chunk-Min-Length) */
    bool honour_min_chunk;  /* raise chunk_size to the registry's OCI-Chunk-Min-Length */
    bool bytes_prefix;      /* Content-Range "bytes 0-99" instead of kwctl's "0-99" */
    const char *bad_digest; /* send this digest instead (negative checks) */
};

/* A non-fatal deviation noticed during an upload, and the request that showed it. */
struct rc_upload_deviation {
    char *text;   /* "PATCH 2 answered 201, not 202" */
    char *method; /* of the exchange that showed it */
    char *url;
};

/* What happened during an upload, for verdicts and evidence. */
struct rc_upload_result {
    const char *failed_at; /* "POST", "PATCH", "PUT" or NULL when the sequence completed */
    long expected_status;  /* what the spec requires at failed_at */
    char *location;        /* Location of the final answer (resolved), or NULL */
    unsigned patches;
    bool single_post_done;     /* single POST answered 201 */
    bool single_post_declined; /* single POST answered 202 and the PUT followed */
    uint64_t min_chunk;        /* OCI-Chunk-Min-Length, 0 when absent */
    uint64_t refused_chunk;    /* a PATCH of this size got 413 and smaller chunks followed */
    uint64_t chunk_used;       /* the PATCH size that went through in the end */
    struct rc_upload_deviation *deviations; /* every one, in order */
    size_t ndeviations, capdeviations;
};
void rc_upload_result_dispose(struct rc_upload_result *r);

/* Uploads a blob of known digest from a body source. resp holds the last answer (the one
 * at failed_at when the sequence stopped). */
int rc_oci_blob_upload(struct rc_oci *o, const char *repo, const char *digest,
                       const struct rc_http_body_source *src, const struct rc_upload_opts *opts,
                       struct rc_upload_result *res, struct rc_http_response *resp,
                       struct rc_error **err);
/* Starts an upload session: POST /v2/<repo>/blobs/uploads/ (query may be NULL). */
int rc_oci_upload_start(struct rc_oci *o, const char *repo, const char *query,
                        struct rc_http_response *resp, struct rc_error **err);
int rc_oci_upload_status(struct rc_oci *o, const char *repo, const char *location,
                         struct rc_http_response *resp, struct rc_error **err);
int rc_oci_upload_cancel(struct rc_oci *o, const char *repo, const char *location,
                         struct rc_http_response *resp, struct rc_error **err);
int rc_oci_blob_mount(struct rc_oci *o, const char *repo, const char *digest, const char *from,
                      struct rc_http_response *resp, struct rc_error **err);
/* GET (head=false) or HEAD of a blob; range like "bytes=0-99" or NULL. The body is hashed
 * (resp->body_digest) and kept up to max_body bytes; sink may stream it elsewhere. */
int rc_oci_blob_get(struct rc_oci *o, const char *repo, const char *digest, bool head,
                    const char *range, size_t max_body, struct rc_http_response *resp,
                    struct rc_error **err);
/* GET of a blob whose descriptor gives its size (size < 0: unknown, as rc_oci_blob_get).
 * The body may not go on past size bytes: the transfer stops at the first byte more and
 * resp->body_overflow is set (an answer, and a wrong one); the transfer also gets no more
 * time than the size takes at the client's minimum speed. */
int rc_oci_blob_get_sized(struct rc_oci *o, const char *repo, const char *digest, int64_t size,
                          size_t max_body, struct rc_http_response *resp, struct rc_error **err);
int rc_oci_blob_delete(struct rc_oci *o, const char *repo, const char *digest,
                       struct rc_http_response *resp, struct rc_error **err);

/* ---- manifests, tags, referrers -------------------------------------------------------- */

/* accept NULL: no Accept header */
int rc_oci_manifest_get(struct rc_oci *o, const char *repo, const char *ref, bool head,
                        const char *accept, struct rc_http_response *resp, struct rc_error **err);
/* PUT with the exact bytes; content_type NULL sends none */
int rc_oci_manifest_put(struct rc_oci *o, const char *repo, const char *ref,
                        const char *content_type, const void *bytes, size_t len,
                        struct rc_http_response *resp, struct rc_error **err);
int rc_oci_manifest_delete(struct rc_oci *o, const char *repo, const char *ref,
                           struct rc_http_response *resp, struct rc_error **err);
/* n < 0: no n parameter; last NULL: none. url_override: follow a Link verbatim. */
int rc_oci_tags_list(struct rc_oci *o, const char *repo, long n, const char *last,
                     const char *url_override, struct rc_http_response *resp,
                     struct rc_error **err);
int rc_oci_referrers(struct rc_oci *o, const char *repo, const char *digest,
                     const char *artifact_type, struct rc_http_response *resp,
                     struct rc_error **err);

/* ---- helpers --------------------------------------------------------------------------- */

/* The error envelope: the codes of errors[].code (strings only), in order. Returns false
 * when the body is not an OCI error envelope (text/plain, HTML, other JSON). */
bool rc_oci_error_codes(const struct rc_http_response *resp, struct rc_strv *codes);
/* The next-page URL of a Link header with rel="next", resolved against the response URL. */
char *rc_oci_link_next(const struct rc_http_response *resp);
/* Paging (tags list, referrers) with a guard against loops: pages holds the URLs of the
 * pages read so far. Adds the page resp answered (the URL asked for and every redirect hop)
 * to pages, then returns its next page as rc_oci_link_next does, or NULL at the end; when
 * that next page is one already read, returns NULL and sets *loop. */
char *rc_oci_next_page(const struct rc_http_response *resp, struct rc_strv *pages, bool *loop);
/* Location of a response resolved against its URL, or NULL when absent/unresolvable. */
char *rc_oci_location(const struct rc_http_response *resp);
/* Reference grammar checks (OCI distribution spec). */
bool rc_oci_valid_repo(const char *name);
bool rc_oci_valid_tag(const char *tag);
/* Splits "repo:tag" / "repo@digest" / "repo" into repo and reference (tag or digest). */
int rc_oci_split_ref(const char *ref, char **repo, char **reference, struct rc_error **err);

#endif
