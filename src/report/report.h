/* report: the reporters, each a function of the results tree (DESIGN 3.3 to 3.5): JUnit XML
 * for CI viewers, the Markdown compatibility matrix, the human summary for stdout, and the
 * report directory holding all of them. Nothing here prints; output goes to buffers/files. */
#ifndef RC_REPORT_H
#define RC_REPORT_H

#include <stdbool.h>

#include "base/base.h"
#include "results/results.h"

/* Largest report a reporter builds in memory. */
#define RC_REPORT_MAX (256 * RC_MIB)

/* One cell of the matrix: a feature's checks on one registry folded into one verdict.
 * Precedence: no check or only skips -> UNTESTED; any fail -> FAIL; any error -> ERROR;
 * only unsupported (skips aside) -> UNSUPPORTED; any xfail, xpass, fallback, note, or
 * unsupported next to passes -> WARN; else PASS. */
enum rc_report_cell {
    RC_CELL_PASS,
    RC_CELL_WARN, /* works, with a known issue or through a fallback */
    RC_CELL_FAIL,
    RC_CELL_UNSUPPORTED,
    RC_CELL_ERROR,    /* could not be tested */
    RC_CELL_UNTESTED, /* skipped, or no check for the feature */
};

enum rc_report_cell rc_report_cell_of(const struct rc_registry_result *rr, const char *feature);
const char *rc_report_cell_symbol(enum rc_report_cell cell); /* "✅", "⚠️", ... */
const char *rc_report_cell_label(enum rc_report_cell cell);  /* "pass", "not tested", ... */
/* A pass with no note and no fallback: the only result that needs no explanation. */
bool rc_report_check_is_plain(const struct rc_check_result *c);

/* JUnit XML (DESIGN 3.4), written with libxml2's text writer: one <testsuite> per registry,
 * one <testcase> per check; fail -> <failure>, error -> <error>, unsupported/skip/xfail ->
 * <skipped>, xpass -> a passing testcase plus a warning line in the suite's <system-out>.
 * Text that XML 1.0 cannot carry (control characters, malformed UTF-8) is replaced by
 * U+FFFD. rc_report_junit writes the file atomically. */
int rc_report_junit_buf(const struct rc_results *r, struct rc_buf *out, struct rc_error **err);
int rc_report_junit(const struct rc_results *r, const char *path, struct rc_error **err);

/* matrix.md (DESIGN 3.5): header (date of the run's end, regcompat version, suites), a
 * table with registries as rows and r->features as columns, a legend, numbered notes for
 * every cell that is not a plain pass, then per registry the checks that are not plain
 * passes. Deterministic: a function of r only. */
int rc_report_matrix(const struct rc_results *r, struct rc_buf *out, struct rc_error **err);

/* The human summary for stdout: a table of counts per registry and status, one line per
 * check that did not pass ("  FAIL  local-open  policy.delete  DELETE answered 500"), a
 * total line. ANSI colours only when color is set. Registry text is cleaned of control
 * characters so it cannot drive the terminal. RC_ELIMIT when out is full. */
int rc_report_summary(const struct rc_results *r, struct rc_buf *out, bool color);

/* Creates dir (and its parents) when needed and writes results.json, junit.xml and
 * matrix.md into it, each atomically. */
int rc_report_write_all(const struct rc_results *r, const char *dir, struct rc_error **err);
/* mkdir -p */
int rc_report_mkdirs(const char *dir, struct rc_error **err);

#endif
