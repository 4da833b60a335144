/* The terminal summary's rules, each on a fixed results tree and a golden file
 * (tests/golden/summary.*.txt): what is listed by default, with -v and with -q; one line per
 * registry that could not be tested; one line per registry an interrupted run did not finish;
 * colour only when asked. */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "golden.h"
#include "report/report.h"
#include "results/results.h"

static struct rc_registry_result *reg(struct rc_results *r, const char *id)
{
    r->registries = rc_xrealloc(r->registries, (r->nregistries + 1) * sizeof(*r->registries));
    struct rc_registry_result *rr = &r->registries[r->nregistries++];
    memset(rr, 0, sizeof(*rr));
    rr->id = rc_xstrdup(id);
    rr->name = rc_xstrdup(id);
    return rr;
}

static struct rc_check_result *check(struct rc_registry_result *rr, const char *id,
                                     enum rc_status st, const char *reason)
{
    rr->checks = rc_xrealloc(rr->checks, (rr->nchecks + 1) * sizeof(*rr->checks));
    struct rc_check_result *c = &rr->checks[rr->nchecks++];
    memset(c, 0, sizeof(*c));
    c->id = rc_xstrdup(id);
    c->suite = rc_xstrndup(id, strcspn(id, "."));
    c->feature = rc_xstrdup("Feature");
    c->status = st;
    c->reason = rc_xstrdup(reason);
    return c;
}

/* n checks "<prefix>.<i>" with the same status and reason */
static void checks(struct rc_registry_result *rr, const char *prefix, size_t n, enum rc_status st,
                   const char *reason)
{
    for (size_t i = 0; i < n; i++) {
        char *id = rc_fmt("%s.%03zu", prefix, i);
        check(rr, id, st, reason);
        free(id);
    }
}

static void init(struct rc_results *r)
{
    memset(r, 0, sizeof(*r));
    r->tool_name = rc_xstrdup("regcompat");
    r->tool_version = rc_xstrdup("0.1.0");
    r->run_id = rc_xstrdup("20261128-0325-7f3a");
}

/* One registry with every status. */
static void mixed(struct rc_results *r)
{
    init(r);
    struct rc_registry_result *rr = reg(r, "local-open");
    check(rr, "policy.push", RC_ST_PASS, NULL);
    check(rr, "errors.invalid-digest-reference", RC_ST_FAIL,
          "GET answered 500 UNKNOWN, expected 400 or 404");
    check(rr, "mount.cross", RC_ST_ERROR, "mount POST answered 429: rate limited, after 2 retries");
    struct rc_check_result *c = check(rr, "push.chunked", RC_ST_XPASS, NULL);
    c->expect_reason = rc_xstrdup("nginx refused 4 MiB chunks");
    check(rr, "referrers.api.list", RC_ST_UNSUPPORTED, "no referrers API");
    check(rr, "referrers.api.filter", RC_ST_UNSUPPORTED, "no referrers API");
    c = check(rr, "tags.list.sorted", RC_ST_XFAIL, "tags not in lexical order");
    c->expect_reason = rc_xstrdup("Distribution does not sort tags");
    check(rr, "policy.delete", RC_ST_SKIP, "needs policy.push, which was error");
}

static char *render(const struct rc_results *r, bool color, int verbosity)
{
    struct rc_report_summary_opts o = {
        .color = color, .verbosity = verbosity, .reports_dir = "reports"};
    struct rc_buf b = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_summary(r, &b, &o), 0);
    return rc_buf_steal(&b, NULL);
}

static size_t lines_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = rc_xstrndup(p, len);
        n += strstr(line, needle) != NULL;
        free(line);
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* Rule: by default only fail, error and xpass are listed; the other statuses are counted in
 * one line that points at the matrix. An xpass says what to do. */
static void test_default(void)
{
    struct rc_results r;
    mixed(&r);
    char *s = render(&r, false, 0);
    rc_golden_bytes("summary.default.txt", s, strlen(s));
    CU_ASSERT_EQUAL(lines_with(s, "  FAIL  "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "  ERROR  "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "  XPASS  "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "UNSUPPORTED"), 0);
    CU_ASSERT_EQUAL(lines_with(s, "XFAIL"), 0);
    CU_ASSERT_EQUAL(lines_with(s, "  SKIP"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  not listed: 2 unsupported, 1 skip, 1 xfail (see "
                                     "reports/matrix.md; -v lists them)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "passes now: remove the profile's expectation (nginx "
                                     "refused 4 MiB chunks)"));
    free(s);
    rc_results_dispose(&r);
}

/* Rule: -v lists every check that did not pass, and nothing is left uncounted. */
static void test_verbose(void)
{
    struct rc_results r;
    mixed(&r);
    char *s = render(&r, false, 1);
    rc_golden_bytes("summary.verbose.txt", s, strlen(s));
    CU_ASSERT_EQUAL(lines_with(s, "  UNSUPPORTED  "), 2);
    CU_ASSERT_EQUAL(lines_with(s, "  XFAIL  "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "  SKIP  "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "policy.push "), 0); /* a pass is not a line */
    CU_ASSERT_PTR_NULL(strstr(s, "not listed"));
    free(s);
    rc_results_dispose(&r);
}

/* Rule: -q still prints the totals line, and only it. */
static void test_quiet(void)
{
    struct rc_results r;
    mixed(&r);
    char *s = render(&r, false, -1);
    RC_ASSERT_STR(s, "total: 8 checks on 1 registry: 1 pass, 1 fail, 2 unsupported, 1 skip, 1 "
                     "error, 1 xfail, 1 xpass\n");
    free(s);
    rc_results_dispose(&r);
}

/* Rule: a registry that could not be tested is one line (its problem, with the fix), not one
 * line per check; the other registry's lines are as usual. */
static void test_unreachable(void)
{
    struct rc_results r;
    init(&r);
    const char *why = "registry unreachable (GET http://127.0.0.1:1/v2/: Failed to connect to "
                      "127.0.0.1 port 1 after 0 ms: Couldn't connect to server): check that it "
                      "is running and that the URL is right";
    struct rc_registry_result *down = reg(&r, "down");
    down->problem = rc_xstrdup(why);
    checks(down, "policy.check", 150, RC_ST_ERROR, why);
    struct rc_registry_result *up = reg(&r, "up");
    checks(up, "pull.check", 3, RC_ST_PASS, NULL);
    check(up, "tags.list.sorted", RC_ST_FAIL, "tags not in lexical order");
    char *s = render(&r, false, 0);
    rc_golden_bytes("summary.unreachable.txt", s, strlen(s));
    CU_ASSERT_EQUAL(lines_with(s, "  ERROR  down  all 150 checks    registry unreachable"), 1);
    CU_ASSERT_EQUAL(lines_with(s, "down"), 2); /* its row in the table, and that line */
    CU_ASSERT_EQUAL(lines_with(s, "policy.check"), 0);
    CU_ASSERT_EQUAL(lines_with(s, "  FAIL   up    tags.list.sorted"), 1);
    free(s);
    /* -v too: the registry is still one line */
    s = render(&r, false, 1);
    CU_ASSERT_EQUAL(lines_with(s, "down"), 2);
    free(s);
    rc_results_dispose(&r);
}

/* Rule: missing credentials are one line per registry, shown even when the checks are skip
 * (which the default does not list); refused pushes are one line for the checks that push,
 * and what did run is listed as usual. */
static void test_credentials(void)
{
    struct rc_results r;
    init(&r);
    const char *unset = "no credentials: environment variable HARBOR_PASSWORD is not set; set it "
                        "to test this registry (registries.d/harbor.yaml names it)";
    struct rc_registry_result *h = reg(&r, "harbor");
    h->problem = rc_xstrdup(unset);
    checks(h, "policy.check", 8, RC_ST_SKIP, unset);
    const char *push = "checks that push not run: no credentials were sent, and the registry asks "
                       "for them to push (the first push answered 401); set REGCOMPAT_USERNAME "
                       "and REGCOMPAT_PASSWORD, or run docker login 127.0.0.1:5000";
    struct rc_registry_result *t = reg(&r, "token");
    t->problem = rc_xstrdup(push);
    checks(t, "push.check", 140, RC_ST_ERROR, push);
    checks(t, "pull.check", 12, RC_ST_PASS, NULL);
    check(t, "delete.blob.unknown", RC_ST_ERROR,
          "blob DELETE answered 401 UNAUTHORIZED: no credentials were sent, and the registry asks "
          "for them");
    char *s = render(&r, false, 0);
    rc_golden_bytes("summary.credentials.txt", s, strlen(s));
    CU_ASSERT_EQUAL(lines_with(s, "  SKIP   harbor  all 8 checks         no credentials: "), 1);
    CU_ASSERT_EQUAL(lines_with(s, "  ERROR  token   140 checks           checks that push not "
                                  "run"),
                    1);
    CU_ASSERT_EQUAL(lines_with(s, "delete.blob.unknown"), 1);
    CU_ASSERT_EQUAL(lines_with(s, "push.check"), 0);
    free(s);
    rc_results_dispose(&r);
}

/* Rule: an interrupted run says per registry how many checks it did not get to, once. */
static void test_interrupted(void)
{
    struct rc_results r;
    init(&r);
    r.interrupted = true;
    struct rc_registry_result *a = reg(&r, "local-open");
    checks(a, "policy.done", 3, RC_ST_PASS, NULL);
    checks(a, "policy.later", 5, RC_ST_SKIP, RC_REASON_INTERRUPTED);
    struct rc_registry_result *b = reg(&r, "local-token");
    checks(b, "pull.later", 8, RC_ST_SKIP, RC_REASON_INTERRUPTED);
    char *s = render(&r, false, 0);
    rc_golden_bytes("summary.interrupted.txt", s, strlen(s));
    CU_ASSERT_EQUAL(lines_with(s, "  SKIP  local-open   5 checks      not run: the run was "
                                  "interrupted; run regcompat again"),
                    1);
    CU_ASSERT_EQUAL(lines_with(s, "  SKIP  local-token  all 8 checks  not run"), 1);
    CU_ASSERT_EQUAL(lines_with(s, "policy.later"), 0);
    CU_ASSERT(rc_str_ends(s, " (interrupted)\n"));
    free(s);
    rc_results_dispose(&r);
}

/* Rule: colour only when asked (the CLI asks on a terminal without NO_COLOR or TERM=dumb). */
static void test_color(void)
{
    struct rc_results r;
    mixed(&r);
    char *plain = render(&r, false, 1);
    CU_ASSERT_PTR_NULL(strchr(plain, '\033'));
    char *col = render(&r, true, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(col, "\033[1;31mFAIL\033[0m"));
    CU_ASSERT_PTR_NOT_NULL(strstr(col, "\033[32m1 pass\033[0m"));
    free(plain);
    free(col);
    rc_results_dispose(&r);
}

static CU_TestInfo summary_tests[] = {
    {"default: fail, error and xpass listed, the rest counted", test_default},
    {"-v: every check that did not pass", test_verbose},
    {"-q: the totals line", test_quiet},
    {"an unreachable registry is one line", test_unreachable},
    {"missing or refused credentials are one line per registry", test_credentials},
    {"an interrupted run is one line per registry", test_interrupted},
    {"colour only when asked", test_color},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"summary", NULL, NULL, NULL, NULL, summary_tests},
    CU_SUITE_INFO_NULL,
};
