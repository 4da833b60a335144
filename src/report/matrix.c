/* matrix.md: registries as rows, features as columns, numbered notes, per-registry details. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_text.h"

#include "base/banned.h"

/* Text as Markdown shows it literally: one line, and the characters that would start
 * emphasis, code, links, HTML, an entity or a table cell are escaped. */
static void md_text(struct rc_buf *out, const char *s)
{
    struct rc_buf t = RC_BUF_INIT(0);
    rc_buf_add(&t, "", 0);
    rc_report_clean(&t, s, RC_CLEAN_LINE);
    for (size_t i = 0; i < t.len; i++) {
        char c = t.data[i], next = t.data[i + 1];
        bool entity = c == '&' &&
                      (next == '#' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z'));
        if ((c && strchr("\\`*_[]<>|", c)) || entity)
            rc_buf_addc(out, '\\');
        rc_buf_addc(out, t.data[i]);
    }
    rc_buf_dispose(&t);
}

/* A code span holding s exactly (a longer backtick fence when s holds backticks). Inside a
 * table a '|' must still be escaped, even in code. */
static void md_code(struct rc_buf *out, const char *s, bool in_table)
{
    struct rc_buf t = RC_BUF_INIT(0);
    rc_buf_add(&t, "", 0);
    rc_report_clean(&t, s, RC_CLEAN_LINE);
    size_t longest = 0, cur = 0;
    bool all_space = true;
    for (size_t i = 0; i < t.len; i++) {
        cur = t.data[i] == '`' ? cur + 1 : 0;
        if (cur > longest)
            longest = cur;
        if (t.data[i] != ' ')
            all_space = false;
    }
    if (t.len == 0) {
        rc_buf_dispose(&t);
        return;
    }
    bool pad = t.data[0] == '`' || t.data[t.len - 1] == '`' ||
               (t.data[0] == ' ' && t.data[t.len - 1] == ' ' && !all_space);
    for (size_t i = 0; i <= longest; i++)
        rc_buf_addc(out, '`');
    if (pad)
        rc_buf_addc(out, ' ');
    for (size_t i = 0; i < t.len; i++) {
        if (in_table && t.data[i] == '|')
            rc_buf_addc(out, '\\');
        rc_buf_addc(out, t.data[i]);
    }
    if (pad)
        rc_buf_addc(out, ' ');
    for (size_t i = 0; i <= longest; i++)
        rc_buf_addc(out, '`');
    rc_buf_dispose(&t);
}

/* A link target shown as an autolink when it is a plain http(s) URL, else as text. */
static void md_link(struct rc_buf *out, const char *url)
{
    bool plain = (rc_str_starts(url, "https://") || rc_str_starts(url, "http://")) &&
                 !url[strcspn(url, " <>`|\\\"'")];
    for (const char *p = url; plain && *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            plain = false;
    if (plain)
        rc_buf_addf(out, "<%s>", url);
    else
        md_text(out, url);
}

static const char *reg_name(const struct rc_registry_result *rr)
{
    return rr->name && *rr->name ? rr->name : rr->id ? rr->id : "?";
}

static const char *check_symbol(const struct rc_check_result *c)
{
    switch (c->status) {
    case RC_ST_PASS:
        return rc_report_cell_symbol(rc_report_check_is_plain(c) ? RC_CELL_PASS : RC_CELL_WARN);
    case RC_ST_FAIL:
        return rc_report_cell_symbol(RC_CELL_FAIL);
    case RC_ST_UNSUPPORTED:
        return rc_report_cell_symbol(RC_CELL_UNSUPPORTED);
    case RC_ST_SKIP:
        return rc_report_cell_symbol(RC_CELL_UNTESTED);
    case RC_ST_ERROR:
        return rc_report_cell_symbol(RC_CELL_ERROR);
    default:
        return rc_report_cell_symbol(RC_CELL_WARN);
    }
}

/* "status: reason; note; known issue: ... <link>" */
static void verdict(struct rc_buf *out, const struct rc_check_result *c, bool with_status)
{
    const char *sep = "";
    if (with_status) {
        rc_buf_adds(out, rc_status_name(c->status));
        if (c->fallback)
            rc_buf_adds(out, " (fallback)");
        sep = ": ";
    }
    if (c->reason) {
        rc_buf_adds(out, sep);
        md_text(out, c->reason);
        sep = "; ";
    }
    if (c->note) {
        rc_buf_adds(out, sep);
        md_text(out, c->note);
        sep = "; ";
    }
    if (c->expect_reason || c->expect_link) {
        rc_buf_adds(out, sep);
        rc_buf_adds(out, "known issue");
        if (c->expect_reason) {
            rc_buf_adds(out, ": ");
            md_text(out, c->expect_reason);
        }
        if (c->expect_link) {
            rc_buf_adds(out, " ");
            md_link(out, c->expect_link);
        }
    }
}

static void evidence_code(struct rc_buf *out, const struct rc_evidence *e, bool in_table)
{
    struct rc_buf line = RC_BUF_INIT(0);
    rc_report_evidence_line(&line, e);
    md_code(out, rc_buf_str(&line), in_table);
    rc_buf_dispose(&line);
}

static void add_note(struct rc_buf *notes, unsigned num, const struct rc_registry_result *rr,
                     const char *feature)
{
    rc_buf_addf(notes, "<a id=\"note-%u\"></a>**[%u]** ", num, num);
    md_text(notes, reg_name(rr));
    rc_buf_adds(notes, ", ");
    md_text(notes, feature);
    rc_buf_adds(notes, ":\n\n");
    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        if (!rc_str_eq(c->feature, feature) || rc_report_check_is_plain(c))
            continue;
        rc_buf_adds(notes, "- ");
        md_code(notes, c->id ? c->id : "?", false);
        rc_buf_adds(notes, ": ");
        verdict(notes, c, true);
        if (c->nevidence) {
            rc_buf_adds(notes, ". Evidence: ");
            evidence_code(notes, &c->evidence[0], false);
        }
        rc_buf_addc(notes, '\n');
        for (size_t k = 0; k < c->ndeviations; k++) {
            const struct rc_deviation *d = &c->deviations[k];
            rc_buf_adds(notes, "  - deviation: ");
            md_text(notes, d->text);
            if (d->evidence.request) {
                rc_buf_adds(notes, ". Evidence: ");
                evidence_code(notes, &d->evidence, false);
            }
            rc_buf_addc(notes, '\n');
        }
    }
    rc_buf_addc(notes, '\n');
}

static bool cell_has_remarks(const struct rc_registry_result *rr, const char *feature)
{
    for (size_t i = 0; i < rr->nchecks; i++)
        if (rc_str_eq(rr->checks[i].feature, feature) && !rc_report_check_is_plain(&rr->checks[i]))
            return true;
    return false;
}

static void counts_text(struct rc_buf *out, const unsigned n[RC_ST__COUNT])
{
    const char *sep = "";
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        if (!n[s])
            continue;
        rc_buf_addf(out, "%s%u %s", sep, n[s], rc_status_name((enum rc_status)s));
        sep = ", ";
    }
}

/* "- Left behind: 2 manifests and 1 blob ..." when cleanup could not delete everything */
static void leftovers_line(struct rc_buf *out, const struct rc_registry_result *rr)
{
    if (!rr->nleftovers)
        return;
    size_t manifests = 0;
    for (size_t i = 0; i < rr->nleftovers; i++)
        manifests += rc_str_eq(rr->leftovers[i].kind, "manifest");
    size_t other = rr->nleftovers - manifests;
    rc_buf_adds(out, "- Left behind: ");
    if (manifests)
        rc_buf_addf(out, "%zu manifest%s", manifests, manifests == 1 ? "" : "s");
    if (manifests && other)
        rc_buf_adds(out, " and ");
    if (other)
        rc_buf_addf(out, "%zu blob%s", other, other == 1 ? "" : "s");
    rc_buf_adds(out, " not deleted after the run (");
    md_text(out, rr->leftovers[0].answer ? rr->leftovers[0].answer : "no answer");
    rc_buf_adds(out, "); see `leftovers` in results.json\n");
}

static void details(struct rc_buf *out, const struct rc_registry_result *rr)
{
    /* the docs page links here as matrix.md#<profile id> (ids are [a-z0-9._-]) */
    if (rr->id)
        rc_buf_addf(out, "<a id=\"%s\"></a>\n\n", rr->id);
    rc_buf_adds(out, "### ");
    md_text(out, reg_name(rr));
    rc_buf_adds(out, "\n\n- Profile: ");
    md_code(out, rr->id ? rr->id : "?", false);
    if (rr->kind) {
        rc_buf_adds(out, ", kind: ");
        md_text(out, rr->kind);
    }
    rc_buf_adds(out, rr->hosted ? ", hosted\n" : ", self-hosted\n");
    if (rr->url) {
        rc_buf_adds(out, "- URL: ");
        md_code(out, rr->url, false);
        rc_buf_addc(out, '\n');
    }
    if (rr->nversions) {
        rc_buf_adds(out, "- Versions: ");
        for (size_t i = 0; i < rr->nversions; i++) {
            char *v = rc_fmt("%s: %s", rr->versions[i].name ? rr->versions[i].name : "",
                             rr->versions[i].value ? rr->versions[i].value : "");
            if (i)
                rc_buf_adds(out, ", ");
            md_code(out, v, false);
            free(v);
        }
        rc_buf_addc(out, '\n');
    }
    unsigned n[RC_ST__COUNT];
    rc_report_count(rr, n);
    rc_buf_addf(out, "- Results: %zu check%s", rr->nchecks, rr->nchecks == 1 ? "" : "s");
    if (rr->nchecks) {
        rc_buf_adds(out, " (");
        counts_text(out, n);
        rc_buf_adds(out, ")");
    }
    rc_buf_addc(out, '\n');
    leftovers_line(out, rr);
    rc_buf_addc(out, '\n');

    bool any = false;
    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        if (rc_report_check_is_plain(c))
            continue;
        if (!any)
            rc_buf_adds(out, "| Check | Feature | Status | Reason | Evidence |\n"
                             "| --- | --- | --- | --- | --- |\n");
        any = true;
        rc_buf_adds(out, "| ");
        md_code(out, c->id ? c->id : "?", true);
        rc_buf_adds(out, " | ");
        md_text(out, c->feature ? c->feature : "");
        rc_buf_addf(out, " | %s %s%s | ", check_symbol(c), rc_status_name(c->status),
                    c->fallback ? " (fallback)" : "");
        verdict(out, c, false);
        rc_buf_adds(out, " | ");
        if (c->nevidence)
            evidence_code(out, &c->evidence[0], true);
        if (c->nevidence > 1)
            rc_buf_addf(out, " (+%zu more)", c->nevidence - 1);
        rc_buf_adds(out, " |\n");
    }
    if (!any)
        rc_buf_adds(out, rr->nchecks ? "Every check passed.\n" : "No check ran.\n");
    rc_buf_addc(out, '\n');
}

int rc_report_matrix(const struct rc_results *r, struct rc_buf *out, struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_buf notes = RC_BUF_INIT(0);
    rc_buf_adds(&b, "# Registry compatibility matrix\n\n");
    const char *when = r->finished ? r->finished : r->started;
    if (when && strlen(when) >= 10) {
        char date[11];
        memcpy(date, when, 10);
        date[10] = '\0';
        rc_buf_adds(&b, "- Date: ");
        md_text(&b, date);
        rc_buf_addc(&b, '\n');
    } else {
        rc_buf_adds(&b, "- Date: unknown\n");
    }
    rc_buf_adds(&b, "- regcompat: ");
    md_text(&b, r->tool_version ? r->tool_version : "unknown");
    rc_buf_adds(&b, "\n- Suites: ");
    for (size_t i = 0; i < r->suites.n; i++) {
        if (i)
            rc_buf_adds(&b, ", ");
        md_text(&b, r->suites.v[i]);
    }
    if (!r->suites.n)
        rc_buf_adds(&b, "none");
    rc_buf_addc(&b, '\n');
    if (r->run_id) {
        rc_buf_adds(&b, "- Run: ");
        md_code(&b, r->run_id, false);
        rc_buf_addc(&b, '\n');
    }
    if (r->interrupted)
        rc_buf_adds(&b, "- Interrupted: the run stopped early; checks that did not run show as "
                        "not tested\n");
    rc_buf_addc(&b, '\n');

    /* the table; notes are numbered in table order, row by row. The policy columns come
     * first (what a Kubewarden user asks), the others in suite order. */
    size_t *order = rc_xcalloc(r->features.n ? r->features.n : 1, sizeof(*order));
    size_t nord = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t f = 0; f < r->features.n; f++)
            if (rc_str_starts(r->features.v[f], "Policy ") == (pass == 0))
                order[nord++] = f;
    rc_buf_adds(&b, "| Registry |");
    for (size_t f = 0; f < r->features.n; f++) {
        rc_buf_addc(&b, ' ');
        md_text(&b, r->features.v[order[f]]);
        rc_buf_adds(&b, " |");
    }
    rc_buf_adds(&b, "\n| --- |");
    for (size_t f = 0; f < r->features.n; f++)
        rc_buf_adds(&b, " :---: |");
    rc_buf_addc(&b, '\n');
    unsigned num = 0;
    for (size_t i = 0; i < r->nregistries; i++) {
        const struct rc_registry_result *rr = &r->registries[i];
        rc_buf_adds(&b, "| ");
        md_text(&b, reg_name(rr));
        rc_buf_adds(&b, " |");
        for (size_t f = 0; f < r->features.n; f++) {
            const char *feature = r->features.v[order[f]];
            rc_buf_addf(&b, " %s", rc_report_cell_symbol(rc_report_cell_of(rr, feature)));
            if (cell_has_remarks(rr, feature)) {
                num++;
                rc_buf_addf(&b, " [[%u]](#note-%u)", num, num);
                add_note(&notes, num, rr, feature);
            }
            rc_buf_adds(&b, " |");
        }
        rc_buf_addc(&b, '\n');
    }
    if (!r->nregistries)
        rc_buf_adds(&b, "\nNo registry was tested.\n");
    rc_buf_addc(&b, '\n');
    rc_buf_adds(&b, "Legend:");
    for (int c = RC_CELL_PASS; c <= RC_CELL_UNTESTED; c++)
        rc_buf_addf(&b, "%s %s %s", c == RC_CELL_PASS ? "" : ",",
                    rc_report_cell_symbol((enum rc_report_cell)c),
                    rc_report_cell_label((enum rc_report_cell)c));
    rc_buf_adds(&b, ".\n\n");
    free(order);

    /* the Kubewarden verdict of each registry whose policy checks ran */
    bool kw_any = false;
    for (size_t i = 0; i < r->nregistries; i++) {
        char *kv = rc_report_kwctl_line(&r->registries[i]);
        if (!kv)
            continue;
        if (!kw_any)
            rc_buf_adds(&b, "## Kubewarden\n\n");
        kw_any = true;
        rc_buf_adds(&b, "- ");
        md_text(&b, reg_name(&r->registries[i]));
        rc_buf_adds(&b, ": ");
        md_text(&b, kv);
        rc_buf_addc(&b, '\n');
        free(kv);
    }
    if (kw_any)
        rc_buf_addc(&b, '\n');

    if (notes.len) {
        rc_buf_adds(&b, "## Notes\n\n");
        rc_buf_add(&b, notes.data, notes.len);
    }
    if (r->nregistries) {
        rc_buf_adds(&b, "## Details\n\n");
        for (size_t i = 0; i < r->nregistries; i++)
            details(&b, &r->registries[i]);
    }
    /* one final newline, no trailing blank line */
    while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
        b.data[--b.len] = '\0';

    int rc = 0;
    if (rc_buf_add(out, b.data, b.len) < 0)
        rc = rc_error_set(err, RC_ELIMIT, "matrix: report larger than %zu bytes", out->max);
    rc_buf_dispose(&notes);
    rc_buf_dispose(&b);
    return rc;
}
