/* The documentation page: which registries work with Kubewarden policies, as measured.
 *
 * Link format. Every statement on the page links to the result or the expectation behind
 * it. Links are relative to the directory that holds the run's results.json and matrix.md
 * (rc_report_docs_ex puts a base in front of them):
 *   matrix.md#<registry id>                   the registry in the compatibility matrix
 *   results.json#/registries/<i>              the registry's entry in results.json
 *   results.json#/registries/<i>/checks/<j>   one check: status, reason, expectation, evidence
 * The part after "results.json#" is a JSON Pointer (RFC 6901) into results.json: i and j
 * count from 0 in the order of the file, which is the order of the results tree rendered
 * here. Registry ids are percent-encoded where a URL fragment needs it. Expectation links
 * (a profile's `expect[].link`) and tool homepages are absolute URLs, shown as they are.
 * Inside the page, known issues are anchored as #known-issue-<n>, numbered in page order.
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

/* The features whose checks reproduce kwctl push and pull (suites/policy.yaml). A registry
 * "works with Kubewarden policies" when every one of these cells is a plain pass. */
static const char *const policy_features[] = {"Policy push", "Policy pull"};

/* Tools named on the page. features: the matrix columns whose checks reproduce what the
 * tool sends (none: the tool is not measured). */
static const struct tool {
    const char *name;
    const char *url;
    const char *version_note; /* or NULL */
    const char *reproduced;   /* what the checks do, or NULL */
    const char *const *features;
    size_t nfeatures;
} tools[] = {
    {"kwctl", "https://github.com/kubewarden/kwctl", NULL,
     "push and pull a policy byte for byte as kwctl does: the same manifest and wasm layer "
     "bytes, the same upload sequence in chunks of at most 4 MiB, kwctl's Accept list on pulls",
     policy_features, RC_ARRAY_LEN(policy_features)},
    {"Skopeo", "https://github.com/containers/skopeo",
     ">= 1.9.0; earlier versions cannot copy OCI artifacts that are not container images", NULL,
     NULL, 0},
    {"Crane", "https://github.com/google/go-containerregistry/tree/main/cmd/crane", NULL, NULL,
     NULL, 0},
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
    unsigned *issue; /* [registry * nfeatures + feature]: known issue number, 0 for none */
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

static void link_matrix(struct page *p, size_t reg)
{
    rc_buf_adds(p->b, "(");
    md_url(p->b, p->base);
    rc_buf_adds(p->b, "matrix.md#");
    fragment(p->b, p->r->registries[reg].id);
    rc_buf_adds(p->b, ")");
}

static void link_result(struct page *p, size_t reg, const size_t *check)
{
    rc_buf_adds(p->b, "(");
    md_url(p->b, p->base);
    rc_buf_addf(p->b, "results.json#/registries/%zu", reg);
    if (check)
        rc_buf_addf(p->b, "/checks/%zu", *check);
    rc_buf_adds(p->b, ")");
}

/* [`check.id`](results.json#/registries/i/checks/j) */
static void check_link(struct page *p, size_t reg, size_t k)
{
    const struct rc_check_result *c = &p->r->registries[reg].checks[k];
    rc_buf_adds(p->b, "[");
    rc_report_md_code(p->b, c->id ? c->id : "?", false);
    rc_buf_adds(p->b, "]");
    link_result(p, reg, &k);
}

static bool is_policy_feature(const char *feature)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(policy_features); i++)
        if (rc_str_eq(feature, policy_features[i]))
            return true;
    return false;
}

static bool has_checks(const struct rc_registry_result *rr, const char *feature)
{
    for (size_t k = 0; k < rr->nchecks; k++)
        if (rc_str_eq(rr->checks[k].feature, feature))
            return true;
    return false;
}

/* A cell that earns a known-issues entry: it fails, is unsupported, or works only with a
 * known issue or a fallback. Errors are the environment's, not the registry's. */
static bool is_issue(enum rc_report_cell cell)
{
    return cell == RC_CELL_FAIL || cell == RC_CELL_UNSUPPORTED || cell == RC_CELL_WARN;
}

static const char *cell_phrase(enum rc_report_cell cell)
{
    switch (cell) {
    case RC_CELL_PASS:
        return "passes";
    case RC_CELL_WARN:
        return "passes only with a known issue or a fallback";
    case RC_CELL_FAIL:
        return "fails";
    case RC_CELL_UNSUPPORTED:
        return "is unsupported";
    case RC_CELL_ERROR:
        return "could not be tested";
    default:
        return "was not tested";
    }
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
            for (size_t f = 0; f < r->features.n; f++)
                if (is_issue(rc_report_cell_of(&r->registries[i], r->features.v[f])))
                    p->issue[i * r->features.n + f] = ++n;
        }
}

/* "Policy push fails; Policy pull was not tested" over the policy cells matching want */
static void policy_cells(struct page *p, const struct rc_registry_result *rr,
                         bool (*want)(enum rc_report_cell))
{
    const char *sep = "";
    for (size_t i = 0; i < RC_ARRAY_LEN(policy_features); i++) {
        enum rc_report_cell cell = rc_report_cell_of(rr, policy_features[i]);
        if (!want(cell))
            continue;
        rc_buf_addf(p->b, "%s%s %s", sep, policy_features[i], cell_phrase(cell));
        sep = "; ";
    }
}

static bool cell_not_pass(enum rc_report_cell c)
{
    return c != RC_CELL_PASS;
}

static bool cell_broken(enum rc_report_cell c)
{
    return c == RC_CELL_FAIL || c == RC_CELL_UNSUPPORTED;
}

static bool cell_warn(enum rc_report_cell c)
{
    return c == RC_CELL_WARN;
}

enum verdict { V_WORKS, V_CAVEATS, V_BROKEN, V_UNVERIFIED };

/* The verdict over a set of features: works when every cell is a plain pass. */
static enum verdict verdict_of(const struct rc_registry_result *rr, const char *const *features,
                               size_t nfeatures)
{
    unsigned n[RC_CELL_UNTESTED + 1] = {0};
    for (size_t i = 0; i < nfeatures; i++)
        n[rc_report_cell_of(rr, features[i])]++;
    if (n[RC_CELL_PASS] == nfeatures)
        return V_WORKS;
    if (n[RC_CELL_FAIL] || n[RC_CELL_UNSUPPORTED])
        return V_BROKEN;
    if (n[RC_CELL_ERROR] || n[RC_CELL_UNTESTED])
        return V_UNVERIFIED;
    return V_CAVEATS;
}

static enum verdict policy_verdict(const struct rc_registry_result *rr)
{
    return verdict_of(rr, policy_features, RC_ARRAY_LEN(policy_features));
}

static void verdict_text(struct page *p, const struct rc_registry_result *rr)
{
    switch (policy_verdict(rr)) {
    case V_WORKS:
        rc_buf_adds(p->b, "works with Kubewarden policies");
        break;
    case V_CAVEATS:
        rc_buf_adds(p->b, "Kubewarden policies can be pushed and pulled, with caveats: ");
        policy_cells(p, rr, cell_warn);
        break;
    case V_BROKEN:
        rc_buf_adds(p->b, "does not work with Kubewarden policies: ");
        policy_cells(p, rr, cell_broken);
        break;
    default:
        rc_buf_adds(p->b, "Kubewarden policy support was not verified: ");
        policy_cells(p, rr, cell_not_pass);
        break;
    }
}

/* Signed policies in Kubewarden's words (suites/signatures.yaml): kwctl verify reads the
 * cosign .sig tag; a Sigstore bundle is found through the referrers API or the tag fallback. */
#define SIG_COSIGN "Signatures (cosign)"
#define SIG_BUNDLE "Signatures (Sigstore bundle)"

static bool through_fallback(const struct rc_registry_result *rr, const char *feature)
{
    for (size_t k = 0; k < rr->nchecks; k++)
        if (rc_str_eq(rr->checks[k].feature, feature) && rr->checks[k].fallback)
            return true;
    return false;
}

static void signature_text(struct page *p, const struct rc_registry_result *rr)
{
    bool cosign = has_checks(rr, SIG_COSIGN), bundle = has_checks(rr, SIG_BUNDLE);
    if (!cosign && !bundle)
        return;
    rc_buf_adds(p->b, "; signed policies: ");
    if (cosign) {
        static const char *const said[] = {
            [RC_CELL_PASS] = "kwctl verify works",
            [RC_CELL_WARN] = "kwctl verify works, with caveats",
            [RC_CELL_FAIL] = "kwctl verify fails (cosign signatures are not stored or served "
                             "intact)",
            [RC_CELL_UNSUPPORTED] = "cosign signatures cannot be stored",
        };
        enum rc_report_cell c = rc_report_cell_of(rr, SIG_COSIGN);
        rc_buf_adds(p->b, c < RC_ARRAY_LEN(said) && said[c] ? said[c]
                                                            : "kwctl verify was not "
                                                              "verified");
    }
    if (bundle) {
        enum rc_report_cell c = rc_report_cell_of(rr, SIG_BUNDLE);
        const char *t = "Sigstore bundles were not verified";
        if (c == RC_CELL_PASS)
            t = "Sigstore bundles work through the referrers API";
        else if (c == RC_CELL_WARN)
            t = through_fallback(rr, SIG_BUNDLE) ? "Sigstore bundles work through the tag "
                                                   "fallback only"
                                                 : "Sigstore bundles work, with caveats";
        else if (c == RC_CELL_FAIL || c == RC_CELL_UNSUPPORTED)
            t = "Sigstore bundles do not work";
        rc_buf_addf(p->b, "%s%s", cosign ? "; " : "", t);
    }
}

/* - Policy push: ✅ pass: [`policy.push`](...) pass, ... */
static void feature_line(struct page *p, size_t reg, size_t f)
{
    const struct rc_registry_result *rr = &p->r->registries[reg];
    const char *feature = p->r->features.v[f];
    enum rc_report_cell cell = rc_report_cell_of(rr, feature);
    rc_buf_adds(p->b, "  - ");
    rc_report_md_text(p->b, feature);
    rc_buf_addf(p->b, ": %s %s", rc_report_cell_symbol(cell), rc_report_cell_label(cell));
    unsigned issue = p->issue[reg * p->r->features.n + f];
    if (issue)
        rc_buf_addf(p->b, " ([known issue %u](#known-issue-%u))", issue, issue);
    /* a published page names what is not a plain pass; the matrix and the results have the
     * rest */
    const char *sep = ". Not a plain pass: ";
    for (size_t k = 0; k < rr->nchecks; k++) {
        const struct rc_check_result *c = &rr->checks[k];
        if (!rc_str_eq(c->feature, feature) || (c->status == RC_ST_PASS && !c->fallback))
            continue;
        rc_buf_adds(p->b, sep);
        check_link(p, reg, k);
        rc_buf_addf(p->b, " %s", rc_status_name(c->status));
        if (c->fallback)
            rc_buf_adds(p->b, " (fallback)");
        sep = ", ";
    }
    rc_buf_adds(p->b, ".\n");
}

static void registry_entry(struct page *p, size_t reg, const char *date)
{
    const struct rc_registry_result *rr = &p->r->registries[reg];
    rc_buf_adds(p->b, "- [**");
    rc_report_md_text(p->b, reg_name(rr));
    rc_buf_adds(p->b, "**]");
    link_matrix(p, reg);
    if (rr->kind && *rr->kind) {
        rc_buf_adds(p->b, " (");
        rc_report_md_text(p->b, rr->kind);
        rc_buf_adds(p->b, ")");
    }
    rc_buf_adds(p->b, ": ");
    verdict_text(p, rr);
    signature_text(p, rr);
    rc_buf_addf(p->b, ". Last verified %s with regcompat ", date);
    rc_report_md_text(p->b, p->r->tool_version ? p->r->tool_version : "(unknown version)");
    rc_buf_adds(p->b, " ([results]");
    link_result(p, reg, NULL);
    rc_buf_adds(p->b, ").\n");
    /* the policy features first: they carry the verdict; then the features that are not a
     * plain pass, one line each; the plain passes together on one line */
    for (int policy = 1; policy >= 0; policy--)
        for (size_t f = 0; f < p->r->features.n; f++) {
            const char *feature = p->r->features.v[f];
            if (is_policy_feature(feature) != (policy != 0) || !has_checks(rr, feature))
                continue;
            if (policy || rc_report_cell_of(rr, feature) != RC_CELL_PASS)
                feature_line(p, reg, f);
        }
    const char *sep = "  - Also passing: ";
    for (size_t f = 0; f < p->r->features.n; f++) {
        const char *feature = p->r->features.v[f];
        if (is_policy_feature(feature) || !has_checks(rr, feature) ||
            rc_report_cell_of(rr, feature) != RC_CELL_PASS)
            continue;
        rc_buf_adds(p->b, sep);
        rc_report_md_text(p->b, feature);
        sep = ", ";
    }
    if (*sep == ',')
        rc_buf_adds(p->b, ".\n");
}

static void registries_section(struct page *p, int hosted, const char *date)
{
    rc_buf_adds(p->b, hosted ? "## Hosted OCI registries\n\n"
                             : "## Projects implementing OCI registries\n\n");
    bool any = false;
    for (size_t i = 0; i < p->r->nregistries; i++) {
        if (!in_section(&p->r->registries[i], hosted))
            continue;
        registry_entry(p, i, date);
        any = true;
    }
    if (!any)
        rc_buf_adds(p->b, hosted ? "No hosted registry was tested in this run.\n"
                                 : "No self-hosted registry was tested in this run.\n");
    rc_buf_addc(p->b, '\n');
}

/* One sentence naming the registries whose verdict on the tool's features is v; returns
 * whether there was any. */
static bool tool_group(struct page *p, const struct tool *tl, enum verdict v, const char *label)
{
    bool any = false;
    for (int hosted = 0; hosted < 2; hosted++)
        for (size_t i = 0; i < p->r->nregistries; i++) {
            const struct rc_registry_result *rr = &p->r->registries[i];
            if (!in_section(rr, hosted) || verdict_of(rr, tl->features, tl->nfeatures) != v)
                continue;
            rc_buf_adds(p->b, any ? ", " : label);
            rc_buf_adds(p->b, "[");
            rc_report_md_text(p->b, reg_name(rr));
            rc_buf_adds(p->b, "]");
            link_matrix(p, i);
            any = true;
        }
    if (any)
        rc_buf_adds(p->b, ".");
    return any;
}

static void tools_section(struct page *p)
{
    rc_buf_adds(p->b, "## Tools that work with OCI registries\n\n"
                      "regcompat does not run these tools. Where its checks reproduce the "
                      "requests a tool sends, their results tell how the tool fares with each "
                      "registry.\n\n");
    for (size_t t = 0; t < RC_ARRAY_LEN(tools); t++) {
        const struct tool *tl = &tools[t];
        rc_buf_addf(p->b, "- [%s](", tl->name);
        md_url(p->b, tl->url);
        rc_buf_adds(p->b, ")");
        if (tl->version_note)
            rc_buf_addf(p->b, " (%s)", tl->version_note);
        struct rc_strv ids = {0};
        for (size_t i = 0; i < p->r->nregistries; i++) {
            const struct rc_registry_result *rr = &p->r->registries[i];
            for (size_t k = 0; k < rr->nchecks; k++)
                for (size_t f = 0; f < tl->nfeatures; f++)
                    if (rc_str_eq(rr->checks[k].feature, tl->features[f]) && rr->checks[k].id &&
                        !rc_strv_contains(&ids, rr->checks[k].id))
                        rc_strv_push(&ids, rr->checks[k].id);
        }
        rc_strv_sort(&ids);
        if (!tl->nfeatures) {
            rc_buf_adds(p->b, ": no regcompat check reproduces it; not measured by this run.\n");
        } else if (!ids.n) {
            rc_buf_adds(p->b, ": not measured by this run (none of the checks that reproduce it "
                              "ran).\n");
        } else {
            rc_buf_adds(p->b, ": the checks of ");
            for (size_t f = 0; f < tl->nfeatures; f++)
                rc_buf_addf(p->b, "%s%s", f ? (f + 1 == tl->nfeatures ? " and " : ", ") : "",
                            tl->features[f]);
            rc_buf_adds(p->b, " (");
            for (size_t k = 0; k < ids.n; k++) {
                rc_buf_adds(p->b, k ? ", " : "");
                rc_report_md_code(p->b, ids.v[k], false);
            }
            rc_buf_addf(p->b, ") %s.", tl->reproduced);
            bool any = tool_group(p, tl, V_WORKS, " They pass on ");
            any |= tool_group(p, tl, V_CAVEATS, " They pass with caveats on ");
            any |= tool_group(p, tl, V_BROKEN, " They fail or are unsupported on ");
            any |= tool_group(p, tl, V_UNVERIFIED, " They could not be verified on ");
            rc_buf_adds(p->b, any ? "\n" : " No registry was tested.\n");
        }
        rc_strv_dispose(&ids);
    }
    rc_buf_addc(p->b, '\n');
}

static void issue_check(struct page *p, size_t reg, size_t k)
{
    const struct rc_check_result *c = &p->r->registries[reg].checks[k];
    rc_buf_adds(p->b, "  - ");
    check_link(p, reg, k);
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
            for (size_t f = 0; in_section(rr, hosted) && f < r->features.n; f++) {
                unsigned num = p->issue[i * r->features.n + f];
                if (!num)
                    continue;
                if (!heading) {
                    rc_buf_adds(p->b, "### ");
                    rc_report_md_text(p->b, reg_name(rr));
                    rc_buf_adds(p->b, "\n\n");
                    heading = any = true;
                }
                enum rc_report_cell cell = rc_report_cell_of(rr, r->features.v[f]);
                rc_buf_addf(p->b, "- <a id=\"known-issue-%u\"></a>**", num);
                rc_report_md_text(p->b, r->features.v[f]);
                rc_buf_addf(p->b, "** %s %s ([matrix]", rc_report_cell_symbol(cell),
                            rc_report_cell_label(cell));
                link_matrix(p, i);
                rc_buf_adds(p->b, "):\n");
                for (size_t k = 0; k < rr->nchecks; k++) {
                    const struct rc_check_result *c = &rr->checks[k];
                    if (rc_str_eq(c->feature, r->features.v[f]) && c->status != RC_ST_SKIP &&
                        !rc_report_check_is_plain(c))
                        issue_check(p, i, k);
                }
            }
            if (heading)
                rc_buf_addc(p->b, '\n');
        }
    if (!any)
        rc_buf_adds(p->b, "None: every feature tested passed on every registry.\n\n");
}

int rc_report_docs_ex(const struct rc_results *r, const char *link_base, struct rc_buf *out,
                      struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct page p = {r, link_base ? link_base : "", &b, NULL};
    size_t cells = r->nregistries * r->features.n;
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
    rc_buf_adds(&b, "\n\nKubewarden policies are OCI artifacts. A registry works with Kubewarden "
                    "policies when every check of the features Policy push and Policy pull "
                    "passed on it; those checks push and pull a policy exactly as kwctl does. "
                    "Each statement links to the result behind it: a registry's row in the [");
    rc_buf_adds(&b, "compatibility matrix](");
    md_url(&b, p.base);
    rc_buf_adds(&b, "matrix.md) (`matrix.md#<registry id>`) or one check in the [results](");
    md_url(&b, p.base);
    rc_buf_adds(&b, "results.json) (`results.json#/registries/<i>/checks/<j>`, a JSON "
                    "pointer).\n\n");

    registries_section(&p, 0, date);
    registries_section(&p, 1, date);
    tools_section(&p);
    issues_section(&p);
    while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
        b.data[--b.len] = '\0';

    int rc = 0;
    if (rc_buf_add(out, b.data, b.len) < 0)
        rc = rc_error_set(err, RC_ELIMIT, "docs: page larger than %zu bytes", out->max);
    free(p.issue);
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
