/* The classifier's rule table (runner/judge.c): each cause on each role gives the status the
 * table states, and suites/README.md carries the same table as `list verdict-rules`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "runner/runner.h"

static void test_rules(void)
{
    const enum rc_step_role P = RC_ROLE_PROBE, S = RC_ROLE_PRECONDITION;
    /* nothing about conformance can be said: error, whatever the step */
    const enum rc_cause env[] = {RC_CAUSE_TRANSPORT, RC_CAUSE_CREDENTIALS, RC_CAUSE_RATE_LIMITED,
                                 RC_CAUSE_UNAVAILABLE, RC_CAUSE_SUITE};
    for (size_t i = 0; i < RC_ARRAY_LEN(env); i++) {
        CU_ASSERT_EQUAL(rc_verdict_rule(env[i], P), RC_ST_ERROR);
        CU_ASSERT_EQUAL(rc_verdict_rule(env[i], S), RC_ST_ERROR);
    }
    /* the role decides between a wrong answer (fail) and an untestable check (error) */
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_WRONG, P), RC_ST_FAIL);
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_WRONG, S), RC_ST_ERROR);
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_DROPPED, P), RC_ST_FAIL);
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_DROPPED, S), RC_ST_ERROR);
    /* a missing repository is a precondition; on a probe it is just a wrong answer */
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_NO_REPOSITORY, S), RC_ST_ERROR);
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_NO_REPOSITORY, P), RC_ST_FAIL);
    /* a declared decline is unsupported on either */
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_DECLINED, P), RC_ST_UNSUPPORTED);
    CU_ASSERT_EQUAL(rc_verdict_rule(RC_CAUSE_DECLINED, S), RC_ST_UNSUPPORTED);
    for (int c = 0; c < RC_CAUSE__COUNT; c++)
        CU_ASSERT_PTR_NOT_NULL(rc_cause_name((enum rc_cause)c));
}

static void test_readme_table(void)
{
    struct rc_buf table = RC_BUF_INIT(0);
    rc_verdict_rules_markdown(&table);
    struct rc_buf readme = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_buf_read_file(&readme, RC_SOURCE_DIR "/suites/README.md", &err), 0);
    const char *begin = strstr(rc_buf_str(&readme), "<!-- verdict-rules:begin -->\n");
    const char *end = strstr(rc_buf_str(&readme), "<!-- verdict-rules:end -->");
    CU_ASSERT_PTR_NOT_NULL_FATAL(begin);
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    begin += strlen("<!-- verdict-rules:begin -->\n");
    size_t n = (size_t)(end - begin);
    CU_ASSERT_EQUAL(n, table.len);
    CU_ASSERT(n == table.len && memcmp(begin, table.data, n) == 0);
    if (n != table.len || memcmp(begin, table.data, n) != 0)
        fprintf(stderr, "suites/README.md differs from `regcompat list verdict-rules`:\n%s",
                rc_buf_str(&table));
    rc_buf_dispose(&table);
    rc_buf_dispose(&readme);
}

static CU_TestInfo verdict_tests[] = {
    {"each cause and role gives the table's status", test_rules},
    {"suites/README.md carries the rule table", test_readme_table},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"verdict", NULL, NULL, NULL, NULL, verdict_tests},
    CU_SUITE_INFO_NULL,
};
