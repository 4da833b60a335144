#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "results/results.h"

static struct rc_check_result *add_check(struct rc_registry_result *rr, size_t *cap, const char *id,
                                         enum rc_status st, const char *reason)
{
    struct rc_check_result c = {0};
    c.id = rc_xstrdup(id);
    c.suite = rc_xstrdup("policy");
    c.feature = rc_xstrdup("Policy push");
    c.title = rc_xstrdup("A title");
    c.status = st;
    c.reason = rc_xstrdup(reason);
    c.duration_ms = 12;
    c.requests = 5;
    c.bytes_sent = 1024;
    c.bytes_received = 2048;
    RC_PUSH(rr->checks, rr->nchecks, *cap, c);
    return &rr->checks[rr->nchecks - 1];
}

static void add_header(struct rc_evidence *e, size_t *cap, const char *name, const char *value)
{
    struct rc_kv kv = {rc_xstrdup(name), rc_xstrdup(value)};
    RC_PUSH(e->headers, e->nheaders, *cap, kv);
}

/* Two registries given out of order; every optional field used somewhere. */
static void build(struct rc_results *r)
{
    memset(r, 0, sizeof(*r));
    r->tool_name = rc_xstrdup("regcompat");
    r->tool_version = rc_xstrdup("0.1.0");
    r->run_id = rc_xstrdup("run-1");
    r->started = rc_xstrdup("2026-11-28T03:25:10Z");
    r->finished = rc_xstrdup("2026-11-28T03:26:00Z");
    rc_strv_push(&r->suites, "policy");
    rc_strv_push(&r->features, "Policy push");
    r->registries = rc_xcalloc(2, sizeof(*r->registries));
    r->nregistries = 2;

    struct rc_registry_result *z = &r->registries[0];
    z->id = rc_xstrdup("zot");
    z->name = rc_xstrdup("Zot");
    z->url = rc_xstrdup("http://127.0.0.1:5001");
    z->kind = rc_xstrdup("zot");
    size_t zcap = 0;
    add_check(z, &zcap, "policy.push", RC_ST_PASS, NULL);

    struct rc_registry_result *d = &r->registries[1];
    d->id = rc_xstrdup("local-open");
    d->name = rc_xstrdup("Distribution");
    d->url = rc_xstrdup("http://127.0.0.1:5000");
    d->kind = rc_xstrdup("distribution");
    d->hosted = true;
    d->versions = rc_xcalloc(1, sizeof(*d->versions));
    d->versions[0].name = rc_xstrdup("Docker-Distribution-Api-Version");
    d->versions[0].value = rc_xstrdup("registry/2.0");
    d->nversions = 1;
    size_t dcap = 0;
    add_check(d, &dcap, "policy.push", RC_ST_PASS, NULL)->note = rc_xstrdup("through a fallback");
    struct rc_check_result *c = add_check(d, &dcap, "policy.delete", RC_ST_XFAIL, "DELETE 405");
    c->expect_reason = rc_xstrdup("delete disabled");
    c->expect_link = rc_xstrdup("https://example.org/issue/1");
    c->fallback = true;
    c->retries = 2;
    c->evidence = rc_xcalloc(2, sizeof(*c->evidence));
    c->nevidence = 2;
    struct rc_evidence *e = &c->evidence[0];
    e->request = rc_xstrdup("DELETE /v2/ns/r/manifests/sha256:abc");
    e->status = 405;
    size_t hcap = 0;
    add_header(e, &hcap, "Content-Type", "application/json");
    add_header(e, &hcap, "Link", "<a>; rel=\"next\"");
    add_header(e, &hcap, "link", "<b>");
    e->body = rc_xstrdup("{\"errors\":[{\"code\":\"UNSUPPORTED\"}]}\n\x01");
    e->body_truncated = true;
    e = &c->evidence[1];
    e->request = rc_xstrdup("GET /blob");
    e->host = rc_xstrdup("s3.example:443");
    e->error = rc_xstrdup("connection refused");
    /* cleanup could not delete these (given out of order) */
    d->leftovers = rc_xcalloc(2, sizeof(*d->leftovers));
    d->nleftovers = 2;
    d->leftovers[0] =
        (struct rc_leftover){rc_xstrdup("ns/run-1/policy.push"), rc_xstrdup("sha256:b"),
                             rc_xstrdup("blob"), rc_xstrdup("405 UNSUPPORTED")};
    d->leftovers[1] = (struct rc_leftover){rc_xstrdup("ns/run-1/policy.push"),
                                           rc_xstrdup("sha256:a"), rc_xstrdup("manifest"), NULL};
}

static char *to_json(const struct rc_results *r, bool stable)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_results_to_json_opts(r, &b, stable, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    rc_error_free(err);
    return rc_buf_steal(&b, NULL);
}

static void test_status_names(void)
{
    for (int s = 0; s < RC_ST__COUNT; s++) {
        enum rc_status back;
        CU_ASSERT(rc_status_parse(rc_status_name((enum rc_status)s), &back));
        CU_ASSERT_EQUAL((int)back, s);
    }
    enum rc_status st;
    CU_ASSERT_FALSE(rc_status_parse("passed", &st));
    CU_ASSERT_FALSE(rc_status_parse(NULL, &st));
    RC_ASSERT_STR(rc_status_name(RC_ST_UNSUPPORTED), "unsupported");
    RC_ASSERT_STR(rc_status_name(RC_ST__COUNT), "unknown");
}

static void test_sort_count_exit(void)
{
    struct rc_results r;
    build(&r);
    rc_results_sort(&r);
    RC_ASSERT_STR(r.registries[0].id, "local-open");
    RC_ASSERT_STR(r.registries[0].checks[0].id, "policy.delete");
    RC_ASSERT_STR(r.registries[1].id, "zot");
    RC_ASSERT_STR(r.registries[0].leftovers[0].digest, "sha256:a");
    RC_ASSERT_STR(r.registries[0].leftovers[1].digest, "sha256:b");
    unsigned n[RC_ST__COUNT];
    rc_results_count(&r, n);
    CU_ASSERT_EQUAL(n[RC_ST_PASS], 2);
    CU_ASSERT_EQUAL(n[RC_ST_XFAIL], 1);
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, false), 0);
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, true), 0);
    r.registries[1].checks[0].status = RC_ST_XPASS;
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, false), 0);
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, true), 1);
    r.registries[1].checks[0].status = RC_ST_ERROR;
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, false), 3);
    r.registries[0].checks[0].status = RC_ST_FAIL;
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, false), 1); /* fail wins over error */
    r.registries[0].checks[0].status = RC_ST_UNSUPPORTED;
    r.registries[1].checks[0].status = RC_ST_SKIP;
    CU_ASSERT_EQUAL(rc_results_exit_code(&r, true), 0);
    rc_results_dispose(&r);
    CU_ASSERT_PTR_NULL(r.registries);
}

static void test_to_json_shape(void)
{
    struct rc_results r;
    build(&r);
    rc_results_sort(&r);
    char *j = to_json(&r, false);
    /* fixed key order, optional keys only when set, final newline */
    CU_ASSERT(rc_str_starts(j, "{\n  \"schema\": \"regcompat.results/v1\",\n  \"tool\": {\n"
                               "    \"name\": \"regcompat\",\n    \"version\": \"0.1.0\"\n  },\n"
                               "  \"run\": {\n    \"id\": \"run-1\",\n"));
    CU_ASSERT(rc_str_ends(j, "}\n"));
    CU_ASSERT_PTR_NULL(strstr(j, "interrupted"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"kind\": \"distribution\",\n      \"hosted\": true,\n"
                                     "      \"versions\": {\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j,
                                  "\"status\": \"xfail\",\n          \"reason\": \"DELETE 405\",\n"
                                  "          \"fallback\": true,\n          \"expect\": {\n"
                                  "            \"reason\": \"delete disabled\",\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j,
                                  "\"duration_ms\": 12,\n          \"requests\": 5,\n"
                                  "          \"retries\": 2,\n          \"bytes_sent\": 1024,\n"
                                  "          \"bytes_received\": 2048,\n          \"evidence\""));
    /* repeated header names are joined, never written twice */
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"Link\": \"<a>; rel=\\\"next\\\", <b>\""));
    CU_ASSERT_PTR_NULL(strstr(j, "\"link\": \"<b>\""));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(j, "\"body\": \"{\\\"errors\\\":[{\\\"code\\\":\\\"UNSUPPORTED\\\"}]}"
                  "\\n\\u0001\",\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"body_truncated\": true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"host\": \"s3.example:443\",\n              \"status\": 0,\n"
                                     "              \"error\": \"connection refused\",\n"
                                     "              \"headers\": {}\n"));
    /* leftovers follow the checks; an unknown answer is null */
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "      ],\n      \"leftovers\": [\n        {\n"
                                     "          \"repository\": \"ns/run-1/policy.push\",\n"
                                     "          \"digest\": \"sha256:a\",\n"
                                     "          \"kind\": \"manifest\",\n"
                                     "          \"answer\": null\n        },\n"));
    /* zot: no versions, a plain pass has no reason/evidence, no leftovers */
    const char *zot = strstr(j, "\"id\": \"zot\"");
    CU_ASSERT_PTR_NOT_NULL(zot);
    if (zot) {
        CU_ASSERT_PTR_NULL(strstr(zot, "versions"));
        CU_ASSERT_PTR_NULL(strstr(zot, "reason"));
        CU_ASSERT_PTR_NULL(strstr(zot, "evidence"));
        CU_ASSERT_PTR_NULL(strstr(zot, "leftovers"));
    }
    free(j);

    r.interrupted = true;
    j = to_json(&r, true);
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"finished\": \"2026-11-28T03:26:00Z\",\n"
                                     "    \"interrupted\": true,\n    \"suites\""));
    CU_ASSERT_PTR_NULL(strstr(j, "duration_ms"));
    CU_ASSERT_PTR_NULL(strstr(j, "requests"));
    CU_ASSERT_PTR_NULL(strstr(j, "retries"));
    CU_ASSERT_PTR_NULL(strstr(j, "bytes_"));
    free(j);
    rc_results_dispose(&r);
}

static void roundtrip(bool stable)
{
    struct rc_results r;
    build(&r);
    char *a = to_json(&r, stable);
    struct rc_results back;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_results_from_json(&back, a, strlen(a), &err), 0);
    if (err)
        fprintf(stderr, "from_json: %s\n", rc_error_msg(err));
    rc_error_free(err);
    char *b = to_json(&back, stable);
    CU_ASSERT_STRING_EQUAL(a, b);
    if (!stable) {
        CU_ASSERT_EQUAL(back.registries[1].checks[1].retries, 2);
        CU_ASSERT_EQUAL(back.registries[1].checks[1].evidence[0].nheaders, 2);
        CU_ASSERT(back.registries[1].hosted);
        CU_ASSERT_EQUAL(back.registries[1].nleftovers, 2);
        RC_ASSERT_STR(back.registries[1].leftovers[0].answer, "405 UNSUPPORTED");
        CU_ASSERT_PTR_NULL(back.registries[1].leftovers[1].answer);
    } else {
        CU_ASSERT_EQUAL(back.registries[1].checks[1].duration_ms, 0);
    }
    free(a);
    free(b);
    rc_results_dispose(&back);
    rc_results_dispose(&r);
}

static void test_roundtrip(void)
{
    roundtrip(false);
    roundtrip(true);
}

static void test_empty(void)
{
    struct rc_results r = {0};
    char *j = to_json(&r, false);
    RC_ASSERT_STR(j, "{\n  \"schema\": \"regcompat.results/v1\",\n  \"tool\": {\n"
                     "    \"name\": null,\n    \"version\": null\n  },\n  \"run\": {\n"
                     "    \"id\": null,\n    \"started\": null,\n    \"finished\": null,\n"
                     "    \"suites\": [],\n    \"features\": []\n  },\n  \"registries\": []\n}\n");
    struct rc_results back;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_results_from_json(&back, j, strlen(j), &err), 0);
    rc_error_free(err);
    CU_ASSERT_EQUAL(back.nregistries, 0);
    rc_results_dispose(&back);
    free(j);
}

/* Replaces the first occurrence of from in the JSON of build() and reads it back. */
static char *read_error(const char *from, const char *to)
{
    struct rc_results r;
    build(&r);
    char *j = to_json(&r, false);
    rc_results_dispose(&r);
    char *at = strstr(j, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    char *edited = rc_fmt("%.*s%s%s", (int)(at - j), j, to, at + strlen(from));
    free(j);
    struct rc_results back;
    struct rc_error *err = NULL;
    int rc = rc_results_from_json(&back, edited, strlen(edited), &err);
    CU_ASSERT(rc < 0);
    CU_ASSERT_PTR_NULL(back.registries); /* nothing half-read is left behind */
    free(edited);
    char *msg = rc_xstrdup(rc_error_msg(err));
    rc_error_free(err);
    return msg;
}

static void test_from_json_errors(void)
{
    struct {
        const char *from, *to, *want;
    } cases[] = {
        {"\"status\": \"xfail\"", "\"status\": \"passed\"",
         "registries[1].checks[1].status: unknown status 'passed'"},
        {"regcompat.results/v1", "regcompat.results/v9",
         "schema: unsupported schema 'regcompat.results/v9' (expected regcompat.results/v1)"},
        {"\"hosted\": true", "\"hosted\": \"yes\"",
         "registries[1].hosted: expected a boolean, got string"},
        {"\"retries\": 2", "\"retries\": -2",
         "registries[1].checks[1].retries: expected an integer from 0 to 4294967295, got -2"},
        {"\"requests\": 5", "\"requests\": 5.5",
         "registries[0].checks[0].requests: expected an integer from 0 to 4294967295, got number"},
        {"\"status\": 405", "\"status\": \"405\"",
         "registries[1].checks[1].evidence[0].status: expected an integer from 0 to 999"},
        {"\"Content-Type\": \"application/json\"", "\"Content-Type\": 1",
         "registries[1].checks[1].evidence[0].headers.Content-Type: expected a string, got "
         "integer"},
        {"\"id\": \"run-1\"", "\"id\": 7", "run.id: expected a string or null, got integer"},
        {"\"suites\": [\n      \"policy\"", "\"suites\": [\n      1",
         "run.suites[0]: expected a string, got integer"},
        {"\"checks\"", "\"chex\"", "registries[0].checks: missing"},
        {"\"id\": \"policy.delete\"", "\"id\": \"policy.push\"",
         "registries[1].checks[1].id: check 'policy.push' appears twice"},
        {"\"id\": \"zot\"", "\"id\": \"local-open\"",
         "registries[1].id: registry 'local-open' appears twice"},
        {"\"title\": \"A title\"", "\"title\": \"A title\", \"title\": \"B\"",
         "registries[0].checks[0].title: duplicate key"},
        {"\"expect\": {", "\"expect\": [], \"x\": {",
         "registries[1].checks[1].expect: expected an object, got array"},
        {"\"evidence\": [", "\"evidence\": [1, ",
         "registries[1].checks[1].evidence[0]: expected an object, got integer"},
        {"\"registries\": [", "\"registries\": [[], ",
         "registries[0]: expected an object, got array"},
        {"\"title\": \"A title\"", "\"title\": \"A\\u0000title\"",
         "registries[0].checks[0].title: string holds a NUL character"},
        {"{\n  \"schema\"", "[{\n  \"schema\"", "invalid JSON at byte"},
        {"\"kind\": \"blob\"", "\"kind\": 3",
         "registries[1].leftovers[0].kind: expected a string, got integer"},
        {"\"leftovers\": [", "\"leftovers\": [\"x\", ",
         "registries[1].leftovers[0]: expected an object, got string"},
        {"\"digest\": \"sha256:a\",", "", "registries[1].leftovers[1].digest: missing"},
        {"\"leftovers\": [", "\"leftovers\": 5, \"x\": [",
         "registries[1].leftovers: expected an array, got integer"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        char *msg = read_error(cases[i].from, cases[i].to);
        if (!rc_str_starts(msg, cases[i].want))
            fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, msg, cases[i].want);
        CU_ASSERT(rc_str_starts(msg, cases[i].want));
        free(msg);
    }
    struct rc_results back;
    struct rc_error *err = NULL;
    CU_ASSERT(rc_results_from_json(&back, "[]", 2, &err) < 0);
    RC_ASSERT_STR(rc_error_msg(err), "top level: expected an object, got array");
    rc_error_free(err);
}

/* A measured exchange carries duration_ms and an expectation its until date; the stable form
 * leaves the duration out (it changes from run to run) but keeps the date (it does not). */
static void test_duration_until(void)
{
    struct rc_results r;
    build(&r);
    rc_results_sort(&r);
    struct rc_check_result *c = &r.registries[0].checks[0]; /* local-open policy.delete */
    c->evidence[0].duration_ms = 37;
    c->evidence[0].timed = true;
    c->expect_until = rc_xstrdup("2027-06-30");
    char *j = to_json(&r, false);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(j, "\"body_truncated\": true,\n              \"duration_ms\": 37\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"link\": \"https://example.org/issue/1\",\n"
                                     "            \"until\": \"2027-06-30\"\n"));
    /* the second exchange was not timed: no duration, not a duration of 0 */
    CU_ASSERT_PTR_NULL(strstr(j, "\"duration_ms\": 0"));
    struct rc_results back;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_results_from_json(&back, j, strlen(j), &err), 0);
    const struct rc_check_result *b = &back.registries[0].checks[0];
    CU_ASSERT(b->evidence[0].timed);
    CU_ASSERT_EQUAL(b->evidence[0].duration_ms, 37);
    CU_ASSERT_FALSE(b->evidence[1].timed);
    RC_ASSERT_STR(b->expect_until, "2027-06-30");
    char *j2 = to_json(&back, false);
    RC_ASSERT_STR(j2, j);
    free(j2);
    rc_results_dispose(&back);
    free(j);

    j = to_json(&r, true);
    CU_ASSERT_PTR_NULL(strstr(j, "duration_ms"));
    CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"until\": \"2027-06-30\""));
    CU_ASSERT_EQUAL_FATAL(rc_results_from_json(&back, j, strlen(j), &err), 0);
    CU_ASSERT_FALSE(back.registries[0].checks[0].evidence[0].timed);
    rc_results_dispose(&back);
    free(j);
    rc_error_free(err);
    rc_results_dispose(&r);
}

static CU_TestInfo results_tests[] = {
    {"status names", test_status_names},
    {"sort, count, exit code", test_sort_count_exit},
    {"results.json shape", test_to_json_shape},
    {"round trip", test_roundtrip},
    {"empty results", test_empty},
    {"read errors name the path", test_from_json_errors},
    {"evidence durations and expectation dates", test_duration_until},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"results", NULL, NULL, NULL, NULL, results_tests},
    CU_SUITE_INFO_NULL,
};
