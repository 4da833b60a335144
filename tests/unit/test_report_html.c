#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "digest/digest.h"
#include "golden.h"
#include "report/report.h"
#include "results/results.h"

/* ---- helpers --------------------------------------------------------------------------- */

static char *render(const struct rc_results *runs, size_t n)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_report_html(runs, n, &b, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    rc_error_free(err);
    return rc_buf_steal(&b, NULL);
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static struct rc_check_result *check(struct rc_results *r, const char *reg, const char *id)
{
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; rc_str_eq(r->registries[i].id, reg) && k < r->registries[i].nchecks; k++)
            if (rc_str_eq(r->registries[i].checks[k].id, id))
                return &r->registries[i].checks[k];
    CU_FAIL_FATAL("no such check");
    return NULL;
}

static void set_status(struct rc_results *r, const char *reg, const char *id, enum rc_status st,
                       const char *reason)
{
    struct rc_check_result *c = check(r, reg, id);
    c->status = st;
    free(c->reason);
    c->reason = rc_xstrdup(reason);
}

/* Every tag the reporter writes, and every attribute; anything else in a page came from the
 * data. */
static const char *const known_tags[] = {
    "!DOCTYPE",   "html",    "head", "meta",     "title",  "style", "body",    "header",  "h1",
    "h2",         "h3",      "h4",   "h5",       "p",      "code",  "span",    "nav",     "a",
    "main",       "section", "form", "fieldset", "legend", "label", "input",   "div",     "table",
    "thead",      "tbody",   "tr",   "th",       "td",     "br",    "details", "summary", "article",
    "b",          "ul",      "ol",   "li",       "pre",    "dl",    "dt",      "dd",      "figure",
    "figcaption", "svg",     "line", "text",     "g",      "rect",  "footer",  "script",
};
static const char *const known_attrs[] = {
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "class",
    "href",
    "rel",
    "id",
    "hidden",
    "type",
    "value",
    "checked",
    "scope",
    "title",
    "data-suites",
    "data-statuses",
    "xmlns",
    "role",
    "width",
    "height",
    "viewBox",
    "data-runs",
    "x1",
    "y1",
    "x2",
    "y2",
    "stroke",
    "x",
    "y",
    "text-anchor",
    "data-run",
};

static bool known(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncmp(list[i], s, len) == 0)
            return true;
    return false;
}

/* Walks the page's markup: every tag and attribute must be known, attribute values quoted,
 * and the contents of <style> and <script> (the page's own, which hold '<' and '>') are
 * skipped. Returns the number of problems, printing each. */
static unsigned markup_problems(const char *page, unsigned *scripts)
{
    unsigned bad = 0;
    *scripts = 0;
    const char *p = page;
    while ((p = strchr(p, '<'))) {
        p++;
        bool closing = *p == '/';
        p += closing;
        size_t n = strcspn(p, " \t\n/>");
        if (!known(known_tags, RC_ARRAY_LEN(known_tags), p, n)) {
            fprintf(stderr, "unknown tag <%.*s>\n", (int)(n < 40 ? n : 40), p);
            bad++;
        }
        bool raw = !closing && ((n == 5 && strncmp(p, "style", 5) == 0) ||
                                (n == 6 && strncmp(p, "script", 6) == 0));
        *scripts += !closing && n == 6 && strncmp(p, "script", 6) == 0;
        char *end_tag = raw ? rc_fmt("</%.*s>", (int)n, p) : NULL;
        if (n == 8 && strncmp(p, "!DOCTYPE", 8) == 0) {
            p += strcspn(p, ">");
            continue;
        }
        p += n;
        /* attributes: name, or name="value" (a value never holds '"') */
        for (;;) {
            p += strspn(p, " \t\n");
            if (*p == '>' || *p == '\0' || (*p == '/' && p[1] == '>'))
                break;
            size_t an = strcspn(p, "= \t\n>");
            if (!known(known_attrs, RC_ARRAY_LEN(known_attrs), p, an)) {
                fprintf(stderr, "unknown attribute %.*s\n", (int)(an < 40 ? an : 40), p);
                bad++;
            }
            p += an;
            if (*p == '=') {
                if (p[1] != '"') {
                    fprintf(stderr, "unquoted attribute value\n");
                    bad++;
                    break;
                }
                const char *q = strchr(p + 2, '"');
                if (!q)
                    break;
                p = q + 1;
            }
        }
        if (end_tag) {
            const char *e = strstr(p, end_tag);
            p = e ? e + strlen(end_tag) : p;
            free(end_tag);
        }
    }
    return bad;
}

/* ---- golden files ---------------------------------------------------------------------- */

/* The reporters' fixed results tree (two registries, every status, hostile evidence), as
 * one run. */
static void test_golden(void)
{
    struct rc_results r;
    rc_golden_results(&r, "report.results.json");
    char *page = render(&r, 1);
    rc_golden_bytes("report.html", page, strlen(page));
    CU_ASSERT_PTR_NULL(strstr(page, "id=\"history\""));
    free(page);
    rc_results_dispose(&r);
}

/* Three nights of the policy lab: a regression, a fix, an error, a registry that left. */
static void three_nights(struct rc_results runs[3])
{
    static const char *const ids[] = {"20261126-0200-aaaa", "20261127-0200-bbbb",
                                      "20261128-0200-cccc"};
    static const char *const ends[] = {"2026-11-26T02:00:41Z", "2026-11-27T02:00:41Z",
                                       "2026-11-28T02:00:41Z"};
    for (size_t i = 0; i < 3; i++) {
        rc_golden_results(&runs[i], "merge.unsharded.results.json");
        free(runs[i].run_id);
        runs[i].run_id = rc_xstrdup(ids[i]);
        free(runs[i].finished);
        runs[i].finished = rc_xstrdup(ends[i]);
    }
    set_status(&runs[0], "local-open", "policy.retag", RC_ST_FAIL, "tag PUT answered 500");
    set_status(&runs[1], "local-open", "policy.push", RC_ST_ERROR, "connection refused");
    set_status(&runs[2], "local-open", "policy.tags", RC_ST_FAIL, "tags list lacks v2");
    /* local-chunked was not part of the last night */
    rc_registry_result_dispose(&runs[2].registries[0]);
    memmove(&runs[2].registries[0], &runs[2].registries[1], 2 * sizeof(runs[2].registries[0]));
    runs[2].nregistries = 2;
}

static void test_golden_history(void)
{
    struct rc_results runs[3];
    three_nights(runs);
    char *page = render(runs, 3);
    rc_golden_bytes("report.history.html", page, strlen(page));

    /* one chart per registry seen in any run, each with the three runs */
    CU_ASSERT_EQUAL(count(page, "<svg class=\"chart\""), 3);
    CU_ASSERT_EQUAL(count(page, "data-runs=\"3\""), 3);
    CU_ASSERT_EQUAL(count(page, "<g class=\"run\""), 9);
    /* the newest run's registries get anchors; the one that left is still charted */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<figure class=\"hist\" id=\"h1\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "(not in the newest run)"));
    CU_ASSERT_EQUAL(count(page, "<title>run 3, 20261128-0200-cccc (2026-11-28T02:00:41Z): "
                                "not in this run</title>"),
                    1);
    /* the changes between the last two runs are report diff's */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<tr><td>regression</td><td><code>policy.tags</code>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<tr><td>fix</td><td><code>policy.push</code>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<tr><td>removed registry</td>"));
    /* the matrix is the newest run's */
    CU_ASSERT_EQUAL(count(page, "<td class=\"cell "), 2 * 5);
    free(page);
    for (size_t i = 0; i < 3; i++)
        rc_results_dispose(&runs[i]);
}

/* ---- rules ----------------------------------------------------------------------------- */

/* The payloads a hostile registry (or a hostile profile) puts wherever the results carry its
 * words. */
#define EVIL_TAG  "<script>alert(1)</script><img src=x onerror=alert(2)>"
#define EVIL_ATTR "x\" onmouseover=\"alert(3)\" data-x='"
#define EVIL      EVIL_TAG EVIL_ATTR "&amp;</pre></details>\x01\x1b[31m\x7f\xc2\x85\xff"

static void hostile(struct rc_results *r)
{
    memset(r, 0, sizeof(*r));
    r->tool_name = rc_xstrdup("regcompat");
    r->tool_version = rc_xstrdup(EVIL);
    r->run_id = rc_xstrdup(EVIL);
    r->started = rc_xstrdup(EVIL);
    r->finished = rc_xstrdup(EVIL);
    rc_strv_push(&r->suites, EVIL);
    rc_strv_push(&r->features, EVIL);
    rc_strv_push(&r->merged_from, EVIL);
    r->registries = rc_xcalloc(1, sizeof(*r->registries));
    r->nregistries = 1;
    struct rc_registry_result *rr = &r->registries[0];
    rr->id = rc_xstrdup(EVIL);
    rr->name = rc_xstrdup(EVIL);
    rr->url = rc_xstrdup(EVIL);
    rr->kind = rc_xstrdup(EVIL);
    rr->versions = rc_xcalloc(1, sizeof(*rr->versions));
    rr->versions[0] = (struct rc_kv){rc_xstrdup(EVIL), rc_xstrdup(EVIL)};
    rr->nversions = 1;
    rr->leftovers = rc_xcalloc(1, sizeof(*rr->leftovers));
    rr->leftovers[0] = (struct rc_leftover){rc_xstrdup(EVIL), rc_xstrdup(EVIL), rc_xstrdup(EVIL),
                                            rc_xstrdup(EVIL)};
    rr->nleftovers = 1;
    rr->checks = rc_xcalloc(2, sizeof(*rr->checks));
    rr->nchecks = 2;
    for (size_t k = 0; k < 2; k++) {
        struct rc_check_result *c = &rr->checks[k];
        c->id = rc_fmt("%s%zu", EVIL, k);
        c->suite = rc_xstrdup(EVIL);
        c->feature = rc_xstrdup(EVIL);
        c->title = rc_xstrdup(EVIL);
        c->status = k ? RC_ST_XFAIL : RC_ST_FAIL;
        c->reason = rc_xstrdup(EVIL);
        c->note = rc_xstrdup(EVIL);
        c->expect_reason = rc_xstrdup(EVIL);
        c->expect_link = rc_xstrdup(k ? "javascript:alert(4)" : "https://x\" onclick=\"alert(5)");
        c->expect_until = rc_xstrdup(EVIL);
        c->evidence = rc_xcalloc(1, sizeof(*c->evidence));
        c->nevidence = 1;
        struct rc_evidence *e = &c->evidence[0];
        e->request = rc_xstrdup(EVIL " " EVIL);
        e->host = rc_xstrdup(EVIL);
        e->status = 500;
        e->error = rc_xstrdup(EVIL);
        e->headers = rc_xcalloc(1, sizeof(*e->headers));
        e->headers[0] = (struct rc_kv){rc_xstrdup(EVIL), rc_xstrdup(EVIL)};
        e->nheaders = 1;
        e->body = rc_xstrdup(EVIL);
        c->deviations = rc_xcalloc(1, sizeof(*c->deviations));
        c->deviations[0].text = rc_xstrdup(EVIL);
        c->deviations[0].evidence.request = rc_xstrdup(EVIL);
        c->deviations[0].evidence.body = rc_xstrdup(EVIL);
        c->ndeviations = 1;
    }
}

/* Whatever a registry sends, the page holds only the markup the reporter writes: the words
 * show as text, no element, attribute or link comes from them, and no control character
 * reaches the page. */
static void test_escaping(void)
{
    struct rc_results r[2];
    hostile(&r[0]);
    hostile(&r[1]);
    char *page = render(r, 2); /* with the history, so that every part is rendered */
    unsigned scripts = 0;
    CU_ASSERT_EQUAL(markup_problems(page, &scripts), 0);
    CU_ASSERT_EQUAL(scripts, 1); /* the page's own */
    CU_ASSERT_PTR_NULL(strstr(page, "<img"));
    CU_ASSERT_PTR_NULL(strstr(page, "onmouseover=\""));
    CU_ASSERT_PTR_NULL(strstr(page, "href=\"javascript:"));
    CU_ASSERT_PTR_NULL(strstr(page, "onclick=\""));
    /* a link that is not a plain http(s) URL is shown, not followed */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<code>javascript:alert(4)</code>"));
    /* the words are there, as text */
    CU_ASSERT(count(page, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)"
                          "&gt;x&quot; onmouseover=&quot;alert(3)&quot; data-x=&#39;&amp;amp;"
                          "&lt;/pre&gt;&lt;/details&gt;") > 20);
    /* C0 controls but tab/LF/CR, DEL, C1 controls and malformed UTF-8 are replaced */
    bool clean = true;
    for (const unsigned char *p = (const unsigned char *)page; *p; p++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F ||
            (*p == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) || *p == 0xFF)
            clean = false;
    CU_ASSERT(clean);
    CU_ASSERT(count(page, "\xEF\xBF\xBD[31m\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") > 20);
    free(page);

    /* the golden tree's hostile evidence too */
    struct rc_results g;
    rc_golden_results(&g, "report.results.json");
    page = render(&g, 1);
    CU_ASSERT_EQUAL(markup_problems(page, &scripts), 0);
    CU_ASSERT_EQUAL(scripts, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    free(page);
    rc_results_dispose(&g);
    rc_results_dispose(&r[0]);
    rc_results_dispose(&r[1]);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The CSP source for the sha256 of s, computed here independently of the reporter. */
static char *csp_source(const char *s, size_t len)
{
    char hex[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, s, len, hex);
    unsigned char raw[33] = {0};
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;
        CU_ASSERT_EQUAL(sscanf(hex + 7 + 2 * i, "%2x", &v), 1);
        raw[i] = (unsigned char)v;
    }
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_adds(&b, "'sha256-");
    for (size_t i = 0; i < 33; i += 3) {
        unsigned long v =
            ((unsigned long)raw[i] << 16) | ((unsigned long)raw[i + 1] << 8) | raw[i + 2];
        for (int k = 3; k >= 0; k--)
            rc_buf_addc(&b, (i == 30 && k == 0) ? '=' : b64[(v >> (6 * k)) & 63]);
    }
    rc_buf_adds(&b, "'");
    return rc_buf_steal(&b, NULL);
}

/* Content between open and close (the first of each). */
static const char *between(const char *s, const char *open, const char *close, size_t *len)
{
    const char *a = strstr(s, open);
    const char *b = a ? strstr(a + strlen(open), close) : NULL;
    if (!b) {
        *len = 0;
        return "";
    }
    *len = (size_t)(b - a - strlen(open));
    return a + strlen(open);
}

/* Nothing is fetched: the policy allows no source at all, only the page's own style and
 * script by hash; no element refers to anything outside the page. */
static void test_self_contained(void)
{
    struct rc_results r;
    rc_golden_results(&r, "report.results.json");
    char *page = render(&r, 1);
    size_t slen, jlen;
    const char *style = between(page, "<style>", "</style>", &slen);
    const char *script = between(page, "<script>", "</script>", &jlen);
    CU_ASSERT(slen > 100 && jlen > 100);
    char *want_style = csp_source(style, slen), *want_script = csp_source(script, jlen);
    char *csp = rc_fmt("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                       "'none'; style-src %s; script-src %s; base-uri 'none'; form-action "
                       "'none'\">",
                       want_style, want_script);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, csp));
    /* the policy comes before anything it governs */
    CU_ASSERT(strstr(page, csp) < strstr(page, "<style>"));
    CU_ASSERT_PTR_NULL(strstr(page, " src="));
    CU_ASSERT_PTR_NULL(strstr(page, "<link"));
    CU_ASSERT_PTR_NULL(strstr(page, "url("));
    CU_ASSERT_PTR_NULL(strstr(page, "@import"));
    /* every link is an anchor in the page, or a profile's http(s) link */
    size_t links = 0;
    for (const char *p = strstr(page, "href=\""); p; p = strstr(p + 1, "href=\"")) {
        const char *v = p + 6;
        links++;
        if (*v == '#') {
            size_t n = strcspn(v + 1, "\"");
            char *id = rc_fmt("id=\"%.*s\"", (int)n, v + 1);
            bool found = strstr(page, id) != NULL;
            if (!found)
                fprintf(stderr, "no element %s\n", id);
            CU_ASSERT(found);
            free(id);
        } else {
            CU_ASSERT(rc_str_starts(v, "https://"));
        }
    }
    CU_ASSERT(links > 10);
    free(csp);
    free(want_style);
    free(want_script);
    free(page);
    rc_results_dispose(&r);
}

/* Matrix: policy columns first, then signatures, then the rest; colour, symbol and text in
 * every cell; a cell that is not a plain pass links to its checks, a plain pass does not. */
static void test_matrix(void)
{
    struct rc_results r;
    rc_golden_results(&r, "merge.unsharded.results.json");
    rc_strv_dispose(&r.features);
    const char *features[] = {"Tag listing", "Policy push", "Cosign signature", "Policy pull"};
    const char *suites[] = {"tags", "policy", "signing", "policy"};
    for (size_t f = 0; f < 4; f++)
        rc_strv_push(&r.features, features[f]);
    struct rc_registry_result *rr = &r.registries[2]; /* local-open */
    const char *ids[] = {"tags.list", "policy.push", "signing.cosign", "policy.pull.by-tag"};
    for (size_t k = 0; k < rr->nchecks; k++)
        rc_check_result_dispose(&rr->checks[k]);
    rr->nchecks = 0;
    for (size_t f = 0; f < 4; f++) {
        struct rc_check_result *c = &rr->checks[rr->nchecks++];
        c->id = rc_xstrdup(ids[f]);
        c->suite = rc_xstrdup(suites[f]);
        c->feature = rc_xstrdup(features[f]);
        c->status = f == 2 ? RC_ST_FAIL : RC_ST_PASS;
        c->reason = f == 2 ? rc_xstrdup("no signature found") : NULL;
    }
    char *page = render(&r, 1);
    const char *h[] = {">Policy push</th>", ">Policy pull</th>", ">Cosign signature</th>",
                       ">Tag listing</th>"};
    for (size_t i = 0; i + 1 < 4; i++) {
        const char *a = strstr(page, h[i]), *b = strstr(page, h[i + 1]);
        CU_ASSERT(a && b && a < b);
    }
    /* registry 2, feature 2 (in the run's feature order) failed: linked to its details */
    CU_ASSERT_PTR_NOT_NULL(strstr(page,
                                  "<a href=\"#r2-f2\"><span class=\"sym\">\xE2\x9C\x97</span> "
                                  "fail</a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<details class=\"cell\" id=\"r2-f2\" "
                                        "data-suites=\"signing\" data-statuses=\"fail\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<p><b>Reason:</b> no signature found</p>"));
    /* its plain passes need no explanation: no link, no details */
    CU_ASSERT_PTR_NULL(strstr(page, "href=\"#r2-f1\""));
    CU_ASSERT_PTR_NULL(strstr(page, "id=\"r2-f1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<span class=\"sym\">\xE2\x9C\x93</span> pass</td>"));
    /* the Kubewarden verdict per registry */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<a href=\"#r2\"><span class=\"sym\">\xE2\x9C\x93</span> "
                                        "kwctl: works</a>"));
    free(page);
    rc_results_dispose(&r);
}

/* Evidence request by request, with its duration when the run measured it. */
static void test_evidence(void)
{
    struct rc_results r;
    rc_golden_results(&r, "report.results.json");
    struct rc_check_result *c = check(&r, "harbor-demo", "referrers.list");
    c->evidence[0].duration_ms = 37;
    c->evidence[0].timed = true;
    c->expect_reason = rc_xstrdup("Harbor before 2.11 answers application/json");
    c->expect_link = rc_xstrdup("https://example.org/harbor/issues/19690");
    c->expect_until = rc_xstrdup("2027-06-30");
    char *page = render(&r, 1);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(page, "<div class=\"req\"><span class=\"method\">GET</span> <code class=\"url\">"
                     "/v2/regcompat-ci/20261128-0325-7f3a/referrers.list/referrers/sha256:"
                     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a?"
                     "artifactType=a|b</code> \xE2\x86\x92 <span class=\"code s2\">200</span> "
                     "<span class=\"muted ms\">37 ms</span></div>"));
    /* the second exchange was not timed: no duration shown */
    CU_ASSERT_EQUAL(count(page, " ms</span></div>"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<div class=\"muted\">to another host: <code>"
                                        "storage.example:443</code></div>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<span class=\"code s0\">connection refused</span>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<div class=\"muted\">body truncated</div>"));
    /* the known issue with its link and date, in the check and in the table */
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<td>2027-06-30</td>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "\xC2\xB7 until 2027-06-30</p>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "<a href=\"https://example.org/harbor/issues/19690\" "
                                        "rel=\"noopener noreferrer\">"));
    free(page);
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT(rc_report_html(&r, 0, &b, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_free(err);
    rc_buf_dispose(&b);
    rc_results_dispose(&r);
}

static CU_TestInfo html_tests[] = {
    {"golden file, one run", test_golden},
    {"golden file, three runs with history", test_golden_history},
    {"registry text never becomes markup", test_escaping},
    {"self-contained: no fetch, script and style by hash", test_self_contained},
    {"matrix order, cells and links", test_matrix},
    {"evidence request by request", test_evidence},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"report html", NULL, NULL, NULL, NULL, html_tests},
    CU_SUITE_INFO_NULL,
};
