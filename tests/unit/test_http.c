/* http unit tests: URL helpers, header lists, the curl error table, and the transport against
 * a scripted HTTP/1.1 peer on a loopback socket in this process (no outside network). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "fake_peer.h"
#include "http/http.h"

#include "base/banned.h"

/* ---- URLs ------------------------------------------------------------------------------ */

static void check_resolve(const char *base, const char *ref, const char *want)
{
    char *out = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_url_resolve(&out, base, ref, &err), 0);
    RC_ASSERT_STR(out, want);
    free(out);
    rc_error_free(err);
}

static void test_url_resolve(void)
{
    const char *base = "http://127.0.0.1:5000/v2/pol/wasm/blobs/uploads/";
    check_resolve(base, "http://127.0.0.1:5000/v2/pol/wasm/blobs/uploads/u1?_state=a%2Bb%3D",
                  "http://127.0.0.1:5000/v2/pol/wasm/blobs/uploads/u1?_state=a%2Bb%3D");
    /* host-relative (relativeurls: true), query kept verbatim */
    check_resolve(base, "/v2/pol/wasm/blobs/uploads/u1?_state=xY-_%3D%3D",
                  "http://127.0.0.1:5000/v2/pol/wasm/blobs/uploads/u1?_state=xY-_%3D%3D");
    /* path-relative */
    check_resolve("http://h:1/v2/a/blobs/uploads/x?y=1", "uploads/x?y",
                  "http://h:1/v2/a/blobs/uploads/uploads/x?y");
    check_resolve("http://h/v2/a/b/c", "../d", "http://h/v2/a/d");
    check_resolve("http://h/v2/a/b?q=1", "?z=2", "http://h/v2/a/b?z=2");
    /* absolute on another host, scheme change */
    check_resolve(base, "https://s3.example.com/bucket/blob?X-Amz-Signature=abc",
                  "https://s3.example.com/bucket/blob?X-Amz-Signature=abc");
    /* scheme-relative */
    check_resolve("https://r.example/v2/", "//cdn.example/x", "https://cdn.example/x");
    /* empty reference: the base itself */
    check_resolve("http://h/v2/a?x=1", "", "http://h/v2/a?x=1");

    char *out = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_url_resolve(&out, "not a url", "/v2/", &err), RC_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_freep(&err);
    CU_ASSERT_EQUAL(rc_url_resolve(&out, "http://h/", "http://bad host/", &err), RC_EINVAL);
    rc_error_freep(&err);
}

static bool is_digest_param(const char *s, const char *prefix)
{
    /* ':' may be kept or percent-encoded (either case): all three are the same to a server */
    const char *forms[] = {"sha256:abc", "sha256%3Aabc", "sha256%3aabc"};
    for (size_t i = 0; i < RC_ARRAY_LEN(forms); i++) {
        char *want = rc_fmt("%s%s", prefix, forms[i]);
        bool same = strcmp(s, want) == 0;
        free(want);
        if (same)
            return true;
    }
    return false;
}

static void test_url_add_query(void)
{
    char *out = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(
        rc_url_add_query(&out, "http://h/v2/a/blobs/uploads/u", "digest", "sha256:abc", &err), 0);
    CU_ASSERT(is_digest_param(rc_cu_nn(out), "http://h/v2/a/blobs/uploads/u?digest="));
    free(out);
    CU_ASSERT_EQUAL(rc_url_add_query(&out, "http://h/v2/a/blobs/uploads/u?_state=AbC%2B%2F%3D%3D",
                                     "digest", "sha256:abc", &err),
                    0);
    CU_ASSERT(is_digest_param(rc_cu_nn(out),
                              "http://h/v2/a/blobs/uploads/u?_state=AbC%2B%2F%3D%3D&digest="));
    free(out);
    /* a value with '&', '=' and a space cannot break the query apart */
    CU_ASSERT_EQUAL(rc_url_add_query(&out, "http://h/x?a=b", "k", "v w&x=y", &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out);
    if (out) {
        CU_ASSERT(rc_str_starts(out, "http://h/x?a=b&k=v"));
        CU_ASSERT_PTR_NULL(strstr(out + strlen("http://h/x?a=b&k="), "&"));
        CU_ASSERT_PTR_NULL(strstr(out + strlen("http://h/x?a=b&k="), "="));
    }
    free(out);
    /* scope values as the token request sends them */
    CU_ASSERT_EQUAL(rc_url_add_query(&out, "https://auth.example/token?service=reg", "scope",
                                     "repository:ns/r:pull,push", &err),
                    0);
    CU_ASSERT(rc_str_starts(rc_cu_nn(out), "https://auth.example/token?service=reg&scope="));
    CU_ASSERT_PTR_NULL(strstr(rc_cu_nn(out), "ns/r"));
    free(out);
    CU_ASSERT_EQUAL(rc_url_add_query(&out, "::", "k", "v", &err), RC_EINVAL);
    rc_error_freep(&err);

    char *enc = rc_url_encode("repository:a/b:pull,push ~._-");
    RC_ASSERT_STR(enc, "repository%3Aa%2Fb%3Apull%2Cpush%20~._-");
    free(enc);
}

static void test_url_parts(void)
{
    char *s = rc_url_path_query("http://h:5000/v2/x/blobs/uploads/?_state=abc&n=1");
    RC_ASSERT_STR(s, "/v2/x/blobs/uploads/?_state=abc&n=1");
    free(s);
    s = rc_url_path_query("https://h");
    RC_ASSERT_STR(s, "/");
    free(s);
    s = rc_url_path_query("https://h/v2/");
    RC_ASSERT_STR(s, "/v2/");
    free(s);

    s = rc_url_authority("http://127.0.0.1:5000/v2/");
    RC_ASSERT_STR(s, "127.0.0.1:5000");
    free(s);
    s = rc_url_authority("https://ghcr.io/v2/");
    RC_ASSERT_STR(s, "ghcr.io");
    free(s);
    s = rc_url_authority("http://[::1]:8080/");
    RC_ASSERT_STR(s, "[::1]:8080");
    free(s);
    CU_ASSERT_PTR_NULL(rc_url_authority("nonsense"));

    CU_ASSERT(rc_url_same_origin("https://r.example/v2/a", "https://r.example:443/v2/b?x"));
    CU_ASSERT(rc_url_same_origin("https://R.Example/v2/", "https://r.example/"));
    CU_ASSERT_FALSE(rc_url_same_origin("https://r.example/", "http://r.example/"));
    CU_ASSERT_FALSE(rc_url_same_origin("http://r.example/", "http://r.example:8080/"));
    CU_ASSERT_FALSE(rc_url_same_origin("https://r.example/", "https://s3.example/"));
    CU_ASSERT_FALSE(rc_url_same_origin("junk", "junk"));
    /* user info is no part of the origin: the host after '@' decides */
    CU_ASSERT(rc_url_same_origin("https://u@r.example/v2/", "https://r.example/"));
    CU_ASSERT_FALSE(rc_url_same_origin("https://r.example@evil.example/", "https://r.example/"));
    CU_ASSERT_FALSE(rc_url_same_origin("http://localhost:5000/", "http://127.0.0.1:5000/"));
}

/* ---- headers --------------------------------------------------------------------------- */

static void test_headers(void)
{
    struct rc_http_headers h = {0};
    rc_http_headers_add(&h, "Content-Type", "application/json");
    rc_http_headers_add(&h, "link", "<a>; rel=\"next\"");
    rc_http_headers_add(&h, "Link", "<b>; rel=\"next\"");
    rc_http_headers_add(&h, "docker-content-digest", "sha256:x");
    RC_ASSERT_STR(rc_http_headers_get(&h, "content-type"), "application/json");
    RC_ASSERT_STR(rc_http_headers_get(&h, "CONTENT-TYPE"), "application/json");
    RC_ASSERT_STR(rc_http_headers_get(&h, "Docker-Content-Digest"), "sha256:x");
    CU_ASSERT_EQUAL(rc_http_headers_count(&h, "LINK"), 2);
    RC_ASSERT_STR(rc_http_headers_get(&h, "Link"), "<a>; rel=\"next\"");
    CU_ASSERT_PTR_NULL(rc_http_headers_get(&h, "Location"));
    CU_ASSERT_EQUAL(rc_http_headers_count(&h, "Location"), 0);

    struct rc_http_headers copy = {0};
    rc_http_headers_copy(&copy, &h);
    CU_ASSERT_EQUAL(copy.n, 4);

    rc_http_headers_set(&h, "LINK", "<c>");
    CU_ASSERT_EQUAL(rc_http_headers_count(&h, "link"), 1);
    RC_ASSERT_STR(rc_http_headers_get(&h, "Link"), "<c>");
    rc_http_headers_set(&h, "content-TYPE", NULL);
    CU_ASSERT_PTR_NULL(rc_http_headers_get(&h, "Content-Type"));
    CU_ASSERT_EQUAL(h.n, 2);
    rc_http_headers_set(&h, "X-New", "1");
    RC_ASSERT_STR(rc_http_headers_get(&h, "x-new"), "1");
    /* the copy is independent */
    CU_ASSERT_EQUAL(rc_http_headers_count(&copy, "link"), 2);
    rc_http_headers_dispose(&copy);
    rc_http_headers_dispose(&h);
    CU_ASSERT_EQUAL(h.n, 0);
    rc_http_headers_dispose(&h); /* twice is harmless */
}

/* ---- curl error table ------------------------------------------------------------------ */

static void test_curl_errors(void)
{
    static const struct {
        int curl;
        int want;
    } cases[] = {
        {CURLE_OK, RC_OK},
        {CURLE_COULDNT_CONNECT, RC_ENET},
        {CURLE_COULDNT_RESOLVE_HOST, RC_ENET},
        {CURLE_COULDNT_RESOLVE_PROXY, RC_ENET},
        {CURLE_RECV_ERROR, RC_ENET},
        {CURLE_SEND_ERROR, RC_ENET},
        {CURLE_PARTIAL_FILE, RC_ENET},
        {CURLE_UPLOAD_FAILED, RC_ENET},
        {CURLE_INTERFACE_FAILED, RC_ENET},
        {CURLE_AGAIN, RC_ENET},
        {CURLE_NO_CONNECTION_AVAILABLE, RC_ENET},
        {CURLE_QUIC_CONNECT_ERROR, RC_ENET},
        {CURLE_PROXY, RC_ENET},
        {CURLE_OPERATION_TIMEDOUT, RC_ETIMEOUT},
        {CURLE_SSL_CONNECT_ERROR, RC_ETLS},
        {CURLE_PEER_FAILED_VERIFICATION, RC_ETLS},
        {CURLE_SSL_CERTPROBLEM, RC_ETLS},
        {CURLE_SSL_CIPHER, RC_ETLS},
        {CURLE_SSL_CACERT_BADFILE, RC_ETLS},
        {CURLE_SSL_SHUTDOWN_FAILED, RC_ETLS},
        {CURLE_SSL_CRL_BADFILE, RC_ETLS},
        {CURLE_SSL_ISSUER_ERROR, RC_ETLS},
        {CURLE_SSL_PINNEDPUBKEYNOTMATCH, RC_ETLS},
        {CURLE_SSL_INVALIDCERTSTATUS, RC_ETLS},
        {CURLE_SSL_CLIENTCERT, RC_ETLS},
        {CURLE_SSL_ENGINE_NOTFOUND, RC_ETLS},
        {CURLE_SSL_ENGINE_SETFAILED, RC_ETLS},
        {CURLE_SSL_ENGINE_INITFAILED, RC_ETLS},
        {CURLE_USE_SSL_FAILED, RC_ETLS},
        {CURLE_WEIRD_SERVER_REPLY, RC_EPROTO},
        {CURLE_UNSUPPORTED_PROTOCOL, RC_EPROTO},
        {CURLE_GOT_NOTHING, RC_EPROTO},
        {CURLE_HTTP2, RC_EPROTO},
        {CURLE_HTTP2_STREAM, RC_EPROTO},
        {CURLE_HTTP3, RC_EPROTO},
        {CURLE_RANGE_ERROR, RC_EPROTO},
        {CURLE_BAD_CONTENT_ENCODING, RC_EPROTO},
        {CURLE_TOO_MANY_REDIRECTS, RC_EPROTO},
        {CURLE_ABORTED_BY_CALLBACK, RC_EINTR},
        {CURLE_WRITE_ERROR, RC_ERR},
        {CURLE_READ_ERROR, RC_EIO},
        {CURLE_URL_MALFORMAT, RC_EINVAL},
        {CURLE_FILESIZE_EXCEEDED, RC_ELIMIT},
        {CURLE_LOGIN_DENIED, RC_EAUTH},
        {CURLE_AUTH_ERROR, RC_EAUTH},
        {CURLE_OUT_OF_MEMORY, RC_ERR},
        {CURLE_FAILED_INIT, RC_ERR},
        {CURLE_NOT_BUILT_IN, RC_ERR},
        {CURLE_BAD_FUNCTION_ARGUMENT, RC_ERR},
        {CURLE_UNKNOWN_OPTION, RC_ERR},
        {CURLE_SETOPT_OPTION_SYNTAX, RC_ERR},
        {CURLE_SEND_FAIL_REWIND, RC_ERR},
        {CURLE_RECURSIVE_API_CALL, RC_ERR},
        {CURLE_UNRECOVERABLE_POLL, RC_ERR},
        {CURLE_TFTP_NOTFOUND, RC_ERR}, /* not mapped: generic */
        {9999, RC_ERR},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        int got = rc_http_map_curl_error(cases[i].curl);
        if (got != cases[i].want)
            fprintf(stderr, "\ncurl code %d: got %d, want %d\n", cases[i].curl, got, cases[i].want);
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
}

#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

/* ---- a scripted HTTP/1.1 peer on loopback ---------------------------------------------- */

static void fake_start(struct fake *f)
{
    fake_listen(f);
    fake_run(f);
}

static void fake_dispose(struct fake *f)
{
    for (size_t i = 0; i < f->nreq; i++)
        free(f->requests[i]);
    f->nreq = 0;
}

struct trace_log {
    size_t n;
    size_t retries;
    long statuses[FAKE_MAX];
    char *auth[FAKE_MAX]; /* Authorization as sent, or NULL */
    char *errors[FAKE_MAX];
};

static void record(void *ctx, const struct rc_http_exchange *x)
{
    struct trace_log *t = ctx;
    if (t->n >= FAKE_MAX)
        return;
    t->statuses[t->n] = x->status;
    t->auth[t->n] = rc_xstrdup(rc_http_headers_get(x->request_headers, "authorization"));
    t->errors[t->n] = rc_xstrdup(x->error);
    t->n++;
    if (x->retry)
        t->retries++;
}

static void trace_dispose(struct trace_log *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->auth[i]);
        free(t->errors[i]);
    }
}

static struct rc_http_client *client(struct trace_log *t)
{
    struct rc_http_options o = {.timeout_ms = 5000, .connect_timeout_ms = 2000};
    struct rc_http_client *c = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_http_client_new(&c, &o, &err), 0);
    rc_error_free(err);
    if (t)
        rc_http_client_set_trace(c, record, t);
    return c;
}

static void test_send_defaults(void)
{
    struct fake f = {
        .script = {"HTTP/1.1 202 Accepted\r\nLocation: /v2/a/blobs/uploads/u1?_state=s\r\n"
                   "Content-Length: 0\r\nRange: 0-0\r\n\r\n",
                   "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
                   "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n"
                   "docker-content-digest: sha256:x\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n"},
        .nscript = 3};
    fake_start(&f);
    struct trace_log t = {0};
    struct rc_http_client *c = client(&t);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;

    char *url = fake_url(&f, "/v2/a/blobs/uploads/");
    struct rc_http_request post = {.method = "POST", .url = url};
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 202);
    RC_ASSERT_STR(resp.http_version, "1.1");
    RC_ASSERT_STR(rc_http_headers_get(&resp.headers, "location"),
                  "/v2/a/blobs/uploads/u1?_state=s");
    CU_ASSERT_EQUAL(resp.attempts, 1);

    char *patch_url = NULL;
    rc_url_resolve(&patch_url, url, rc_http_headers_get(&resp.headers, "location"), &err);
    struct rc_http_request patch = {
        .method = "PATCH", .url = patch_url, .body = "hello", .body_len = 5};
    rc_http_headers_add(&patch.headers, "Content-Range", "0-4");
    CU_ASSERT_EQUAL(rc_http_send(c, &patch, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.sent_bytes, 5);

    struct rc_http_request put = {.method = "PUT", .url = patch_url, .body = "x", .body_len = 1};
    rc_http_headers_add(&put.headers, "Content-Type", "application/vnd.oci.image.manifest.v1+json");
    rc_http_headers_add(&put.headers, "Accept", "application/json");
    CU_ASSERT_EQUAL(rc_http_send(c, &put, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    RC_ASSERT_STR(rc_http_headers_get(&resp.headers, "Docker-Content-Digest"), "sha256:x");
    CU_ASSERT_EQUAL(rc_http_headers_count(&resp.headers, "X-DUP"), 2);
    CU_ASSERT_PTR_NULL(err);
    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);

    CU_ASSERT_EQUAL_FATAL(f.nreq, 3);
    CU_ASSERT_EQUAL(f.connections, 1); /* keep-alive */
    /* POST without body: Content-Length: 0, no Expect, no implicit Accept, no form type */
    CU_ASSERT(rc_str_starts(f.requests[0], "POST /v2/a/blobs/uploads/ HTTP/1.1\r\n"));
    RC_ASSERT_STR(req_header(f.requests[0], "Content-Length"), "0");
    CU_ASSERT_PTR_NULL(req_header(f.requests[0], "Expect"));
    CU_ASSERT_PTR_NULL(req_header(f.requests[0], "Accept"));
    CU_ASSERT_PTR_NULL(req_header(f.requests[0], "Content-Type"));
    CU_ASSERT(rc_str_starts(rc_cu_nn(req_header(f.requests[0], "User-Agent")), "regcompat/"));
    /* PATCH with a body: octet-stream by default, exact length */
    CU_ASSERT(rc_str_starts(f.requests[1], "PATCH /v2/a/blobs/uploads/u1?_state=s HTTP/1.1"));
    RC_ASSERT_STR(req_header(f.requests[1], "Content-Type"), "application/octet-stream");
    RC_ASSERT_STR(req_header(f.requests[1], "Content-Length"), "5");
    RC_ASSERT_STR(req_header(f.requests[1], "Content-Range"), "0-4");
    RC_ASSERT_STR(req_body(f.requests[1]), "hello");
    CU_ASSERT_PTR_NULL(req_header(f.requests[1], "Expect"));
    /* the caller's Content-Type and Accept win */
    RC_ASSERT_STR(req_header(f.requests[2], "Content-Type"),
                  "application/vnd.oci.image.manifest.v1+json");
    RC_ASSERT_STR(req_header(f.requests[2], "Accept"), "application/json");
    CU_ASSERT_EQUAL(t.n, 3);
    CU_ASSERT_EQUAL(t.retries, 0);
    trace_dispose(&t);
    fake_dispose(&f);
    rc_http_headers_dispose(&patch.headers);
    rc_http_headers_dispose(&put.headers);
    free(patch_url);
    free(url);
}

struct chunks {
    const char *parts[4];
    size_t i;
    int rewinds;
};

static int chunk_read(void *ctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    RC_UNUSED(err);
    struct chunks *s = ctx;
    *got = 0;
    if (s->i < 4 && s->parts[s->i]) {
        size_t n = strlen(s->parts[s->i]);
        if (n > cap)
            n = cap;
        memcpy(buf, s->parts[s->i++], n);
        *got = n;
    }
    return 0;
}

static int chunk_rewind(void *ctx, struct rc_error **err)
{
    RC_UNUSED(err);
    struct chunks *s = ctx;
    s->i = 0;
    s->rewinds++;
    return 0;
}

static int count_sink(void *ctx, const char *data, size_t len)
{
    RC_UNUSED(data);
    *(size_t *)ctx += len;
    return 0;
}

static void test_send_stream_and_416(void)
{
    struct fake f = {
        .script =
            {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nX-Early: no\r\n"
             "Content-Length: 0\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
             "HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Range: bytes */10000\r\n"
             "Content-Type: text/plain\r\nContent-Length: 10000\r\nConnection: close\r\n\r\n"
             "invalid range",
             "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"},
        .nscript = 4};
    fake_start(&f);
    struct rc_http_client *c = client(NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/a/blobs/uploads/u");

    /* unknown length: chunked transfer encoding */
    struct chunks ch = {{"abc", "defg", NULL, NULL}, 0, 0};
    struct rc_http_body_source src = {chunk_read, chunk_rewind, &ch, -1};
    struct rc_http_request patch = {.method = "PATCH", .url = url, .source = &src};
    CU_ASSERT_EQUAL(rc_http_send(c, &patch, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 202);
    CU_ASSERT_EQUAL(resp.sent_bytes, 7);
    /* only the final answer's headers */
    CU_ASSERT_PTR_NOT_NULL(rc_http_headers_get(&resp.headers, "x-early"));
    CU_ASSERT_EQUAL(resp.headers.n, 2);

    /* hashed and streamed */
    size_t sunk = 0;
    struct rc_http_request get = {
        .method = "GET", .url = url, .hash_body = true, .sink = count_sink, .sink_ctx = &sunk};
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    RC_ASSERT_STR(resp.body_digest,
                  "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    CU_ASSERT_EQUAL(sunk, 2);
    RC_ASSERT_STR(rc_buf_str(&resp.body), "{}");

    /* Distribution's 416 with a lying Content-Length is an answer, not an error */
    struct rc_http_request range = {.method = "GET", .url = url};
    rc_http_headers_add(&range.headers, "Range", "bytes=20000-");
    CU_ASSERT_EQUAL(rc_http_send(c, &range, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 416);
    RC_ASSERT_STR(rc_http_headers_get(&resp.headers, "content-range"), "bytes */10000");
    RC_ASSERT_STR(rc_buf_str(&resp.body), "invalid range");
    CU_ASSERT_PTR_NULL(err);
    rc_error_freep(&err);

    /* a body larger than max_body is counted, hashed and truncated */
    struct rc_http_request small = {.method = "GET", .url = url, .max_body = 4, .hash_body = true};
    CU_ASSERT_EQUAL(rc_http_send(c, &small, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.body.len, 4);
    CU_ASSERT(resp.body_truncated);
    CU_ASSERT_EQUAL(resp.body_bytes, 10);
    char want[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, "0123456789", 10, want);
    RC_ASSERT_STR(resp.body_digest, want);
    CU_ASSERT_PTR_NULL(err);
    rc_error_freep(&err);

    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 4);
    RC_ASSERT_STR(req_header(f.requests[0], "Transfer-Encoding"), "chunked");
    RC_ASSERT_STR(req_body(f.requests[0]), "abcdefg");
    RC_ASSERT_STR(req_header(f.requests[0], "Content-Type"), "application/octet-stream");
    rc_http_headers_dispose(&range.headers);
    fake_dispose(&f);
    free(url);
}

static void test_send_retries(void)
{
    struct fake f = {.script = {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                                "Content-Length: 4\r\n\r\nbusy",
                                "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"
                                "Content-Length: 0\r\n\r\n",
                                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                                /* Retry-After capped at max_retry_after_ms, then a date */
                                "HTTP/1.1 502 Bad Gateway\r\nRetry-After: 30\r\n"
                                "Content-Length: 0\r\n\r\n",
                                "HTTP/1.1 504 Gateway Timeout\r\n"
                                "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
                                "Content-Length: 0\r\n\r\n",
                                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"},
                     .nscript = 9};
    fake_start(&f);
    struct trace_log t = {0};
    struct rc_http_client *c = client(&t);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/");
    size_t sunk = 0;
    struct rc_http_request get = {
        .method = "GET", .url = url, .sink = count_sink, .sink_ctx = &sunk};
    uint64_t t0 = rc_now_ms();
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    CU_ASSERT(rc_now_ms() - t0 >= 200); /* 0 s Retry-After, then a 200 ms backoff */
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(resp.attempts, 3);
    CU_ASSERT_EQUAL(sunk, 2); /* the bodies of the retried answers never reached the sink */
    CU_ASSERT_EQUAL(t.n, 3);
    CU_ASSERT_EQUAL(t.retries, 2);
    CU_ASSERT_EQUAL(t.statuses[0], 503);
    CU_ASSERT_EQUAL(t.statuses[1], 429);

    /* not retried: a POST answered 502 (a gateway error; the POST may have been processed) */
    struct rc_http_request post = {.method = "POST", .url = url, .body = "x", .body_len = 1};
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 502);
    CU_ASSERT_EQUAL(resp.attempts, 1);
    CU_ASSERT_EQUAL(t.n, 4);
    /* retried: a POST answered 429 (not processed) whose body can be sent again */
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_EQUAL(resp.attempts, 2);
    CU_ASSERT_EQUAL(t.n, 6);
    rc_http_client_free(c);

    /* retries exhausted: the last answer is returned; Retry-After capped */
    struct rc_http_options o = {.max_retry_after_ms = 150, .retries = 2};
    CU_ASSERT_EQUAL(rc_http_client_new(&c, &o, &err), 0);
    rc_http_client_set_trace(c, record, &t);
    t0 = rc_now_ms();
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    uint64_t took = rc_now_ms() - t0;
    CU_ASSERT(took >= 150 && took < 2000);
    CU_ASSERT_EQUAL(resp.status, 503);
    CU_ASSERT_EQUAL(resp.attempts, 3);
    CU_ASSERT_EQUAL(t.n, 9);
    CU_ASSERT_EQUAL(t.retries, 5);
    CU_ASSERT_PTR_NULL(err);
    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    fake_dispose(&f);
    trace_dispose(&t);
    free(url);
}

static void test_send_rate_limit(void)
{
    struct fake f = {.script = {OK_EMPTY, OK_EMPTY, OK_EMPTY, OK_EMPTY}, .nscript = 4};
    fake_start(&f);
    struct rc_http_options o = {.requests_per_second = 20};
    struct rc_http_client *c = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_http_client_new(&c, &o, NULL), 0);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    char *url = fake_url(&f, "/v2/");
    struct rc_http_request get = {.method = "GET", .url = url};
    uint64_t t0 = rc_now_ms();
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, NULL), 0);
    CU_ASSERT(rc_now_ms() - t0 >= 150); /* 3 gaps of 50 ms */
    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    fake_dispose(&f);
    free(url);
}

/* ---- the shared request rate (limits.requests_per_second) ------------------------------ */

struct rate_thread {
    struct rc_http_rate *rate;
    uint64_t now; /* the injected clock: every "thread" asks at the same instant */
    uint64_t slots[25];
};

static void *take_slots(void *arg)
{
    struct rate_thread *t = arg;
    for (size_t i = 0; i < RC_ARRAY_LEN(t->slots); i++)
        t->slots[i] = rc_http_rate_reserve(t->rate, t->now);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One registry, four workers asking for 25 requests each at the same instant (an injected
 * clock, no sleeping): the 100 requests get 100 distinct slots, the first at once and each
 * next one exactly 1/rate later, so the registry sees the rate and not four times it. */
static void test_rate_slots_across_threads(void)
{
    struct rc_http_rate *r = rc_http_rate_new(1000, "http://registry.test");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(rc_http_rate_interval_ns(r), 1000000u);
    struct rate_thread t[4];
    pthread_t th[4];
    for (size_t i = 0; i < 4; i++) {
        t[i] = (struct rate_thread){.rate = r, .now = 5000};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, take_slots, &t[i]), 0);
    }
    uint64_t all[100];
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        for (size_t k = 0; k < 25; k++)
            all[n++] = t[i].slots[k];
    }
    qsort(all, n, sizeof(*all), cmp_u64);
    CU_ASSERT_EQUAL(all[0], 5000u);
    size_t exact = 0;
    for (size_t i = 1; i < n; i++)
        exact += all[i] - all[i - 1] == 1000000u;
    CU_ASSERT_EQUAL(exact, n - 1);
    /* each thread's own slots go forward too */
    for (size_t i = 0; i < 4; i++)
        for (size_t k = 1; k < 25; k++)
            CU_ASSERT(t[i].slots[k] > t[i].slots[k - 1]);
    rc_http_rate_free(r);
}

/* The clock moving on: a request after an idle spell goes at once and banks no burst (the
 * one after it waits a full interval); a request asking before the next free slot gets that
 * slot. */
static void test_rate_idle_and_early(void)
{
    struct rc_http_rate *r = rc_http_rate_new(4, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const uint64_t s = 250000000u; /* 1/4 s */
    CU_ASSERT_EQUAL(rc_http_rate_interval_ns(r), s);
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, 100), 100u);
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, 100 + s / 2), 100 + s);
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, 100 + s / 2), 100 + 2 * s);
    uint64_t later = 100 + 40 * s; /* idle for ten seconds */
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, later), later);
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, later), later + s);
    CU_ASSERT_EQUAL(rc_http_rate_reserve(r, later + s + 1), later + 2 * s);
    rc_http_rate_free(r);
    CU_ASSERT_PTR_NULL(rc_http_rate_new(0, NULL)); /* 0 = no limit */
    CU_ASSERT_PTR_NULL(rc_http_rate_new(-1, NULL));
}

/* Only the registry's own origin is paced: its token realm or blob storage on another host
 * (or port, or scheme) has a limiter of its own. */
static void test_rate_origin(void)
{
    struct rc_http_rate *r = rc_http_rate_new(10, "https://registry.test:5000");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(rc_http_rate_applies(r, "https://registry.test:5000/v2/x/manifests/v1"));
    CU_ASSERT(rc_http_rate_applies(r, "https://REGISTRY.test:5000/token?scope=x"));
    CU_ASSERT_FALSE(rc_http_rate_applies(r, "https://auth.registry.test/token?scope=x"));
    CU_ASSERT_FALSE(rc_http_rate_applies(r, "https://registry.test:5001/token"));
    CU_ASSERT_FALSE(rc_http_rate_applies(r, "http://registry.test:5000/v2/"));
    CU_ASSERT_FALSE(rc_http_rate_applies(r, "https://bucket.storage.test/blob?sig=1"));
    rc_http_rate_free(r);
}

/* Clients given a shared rate take their slots from it, for requests to its origin only. A
 * rate of one request per 1000 s shows it without waiting: the first slot is free, so a
 * reservation made afterwards at clock 0 lands 1000 s after the request's slot when the
 * request took one, and at 0 when none was taken. */
static void test_send_shared_rate(void)
{
    struct fake reg = {.script = {OK_EMPTY, OK_EMPTY}, .nscript = 2};
    struct fake other = {.script = {OK_EMPTY}, .nscript = 1};
    fake_start(&reg);
    fake_start(&other);
    char *origin = fake_url(&reg, "");
    char *url = fake_url(&reg, "/v2/");
    char *elsewhere = fake_url(&other, "/token");
    const uint64_t interval = 1000000000000u;
    /* round 0: client a to the registry; round 1: client b to the registry; round 2: client
     * b to another origin (a token realm) */
    for (int k = 0; k < 3; k++) {
        struct rc_http_rate *rate = rc_http_rate_new(0.001, origin);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
        CU_ASSERT_EQUAL(rc_http_rate_interval_ns(rate), interval);
        struct rc_http_options o = {.rate = rate};
        struct rc_http_client *a = NULL, *b = NULL;
        CU_ASSERT_EQUAL_FATAL(rc_http_client_new(&a, &o, NULL), 0);
        CU_ASSERT_EQUAL_FATAL(rc_http_client_new(&b, &o, NULL), 0);
        struct rc_http_response resp;
        rc_http_response_init(&resp);
        struct rc_http_request get = {.method = "GET", .url = k == 2 ? elsewhere : url};
        CU_ASSERT_EQUAL(rc_http_send(k == 0 ? a : b, &get, &resp, NULL), 0);
        CU_ASSERT_EQUAL(resp.status, 200);
        /* to the registry the request took a slot (at the real clock); elsewhere none */
        uint64_t after = rc_http_rate_reserve(rate, 0);
        CU_ASSERT(k < 2 ? after > interval : after == 0);
        rc_http_response_dispose(&resp);
        rc_http_client_free(a);
        rc_http_client_free(b);
        rc_http_rate_free(rate);
    }
    fake_stop(&reg);
    fake_stop(&other);
    fake_dispose(&reg);
    fake_dispose(&other);
    free(origin);
    free(url);
    free(elsewhere);
}

/* Rule: a client made to share another's connections sends over the connection the other
 * left open (one connection for both, as the worker's kwctl-model client and its own);
 * without sharing it opens its own (the fake peer serves one connection at a time, so the
 * first client may then have to reconnect too). */
static void test_send_shared_connections(void)
{
    for (int shared = 0; shared < 2; shared++) {
        struct fake f = {.script = {OK_EMPTY, OK_EMPTY, OK_EMPTY}, .nscript = 3};
        fake_start(&f);
        char *url = fake_url(&f, "/v2/");
        struct rc_http_options o = {0};
        struct rc_http_client *a = NULL, *b = NULL;
        CU_ASSERT_EQUAL_FATAL(rc_http_client_new(&a, &o, NULL), 0);
        o.http1_only = true;
        o.share_connections_with = shared ? a : NULL;
        CU_ASSERT_EQUAL_FATAL(rc_http_client_new(&b, &o, NULL), 0);
        struct rc_http_response resp;
        rc_http_response_init(&resp);
        struct rc_http_request get = {.method = "GET", .url = url};
        CU_ASSERT_EQUAL(rc_http_send(a, &get, &resp, NULL), 0);
        CU_ASSERT_EQUAL(rc_http_send(b, &get, &resp, NULL), 0);
        CU_ASSERT_EQUAL(rc_http_send(a, &get, &resp, NULL), 0);
        CU_ASSERT_EQUAL(resp.status, 200);
        struct rc_http_stats sa, sb;
        rc_http_client_stats(a, &sa);
        rc_http_client_stats(b, &sb);
        CU_ASSERT_EQUAL(sb.connections, shared ? 0 : 1);
        if (shared)
            CU_ASSERT_EQUAL(sa.connections, 1);
        rc_http_response_dispose(&resp);
        rc_http_client_free(a); /* the share outlives the first of its clients */
        rc_http_client_free(b);
        fake_stop(&f);
        CU_ASSERT_EQUAL(f.nreq, 3);
        CU_ASSERT(shared ? f.connections == 1 : f.connections >= 2);
        fake_dispose(&f);
        free(url);
    }
}

static void test_send_redirects(void)
{
    struct fake other = {.script = {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nblob"},
                         .nscript = 1};
    fake_start(&other);
    char *storage = rc_fmt("Location: http://localhost:%d/bucket/x?sig=1\r\n", other.port);
    char *r1 = rc_fmt("HTTP/1.1 307 Temporary Redirect\r\n%sContent-Length: 0\r\n\r\n", storage);
    struct fake f = {.script = {"HTTP/1.1 301 Moved Permanently\r\nLocation: /v2/\r\n"
                                "Content-Length: 0\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                "HTTP/1.1 303 See Other\r\nLocation: done?x=1\r\n"
                                "Content-Length: 0\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", r1},
                     .nscript = 5};
    fake_start(&f);
    struct trace_log t = {0};
    struct rc_http_client *c = client(&t);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;

    char *url = fake_url(&f, "/v2");
    struct rc_http_request get = {.method = "GET", .url = url, .follow_redirects = true};
    rc_http_headers_add(&get.headers, "Authorization", "Bearer tok");
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(resp.nhops, 1);
    if (resp.nhops == 1) {
        CU_ASSERT_EQUAL(resp.hops[0].status, 301);
        RC_ASSERT_STR(resp.hops[0].location, "/v2/");
        RC_ASSERT_STR(resp.hops[0].method, "GET");
    }
    char *want = fake_url(&f, "/v2/");
    RC_ASSERT_STR(resp.url, want);
    free(want);

    /* 303 after a POST: GET without the body */
    char *purl = fake_url(&f, "/v2/a/blobs/uploads/");
    struct rc_http_request post = {
        .method = "POST", .url = purl, .body = "data", .body_len = 4, .follow_redirects = true};
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(resp.nhops, 1);

    /* a blob redirected to storage on another origin: Authorization stays home */
    struct rc_http_request blob = {
        .method = "GET", .url = url, .follow_redirects = true, .hash_body = true};
    rc_http_headers_add(&blob.headers, "Authorization", "Bearer tok");
    rc_http_headers_add(&blob.headers, "Cookie", "c=1");
    CU_ASSERT_EQUAL(rc_http_send(c, &blob, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    RC_ASSERT_STR(rc_buf_str(&resp.body), "blob");
    char d[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, "blob", 4, d);
    RC_ASSERT_STR(resp.body_digest, d);
    CU_ASSERT_PTR_NULL(err);

    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    fake_stop(&other);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 5);
    CU_ASSERT(rc_str_starts(f.requests[1], "GET /v2/ HTTP/1.1"));
    RC_ASSERT_STR(req_header(f.requests[1], "Authorization"), "Bearer tok");
    CU_ASSERT(rc_str_starts(f.requests[3], "GET /v2/a/blobs/uploads/done?x=1 HTTP/1.1"));
    CU_ASSERT_PTR_NULL(req_header(f.requests[3], "Content-Type"));
    RC_ASSERT_STR(req_header(f.requests[4], "Authorization"), "Bearer tok");
    CU_ASSERT_EQUAL_FATAL(other.nreq, 1);
    CU_ASSERT(rc_str_starts(other.requests[0], "GET /bucket/x?sig=1 HTTP/1.1"));
    CU_ASSERT_PTR_NULL(req_header(other.requests[0], "Authorization"));
    CU_ASSERT_PTR_NULL(req_header(other.requests[0], "Cookie"));
    /* the trace shows the headers as sent, hop by hop */
    CU_ASSERT_EQUAL_FATAL(t.n, 6);
    RC_ASSERT_STR(t.auth[4], "Bearer tok");
    CU_ASSERT_PTR_NULL(t.auth[5]);
    trace_dispose(&t);
    fake_dispose(&f);
    fake_dispose(&other);
    rc_http_headers_dispose(&get.headers);
    rc_http_headers_dispose(&blob.headers);
    free(storage);
    free(r1);
    free(purl);
    free(url);
}

/* A loopback port nothing listens on (bound, read, closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

struct token_view {
    char *body;     /* the body the trace callback saw */
    char *redacted; /* what redaction made of the token at that moment */
};

static void view_token(void *ctx, const struct rc_http_exchange *x)
{
    struct token_view *v = ctx;
    free(v->body);
    free(v->redacted);
    v->body = rc_xstrndup(x->body, x->body_len);
    v->redacted = rc_redact_text("fresh-token-8d1f");
}

/* A request body (an OAuth2 form with a refresh token) follows a 307/308 only to its own
 * origin; elsewhere the redirect is the answer. A token endpoint's answer reaches the trace
 * with its token values masked, and those values are secrets before the trace runs. */
static void test_send_body_origin_and_token_trace(void)
{
    int elsewhere = closed_port();
    char *r1 = rc_fmt("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:%d/token\r\n"
                      "Content-Length: 0\r\n\r\n",
                      elsewhere);
    const char *tok = "{\"token\":\"fresh-token-8d1f\",\"expires_in\":60}";
    char *r3 = rc_fmt("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu"
                      "\r\n\r\n%s",
                      strlen(tok), tok);
    struct fake f = {.script = {r1,
                                "HTTP/1.1 308 Permanent Redirect\r\nLocation: /token2\r\n"
                                "Content-Length: 0\r\n\r\n",
                                r3},
                     .nscript = 3};
    fake_start(&f);
    struct token_view v = {0};
    struct rc_http_client *c = client(NULL);
    rc_http_client_set_trace(c, view_token, &v);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/token");
    const char *form = "grant_type=refresh_token&refresh_token=rt-secret-777";
    struct rc_http_request post = {.method = "POST",
                                   .url = url,
                                   .body = form,
                                   .body_len = strlen(form),
                                   .follow_redirects = true,
                                   .token_endpoint = true};
    /* another origin: not followed, the 307 is the answer (a follow would fail to connect) */
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 307);
    CU_ASSERT_EQUAL(resp.nhops, 0);
    CU_ASSERT_PTR_NULL(err);
    /* the same origin: followed with the body */
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(resp.nhops, 1);
    RC_ASSERT_STR(rc_buf_str(&resp.body), tok); /* the caller still gets the token */
    RC_ASSERT_STR(v.body, "{\"token\":\"***\",\"expires_in\":60}");
    RC_ASSERT_STR(v.redacted, "***");
    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 3);
    CU_ASSERT(rc_str_starts(f.requests[2], "POST /token2 HTTP/1.1"));
    RC_ASSERT_STR(req_body(f.requests[2]), form);
    fake_dispose(&f);
    free(v.body);
    free(v.redacted);
    free(r1);
    free(r3);
    free(url);
    rc_redact_clear_secrets();
}

static void test_send_errors(void)
{
    /* nothing listens on this port once the socket is closed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    char *url = rc_fmt("http://127.0.0.1:%d/v2/", ntohs(a.sin_port));

    struct trace_log t = {0};
    struct rc_http_client *c = client(&t);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    struct rc_http_request get = {.method = "GET", .url = url};
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), RC_ENET);
    CU_ASSERT_PTR_NOT_NULL(err);
    CU_ASSERT_EQUAL(resp.status, 0);
    CU_ASSERT_EQUAL(resp.attempts, 3);
    CU_ASSERT_EQUAL(t.n, 3);
    CU_ASSERT_EQUAL(t.retries, 2);
    CU_ASSERT_PTR_NOT_NULL(t.errors[2]);
    rc_error_freep(&err);

    /* a POST is not retried */
    struct rc_http_request post = {.method = "POST", .url = url};
    CU_ASSERT_EQUAL(rc_http_send(c, &post, &resp, &err), RC_ENET);
    CU_ASSERT_EQUAL(resp.attempts, 1);
    rc_error_freep(&err);

    struct rc_http_request ftp = {.method = "GET", .url = "ftp://127.0.0.1/x"};
    CU_ASSERT_EQUAL(rc_http_send(c, &ftp, &resp, &err), RC_EPROTO);
    rc_error_freep(&err);

    struct rc_http_request bad = {.method = "GET", .url = url};
    rc_http_headers_add(&bad.headers, "X-Evil", "a\r\nInjected: 1");
    CU_ASSERT_EQUAL(rc_http_send(c, &bad, &resp, &err), RC_EINVAL);
    rc_error_freep(&err);
    rc_http_headers_dispose(&bad.headers);

    rc_http_interrupt();
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), RC_EINTR);
    rc_error_freep(&err);
    rc_http_clear_interrupt();

    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    trace_dispose(&t);
    free(url);
}

/* A bounded body (a blob whose descriptor gives its size) stops at the first byte past the
 * bound: an answer, flagged, hashed over what fits, not retried. */
static void test_send_bounds(void)
{
    struct fake f = {.script = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
                                "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"},
                     .nscript = 2};
    fake_start(&f);
    struct rc_http_client *c = client(NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/a/blobs/sha256:x");

    struct rc_http_request get = {
        .method = "GET", .url = url, .hash_body = true, .bounded = true, .max_length = 4};
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT(resp.body_overflow);
    RC_ASSERT_STR(rc_buf_str(&resp.body), "0123");
    char want[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, "0123", 4, want);
    RC_ASSERT_STR(resp.body_digest, want);
    CU_ASSERT_EQUAL(resp.attempts, 1); /* a wrong answer is not retried */
    rc_error_freep(&err);

    /* exactly the bound is fine */
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), 0);
    CU_ASSERT_FALSE(resp.body_overflow);
    RC_ASSERT_STR(rc_buf_str(&resp.body), "abcd");
    rc_error_freep(&err);

    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    fake_dispose(&f);
    free(url);
}

/* A header line over curl's limit is named as such, not as "Out of memory". */
static void test_send_long_header(void)
{
    signal(SIGPIPE, SIG_IGN); /* the peer may write to a connection the client gave up */
    char *huge = rc_xmalloc(150001);
    memset(huge, 'a', 150000);
    huge[150000] = '\0';
    char *answer = rc_fmt("HTTP/1.1 200 OK\r\nX-Huge: %s\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n",
                          huge);
    free(huge);
    struct fake f = {.script = {answer}, .nscript = 1};
    fake_start(&f);
    struct rc_http_client *c = client(NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/");
    struct rc_http_request get = {.method = "GET", .url = url};
    CU_ASSERT_EQUAL(rc_http_send(c, &get, &resp, &err), RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "header line over 102400 bytes"));
    CU_ASSERT_PTR_NULL(strstr(rc_error_msg(err), "memory"));
    rc_error_freep(&err);
    rc_http_response_dispose(&resp);
    rc_http_client_free(c);
    fake_stop(&f);
    fake_dispose(&f);
    free(answer);
    free(url);
}

static CU_TestInfo url_tests[] = {
    {"resolve", test_url_resolve},
    {"add query", test_url_add_query},
    {"path, authority, origin", test_url_parts},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo header_tests[] = {
    {"case-insensitive list", test_headers},
    {"curl error table", test_curl_errors},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo rate_tests[] = {
    {"slots 1/rate apart across threads", test_rate_slots_across_threads},
    {"idle spells and early requests", test_rate_idle_and_early},
    {"the registry's origin only", test_rate_origin},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo send_tests[] = {
    {"defaults on the wire", test_send_defaults},
    {"streams, hashes, 416", test_send_stream_and_416},
    {"retries", test_send_retries},
    {"rate limit", test_send_rate_limit},
    {"a shared rate paces the registry's origin only", test_send_shared_rate},
    {"a shared connection cache: one connection for two clients", test_send_shared_connections},
    {"redirects", test_send_redirects},
    {"bodies stay home, token answers masked", test_send_body_origin_and_token_trace},
    {"transport errors", test_send_errors},
    {"bounded bodies", test_send_bounds},
    {"a header line over curl's limit", test_send_long_header},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"http-url", NULL, NULL, NULL, NULL, url_tests},
    {"http-headers", NULL, NULL, NULL, NULL, header_tests},
    {"http-rate (injected clock)", NULL, NULL, NULL, NULL, rate_tests},
    {"http-send (loopback peer)", NULL, NULL, NULL, NULL, send_tests},
    CU_SUITE_INFO_NULL,
};
