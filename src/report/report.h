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

/* The Kubewarden verdict of one registry: can kwctl push and pull policies there? It is
 * derived from the checks of the features that reproduce kwctl (Policy push, Policy pull),
 * in that feature order, then check order; the first match below decides:
 * - FAILS: a check failed, was unsupported, or failed as a profile expected (xfail);
 *   "kwctl: fails: <reason of the first such check>";
 * - UNVERIFIED: a check could not be tested (error), or none of them ran;
 *   "kwctl: not verified: <reason of the first error>" / "...: no policy check ran";
 * - NOTES: every check passed, some with a note, a fallback, deviations, or as an xpass;
 *   "kwctl: works with notes: <id>: <note>; ..." (at most three, then "(+N more)");
 * - WORKS: "kwctl: works".
 * text (may be NULL) receives that one line, raw: reasons come from the registry, so every
 * renderer escapes it as it escapes any other registry text. */
enum rc_report_kwctl {
    RC_KWCTL_WORKS,
    RC_KWCTL_NOTES,
    RC_KWCTL_FAILS,
    RC_KWCTL_UNVERIFIED,
};
enum rc_report_kwctl rc_report_kwctl_verdict(const struct rc_registry_result *rr,
                                             struct rc_buf *text);
/* The same verdict as one malloc'd line for the terminal, matrix.md and the docs page; NULL
 * when no policy check ran on the registry. */
char *rc_report_kwctl_line(const struct rc_registry_result *rr);
/* The matrix columns the verdict is derived from, in order ("Policy push", "Policy pull"). */
extern const char *const rc_report_kwctl_features[];
extern const size_t rc_report_kwctl_nfeatures;

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

/* The human summary for stdout (summary.c says what is listed): a table of counts per
 * registry and status; one line per registry that could not be tested (its problem, with
 * the fix) and per registry an interrupted run did not finish; one line per check that
 * needs a look ("  FAIL  local-open  policy.delete  DELETE answered 500": fail, error, xpass;
 * with verbosity > 0 every status but pass); a line counting what is not listed; a total
 * line. With verbosity < 0 only the total line. ANSI colours only when color is set.
 * Registry text is cleaned of control characters so it cannot drive the terminal.
 * RC_ELIMIT when out is full. */
struct rc_report_summary_opts {
    bool color;
    int verbosity;           /* -1 totals only, 0 default, 1 every check that did not pass */
    const char *reports_dir; /* where matrix.md is, for the "not listed" line; NULL: none */
};
int rc_report_summary(const struct rc_results *r, struct rc_buf *out,
                      const struct rc_report_summary_opts *opts);

/* report merge (CI shards -> one results tree). Each input is the results of one `run
 * --shard i/n`, over a set of registries disjoint from the others'. The result:
 * - registries: every input's, sorted by id; a registry id found in two inputs is an error
 *   naming both, unless the two entries are identical (then it is kept once);
 * - run: id and started of the input that started first (ties: the earlier input),
 *   finished of the one that finished last, interrupted when any was; merged_from lists
 *   the other inputs' run ids (and the ids they were merged from), in that same order;
 * - suites: union in first-seen order; features: the longest list first, then features
 *   the others add, in first-seen order (inputs taken in start order);
 * - tool: every input's version must be the same.
 * names[i] names input i in errors (a file path); names may be NULL ("input 1", ...).
 * out is initialised here and left empty on error. */
int rc_report_merge(struct rc_results *out, const struct rc_results *in, size_t n,
                    struct rc_error **err);
int rc_report_merge_named(struct rc_results *out, const struct rc_results *in,
                          const char *const *names, size_t n, struct rc_error **err);

/* report diff. Statuses rank from best to worst: pass > xpass > xfail > unsupported > skip >
 * error > fail; fail and error are the bad ones. For every registry and check present in
 * both runs:
 * - regression: the new status is bad and ranks below the old one (pass -> fail,
 *   xfail -> error, error -> fail, ...); this is what *regressions counts;
 * - fix: a bad status became pass or xpass;
 * - other change: any other status change, marked better or worse by rank;
 * and per registry and feature, newly supported: the matrix cell went from unsupported to
 * pass (or pass with a known issue). Checks and registries found in only one of the runs
 * are listed as new or removed, never as regressions. md and text (either may be NULL)
 * receive the Markdown and plain-text renderings; order is registry id, then check id.
 * Returns 0, or RC_ELIMIT when a buffer is full. */
int rc_report_diff(struct rc_buf *md, struct rc_buf *text, const struct rc_results *old,
                   const struct rc_results *new, int *regressions);
/* The same over a series of n >= 2 runs, oldest first: the comparison above is between the
 * last two, and a check whose status flips between consecutive runs (where it is present)
 * more than once is listed as flaky. */
int rc_report_diff_series(struct rc_buf *md, struct rc_buf *text, const struct rc_results *runs,
                          size_t n, int *regressions);

/* The items behind both renderings of report diff, for other reporters (the HTML history):
 * the same categories, computed the same way, over runs[0..n), n >= 2, oldest first. */
enum rc_report_change_kind {
    RC_CHANGE_REGRESSION,
    RC_CHANGE_FIX,
    RC_CHANGE_SUPPORTED, /* a feature went from unsupported to pass (or pass with an issue) */
    RC_CHANGE_OTHER,     /* any other status change of a check */
    RC_CHANGE_NEW_REGISTRY,
    RC_CHANGE_GONE_REGISTRY,
    RC_CHANGE_NEW_CHECK,
    RC_CHANGE_GONE_CHECK,
    RC_CHANGE_FLAKY,
    RC_CHANGE__COUNT
};

struct rc_report_change {
    enum rc_report_change_kind kind;
    const struct rc_registry_result *registry; /* its newest entry, borrowed from runs */
    const char *check;                         /* check id; the feature for SUPPORTED */
    const struct rc_check_result *old;         /* NULL when absent (borrowed) */
    const struct rc_check_result *new;
    enum rc_report_cell old_cell, new_cell; /* SUPPORTED */
    char *statuses;                         /* FLAKY: "pass fail - pass", owned */
    unsigned flips;                         /* FLAKY */
    bool flaky; /* a regression, fix or change of a check that is also flaky */
};

/* *out receives the changes in the order of the text rendering's items (by kind is up to the
 * caller), *nout their number; free them with rc_report_changes_free. */
int rc_report_changes(struct rc_report_change **out, size_t *nout, const struct rc_results *runs,
                      size_t n);
void rc_report_changes_free(struct rc_report_change *v, size_t n);
/* "regression", "fix", "supported", "changed", "new registry", ... */
const char *rc_report_change_label(enum rc_report_change_kind kind);
/* For a check change: "better" or "worse" by the status rank above. */
const char *rc_report_change_direction(const struct rc_report_change *c);

/* report.html: one self-contained page (inline CSS, a little inline JavaScript for the
 * filters, no external fetch; readable with JavaScript off). runs[0..n) are results of the
 * same matrix, oldest first; the page shows the newest: its matrix (registries down,
 * features across, the policy and signature columns first, a Kubewarden verdict per
 * registry), the expectations behind xfail / xpass, and per registry every cell that is
 * not a plain pass with its checks, deviations and evidence request by request. With
 * n >= 2 it adds the history: per registry an inline SVG of pass / fail / error counts per
 * run and the changes between the last two runs (rc_report_changes). Every string from the
 * results is escaped for its context (text or attribute); links from profiles are kept
 * only when they are http(s) URLs. A Content-Security-Policy allows no fetch at all and
 * runs only the page's own script and style (by hash). Deterministic: a function of runs. */
int rc_report_html(const struct rc_results *runs, size_t n, struct rc_buf *out,
                   struct rc_error **err);
/* Writes the page to path atomically. */
int rc_report_html_file(const struct rc_results *runs, size_t n, const char *path,
                        struct rc_error **err);

/* The documentation page (DESIGN 3.5), shaped like Kubewarden's "OCI registry support"
 * page: Docusaurus frontmatter, self-hosted and hosted registries with a verdict each, the
 * tools regcompat's checks reproduce, and known issues generated from the results. Every
 * statement links to the results behind it (docs.c describes the link format). Links are
 * relative to the directory holding results.json and matrix.md; rc_report_docs_ex puts
 * link_base (e.g. "../reports/", or a URL ending in '/') in front of them. */
int rc_report_docs(const struct rc_results *r, struct rc_buf *out, struct rc_error **err);
int rc_report_docs_ex(const struct rc_results *r, const char *link_base, struct rc_buf *out,
                      struct rc_error **err);
/* Writes the page to path atomically. Links point to results.json and matrix.md in
 * reports_dir (NULL: the directory of path), written relative to path's directory. */
int rc_report_docs_file(const struct rc_results *r, const char *path, const char *reports_dir,
                        struct rc_error **err);

/* Creates dir (and its parents) when needed and writes results.json, junit.xml and
 * matrix.md into it, each atomically. A report that cannot be written does not stop the
 * others; the error then names each path that was not written and why. */
int rc_report_write_all(const struct rc_results *r, const char *dir, struct rc_error **err);
/* mkdir -p */
int rc_report_mkdirs(const char *dir, struct rc_error **err);

#endif
