/* report: matrix cells, text cleaning shared by the reporters, and the report directory. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report_text.h"

#include "base/banned.h"

/* ---- cells ----------------------------------------------------------------------------- */

static const struct {
    const char *symbol;
    const char *label;
} cells[] = {
    [RC_CELL_PASS] = {"\xE2\x9C\x85", "pass"},
    [RC_CELL_WARN] = {"\xE2\x9A\xA0\xEF\xB8\x8F", "pass with a known issue or a fallback"},
    [RC_CELL_FAIL] = {"\xE2\x9D\x8C", "fail"},
    [RC_CELL_UNSUPPORTED] = {"\xE2\x9E\x96", "unsupported"},
    [RC_CELL_ERROR] = {"\xE2\x9D\x97", "error: could not be tested"},
    [RC_CELL_UNTESTED] = {"\xC2\xB7", "not tested"},
};

const char *rc_report_cell_symbol(enum rc_report_cell cell)
{
    return (size_t)cell < RC_ARRAY_LEN(cells) ? cells[cell].symbol : "?";
}

const char *rc_report_cell_label(enum rc_report_cell cell)
{
    return (size_t)cell < RC_ARRAY_LEN(cells) ? cells[cell].label : "unknown";
}

bool rc_report_check_is_plain(const struct rc_check_result *c)
{
    return c->status == RC_ST_PASS && !c->fallback && !c->note;
}

enum rc_report_cell rc_report_cell_of(const struct rc_registry_result *rr, const char *feature)
{
    unsigned n[RC_ST__COUNT] = {0};
    unsigned remarks = 0, tested = 0;
    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        if (!rc_str_eq(c->feature, feature) || (size_t)c->status >= RC_ST__COUNT)
            continue;
        n[c->status]++;
        if (c->status != RC_ST_SKIP)
            tested++;
        if (c->status == RC_ST_PASS && !rc_report_check_is_plain(c))
            remarks++;
    }
    if (!tested)
        return RC_CELL_UNTESTED;
    if (n[RC_ST_FAIL])
        return RC_CELL_FAIL;
    if (n[RC_ST_ERROR])
        return RC_CELL_ERROR;
    if (n[RC_ST_UNSUPPORTED] == tested)
        return RC_CELL_UNSUPPORTED;
    if (n[RC_ST_UNSUPPORTED] || n[RC_ST_XFAIL] || n[RC_ST_XPASS] || remarks)
        return RC_CELL_WARN;
    return RC_CELL_PASS;
}

/* ---- the Kubewarden verdict ------------------------------------------------------------- */

const char *const rc_report_kwctl_features[] = {"Policy push", "Policy pull"};
const size_t rc_report_kwctl_nfeatures = RC_ARRAY_LEN(rc_report_kwctl_features);

/* How many remarks a "works with notes" line names before "(+N more)". */
#define KWCTL_MAX_NOTES 3

static bool kwctl_broken(enum rc_status st)
{
    return st == RC_ST_FAIL || st == RC_ST_UNSUPPORTED || st == RC_ST_XFAIL;
}

/* The first kwctl check of rr, in verdict order, that want accepts, or NULL. */
static const struct rc_check_result *kwctl_find(const struct rc_registry_result *rr,
                                                bool (*want)(const struct rc_check_result *))
{
    for (size_t f = 0; f < rc_report_kwctl_nfeatures; f++)
        for (size_t i = 0; i < rr->nchecks; i++)
            if (rc_str_eq(rr->checks[i].feature, rc_report_kwctl_features[f]) &&
                want(&rr->checks[i]))
                return &rr->checks[i];
    return NULL;
}

static bool want_broken(const struct rc_check_result *c)
{
    return kwctl_broken(c->status);
}

static bool want_error(const struct rc_check_result *c)
{
    return c->status == RC_ST_ERROR;
}

static bool want_ran(const struct rc_check_result *c)
{
    return c->status != RC_ST_SKIP;
}

static void why(struct rc_buf *text, const struct rc_check_result *c)
{
    if (c->reason && *c->reason)
        rc_buf_adds(text, c->reason);
    else
        rc_buf_addf(text, "%s %s", c->id ? c->id : "?", rc_status_name(c->status));
}

/* "id: remark" for every remark of the kwctl checks; returns how many there were. */
static size_t kwctl_notes(const struct rc_registry_result *rr, struct rc_buf *text)
{
    size_t n = 0;
    for (size_t f = 0; f < rc_report_kwctl_nfeatures; f++)
        for (size_t i = 0; i < rr->nchecks; i++) {
            const struct rc_check_result *c = &rr->checks[i];
            if (!rc_str_eq(c->feature, rc_report_kwctl_features[f]))
                continue;
            const char *id = c->id ? c->id : "?";
            size_t nd = c->ndeviations;
            /* the note repeats the deviations (the runner joins them into it): a check with
             * deviations speaks through them */
            const char *remarks[3] = {
                nd ? NULL : c->note,
                c->status == RC_ST_XPASS ? "passed although the profile expects it to fail" : NULL,
                c->fallback && !c->note ? "through a client-side fallback" : NULL,
            };
            for (size_t k = 0; k < RC_ARRAY_LEN(remarks) + nd; k++) {
                const char *r = k < RC_ARRAY_LEN(remarks)
                                    ? remarks[k]
                                    : c->deviations[k - RC_ARRAY_LEN(remarks)].text;
                if (!r)
                    continue;
                if (text && n < KWCTL_MAX_NOTES)
                    rc_buf_addf(text, "%s%s: %s", n ? "; " : "", id, r);
                n++;
            }
        }
    return n;
}

enum rc_report_kwctl rc_report_kwctl_verdict(const struct rc_registry_result *rr,
                                             struct rc_buf *text)
{
    const struct rc_check_result *c = kwctl_find(rr, want_broken);
    if (c) {
        if (text) {
            rc_buf_adds(text, "kwctl: fails: ");
            why(text, c);
        }
        return RC_KWCTL_FAILS;
    }
    if ((c = kwctl_find(rr, want_error)) || !kwctl_find(rr, want_ran)) {
        if (text) {
            rc_buf_adds(text, "kwctl: not verified: ");
            if (c)
                why(text, c);
            else
                rc_buf_adds(text, "no policy check ran");
        }
        return RC_KWCTL_UNVERIFIED;
    }
    size_t notes = kwctl_notes(rr, NULL);
    if (!notes) {
        if (text)
            rc_buf_adds(text, "kwctl: works");
        return RC_KWCTL_WORKS;
    }
    if (text) {
        rc_buf_adds(text, "kwctl: works with notes: ");
        kwctl_notes(rr, text);
        if (notes > KWCTL_MAX_NOTES)
            rc_buf_addf(text, " (+%zu more)", notes - KWCTL_MAX_NOTES);
    }
    return RC_KWCTL_NOTES;
}

void rc_report_count(const struct rc_registry_result *rr, unsigned counts[RC_ST__COUNT])
{
    memset(counts, 0, sizeof(unsigned) * RC_ST__COUNT);
    for (size_t i = 0; i < rr->nchecks; i++)
        if ((size_t)rr->checks[i].status < RC_ST__COUNT)
            counts[rr->checks[i].status]++;
}

/* ---- text ------------------------------------------------------------------------------ */

void rc_report_clean(struct rc_buf *out, const char *s, enum rc_report_clean mode)
{
    /* one cleaning of registry text, in base: the terminal and the log use it too */
    if (mode == RC_CLEAN_LINE)
        rc_buf_add_printable(out, s, false);
    else
        rc_buf_add_xml_text(out, s);
}

void rc_report_evidence_line(struct rc_buf *out, const struct rc_evidence *e)
{
    rc_buf_adds(out, e->request ? e->request : "(request)");
    if (e->host)
        rc_buf_addf(out, " (host %s)", e->host);
    if (e->status)
        rc_buf_addf(out, " -> %d", e->status);
    if (e->error)
        rc_buf_addf(out, " -> %s", e->error);
    if (!e->status && !e->error)
        rc_buf_adds(out, " -> no answer");
}

/* ---- the report directory -------------------------------------------------------------- */

int rc_report_mkdirs(const char *dir, struct rc_error **err)
{
    if (!dir || !*dir)
        return rc_error_set(err, RC_EINVAL, "report directory: empty path");
    char *p = rc_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            rc = rc_error_set(err, RC_EIO, "creating %s: %s", p, strerror(errno));
            break;
        }
        *s = saved;
        if (!saved)
            break;
    }
    struct stat st;
    if (rc == 0 && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
        rc = rc_error_set(err, RC_EIO, "%s: not a directory", dir);
    free(p);
    return rc;
}

static int write_buf(const char *dir, const char *name, struct rc_buf *b, struct rc_error **err)
{
    char *path = rc_fmt("%s/%s", dir, name);
    int rc = rc_write_file(path, b->data ? b->data : "", b->len, err);
    free(path);
    return rc;
}

static const struct {
    const char *name;
    int (*render)(const struct rc_results *r, struct rc_buf *out, struct rc_error **err);
} reports[] = {
    {"results.json", rc_results_to_json},
    {"junit.xml", rc_report_junit_buf},
    {"matrix.md", rc_report_matrix},
};

int rc_report_write_all(const struct rc_results *r, const char *dir, struct rc_error **err)
{
    int rc = rc_report_mkdirs(dir, err);
    if (rc < 0)
        return rc;
    /* one report that cannot be written does not keep the others from being written; the
     * error names every one that was not */
    struct rc_buf why = RC_BUF_INIT(0);
    struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
    for (size_t i = 0; i < RC_ARRAY_LEN(reports); i++) {
        struct rc_error *e = NULL;
        rc_buf_reset(&b);
        int one = reports[i].render(r, &b, &e);
        if (one >= 0)
            one = write_buf(dir, reports[i].name, &b, &e);
        if (one < 0) {
            if (rc == 0)
                rc = one;
            rc_buf_addf(&why, "%s%s", why.len ? "; " : "", rc_error_msg(e));
        }
        rc_error_free(e);
    }
    rc_buf_dispose(&b);
    if (rc < 0)
        rc_error_set(err, rc, "%s", rc_buf_str(&why));
    rc_buf_dispose(&why);
    return rc < 0 ? rc : 0;
}

char *rc_report_kwctl_line(const struct rc_registry_result *rr)
{
    if (!kwctl_find(rr, want_ran))
        return NULL;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_report_kwctl_verdict(rr, &b);
    return rc_buf_steal(&b, NULL);
}
