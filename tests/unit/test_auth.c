/* auth unit tests: challenge parsing, scopes, the token flow against a scripted HTTP/1.1 peer
 * on a loopback socket in this process, docker config.json lookups and credential helpers
 * (fake helper scripts in a temporary directory put first on PATH). */
#include <ctype.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "base/base.h"
#include "cu.h"
#include "fake_peer.h"
#include "http/http.h"

#include "base/banned.h"

/* ---- challenges ------------------------------------------------------------------------ */

static struct rc_auth_challenge *parse_ok(const char *value, size_t want_n)
{
    struct rc_auth_challenge *c = NULL;
    size_t n = 0;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_auth_parse_challenges(value, &c, &n, &err), 0);
    CU_ASSERT_EQUAL(n, want_n);
    if (n != want_n)
        fprintf(stderr, "\n%s: %zu challenges, want %zu\n", value, n, want_n);
    CU_ASSERT_PTR_NULL(err);
    rc_error_free(err);
    return c;
}

static void test_challenge_bearer(void)
{
    const char *v = "Bearer realm=\"http://127.0.0.1:5600/token\",service=\"testbed-registry\","
                    "scope=\"repository:dst:pull,push repository:src:pull\","
                    "error=\"insufficient_scope\"";
    struct rc_auth_challenge *c = parse_ok(v, 1);
    RC_ASSERT_STR(c[0].scheme, "bearer");
    CU_ASSERT_EQUAL(c[0].nparams, 4);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "realm"), "http://127.0.0.1:5600/token");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "SERVICE"), "testbed-registry");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "scope"),
                  "repository:dst:pull,push repository:src:pull");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "error"), "insufficient_scope");
    CU_ASSERT_PTR_NULL(rc_auth_challenge_param(&c[0], "missing"));
    rc_auth_challenges_free(c, 1);

    /* case, spaces around '=', token values, a trailing comma */
    c = parse_ok("BEARER Realm = \"https://auth.docker.io/token\" , Service=registry.docker.io ,",
                 1);
    RC_ASSERT_STR(c[0].scheme, "bearer");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "realm"), "https://auth.docker.io/token");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "service"), "registry.docker.io");
    rc_auth_challenges_free(c, 1);

    /* a missing comma between parameters is tolerated */
    c = parse_ok("Bearer realm=\"a\" service=\"b\"", 1);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "service"), "b");
    rc_auth_challenges_free(c, 1);
}

static void test_challenge_shapes(void)
{
    /* RFC 9110's own example: two challenges, commas everywhere */
    struct rc_auth_challenge *c = parse_ok(
        "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"",
        2);
    RC_ASSERT_STR(c[0].scheme, "newauth");
    CU_ASSERT_EQUAL(c[0].nparams, 3);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "type"), "1");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "title"), "Login to \"apps\"");
    RC_ASSERT_STR(c[1].scheme, "basic");
    RC_ASSERT_STR(rc_auth_challenge_param(&c[1], "realm"), "simple");
    CU_ASSERT_PTR_NOT_NULL(rc_auth_find_challenge(c, 2, "BASIC"));
    CU_ASSERT_PTR_NULL(rc_auth_find_challenge(c, 2, "bearer"));
    rc_auth_challenges_free(c, 2);

    /* escapes: \" and \\ and an escaped ordinary character */
    c = parse_ok("Basic realm=\"a \\\"q\\\" \\\\ \\z, b\"", 1);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "realm"), "a \"q\" \\ z, b");
    rc_auth_challenges_free(c, 1);

    /* token68, then another challenge */
    c = parse_ok("Basic dXNlcjpwYXNz==, Bearer realm=\"r\"", 2);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "token68"), "dXNlcjpwYXNz==");
    RC_ASSERT_STR(c[1].scheme, "bearer");
    rc_auth_challenges_free(c, 2);

    /* bare schemes, empty list elements */
    c = parse_ok(" , ,Negotiate,, Basic realm=\"x\", NTLM", 3);
    RC_ASSERT_STR(c[0].scheme, "negotiate");
    CU_ASSERT_EQUAL(c[0].nparams, 0);
    RC_ASSERT_STR(c[2].scheme, "ntlm");
    rc_auth_challenges_free(c, 3);

    /* duplicate parameters: the first wins */
    c = parse_ok("Bearer realm=\"one\", realm=\"two\"", 1);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[0], "realm"), "one");
    rc_auth_challenges_free(c, 1);

    /* an unterminated quoted string drops that parameter and what follows */
    c = parse_ok("Basic realm=\"a\", Bearer service=\"s\", realm=\"http://x/token, error=x", 2);
    RC_ASSERT_STR(rc_auth_challenge_param(&c[1], "service"), "s");
    CU_ASSERT_PTR_NULL(rc_auth_challenge_param(&c[1], "realm"));
    CU_ASSERT_PTR_NULL(rc_auth_challenge_param(&c[1], "error"));
    rc_auth_challenges_free(c, 2);
    c = parse_ok("Bearer realm=\"unterminated", 1);
    CU_ASSERT_EQUAL(c[0].nparams, 0);
    rc_auth_challenges_free(c, 1);

    /* garbage before a good challenge */
    c = parse_ok("=== \"junk\", Bearer realm=\"r\"", 1);
    RC_ASSERT_STR(c[0].scheme, "bearer");
    rc_auth_challenges_free(c, 1);
}

static void test_challenge_garbage(void)
{
    const char *bad[] = {"",           "   ",          ",,,", "=",
                         "\"quoted\"", "=== junk ===", "@@@", "\"a\", \"b\""};
    for (size_t i = 0; i < RC_ARRAY_LEN(bad); i++) {
        struct rc_auth_challenge *c = NULL;
        size_t n = 0;
        struct rc_error *err = NULL;
        CU_ASSERT_EQUAL(rc_auth_parse_challenges(bad[i], &c, &n, &err), RC_EPARSE);
        CU_ASSERT_EQUAL(n, 0);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_PTR_NOT_NULL(err);
        rc_error_free(err);
    }
    struct rc_auth_challenge *c = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(rc_auth_parse_challenges(NULL, &c, &n, NULL), RC_EPARSE);
}

static void test_challenge_headers(void)
{
    struct rc_http_headers h = {0};
    rc_http_headers_add(&h, "Content-Type", "application/json");
    rc_http_headers_add(&h, "WWW-Authenticate", "Basic realm=\"b\"");
    rc_http_headers_add(&h, "www-authenticate", "Bearer realm=\"r\",service=\"s\", Foo");
    struct rc_auth_challenge *c = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(rc_auth_parse_headers(&h, &c, &n, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    RC_ASSERT_STR(c[0].scheme, "basic");
    RC_ASSERT_STR(c[1].scheme, "bearer");
    RC_ASSERT_STR(c[2].scheme, "foo");
    RC_ASSERT_STR(rc_auth_challenge_param(rc_auth_find_challenge(c, n, "bearer"), "service"), "s");
    rc_auth_challenges_free(c, n);
    rc_http_headers_dispose(&h);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_auth_parse_headers(&h, &c, &n, &err), RC_EPARSE);
    rc_error_free(err);
}

/* ---- scopes ---------------------------------------------------------------------------- */

static void check_norm(const char *in, const char *want)
{
    char *s = rc_auth_scope_normalize(in);
    if (want) {
        RC_ASSERT_STR(s, want);
    } else {
        CU_ASSERT_PTR_NULL(s);
        if (s)
            fprintf(stderr, "\n%s normalised to %s\n", rc_cu_nn(in), s);
    }
    free(s);
}

static void test_scopes(void)
{
    check_norm("repository:ns/r:push,pull", "repository:ns/r:pull,push");
    check_norm("repository:ns/r:pull,push", "repository:ns/r:pull,push");
    check_norm("repository:ns/r:pull,push,pull,delete", "repository:ns/r:delete,pull,push");
    check_norm(" repository:ns/r:push,pull\t", "repository:ns/r:pull,push");
    check_norm("repository:ns/r: push", NULL); /* a space separates scopes */
    check_norm("repository:localhost:5000/ns/r:pull", "repository:localhost:5000/ns/r:pull");
    check_norm("registry:catalog:*", "registry:catalog:*");
    check_norm("repository:r:pull,,", "repository:r:pull");
    check_norm("repository", NULL);
    check_norm("repository:r", NULL);
    check_norm("repository:r:", NULL);
    check_norm(":r:pull", NULL);
    check_norm("repository::pull", NULL);
    check_norm("repository:r:,", NULL);
    check_norm("repository:a:pull repository:b:pull", NULL);
    check_norm(NULL, NULL);

    char *s = rc_auth_scope_repo("pol/wasm", "push,pull");
    RC_ASSERT_STR(s, "repository:pol/wasm:pull,push");
    free(s);

    /* a mount challenge (two scopes) merged with hints, unstable action order */
    struct rc_auth_scopeset set = {0};
    rc_auth_scopeset_add_list(&set, "repository:dst:push,pull  repository:src:pull");
    rc_auth_scopeset_add(&set, "repository:dst:pull");
    rc_auth_scopeset_add(&set, "repository:src:push");
    rc_auth_scopeset_add(&set, "not a scope");
    char *j = rc_auth_scopeset_join(&set, " ");
    RC_ASSERT_STR(j, "repository:dst:pull,push repository:src:pull,push");
    free(j);
    rc_auth_scopeset_dispose(&set);

    struct rc_auth_scopeset a = {0}, b = {0};
    rc_auth_scopeset_add_list(&a, "repository:x:pull,push repository:a:pull");
    rc_auth_scopeset_add_list(&b, "repository:a:pull repository:x:push,pull");
    char *ja = rc_auth_scopeset_join(&a, " "), *jb = rc_auth_scopeset_join(&b, " ");
    RC_ASSERT_STR(ja, jb);
    free(ja);
    free(jb);
    rc_auth_scopeset_dispose(&a);
    rc_auth_scopeset_dispose(&b);
}

/* Rule: a set covers another when it names every resource of it with every action ("*"
 * grants all); widening adds actions to the resources of one type only. */
static void test_scope_cover(void)
{
    struct rc_auth_scopeset have = {0}, want = {0}, empty = {0};
    rc_auth_scopeset_add_list(&have, "repository:x:pull,push repository:y:* registry:catalog:*");
    rc_auth_scopeset_add_list(&want, "repository:x:pull");
    CU_ASSERT(rc_auth_scopeset_covers(&have, &want));
    CU_ASSERT(!rc_auth_scopeset_covers(&want, &have));
    CU_ASSERT(rc_auth_scopeset_covers(&have, &empty));
    CU_ASSERT(!rc_auth_scopeset_covers(&empty, &want));
    rc_auth_scopeset_add(&want, "repository:y:delete");
    CU_ASSERT(rc_auth_scopeset_covers(&have, &want));
    rc_auth_scopeset_add(&want, "repository:x:delete");
    CU_ASSERT(!rc_auth_scopeset_covers(&have, &want)); /* x lacks delete */
    rc_auth_scopeset_dispose(&want);
    rc_auth_scopeset_add(&want, "repository:z:pull");
    CU_ASSERT(!rc_auth_scopeset_covers(&have, &want)); /* z is not named */

    struct rc_auth_scopeset wide = {0};
    rc_auth_scopeset_add_list(&wide, "repository:x:pull registry:catalog:* repository:m:push");
    rc_auth_scopeset_widen(&wide, "repository", "pull,push,delete");
    char *j = rc_auth_scopeset_join(&wide, " ");
    RC_ASSERT_STR(j, "registry:catalog:* repository:m:delete,pull,push "
                     "repository:x:delete,pull,push");
    free(j);
    rc_auth_scopeset_dispose(&wide);
    rc_auth_scopeset_dispose(&have);
    rc_auth_scopeset_dispose(&want);
}

static void test_base64(void)
{
    const char *cases[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"alice:alice:pw", "YWxpY2U6YWxpY2U6cHc="}};
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        char *e = rc_auth_base64_encode(cases[i][0], strlen(cases[i][0]));
        RC_ASSERT_STR(e, cases[i][1]);
        size_t len = 99;
        char *d = rc_auth_base64_decode(e, &len);
        RC_ASSERT_STR(d, cases[i][0]);
        CU_ASSERT_EQUAL(len, strlen(cases[i][0]));
        free(d);
        free(e);
    }
    char *d = rc_auth_base64_decode("Zm8", NULL); /* no padding */
    RC_ASSERT_STR(d, "fo");
    free(d);
    CU_ASSERT_PTR_NULL(rc_auth_base64_decode("Zm9v!", NULL));
    CU_ASSERT_PTR_NULL(rc_auth_base64_decode("Z", NULL));
}

/* ---- the token flow against a scripted peer -------------------------------------------- */

static void fake_say(struct fake *f, const char *fmt, ...) RC_PRINTF(2, 3);
static void fake_say(struct fake *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = rc_vfmt(fmt, ap);
    f->owned[f->nowned++] = s;
    f->script[f->nscript++] = s;
    va_end(ap);
}

static void fake_dispose(struct fake *f)
{
    for (size_t i = 0; i < f->nreq; i++)
        free(f->requests[i]);
    for (size_t i = 0; i < f->nowned; i++)
        free(f->owned[i]);
    memset(f, 0, sizeof(*f));
}

static struct rc_http_client *client(void)
{
    struct rc_http_options o = {.timeout_ms = 5000, .connect_timeout_ms = 2000};
    struct rc_http_client *c = NULL;
    CU_ASSERT_EQUAL(rc_http_client_new(&c, &o, NULL), 0);
    return c;
}

static const char *const pull_hint[] = {"repository:ns/r:pull", NULL};
static const char *const push_hint[] = {"repository:ns/r:push,pull", NULL};

#define OK_EMPTY "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

static void test_bearer_flow(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    /* 1: anonymous GET, challenged; token; replay */
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:ns/r:pull\"\r\nContent-Length: 0\r\n\r\n",
             realm);
    const char *tok1 = "{\"token\":\"tok-one-123\",\"access_token\":\"tok-one-123\","
                       "\"expires_in\":300,\"issued_at\":\"2020-01-01T00:00:00Z\"}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok1), tok1);
    fake_say(&f, OK_EMPTY);
    /* 2: same scope: the cached token goes up front */
    fake_say(&f, OK_EMPTY);
    /* 3: push: a new token for the new scope set before the request */
    const char *tok2 = "{\"access_token\":\"tok-two-456\"}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok2), tok2);
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    /* 4: a cached token the registry refuses: dropped, refetched, replayed */
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:ns/r:pull\",error=\"invalid_token\"\r\nContent-Length: 0\r\n\r\n",
             realm);
    const char *tok3 = "{\"token\":\"tok-three-789\",\"expires_in\":300}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok3), tok3);
    fake_say(&f, OK_EMPTY);
    /* 5: a token fetched up front for these scopes and still refused: the 401 is the answer */
    const char *tok4 = "{\"token\":\"tok-four-000\",\"expires_in\":300}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok4), tok4);
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:other:pull\",error=\"insufficient_scope\"\r\n"
             "Content-Length: 0\r\n\r\n",
             realm);
    fake_run(&f);

    struct rc_http_client *http = client();
    char user[] = "alice", pass[] = "alice-secret-pw";
    struct rc_credentials creds = {.username = user, .password = pass};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/manifests/v1");

    struct rc_http_request get = {.method = "GET", .url = url};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(get.headers.n, 0); /* the caller's request is left alone */
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);

    struct rc_http_request put = {.method = "PUT", .url = url, .body = "{}", .body_len = 2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);

    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);

    const char *const other[] = {"repository:other:pull", NULL};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, other, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    CU_ASSERT_PTR_NULL(err);

    struct rc_auth_stats st;
    rc_auth_get_stats(a, &st);
    CU_ASSERT_EQUAL(st.token_requests, 4);
    CU_ASSERT_EQUAL(st.token_cache_hits, 2);
    CU_ASSERT_EQUAL(st.challenges, 3);

    /* every token learnt is redacted */
    char *red = rc_redact_text("tok-one-123 tok-two-456 alice-secret-pw");
    RC_ASSERT_STR(red, "*** *** ***");
    free(red);

    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 11);
    char **rq = f.requests;
    CU_ASSERT_PTR_NULL(req_header(rq[0], "Authorization"));
    CU_ASSERT(rc_str_starts(rq[1], "GET /token?service=reg&scope=repository%3ans%2fr%3apull ") ||
              rc_str_starts(rq[1], "GET /token?service=reg&scope=repository%3Ans%2Fr%3Apull "));
    char *basic = rc_auth_base64_encode("alice:alice-secret-pw", 21);
    char *want = rc_fmt("Basic %s", basic);
    RC_ASSERT_STR(req_header(rq[1], "Authorization"), want);
    free(want);
    free(basic);
    RC_ASSERT_STR(req_header(rq[2], "Authorization"), "Bearer tok-one-123");
    RC_ASSERT_STR(req_header(rq[3], "Authorization"), "Bearer tok-one-123");
    CU_ASSERT(rc_str_starts(rq[4], "GET /token?service=reg&scope=repository%3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rq[4], "pull%2cpush ") ? rq[4] : strstr(rq[4], "pull%2Cpush "));
    CU_ASSERT(rc_str_starts(rq[5], "PUT /v2/ns/r/manifests/v1 "));
    RC_ASSERT_STR(req_header(rq[5], "Authorization"), "Bearer tok-two-456");
    RC_ASSERT_STR(req_body(rq[5]), "{}");
    RC_ASSERT_STR(req_header(rq[6], "Authorization"), "Bearer tok-one-123");
    RC_ASSERT_STR(req_header(rq[8], "Authorization"), "Bearer tok-three-789");
    CU_ASSERT(rc_str_starts(rq[9], "GET /token?"));
    RC_ASSERT_STR(req_header(rq[10], "Authorization"), "Bearer tok-four-000");
    fake_dispose(&f);
    free(realm);
    free(url);
    free(reg);
}

/* ---- merged scopes: one token per repository -------------------------------------------- */

/* The request line of a recorded request, lower-cased (percent-encoding case is free). */
static char *req_line(const char *raw)
{
    size_t n = strcspn(raw, "\r\n");
    char *line = rc_xstrndup(raw, n);
    for (char *p = line; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return line;
}

static bool line_has(const char *raw, const char *needle)
{
    char *line = req_line(raw);
    bool hit = strstr(line, needle) != NULL;
    free(line);
    return hit;
}

static void say_token(struct fake *f, const char *token)
{
    char *body = rc_fmt("{\"token\":\"%s\",\"expires_in\":300}", token);
    fake_say(f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    free(body);
}

static void say_challenge(struct fake *f, const char *realm, const char *scope)
{
    fake_say(f,
             "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"%s\",service=\"reg\""
             "%s%s%s\r\nContent-Length: 0\r\n\r\n",
             realm, scope ? ",scope=\"" : "", scope ? scope : "", scope ? "\"" : "");
}

/* A ping (GET /v2/) challenged without scope, its token and its 200: the realm is then known
 * and later requests get tokens up front. */
static void say_ping(struct fake *f, const char *realm)
{
    say_challenge(f, realm, NULL);
    say_token(f, "tok-ping");
    fake_say(f, OK_EMPTY);
}

static const struct rc_auth_options merge_opts = {.merge_actions = "pull,push,delete"};
static const char *const delete_hint[] = {"repository:ns/r:delete", NULL};
#define MERGED_R "scope=repository%3ans%2fr%3adelete%2cpull%2cpush "

/* Rule: a token asked with the merged actions serves every later request on that repository
 * (pull, push, delete) while it is valid; another repository gets its own, merged too. */
static void test_token_merge(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    say_challenge(&f, realm, "repository:ns/r:pull");
    say_token(&f, "tok-merged-r");
    fake_say(&f, OK_EMPTY);
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_say(&f, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    say_token(&f, "tok-merged-s");
    fake_say(&f, OK_EMPTY);
    fake_run(&f);

    struct rc_http_client *http = client();
    char user[] = "alice", pass[] = "alice-secret-pw";
    struct rc_credentials creds = {.username = user, .password = pass};
    struct rc_auth *a = rc_auth_new(reg, &creds, &merge_opts);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/manifests/v1");
    char *url_s = fake_url(&f, "/v2/ns/s/manifests/v1");
    struct rc_http_request get = {.method = "GET", .url = url};
    struct rc_http_request put = {.method = "PUT", .url = url, .body = "{}", .body_len = 2};
    struct rc_http_request del = {.method = "DELETE", .url = url};
    struct rc_http_request get_s = {.method = "GET", .url = url_s};
    const char *const s_hint[] = {"repository:ns/s:pull", NULL};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &del, delete_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 202);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get_s, s_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_PTR_NULL(err);
    struct rc_auth_stats st;
    rc_auth_get_stats(a, &st);
    CU_ASSERT_EQUAL(st.token_requests, 2);
    CU_ASSERT_EQUAL(st.token_cache_hits, 2);

    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 7);
    CU_ASSERT(line_has(f.requests[1], MERGED_R));
    for (size_t i = 2; i <= 4; i++)
        RC_ASSERT_STR(req_header(f.requests[i], "Authorization"), "Bearer tok-merged-r");
    CU_ASSERT(line_has(f.requests[5], "scope=repository%3ans%2fs%3adelete%2cpull%2cpush "));
    RC_ASSERT_STR(req_header(f.requests[6], "Authorization"), "Bearer tok-merged-s");
    fake_dispose(&f);
    free(realm);
    free(url);
    free(url_s);
    free(reg);
}

/* Rule: a token endpoint that refuses the merged request but grants the exact one is asked
 * exactly from then on (the check goes on with the scopes it needs). */
static void test_token_merge_refused_by_endpoint(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    say_challenge(&f, realm, "repository:ns/r:pull");
    fake_say(&f, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    say_token(&f, "tok-pull");
    fake_say(&f, OK_EMPTY);
    say_token(&f, "tok-push");
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_run(&f);

    struct rc_http_client *http = client();
    struct rc_auth *a = rc_auth_new(reg, NULL, &merge_opts);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/manifests/v1");
    struct rc_http_request get = {.method = "GET", .url = url};
    struct rc_http_request put = {.method = "PUT", .url = url, .body = "{}", .body_len = 2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_PTR_NULL(err);

    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 6);
    CU_ASSERT(line_has(f.requests[1], MERGED_R));
    CU_ASSERT(line_has(f.requests[2], "scope=repository%3ans%2fr%3apull "));
    RC_ASSERT_STR(req_header(f.requests[3], "Authorization"), "Bearer tok-pull");
    CU_ASSERT(line_has(f.requests[4], "scope=repository%3ans%2fr%3apull%2cpush "));
    RC_ASSERT_STR(req_header(f.requests[5], "Authorization"), "Bearer tok-push");
    fake_dispose(&f);
    free(realm);
    free(url);
    free(reg);
}

/* Rule: a registry that refuses a merged token (a token server granting all or nothing)
 * where the exact one is taken still gets its request: up front (the realm known) and on the
 * replay after a challenge alike; then no more merged tokens are asked. */
static void test_token_merge_refused_by_registry(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    /* first contact: challenged; the merged token is refused on the replay; the exact one
     * is taken */
    say_challenge(&f, realm, "repository:ns/r:pull");
    say_token(&f, "tok-merged-1");
    say_challenge(&f, realm, "repository:ns/r:pull");
    say_token(&f, "tok-exact-1");
    fake_say(&f, OK_EMPTY);
    fake_run(&f);

    struct rc_http_client *http = client();
    struct rc_auth *a = rc_auth_new(reg, NULL, &merge_opts);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/manifests/v1");
    struct rc_http_request get = {.method = "GET", .url = url};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    rc_auth_free(a);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 5);
    CU_ASSERT(line_has(f.requests[1], MERGED_R));
    RC_ASSERT_STR(req_header(f.requests[2], "Authorization"), "Bearer tok-merged-1");
    CU_ASSERT(line_has(f.requests[3], "scope=repository%3ans%2fr%3apull "));
    RC_ASSERT_STR(req_header(f.requests[4], "Authorization"), "Bearer tok-exact-1");
    fake_dispose(&f);

    /* the realm known (a ping learnt it): a merged token sent up front and refused */
    struct fake g = {0};
    fake_listen(&g);
    char *reg2 = fake_url(&g, "/");
    char *realm2 = fake_url(&g, "/token");
    say_ping(&g, realm2);
    say_token(&g, "tok-merged-2");
    say_challenge(&g, realm2, "repository:ns/r:pull");
    say_token(&g, "tok-exact-2");
    fake_say(&g, OK_EMPTY);
    say_token(&g, "tok-push");
    fake_say(&g, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_run(&g);
    a = rc_auth_new(reg2, NULL, &merge_opts);
    char *ping = fake_url(&g, "/v2/");
    char *url2 = fake_url(&g, "/v2/ns/r/manifests/v1");
    struct rc_http_request p = {.method = "GET", .url = ping};
    struct rc_http_request get2 = {.method = "GET", .url = url2};
    struct rc_http_request put = {.method = "PUT", .url = url2, .body = "{}", .body_len = 2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &p, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get2, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_PTR_NULL(err);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&g);
    CU_ASSERT_EQUAL_FATAL(g.nreq, 9);
    CU_ASSERT(line_has(g.requests[1], "get /token?service=reg "));
    CU_ASSERT(line_has(g.requests[3], MERGED_R));
    RC_ASSERT_STR(req_header(g.requests[4], "Authorization"), "Bearer tok-merged-2");
    CU_ASSERT(line_has(g.requests[5], "scope=repository%3ans%2fr%3apull "));
    RC_ASSERT_STR(req_header(g.requests[6], "Authorization"), "Bearer tok-exact-2");
    /* merging is off now: push asks exactly */
    CU_ASSERT(line_has(g.requests[7], "scope=repository%3ans%2fr%3apull%2cpush "));
    RC_ASSERT_STR(req_header(g.requests[8], "Authorization"), "Bearer tok-push");
    fake_dispose(&g);
    free(realm);
    free(realm2);
    free(url);
    free(url2);
    free(ping);
    free(reg);
    free(reg2);
}

/* Rule: a registry that answers 403 (not a 401 challenge) to a merged token is sent the
 * request once more with an exact token; if that is taken, merging is off; a 403 that stays
 * is the answer, and the retry is made once per run. */
static void test_token_merge_403(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    say_ping(&f, realm);
    say_token(&f, "tok-merged");
    fake_say(&f, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    say_token(&f, "tok-exact");
    fake_say(&f, OK_EMPTY);
    say_token(&f, "tok-push");
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_run(&f);
    struct rc_http_client *http = client();
    struct rc_auth *a = rc_auth_new(reg, NULL, &merge_opts);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *ping = fake_url(&f, "/v2/");
    char *url = fake_url(&f, "/v2/ns/r/manifests/v1");
    struct rc_http_request p = {.method = "GET", .url = ping};
    struct rc_http_request get = {.method = "GET", .url = url};
    struct rc_http_request put = {.method = "PUT", .url = url, .body = "{}", .body_len = 2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &p, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_PTR_NULL(err);
    rc_auth_free(a);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 9);
    CU_ASSERT(line_has(f.requests[3], MERGED_R));
    RC_ASSERT_STR(req_header(f.requests[4], "Authorization"), "Bearer tok-merged");
    CU_ASSERT(line_has(f.requests[5], "scope=repository%3ans%2fr%3apull "));
    RC_ASSERT_STR(req_header(f.requests[6], "Authorization"), "Bearer tok-exact");
    CU_ASSERT(line_has(f.requests[7], "scope=repository%3ans%2fr%3apull%2cpush "));
    fake_dispose(&f);

    /* a 403 that stays: the answer; a later 403 is not retried again */
    struct fake g = {0};
    fake_listen(&g);
    char *reg2 = fake_url(&g, "/");
    char *realm2 = fake_url(&g, "/token");
    say_ping(&g, realm2);
    say_token(&g, "tok-merged");
    fake_say(&g, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    say_token(&g, "tok-exact");
    fake_say(&g, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    fake_say(&g, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    fake_run(&g);
    a = rc_auth_new(reg2, NULL, &merge_opts);
    char *ping2 = fake_url(&g, "/v2/");
    char *url2 = fake_url(&g, "/v2/ns/r/manifests/v1");
    struct rc_http_request p2 = {.method = "GET", .url = ping2};
    struct rc_http_request del = {.method = "DELETE", .url = url2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &p2, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &del, delete_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 403);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &del, delete_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 403);
    CU_ASSERT_PTR_NULL(err);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&g);
    CU_ASSERT_EQUAL_FATAL(g.nreq, 8);
    CU_ASSERT(line_has(g.requests[5], "scope=repository%3ans%2fr%3adelete "));
    /* merging stays on: the second DELETE goes with the merged token, not retried */
    RC_ASSERT_STR(req_header(g.requests[7], "Authorization"), "Bearer tok-merged");
    fake_dispose(&g);
    free(realm);
    free(realm2);
    free(reg);
    free(reg2);
    free(ping);
    free(ping2);
    free(url);
    free(url2);
}

static void test_token_refused(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:ns/r:pull\"\r\nContent-Length: 0\r\n\r\n",
             realm);
    fake_say(&f, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                 "Content-Length: 15\r\n\r\n{\"details\":\"x\"}");
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"%s\",service=\"reg\""
             "\r\nContent-Length: 0\r\n\r\n",
             realm);
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!");
    fake_run(&f);

    struct rc_http_client *http = client();
    char user[] = "bob", pass[] = "bobs-wrong-password";
    struct rc_credentials creds = {.username = user, .password = pass};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/tags/list");
    struct rc_http_request get = {.method = "GET", .url = url};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, NULL, &resp, &err), RC_EAUTH);
    CU_ASSERT_EQUAL(resp.status, 401); /* the token endpoint's answer */
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->msg, "bob"));
    CU_ASSERT_PTR_NULL(strstr(err->msg, "bobs-wrong-password"));
    rc_error_freep(&err);

    struct rc_auth *anon = rc_auth_new(reg, NULL, NULL);
    CU_ASSERT_EQUAL(rc_auth_send(anon, http, &get, NULL, &resp, &err), RC_EPARSE);
    rc_error_freep(&err);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_auth_free(anon);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 4);
    CU_ASSERT_PTR_NULL(req_header(f.requests[3], "Authorization")); /* anonymous token */
    CU_ASSERT(rc_str_starts(f.requests[3], "GET /token?service=reg HTTP/1.1"));
    fake_dispose(&f);
    free(realm);
    free(url);
    free(reg);
}

static void test_identity_token_and_mount(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/oauth2/token");
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:dst:pull,push repository:src:pull\"\r\nContent-Length: 0\r\n\r\n",
             realm);
    const char *tok = "{\"access_token\":\"oauth-access-1\",\"expires_in\":5}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok), tok);
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_run(&f);

    struct rc_http_client *http = client();
    char idt[] = "refresh-me-please";
    struct rc_credentials creds = {.identity_token = idt};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/dst/blobs/uploads/?mount=sha256:abc&from=src");
    struct rc_http_request post = {.method = "POST", .url = url};
    const char *const hints[] = {"repository:dst:push", NULL};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &post, hints, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);
    CU_ASSERT_PTR_NULL(err);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 3);
    const char *t = f.requests[1];
    CU_ASSERT(rc_str_starts(t, "POST /oauth2/token HTTP/1.1"));
    RC_ASSERT_STR(req_header(t, "Content-Type"), "application/x-www-form-urlencoded");
    CU_ASSERT_PTR_NULL(req_header(t, "Authorization"));
    RC_ASSERT_STR(req_body(t), "grant_type=refresh_token&service=reg&scope=repository%3Adst%3Apull"
                               "%2Cpush%20repository%3Asrc%3Apull&refresh_token=refresh-me-please"
                               "&client_id=regcompat");
    RC_ASSERT_STR(req_header(f.requests[2], "Authorization"), "Bearer oauth-access-1");
    fake_dispose(&f);
    free(realm);
    free(url);
    free(reg);
}

struct mem_source {
    const char *data;
    size_t off;
    int rewinds;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *got, struct rc_error **err)
{
    RC_UNUSED(err);
    struct mem_source *m = ctx;
    size_t left = strlen(m->data) - m->off;
    *got = left < cap ? left : cap;
    memcpy(buf, m->data + m->off, *got);
    m->off += *got;
    return 0;
}

static int mem_rewind(void *ctx, struct rc_error **err)
{
    RC_UNUSED(err);
    struct mem_source *m = ctx;
    m->off = 0;
    m->rewinds++;
    return 0;
}

static void test_basic_flow(void)
{
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    const char *challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
                            "realm=\"testbed-realm\"\r\nContent-Length: 0\r\n\r\n";
    fake_say(&f, "%s", challenge);
    fake_say(&f, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    fake_say(&f, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    fake_say(&f, "%s", challenge); /* a source that cannot rewind is not replayed */
    fake_say(&f, "%s", challenge); /* refused credentials: the 401 stays */
    fake_run(&f);

    struct rc_http_client *http = client();
    char user[] = "alice", pass[] = "alicepw";
    struct rc_credentials creds = {.username = user, .password = pass};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_auth *anon = rc_auth_new(reg, NULL, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *url = fake_url(&f, "/v2/ns/r/blobs/uploads/x");

    struct mem_source ms = {"chunk-data", 0, 0};
    struct rc_http_body_source src = {mem_read, mem_rewind, &ms, 10};
    struct rc_http_request patch = {.method = "PATCH", .url = url, .source = &src};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &patch, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 202);
    CU_ASSERT_EQUAL(ms.rewinds, 1);
    /* Basic goes up front from now on */
    struct rc_http_request put = {.method = "PUT", .url = url};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 201);

    struct mem_source ms2 = {"once-only", 0, 0};
    struct rc_http_body_source once = {mem_read, NULL, &ms2, 9};
    struct rc_http_request patch2 = {.method = "PATCH", .url = url, .source = &once};
    CU_ASSERT_EQUAL(rc_auth_send(anon, http, &patch2, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);

    /* a request with its own Authorization is left alone */
    struct rc_http_request own = {.method = "GET", .url = url};
    rc_http_headers_add(&own.headers, "Authorization", "Basic d3Jvbmc6d3Jvbmc=");
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &own, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    CU_ASSERT_PTR_NULL(err);
    rc_http_headers_dispose(&own.headers);

    struct rc_auth_stats st;
    rc_auth_get_stats(a, &st);
    CU_ASSERT_EQUAL(st.challenges, 1);
    CU_ASSERT_EQUAL(st.token_requests, 0);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_auth_free(anon);
    rc_http_client_free(http);
    fake_stop(&f);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 5);
    CU_ASSERT_PTR_NULL(req_header(f.requests[0], "Authorization"));
    RC_ASSERT_STR(req_header(f.requests[1], "Authorization"), "Basic YWxpY2U6YWxpY2Vwdw==");
    RC_ASSERT_STR(req_body(f.requests[1]), "chunk-data");
    RC_ASSERT_STR(req_header(f.requests[2], "Authorization"), "Basic YWxpY2U6YWxpY2Vwdw==");
    RC_ASSERT_STR(req_header(f.requests[4], "Authorization"), "Basic d3Jvbmc6d3Jvbmc=");
    fake_dispose(&f);
    free(url);
    free(reg);
}

/* ---- credentials stay with the registry's origin ---------------------------------------- */

/* No request recorded by a peer carries Authorization or asks for a token, and none holds
 * the secret. */
static void assert_nothing_leaked(const struct fake *evil, const char *secret)
{
    for (size_t i = 0; i < evil->nreq; i++) {
        const char *r = evil->requests[i];
        CU_ASSERT_PTR_NULL(req_header(r, "Authorization"));
        CU_ASSERT_PTR_NULL(strstr(r, "/token"));
        CU_ASSERT_PTR_NULL(strstr(r, secret));
    }
}

/* A registry that takes Basic credentials names other origins (an upload Location, a Link,
 * storage behind a blob redirect) that answer 401 with Basic or with a Bearer realm of their
 * own: they get no credentials and no token request, their 401 is the answer, and the
 * registry's own scheme stays learnt (Basic still goes up front to the registry). */
static void test_foreign_origin_basic(void)
{
    struct fake evil = {0};
    fake_listen(&evil);
    char *evil_realm = fake_url(&evil, "/token");
    fake_say(&evil, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"evil\"\r\n"
                    "Content-Length: 0\r\n\r\n");
    for (int i = 0; i < 2; i++)
        fake_say(&evil,
                 "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"%s\","
                 "service=\"evil\"\r\nContent-Length: 0\r\n\r\n",
                 evil_realm);
    fake_run(&evil);
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    fake_say(&f, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"reg\"\r\n"
                 "Content-Length: 0\r\n\r\n");
    fake_say(&f, OK_EMPTY);
    fake_say(&f,
             "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:%d/storage/b?sig=1"
             "\r\nContent-Length: 0\r\n\r\n",
             evil.port);
    fake_say(&f, OK_EMPTY);
    fake_run(&f);

    struct rc_http_client *http = client();
    char user[] = "alice", pass[] = "alice-basic-pw";
    struct rc_credentials creds = {.username = user, .password = pass};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *ping = fake_url(&f, "/v2/");
    char *blob = fake_url(&f, "/v2/ns/r/blobs/sha256:abc");
    char *upload = fake_url(&evil, "/v2/ns/r/blobs/uploads/u1?_state=x");
    char *link = fake_url(&evil, "/v2/ns/r/tags/list?last=a");

    struct rc_http_request get = {.method = "GET", .url = ping};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    struct rc_http_request patch = {
        .method = "PATCH", .url = upload, .body = "data", .body_len = 4};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &patch, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    struct rc_http_request tags = {.method = "GET", .url = link};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &tags, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    struct rc_http_request bget = {.method = "GET", .url = blob, .follow_redirects = true};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &bget, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    CU_ASSERT(rc_url_same_origin(resp.url, upload)); /* answered by the other origin */
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, NULL, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_PTR_NULL(err);

    struct rc_auth_stats st;
    rc_auth_get_stats(a, &st);
    CU_ASSERT_EQUAL(st.challenges, 1);
    CU_ASSERT_EQUAL(st.foreign_challenges, 3);
    CU_ASSERT_EQUAL(st.token_requests, 0);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    fake_stop(&evil);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 4);
    const char *basic = "Basic YWxpY2U6YWxpY2UtYmFzaWMtcHc=";
    RC_ASSERT_STR(req_header(f.requests[1], "Authorization"), basic);
    RC_ASSERT_STR(req_header(f.requests[2], "Authorization"), basic); /* before the redirect */
    RC_ASSERT_STR(req_header(f.requests[3], "Authorization"), basic); /* still learnt */
    CU_ASSERT_EQUAL_FATAL(evil.nreq, 3);
    CU_ASSERT(rc_str_starts(evil.requests[0], "PATCH /v2/ns/r/blobs/uploads/u1?_state=x "));
    CU_ASSERT(rc_str_starts(evil.requests[2], "GET /storage/b?sig=1 "));
    assert_nothing_leaked(&evil, "YWxpY2U6YWxpY2UtYmFzaWMtcHc=");
    fake_dispose(&f);
    fake_dispose(&evil);
    free(evil_realm);
    free(ping);
    free(blob);
    free(upload);
    free(link);
    free(reg);
}

/* The same with bearer tokens from a docker config identity token: no OAuth2 POST (nor GET)
 * ever goes to a realm another origin names, the registry's realm and its cached token are
 * used before and after, and the identity token stays home. */
static void test_foreign_origin_identity_token(void)
{
    struct fake evil = {0};
    fake_listen(&evil);
    char *evil_realm = fake_url(&evil, "/token");
    fake_say(&evil,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"%s\",service=\"evil\","
             "scope=\"repository:ns/r:pull\"\r\nContent-Length: 0\r\n\r\n",
             evil_realm);
    fake_say(&evil, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"evil\"\r\n"
                    "Content-Length: 0\r\n\r\n");
    fake_run(&evil);
    struct fake f = {0};
    fake_listen(&f);
    char *reg = fake_url(&f, "/");
    char *realm = fake_url(&f, "/token");
    fake_say(&f,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"%s\",service=\"reg\","
             "scope=\"repository:ns/r:pull\"\r\nContent-Length: 0\r\n\r\n",
             realm);
    const char *tok = "{\"access_token\":\"reg-access-1\",\"expires_in\":300}";
    fake_say(&f, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(tok), tok);
    fake_say(&f, OK_EMPTY);
    fake_say(&f,
             "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:%d/storage/b?sig=1"
             "\r\nContent-Length: 0\r\n\r\n",
             evil.port);
    fake_say(&f, OK_EMPTY);
    fake_run(&f);

    struct rc_http_client *http = client();
    char idt[] = "identity-refresh-42";
    struct rc_credentials creds = {.identity_token = idt};
    struct rc_auth *a = rc_auth_new(reg, &creds, NULL);
    struct rc_http_response resp;
    rc_http_response_init(&resp);
    struct rc_error *err = NULL;
    char *manifest = fake_url(&f, "/v2/ns/r/manifests/v1");
    char *blob = fake_url(&f, "/v2/ns/r/blobs/sha256:abc");
    char *upload = fake_url(&evil, "/v2/ns/r/blobs/uploads/u1");

    struct rc_http_request get = {.method = "GET", .url = manifest};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    struct rc_http_request bget = {.method = "GET", .url = blob, .follow_redirects = true};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &bget, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    struct rc_http_request put = {.method = "PUT", .url = upload, .body = "{}", .body_len = 2};
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &put, push_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 401);
    CU_ASSERT_EQUAL(rc_auth_send(a, http, &get, pull_hint, &resp, &err), 0);
    CU_ASSERT_EQUAL(resp.status, 200);
    CU_ASSERT_PTR_NULL(err);

    struct rc_auth_stats st;
    rc_auth_get_stats(a, &st);
    CU_ASSERT_EQUAL(st.token_requests, 1);
    CU_ASSERT_EQUAL(st.token_cache_hits, 2);
    CU_ASSERT_EQUAL(st.foreign_challenges, 2);
    rc_http_response_dispose(&resp);
    rc_auth_free(a);
    rc_http_client_free(http);
    fake_stop(&f);
    fake_stop(&evil);
    CU_ASSERT_EQUAL_FATAL(f.nreq, 5);
    CU_ASSERT(rc_str_starts(f.requests[1], "POST /token HTTP/1.1"));
    RC_ASSERT_STR(req_header(f.requests[3], "Authorization"), "Bearer reg-access-1");
    RC_ASSERT_STR(req_header(f.requests[4], "Authorization"), "Bearer reg-access-1");
    CU_ASSERT_EQUAL_FATAL(evil.nreq, 2);
    assert_nothing_leaked(&evil, idt);
    fake_dispose(&f);
    fake_dispose(&evil);
    free(evil_realm);
    free(realm);
    free(manifest);
    free(blob);
    free(upload);
    free(reg);
}

/* ---- docker config and credential helpers ---------------------------------------------- */

static char tmpdir[256];
static char *saved_path;
static char *saved_docker_config;

static void write_text(const char *name, const char *text, bool exec)
{
    char *p = rc_fmt("%s/%s", tmpdir, name);
    CU_ASSERT_EQUAL(rc_write_file(p, text, strlen(text), NULL), 0);
    if (exec)
        chmod(p, 0755);
    free(p);
}

static const char helper_script[] =
    "#!/bin/sh\n"
    "[ \"$1\" = get ] || exit 9\n"
    "read -r host\n"
    "case \"$host\" in\n"
    "  reg.example:5000) printf '{\"ServerURL\":\"%s\",\"Username\":\"helper-user\","
    "\"Secret\":\"helper-pass-1\"}\\n' \"$host\";;\n"
    "  tok.example) printf '{\"ServerURL\":\"%s\",\"Username\":\"<token>\","
    "\"Secret\":\"identity-tok-1\"}' \"$host\";;\n"
    "  https://index.docker.io/v1/) printf '{\"Username\":\"hubuser\",\"Secret\":\"hub-pw-1\"}';;\n"
    "  fail.example) echo 'keychain locked' >&2; exit 3;;\n"
    "  garbage.example) echo 'not json';;\n"
    "  *) echo 'credentials not found in native keychain'; exit 1;;\n"
    "esac\n";

static int cfg_suite_init(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/rc-auth-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return 1;
    const char *path = getenv("PATH");
    saved_path = rc_xstrdup(path);
    char *np = rc_fmt("%s:%s", tmpdir, path ? path : "/usr/bin:/bin");
    setenv("PATH", np, 1);
    free(np);
    saved_docker_config = rc_xstrdup(getenv("DOCKER_CONFIG"));
    return 0;
}

static int cfg_suite_clean(void)
{
    const char *names[] = {"config.json",
                           "docker-credential-fake",
                           "docker-credential-slow",
                           "docker-credential-noread",
                           "broken.json",
                           "other.json",
                           "store.json"};
    for (size_t i = 0; i < RC_ARRAY_LEN(names); i++) {
        char *p = rc_fmt("%s/%s", tmpdir, names[i]);
        unlink(p);
        free(p);
    }
    char *empty = rc_fmt("%s/empty", tmpdir);
    rmdir(empty);
    free(empty);
    rmdir(tmpdir);
    if (saved_path)
        setenv("PATH", saved_path, 1);
    if (saved_docker_config)
        setenv("DOCKER_CONFIG", saved_docker_config, 1);
    else
        unsetenv("DOCKER_CONFIG");
    free(saved_path);
    free(saved_docker_config);
    return 0;
}

static int lookup(struct rc_credentials *c, const char *host, const char *file)
{
    char *p = file ? rc_fmt("%s/%s", tmpdir, file) : NULL;
    struct rc_error *err = NULL;
    int rc = rc_auth_docker_config(c, host, p, &err);
    if (rc < 0)
        CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_free(err);
    free(p);
    return rc;
}

static void test_config_auths(void)
{
    char *b = rc_auth_base64_encode("carol:pa:ss-word", 16);
    char *cfg = rc_fmt(
        "{\"auths\":{"
        "\"reg.example:5000\":{\"auth\":\"%s\"},"
        "\"https://ghcr.io\":{\"username\":\"gh\",\"password\":\"ghp_secret\"},"
        "\"http://plain.example/v2/\":{\"auth\":\"%s\"},"
        "\"https://index.docker.io/v1/\":{\"auth\":\"%s\",\"identitytoken\":\"hub-refresh\"},"
        "\"quay.io\":{\"registrytoken\":\"ready-bearer\"},"
        "\"empty.example\":{}"
        "}}",
        b, b, b);
    write_text("config.json", cfg, false);
    free(cfg);
    free(b);

    struct rc_credentials c;
    CU_ASSERT_EQUAL(lookup(&c, "reg.example:5000", "config.json"), 0);
    RC_ASSERT_STR(c.username, "carol");
    RC_ASSERT_STR(c.password, "pa:ss-word");
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_cu_nn(c.source), "config.json"));
    char *red = rc_redact_text("pw pa:ss-word");
    RC_ASSERT_STR(red, "pw ***");
    free(red);
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", "config.json"), 0);
    RC_ASSERT_STR(c.username, "gh");
    RC_ASSERT_STR(c.password, "ghp_secret");
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "plain.example", "config.json"), 0);
    RC_ASSERT_STR(c.username, "carol");
    rc_credentials_dispose(&c);

    const char *hub[] = {"docker.io", "registry-1.docker.io", "index.docker.io"};
    for (size_t i = 0; i < RC_ARRAY_LEN(hub); i++) {
        CU_ASSERT_EQUAL(lookup(&c, hub[i], "config.json"), 0);
        RC_ASSERT_STR(c.username, "carol");
        RC_ASSERT_STR(c.identity_token, "hub-refresh");
        rc_credentials_dispose(&c);
    }

    CU_ASSERT_EQUAL(lookup(&c, "quay.io", "config.json"), 0);
    RC_ASSERT_STR(c.registry_token, "ready-bearer");
    CU_ASSERT_FALSE(rc_credentials_empty(&c));
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "empty.example", "config.json"), 0);
    CU_ASSERT(rc_credentials_empty(&c));
    CU_ASSERT_EQUAL(lookup(&c, "unknown.example", "config.json"), 0);
    CU_ASSERT(rc_credentials_empty(&c));
    CU_ASSERT_EQUAL(lookup(&c, "reg.example", "config.json"), 0); /* the port matters */
    CU_ASSERT(rc_credentials_empty(&c));

    /* $DOCKER_CONFIG when no path is given; a missing default file is not an error */
    setenv("DOCKER_CONFIG", tmpdir, 1);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", NULL), 0);
    RC_ASSERT_STR(c.username, "gh");
    rc_credentials_dispose(&c);
    char *empty = rc_fmt("%s/empty", tmpdir);
    mkdir(empty, 0700);
    setenv("DOCKER_CONFIG", empty, 1);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", NULL), 0);
    CU_ASSERT(rc_credentials_empty(&c));
    free(empty);
    unsetenv("DOCKER_CONFIG");

    /* broken files are errors */
    CU_ASSERT(lookup(&c, "ghcr.io", "missing.json") < 0);
    write_text("broken.json", "{\"auths\": {", false);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", "broken.json"), RC_EPARSE);
    write_text("broken.json", "{\"auths\":{\"ghcr.io\":{\"auth\":\"!!notbase64\"}}}", false);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", "broken.json"), RC_EPARSE);
    write_text("broken.json", "{\"auths\":{\"ghcr.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", false);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", "broken.json"), RC_EPARSE); /* "nocolon" */
    write_text("broken.json", "[1,2]", false);
    CU_ASSERT_EQUAL(lookup(&c, "ghcr.io", "broken.json"), RC_EPARSE);
}

static void test_config_helpers(void)
{
    write_text("docker-credential-fake", helper_script, true);
    write_text("other.json",
               "{\"auths\":{\"reg.example:5000\":{\"auth\":\"eDp5\"}},"
               "\"credHelpers\":{\"reg.example:5000\":\"fake\",\"tok.example\":\"fake\","
               "\"fail.example\":\"fake\",\"garbage.example\":\"fake\",\"nf.example\":\"fake\","
               "\"docker.io\":\"fake\",\"gone.example\":\"nosuchhelper\"}}",
               false);
    struct rc_credentials c;
    CU_ASSERT_EQUAL(lookup(&c, "reg.example:5000", "other.json"), 0); /* credHelpers first */
    RC_ASSERT_STR(c.username, "helper-user");
    RC_ASSERT_STR(c.password, "helper-pass-1");
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_cu_nn(c.source), "docker-credential-fake"));
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "tok.example", "other.json"), 0);
    RC_ASSERT_STR(c.identity_token, "identity-tok-1");
    CU_ASSERT_PTR_NULL(c.username);
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "registry-1.docker.io", "other.json"), 0);
    RC_ASSERT_STR(c.username, "hubuser");
    rc_credentials_dispose(&c);

    CU_ASSERT_EQUAL(lookup(&c, "nf.example", "other.json"), 0); /* "credentials not found" */
    CU_ASSERT(rc_credentials_empty(&c));

    struct rc_error *err = NULL;
    char *p = rc_fmt("%s/other.json", tmpdir);
    CU_ASSERT_EQUAL(rc_auth_docker_config(&c, "fail.example", p, &err), RC_EAUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "keychain locked"));
    rc_error_freep(&err);
    CU_ASSERT_EQUAL(rc_auth_docker_config(&c, "garbage.example", p, &err), RC_EPARSE);
    rc_error_freep(&err);
    CU_ASSERT_EQUAL(rc_auth_docker_config(&c, "gone.example", p, &err), RC_ENOTFOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "docker-credential-nosuchhelper"));
    rc_error_freep(&err);
    free(p);

    /* credsStore is the default helper; an empty auths entry defers to it */
    write_text("store.json", "{\"auths\":{\"reg.example:5000\":{}},\"credsStore\":\"fake\"}",
               false);
    CU_ASSERT_EQUAL(lookup(&c, "reg.example:5000", "store.json"), 0);
    RC_ASSERT_STR(c.username, "helper-user");
    rc_credentials_dispose(&c);
    CU_ASSERT_EQUAL(lookup(&c, "elsewhere.example", "store.json"), 0);
    CU_ASSERT(rc_credentials_empty(&c));

    CU_ASSERT_EQUAL(rc_auth_cred_helper(&c, "../fake", "x", NULL), RC_EINVAL);
    CU_ASSERT_EQUAL(rc_auth_cred_helper(&c, "", "x", NULL), RC_EINVAL);
}

static void test_helper_edges(void)
{
    write_text("docker-credential-slow", "#!/bin/sh\nexec sleep 5\n", true);
    write_text("docker-credential-noread",
               "#!/bin/sh\nprintf '{\"Username\":\"u\",\"Secret\":\"noread-secret\"}'\n", true);
    struct rc_credentials c;
    struct rc_error *err = NULL;
    uint64_t t0 = rc_now_ms();
    CU_ASSERT_EQUAL(rc_auth_cred_helper_timeout(&c, "slow", "h", 300, &err), RC_ETIMEOUT);
    CU_ASSERT(rc_now_ms() - t0 < 3000);
    rc_error_freep(&err);
    /* a helper that never reads stdin: no SIGPIPE, its answer is used */
    char *big = rc_xmalloc(300001);
    memset(big, 'h', 300000);
    big[300000] = '\0';
    CU_ASSERT_EQUAL(rc_auth_cred_helper(&c, "noread", big, &err), 0);
    RC_ASSERT_STR(c.password, "noread-secret");
    rc_credentials_dispose(&c);
    free(big);
    CU_ASSERT_PTR_NULL(err);
    rc_error_freep(&err);
}

static CU_TestInfo challenge_tests[] = {
    {"bearer challenges", test_challenge_bearer},
    {"RFC 9110 shapes", test_challenge_shapes},
    {"garbage", test_challenge_garbage},
    {"several header values", test_challenge_headers},
    {"scopes as sets", test_scopes},
    {"scope cover and widening", test_scope_cover},
    {"base64", test_base64},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo flow_tests[] = {
    {"bearer: challenge, cache, refetch", test_bearer_flow},
    {"token endpoint refuses", test_token_refused},
    {"merged scopes: one token per repository", test_token_merge},
    {"merged scopes refused by the token endpoint", test_token_merge_refused_by_endpoint},
    {"merged scopes refused by the registry", test_token_merge_refused_by_registry},
    {"merged scopes answered 403", test_token_merge_403},
    {"identity token, mount scopes", test_identity_token_and_mount},
    {"basic, replay of a streamed body", test_basic_flow},
    {"other origins get no Basic credentials", test_foreign_origin_basic},
    {"other origins get no identity token", test_foreign_origin_identity_token},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo config_tests[] = {
    {"auths entries", test_config_auths},
    {"credential helpers", test_config_helpers},
    {"helper timeout and stdin", test_helper_edges},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"auth-challenges", NULL, NULL, NULL, NULL, challenge_tests},
    {"auth-flow (loopback peer)", NULL, NULL, NULL, NULL, flow_tests},
    {"auth-docker-config", cfg_suite_init, cfg_suite_clean, NULL, NULL, config_tests},
    CU_SUITE_INFO_NULL,
};
