/* Golden files for the reporter tests: compare output byte for byte with
 * tests/golden/<name>, or rewrite the file when RC_UPDATE_GOLDEN=1 (then review the diff). */
#ifndef RC_TEST_GOLDEN_H
#define RC_TEST_GOLDEN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "results/results.h"

static inline void rc_golden_bytes(const char *name, const char *actual, size_t len)
{
    char *path = rc_fmt("%s/%s", RC_GOLDEN_DIR, name);
    if (rc_str_eq(getenv("RC_UPDATE_GOLDEN"), "1")) {
        CU_ASSERT_EQUAL(rc_write_file(path, actual, len, NULL), 0);
        free(path);
        return;
    }
    struct rc_buf want = RC_BUF_INIT(0);
    CU_ASSERT_EQUAL_FATAL(rc_buf_read_file(&want, path, NULL), 0);
    bool same = want.len == len && memcmp(want.data, actual, len) == 0;
    CU_ASSERT(same);
    if (!same) {
        /* leave the actual output next to the test for a diff */
        char *act = rc_fmt("%s.actual", name);
        rc_write_file(act, actual, len, NULL);
        fprintf(stderr,
                "%s differs from the golden file; wrote %s (RC_UPDATE_GOLDEN=1 regenerates)\n",
                name, act);
        free(act);
    }
    rc_buf_dispose(&want);
    free(path);
}

/* Reads tests/golden/<name> as a results tree. */
static inline void rc_golden_results(struct rc_results *r, const char *name)
{
    char *path = rc_fmt("%s/%s", RC_GOLDEN_DIR, name);
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_buf_read_file(&b, path, &err), 0);
    int rc = rc_results_from_json(r, b.data, b.len, &err);
    if (rc < 0)
        fprintf(stderr, "%s: %s\n", path, rc_error_msg(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    rc_error_free(err);
    rc_buf_dispose(&b);
    free(path);
}

#endif
