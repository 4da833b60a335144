#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "golden.h"
#include "report/report.h"
#include "results/results.h"

/* Every test starts from the golden lab run (three registries, every policy check) and
 * edits copies of it. */
#define RUN               "merge.unsharded.results.json"
#define load(r)           rc_golden_results((r), RUN)
#define golden(name, buf) rc_golden_bytes((name), (buf)->data, (buf)->len)

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

/* Lines of text that start with prefix. */
static unsigned lines_starting(const char *text, const char *prefix)
{
    unsigned n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += rc_str_starts(p, prefix);
    return n;
}

static void test_one_regression(void)
{
    struct rc_results old, new;
    load(&old);
    load(&new);
    free(new.run_id);
    new.run_id = rc_xstrdup("20261129-0200-cccc");
    set_status(&new, "local-open", "policy.retag", RC_ST_FAIL, "tag PUT answered 500");
    struct rc_buf text = RC_BUF_INIT(0), md = RC_BUF_INIT(0);
    int regressions = -1;
    CU_ASSERT_EQUAL(rc_report_diff(&md, &text, &old, &new, &regressions), 0);
    CU_ASSERT_EQUAL(regressions, 1);
    const char *t = rc_buf_str(&text);
    CU_ASSERT_EQUAL(lines_starting(t, "regression"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nregression        local-open  policy.retag  pass -> fail: "
                                     "tag PUT answered 500\n"));
    /* nothing else changed */
    CU_ASSERT_EQUAL(lines_starting(t, "fix"), 0);
    CU_ASSERT_EQUAL(lines_starting(t, "changed"), 0);
    CU_ASSERT(rc_str_starts(t, "regcompat report diff: 20261128-0200-aaaa (finished "
                               "2026-11-28T02:00:41Z) -> 20261129-0200-cccc"));
    CU_ASSERT(rc_str_ends(t, "\nsummary: 1 regression, 0 fixes\n"));
    const char *m = rc_buf_str(&md);
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "## Regressions\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "| `local-open` | `policy.retag` | Policy tag | pass | fail | "
                                     "tag PUT answered 500 |\n"));
    CU_ASSERT_PTR_NULL(strstr(m, "## Fixes"));

    /* the same run twice: nothing at all */
    rc_buf_reset(&text);
    CU_ASSERT_EQUAL(rc_report_diff(NULL, &text, &old, &old, &regressions), 0);
    CU_ASSERT_EQUAL(regressions, 0);
    CU_ASSERT(rc_str_ends(rc_buf_str(&text), "\nsummary: 0 regressions, 0 fixes\n"));
    CU_ASSERT_EQUAL(lines_starting(rc_buf_str(&text), "summary"), 1);

    /* the other way round it is a fix */
    rc_buf_reset(&text);
    CU_ASSERT_EQUAL(rc_report_diff(NULL, &text, &new, &old, &regressions), 0);
    CU_ASSERT_EQUAL(regressions, 0);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(rc_buf_str(&text), "\nfix               local-open  policy.retag  fail -> pass\n"));

    /* a full buffer is reported */
    struct rc_buf tiny = RC_BUF_INIT(16);
    CU_ASSERT_EQUAL(rc_report_diff(&tiny, NULL, &old, &new, &regressions), RC_ELIMIT);
    CU_ASSERT_EQUAL(regressions, 1);
    rc_buf_dispose(&tiny);

    rc_buf_dispose(&text);
    rc_buf_dispose(&md);
    rc_results_dispose(&old);
    rc_results_dispose(&new);
}

/* Which status changes count as regressions (report.h gives the order). */
static void test_ordering(void)
{
    static const struct {
        enum rc_status from, to;
        const char *kind;
    } cases[] = {
        {RC_ST_PASS, RC_ST_FAIL, "regression"},
        {RC_ST_PASS, RC_ST_ERROR, "regression"},
        {RC_ST_XPASS, RC_ST_FAIL, "regression"},
        {RC_ST_XFAIL, RC_ST_FAIL, "regression"},
        {RC_ST_UNSUPPORTED, RC_ST_ERROR, "regression"},
        {RC_ST_SKIP, RC_ST_FAIL, "regression"},
        {RC_ST_ERROR, RC_ST_FAIL, "regression"},
        {RC_ST_FAIL, RC_ST_ERROR, "changed"},
        {RC_ST_PASS, RC_ST_UNSUPPORTED, "changed"},
        {RC_ST_PASS, RC_ST_XFAIL, "changed"},
        {RC_ST_PASS, RC_ST_SKIP, "changed"},
        {RC_ST_FAIL, RC_ST_XFAIL, "changed"},
        {RC_ST_FAIL, RC_ST_PASS, "fix"},
        {RC_ST_ERROR, RC_ST_XPASS, "fix"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        struct rc_results old, new;
        load(&old);
        load(&new);
        set_status(&old, "local-chunked", "policy.tags", cases[i].from, NULL);
        set_status(&new, "local-chunked", "policy.tags", cases[i].to, NULL);
        struct rc_buf text = RC_BUF_INIT(0);
        int regressions = -1;
        CU_ASSERT_EQUAL(rc_report_diff(NULL, &text, &old, &new, &regressions), 0);
        char *want = rc_fmt("\n%-16s  local-chunked  policy.tags  %s -> %s", cases[i].kind,
                            rc_status_name(cases[i].from), rc_status_name(cases[i].to));
        bool ok = strstr(rc_buf_str(&text), want) != NULL &&
                  regressions == rc_str_eq(cases[i].kind, "regression");
        if (!ok)
            fprintf(stderr, "case %zu: want '%s' in:\n%s", i, want + 1, rc_buf_str(&text));
        CU_ASSERT(ok);
        free(want);
        rc_buf_dispose(&text);
        rc_results_dispose(&old);
        rc_results_dispose(&new);
    }
}

static void test_features_checks_registries(void)
{
    struct rc_results old, new;
    load(&old);
    load(&new);
    /* local-nodelete gains deletes: a newly supported feature (and a better check) */
    set_status(&new, "local-nodelete", "policy.delete", RC_ST_PASS, NULL);
    /* local-open: policy.tags renamed (one removed, one new check) */
    struct rc_check_result *c = check(&new, "local-open", "policy.tags");
    free(c->id);
    c->id = rc_xstrdup("policy.tags.paginated");
    /* local-chunked gone from the new run */
    rc_registry_result_dispose(&new.registries[0]);
    memmove(&new.registries[0], &new.registries[1], 2 * sizeof(new.registries[0]));
    new.nregistries = 2;
    struct rc_buf text = RC_BUF_INIT(0), md = RC_BUF_INIT(0);
    int regressions = -1;
    CU_ASSERT_EQUAL(rc_report_diff(&md, &text, &old, &new, &regressions), 0);
    CU_ASSERT_EQUAL(regressions, 0);
    const char *t = rc_buf_str(&text);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nsupported         local-nodelete  Policy delete          "
                                     "unsupported -> pass\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nchanged           local-nodelete  policy.delete          "
                                     "unsupported -> pass (better)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nremoved registry  local-chunked   "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nnew check         local-open      policy.tags.paginated  "
                                     "pass\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nremoved check     local-open      policy.tags  "));
    CU_ASSERT(rc_str_ends(t, "\nsummary: 0 regressions, 0 fixes, 1 newly supported feature, 1 "
                             "other change, 1 removed registry, 1 new check, 1 removed check\n"));
    const char *m = rc_buf_str(&md);
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "## Newly supported features\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "## Removed registries\n"));
    CU_ASSERT_PTR_NULL(strstr(m, "## Regressions"));
    /* sections come in a fixed order */
    const char *a = strstr(m, "## Newly supported"), *b = strstr(m, "## Other changes"),
               *d = strstr(m, "## Removed registries"), *e = strstr(m, "## New checks");
    CU_ASSERT(a && b && d && e && a < b && b < d && d < e);

    /* and the new registry the other way round */
    rc_buf_reset(&text);
    CU_ASSERT_EQUAL(rc_report_diff(NULL, &text, &new, &old, &regressions), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&text), "\nnew registry      local-chunked   "));
    rc_buf_dispose(&text);
    rc_buf_dispose(&md);
    rc_results_dispose(&old);
    rc_results_dispose(&new);
}

/* Four runs: a flaky check, a lasting change, a flip across a gap, a flaky regression. */
static void flaky_runs(struct rc_results runs[4])
{
    const char *ids[] = {"run-1", "run-2", "run-3", "run-4"};
    for (size_t i = 0; i < 4; i++) {
        load(&runs[i]);
        free(runs[i].run_id);
        runs[i].run_id = rc_xstrdup(ids[i]);
    }
    /* policy.tags on local-open: pass fail pass pass -> two flips, flaky */
    set_status(&runs[1], "local-open", "policy.tags", RC_ST_FAIL, "tags list lacks v2");
    /* policy.retag on local-open: pass fail fail fail -> one flip, a lasting change */
    for (size_t i = 1; i < 4; i++)
        set_status(&runs[i], "local-open", "policy.retag", RC_ST_FAIL, "tag PUT answered 500");
    /* policy.push on local-chunked: pass error (absent) error... flips twice across a gap:
     * pass, error, -, pass */
    set_status(&runs[1], "local-chunked", "policy.push", RC_ST_ERROR, "connection refused");
    struct rc_registry_result *rr = &runs[2].registries[0];
    rc_check_result_dispose(&rr->checks[5]);
    memmove(&rr->checks[5], &rr->checks[6], 2 * sizeof(rr->checks[0]));
    rr->nchecks--;
    /* run 4 regresses a check that is flaky: policy.tags on local-nodelete (xfail) goes
     * xfail fail xfail fail */
    set_status(&runs[1], "local-nodelete", "policy.tags", RC_ST_FAIL, "tags list lacks v2");
    set_status(&runs[3], "local-nodelete", "policy.tags", RC_ST_FAIL, "tags list lacks v2");
}

static void test_flaky(void)
{
    struct rc_results runs[4];
    flaky_runs(runs);
    struct rc_buf text = RC_BUF_INIT(0), md = RC_BUF_INIT(0);
    int regressions = -1;
    CU_ASSERT_EQUAL(rc_report_diff_series(&md, &text, runs, 4, &regressions), 0);
    CU_ASSERT_EQUAL(regressions, 1);
    const char *t = rc_buf_str(&text);
    CU_ASSERT_EQUAL(lines_starting(t, "flaky"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nflaky             local-open      policy.tags  "
                                     "pass fail pass pass (2 flips)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nflaky             local-chunked   policy.push  "
                                     "pass error - pass (2 flips)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nflaky             local-nodelete  policy.tags  "
                                     "xfail fail xfail fail (3 flips)\n"));
    CU_ASSERT_PTR_NULL(strstr(t, "policy.retag"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nregression        local-nodelete  policy.tags  xfail -> "
                                     "fail [flaky]: tags list lacks v2\n"));
    CU_ASSERT(rc_str_starts(t,
                            "regcompat report diff: run-3 (finished 2026-11-28T02:00:41Z) -> "
                            "run-4 (finished 2026-11-28T02:00:41Z); flaky checks over 4 runs\n"));
    golden("report.diff.txt", &text);
    golden("report.diff.md", &md);

    /* two runs never make a flaky check; fewer than two is refused */
    rc_buf_reset(&text);
    CU_ASSERT_EQUAL(rc_report_diff_series(NULL, &text, runs, 2, &regressions), 0);
    CU_ASSERT_EQUAL(lines_starting(rc_buf_str(&text), "flaky"), 0);
    CU_ASSERT(rc_report_diff_series(NULL, &text, runs, 1, &regressions) < 0);
    rc_buf_dispose(&text);
    rc_buf_dispose(&md);
    for (size_t i = 0; i < 4; i++)
        rc_results_dispose(&runs[i]);
}

/* The items other reporters get are the items both renderings print: the same number of
 * each kind, in the same order, with the statuses the text shows. */
static void test_changes(void)
{
    struct rc_results runs[4];
    flaky_runs(runs);
    struct rc_buf text = RC_BUF_INIT(0);
    int regressions = -1;
    CU_ASSERT_EQUAL(rc_report_diff_series(NULL, &text, runs, 4, &regressions), 0);
    struct rc_report_change *ch = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(rc_report_changes(&ch, &n, runs, 4), 0);
    const char *t = rc_buf_str(&text);
    size_t lines = 0;
    for (int k = 0; k < RC_CHANGE__COUNT; k++) {
        const char *label = rc_report_change_label((enum rc_report_change_kind)k);
        char *prefix = rc_fmt("%-16s  ", label);
        size_t items = 0;
        for (size_t i = 0; i < n; i++)
            items += ch[i].kind == (enum rc_report_change_kind)k;
        CU_ASSERT_EQUAL(items, lines_starting(t, prefix));
        lines += items;
        free(prefix);
    }
    CU_ASSERT_EQUAL(lines, n);
    CU_ASSERT(n >= 5);
    bool regression = false, flaky = false;
    for (size_t i = 0; i < n; i++) {
        const struct rc_report_change *c = &ch[i];
        if (c->kind == RC_CHANGE_REGRESSION) {
            regression = true;
            RC_ASSERT_STR(c->registry->id, "local-nodelete");
            RC_ASSERT_STR(c->check, "policy.tags");
            CU_ASSERT_EQUAL(c->old->status, RC_ST_XFAIL);
            CU_ASSERT_EQUAL(c->new->status, RC_ST_FAIL);
            CU_ASSERT(c->flaky);
            RC_ASSERT_STR(rc_report_change_direction(c), "worse");
        }
        if (c->kind == RC_CHANGE_FLAKY && rc_str_eq(c->registry->id, "local-open")) {
            flaky = true;
            RC_ASSERT_STR(c->statuses, "pass fail pass pass");
            CU_ASSERT_EQUAL(c->flips, 2);
        }
    }
    CU_ASSERT(regression && flaky);
    RC_ASSERT_STR(rc_report_change_label(RC_CHANGE_OTHER), "changed");
    rc_report_changes_free(ch, n);
    CU_ASSERT(rc_report_changes(&ch, &n, runs, 1) < 0);
    CU_ASSERT_PTR_NULL(ch);
    rc_buf_dispose(&text);
    for (size_t i = 0; i < 4; i++)
        rc_results_dispose(&runs[i]);
}

static CU_TestInfo diff_tests[] = {
    {"one check turned into a failure", test_one_regression},
    {"status order: regressions, fixes, changes", test_ordering},
    {"features, checks and registries", test_features_checks_registries},
    {"flaky checks over four runs (golden)", test_flaky},
    {"the items behind the renderings", test_changes},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"report diff", NULL, NULL, NULL, NULL, diff_tests},
    CU_SUITE_INFO_NULL,
};
