#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "golden.h"
#include "report/report.h"
#include "results/results.h"

/* Golden inputs: one run over three lab registries (merge.unsharded), and the same
 * registries as two shards of other runs (merge.shard-1: local-chunked and local-open,
 * started second; merge.shard-2: local-nodelete, started first and finished last). */
#define SHARD1    "merge.shard-1.results.json"
#define SHARD2    "merge.shard-2.results.json"
#define UNSHARDED "merge.unsharded.results.json"
#define MERGED    "merge.merged.results.json"

static void to_json(const struct rc_results *r, struct rc_buf *out)
{
    CU_ASSERT_EQUAL(rc_results_to_json(r, out, NULL), 0);
}

/* The matrix from its table to the end: what must not depend on how the run was split. */
static const char *matrix_body(const struct rc_buf *md)
{
    const char *t = strstr(rc_buf_str(md), "\n| Registry |");
    CU_ASSERT_PTR_NOT_NULL(t);
    return t ? t : "";
}

static void test_merge_golden(void)
{
    struct rc_results in[2], merged;
    rc_golden_results(&in[0], SHARD1);
    rc_golden_results(&in[1], SHARD2);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_report_merge(&merged, in, 2, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    struct rc_buf json = RC_BUF_INIT(0);
    to_json(&merged, &json);
    rc_golden_bytes(MERGED, (&json)->data, (&json)->len);

    /* run: the first to start gives id and start, the last to finish the end */
    RC_ASSERT_STR(merged.run_id, in[1].run_id);
    RC_ASSERT_STR(merged.started, in[1].started);
    RC_ASSERT_STR(merged.finished, in[1].finished);
    CU_ASSERT_EQUAL(merged.merged_from.n, 1);
    if (merged.merged_from.n == 1)
        RC_ASSERT_STR(merged.merged_from.v[0], in[0].run_id);
    CU_ASSERT_PTR_NOT_NULL(strstr(json.data, "\"merged_from\": [\n      \"20261128-0200-b1b1\""));
    CU_ASSERT_EQUAL(merged.nregistries, 3);
    RC_ASSERT_STR(merged.registries[0].id, "local-chunked");
    RC_ASSERT_STR(merged.registries[1].id, "local-nodelete");
    RC_ASSERT_STR(merged.registries[2].id, "local-open");

    /* the merged file reads back to the same document */
    struct rc_results back;
    CU_ASSERT_EQUAL_FATAL(rc_results_from_json(&back, json.data, json.len, NULL), 0);
    struct rc_buf json2 = RC_BUF_INIT(0);
    to_json(&back, &json2);
    RC_ASSERT_STR(json2.data, json.data);
    rc_buf_dispose(&json2);
    rc_results_dispose(&back);

    /* the order of the inputs does not matter */
    struct rc_results swapped[2] = {in[1], in[0]}, merged2;
    CU_ASSERT_EQUAL(rc_report_merge(&merged2, swapped, 2, NULL), 0);
    struct rc_buf json3 = RC_BUF_INIT(0);
    to_json(&merged2, &json3);
    RC_ASSERT_STR(json3.data, json.data);
    rc_buf_dispose(&json3);
    rc_results_dispose(&merged2);

    rc_buf_dispose(&json);
    rc_results_dispose(&merged);
    rc_results_dispose(&in[0]);
    rc_results_dispose(&in[1]);
}

static void test_matrix_as_unsharded(void)
{
    struct rc_results in[2], merged, whole;
    rc_golden_results(&in[0], SHARD1);
    rc_golden_results(&in[1], SHARD2);
    rc_golden_results(&whole, UNSHARDED);
    CU_ASSERT_EQUAL_FATAL(rc_report_merge(&merged, in, 2, NULL), 0);
    struct rc_buf a = RC_BUF_INIT(0), b = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_matrix(&merged, &a, NULL), 0);
    CU_ASSERT_EQUAL(rc_report_matrix(&whole, &b, NULL), 0);
    RC_ASSERT_STR(matrix_body(&a), matrix_body(&b));
    /* and the header still names the merged run */
    CU_ASSERT_PTR_NOT_NULL(strstr(a.data, "- Run: `20261128-0200-b2b2`"));
    /* the docs page says which runs it was measured in */
    rc_buf_reset(&a);
    CU_ASSERT_EQUAL(rc_report_docs(&merged, &a, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.data, "run `20261128-0200-b2b2` on 2026-11-28 (merged with "
                                          "run `20261128-0200-b1b1`)"));
    rc_buf_dispose(&a);
    rc_buf_dispose(&b);
    rc_results_dispose(&merged);
    rc_results_dispose(&whole);
    rc_results_dispose(&in[0]);
    rc_results_dispose(&in[1]);
}

static void test_duplicates(void)
{
    struct rc_results in[2], merged;
    rc_golden_results(&in[0], SHARD1);
    rc_golden_results(&in[1], SHARD1);

    /* the very same registry twice is kept once */
    CU_ASSERT_EQUAL(rc_report_merge(&merged, in, 2, NULL), 0);
    CU_ASSERT_EQUAL(merged.nregistries, 2);
    CU_ASSERT_EQUAL(merged.merged_from.n, 0); /* same run id: nothing else merged */
    rc_results_dispose(&merged);

    /* one differing check makes it a conflict that names both inputs */
    in[1].registries[1].checks[3].status = RC_ST_FAIL;
    const char *names[] = {"shards/a/results.json", "shards/b/results.json"};
    struct rc_error *err = NULL;
    CU_ASSERT(rc_report_merge_named(&merged, in, names, 2, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    const char *msg = rc_error_msg(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'local-open'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "shards/a/results.json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "shards/b/results.json"));
    CU_ASSERT_EQUAL(merged.nregistries, 0);
    CU_ASSERT_PTR_NULL(merged.run_id);
    rc_error_free(err);

    /* without names, inputs are numbered and carry their run id */
    err = NULL;
    CU_ASSERT(rc_report_merge(&merged, in, 2, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "input 1 (run 20261128-0200-b1b1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "input 2 (run 20261128-0200-b1b1)"));
    rc_error_free(err);

    /* a differing counter is enough: identical means identical */
    in[1].registries[1].checks[3].status = in[0].registries[1].checks[3].status;
    in[1].registries[1].checks[3].duration_ms++;
    err = NULL;
    CU_ASSERT(rc_report_merge(&merged, in, 2, &err) < 0);
    rc_error_free(err);

    rc_results_dispose(&in[0]);
    rc_results_dispose(&in[1]);
}

static void test_versions_and_empty(void)
{
    struct rc_results in[2], merged;
    rc_golden_results(&in[0], SHARD1);
    rc_golden_results(&in[1], SHARD2);
    free(in[1].tool_version);
    in[1].tool_version = rc_xstrdup("0.2.0");
    struct rc_error *err = NULL;
    CU_ASSERT(rc_report_merge_named(&merged, in, (const char *const[]){"one.json", "two.json"}, 2,
                                    &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(err);
    if (err) {
        CU_ASSERT_PTR_NOT_NULL(strstr(err->msg, "one.json"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err->msg, "0.2.0"));
    }
    rc_error_free(err);
    err = NULL;
    CU_ASSERT(rc_report_merge(&merged, in, 0, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(err);
    rc_error_free(err);

    /* one input: a copy of itself */
    struct rc_buf a = RC_BUF_INIT(0), b = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL(rc_report_merge(&merged, in, 1, NULL), 0);
    to_json(&merged, &a);
    to_json(&in[0], &b);
    RC_ASSERT_STR(a.data, b.data);
    CU_ASSERT_PTR_NULL(strstr(a.data, "merged_from")); /* optional, left out when empty */
    rc_buf_dispose(&a);
    rc_buf_dispose(&b);
    rc_results_dispose(&merged);
    rc_results_dispose(&in[0]);
    rc_results_dispose(&in[1]);
}

static void set_run(struct rc_results *r, const char *id, const char *started, const char *finished)
{
    r->tool_version = rc_xstrdup("0.1.0");
    r->run_id = rc_xstrdup(id);
    r->started = rc_xstrdup(started);
    r->finished = rc_xstrdup(finished);
}

static void test_suites_features_order(void)
{
    struct rc_results in[3] = {{0}};
    /* started: in[2] first, then in[0], then in[1] */
    set_run(&in[0], "r0", "2026-01-01T00:00:02Z", "2026-01-01T00:01:00Z");
    set_run(&in[1], "r1", "2026-01-01T00:00:03Z", "2026-01-01T00:03:00Z");
    set_run(&in[2], "r2", "2026-01-01T00:00:01Z", "2026-01-01T00:02:00Z");
    in[1].interrupted = true;
    rc_strv_push(&in[0].suites, "push");
    rc_strv_push(&in[0].features, "A");
    rc_strv_push(&in[0].features, "Q");
    rc_strv_push(&in[1].suites, "policy");
    rc_strv_push(&in[1].suites, "push");
    const char *longest[] = {"Y", "Z", "A", "W"};
    for (size_t i = 0; i < 4; i++)
        rc_strv_push(&in[1].features, longest[i]);
    rc_strv_push(&in[2].suites, "referrers");
    rc_strv_push(&in[2].features, "R");
    rc_strv_push(&in[2].merged_from, "r-old");

    struct rc_results m;
    CU_ASSERT_EQUAL_FATAL(rc_report_merge(&m, in, 3, NULL), 0);
    RC_ASSERT_STR(m.run_id, "r2");
    RC_ASSERT_STR(m.started, "2026-01-01T00:00:01Z");
    RC_ASSERT_STR(m.finished, "2026-01-01T00:03:00Z");
    CU_ASSERT(m.interrupted);
    char *s = rc_strv_join(&m.suites, ",");
    RC_ASSERT_STR(s, "referrers,push,policy");
    free(s);
    s = rc_strv_join(&m.features, ",");
    RC_ASSERT_STR(s, "Y,Z,A,W,R,Q");
    free(s);
    s = rc_strv_join(&m.merged_from, ",");
    RC_ASSERT_STR(s, "r-old,r0,r1");
    free(s);
    rc_results_dispose(&m);
    for (size_t i = 0; i < 3; i++)
        rc_results_dispose(&in[i]);
}

static CU_TestInfo merge_tests[] = {
    {"two shards give the golden merged file", test_merge_golden},
    {"merged matrix equals the unsharded run's", test_matrix_as_unsharded},
    {"a registry in two inputs", test_duplicates},
    {"tool versions must agree; no input", test_versions_and_empty},
    {"run, suites and features order", test_suites_features_order},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"report merge", NULL, NULL, NULL, NULL, merge_tests},
    CU_SUITE_INFO_NULL,
};
