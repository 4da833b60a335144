#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "suite/suite.h"

static char tmpdir[64];

static int setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rc-suite-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = rc_fmt("%s/%s", tmpdir, name);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_write_file(path, text, strlen(text), &err), 0);
    return path;
}

static bool has_problem(const struct rc_strv *p, const char *needle)
{
    for (size_t i = 0; i < p->n; i++)
        if (strstr(p->v[i], needle))
            return true;
    return false;
}

static void test_op_table(void)
{
    for (int i = 0; i < RC_OP__COUNT; i++) {
        const struct rc_op_def *d = rc_op_def((enum rc_op)i);
        CU_ASSERT_EQUAL((int)d->op, i);
        CU_ASSERT_PTR_EQUAL(rc_op_find(d->name), d);
    }
    CU_ASSERT_PTR_NULL(rc_op_find("push-blobs"));
}

static void test_good_suite(void)
{
    char *path =
        write_tmp("good.yaml", "suite: demo\n"
                               "scenarios:\n"
                               "  - id: demo.one\n"
                               "    feature: Demo\n"
                               "    title: one\n"
                               "    steps:\n"
                               "      - push-blob: {size: 4KiB, save: b}\n"
                               "      - expect: {status: [201], header: {Location: present}}\n"
                               "      - get-blob: {digest: \"{b.digest}\"}\n"
                               "  - id: demo.two\n"
                               "    feature: Demo\n"
                               "    title: two\n"
                               "    needs: [demo.one]\n"
                               "    steps:\n"
                               "      - list-tags: {n: 2}\n");
    struct rc_suite s;
    struct rc_strv problems = {0};
    CU_ASSERT_EQUAL(rc_suite_load(&s, path, &problems), 0);
    for (size_t i = 0; i < problems.n; i++)
        fprintf(stderr, "%s\n", problems.v[i]);
    CU_ASSERT_EQUAL(s.nscenarios, 2);
    CU_ASSERT_EQUAL(s.scenarios[0].nsteps, 3);
    const struct rc_arg *size = rc_step_arg(&s.scenarios[0].steps[0], "size");
    CU_ASSERT(size && size->num == 4096);
    const struct rc_arg *n = rc_step_arg(&s.scenarios[1].steps[0], "n");
    CU_ASSERT(n && n->num == 2);
    rc_suite_dispose(&s);
    rc_strv_dispose(&problems);
    unlink(path);
    free(path);
}

static void test_bad_suite(void)
{
    char *path = write_tmp("bad.yaml", "suite: demo\n"
                                       "scenarios:\n"
                                       "  - id: demo.one\n"
                                       "    feature: Demo\n"
                                       "    title: one\n"
                                       "    steps:\n"
                                       "      - push-blobz: {size: 4KiB}\n"
                                       "      - push-blob: {sise: 4KiB}\n"
                                       "      - push-blob: {size: lots}\n"
                                       "      - get-blob: {digest: \"{nothing.digest}\"}\n"
                                       "      - put-manifest: {body: x}\n"
                                       "  - id: other.two\n"
                                       "    feature: Demo\n"
                                       "    title: two\n"
                                       "    steps: []\n");
    struct rc_suite s;
    struct rc_strv problems = {0};
    CU_ASSERT_EQUAL(rc_suite_load(&s, path, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "bad.yaml:7:"));
    CU_ASSERT(has_problem(&problems, "unknown operation 'push-blobz'"));
    CU_ASSERT(has_problem(&problems, "key 'push-blob.sise': unknown argument"));
    CU_ASSERT(has_problem(&problems, "a size like"));
    CU_ASSERT(has_problem(&problems, "unknown variable '{nothing}'"));
    CU_ASSERT(has_problem(&problems, "key 'put-manifest.ref': required argument missing"));
    CU_ASSERT(has_problem(&problems, "must start with the suite name"));
    rc_suite_dispose(&s);
    rc_strv_dispose(&problems);
    unlink(path);
    free(path);
}

static void test_shipped_suites(void)
{
    struct rc_suite *v = NULL;
    size_t n = 0;
    struct rc_strv problems = {0};
    int rc = rc_suite_load_dir(&v, &n, RC_SOURCE_DIR "/suites", &problems);
    for (size_t i = 0; i < problems.n; i++)
        fprintf(stderr, "%s\n", problems.v[i]);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(n >= 1);
    rc_suites_free(v, n);
    rc_strv_dispose(&problems);
}

static CU_TestInfo suite_tests[] = {
    {"operation table", test_op_table},
    {"valid suite", test_good_suite},
    {"every problem with file, line and key", test_bad_suite},
    {"shipped suites load", test_shipped_suites},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"suite", setup, NULL, NULL, NULL, suite_tests},
    CU_SUITE_INFO_NULL,
};
