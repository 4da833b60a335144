/* The documentation page: which registries work with Kubewarden policies, as measured, in
 * the shape of what a policy project publishes. It shows only what such a project cares
 * about: per registry the Kubewarden verdict (can kwctl push and pull policies there?), the
 * policy features and the features signatures need, and the known issues behind them. The
 * spec suites' details stay in the compatibility matrix the page links to.
 *
 * Links are relative to the directory that holds the run's matrix.md (rc_report_docs_ex puts
 * a base in front of them): matrix.md for the whole matrix, matrix.md#<registry id> for one
 * registry's details there (registry ids are percent-encoded where a URL fragment needs it).
 * Expectation links (a profile's `expect[].link`) and tool homepages are absolute URLs, shown
 * as they are. Inside the page, known issues are anchored as #known-issue-<n>, numbered in
 * page order.
 *
 * The text is Markdown that Docusaurus also reads as MDX: no autolinks, no raw '<', '{' or
 * '}' in text, and HTML limited to empty <a id="..."></a> anchors. */
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_text.h"

#include "base/banned.h"

/* The features whose checks reproduce kwctl push and pull (suites/policy.yaml): the
 * Kubewarden verdict comes from them. */
static const char *const kwctl_features[] = {"Policy push", "Policy pull"};

/* Signed policies: the signatures suite (kwctl verify's cosign .sig path, Sigstore bundles),
 * and what cosign 3's bundles need (a subject, the referrers API or its tag-schema fallback). */
static const char *const signature_features[] = {"Signatures (cosign)",
                                                 "Signatures (Sigstore bundle)", "Referrers API",
                                                 "Subject", "Referrers fallback"};

/* Tools whose requests regcompat's checks reproduce (a tool no check reproduces is not
 * named: the page says only what was measured). */
static const struct tool {
    const char *name;
    const char *url;
    const char *reproduced; /* what the checks do */
    const char *const *features;
    size_t nfeatures;
} tools[] = {
    {"kwctl", "https://github.com/kubewarden/kwctl",
     "push and pull a policy byte for byte as kwctl does: the same manifest and wasm layer "
     "bytes, the same upload sequence in chunks of at most 4 MiB, kwctl's Accept list on pulls",
     kwctl_features, RC_ARRAY_LEN(kwctl_features)},
};

/* ---- Markdown helpers (shared through report_text.h) ----------------------------------- */

void rc_report_md_text(struct rc_buf *out, const char *s)
{
    struct rc_buf t = RC_BUF_INIT(0);
    rc_buf_add(&t, "", 0);
    rc_report_clean(&t, s, RC_CLEAN_LINE);
    for (size_t i = 0; i < t.len; i++) {
        char c = t.data[i], next = t.data[i + 1];
        bool entity = c == '&' &&
                      (next == '#' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z'));
        if ((c && strchr("\\`*_[]<>|{}~", c)) || entity)
            rc_buf_addc(out, '\\');
        rc_buf_addc(out, c);
    }
    rc_buf_dispose(&t);
}

void rc_report_md_code(struct rc_buf *out, const char *s, bool in_table)
{
    struct rc_buf t = RC_BUF_INIT(0);
    rc_buf_add(&t, "", 0);
    rc_report_clean(&t, s, RC_CLEAN_LINE);
    if (!t.len) {
        rc_buf_dispose(&t);
        return;
    }
    size_t longest = 0, run = 0;
    bool all_space = true;
    for (size_t i = 0; i < t.len; i++) {
        run = t.data[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
        all_space &= t.data[i] == ' ';
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

/* A link destination: bytes that would end it or break MDX are percent-encoded. */
static void md_url(struct rc_buf *out, const char *url)
{
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f || strchr("()<>\"\\`{}|^", *p))
            rc_buf_addf(out, "%%%02X", *p);
        else
            rc_buf_addc(out, (char)*p);
    }
}

/* A URL fragment holding an id: only unreserved characters stay as they are. */
static void fragment(struct rc_buf *out, const char *id)
{
    for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            rc_buf_addc(out, (char)*p);
        else
            rc_buf_addf(out, "%%%02X", *p);
    }
}

static bool is_web_url(const char *s)
{
    return s && (rc_str_starts(s, "https://") || rc_str_starts(s, "http://")) && strlen(s) > 8;
}

/* ---- the page -------------------------------------------------------------------------- */

struct page {
    const struct rc_results *r;
    const char *base;
    struct rc_buf *b;
    struct rc_strv columns; /* the policy features, then the signature features, that ran */
    unsigned *issue;        /* [registry * ncolumns + column]: known issue number, 0 for none */
};

static const char *reg_name(const struct rc_registry_result *rr)
{
    return rr->name && *rr->name ? rr->name : rr->id ? rr->id : "?";
}

static void run_date(const struct rc_results *r, char out[11])
{
    const char *when = r->finished ? r->finished : r->started;
    if (when && strlen(when) >= 10) {
        memcpy(out, when, 10);
        out[10] = '\0';
    } else {
        memcpy(out, "unknown", 8);
    }
}

static void link_matrix(struct page *p, const char *id)
{
    rc_buf_adds(p->b, "(");
    md_url(p->b, p->base);
    rc_buf_adds(p->b, "matrix.md");
    if (id) {
        rc_buf_adds(p->b, "#");
        fragment(p->b, id);
    }
    rc_buf_adds(p->b, ")");
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (rc_str_eq(v[i], s))
            return true;
    return false;
}

/* A feature is a policy feature when its checks are in the policy suite. */
static bool is_policy_feature(const struct rc_results *r, const char *feature)
{
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            const struct rc_check_result *c = &r->registries[i].checks[k];
            if (rc_str_eq(c->feature, feature))
                return rc_str_eq(c->suite, "policy");
        }
    return false;
}

/* The columns, in the matrix's order: policy features, then signature features. */
static void choose_columns(struct page *p)
{
    const struct rc_results *r = p->r;
    for (size_t f = 0; f < r->features.n; f++)
        if (is_policy_feature(r, r->features.v[f]))
            rc_strv_push(&p->columns, r->features.v[f]);
    for (size_t f = 0; f < r->features.n; f++)
        if (in_list(signature_features, RC_ARRAY_LEN(signature_features), r->features.v[f]) &&
            !rc_strv_contains(&p->columns, r->features.v[f]))
            rc_strv_push(&p->columns, r->features.v[f]);
}

/* A cell that earns a known-issues entry: it fails, is unsupported, or works only with a
 * known issue or a fallback. Errors are the environment's, not the registry's. */
static bool is_issue(enum rc_report_cell cell)
{
    return cell == RC_CELL_FAIL || cell == RC_CELL_UNSUPPORTED || cell == RC_CELL_WARN;
}

/* The registries of one section in results order: hosted or not. */
static bool in_section(const struct rc_registry_result *rr, int hosted)
{
    return rr->hosted == (hosted != 0);
}

static void number_issues(struct page *p)
{
    const struct rc_results *r = p->r;
    unsigned n = 0;
    for (int hosted = 0; hosted < 2; hosted++)
        for (size_t i = 0; i < r->nregistries; i++) {
            if (!in_section(&r->registries[i], hosted))
                continue;
            for (size_t f = 0; f < p->columns.n; f++)
                if (is_issue(rc_report_cell_of(&r->registries[i], p->columns.v[f])))
                    p->issue[i * p->columns.n + f] = ++n;
        }
}

/* The Kubewarden verdict (can kwctl push and pull policies here?), from the checks of the
 * kwctl features, first match wins: a check failed, was unsupported or failed as expected
 * (xfail) -> fails; one could not be tested, or push or pull has no check that ran -> not
 * verified; every one passed,
 * some with a note, a fallback, a deviation or as an xpass -> works, with notes; else works.
 * (report.h is getting a shared helper for this; the page keeps its own until then.) */
enum kw_verdict { KW_WORKS, KW_NOTES, KW_FAILS, KW_UNVERIFIED };

static enum kw_verdict kw_verdict(const struct rc_registry_result *rr)
{
    bool error = false, notes = false;
    size_t ran[RC_ARRAY_LEN(kwctl_features)] = {0};
    for (size_t k = 0; k < rr->nchecks; k++) {
        const struct rc_check_result *c = &rr->checks[k];
        size_t f = 0;
        while (f < RC_ARRAY_LEN(kwctl_features) && !rc_str_eq(c->feature, kwctl_features[f]))
            f++;
        if (f == RC_ARRAY_LEN(kwctl_features))
            continue;
        if (c->status == RC_ST_FAIL || c->status == RC_ST_UNSUPPORTED || c->status == RC_ST_XFAIL)
            return KW_FAILS;
        error |= c->status == RC_ST_ERROR;
        ran[f] += c->status != RC_ST_SKIP;
        notes |= c->status == RC_ST_XPASS || c->note || c->fallback || c->ndeviations;
    }
    /* both push and pull must have been tested */
    for (size_t f = 0; f < RC_ARRAY_LEN(kwctl_features); f++)
        error |= !ran[f];
    if (error)
        return KW_UNVERIFIED;
    return notes ? KW_NOTES : KW_WORKS;
}

static const char *const kw_text[] = {
    [KW_WORKS] = "✅ works",
    [KW_NOTES] = "⚠️ works, with notes",
    [KW_FAILS] = "❌ does not work",
    [KW_UNVERIFIED] = "❗ not verified",
};

static void table_row(struct page *p, size_t reg)
{
    const struct rc_registry_result *rr = &p->r->registries[reg];
    rc_buf_adds(p->b, "| [");
    rc_report_md_text(p->b, reg_name(rr));
    rc_buf_adds(p->b, "]");
    link_matrix(p, rr->id);
    rc_buf_addf(p->b, " | %s |", kw_text[kw_verdict(rr)]);
    for (size_t f = 0; f < p->columns.n; f++) {
        enum rc_report_cell cell = rc_report_cell_of(rr, p->columns.v[f]);
        rc_buf_addf(p->b, " %s", rc_report_cell_symbol(cell));
        unsigned issue = p->issue[reg * p->columns.n + f];
        if (issue)
            rc_buf_addf(p->b, " [%u](#known-issue-%u)", issue, issue);
        rc_buf_adds(p->b, " |");
    }
    rc_buf_addc(p->b, '\n');
}

static void registries_section(struct page *p, int hosted)
{
    rc_buf_adds(p->b, hosted ? "## Hosted OCI registries\n\n"
                             : "## Projects implementing OCI registries\n\n");
    bool any = false;
    for (size_t i = 0; i < p->r->nregistries; i++) {
        if (!in_section(&p->r->registries[i], hosted))
            continue;
        if (!any) {
            rc_buf_adds(p->b, "| Registry | Kubewarden policies |");
            for (size_t f = 0; f < p->columns.n; f++) {
                rc_buf_adds(p->b, " ");
                rc_report_md_text(p->b, p->columns.v[f]);
                rc_buf_adds(p->b, " |");
            }
            rc_buf_adds(p->b, "\n| --- | --- |");
            for (size_t f = 0; f < p->columns.n; f++)
                rc_buf_adds(p->b, " :---: |");
            rc_buf_addc(p->b, '\n');
        }
        table_row(p, i);
        any = true;
    }
    if (!any)
        rc_buf_adds(p->b, hosted ? "No hosted registry was tested in this run.\n"
                                 : "No self-hosted registry was tested in this run.\n");
    rc_buf_addc(p->b, '\n');
}

/* One sentence naming the registries with that verdict; returns whether there was any. */
static bool tool_group(struct page *p, enum kw_verdict v, const char *label)
{
    bool any = false;
    for (int hosted = 0; hosted < 2; hosted++)
        for (size_t i = 0; i < p->r->nregistries; i++) {
            const struct rc_registry_result *rr = &p->r->registries[i];
            if (!in_section(rr, hosted) || kw_verdict(rr) != v)
                continue;
            rc_buf_adds(p->b, any ? ", " : label);
            rc_buf_adds(p->b, "[");
            rc_report_md_text(p->b, reg_name(rr));
            rc_buf_adds(p->b, "]");
            link_matrix(p, rr->id);
            any = true;
        }
    if (any)
        rc_buf_adds(p->b, ".");
    return any;
}

static void tools_section(struct page *p)
{
    rc_buf_adds(p->b, "## Tools that work with OCI registries\n\n"
                      "regcompat does not run these tools. Its checks reproduce the requests "
                      "they send, so their results tell how each tool fares with each "
                      "registry.\n\n");
    bool any_tool = false;
    for (size_t t = 0; t < RC_ARRAY_LEN(tools); t++) {
        const struct tool *tl = &tools[t];
        struct rc_strv ids = {0};
        for (size_t i = 0; i < p->r->nregistries; i++) {
            const struct rc_registry_result *rr = &p->r->registries[i];
            for (size_t k = 0; k < rr->nchecks; k++)
                if (in_list(tl->features, tl->nfeatures, rr->checks[k].feature) &&
                    rr->checks[k].id && !rc_strv_contains(&ids, rr->checks[k].id))
                    rc_strv_push(&ids, rr->checks[k].id);
        }
        rc_strv_sort(&ids);
        if (ids.n) {
            any_tool = true;
            rc_buf_addf(p->b, "- [%s](", tl->name);
            md_url(p->b, tl->url);
            rc_buf_adds(p->b, "): the checks of ");
            for (size_t f = 0; f < tl->nfeatures; f++)
                rc_buf_addf(p->b, "%s%s", f ? (f + 1 == tl->nfeatures ? " and " : ", ") : "",
                            tl->features[f]);
            rc_buf_adds(p->b, " (");
            for (size_t k = 0; k < ids.n; k++) {
                rc_buf_adds(p->b, k ? ", " : "");
                rc_report_md_code(p->b, ids.v[k], false);
            }
            rc_buf_addf(p->b, ") %s.", tl->reproduced);
            tool_group(p, KW_WORKS, " They pass on ");
            tool_group(p, KW_NOTES, " They pass, with notes, on ");
            tool_group(p, KW_FAILS, " They fail or are unsupported on ");
            tool_group(p, KW_UNVERIFIED, " They could not be verified on ");
            rc_buf_adds(p->b, "\n");
        }
        rc_strv_dispose(&ids);
    }
    if (!any_tool)
        rc_buf_adds(p->b, "None of the checks that reproduce a tool ran in this run.\n");
    rc_buf_addc(p->b, '\n');
}

static void issue_check(struct page *p, const struct rc_check_result *c)
{
    rc_buf_adds(p->b, "  - ");
    rc_report_md_code(p->b, c->id ? c->id : "?", false);
    rc_buf_addf(p->b, " %s%s", rc_status_name(c->status), c->fallback ? " (fallback)" : "");
    if (c->reason) {
        rc_buf_adds(p->b, ": ");
        rc_report_md_text(p->b, c->reason);
    }
    if (c->note) {
        rc_buf_adds(p->b, c->reason ? "; " : ": ");
        rc_report_md_text(p->b, c->note);
    }
    rc_buf_adds(p->b, ".");
    if (c->expect_reason || c->expect_link) {
        rc_buf_adds(p->b, " Known issue in the registry profile");
        if (c->expect_reason) {
            rc_buf_adds(p->b, ": ");
            rc_report_md_text(p->b, c->expect_reason);
        }
        if (is_web_url(c->expect_link)) {
            rc_buf_adds(p->b, " ([link](");
            md_url(p->b, c->expect_link);
            rc_buf_adds(p->b, "))");
        } else if (c->expect_link) {
            rc_buf_adds(p->b, " (see ");
            rc_report_md_code(p->b, c->expect_link, false);
            rc_buf_adds(p->b, ")");
        }
        rc_buf_adds(p->b, ".");
    }
    if (c->nevidence) {
        struct rc_buf line = RC_BUF_INIT(0);
        rc_report_evidence_line(&line, &c->evidence[0]);
        rc_buf_adds(p->b, " Evidence: ");
        rc_report_md_code(p->b, rc_buf_str(&line), false);
        if (c->nevidence > 1)
            rc_buf_addf(p->b, " (and %zu more)", c->nevidence - 1);
        rc_buf_adds(p->b, ".");
        rc_buf_dispose(&line);
    }
    rc_buf_addc(p->b, '\n');
}

static void issues_section(struct page *p)
{
    const struct rc_results *r = p->r;
    rc_buf_adds(p->b, "## Known issues\n\n");
    bool any = false;
    for (int hosted = 0; hosted < 2; hosted++)
        for (size_t i = 0; i < r->nregistries; i++) {
            const struct rc_registry_result *rr = &r->registries[i];
            bool heading = false;
            for (size_t f = 0; in_section(rr, hosted) && f < p->columns.n; f++) {
                unsigned num = p->issue[i * p->columns.n + f];
                if (!num)
                    continue;
                if (!heading) {
                    rc_buf_adds(p->b, "### ");
                    rc_report_md_text(p->b, reg_name(rr));
                    rc_buf_adds(p->b, "\n\n");
                    heading = any = true;
                }
                enum rc_report_cell cell = rc_report_cell_of(rr, p->columns.v[f]);
                rc_buf_addf(p->b, "- <a id=\"known-issue-%u\"></a>**", num);
                rc_report_md_text(p->b, p->columns.v[f]);
                rc_buf_addf(p->b, "** %s %s ([matrix]", rc_report_cell_symbol(cell),
                            rc_report_cell_label(cell));
                link_matrix(p, rr->id);
                rc_buf_adds(p->b, "):\n");
                for (size_t k = 0; k < rr->nchecks; k++) {
                    const struct rc_check_result *c = &rr->checks[k];
                    if (rc_str_eq(c->feature, p->columns.v[f]) && c->status != RC_ST_SKIP &&
                        !rc_report_check_is_plain(c))
                        issue_check(p, c);
                }
            }
            if (heading)
                rc_buf_addc(p->b, '\n');
        }
    if (!any)
        rc_buf_adds(p->b, "None: every policy and signature feature tested passed on every "
                          "registry.\n\n");
}

int rc_report_docs_ex(const struct rc_results *r, const char *link_base, struct rc_buf *out,
                      struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct page p = {.r = r, .base = link_base ? link_base : "", .b = &b};
    choose_columns(&p);
    size_t cells = r->nregistries * p.columns.n;
    p.issue = rc_xcalloc(cells ? cells : 1, sizeof(*p.issue));
    number_issues(&p);
    char date[11];
    run_date(r, date);
    const char *version = r->tool_version ? r->tool_version : "(unknown version)";

    rc_buf_adds(&b, "---\n"
                    "sidebar_label: OCI registries support\n"
                    "title: OCI registries support\n"
                    "description: Which OCI registries store and serve Kubewarden policies, "
                    "measured by regcompat.\n"
                    "keywords: [kubewarden, oci registry support, oci artifacts, regcompat]\n"
                    "---\n\n");
    rc_buf_adds(&b, "This page is generated by regcompat ");
    rc_report_md_text(&b, version);
    rc_buf_adds(&b, " from the measured results of run ");
    rc_report_md_code(&b, r->run_id ? r->run_id : "?", false);
    rc_buf_addf(&b, " on %s", date);
    if (r->merged_from.n) {
        rc_buf_adds(&b, " (merged with run");
        rc_buf_adds(&b, r->merged_from.n > 1 ? "s " : " ");
        for (size_t i = 0; i < r->merged_from.n; i++) {
            rc_buf_adds(&b, i ? ", " : "");
            rc_report_md_code(&b, r->merged_from.v[i], false);
        }
        rc_buf_adds(&b, ")");
    }
    rc_buf_adds(&b, ". Do not edit it by hand: change the registry profiles or the suites and "
                    "run regcompat again.");
    if (r->interrupted)
        rc_buf_adds(&b, " The run was interrupted: checks that did not run show as not tested.");
    rc_buf_adds(&b, "\n\nKubewarden policies are OCI artifacts, pushed and pulled with kwctl and "
                    "signed with cosign. A registry works with Kubewarden policies when the "
                    "checks that push and pull a policy exactly as kwctl does pass on it. The "
                    "tables show that verdict, the policy features and the features signatures "
                    "need: cosign attaches a Sigstore bundle to the policy and finds it through "
                    "the referrers API, or through the referrers tag schema where a registry "
                    "has none. Every other OCI feature, and the evidence behind each result, is "
                    "in the [compatibility matrix]");
    link_matrix(&p, NULL);
    rc_buf_adds(&b,
                ".\n\nLegend: ✅ pass, ⚠️ pass with a known issue or a fallback, ❌ fail, "
                "➖ unsupported, ❗ could not be tested, · not tested; a number links to the "
                "known issue.\n\n");

    registries_section(&p, 0);
    registries_section(&p, 1);
    tools_section(&p);
    issues_section(&p);
    while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
        b.data[--b.len] = '\0';

    int rc = 0;
    if (rc_buf_add(out, b.data, b.len) < 0)
        rc = rc_error_set(err, RC_ELIMIT, "docs: page larger than %zu bytes", out->max);
    free(p.issue);
    rc_strv_dispose(&p.columns);
    rc_buf_dispose(&b);
    return rc;
}

int rc_report_docs(const struct rc_results *r, struct rc_buf *out, struct rc_error **err)
{
    return rc_report_docs_ex(r, "", out, err);
}

/* ---- the file, with links relative to it ----------------------------------------------- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return rc_xstrdup(".");
    if (slash == path)
        return rc_xstrdup("/");
    return rc_xstrndup(path, (size_t)(slash - path));
}

/* The components of path made absolute (against the working directory) and normalised
 * lexically: "." and empty components dropped, ".." taking the previous one away. Links in a
 * page are resolved the same way by a browser, so symbolic links are not followed. */
static int components(struct rc_strv *out, const char *path, struct rc_error **err)
{
    char *abs = NULL;
    if (path[0] == '/') {
        abs = rc_xstrdup(path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd)))
            return rc_error_set(err, RC_EIO, "working directory: %s", strerror(errno));
        abs = rc_fmt("%s/%s", cwd, path);
    }
    char *save = NULL;
    for (char *c = strtok_r(abs, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (rc_str_eq(c, "."))
            continue;
        if (rc_str_eq(c, "..")) {
            if (out->n)
                free(out->v[--out->n]);
            continue;
        }
        rc_strv_push(out, c);
    }
    free(abs);
    return 0;
}

/* The path from directory from to directory to: "../reports/", or "" when they are the
 * same directory. */
static int relative_base(char **out, const char *from, const char *to, struct rc_error **err)
{
    struct rc_strv a = {0}, b = {0};
    int rc = components(&a, from, err);
    if (rc == 0)
        rc = components(&b, to, err);
    if (rc == 0) {
        size_t common = 0;
        while (common < a.n && common < b.n && rc_str_eq(a.v[common], b.v[common]))
            common++;
        struct rc_buf rel = RC_BUF_INIT(0);
        rc_buf_add(&rel, "", 0);
        for (size_t i = common; i < a.n; i++)
            rc_buf_adds(&rel, "../");
        for (size_t i = common; i < b.n; i++)
            rc_buf_addf(&rel, "%s/", b.v[i]);
        *out = rc_buf_steal(&rel, NULL);
    }
    rc_strv_dispose(&a);
    rc_strv_dispose(&b);
    return rc;
}

int rc_report_docs_file(const struct rc_results *r, const char *path, const char *reports_dir,
                        struct rc_error **err)
{
    char *dir = dir_of(path), *base = NULL;
    int rc = rc_report_mkdirs(dir, err);
    if (rc == 0 && reports_dir)
        rc = relative_base(&base, dir, reports_dir, err);
    struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
    if (rc == 0)
        rc = rc_report_docs_ex(r, base ? base : "", &b, err);
    if (rc == 0)
        rc = rc_write_file(path, b.data ? b.data : "", b.len, err);
    if (rc < 0)
        rc_error_prefix(err, "docs page %s", path);
    rc_buf_dispose(&b);
    free(base);
    free(dir);
    return rc < 0 ? rc : 0;
}
