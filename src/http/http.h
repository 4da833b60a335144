/* http: the one place that talks to libcurl. Requests and responses as plain structs, header
 * lists that keep duplicates and match names case-insensitively, bodies streamed in and out
 * (hashed on the fly when asked), timeouts on every request, retries only for idempotent
 * requests, redirects followed by our own code (every hop recorded, Authorization never sent
 * to another host), and URL handling through the CURLU API. */
#ifndef RC_HTTP_H
#define RC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "digest/digest.h"

struct rc_http_header {
    char *name;
    char *value;
};

struct rc_http_headers {
    struct rc_http_header *v;
    size_t n;
    size_t cap;
};

void rc_http_headers_add(struct rc_http_headers *h, const char *name, const char *value);
/* Replaces every header of that name (case-insensitive) by one; value NULL removes them. */
void rc_http_headers_set(struct rc_http_headers *h, const char *name, const char *value);
const char *rc_http_headers_get(const struct rc_http_headers *h, const char *name);
size_t rc_http_headers_count(const struct rc_http_headers *h, const char *name);
void rc_http_headers_copy(struct rc_http_headers *dst, const struct rc_http_headers *src);
void rc_http_headers_dispose(struct rc_http_headers *h);

/* Streaming request body. read fills up to cap bytes and sets *got (0 = end). rewind restarts
 * the stream from the beginning (needed to replay a request after a 401 or a redirect; a
 * request whose body cannot be rewound is not replayed). */
struct rc_http_body_source {
    int (*read)(void *ctx, char *buf, size_t cap, size_t *got, struct rc_error **err);
    int (*rewind)(void *ctx, struct rc_error **err);
    void *ctx;
    int64_t length; /* -1: unknown, sent with Transfer-Encoding: chunked */
};

/* Streaming response sink: return 0 to continue, < 0 to abort the transfer. */
typedef int (*rc_http_sink_fn)(void *ctx, const char *data, size_t len);

struct rc_http_request {
    const char *method; /* "GET", "HEAD", "PUT", ... */
    const char *url;    /* absolute */
    struct rc_http_headers headers;
    /* body: either bytes in memory or a source; neither = no body (Content-Length: 0 is
     * sent for POST/PUT/PATCH without a body) */
    const void *body;
    size_t body_len;
    const struct rc_http_body_source *source;
    /* response body: kept in resp->body up to max_body bytes (default 1 MiB; the rest is
     * counted, hashed and dropped, resp->body_truncated set), and also passed to sink */
    size_t max_body;
    rc_http_sink_fn sink;
    void *sink_ctx;
    bool hash_body;        /* sha256 of the whole response body into resp->body_digest */
    bool follow_redirects; /* follow 301/302/303/307/308 by our code, at most 5 hops; a hop
                              to another origin drops Authorization and Cookie, and a request
                              body never goes to another origin (such a 307/308 is the answer) */
    bool token_endpoint;   /* the answer carries tokens: the trace sees its body with the token
                              values masked (rc_redact_token_answer), and they are registered
                              as secrets before any trace callback runs */
    long timeout_ms;       /* whole request; 0 = the client's default */
    /* bounded: the final answer's body may hold at most max_length bytes (a blob whose
     * descriptor gives its size). The first byte past it ends the transfer: the send still
     * returns 0 (an answer arrived) with resp->body_overflow set. The request then also gets
     * no more time than the client's timeout plus max_length at the minimum speed. */
    bool bounded;
    uint64_t max_length;
};

struct rc_http_hop {
    char *method;
    char *url;
    long status;
    char *location;
};

struct rc_http_response {
    long status;        /* 0 when no answer */
    char *http_version; /* "1.1", "2" */
    struct rc_http_headers headers;
    struct rc_buf body;
    bool body_truncated;
    bool body_overflow;  /* a bounded body went on past max_length: cut there */
    uint64_t body_bytes; /* received body bytes, also when truncated or streamed */
    uint64_t sent_bytes; /* request body bytes sent */
    char body_digest[RC_DIGEST_MAX];
    char *url;                /* the URL that produced this answer (after redirects) */
    struct rc_http_hop *hops; /* redirects followed before the final answer */
    size_t nhops;
    unsigned attempts; /* 1 + transport-level retries */
    uint64_t elapsed_ms;
};

void rc_http_response_init(struct rc_http_response *r);
void rc_http_response_dispose(struct rc_http_response *r);

/* Called after every exchange on the wire (each retry, each redirect hop, each auth round
 * trip), with the request as sent and the answer; used to record evidence and count
 * requests. Strings are NOT redacted yet; the recorder redacts (only the body of a
 * token_endpoint request arrives already masked). error is NULL when an answer arrived. */
struct rc_http_exchange {
    const char *method;
    const char *url;
    const struct rc_http_headers *request_headers;
    long status;
    const struct rc_http_headers *response_headers;
    const char *body; /* what was kept of the response body */
    size_t body_len;
    bool body_truncated;
    const char *error;
    uint64_t sent_bytes;
    uint64_t received_bytes;
    uint64_t elapsed_ms;
    bool retry; /* this exchange is being retried */
};
typedef void (*rc_http_trace_fn)(void *ctx, const struct rc_http_exchange *x);

/* What a client did over its life: the latency benchmark's counters. */
struct rc_http_stats {
    uint64_t requests;          /* exchanges sent, retries and redirect hops included */
    uint64_t connections;       /* new connections opened (not to a token endpoint) */
    uint64_t tls_handshakes;    /* of those, over https */
    uint64_t token_connections; /* new connections to a token endpoint */
    uint64_t token_requests;    /* requests to a token endpoint */
    uint64_t status_429;        /* answers 429 */
};

struct rc_http_options {
    long connect_timeout_ms; /* default 10 s */
    long timeout_ms;         /* per request, default 30 s */
    /* a transfer moving fewer than min_speed bytes/s (default 1024) for timeout_ms is cut,
     * whatever the request's own total timeout (blob transfers have a long one) */
    long min_speed;
    bool insecure; /* TLS verification off (profiles say so explicitly) */
    const char *ca_file;
    const char *client_cert;
    const char *client_key;
    const char *proxy;
    const char *no_proxy;
    const char *user_agent;     /* default "regcompat/<version>" */
    int retries;                /* idempotent requests only (GET, HEAD, DELETE of a session);
                                   on connection failures and on 429/502/503/504; default 2 */
    long max_retry_after_ms;    /* cap on honoured Retry-After, default 10 s */
    double requests_per_second; /* 0 = unlimited; a rate of this client's own (see rate) */
    /* a rate shared with other clients of the same registry (borrowed; it must outlive the
     * client); when set, requests_per_second is not used */
    struct rc_http_rate *rate;
    bool http1_only; /* never negotiate HTTP/2 (a client modelled on one that
                        speaks only HTTP/1.1) */
    /* another client whose idle connections this one may reuse, and it this one's; both must
     * be used from one thread (libcurl does not share connections across threads) */
    struct rc_http_client *share_connections_with;
};

struct rc_http_client;

/* One client per registry worker: it owns one curl easy handle, so connections are reused
 * (keep-alive, HTTP/2 where offered). Not thread-safe; one thread at a time. */
int rc_http_client_new(struct rc_http_client **out, const struct rc_http_options *opts,
                       struct rc_error **err);
void rc_http_client_free(struct rc_http_client *c);
void rc_http_client_stats(const struct rc_http_client *c, struct rc_http_stats *out);
void rc_http_client_set_trace(struct rc_http_client *c, rc_http_trace_fn fn, void *ctx);

/* Sends a request. Returns 0 when an HTTP answer arrived, whatever its status (statuses are
 * data, not errors); < 0 when none did: RC_ENET (refused, reset, DNS), RC_ETIMEOUT, RC_ETLS,
 * RC_EPROTO (garbage that is not HTTP), RC_ELIMIT, RC_EINTR, with a message in err. resp is
 * filled as far as it got either way and must be disposed. */
int rc_http_send(struct rc_http_client *c, const struct rc_http_request *req,
                 struct rc_http_response *resp, struct rc_error **err);

/* Maps a CURLcode (passed as int so this header stays free of curl) to an errcode. */
int rc_http_map_curl_error(int curlcode);
/* Cancels every transfer in progress in this process at its next progress callback (within
 * about a second; async-signal-safe, for SIGINT/SIGTERM handlers); later sends fail with
 * RC_EINTR at once. */
void rc_http_interrupt(void);
/* Clears the interrupt flag (tests; a CLI that goes on after handling an interrupt). */
void rc_http_clear_interrupt(void);

/* ---- request rate (limits.requests_per_second) ----------------------------------------- */

/* One registry's request rate, shared by all its clients (every worker has its own client,
 * so a limit per client would multiply by the concurrency). Only requests to origin (scheme,
 * host and port of the registry) are paced: a token realm on another host and storage behind
 * a blob redirect are not the registry's limiter. origin NULL paces every request.
 * Thread-safe. NULL when per_second is not > 0 (no limit). */
struct rc_http_rate *rc_http_rate_new(double per_second, const char *origin);
void rc_http_rate_free(struct rc_http_rate *r);
/* The scheduler, on the caller's monotonic clock in ns (tests pass their own): the slot at
 * which a request that wants to go at now_ns may go, max(now, next), and next becomes slot +
 * 1/per_second. Slots handed out are exactly 1/per_second apart; an idle spell banks no
 * burst. */
uint64_t rc_http_rate_reserve(struct rc_http_rate *r, uint64_t now_ns);
uint64_t rc_http_rate_interval_ns(const struct rc_http_rate *r);
/* Whether a request to url is paced by r. */
bool rc_http_rate_applies(const struct rc_http_rate *r, const char *url);

/* ---- URLs (CURLU) ---------------------------------------------------------------------- */

/* Resolves a Location (absolute, host-relative "/v2/..." or path-relative) against the URL
 * of the request that produced it. */
int rc_url_resolve(char **out, const char *base, const char *ref, struct rc_error **err);
/* Appends key=value to the query with a URL parser ('?' or '&' as needed; the value is
 * URL-encoded), keeping any existing parameters (like _state) untouched. */
int rc_url_add_query(char **out, const char *url, const char *key, const char *value,
                     struct rc_error **err);
/* "/v2/x/blobs/uploads/?_state=..." : path and query of a URL, for evidence lines. */
char *rc_url_path_query(const char *url);
/* "host:port" of a URL (port only when explicit), or NULL. */
char *rc_url_authority(const char *url);
bool rc_url_same_origin(const char *a, const char *b); /* scheme, host and port */
/* The URL as a key for comparing two spellings of it: scheme and host lower case, a default
 * port dropped, dot segments resolved; NULL when it does not parse. */
char *rc_url_normalize(const char *url);
char *rc_url_encode(const char *s);

#endif
