/* report.html: the matrix, every verdict's evidence one click away, and the nights before.
 *
 * One self-contained page. The style and the script are inline and allowed by hash in a
 * Content-Security-Policy that forbids every fetch, so the page opens from file:// without
 * network access, and markup that slipped through could not run a script either. Without
 * JavaScript everything is readable: evidence sits in <details> elements; the script only
 * adds the status and suite filters and opens the <details> a link points at.
 *
 * Every string taken from the results goes through html_text (element content) or
 * html_attr (a double-quoted attribute value); links from profiles are used only when they
 * are plain http(s) URLs. Element ids are built from indexes, never from registry text:
 *   #r<i>           registry i of the newest run (results order)
 *   #r<i>-f<j>      its cell for feature j (the run's feature list order)
 *   #r<i>-c<k>      its check k
 *   #h<i>           its history (with two or more runs) */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "digest/digest.h"
#include "report/report_text.h"

#include "base/banned.h"

/* ---- escaping -------------------------------------------------------------------------- */

#define REPLACEMENT "\xEF\xBF\xBD"

/* s cleaned (C0 controls but tab, LF and CR, DEL, C1 controls and malformed UTF-8 become
 * U+FFFD) with the characters that could open markup or end an attribute written as
 * character references. in_attr also writes tab, LF and CR as references. */
static void escape(struct rc_buf *out, const char *s, bool in_attr)
{
    if (!s)
        return;
    struct rc_buf t = RC_BUF_INIT(0);
    rc_buf_add(&t, "", 0);
    rc_report_clean(&t, s, RC_CLEAN_XML);
    const unsigned char *p = (const unsigned char *)t.data;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = p[i];
        switch (c) {
        case '&':
            rc_buf_adds(out, "&amp;");
            break;
        case '<':
            rc_buf_adds(out, "&lt;");
            break;
        case '>':
            rc_buf_adds(out, "&gt;");
            break;
        case '"':
            rc_buf_adds(out, "&quot;");
            break;
        case '\'':
            rc_buf_adds(out, "&#39;");
            break;
        case '\t':
        case '\n':
        case '\r':
            if (in_attr)
                rc_buf_addf(out, "&#%u;", c);
            else
                rc_buf_addc(out, (char)c);
            break;
        case 0x7F:
            rc_buf_adds(out, REPLACEMENT);
            break;
        default:
            if (c == 0xC2 && i + 1 < t.len && p[i + 1] < 0xA0) {
                rc_buf_adds(out, REPLACEMENT); /* U+0080 to U+009F */
                i++;
            } else {
                rc_buf_addc(out, (char)c);
            }
        }
    }
    rc_buf_dispose(&t);
}

/* Element content. */
static void html_text(struct rc_buf *out, const char *s)
{
    escape(out, s, false);
}

/* The value of an attribute written as name="value". */
static void html_attr(struct rc_buf *out, const char *s)
{
    escape(out, s, true);
}

/* A link target from a profile: only a plain http(s) URL (no space, no control, no quote) is
 * used as one; anything else (javascript:, data:, relative paths) is shown as text. */
static bool web_url(const char *s)
{
    if (!s || !(rc_str_starts(s, "https://") || rc_str_starts(s, "http://")))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '\'' || *p == '<' || *p == '>' ||
            *p == '`' || *p == '\\')
            return false;
    return true;
}

static void link_or_text(struct rc_buf *out, const char *url)
{
    if (web_url(url)) {
        rc_buf_adds(out, "<a href=\"");
        html_attr(out, url);
        rc_buf_adds(out, "\" rel=\"noopener noreferrer\">");
        html_text(out, url);
        rc_buf_adds(out, "</a>");
    } else {
        rc_buf_adds(out, "<code>");
        html_text(out, url);
        rc_buf_adds(out, "</code>");
    }
}

/* ---- symbols: colour, symbol and text, never colour alone ------------------------------ */

#define SYM_PASS  "\xE2\x9C\x93" /* check mark */
#define SYM_WARN  "\xE2\x9A\xA0" /* warning sign */
#define SYM_FAIL  "\xE2\x9C\x97" /* ballot x */
#define SYM_UNSUP "\xE2\x8A\x98" /* circled division slash */
#define SYM_ERROR "!"
#define SYM_NONE  "\xC2\xB7" /* middle dot */
#define ARROW     "\xE2\x86\x92"
#define DOT       " \xC2\xB7 "

static const struct {
    const char *cls;
    const char *symbol;
    const char *label; /* short; the legend gives rc_report_cell_label */
} cells[] = {
    [RC_CELL_PASS] = {"c-pass", SYM_PASS, "pass"},
    [RC_CELL_WARN] = {"c-warn", SYM_WARN, "caveat"},
    [RC_CELL_FAIL] = {"c-fail", SYM_FAIL, "fail"},
    [RC_CELL_UNSUPPORTED] = {"c-unsup", SYM_UNSUP, "unsupported"},
    [RC_CELL_ERROR] = {"c-error", SYM_ERROR, "error"},
    [RC_CELL_UNTESTED] = {"c-none", SYM_NONE, "not tested"},
};

static const struct {
    const char *cls;
    const char *symbol;
} statuses[RC_ST__COUNT] = {
    [RC_ST_PASS] = {"c-pass", SYM_PASS},          [RC_ST_FAIL] = {"c-fail", SYM_FAIL},
    [RC_ST_UNSUPPORTED] = {"c-unsup", SYM_UNSUP}, [RC_ST_SKIP] = {"c-none", SYM_NONE},
    [RC_ST_ERROR] = {"c-error", SYM_ERROR},       [RC_ST_XFAIL] = {"c-warn", SYM_WARN},
    [RC_ST_XPASS] = {"c-warn", SYM_PASS},
};

/* label: how rc_report_kwctl_verdict's line starts, after "kwctl: " */
static const struct {
    const char *cls;
    const char *symbol;
    const char *label;
} kwctl[] = {
    [RC_KWCTL_WORKS] = {"c-pass", SYM_PASS, "works"},
    [RC_KWCTL_NOTES] = {"c-warn", SYM_WARN, "works with notes"},
    [RC_KWCTL_FAILS] = {"c-fail", SYM_FAIL, "fails"},
    [RC_KWCTL_UNVERIFIED] = {"c-error", SYM_ERROR, "not verified"},
};

static void status_badge(struct rc_buf *out, enum rc_status st)
{
    size_t i = (size_t)st < RC_ST__COUNT ? (size_t)st : RC_ST_ERROR;
    rc_buf_addf(out, "<span class=\"badge %s\"><span class=\"sym\">%s</span> %s</span>",
                statuses[i].cls, statuses[i].symbol, rc_status_name(st));
}

/* ---- the page's own style and script (allowed by hash) --------------------------------- */

static const char style[] =
    ":root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--line:#d1d9e0;--code:#f6f8fa}"
    "body{font:14px/1.45 system-ui,'DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg);"
    "margin:0 auto;padding:0 1.5em 3em;max-width:1600px}"
    "h1{font-size:1.6em;margin:.8em 0 .2em}h2{border-bottom:1px solid var(--line);"
    "padding-bottom:.2em;margin-top:1.6em}h3{margin:1.4em 0 .4em}h4{margin:.2em 0}"
    "h5{margin:.8em 0 .3em;font-size:.95em}"
    "code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:.92em}"
    "pre{background:var(--code);border:1px solid var(--line);padding:.5em;white-space:pre-wrap;"
    "word-break:break-all;max-height:16em;overflow:auto;margin:.3em 0}"
    "a{color:#0969da}.meta,.muted{color:var(--muted)}nav a{margin-right:1em}"
    "table{border-collapse:collapse}th,td{border:1px solid var(--line);padding:.25em .5em;"
    "vertical-align:top;text-align:left}thead th{background:var(--code)}"
    ".scroll{overflow-x:auto}"
    ".matrix th.feat{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;"
    "vertical-align:bottom;font-weight:600}"
    ".matrix td.cell{text-align:center;white-space:nowrap;font-size:.85em}.matrix td.cell "
    ".sym{display:block;font-size:1.2em}.matrix td a{color:inherit}"
    ".matrix .reg{min-width:12em}.matrix .kw{min-width:10em;max-width:18em;font-size:.9em}"
    ".matrix .kw a{font-weight:600}.why{display:-webkit-box;-webkit-line-clamp:2;"
    "-webkit-box-orient:vertical;overflow:hidden}"
    ".c-pass{background:#dafbe1;color:#116329}.c-warn{background:#fff8c5;color:#7d4e00}"
    ".c-fail{background:#ffebe9;color:#a40e26}.c-unsup{background:#eaeef2;color:#424a53}"
    ".c-error{background:#fbefff;color:#6e40c9}.c-none{background:#fff;color:#6e7781}"
    ".sym{font-weight:700}.badge{padding:0 .35em;border-radius:.6em;white-space:nowrap}"
    ".legend span.badge{margin-right:.8em}"
    ".filters{display:flex;flex-wrap:wrap;gap:1em;margin:.5em 0}"
    ".filters fieldset{border:1px solid var(--line)}.filters label{margin-right:.7em}"
    ".off{display:none!important}.dim{opacity:.25}"
    "details.cell{border:1px solid var(--line);border-radius:4px;margin:.4em 0;padding:0 .6em}"
    "details.cell>summary{cursor:pointer;padding:.35em 0;font-weight:600}"
    "details.cell[open]>summary{border-bottom:1px solid var(--line)}"
    "article.check{border-left:4px solid var(--line);padding:.2em .8em;margin:.7em 0}"
    "article.check{background:none;color:inherit}article.c-pass{border-color:#2da44e}"
    "article.c-fail{border-color:#cf222e}article.c-error{border-color:#8250df}"
    "article.c-warn{border-color:#bf8700}article.c-unsup{border-color:#8c959f}"
    "ol.x{padding-left:1.6em}ol.x>li{margin:.5em 0}.req{font-weight:600}"
    ".code{padding:0 .3em;border-radius:3px}.s2{background:#dafbe1}.s3{background:#ddf4ff}"
    ".s4{background:#fff8c5}.s5,.s0{background:#ffebe9}"
    "table.hdrs{font-size:.9em;margin:.2em 0}table.hdrs th{font-weight:600;background:none}"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0}"
    ".hist-grid{display:flex;flex-wrap:wrap;gap:1.5em}"
    "figure.hist{margin:0;border:1px solid var(--line);border-radius:4px;padding:.6em}"
    "figure.hist figcaption{font-weight:600}"
    "svg.chart text{font:10px 'DejaVu Sans',sans-serif;fill:var(--muted)}"
    "svg.chart text.bad{fill:#cf222e;font-weight:700}"
    ".b-pass{fill:#2da44e}.b-fail{fill:#cf222e}.b-error{fill:#8250df}.b-other{fill:#afb8c1}"
    ".b-none{fill:none;stroke:#afb8c1;stroke-dasharray:2 2}"
    "table.counts{font-size:.85em;margin-top:.3em}table.counts td{text-align:right}"
    "table.expect td:nth-child(3){word-break:break-all;min-width:12em}"
    "table.expect td:nth-child(4){white-space:nowrap}table.expect td:nth-child(5){min-width:24em}"
    ".nw{white-space:nowrap}";

static const char script[] =
    "(function(){var f=document.getElementById('filters');"
    "function sel(n){var o={};f.querySelectorAll('input[name='+n+']').forEach(function(i){"
    "if(i.checked)o[i.value]=1;});return o;}"
    "function any(el,a,set){var v=(el.getAttribute(a)||'').split(' ');"
    "for(var i=0;i<v.length;i++)if(set[v[i]])return true;return false;}"
    "function apply(){var st=sel('status'),su=sel('suite');"
    "document.querySelectorAll('[data-suites],[data-statuses]').forEach(function(el){"
    "var s=!el.hasAttribute('data-suites')||any(el,'data-suites',su);"
    "var t=!el.hasAttribute('data-statuses')||any(el,'data-statuses',st);"
    "var cell=el.classList.contains('cell')&&el.tagName==='TD';"
    "el.classList.toggle('off',!s||(!t&&!cell));el.classList.toggle('dim',cell&&s&&!t);});}"
    "function reveal(){var h=decodeURIComponent(location.hash.slice(1));if(!h)return;"
    "for(var el=document.getElementById(h);el;el=el.parentElement)"
    "if(el.tagName==='DETAILS')el.open=true;}"
    "if(f){f.hidden=false;f.addEventListener('change',apply);"
    "var q=new URLSearchParams(location.search);['status','suite'].forEach(function(n){"
    "var v=q.get(n);if(v===null)return;var w=v.split(',');"
    "f.querySelectorAll('input[name='+n+']').forEach(function(i){"
    "i.checked=w.indexOf(i.value)>=0;});});apply();}"
    "window.addEventListener('hashchange',reveal);reveal();})();";

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 'sha256-<base64>' of s, as a CSP source expression */
static void csp_hash(struct rc_buf *out, const char *s)
{
    char hex[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, s, strlen(s), hex);
    unsigned char raw[32];
    const char *h = hex + strlen("sha256:");
    for (size_t i = 0; i < sizeof(raw); i++) {
        char pair[3] = {h[2 * i], h[2 * i + 1], '\0'};
        raw[i] = (unsigned char)strtoul(pair, NULL, 16);
    }
    rc_buf_adds(out, "'sha256-");
    for (size_t i = 0; i < sizeof(raw); i += 3) {
        unsigned v = (unsigned)raw[i] << 16;
        if (i + 1 < sizeof(raw))
            v |= (unsigned)raw[i + 1] << 8;
        if (i + 2 < sizeof(raw))
            v |= raw[i + 2];
        rc_buf_addc(out, b64chars[(v >> 18) & 63]);
        rc_buf_addc(out, b64chars[(v >> 12) & 63]);
        rc_buf_addc(out, i + 1 < sizeof(raw) ? b64chars[(v >> 6) & 63] : '=');
        rc_buf_addc(out, i + 2 < sizeof(raw) ? b64chars[v & 63] : '=');
    }
    rc_buf_addc(out, '\'');
}

/* ---- the page -------------------------------------------------------------------------- */

struct page {
    const struct rc_results *runs;
    size_t n;
    const struct rc_results *r; /* the newest run: runs[n - 1] */
    struct rc_buf *b;
    size_t *order;         /* feature columns in page order: indexes into r->features */
    char **fsuites;        /* per feature: its checks' suites, space-separated */
    struct rc_strv suites; /* every suite of the run, for the filter */
};

static const char *reg_name(const struct rc_registry_result *rr)
{
    return rr->name && *rr->name ? rr->name : rr->id ? rr->id : "?";
}

static bool has_suite(const struct rc_results *r, const char *feature, const char *pattern)
{
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            const struct rc_check_result *c = &r->registries[i].checks[k];
            if (rc_str_eq(c->feature, feature) && c->suite && rc_glob_match(pattern, c->suite))
                return true;
        }
    return false;
}

/* Policy columns first, then signature columns, then the rest, each in run order. */
static int column_rank(const struct rc_results *r, const char *feature)
{
    if (has_suite(r, feature, "policy"))
        return 0;
    if (has_suite(r, feature, "sign*") ||
        (feature && (strstr(feature, "Signature") || strstr(feature, "signature"))))
        return 1;
    return 2;
}

static void page_init(struct page *p, const struct rc_results *runs, size_t n, struct rc_buf *b)
{
    memset(p, 0, sizeof(*p));
    p->runs = runs;
    p->n = n;
    p->r = &runs[n - 1];
    p->b = b;
    const struct rc_results *r = p->r;
    size_t nf = r->features.n;
    p->order = rc_xcalloc(nf ? nf : 1, sizeof(*p->order));
    p->fsuites = rc_xcalloc(nf ? nf : 1, sizeof(*p->fsuites));
    size_t k = 0;
    for (int rank = 0; rank <= 2; rank++)
        for (size_t f = 0; f < nf; f++)
            if (column_rank(r, r->features.v[f]) == rank)
                p->order[k++] = f;
    for (size_t i = 0; i < r->suites.n; i++)
        rc_strv_push(&p->suites, r->suites.v[i]);
    for (size_t f = 0; f < nf; f++) {
        struct rc_strv sv = {0};
        for (size_t i = 0; i < r->nregistries; i++)
            for (size_t c = 0; c < r->registries[i].nchecks; c++) {
                const struct rc_check_result *ck = &r->registries[i].checks[c];
                if (!rc_str_eq(ck->feature, r->features.v[f]) || !ck->suite)
                    continue;
                if (!rc_strv_contains(&sv, ck->suite))
                    rc_strv_push(&sv, ck->suite);
                if (!rc_strv_contains(&p->suites, ck->suite))
                    rc_strv_push(&p->suites, ck->suite);
            }
        p->fsuites[f] = rc_strv_join(&sv, " ");
        rc_strv_dispose(&sv);
    }
}

static void page_dispose(struct page *p)
{
    for (size_t f = 0; f < p->r->features.n; f++)
        free(p->fsuites[f]);
    free(p->fsuites);
    free(p->order);
    rc_strv_dispose(&p->suites);
}

/* data-statuses="pass fail" over the checks of one cell (enum order, each once) */
static void cell_statuses(struct rc_buf *b, const struct rc_registry_result *rr,
                          const char *feature)
{
    bool seen[RC_ST__COUNT] = {false};
    for (size_t k = 0; k < rr->nchecks; k++)
        if (rc_str_eq(rr->checks[k].feature, feature) &&
            (size_t)rr->checks[k].status < RC_ST__COUNT)
            seen[rr->checks[k].status] = true;
    rc_buf_adds(b, " data-statuses=\"");
    const char *sep = "";
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        if (seen[s]) {
            rc_buf_addf(b, "%s%s", sep, rc_status_name((enum rc_status)s));
            sep = " ";
        }
    rc_buf_adds(b, "\"");
}

static size_t cell_checks(const struct rc_registry_result *rr, const char *feature,
                          size_t *not_plain)
{
    size_t n = 0;
    *not_plain = 0;
    for (size_t k = 0; k < rr->nchecks; k++)
        if (rc_str_eq(rr->checks[k].feature, feature)) {
            n++;
            *not_plain += !rc_report_check_is_plain(&rr->checks[k]);
        }
    return n;
}

static void run_when(struct rc_buf *b, const struct rc_results *r)
{
    const char *when = r->finished ? r->finished : r->started;
    html_text(b, when ? when : "unknown date");
}

static void header(struct page *p)
{
    const struct rc_results *r = p->r;
    struct rc_buf *b = p->b;
    rc_buf_adds(b,
                "<header>\n<h1>Registry compatibility report</h1>\n<p class=\"meta\">Run <code>");
    html_text(b, r->run_id ? r->run_id : "?");
    rc_buf_adds(b, "</code>" DOT);
    run_when(b, r);
    rc_buf_adds(b, DOT "regcompat ");
    html_text(b, r->tool_version ? r->tool_version : "(unknown version)");
    rc_buf_adds(b, DOT "suites: ");
    for (size_t i = 0; i < r->suites.n; i++) {
        rc_buf_adds(b, i ? ", " : "");
        html_text(b, r->suites.v[i]);
    }
    if (!r->suites.n)
        rc_buf_adds(b, "none");
    unsigned counts[RC_ST__COUNT];
    rc_results_count(r, counts);
    size_t total = 0;
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        total += counts[s];
    rc_buf_addf(b, DOT "%zu registr%s, %zu check result%s</p>\n", r->nregistries,
                r->nregistries == 1 ? "y" : "ies", total, total == 1 ? "" : "s");
    if (r->merged_from.n) {
        rc_buf_adds(b, "<p class=\"meta\">Merged from run");
        rc_buf_adds(b, r->merged_from.n > 1 ? "s " : " ");
        for (size_t i = 0; i < r->merged_from.n; i++) {
            rc_buf_adds(b, i ? ", <code>" : "<code>");
            html_text(b, r->merged_from.v[i]);
            rc_buf_adds(b, "</code>");
        }
        rc_buf_adds(b, "</p>\n");
    }
    if (r->interrupted)
        rc_buf_adds(b, "<p class=\"badge c-error\">" SYM_ERROR " The run was interrupted: checks "
                       "that did not run show as not tested.</p>\n");
    rc_buf_adds(b, "<p class=\"legend\">");
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        if (counts[s]) {
            rc_buf_addf(b, "%u ", counts[s]);
            status_badge(b, (enum rc_status)s);
            rc_buf_adds(b, " ");
        }
    rc_buf_adds(b, "</p>\n<nav><a href=\"#matrix\">Matrix</a><a href=\"#expectations\">Known "
                   "issues</a>");
    if (p->n > 1)
        rc_buf_adds(b, "<a href=\"#history\">History</a>");
    rc_buf_adds(b, "<a href=\"#registries\">Evidence by registry</a></nav>\n</header>\n");
}

static void filters(struct page *p)
{
    struct rc_buf *b = p->b;
    rc_buf_adds(b, "<form id=\"filters\" class=\"filters\" hidden>\n<fieldset><legend>Status"
                   "</legend>\n");
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        rc_buf_addf(b, "<label><input type=\"checkbox\" name=\"status\" value=\"%s\" checked> ",
                    rc_status_name((enum rc_status)s));
        status_badge(b, (enum rc_status)s);
        rc_buf_adds(b, "</label>\n");
    }
    rc_buf_adds(b, "</fieldset>\n<fieldset><legend>Suite</legend>\n");
    for (size_t i = 0; i < p->suites.n; i++) {
        rc_buf_adds(b, "<label><input type=\"checkbox\" name=\"suite\" value=\"");
        html_attr(b, p->suites.v[i]);
        rc_buf_adds(b, "\" checked> ");
        html_text(b, p->suites.v[i]);
        rc_buf_adds(b, "</label>\n");
    }
    rc_buf_adds(b, "</fieldset>\n</form>\n");
}

/* The verdict in a matrix cell: its label linking to the registry, and the rest of the line
 * (the first reason, the notes) below it, clipped to two lines; the registry section has it
 * whole. */
static void kwctl_cell(struct rc_buf *b, const struct rc_registry_result *rr, size_t reg)
{
    struct rc_buf text = RC_BUF_INIT(0);
    enum rc_report_kwctl v = rc_report_kwctl_verdict(rr, &text);
    const char *line = rc_buf_str(&text), *rest = "";
    char *head = rc_fmt("kwctl: %s", kwctl[v].label);
    if (rc_str_starts(line, head)) {
        rest = line + strlen(head);
        rest += rc_str_starts(rest, ": ") ? 2 : 0;
    }
    rc_buf_addf(b, "<td class=\"kw %s\" title=\"", kwctl[v].cls);
    html_attr(b, line);
    rc_buf_addf(b, "\"><a href=\"#r%zu\"><span class=\"sym\">%s</span> kwctl: %s</a>", reg,
                kwctl[v].symbol, kwctl[v].label);
    if (*rest) {
        rc_buf_adds(b, "<div class=\"why\">");
        html_text(b, rest);
        rc_buf_adds(b, "</div>");
    }
    rc_buf_adds(b, "</td>");
    free(head);
    rc_buf_dispose(&text);
}

static void matrix(struct page *p)
{
    const struct rc_results *r = p->r;
    struct rc_buf *b = p->b;
    rc_buf_adds(b, "<section id=\"matrix\">\n<h2>Matrix</h2>\n<p class=\"muted\">Registries "
                   "down, features across (the policy columns first). A cell folds the checks of "
                   "one feature on one registry; every cell that is not a plain pass links to "
                   "its checks and their evidence.</p>\n");
    filters(p);
    rc_buf_adds(b, "<div class=\"scroll\">\n<table class=\"matrix\">\n<thead><tr><th "
                   "scope=\"col\">Registry</th><th scope=\"col\">Kubewarden (kwctl)</th>");
    for (size_t k = 0; k < r->features.n; k++) {
        size_t f = p->order[k];
        rc_buf_adds(b, "<th scope=\"col\" class=\"feat\" data-suites=\"");
        html_attr(b, p->fsuites[f]);
        rc_buf_adds(b, "\">");
        html_text(b, r->features.v[f]);
        rc_buf_adds(b, "</th>");
    }
    rc_buf_adds(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nregistries; i++) {
        const struct rc_registry_result *rr = &r->registries[i];
        rc_buf_addf(b, "<tr><th scope=\"row\" class=\"reg\"><a href=\"#r%zu\">", i);
        html_text(b, reg_name(rr));
        rc_buf_adds(b, "</a><br><code class=\"muted\">");
        html_text(b, rr->id ? rr->id : "?");
        rc_buf_adds(b, "</code></th>");
        kwctl_cell(b, rr, i);
        for (size_t k = 0; k < r->features.n; k++) {
            size_t f = p->order[k];
            const char *feature = r->features.v[f];
            enum rc_report_cell cell = rc_report_cell_of(rr, feature);
            size_t not_plain, n = cell_checks(rr, feature, &not_plain);
            rc_buf_addf(b, "<td class=\"cell %s\" data-suites=\"", cells[cell].cls);
            html_attr(b, p->fsuites[f]);
            rc_buf_adds(b, "\"");
            cell_statuses(b, rr, feature);
            rc_buf_addf(b, " title=\"%zu check%s, %zu not a plain pass\">", n, n == 1 ? "" : "s",
                        not_plain);
            if (not_plain)
                rc_buf_addf(b, "<a href=\"#r%zu-f%zu\">", i, f);
            rc_buf_addf(b, "<span class=\"sym\">%s</span> %s", cells[cell].symbol,
                        cells[cell].label);
            if (not_plain)
                rc_buf_adds(b, "</a>");
            rc_buf_adds(b, "</td>");
        }
        rc_buf_adds(b, "</tr>\n");
    }
    rc_buf_adds(b, "</tbody>\n</table>\n</div>\n");
    if (!r->nregistries)
        rc_buf_adds(b, "<p>No registry was tested.</p>\n");
    rc_buf_adds(b, "<p class=\"legend\">Legend: ");
    for (int c = RC_CELL_PASS; c <= RC_CELL_UNTESTED; c++)
        rc_buf_addf(b, "<span class=\"badge %s\"><span class=\"sym\">%s</span> %s</span> %s. ",
                    cells[c].cls, cells[c].symbol, cells[c].label,
                    rc_report_cell_label((enum rc_report_cell)c));
    rc_buf_adds(b, "</p>\n</section>\n");
}

/* One row of the known issues: an expectation (check, reason, link, until) and every
 * registry whose check it matched. */
struct expect_member {
    size_t reg, check; /* indexes into the run */
};

struct expect_group {
    const struct rc_check_result *first;
    struct expect_member *m;
    size_t n, cap;
};

static bool same_expectation(const struct rc_check_result *a, const struct rc_check_result *b)
{
    return rc_str_eq(a->id, b->id) && rc_str_eq(a->expect_reason, b->expect_reason) &&
           rc_str_eq(a->expect_link, b->expect_link) && rc_str_eq(a->expect_until, b->expect_until);
}

static int cmp_nullable(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_group(const void *x, const void *y)
{
    const struct rc_check_result *a = ((const struct expect_group *)x)->first;
    const struct rc_check_result *b = ((const struct expect_group *)y)->first;
    int r = cmp_nullable(a->id, b->id);
    if (!r)
        r = cmp_nullable(a->expect_reason, b->expect_reason);
    if (!r)
        r = cmp_nullable(a->expect_link, b->expect_link);
    return r ? r : cmp_nullable(a->expect_until, b->expect_until);
}

static void expect_row(struct rc_buf *b, const struct rc_results *r, const struct expect_group *g)
{
    const struct rc_check_result *c = g->first;
    bool seen[RC_ST__COUNT] = {false};
    for (size_t m = 0; m < g->n; m++)
        seen[r->registries[g->m[m].reg].checks[g->m[m].check].status] = true;
    rc_buf_adds(b, "<tr data-suites=\"");
    html_attr(b, c->suite);
    rc_buf_adds(b, "\" data-statuses=\"");
    const char *sep = "";
    for (size_t st = 0; st < RC_ST__COUNT; st++)
        if (seen[st]) {
            rc_buf_addf(b, "%s%s", sep, rc_status_name((enum rc_status)st));
            sep = " ";
        }
    rc_buf_adds(b, "\"><td><code>");
    html_text(b, c->id ? c->id : "?");
    rc_buf_adds(b, "</code></td><td>");
    html_text(b, c->expect_reason ? c->expect_reason : "(no reason given)");
    rc_buf_adds(b, "</td><td>");
    if (c->expect_link)
        link_or_text(b, c->expect_link);
    rc_buf_adds(b, "</td><td>");
    html_text(b, c->expect_until ? c->expect_until : "no end date");
    rc_buf_adds(b, "</td><td>");
    for (size_t m = 0; m < g->n; m++) {
        const struct rc_registry_result *rr = &r->registries[g->m[m].reg];
        rc_buf_adds(b, m ? " <span class=\"nw\">" : "<span class=\"nw\">");
        status_badge(b, rr->checks[g->m[m].check].status);
        rc_buf_addf(b, " <a href=\"#r%zu-c%zu\">", g->m[m].reg, g->m[m].check);
        html_text(b, rr->id ? rr->id : "?");
        rc_buf_adds(b, "</a></span>");
    }
    rc_buf_adds(b, "</td></tr>\n");
}

static void expectations(struct page *p)
{
    const struct rc_results *r = p->r;
    struct rc_buf *b = p->b;
    rc_buf_adds(b, "<section id=\"expectations\">\n<h2>Known issues</h2>\n<p class=\"muted\">"
                   "Expectations declared in the registry profiles that matched a check: "
                   "<code>xfail</code> when it failed as expected, <code>xpass</code> when it "
                   "now passes (fixed upstream: remove the expectation).</p>\n");
    struct expect_group *groups = NULL;
    size_t ngroups = 0, cap = 0;
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            const struct rc_check_result *c = &r->registries[i].checks[k];
            if ((!c->expect_reason && !c->expect_link && !c->expect_until) ||
                (size_t)c->status >= RC_ST__COUNT)
                continue;
            size_t g = 0;
            while (g < ngroups && !same_expectation(groups[g].first, c))
                g++;
            if (g == ngroups) {
                struct expect_group ng = {c, NULL, 0, 0};
                RC_PUSH(groups, ngroups, cap, ng);
            }
            struct expect_member em = {i, k};
            RC_PUSH(groups[g].m, groups[g].n, groups[g].cap, em);
        }
    if (ngroups > 1)
        qsort(groups, ngroups, sizeof(*groups), cmp_group);
    if (ngroups) {
        rc_buf_adds(b, "<div class=\"scroll\"><table class=\"expect\">\n<thead><tr><th>Check"
                       "</th><th>Known issue</th><th>Link</th><th>Until</th><th>Registries</th>"
                       "</tr></thead>\n<tbody>\n");
        for (size_t g = 0; g < ngroups; g++)
            expect_row(b, r, &groups[g]);
        rc_buf_adds(b, "</tbody>\n</table></div>\n");
    } else {
        rc_buf_adds(b, "<p>No expectation matched a check in this run.</p>\n");
    }
    for (size_t g = 0; g < ngroups; g++)
        free(groups[g].m);
    free(groups);
    rc_buf_adds(b, "</section>\n");
}

/* ---- evidence -------------------------------------------------------------------------- */

static void exchange(struct rc_buf *b, const struct rc_evidence *e)
{
    const char *req = e->request ? e->request : "(request)";
    const char *sp = strchr(req, ' ');
    rc_buf_adds(b, "<div class=\"req\">");
    if (sp) {
        char *method = rc_xstrndup(req, (size_t)(sp - req));
        rc_buf_adds(b, "<span class=\"method\">");
        html_text(b, method);
        rc_buf_adds(b, "</span> ");
        free(method);
        req = sp + 1;
    }
    rc_buf_adds(b, "<code class=\"url\">");
    html_text(b, req);
    rc_buf_adds(b, "</code> " ARROW " ");
    if (e->status) {
        int cls = e->status / 100;
        rc_buf_addf(b, "<span class=\"code s%d\">%d</span>", cls >= 2 && cls <= 5 ? cls : 0,
                    e->status);
    }
    if (e->error) {
        rc_buf_adds(b, e->status ? " " : "");
        rc_buf_adds(b, "<span class=\"code s0\">");
        html_text(b, e->error);
        rc_buf_adds(b, "</span>");
    }
    if (!e->status && !e->error)
        rc_buf_adds(b, "<span class=\"code s0\">no answer</span>");
    if (e->timed)
        rc_buf_addf(b, " <span class=\"muted ms\">%llu ms</span>",
                    (unsigned long long)e->duration_ms);
    rc_buf_adds(b, "</div>\n");
    if (e->host) {
        rc_buf_adds(b, "<div class=\"muted\">to another host: <code>");
        html_text(b, e->host);
        rc_buf_adds(b, "</code></div>\n");
    }
    if (e->nheaders) {
        rc_buf_adds(b, "<table class=\"hdrs\">");
        for (size_t h = 0; h < e->nheaders; h++) {
            rc_buf_adds(b, "<tr><th>");
            html_text(b, e->headers[h].name);
            rc_buf_adds(b, "</th><td><code>");
            html_text(b, e->headers[h].value);
            rc_buf_adds(b, "</code></td></tr>");
        }
        rc_buf_adds(b, "</table>\n");
    }
    if (e->body) {
        rc_buf_adds(b, "<pre class=\"body\">");
        html_text(b, e->body);
        rc_buf_adds(b, "</pre>\n");
        if (e->body_truncated)
            rc_buf_adds(b, "<div class=\"muted\">body truncated</div>\n");
    }
}

static void check_article(struct rc_buf *b, size_t reg, size_t k, const struct rc_check_result *c)
{
    size_t st = (size_t)c->status < RC_ST__COUNT ? (size_t)c->status : RC_ST_ERROR;
    rc_buf_addf(b, "<article class=\"check %s\" id=\"r%zu-c%zu\" data-suites=\"", statuses[st].cls,
                reg, k);
    html_attr(b, c->suite);
    rc_buf_addf(b, "\" data-statuses=\"%s\">\n<h4>", rc_status_name(c->status));
    status_badge(b, c->status);
    rc_buf_adds(b, " <code>");
    html_text(b, c->id ? c->id : "?");
    rc_buf_adds(b, "</code>");
    if (c->fallback)
        rc_buf_adds(b, " <span class=\"muted\">(through a fallback)</span>");
    rc_buf_adds(b, "</h4>\n");
    if (c->title) {
        rc_buf_adds(b, "<p class=\"muted\">Rule: ");
        html_text(b, c->title);
        rc_buf_adds(b, "</p>\n");
    }
    if (c->reason) {
        rc_buf_adds(b, "<p><b>Reason:</b> ");
        html_text(b, c->reason);
        rc_buf_adds(b, "</p>\n");
    }
    if (c->note) {
        rc_buf_adds(b, "<p><b>Note:</b> ");
        html_text(b, c->note);
        rc_buf_adds(b, "</p>\n");
    }
    if (c->expect_reason || c->expect_link || c->expect_until) {
        rc_buf_adds(b, "<p><b>Known issue:</b> ");
        html_text(b, c->expect_reason ? c->expect_reason : "(no reason given)");
        if (c->expect_link) {
            rc_buf_adds(b, DOT);
            link_or_text(b, c->expect_link);
        }
        if (c->expect_until) {
            rc_buf_adds(b, DOT "until ");
            html_text(b, c->expect_until);
        }
        rc_buf_adds(b, "</p>\n");
    }
    rc_buf_adds(b, "<p class=\"muted\">suite ");
    html_text(b, c->suite ? c->suite : "?");
    rc_buf_addf(b, DOT "%llu ms" DOT "%u request%s", (unsigned long long)c->duration_ms,
                c->requests, c->requests == 1 ? "" : "s");
    if (c->retries)
        rc_buf_addf(b, DOT "%u retr%s", c->retries, c->retries == 1 ? "y" : "ies");
    rc_buf_adds(b, "</p>\n");
    if (c->ndeviations) {
        rc_buf_adds(b, "<h5>Deviations</h5>\n<ul class=\"dev\">\n");
        for (size_t d = 0; d < c->ndeviations; d++) {
            rc_buf_adds(b, "<li>");
            html_text(b, c->deviations[d].text);
            if (c->deviations[d].evidence.request) {
                rc_buf_adds(b, "\n<ol class=\"x\"><li>");
                exchange(b, &c->deviations[d].evidence);
                rc_buf_adds(b, "</li></ol>\n");
            }
            rc_buf_adds(b, "</li>\n");
        }
        rc_buf_adds(b, "</ul>\n");
    }
    if (c->nevidence) {
        rc_buf_addf(b, "<h5>Evidence (%zu exchange%s)</h5>\n<ol class=\"x\">\n", c->nevidence,
                    c->nevidence == 1 ? "" : "s");
        for (size_t e = 0; e < c->nevidence; e++) {
            rc_buf_adds(b, "<li>");
            exchange(b, &c->evidence[e]);
            rc_buf_adds(b, "</li>\n");
        }
        rc_buf_adds(b, "</ol>\n");
    }
    rc_buf_adds(b, "</article>\n");
}

static void cell_details(struct page *p, size_t reg, size_t f)
{
    const struct rc_registry_result *rr = &p->r->registries[reg];
    const char *feature = p->r->features.v[f];
    struct rc_buf *b = p->b;
    size_t not_plain, n = cell_checks(rr, feature, &not_plain);
    enum rc_report_cell cell = rc_report_cell_of(rr, feature);
    rc_buf_addf(b, "<details class=\"cell\" id=\"r%zu-f%zu\" data-suites=\"", reg, f);
    html_attr(b, p->fsuites[f]);
    rc_buf_adds(b, "\"");
    cell_statuses(b, rr, feature);
    rc_buf_addf(b, ">\n<summary><span class=\"badge %s\"><span class=\"sym\">%s</span> %s</span> ",
                cells[cell].cls, cells[cell].symbol, cells[cell].label);
    html_text(b, feature);
    rc_buf_addf(b,
                " <span class=\"muted\">(%zu of %zu check%s not a plain pass)</span>"
                "</summary>\n",
                not_plain, n, n == 1 ? "" : "s");
    for (size_t k = 0; k < rr->nchecks; k++)
        if (rc_str_eq(rr->checks[k].feature, feature) && !rc_report_check_is_plain(&rr->checks[k]))
            check_article(b, reg, k, &rr->checks[k]);
    const char *sep = "<p class=\"muted\">Plain passes: ";
    for (size_t k = 0; k < rr->nchecks; k++) {
        const struct rc_check_result *c = &rr->checks[k];
        if (!rc_str_eq(c->feature, feature) || !rc_report_check_is_plain(c))
            continue;
        rc_buf_adds(b, sep);
        rc_buf_addf(b, "<code id=\"r%zu-c%zu\">", reg, k);
        html_text(b, c->id ? c->id : "?");
        rc_buf_adds(b, "</code>");
        sep = ", ";
    }
    if (*sep == ',')
        rc_buf_adds(b, "</p>\n");
    rc_buf_adds(b, "</details>\n");
}

static void leftovers(struct rc_buf *b, const struct rc_registry_result *rr)
{
    rc_buf_addf(b,
                "<dt>Left behind</dt><dd><details><summary>%zu object%s not deleted after "
                "the run</summary><ul>",
                rr->nleftovers, rr->nleftovers == 1 ? "" : "s");
    for (size_t i = 0; i < rr->nleftovers; i++) {
        const struct rc_leftover *l = &rr->leftovers[i];
        rc_buf_adds(b, "<li>");
        html_text(b, l->kind);
        rc_buf_adds(b, " <code>");
        html_text(b, l->repository);
        rc_buf_adds(b, "@");
        html_text(b, l->digest);
        rc_buf_adds(b, "</code>: ");
        html_text(b, l->answer ? l->answer : "no answer");
        rc_buf_adds(b, "</li>");
    }
    rc_buf_adds(b, "</ul></details></dd>\n");
}

static void registry_section(struct page *p, size_t reg)
{
    const struct rc_registry_result *rr = &p->r->registries[reg];
    struct rc_buf *b = p->b;
    rc_buf_addf(b, "<section class=\"registry\" id=\"r%zu\">\n<h3>", reg);
    html_text(b, reg_name(rr));
    rc_buf_adds(b, "</h3>\n<dl class=\"facts\">\n<dt>Profile</dt><dd><code>");
    html_text(b, rr->id ? rr->id : "?");
    rc_buf_adds(b, "</code>");
    if (rr->kind) {
        rc_buf_adds(b, ", kind ");
        html_text(b, rr->kind);
    }
    rc_buf_adds(b, rr->hosted ? ", hosted" : ", self-hosted");
    rc_buf_adds(b, "</dd>\n");
    if (rr->url) {
        rc_buf_adds(b, "<dt>URL</dt><dd><code>");
        html_text(b, rr->url);
        rc_buf_adds(b, "</code></dd>\n");
    }
    if (rr->nversions) {
        rc_buf_adds(b, "<dt>Versions</dt><dd>");
        for (size_t i = 0; i < rr->nversions; i++) {
            rc_buf_adds(b, i ? ", <code>" : "<code>");
            html_text(b, rr->versions[i].name);
            rc_buf_adds(b, ": ");
            html_text(b, rr->versions[i].value);
            rc_buf_adds(b, "</code>");
        }
        rc_buf_adds(b, "</dd>\n");
    }
    rc_buf_adds(b, "<dt>Kubewarden</dt><dd>");
    struct rc_buf text = RC_BUF_INIT(0);
    enum rc_report_kwctl v = rc_report_kwctl_verdict(rr, &text);
    rc_buf_addf(b, "<span class=\"badge %s\"><span class=\"sym\">%s</span></span> ", kwctl[v].cls,
                kwctl[v].symbol);
    html_text(b, rc_buf_str(&text));
    rc_buf_dispose(&text);
    rc_buf_adds(b, "</dd>\n");
    unsigned n[RC_ST__COUNT];
    rc_report_count(rr, n);
    rc_buf_addf(b, "<dt>Checks</dt><dd>%zu:", rr->nchecks);
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        if (n[s]) {
            rc_buf_addf(b, " %u ", n[s]);
            status_badge(b, (enum rc_status)s);
        }
    rc_buf_adds(b, "</dd>\n");
    if (rr->nleftovers)
        leftovers(b, rr);
    if (p->n > 1)
        rc_buf_addf(b, "<dt>History</dt><dd><a href=\"#h%zu\">%zu runs</a></dd>\n", reg, p->n);
    rc_buf_adds(b, "</dl>\n");
    bool any = false;
    for (size_t k = 0; k < p->r->features.n; k++) {
        size_t f = p->order[k];
        size_t not_plain;
        if (cell_checks(rr, p->r->features.v[f], &not_plain) && not_plain) {
            cell_details(p, reg, f);
            any = true;
        }
    }
    if (!any)
        rc_buf_adds(b, rr->nchecks ? "<p>Every check passed.</p>\n" : "<p>No check ran.</p>\n");
    rc_buf_adds(b, "</section>\n");
}

/* ---- history --------------------------------------------------------------------------- */

#define CHART_TOP   14
#define CHART_H     80
#define CHART_LEFT  34
#define CHART_STEP  26
#define CHART_BAR   16
#define CHART_BELOW 16

static const struct rc_registry_result *find_reg(const struct rc_results *r, const char *id)
{
    for (size_t i = 0; i < r->nregistries; i++)
        if (rc_str_eq(r->registries[i].id, id))
            return &r->registries[i];
    return NULL;
}

struct tally {
    unsigned pass, fail, error, other;
};

static struct tally tally_of(const struct rc_registry_result *rr)
{
    struct tally t = {0, 0, 0, 0};
    unsigned n[RC_ST__COUNT];
    rc_report_count(rr, n);
    t.pass = n[RC_ST_PASS];
    t.fail = n[RC_ST_FAIL];
    t.error = n[RC_ST_ERROR];
    t.other = n[RC_ST_UNSUPPORTED] + n[RC_ST_SKIP] + n[RC_ST_XFAIL] + n[RC_ST_XPASS];
    return t;
}

/* A bar segment's height; one check still shows (2 px). */
static unsigned scale(unsigned v, unsigned max)
{
    unsigned h = max ? (unsigned)(((unsigned long)v * CHART_H + max / 2) / max) : 0;
    return v && h < 2 ? 2 : h;
}

static void bar(struct rc_buf *b, const char *cls, unsigned x, unsigned *y, unsigned h)
{
    if (!h)
        return;
    *y -= h;
    rc_buf_addf(b, "<rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>", cls, x, *y,
                CHART_BAR, h);
}

static void chart(struct page *p, const char *id)
{
    struct rc_buf *b = p->b;
    unsigned max = 0;
    for (size_t k = 0; k < p->n; k++) {
        const struct rc_registry_result *rr = find_reg(&p->runs[k], id);
        if (!rr)
            continue;
        struct tally t = tally_of(rr);
        unsigned sum = t.pass + t.fail + t.error + t.other;
        max = sum > max ? sum : max;
    }
    unsigned w = CHART_LEFT + (unsigned)p->n * CHART_STEP + 4;
    unsigned h = CHART_TOP + CHART_H + CHART_BELOW;
    unsigned base = CHART_TOP + CHART_H;
    rc_buf_addf(b,
                "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                "width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" data-runs=\"%zu\">"
                "<title>Check results per run, oldest first: pass, fail, error, other</title>",
                w, h, w, h, p->n);
    rc_buf_addf(b,
                "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#8c959f\"/>"
                "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%u</text>"
                "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">0</text>",
                CHART_LEFT - 4, base, w - 2, base, CHART_LEFT - 6, CHART_TOP + 4, max,
                CHART_LEFT - 6, base);
    for (size_t k = 0; k < p->n; k++) {
        const struct rc_results *run = &p->runs[k];
        const struct rc_registry_result *rr = find_reg(run, id);
        unsigned x = CHART_LEFT + (unsigned)k * CHART_STEP + (CHART_STEP - CHART_BAR) / 2;
        rc_buf_addf(b, "<g class=\"run\" data-run=\"%zu\"><title>run %zu, ", k + 1, k + 1);
        html_text(b, run->run_id ? run->run_id : "?");
        rc_buf_adds(b, " (");
        run_when(b, run);
        rc_buf_adds(b, "): ");
        if (rr) {
            struct tally t = tally_of(rr);
            rc_buf_addf(b, "%u pass, %u fail, %u error, %u other</title>", t.pass, t.fail, t.error,
                        t.other);
            unsigned y = base;
            bar(b, "b-pass", x, &y, scale(t.pass, max));
            bar(b, "b-other", x, &y, scale(t.other, max));
            bar(b, "b-error", x, &y, scale(t.error, max));
            bar(b, "b-fail", x, &y, scale(t.fail, max));
            if (t.fail + t.error)
                rc_buf_addf(b,
                            "<text class=\"bad\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">%u"
                            "</text>",
                            x + CHART_BAR / 2, y > 3 ? y - 3 : 0, t.fail + t.error);
        } else {
            rc_buf_adds(b, "not in this run</title>");
            rc_buf_addf(b, "<rect class=\"b-none\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>",
                        x, CHART_TOP, CHART_BAR, CHART_H);
        }
        rc_buf_addf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">%zu</text></g>",
                    x + CHART_BAR / 2, base + 12, k + 1);
    }
    rc_buf_adds(b, "</svg>\n");
}

static void counts_table(struct page *p, const char *id)
{
    struct rc_buf *b = p->b;
    static const char *const rows[] = {"pass", "fail", "error", "other"};
    rc_buf_adds(b, "<table class=\"counts\"><thead><tr><th>run</th>");
    for (size_t k = 0; k < p->n; k++)
        rc_buf_addf(b, "<th>%zu</th>", k + 1);
    rc_buf_adds(b, "</tr></thead><tbody>");
    for (size_t row = 0; row < RC_ARRAY_LEN(rows); row++) {
        rc_buf_addf(b, "<tr><th>%s</th>", rows[row]);
        for (size_t k = 0; k < p->n; k++) {
            const struct rc_registry_result *rr = find_reg(&p->runs[k], id);
            if (!rr) {
                rc_buf_adds(b, "<td>-</td>");
                continue;
            }
            struct tally t = tally_of(rr);
            unsigned v[] = {t.pass, t.fail, t.error, t.other};
            rc_buf_addf(b, "<td>%u</td>", v[row]);
        }
        rc_buf_adds(b, "</tr>");
    }
    rc_buf_adds(b, "</tbody></table>\n");
}

static void change_row(struct rc_buf *b, const struct rc_report_change *c)
{
    rc_buf_addf(b, "<tr><td>%s</td><td>", rc_report_change_label(c->kind));
    if (c->check) {
        rc_buf_adds(b, c->kind == RC_CHANGE_SUPPORTED ? "" : "<code>");
        html_text(b, c->check);
        rc_buf_adds(b, c->kind == RC_CHANGE_SUPPORTED ? "" : "</code>");
    }
    rc_buf_adds(b, "</td><td>");
    const struct rc_check_result *why = NULL;
    switch (c->kind) {
    case RC_CHANGE_REGRESSION:
    case RC_CHANGE_FIX:
    case RC_CHANGE_OTHER:
        status_badge(b, c->old->status);
        rc_buf_adds(b, " " ARROW " ");
        status_badge(b, c->new->status);
        if (c->kind == RC_CHANGE_OTHER)
            rc_buf_addf(b, " (%s)", rc_report_change_direction(c));
        if (c->flaky)
            rc_buf_adds(b, " (flaky)");
        why = c->new;
        break;
    case RC_CHANGE_SUPPORTED:
        rc_buf_addf(b, "%s " ARROW " %s", rc_report_cell_label(c->old_cell),
                    rc_report_cell_label(c->new_cell));
        break;
    case RC_CHANGE_NEW_CHECK:
        status_badge(b, c->new->status);
        why = c->new;
        break;
    case RC_CHANGE_GONE_CHECK:
        rc_buf_adds(b, "was ");
        status_badge(b, c->old->status);
        break;
    case RC_CHANGE_FLAKY:
        html_text(b, c->statuses);
        rc_buf_addf(b, " (%u flips)", c->flips);
        break;
    default:
        rc_buf_addf(b, "%zu checks", c->registry->nchecks);
        break;
    }
    rc_buf_adds(b, "</td><td>");
    if (why && why->reason)
        html_text(b, why->reason);
    rc_buf_adds(b, "</td></tr>\n");
}

static void history(struct page *p)
{
    struct rc_buf *b = p->b;
    const struct rc_results *old = &p->runs[p->n - 2];
    rc_buf_addf(b,
                "<section id=\"history\">\n<h2>History</h2>\n<p class=\"muted\">%zu runs, "
                "oldest first:",
                p->n);
    for (size_t k = 0; k < p->n; k++) {
        rc_buf_addf(b, "%s%zu = <code>", k ? "; " : " ", k + 1);
        html_text(b, p->runs[k].run_id ? p->runs[k].run_id : "?");
        rc_buf_adds(b, "</code> (");
        run_when(b, &p->runs[k]);
        rc_buf_adds(b, ")");
    }
    rc_buf_adds(b, ". Bars stack the check results of each run: <span class=\"badge c-pass\">"
                   "pass</span> <span class=\"badge c-unsup\">other (unsupported, skip, xfail, "
                   "xpass)</span> <span class=\"badge c-error\">error</span> <span class=\"badge "
                   "c-fail\">fail</span>; the number above a bar counts its fail and error "
                   "results. Changes compare the last two runs, as "
                   "<code>regcompat report diff</code> does.</p>\n<div class=\"hist-grid\">\n");
    struct rc_report_change *ch = NULL;
    size_t nch = 0;
    rc_report_changes(&ch, &nch, p->runs, p->n);
    /* every registry of any run: the newest run's first (in its order), then the others */
    struct rc_strv ids = {0};
    for (size_t k = p->n; k-- > 0;)
        for (size_t i = 0; i < p->runs[k].nregistries; i++)
            if (p->runs[k].registries[i].id && !rc_strv_contains(&ids, p->runs[k].registries[i].id))
                rc_strv_push(&ids, p->runs[k].registries[i].id);
    for (size_t i = 0; i < ids.n; i++) {
        const struct rc_registry_result *latest = NULL;
        for (size_t k = p->n; k-- > 0 && !latest;)
            latest = find_reg(&p->runs[k], ids.v[i]);
        if (i < p->r->nregistries)
            rc_buf_addf(b, "<figure class=\"hist\" id=\"h%zu\">", i);
        else
            rc_buf_adds(b, "<figure class=\"hist\">");
        rc_buf_adds(b, "<figcaption>");
        html_text(b, reg_name(latest));
        if (i >= p->r->nregistries)
            rc_buf_adds(b, " <span class=\"muted\">(not in the newest run)</span>");
        rc_buf_adds(b, "</figcaption>\n");
        chart(p, ids.v[i]);
        counts_table(p, ids.v[i]);
        bool any = false;
        for (int kind = 0; kind < RC_CHANGE__COUNT; kind++)
            for (size_t c = 0; c < nch; c++) {
                if (ch[c].kind != (enum rc_report_change_kind)kind ||
                    !rc_str_eq(ch[c].registry->id, ids.v[i]))
                    continue;
                if (!any)
                    rc_buf_adds(b, "<table class=\"changes\"><thead><tr><th>Change</th><th>"
                                   "Check</th><th>Status</th><th>Reason</th></tr></thead>"
                                   "<tbody>\n");
                any = true;
                change_row(b, &ch[c]);
            }
        if (any) {
            rc_buf_adds(b, "</tbody></table>\n");
        } else {
            rc_buf_adds(b, "<p class=\"muted\">No change since run <code>");
            html_text(b, old->run_id ? old->run_id : "?");
            rc_buf_adds(b, "</code>.</p>\n");
        }
        rc_buf_adds(b, "</figure>\n");
    }
    rc_buf_adds(b, "</div>\n</section>\n");
    rc_strv_dispose(&ids);
    rc_report_changes_free(ch, nch);
}

/* ---- entry points ---------------------------------------------------------------------- */

int rc_report_html(const struct rc_results *runs, size_t n, struct rc_buf *out,
                   struct rc_error **err)
{
    if (!n)
        return rc_error_set(err, RC_EINVAL, "html: no results to render");
    struct rc_buf b = RC_BUF_INIT(0);
    struct page p;
    page_init(&p, runs, n, &b);
    rc_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src ");
    csp_hash(&b, style);
    rc_buf_adds(&b, "; script-src ");
    csp_hash(&b, script);
    rc_buf_adds(&b, "; base-uri 'none'; form-action 'none'\">\n<meta name=\"generator\" "
                    "content=\"regcompat ");
    html_attr(&b, p.r->tool_version);
    rc_buf_adds(&b, "\">\n<title>regcompat report: ");
    html_text(&b, p.r->run_id ? p.r->run_id : "?");
    rc_buf_addf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
    header(&p);
    rc_buf_adds(&b, "<main>\n");
    matrix(&p);
    expectations(&p);
    if (n > 1)
        history(&p);
    rc_buf_adds(&b, "<section id=\"registries\">\n<h2>Evidence by registry</h2>\n<p "
                    "class=\"muted\">Each cell that is not a plain pass, with its checks: status, "
                    "reason, the known issue, deviations, and the redacted HTTP exchanges request "
                    "by request.</p>\n");
    for (size_t i = 0; i < p.r->nregistries; i++)
        registry_section(&p, i);
    rc_buf_adds(&b, "</section>\n</main>\n<footer class=\"muted\"><p>Generated by regcompat ");
    html_text(&b, p.r->tool_version ? p.r->tool_version : "");
    rc_buf_addf(&b,
                " from results.json (schema regcompat.results/v1).</p></footer>\n"
                "<script>%s</script>\n</body>\n</html>\n",
                script);
    page_dispose(&p);
    int rc = 0;
    if (rc_buf_add(out, b.data, b.len) < 0)
        rc = rc_error_set(err, RC_ELIMIT, "html: report larger than %zu bytes", out->max);
    rc_buf_dispose(&b);
    return rc;
}

int rc_report_html_file(const struct rc_results *runs, size_t n, const char *path,
                        struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
    const char *slash = strrchr(path, '/');
    int rc = 0;
    if (slash && slash != path) {
        char *dir = rc_xstrndup(path, (size_t)(slash - path));
        rc = rc_report_mkdirs(dir, err);
        free(dir);
    }
    if (rc == 0)
        rc = rc_report_html(runs, n, &b, err);
    if (rc == 0)
        rc = rc_write_file(path, b.data ? b.data : "", b.len, err);
    if (rc < 0)
        rc_error_prefix(err, "html report %s", path);
    rc_buf_dispose(&b);
    return rc < 0 ? rc : 0;
}
