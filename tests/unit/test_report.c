#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "golden.h"
#include "report/report.h"
#include "results/results.h"

/* ---- the fixed results tree behind the golden files ------------------------------------ */

static struct rc_registry_result *add_registry(struct rc_results *r, size_t *cap, const char *id,
                                               const char *name, const char *url, const char *kind)
{
    struct rc_registry_result rr = {0};
    rr.id = rc_xstrdup(id);
    rr.name = rc_xstrdup(name);
    rr.url = rc_xstrdup(url);
    rr.kind = rc_xstrdup(kind);
    RC_PUSH(r->registries, r->nregistries, *cap, rr);
    return &r->registries[r->nregistries - 1];
}

static struct rc_check_result *add_check(struct rc_registry_result *rr, const char *id,
                                         const char *suite, const char *feature, enum rc_status st,
                                         const char *reason, uint64_t ms)
{
    rr->checks = rc_xrealloc(rr->checks, (rr->nchecks + 1) * sizeof(*rr->checks));
    struct rc_check_result *c = &rr->checks[rr->nchecks++];
    memset(c, 0, sizeof(*c));
    c->id = rc_xstrdup(id);
    c->suite = rc_xstrdup(suite);
    c->feature = rc_xstrdup(feature);
    c->title = rc_fmt("Check %s", id);
    c->status = st;
    c->reason = rc_xstrdup(reason);
    c->duration_ms = ms;
    c->requests = 3;
    c->bytes_sent = 100 + ms;
    c->bytes_received = 200 + ms;
    return c;
}

static struct rc_evidence *add_evidence(struct rc_check_result *c, const char *request, int status)
{
    c->evidence = rc_xrealloc(c->evidence, (c->nevidence + 1) * sizeof(*c->evidence));
    struct rc_evidence *e = &c->evidence[c->nevidence++];
    memset(e, 0, sizeof(*e));
    e->request = rc_xstrdup(request);
    e->status = status;
    return e;
}

static void add_header(struct rc_evidence *e, const char *name, const char *value)
{
    e->headers = rc_xrealloc(e->headers, (e->nheaders + 1) * sizeof(*e->headers));
    e->headers[e->nheaders].name = rc_xstrdup(name);
    e->headers[e->nheaders].value = rc_xstrdup(value);
    e->nheaders++;
}

/* Two registries, three features, every status, and evidence full of characters that
 * break naive JSON, XML and Markdown writers. */
static void build_golden(struct rc_results *r)
{
    memset(r, 0, sizeof(*r));
    r->tool_name = rc_xstrdup("regcompat");
    r->tool_version = rc_xstrdup("0.1.0");
    r->run_id = rc_xstrdup("20261128-0325-7f3a");
    r->started = rc_xstrdup("2026-11-28T03:25:10Z");
    r->finished = rc_xstrdup("2026-11-28T03:31:42Z");
    rc_strv_push(&r->suites, "policy");
    rc_strv_push(&r->suites, "referrers");
    rc_strv_push(&r->features, "Policy push");
    rc_strv_push(&r->features, "Policy delete");
    rc_strv_push(&r->features, "Referrers API");
    size_t cap = 0;

    /* given out of order on purpose: rc_results_sort puts harbor-demo first */
    struct rc_registry_result *d = add_registry(r, &cap, "local-open", "Distribution (local)",
                                                "http://127.0.0.1:5000", "distribution");
    struct rc_check_result *c =
        add_check(d, "policy.push", "policy", "Policy push", RC_ST_ERROR,
                  "could not connect: 127.0.0.1:5000 | connection refused", 3);
    struct rc_evidence *e =
        add_evidence(c, "POST /v2/regcompat-ci/20261128-0325-7f3a/policy.push/blobs/uploads/", 0);
    e->error = rc_xstrdup("connection refused");
    c->requests = 1;
    c->retries = 2;
    c = add_check(d, "policy.push.chunked", "policy", "Policy push", RC_ST_XPASS,
                  "expected to fail, passed", 41);
    c->expect_reason = rc_xstrdup("chunked uploads broke behind nginx");
    c->expect_link = rc_xstrdup("https://example.org/lab/issues/7");
    add_check(d, "policy.delete", "policy", "Policy delete", RC_ST_SKIP,
              "needs policy.push, which did not pass", 0);
    c = add_check(d, "referrers.list", "referrers", "Referrers API", RC_ST_UNSUPPORTED,
                  "no referrers API: 404 text/plain", 9);
    e = add_evidence(c,
                     "GET /v2/regcompat-ci/20261128-0325-7f3a/referrers.list/referrers/"
                     "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                     404);
    add_header(e, "Content-Type", "text/plain; charset=utf-8");
    e->body = rc_xstrdup("404 page not found\n");
    d->versions = rc_xcalloc(1, sizeof(*d->versions));
    d->versions[0].name = rc_xstrdup("Docker-Distribution-Api-Version");
    d->versions[0].value = rc_xstrdup("registry/2.0");
    d->nversions = 1;

    struct rc_registry_result *h = add_registry(r, &cap, "harbor-demo", "Harbor *demo* | v2.10",
                                                "https://user@demo.goharbor.io:443/", "harbor");
    h->hosted = true;
    add_check(h, "policy.push", "policy", "Policy push", RC_ST_PASS, NULL, 1234);
    c = add_check(h, "policy.delete", "policy", "Policy delete", RC_ST_XFAIL,
                  "DELETE answered 405 UNSUPPORTED", 17);
    c->expect_reason = rc_xstrdup("deletes are disabled on the demo instance");
    c->expect_link = rc_xstrdup("https://example.org/harbor/issues/19690");
    e = add_evidence(c, "DELETE /v2/regcompat-ci/20261128-0325-7f3a/policy.delete/manifests/v1",
                     405);
    add_header(e, "Content-Type", "application/json");
    e->body = rc_xstrdup(
        "{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"The operation is unsupported.\"}]}");
    c = add_check(h, "referrers.list", "referrers", "Referrers API", RC_ST_FAIL,
                  "Content-Type is \"application/json\", want <application/vnd.oci.image.index."
                  "v1+json> & a `manifests` list",
                  88);
    e = add_evidence(c,
                     "GET /v2/regcompat-ci/20261128-0325-7f3a/referrers.list/referrers/"
                     "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
                     "?artifactType=a|b",
                     200);
    add_header(e, "Content-Type", "application/json");
    add_header(e, "X-Odd", "quote \" <tag> & ]]> tab\there");
    e->body = rc_xstrdup("{\"manifests\":null,\"note\":\"]]> <script>alert('x')</script> "
                         "\x01\x1b[31m\x7f \xff\xfe `tick` |pipe| caf\xc3\xa9\"}\r\nend");
    e->body_truncated = true;
    e = add_evidence(c, "GET /blobs/sha256:abc", 302);
    e->host = rc_xstrdup("storage.example:443");
    add_header(e, "Location", "https://storage.example/b?X-Amz-Signature=***");
    add_check(h, "referrers.filter", "referrers", "Referrers API", RC_ST_SKIP,
              "needs referrers.list &amp; an index", 0);
    c = add_check(h, "referrers.tag-schema", "referrers", "Referrers API", RC_ST_PASS, NULL, 56);
    c->fallback = true;
    c->note = rc_xstrdup("found through the referrers tag schema (sha256-<hex>)");
    /* what cleanup could not delete, given out of order: sorted by repository, digest */
    h->leftovers = rc_xcalloc(3, sizeof(*h->leftovers));
    h->leftovers[0] = (struct rc_leftover){
        rc_xstrdup("regcompat-ci/20261128-0325-7f3a/policy.push"), rc_xstrdup("sha256:bbbb"),
        rc_xstrdup("blob"), rc_xstrdup("405 UNSUPPORTED")};
    h->leftovers[1] = (struct rc_leftover){
        rc_xstrdup("regcompat-ci/20261128-0325-7f3a/policy.delete"), rc_xstrdup("sha256:cccc"),
        rc_xstrdup("manifest"), rc_xstrdup("timed out | `retry` <later>")};
    h->leftovers[2] = (struct rc_leftover){
        rc_xstrdup("regcompat-ci/20261128-0325-7f3a/policy.push"), rc_xstrdup("sha256:aaaa"),
        rc_xstrdup("manifest"), rc_xstrdup("405 UNSUPPORTED")};
    h->nleftovers = 3;
    rc_results_sort(r);
}

/* ---- golden files ---------------------------------------------------------------------- */

static void test_golden(void)
{
    struct rc_results r;
    build_golden(&r);
    struct rc_buf json = RC_BUF_INIT(0), xml = RC_BUF_INIT(0), md = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_results_to_json(&r, &json, &err), 0);
    CU_ASSERT_EQUAL(rc_report_junit_buf(&r, &xml, &err), 0);
    CU_ASSERT_EQUAL(rc_report_matrix(&r, &md, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    rc_error_free(err);
    rc_golden_bytes("report.results.json", json.data, json.len);
    rc_golden_bytes("report.junit.xml", xml.data, xml.len);
    rc_golden_bytes("report.matrix.md", md.data, md.len);

    /* reading results.json back gives every reporter the same input */
    struct rc_results back;
    err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_results_from_json(&back, json.data, json.len, &err), 0);
    struct rc_buf json2 = RC_BUF_INIT(0), xml2 = RC_BUF_INIT(0), md2 = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_results_to_json(&back, &json2, &err), 0);
    CU_ASSERT_EQUAL(rc_report_junit_buf(&back, &xml2, &err), 0);
    CU_ASSERT_EQUAL(rc_report_matrix(&back, &md2, &err), 0);
    CU_ASSERT_STRING_EQUAL(json.data, json2.data);
    CU_ASSERT_STRING_EQUAL(xml.data, xml2.data);
    CU_ASSERT_STRING_EQUAL(md.data, md2.data);
    rc_error_free(err);
    rc_results_dispose(&back);
    rc_buf_dispose(&json2);
    rc_buf_dispose(&xml2);
    rc_buf_dispose(&md2);

    rc_buf_dispose(&json);
    rc_buf_dispose(&xml);
    rc_buf_dispose(&md);
    rc_results_dispose(&r);
}

static void test_junit_xmllint(void)
{
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        fprintf(stderr, "xmllint not found: well-formedness check skipped\n");
        return;
    }
    char *cmd = rc_fmt("xmllint --noout '%s/report.junit.xml'", RC_GOLDEN_DIR);
    CU_ASSERT_EQUAL(system(cmd), 0);
    free(cmd);
}

static void test_junit_content(void)
{
    struct rc_results r;
    build_golden(&r);
    struct rc_buf xml = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_junit_buf(&r, &xml, NULL), 0);
    const char *x = rc_buf_str(&xml);
    /* totals add up: 9 checks, 1 fail, 1 error, skip+unsupported+xfail = 4 */
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<testsuites name=\"regcompat\" tests=\"9\" failures=\"1\" "
                                     "errors=\"1\" skipped=\"4\" time=\"1.448\">"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(x, "<testsuite name=\"harbor-demo\" tests=\"5\" failures=\"1\" "
                  "errors=\"0\" skipped=\"2\" time=\"1.395\" "
                  "timestamp=\"2026-11-28T03:25:10\" "
                  "hostname=\"demo.goharbor.io:443\" id=\"0\" package=\"harbor-demo\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x,
                                  "<testcase name=\"policy.push\" classname=\"harbor-demo.policy\" "
                                  "time=\"1.234\"/>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<skipped message=\"unsupported: no referrers API: 404 "
                                     "text/plain\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<failure message=\"Content-Type is &quot;application/json"
                                     "&quot;, want &lt;application/vnd.oci.image.index.v1+json&gt; "
                                     "&amp; a `manifests` list\" type=\"fail\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "<error message=\"could not connect: 127.0.0.1:5000 | "
                                     "connection refused\" type=\"error\">"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(x, "WARNING: policy.push.chunked passed but was expected to fail"));
    /* ]]> and markup in bodies are escaped, control bytes and bad UTF-8 replaced */
    CU_ASSERT_PTR_NULL(strstr(x, "]]>"));
    CU_ASSERT_PTR_NULL(strstr(x, "<script>"));
    CU_ASSERT_PTR_NULL(strchr(x, '\x01'));
    CU_ASSERT_PTR_NULL(strchr(x, '\x1b'));
    CU_ASSERT_PTR_NULL(strstr(x, "\xff"));
    CU_ASSERT_PTR_NOT_NULL(strstr(x, "\xef\xbf\xbd[31m"));
    /* element order inside a suite: properties, testcases, system-out, system-err */
    const char *props = strstr(x, "<properties>");
    const char *tc = strstr(x, "<testcase ");
    const char *out = strstr(x, "<system-out");
    const char *errp = strstr(x, "<system-err");
    CU_ASSERT(props && tc && out && errp && props < tc && tc < out && out < errp);
    rc_buf_dispose(&xml);

    /* an empty run is still a valid document */
    struct rc_results empty = {0};
    CU_ASSERT_EQUAL(rc_report_junit_buf(&empty, &xml, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&xml), "<testsuites name=\"regcompat\" tests=\"0\" "
                                                    "failures=\"0\" errors=\"0\" skipped=\"0\" "
                                                    "time=\"0.000\"/>"));
    rc_buf_dispose(&xml);
    rc_results_dispose(&r);
}

static void test_cells(void)
{
    struct rc_registry_result rr = {0};
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_UNTESTED);
    struct rc_check_result *a = add_check(&rr, "a", "s", "F", RC_ST_PASS, NULL, 0);
    add_check(&rr, "other", "s", "G", RC_ST_FAIL, NULL, 0);
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_PASS);
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "G"), RC_CELL_FAIL);
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "H"), RC_CELL_UNTESTED);
    struct rc_check_result *b = add_check(&rr, "b", "s", "F", RC_ST_SKIP, NULL, 0);
    a = &rr.checks[0];
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_PASS); /* skips aside */
    a->status = RC_ST_SKIP;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_UNTESTED);
    a->status = RC_ST_UNSUPPORTED;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_UNSUPPORTED);
    b = &rr.checks[2];
    b->status = RC_ST_PASS;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_WARN); /* partly supported */
    a->status = RC_ST_PASS;
    b->fallback = true;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_WARN);
    CU_ASSERT_FALSE(rc_report_check_is_plain(b));
    b->fallback = false;
    b->note = rc_xstrdup("n");
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_WARN);
    b->status = RC_ST_XFAIL;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_WARN);
    b->status = RC_ST_XPASS;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_WARN);
    b->status = RC_ST_ERROR;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_ERROR);
    a->status = RC_ST_FAIL;
    CU_ASSERT_EQUAL(rc_report_cell_of(&rr, "F"), RC_CELL_FAIL); /* a fail outranks an error */
    RC_ASSERT_STR(rc_report_cell_symbol(RC_CELL_PASS), "\xE2\x9C\x85");
    RC_ASSERT_STR(rc_report_cell_label(RC_CELL_ERROR), "error: could not be tested");
    rc_registry_result_dispose(&rr);
}

/* The verdict's line for rr, and its level in *v. */
static char *kwctl_line(const struct rc_registry_result *rr, enum rc_report_kwctl *v)
{
    struct rc_buf b = RC_BUF_INIT(0);
    *v = rc_report_kwctl_verdict(rr, &b);
    CU_ASSERT_EQUAL(rc_report_kwctl_verdict(rr, NULL), *v); /* the text is optional */
    return rc_buf_steal(&b, NULL);
}

#define ASSERT_KWCTL(rr, level, text)                                                              \
    do {                                                                                           \
        enum rc_report_kwctl v_;                                                                   \
        char *t_ = kwctl_line((rr), &v_);                                                          \
        CU_ASSERT_EQUAL(v_, (level));                                                              \
        RC_ASSERT_STR(t_, (text));                                                                 \
        free(t_);                                                                                  \
    } while (0)

/* kwctl pushes and pulls: only the Policy push and Policy pull checks decide, push first. */
static void test_kwctl_verdict(void)
{
    struct rc_registry_result rr = {0};
    ASSERT_KWCTL(&rr, RC_KWCTL_UNVERIFIED, "kwctl: not verified: no policy check ran");
    add_check(&rr, "policy.delete", "policy", "Policy delete", RC_ST_FAIL, "DELETE 500", 1);
    add_check(&rr, "policy.pull.by-tag", "policy", "Policy pull", RC_ST_SKIP, "needs push", 1);
    ASSERT_KWCTL(&rr, RC_KWCTL_UNVERIFIED, "kwctl: not verified: no policy check ran");
    add_check(&rr, "policy.push", "policy", "Policy push", RC_ST_PASS, NULL, 1);
    add_check(&rr, "policy.pull.by-digest", "policy", "Policy pull", RC_ST_PASS, NULL, 1);
    /* a failing delete is not kwctl's business; a skip next to passes is not a finding */
    ASSERT_KWCTL(&rr, RC_KWCTL_WORKS, "kwctl: works");

    struct rc_check_result *push = &rr.checks[2], *tag = &rr.checks[1], *dig = &rr.checks[3];
    dig->note = rc_xstrdup("found through the tag");
    ASSERT_KWCTL(&rr, RC_KWCTL_NOTES,
                 "kwctl: works with notes: policy.pull.by-digest: found through the tag");
    push->status = RC_ST_XPASS;
    push->fallback = true;
    push->deviations = rc_xcalloc(2, sizeof(*push->deviations));
    push->deviations[0].text = rc_xstrdup("PATCH 2 answered 201, not 202");
    push->deviations[1].text = rc_xstrdup("no Location");
    push->ndeviations = 2;
    /* push's remarks come first (feature order); at most three, then a count */
    ASSERT_KWCTL(&rr, RC_KWCTL_NOTES,
                 "kwctl: works with notes: policy.push: passed although the profile expects it "
                 "to fail; policy.push: through a client-side fallback; policy.push: PATCH 2 "
                 "answered 201, not 202 (+2 more)");

    tag->status = RC_ST_ERROR;
    free(tag->reason);
    tag->reason = rc_xstrdup("connection refused");
    ASSERT_KWCTL(&rr, RC_KWCTL_UNVERIFIED, "kwctl: not verified: connection refused");
    dig->status = RC_ST_FAIL;
    free(dig->reason);
    dig->reason = rc_xstrdup("manifest GET answered 404");
    ASSERT_KWCTL(&rr, RC_KWCTL_FAILS, "kwctl: fails: manifest GET answered 404");
    /* a push failure is named before a pull failure, whatever the check order */
    push->status = RC_ST_XFAIL;
    free(push->reason);
    push->reason = rc_xstrdup("upload answered 413");
    ASSERT_KWCTL(&rr, RC_KWCTL_FAILS, "kwctl: fails: upload answered 413");
    push->status = RC_ST_UNSUPPORTED;
    free(push->reason);
    push->reason = NULL;
    ASSERT_KWCTL(&rr, RC_KWCTL_FAILS, "kwctl: fails: policy.push unsupported");
    rc_registry_result_dispose(&rr);
}

static void test_matrix_content(void)
{
    struct rc_results r;
    build_golden(&r);
    struct rc_buf md = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_matrix(&r, &md, NULL), 0);
    const char *m = rc_buf_str(&md);
    CU_ASSERT(rc_str_starts(m, "# Registry compatibility matrix\n\n- Date: 2026-11-28\n"
                               "- regcompat: 0.1.0\n- Suites: policy, referrers\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(m, "| Registry | Policy push | Policy delete | Referrers API |\n"));
    /* rows in registry order, names escaped and not linked, notes numbered row by row */
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "| Harbor \\*demo\\* \\| v2.10 | \xE2\x9C\x85 | "
                                     "\xE2\x9A\xA0\xEF\xB8\x8F [[1]](#note-1) | "
                                     "\xE2\x9D\x8C [[2]](#note-2) |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "| Distribution (local) | \xE2\x9D\x97 [[3]](#note-3) | "
                                     "\xC2\xB7 [[4]](#note-4) | \xE2\x9E\x96 [[5]](#note-5) |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "<a id=\"note-5\"></a>**[5]**"));
    /* what cleanup left behind: counted, with the first answer, escaped */
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "- Results: 5 checks (2 pass, 1 fail, 1 skip, 1 xfail)\n"
                                     "- Left behind: 2 manifests and 1 blob not deleted after the "
                                     "run (timed out \\| \\`retry\\` \\<later\\>); see `leftovers` "
                                     "in results.json\n"));
    const char *left = strstr(m, "Left behind");
    CU_ASSERT(left && !strstr(left + 1, "Left behind")); /* local-open left nothing */
    CU_ASSERT_PTR_NULL(strstr(m, "note-6"));
    CU_ASSERT(rc_str_ends(m, "|\n"));
    CU_ASSERT_FALSE(rc_str_ends(m, "\n\n"));
    rc_buf_dispose(&md);

    /* a cap too small is an error, not a silent truncation */
    struct rc_buf small = RC_BUF_INIT(64);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_report_matrix(&r, &small, &err), RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_free(err);
    rc_buf_dispose(&small);
    rc_results_dispose(&r);
}

static void test_summary(void)
{
    struct rc_results r;
    build_golden(&r);
    struct rc_buf b = RC_BUF_INIT(0);
    /* -v: every check that did not pass, one line each */
    struct rc_report_summary_opts all = {.verbosity = 1};
    CU_ASSERT_EQUAL(rc_report_summary(&r, &b, &all), 0);
    RC_ASSERT_STR(
        rc_buf_str(&b),
        "registry     pass  fail  unsupported  skip  error  xfail  xpass\n"
        "harbor-demo     2     1            0     1      0      1      0\n"
        "local-open      0     0            1     1      1      0      1\n"
        "  XFAIL        harbor-demo  policy.delete        DELETE answered 405 "
        "UNSUPPORTED\n"
        "  SKIP         harbor-demo  referrers.filter     needs referrers.list &amp; an index\n"
        "  FAIL         harbor-demo  referrers.list       Content-Type is "
        "\"application/json\", want <application/vnd.oci.image.index.v1+json> & a "
        "`manifests` list\n"
        "  SKIP         local-open   policy.delete        needs policy.push, which did "
        "not pass\n"
        "  ERROR        local-open   policy.push          could not connect: "
        "127.0.0.1:5000 | connection refused\n"
        "  XPASS        local-open   policy.push.chunked  passes now: remove the profile's "
        "expectation (chunked uploads broke behind nginx)\n"
        "  UNSUPPORTED  local-open   referrers.list       no referrers API: 404 "
        "text/plain\n"
        "  harbor-demo  kwctl: works\n"
        "  local-open   kwctl: not verified: could not connect: 127.0.0.1:5000 | connection "
        "refused\n"
        "total: 9 checks on 2 registries: 2 pass, 1 fail, 1 unsupported, 2 skip, "
        "1 error, 1 xfail, 1 xpass\n");
    rc_buf_reset(&b);
    struct rc_report_summary_opts color = {.color = true, .verbosity = 1};
    CU_ASSERT_EQUAL(rc_report_summary(&r, &b, &color), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&b), "\033[1;31mFAIL\033[0m"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&b), "\033[32m2 pass\033[0m"));
    rc_buf_dispose(&b);
    rc_results_dispose(&r);

    /* one failing check: the shape of the CLI's one-liner, and no terminal escapes leak */
    struct rc_results one = {0};
    size_t cap = 0;
    struct rc_registry_result *rr =
        add_registry(&one, &cap, "local-open", "Local", "http://127.0.0.1:5000", "distribution");
    add_check(rr, "policy.delete", "policy", "Policy delete", RC_ST_FAIL,
              "DELETE answered 500\x1b]0;owned\x07", 1);
    struct rc_buf s = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_summary(&one, &s, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&s),
                                  "\n  FAIL  local-open  policy.delete  DELETE "
                                  "answered 500\xef\xbf\xbd]0;owned\xef\xbf\xbd\n"));
    CU_ASSERT_PTR_NULL(strchr(rc_buf_str(&s), '\x1b'));
    rc_buf_dispose(&s);
    struct rc_buf tiny = RC_BUF_INIT(10);
    CU_ASSERT_EQUAL(rc_report_summary(&one, &tiny, NULL), RC_ELIMIT);
    rc_buf_dispose(&tiny);
    rc_results_dispose(&one);
}

static void rm_tree_files(const char *dir)
{
    const char *names[] = {"results.json", "junit.xml", "matrix.md"};
    for (size_t i = 0; i < RC_ARRAY_LEN(names); i++) {
        char *p = rc_fmt("%s/%s", dir, names[i]);
        unlink(p);
        free(p);
    }
}

static void test_write_all(void)
{
    const char *tmp = getenv("TMPDIR");
    char *base = rc_fmt("%s/rc-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
    char *dir = rc_fmt("%s/a/b/reports", base);
    struct rc_results r;
    build_golden(&r);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_report_write_all(&r, dir, &err), 0);
    if (err)
        fprintf(stderr, "write_all: %s\n", rc_error_msg(err));
    rc_error_free(err);
    err = NULL;
    /* a second run over an existing directory replaces the files */
    CU_ASSERT_EQUAL(rc_report_write_all(&r, dir, &err), 0);
    rc_error_free(err);
    struct rc_buf json = RC_BUF_INIT(0), file = RC_BUF_INIT(0);
    rc_results_to_json(&r, &json, NULL);
    char *p = rc_fmt("%s/results.json", dir);
    CU_ASSERT_EQUAL(rc_buf_read_file(&file, p, NULL), 0);
    CU_ASSERT_STRING_EQUAL(rc_buf_str(&file), rc_buf_str(&json));
    free(p);
    struct stat st;
    p = rc_fmt("%s/junit.xml", dir);
    CU_ASSERT(stat(p, &st) == 0 && st.st_size > 0);
    free(p);
    p = rc_fmt("%s/matrix.md", dir);
    CU_ASSERT(stat(p, &st) == 0 && st.st_size > 0);
    free(p);

    /* the JUnit file on its own is the same document as the buffer form */
    p = rc_fmt("%s/other.xml", dir);
    CU_ASSERT_EQUAL(rc_report_junit(&r, p, NULL), 0);
    struct rc_buf xml = RC_BUF_INIT(0);
    rc_buf_reset(&file);
    CU_ASSERT_EQUAL(rc_report_junit_buf(&r, &xml, NULL), 0);
    CU_ASSERT_EQUAL(rc_buf_read_file(&file, p, NULL), 0);
    CU_ASSERT_STRING_EQUAL(rc_buf_str(&file), rc_buf_str(&xml));
    rc_buf_dispose(&xml);
    unlink(p);
    free(p);

    /* a file where the directory should be is an error */
    char *blocked = rc_fmt("%s/results.json/x", dir);
    err = NULL;
    CU_ASSERT(rc_report_write_all(&r, blocked, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_free(err);
    free(blocked);
    err = NULL;
    CU_ASSERT(rc_report_mkdirs("", &err) < 0);
    rc_error_free(err);

    rm_tree_files(dir);
    rmdir(dir);
    char *ab = rc_fmt("%s/a/b", base);
    rmdir(ab);
    free(ab);
    ab = rc_fmt("%s/a", base);
    rmdir(ab);
    free(ab);
    CU_ASSERT_EQUAL(rmdir(base), 0);
    rc_buf_dispose(&json);
    rc_buf_dispose(&file);
    rc_results_dispose(&r);
    free(dir);
    free(base);
}

static CU_TestInfo report_tests[] = {
    {"golden files", test_golden},
    {"junit golden is well-formed (xmllint)", test_junit_xmllint},
    {"junit content", test_junit_content},
    {"matrix cells", test_cells},
    {"kwctl verdict", test_kwctl_verdict},
    {"matrix content", test_matrix_content},
    {"summary", test_summary},
    {"write all", test_write_all},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"report", NULL, NULL, NULL, NULL, report_tests},
    CU_SUITE_INFO_NULL,
};
