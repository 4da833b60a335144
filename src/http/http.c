/* http: the transport. One curl easy handle per client, reset before every exchange (the
 * reset keeps live connections, the DNS cache and TLS sessions, so keep-alive and HTTP/2
 * still work) and configured from scratch, so no option leaks from one request into the next.
 *
 * A send is three nested loops: redirect hops (followed by our code) around retries (only
 * for GET, HEAD and OPTIONS) around one exchange on the wire. Every exchange is traced. */
#include "http/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/banned.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS         30000L
#define DEFAULT_RETRIES            2
#define DEFAULT_MAX_RETRY_AFTER_MS 10000L
#define DEFAULT_MIN_SPEED          1024L /* bytes/s */
#define DEFAULT_MAX_BODY           RC_MIB
#define MAX_REDIRECTS              5
#define MAX_RESPONSE_HEADER_BYTES  (256 * 1024)
#define BACKOFF_BASE_MS            100u
#define RECV_BUFFER_SIZE           (128L * 1024)

static atomic_bool interrupted;

void rc_http_interrupt(void)
{
    atomic_store(&interrupted, true);
}

void rc_http_clear_interrupt(void)
{
    atomic_store(&interrupted, false);
}

static bool is_interrupted(void)
{
    return atomic_load(&interrupted);
}

/* ---- error mapping --------------------------------------------------------------------- */

static const struct {
    CURLcode curl;
    int code;
} curl_error_table[] = {
    {CURLE_OK, RC_OK},
    {CURLE_UNSUPPORTED_PROTOCOL, RC_EPROTO},
    {CURLE_FAILED_INIT, RC_ERR},
    {CURLE_URL_MALFORMAT, RC_EINVAL},
    {CURLE_NOT_BUILT_IN, RC_ERR},
    {CURLE_COULDNT_RESOLVE_PROXY, RC_ENET},
    {CURLE_COULDNT_RESOLVE_HOST, RC_ENET},
    {CURLE_COULDNT_CONNECT, RC_ENET},
    {CURLE_WEIRD_SERVER_REPLY, RC_EPROTO},
    {CURLE_HTTP2, RC_EPROTO},
    {CURLE_PARTIAL_FILE, RC_ENET}, /* the connection closed before the announced length */
    {CURLE_WRITE_ERROR, RC_ERR},   /* our sink refused the body */
    {CURLE_UPLOAD_FAILED, RC_ENET},
    {CURLE_READ_ERROR, RC_EIO}, /* the request body source failed */
    {CURLE_OUT_OF_MEMORY, RC_ERR},
    {CURLE_OPERATION_TIMEDOUT, RC_ETIMEOUT},
    {CURLE_RANGE_ERROR, RC_EPROTO},
    {CURLE_SSL_CONNECT_ERROR, RC_ETLS},
    {CURLE_ABORTED_BY_CALLBACK, RC_EINTR},
    {CURLE_BAD_FUNCTION_ARGUMENT, RC_ERR},
    {CURLE_INTERFACE_FAILED, RC_ENET},
    {CURLE_TOO_MANY_REDIRECTS, RC_EPROTO},
    {CURLE_UNKNOWN_OPTION, RC_ERR},
    {CURLE_SETOPT_OPTION_SYNTAX, RC_ERR},
    {CURLE_GOT_NOTHING, RC_EPROTO},
    {CURLE_SSL_ENGINE_NOTFOUND, RC_ETLS},
    {CURLE_SSL_ENGINE_SETFAILED, RC_ETLS},
    {CURLE_SEND_ERROR, RC_ENET},
    {CURLE_RECV_ERROR, RC_ENET},
    {CURLE_SSL_CERTPROBLEM, RC_ETLS},
    {CURLE_SSL_CIPHER, RC_ETLS},
    {CURLE_PEER_FAILED_VERIFICATION, RC_ETLS},
    {CURLE_BAD_CONTENT_ENCODING, RC_EPROTO},
    {CURLE_FILESIZE_EXCEEDED, RC_ELIMIT},
    {CURLE_USE_SSL_FAILED, RC_ETLS},
    {CURLE_SEND_FAIL_REWIND, RC_ERR},
    {CURLE_SSL_ENGINE_INITFAILED, RC_ETLS},
    {CURLE_LOGIN_DENIED, RC_EAUTH},
    {CURLE_SSL_CACERT_BADFILE, RC_ETLS},
    {CURLE_SSL_SHUTDOWN_FAILED, RC_ETLS},
    {CURLE_AGAIN, RC_ENET},
    {CURLE_SSL_CRL_BADFILE, RC_ETLS},
    {CURLE_SSL_ISSUER_ERROR, RC_ETLS},
    {CURLE_NO_CONNECTION_AVAILABLE, RC_ENET},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, RC_ETLS},
    {CURLE_SSL_INVALIDCERTSTATUS, RC_ETLS},
    {CURLE_HTTP2_STREAM, RC_EPROTO},
    {CURLE_RECURSIVE_API_CALL, RC_ERR},
    {CURLE_AUTH_ERROR, RC_EAUTH},
    {CURLE_HTTP3, RC_EPROTO},
    {CURLE_QUIC_CONNECT_ERROR, RC_ENET},
    {CURLE_PROXY, RC_ENET},
    {CURLE_SSL_CLIENTCERT, RC_ETLS},
    {CURLE_UNRECOVERABLE_POLL, RC_ERR},
};

int rc_http_map_curl_error(int curlcode)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(curl_error_table); i++)
        if ((int)curl_error_table[i].curl == curlcode)
            return curl_error_table[i].code;
    return RC_ERR;
}

/* ---- client ---------------------------------------------------------------------------- */

/* A connection cache that the clients of one thread share (counted references). */
struct conn_share {
    CURLSH *sh;
    int refs;
};

struct rc_http_client {
    CURL *curl;
    struct conn_share *share;
    long connect_timeout_ms;
    long timeout_ms;
    long min_speed;
    bool insecure;
    char *ca_file;
    char *client_cert;
    char *client_key;
    char *proxy;
    char *no_proxy;
    char *user_agent;
    int retries;
    long max_retry_after_ms;
    struct rc_http_rate *rate; /* shared with the registry's other clients, or own_rate */
    struct rc_http_rate *own_rate;
    bool http1_only;
    rc_http_trace_fn trace;
    void *trace_ctx;
    struct rc_hasher *hasher;
    struct rc_http_stats stats;
    char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Puts c's and other's connections into one cache (curl_easy_reset keeps the handle's
 * share). When libcurl cannot share, each keeps its own: only reuse is lost. */
static void share_connections(struct rc_http_client *c, struct rc_http_client *other)
{
    if (!other->share) {
        CURLSH *sh = curl_share_init();
        if (!sh || curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
            curl_easy_setopt(other->curl, CURLOPT_SHARE, sh) != CURLE_OK) {
            if (sh)
                curl_share_cleanup(sh);
            return;
        }
        other->share = rc_xcalloc(1, sizeof(*other->share));
        other->share->sh = sh;
        other->share->refs = 1;
    }
    if (curl_easy_setopt(c->curl, CURLOPT_SHARE, other->share->sh) != CURLE_OK)
        return;
    c->share = other->share;
    c->share->refs++;
}

int rc_http_client_new(struct rc_http_client **out, const struct rc_http_options *opts,
                       struct rc_error **err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return rc_error_set(err, RC_ERR, "libcurl initialisation failed: %s",
                            curl_easy_strerror(global_rc));
    struct rc_http_options none = {0};
    if (!opts)
        opts = &none;
    CURL *curl = curl_easy_init();
    if (!curl)
        return rc_error_set(err, RC_ERR, "curl_easy_init failed");
    struct rc_http_client *c = rc_xcalloc(1, sizeof(*c));
    c->curl = curl;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->min_speed = opts->min_speed > 0 ? opts->min_speed : DEFAULT_MIN_SPEED;
    c->insecure = opts->insecure;
    c->ca_file = rc_xstrdup(opts->ca_file);
    c->client_cert = rc_xstrdup(opts->client_cert);
    c->client_key = rc_xstrdup(opts->client_key);
    c->proxy = rc_xstrdup(opts->proxy);
    c->no_proxy = rc_xstrdup(opts->no_proxy);
    c->user_agent =
        opts->user_agent ? rc_xstrdup(opts->user_agent) : rc_xstrdup("regcompat/" RC_VERSION);
    c->retries = opts->retries > 0 ? opts->retries : opts->retries < 0 ? 0 : DEFAULT_RETRIES;
    c->max_retry_after_ms =
        opts->max_retry_after_ms > 0 ? opts->max_retry_after_ms : DEFAULT_MAX_RETRY_AFTER_MS;
    if (opts->rate) {
        c->rate = opts->rate;
    } else if (opts->requests_per_second > 0) {
        c->own_rate = rc_http_rate_new(opts->requests_per_second, NULL);
        c->rate = c->own_rate;
    }
    c->http1_only = opts->http1_only;
    c->hasher = rc_hasher_new(RC_DIGEST_SHA256);
    if (opts->share_connections_with)
        share_connections(c, opts->share_connections_with);
    *out = c;
    return 0;
}

void rc_http_client_free(struct rc_http_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    if (c->share && --c->share->refs == 0) {
        curl_share_cleanup(c->share->sh);
        free(c->share);
    }
    free(c->ca_file);
    free(c->client_cert);
    free(c->client_key);
    free(c->proxy);
    free(c->no_proxy);
    free(c->user_agent);
    rc_http_rate_free(c->own_rate);
    rc_hasher_free(c->hasher);
    free(c);
}

void rc_http_client_stats(const struct rc_http_client *c, struct rc_http_stats *out)
{
    *out = c->stats;
}

void rc_http_client_set_trace(struct rc_http_client *c, rc_http_trace_fn fn, void *ctx)
{
    c->trace = fn;
    c->trace_ctx = ctx;
}

/* ---- responses ------------------------------------------------------------------------- */

void rc_http_response_init(struct rc_http_response *r)
{
    memset(r, 0, sizeof(*r));
}

static void hops_dispose(struct rc_http_response *r)
{
    for (size_t i = 0; i < r->nhops; i++) {
        free(r->hops[i].method);
        free(r->hops[i].url);
        free(r->hops[i].location);
    }
    free(r->hops);
    r->hops = NULL;
    r->nhops = 0;
}

void rc_http_response_dispose(struct rc_http_response *r)
{
    free(r->http_version);
    rc_http_headers_dispose(&r->headers);
    rc_buf_dispose(&r->body);
    free(r->url);
    hops_dispose(r);
    memset(r, 0, sizeof(*r));
}

/* ---- one exchange ---------------------------------------------------------------------- */

/* What one exchange sends. Owned by the send loop; changes between redirect hops. */
struct outgoing {
    char *method;
    char *url;
    struct rc_http_headers headers; /* the caller's, minus what a hop dropped */
    bool has_body;
    const char *mem;
    size_t mem_len;
    const struct rc_http_body_source *src;
    bool src_used; /* read at least once: a replay needs a rewind */
};

struct xfer {
    struct rc_http_client *c;
    const struct rc_http_request *req;
    struct outgoing *out;
    struct rc_http_response *resp;
    /* request body */
    size_t mem_off;
    struct rc_error *src_err;
    uint64_t sent;
    /* response */
    size_t header_bytes;
    bool header_overflow;
    long status;       /* from the last status line seen */
    bool headers_done; /* the final answer's header block ended */
    size_t max_body;
    bool decided;      /* whether this body goes to the sink and hasher was decided */
    bool deliver;      /* it does: this is the answer the caller gets */
    bool sink_fed;     /* the sink received bytes: this exchange can no longer be retried */
    bool sink_aborted; /* the sink asked to stop */
    bool overflow;     /* a bounded body went past its length */
    bool retry_allowed;
    /* request headers as curl sent them (debug callback), for the trace */
    struct rc_http_headers sent_headers;
    bool headers_captured;
};

static bool method_is(const char *m, const char *want)
{
    return strcmp(m, want) == 0;
}

/* RFC 9110 9.2.2: a client may repeat an idempotent request automatically, also after the
 * connection failed before the answer came. */
static bool idempotent(const char *method)
{
    return method_is(method, "GET") || method_is(method, "HEAD") || method_is(method, "OPTIONS") ||
           method_is(method, "PUT") || method_is(method, "DELETE");
}

/* 429 (RFC 6585 4) and 503 (RFC 9110 15.6.4) say the request was not processed, so any
 * request whose body can be sent again is retried; 502 and 504 only when idempotent. */
static bool status_retryable(const char *method, long status)
{
    if (status == 429 || status == 503)
        return true;
    return (status == 502 || status == 504) && idempotent(method);
}

static bool status_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Whether the method changes to GET (and the body is dropped) when following status. */
static bool redirect_drops_body(long status, const char *method)
{
    if (status == 303)
        return !method_is(method, "HEAD");
    if (status == 301 || status == 302)
        return method_is(method, "POST");
    return false;
}

/* Whether the body can be sent again after this exchange. */
static bool body_replayable(const struct outgoing *o)
{
    return !o->has_body || o->mem || (o->src && o->src->rewind);
}

/* Whether the Location of this answer points at another origin (or cannot be resolved). */
static bool location_elsewhere(const struct xfer *x, const char *loc)
{
    char *next = NULL;
    struct rc_error *e = NULL;
    bool elsewhere =
        rc_url_resolve(&next, x->out->url, loc, &e) < 0 || !rc_url_same_origin(next, x->out->url);
    rc_error_free(e);
    free(next);
    return elsewhere;
}

static bool will_follow(const struct xfer *x)
{
    if (!x->req->follow_redirects || !status_redirect(x->status))
        return false;
    const char *loc = rc_http_headers_get(&x->resp->headers, "location");
    if (x->resp->nhops >= MAX_REDIRECTS || !loc)
        return false;
    if (redirect_drops_body(x->status, x->out->method))
        return true;
    /* the body goes along: only to the same origin (a form may hold a refresh token) */
    return body_replayable(x->out) && !(x->out->has_body && location_elsewhere(x, loc));
}

/* Decided at the first body byte, when the headers are complete: bodies of answers that will
 * be retried or redirected are kept for the trace but not passed to the sink or hashed. */
static void decide_delivery(struct xfer *x)
{
    if (x->decided)
        return;
    x->decided = true;
    x->deliver =
        !(x->retry_allowed && status_retryable(x->out->method, x->status)) && !will_follow(x);
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * nmemb, take = len;
    decide_delivery(x);
    struct rc_http_response *r = x->resp;
    if (x->deliver && x->req->bounded && len > x->req->max_length - r->body_bytes) {
        /* what fits is kept and hashed; the rest already makes the answer wrong */
        take = (size_t)(x->req->max_length - r->body_bytes);
        x->overflow = true;
    }
    r->body_bytes += len;
    size_t room = x->max_body > r->body.len ? x->max_body - r->body.len : 0;
    size_t keep = take < room ? take : room;
    if (keep)
        rc_buf_add(&r->body, data, keep);
    if (keep < take)
        r->body_truncated = true;
    if (x->deliver) {
        if (x->req->hash_body)
            rc_hasher_update(x->c->hasher, data, take);
        if (x->req->sink && take) {
            x->sink_fed = true;
            if (x->req->sink(x->req->sink_ctx, data, take) < 0) {
                x->sink_aborted = true;
                return 0; /* CURLE_WRITE_ERROR */
            }
        }
    }
    return x->overflow ? 0 : len; /* 0: CURLE_WRITE_ERROR, the transfer stops */
}

static void parse_status_line(struct xfer *x, const char *line, size_t len)
{
    /* "HTTP/1.1 200 OK", "HTTP/2 200" */
    const char *p = line + 5, *end = line + len;
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    if (!sp)
        return;
    free(x->resp->http_version);
    x->resp->http_version = rc_xstrndup(p, (size_t)(sp - p));
    long status = 0;
    for (const char *q = sp + 1; q < end && *q >= '0' && *q <= '9' && status < 1000; q++)
        status = status * 10 + (*q - '0');
    x->status = status;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * nmemb;
    x->header_bytes += len;
    if (x->header_bytes > MAX_RESPONSE_HEADER_BYTES) {
        x->header_overflow = true;
        return 0;
    }
    size_t n = len;
    while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
        n--;
    struct rc_http_headers *h = &x->resp->headers;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* a new response (after 100 Continue or a proxy's CONNECT answer): start over */
        rc_http_headers_dispose(h);
        x->headers_done = false;
        parse_status_line(x, data, n);
        return len;
    }
    if (n == 0) {
        if (x->status >= 200)
            x->headers_done = true;
        return len;
    }
    if ((data[0] == ' ' || data[0] == '\t') && h->n) {
        /* obsolete line folding: continues the previous value */
        struct rc_http_header *last = &h->v[h->n - 1];
        char *tail = rc_xstrndup(data, n);
        char *merged = rc_fmt("%s %s", last->value, rc_str_trim(tail));
        free(tail);
        free(last->value);
        last->value = merged;
        return len;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon || colon == data)
        return len;
    size_t nlen = (size_t)(colon - data);
    while (nlen && (data[nlen - 1] == ' ' || data[nlen - 1] == '\t'))
        nlen--;
    char *name = rc_xstrndup(data, nlen);
    char *value = rc_xstrndup(colon + 1, n - (size_t)(colon + 1 - data));
    rc_http_headers_add(h, name, rc_str_trim(value));
    free(name);
    free(value);
    return len;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t cap = size * nmemb;
    struct outgoing *o = x->out;
    if (o->mem) {
        size_t left = o->mem_len - x->mem_off;
        size_t n = left < cap ? left : cap;
        memcpy(buf, o->mem + x->mem_off, n);
        x->mem_off += n;
        x->sent += n;
        return n;
    }
    if (!o->src)
        return 0;
    o->src_used = true;
    size_t got = 0;
    if (o->src->read(o->src->ctx, buf, cap, &got, &x->src_err) < 0) {
        if (!x->src_err)
            rc_error_set(&x->src_err, RC_EIO, "reading the request body failed");
        return CURL_READFUNC_ABORT;
    }
    if (got > cap)
        got = cap;
    x->sent += got;
    return got;
}

/* curl rewinds on its own when it must resend (a reused connection that turned out dead). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
    struct xfer *x = ud;
    struct outgoing *o = x->out;
    if (origin != SEEK_SET)
        return CURL_SEEKFUNC_CANTSEEK;
    if (o->mem) {
        if (offset < 0 || (uint64_t)offset > o->mem_len)
            return CURL_SEEKFUNC_FAIL;
        x->mem_off = (size_t)offset;
        x->sent = (uint64_t)offset;
        return CURL_SEEKFUNC_OK;
    }
    if (!o->src || offset != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    if (!o->src_used) {
        x->sent = 0;
        return CURL_SEEKFUNC_OK;
    }
    if (!o->src->rewind)
        return CURL_SEEKFUNC_CANTSEEK;
    struct rc_error *e = NULL;
    if (o->src->rewind(o->src->ctx, &e) < 0) {
        rc_error_free(e);
        return CURL_SEEKFUNC_FAIL;
    }
    x->sent = 0;
    return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    RC_UNUSED(ud);
    RC_UNUSED(dltotal);
    RC_UNUSED(dlnow);
    RC_UNUSED(ultotal);
    RC_UNUSED(ulnow);
    return is_interrupted() ? 1 : 0;
}

/* Keeps the request header block curl writes (request line skipped) for the trace. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    RC_UNUSED(h);
    struct xfer *x = ud;
    if (type != CURLINFO_HEADER_OUT)
        return 0;
    rc_http_headers_dispose(&x->sent_headers);
    x->headers_captured = true;
    const char *p = data, *end = data + size;
    bool first = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        const char *colon = n ? memchr(p, ':', n) : NULL;
        if (!first && colon && colon != p) {
            char *name = rc_xstrndup(p, (size_t)(colon - p));
            char *value = rc_xstrndup(colon + 1, n - (size_t)(colon + 1 - p));
            rc_http_headers_add(&x->sent_headers, name, rc_str_trim(value));
            free(name);
            free(value);
        }
        first = false;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

static void slist_freep(struct curl_slist **l)
{
    curl_slist_free_all(*l);
}
#define auto_slist RC_CLEANUP(slist_freep)

static bool header_safe(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

/* The header list curl sends: the caller's headers, then our rules. */
static int build_headers(struct curl_slist **out, struct rc_http_headers *shown,
                         const struct outgoing *o, struct rc_error **err)
{
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < o->headers.n; i++) {
        const struct rc_http_header *hd = &o->headers.v[i];
        if (!header_safe(hd->name) || !header_safe(hd->value) || !*hd->name ||
            strchr(hd->name, ':')) {
            curl_slist_free_all(l);
            return rc_error_set(err, RC_EINVAL, "invalid request header \"%s\"",
                                hd->name ? hd->name : "");
        }
        /* "Name;" is curl's way to send a header with an empty value */
        char *line = *hd->value ? rc_fmt("%s: %s", hd->name, hd->value) : rc_fmt("%s;", hd->name);
        struct curl_slist *nl = curl_slist_append(l, line);
        free(line);
        if (!nl)
            abort();
        l = nl;
        rc_http_headers_add(shown, hd->name, hd->value);
    }
    const char *extra[4];
    size_t nextra = 0;
    extra[nextra++] = "Expect:"; /* never wait for 100 Continue */
    if (!rc_http_headers_get(&o->headers, "accept"))
        extra[nextra++] = "Accept:"; /* no implicit Accept: * / * */
    if (o->has_body && !rc_http_headers_get(&o->headers, "content-type")) {
        extra[nextra++] = "Content-Type: application/octet-stream";
        rc_http_headers_add(shown, "Content-Type", "application/octet-stream");
    }
    for (size_t i = 0; i < nextra; i++) {
        struct curl_slist *nl = curl_slist_append(l, extra[i]);
        if (!nl)
            abort();
        l = nl;
    }
    *out = l;
    return 0;
}

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        CURLcode so_rc_ = curl_easy_setopt(h, opt, val);                                           \
        if (so_rc_ != CURLE_OK)                                                                    \
            return rc_error_set(err, RC_ERR, "curl_easy_setopt(%s): %s", #opt,                     \
                                curl_easy_strerror(so_rc_));                                       \
    } while (0)

static int setup(struct xfer *x, struct curl_slist *hdrs, long timeout_ms, struct rc_error **err)
{
    struct rc_http_client *c = x->c;
    struct outgoing *o = x->out;
    CURL *h = c->curl;
    curl_easy_reset(h);
    c->errbuf[0] = '\0';
    SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(CURLOPT_URL, o->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_HTTP_VERSION,
           c->http1_only ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms);
    /* a peer that stalls or trickles (below the minimum speed) for the client's timeout is
     * cut, whatever the request's own total timeout */
    SETOPT(CURLOPT_LOW_SPEED_LIMIT, c->min_speed);
    SETOPT(CURLOPT_LOW_SPEED_TIME, (c->timeout_ms + 999) / 1000);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_BUFFERSIZE, RECV_BUFFER_SIZE);
    SETOPT(CURLOPT_NOPROGRESS, 0L);
    SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(CURLOPT_XFERINFODATA, x);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, x);
    SETOPT(CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(CURLOPT_WRITEDATA, x);
    SETOPT(CURLOPT_DEBUGFUNCTION, on_debug);
    SETOPT(CURLOPT_DEBUGDATA, x);
    SETOPT(CURLOPT_VERBOSE, 1L);
    SETOPT(CURLOPT_USERAGENT, c->user_agent);
    SETOPT(CURLOPT_HTTPHEADER, hdrs);
    SETOPT(CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->ca_file)
        SETOPT(CURLOPT_CAINFO, c->ca_file);
    if (c->client_cert)
        SETOPT(CURLOPT_SSLCERT, c->client_cert);
    if (c->client_key)
        SETOPT(CURLOPT_SSLKEY, c->client_key);
    if (c->proxy)
        SETOPT(CURLOPT_PROXY, c->proxy);
    if (c->no_proxy)
        SETOPT(CURLOPT_NOPROXY, c->no_proxy);

    const char *m = o->method;
    bool upload =
        o->has_body || method_is(m, "POST") || method_is(m, "PUT") || method_is(m, "PATCH");
    if (method_is(m, "HEAD")) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else if (method_is(m, "GET") && !upload) {
        SETOPT(CURLOPT_HTTPGET, 1L);
    } else {
        SETOPT(CURLOPT_CUSTOMREQUEST, m);
    }
    if (upload && !method_is(m, "HEAD")) {
        /* an upload with size 0 sends Content-Length: 0; -1 sends chunked (HTTP/1.1) */
        curl_off_t size = 0;
        if (o->mem)
            size = (curl_off_t)o->mem_len;
        else if (o->src)
            size = o->src->length >= 0 ? (curl_off_t)o->src->length : -1;
        SETOPT(CURLOPT_UPLOAD, 1L);
        SETOPT(CURLOPT_READFUNCTION, on_read);
        SETOPT(CURLOPT_READDATA, x);
        SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
        SETOPT(CURLOPT_SEEKDATA, x);
        SETOPT(CURLOPT_INFILESIZE_LARGE, size);
    }
    return 0;
}

/* The request's own timeout (else the client's); a bounded body gets no more than the
 * client's timeout plus its length at the minimum speed. */
static long request_timeout_ms(const struct rc_http_client *c, const struct rc_http_request *req)
{
    long t = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
    if (req->bounded) {
        uint64_t need = (uint64_t)c->timeout_ms + req->max_length / (uint64_t)c->min_speed * 1000u;
        if (need < (uint64_t)t)
            t = (long)need;
    }
    return t;
}

static void reset_attempt(struct rc_http_response *r)
{
    r->status = 0;
    free(r->http_version);
    r->http_version = NULL;
    rc_http_headers_dispose(&r->headers);
    rc_buf_reset(&r->body);
    r->body_truncated = false;
    r->body_overflow = false;
    r->body_bytes = 0;
    r->sent_bytes = 0;
    r->body_digest[0] = '\0';
}

static bool body_cut_short(CURLcode cc)
{
    return cc == CURLE_PARTIAL_FILE || cc == CURLE_HTTP2_STREAM || cc == CURLE_HTTP2 ||
           cc == CURLE_RECV_ERROR;
}

/* One exchange on the wire. Returns 0 with an answer in resp, or < 0 (err set). */
static void count_exchange(struct rc_http_client *c, const struct xfer *x)
{
    c->stats.requests++;
    long nc = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK && nc > 0) {
        /* the token endpoint is another service, often another host: its connections are
         * counted apart from the registry's */
        if (x->req->token_endpoint)
            c->stats.token_connections += (uint64_t)nc;
        else
            c->stats.connections += (uint64_t)nc;
        if (!x->req->token_endpoint && strncmp(x->out->url, "https://", 8) == 0)
            c->stats.tls_handshakes += (uint64_t)nc;
    }
    if (x->req->token_endpoint)
        c->stats.token_requests++;
    long status = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 429)
        c->stats.status_429++;
}

static int exchange(struct xfer *x, struct rc_error **err)
{
    struct rc_http_client *c = x->c;
    struct rc_http_response *r = x->resp;
    reset_attempt(r);
    free(r->url);
    r->url = rc_xstrdup(x->out->url);
    r->body.max = x->max_body;
    rc_hasher_reset(c->hasher);
    auto_slist struct curl_slist *hdrs = NULL;
    /* the headers we asked for; replaced by what curl really wrote once it has written them
     * (on_debug) */
    rc_http_headers_dispose(&x->sent_headers);
    x->headers_captured = false;
    int rc = build_headers(&hdrs, &x->sent_headers, x->out, err);
    if (rc == 0) {
        rc = setup(x, hdrs, request_timeout_ms(c, x->req), err);
    }
    if (rc < 0)
        return rc;

    CURLcode cc = curl_easy_perform(c->curl);
    r->sent_bytes = x->sent;
    count_exchange(c, x);

    long status = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status > 0)
        x->status = status;
    r->status = x->status;
    /* HEAD and bodiless answers never reach on_write */
    decide_delivery(x);
    if (x->deliver && x->req->hash_body && !method_is(x->out->method, "HEAD"))
        rc_hasher_final(c->hasher, r->body_digest);

    if (cc == CURLE_OK)
        return 0;
    if (x->overflow) {
        /* the answer arrived; its body is longer than allowed, which is for the caller to
         * judge */
        r->body_overflow = true;
        return 0;
    }
    /* An error answer whose body breaks off (Distribution's 416 announces a Content-Length it
     * does not send: curl error 18 on HTTP/1.1, a reset stream on HTTP/2) is still an
     * answer: its status and headers arrived whole. */
    if (body_cut_short(cc) && x->headers_done && (r->status < 200 || r->status >= 300)) {
        rc_log(RC_LOG_DEBUG, "%s: HTTP %ld with a truncated body (%s)", x->out->method, r->status,
               curl_easy_strerror(cc));
        return 0;
    }
    bool in_headers = x->status > 0 && !x->headers_done;
    r->status = x->status = 0;
    const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc);
    rc_autofree char *shown = rc_redact_url(x->out->url);
    if (x->src_err) {
        rc = rc_error_set(err, x->src_err->code, "%s %s: request body: %s", x->out->method, shown,
                          rc_error_msg(x->src_err));
        rc_error_freep(&x->src_err);
        return rc;
    }
    if (x->sink_aborted)
        return rc_error_set(err, RC_ERR, "%s %s: the response body was refused by its consumer",
                            x->out->method, shown);
    if (x->header_overflow)
        return rc_error_set(err, RC_ELIMIT, "%s %s: response headers larger than %d bytes",
                            x->out->method, shown, MAX_RESPONSE_HEADER_BYTES);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return rc_error_set(err, RC_EINTR, "%s %s: interrupted", x->out->method, shown);
    /* curl refuses a header line over CURL_MAX_HTTP_HEADER with "Out of memory", which
     * would send a reader looking for the wrong problem */
    if (cc == CURLE_OUT_OF_MEMORY && in_headers)
        return rc_error_set(err, RC_ELIMIT, "%s %s: a response header line over %d bytes",
                            x->out->method, shown, CURL_MAX_HTTP_HEADER);
    return rc_error_set(err, rc_http_map_curl_error((int)cc), "%s %s: %s", x->out->method, shown,
                        detail);
}

static void trace_exchange(struct xfer *x, const struct rc_error *e, uint64_t started, bool retry)
{
    struct rc_http_client *c = x->c;
    if (!c->trace)
        return;
    const struct rc_http_response *r = x->resp;
    rc_autofree char *masked = NULL;
    size_t masked_len = 0;
    if (x->req->token_endpoint)
        masked = rc_redact_token_answer(r->body.data, r->body.len, &masked_len);
    struct rc_http_exchange ex = {
        .method = x->out->method,
        .url = x->out->url,
        .request_headers = &x->sent_headers,
        .status = r->status,
        .response_headers = &r->headers,
        .body = masked ? masked : rc_buf_str(&r->body),
        .body_len = masked ? masked_len : r->body.len,
        .body_truncated = r->body_truncated,
        .error = e ? rc_error_msg(e) : NULL,
        .sent_bytes = r->sent_bytes,
        .received_bytes = r->body_bytes,
        .elapsed_ms = rc_now_ms() - started,
        .retry = retry,
    };
    c->trace(c->trace_ctx, &ex);
}

/* Retry-After: delta seconds or an HTTP date. Returns -1 when absent or unparsable. */
static long retry_after_ms(const struct rc_http_headers *h)
{
    const char *v = rc_http_headers_get(h, "retry-after");
    if (!v || !*v)
        return -1;
    int64_t secs = 0;
    if (rc_parse_i64(v, &secs))
        return secs < 0 ? -1 : secs > 86400 ? 86400000L : (long)secs * 1000L;
    time_t when = curl_getdate(v, NULL);
    if (when == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    return when <= now ? 0 : (long)((when - now) > 86400 ? 86400 : (when - now)) * 1000L;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps up to ns, in slices of at most 50 ms, returning early (false) when interrupted. */
static bool sleep_interruptible_ns(uint64_t ns)
{
    const uint64_t slice_max = 50u * 1000000u;
    while (ns) {
        if (is_interrupted())
            return false;
        uint64_t slice = ns < slice_max ? ns : slice_max;
        struct timespec ts = {(time_t)(slice / 1000000000u), (long)(slice % 1000000000u)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !is_interrupted())
            ;
        ns -= slice;
    }
    return !is_interrupted();
}

static bool sleep_interruptible(uint64_t ms)
{
    return sleep_interruptible_ns(ms * 1000000u);
}

/* Waits for this request's slot in the registry's rate (shared by all its workers). */
static void wait_rate_limit(struct rc_http_client *c, const char *url)
{
    if (!c->rate || !rc_http_rate_applies(c->rate, url))
        return;
    uint64_t now = now_ns();
    uint64_t slot = rc_http_rate_reserve(c->rate, now);
    if (slot > now)
        sleep_interruptible_ns(slot - now);
}

static int rewind_body(struct outgoing *o, struct rc_error **err)
{
    if (!o->src || !o->src_used)
        return 0;
    if (!o->src->rewind)
        return rc_error_set(err, RC_ERR, "the request body cannot be replayed");
    int rc = o->src->rewind(o->src->ctx, err);
    if (rc < 0)
        return rc_error_prefix(err, "rewinding the request body");
    o->src_used = false;
    return 0;
}

/* One hop: the exchange plus its retries. */
static int send_with_retries(struct xfer *x, struct rc_error **err)
{
    struct rc_http_client *c = x->c;
    bool idem = idempotent(x->out->method);
    for (int attempt = 0;; attempt++) {
        struct rc_error *e = NULL;
        x->retry_allowed = attempt < c->retries && body_replayable(x->out);
        x->decided = x->deliver = x->sink_fed = x->sink_aborted = x->overflow = false;
        x->mem_off = 0;
        x->sent = 0;
        x->status = 0;
        x->header_bytes = 0;
        x->header_overflow = false;
        x->headers_done = false;
        if (is_interrupted())
            return rc_error_set(err, RC_EINTR, "interrupted");
        int rc = rewind_body(x->out, err);
        if (rc < 0)
            return rc;
        wait_rate_limit(c, x->out->url);
        if (is_interrupted())
            return rc_error_set(err, RC_EINTR, "interrupted");
        uint64_t started = rc_now_ms();
        rc = exchange(x, &e);

        bool retry = false;
        uint64_t delay = BACKOFF_BASE_MS << (attempt < 6 ? attempt : 6);
        if (x->retry_allowed && !x->sink_fed && !is_interrupted()) {
            if (rc < 0 && (rc == RC_ENET || rc == RC_ETIMEOUT) && idem) {
                retry = true;
            } else if (rc == 0 && status_retryable(x->out->method, x->resp->status)) {
                retry = true;
                long ra = retry_after_ms(&x->resp->headers);
                if (ra >= 0)
                    delay = (uint64_t)(ra < c->max_retry_after_ms ? ra : c->max_retry_after_ms);
            }
        }
        trace_exchange(x, e, started, retry);
        if (!retry) {
            if (rc < 0) {
                if (err && !*err)
                    *err = e;
                else
                    rc_error_free(e);
            }
            return rc;
        }
        rc_error_free(e);
        x->resp->attempts++;
        if (rc_log_enabled(RC_LOG_DEBUG)) {
            rc_autofree char *shown = rc_redact_url(x->out->url);
            rc_log(RC_LOG_DEBUG, "retrying %s %s in %llu ms (attempt %d)", x->out->method, shown,
                   (unsigned long long)delay, attempt + 2);
        }
        if (!sleep_interruptible(delay))
            return rc_error_set(err, RC_EINTR, "interrupted");
    }
}

static void outgoing_dispose(struct outgoing *o)
{
    free(o->method);
    free(o->url);
    rc_http_headers_dispose(&o->headers);
}

int rc_http_send(struct rc_http_client *c, const struct rc_http_request *req,
                 struct rc_http_response *resp, struct rc_error **err)
{
    rc_http_response_dispose(resp);
    uint64_t t0 = rc_now_ms();
    if (!req->method || !*req->method || !req->url)
        return rc_error_set(err, RC_EINVAL, "request without method or URL");
    if (!header_safe(req->method) || strchr(req->method, ' '))
        return rc_error_set(err, RC_EINVAL, "invalid method \"%s\"", req->method);
    if (req->body && req->source)
        return rc_error_set(err, RC_EINVAL, "request with both a memory body and a source");

    struct outgoing o = {
        .method = rc_xstrdup(req->method),
        .url = rc_xstrdup(req->url),
        .has_body = req->source != NULL || req->body != NULL,
        .mem = req->body,
        .mem_len = req->body_len,
        .src = req->source,
    };
    rc_http_headers_copy(&o.headers, &req->headers);
    struct xfer x = {
        .c = c,
        .req = req,
        .out = &o,
        .resp = resp,
        .max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY,
    };
    resp->attempts = 1;
    int rc;
    for (;;) {
        rc = send_with_retries(&x, err);
        if (rc < 0 || !will_follow(&x))
            break;
        const char *loc = rc_http_headers_get(&resp->headers, "location");
        char *next = NULL;
        struct rc_error *e = NULL;
        if (rc_url_resolve(&next, o.url, loc, &e) < 0) {
            /* an unusable Location: the redirect itself is the answer */
            rc_log(RC_LOG_DEBUG, "not following redirect: %s", rc_error_msg(e));
            rc_error_free(e);
            break;
        }
        struct rc_http_hop hop = {rc_xstrdup(o.method), rc_xstrdup(o.url), resp->status,
                                  rc_xstrdup(loc)};
        size_t hcap = resp->nhops;
        RC_PUSH(resp->hops, resp->nhops, hcap, hop);
        if (redirect_drops_body(resp->status, o.method)) {
            free(o.method);
            o.method = rc_xstrdup("GET");
            o.has_body = false;
            o.mem = NULL;
            o.mem_len = 0;
            o.src = NULL;
            rc_http_headers_set(&o.headers, "Content-Type", NULL);
            rc_http_headers_set(&o.headers, "Content-Length", NULL);
            rc_http_headers_set(&o.headers, "Content-Range", NULL);
        }
        if (!rc_url_same_origin(next, o.url)) {
            /* credentials never cross to another origin (storage backends, CDNs) */
            rc_http_headers_set(&o.headers, "Authorization", NULL);
            rc_http_headers_set(&o.headers, "Cookie", NULL);
        }
        free(o.url);
        o.url = next;
    }
    rc_http_headers_dispose(&x.sent_headers);
    rc_error_free(x.src_err);
    outgoing_dispose(&o);
    resp->elapsed_ms = rc_now_ms() - t0;
    return rc;
}
