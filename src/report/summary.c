/* The human summary printed by the CLI: counts per registry, the checks that need a look, one
 * line per registry that could not be tested, a total.
 *
 * What is listed, one line each, columns aligned over the lines shown:
 * - per registry, its problem (reg->problem: unreachable, TLS trust, credentials...) once,
 *   in place of every check it kept from running ("all 150 checks"), with the fix;
 * - per registry, the checks an interrupted run did not get to, once;
 * - every other check whose status is fail, error or xpass (the ones that need a look);
 *   with verbosity > 0 also unsupported, skip and xfail;
 * - a line counting the statuses not listed, pointing at matrix.md.
 * With verbosity < 0 only the total line. */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_text.h"

#include "base/banned.h"

#define RESET "\033[0m"

static const char *const colors[RC_ST__COUNT] = {
    [RC_ST_PASS] = "\033[32m",        /* green */
    [RC_ST_FAIL] = "\033[1;31m",      /* bold red */
    [RC_ST_UNSUPPORTED] = "\033[36m", /* cyan */
    [RC_ST_SKIP] = "\033[2m",         /* dim */
    [RC_ST_ERROR] = "\033[1;35m",     /* bold magenta */
    [RC_ST_XFAIL] = "\033[33m",       /* yellow */
    [RC_ST_XPASS] = "\033[1;33m",     /* bold yellow */
};

static void pad(struct rc_buf *b, size_t n)
{
    while (n--)
        rc_buf_addc(b, ' ');
}

/* Display width in columns: counts UTF-8 code points (good enough for ids and names). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

/* s padded to w columns, coloured when col is set. */
static void cell(struct rc_buf *b, const char *s, size_t w, const char *col, bool right)
{
    size_t sw = width(s);
    if (right && sw < w)
        pad(b, w - sw);
    if (col)
        rc_buf_adds(b, col);
    rc_buf_adds(b, s);
    if (col)
        rc_buf_adds(b, RESET);
    if (!right && sw < w)
        pad(b, w - sw);
}

static char *upper(const char *s)
{
    char *u = rc_xstrdup(s);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

static char *clean_line(const char *s)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    rc_report_clean(&b, s, RC_CLEAN_LINE);
    return rc_buf_steal(&b, NULL);
}

/* A listed line before it is laid out. */
struct line {
    enum rc_status status;
    size_t reg;
    char *what; /* check id, or "all 150 checks" */
    char *why;  /* raw; cleaned when written */
};

struct lines {
    struct line *v;
    size_t n, cap;
};

static void add_line(struct lines *l, enum rc_status st, size_t reg, char *what, char *why)
{
    struct line x = {st, reg, what, why};
    RC_PUSH(l->v, l->n, l->cap, x);
}

/* Whether a check is one of those a registry-level line stands for. */
static bool grouped(const struct rc_registry_result *rr, const struct rc_check_result *c)
{
    if (!c->reason)
        return false;
    return (rr->problem && rc_str_eq(c->reason, rr->problem)) ||
           (c->status == RC_ST_SKIP && rc_str_eq(c->reason, RC_REASON_INTERRUPTED));
}

static bool listed(enum rc_status st, int verbosity)
{
    if (st == RC_ST_PASS)
        return false;
    return verbosity > 0 || st == RC_ST_FAIL || st == RC_ST_ERROR || st == RC_ST_XPASS;
}

/* "all 150 checks" / "112 checks" / "1 check", and the status most of them have */
static char *group_what(const struct rc_registry_result *rr, size_t n)
{
    if (n == rr->nchecks && n > 1)
        return rc_fmt("all %zu checks", n);
    return rc_fmt("%zu check%s", n, n == 1 ? "" : "s");
}

/* The registry-level lines of one registry: its problem, the checks not run. */
static void registry_lines(struct lines *l, const struct rc_registry_result *rr, size_t reg)
{
    size_t nproblem = 0, nint = 0;
    enum rc_status pst = RC_ST_ERROR;
    for (size_t k = 0; k < rr->nchecks; k++) {
        const struct rc_check_result *c = &rr->checks[k];
        if (rr->problem && rc_str_eq(c->reason, rr->problem)) {
            nproblem++;
            pst = c->status;
        } else if (grouped(rr, c)) {
            nint++;
        }
    }
    if (nproblem)
        add_line(l, pst, reg, group_what(rr, nproblem), rc_xstrdup(rr->problem));
    if (nint)
        add_line(l, RC_ST_SKIP, reg, group_what(rr, nint),
                 rc_xstrdup(RC_REASON_INTERRUPTED "; run regcompat again to test them (the "
                                                  "reports hold what was tested)"));
}

static char *check_why(const struct rc_check_result *c)
{
    if (c->status == RC_ST_XPASS)
        return rc_fmt("passes now: remove the profile's expectation%s%s%s",
                      c->expect_reason ? " (" : "", c->expect_reason ? c->expect_reason : "",
                      c->expect_reason ? ")" : "");
    const char *why = c->reason ? c->reason : c->expect_reason;
    return why ? rc_xstrdup(why) : NULL;
}

static void table(struct rc_buf *b, const struct rc_results *r, char **ids, size_t idw, bool color)
{
    cell(b, "registry", idw, NULL, false);
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        rc_buf_adds(b, "  ");
        rc_buf_adds(b, rc_status_name((enum rc_status)s));
    }
    rc_buf_addc(b, '\n');
    for (size_t i = 0; i < r->nregistries; i++) {
        unsigned n[RC_ST__COUNT];
        rc_report_count(&r->registries[i], n);
        cell(b, ids[i], idw, NULL, false);
        for (size_t s = 0; s < RC_ST__COUNT; s++) {
            char num[16];
            snprintf(num, sizeof(num), "%u", n[s]);
            rc_buf_adds(b, "  ");
            cell(b, num, strlen(rc_status_name((enum rc_status)s)),
                 color && n[s] ? colors[s] : NULL, true);
        }
        rc_buf_addc(b, '\n');
    }
}

static void write_lines(struct rc_buf *b, const struct lines *l, char **ids, bool color)
{
    size_t lw = 0, rw = 0, cw = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t w = strlen(rc_status_name(l->v[i].status));
        lw = w > lw ? w : lw;
        rw = width(ids[l->v[i].reg]) > rw ? width(ids[l->v[i].reg]) : rw;
        if (l->v[i].why)
            cw = width(l->v[i].what) > cw ? width(l->v[i].what) : cw;
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct line *x = &l->v[i];
        char *label = upper(rc_status_name(x->status));
        rc_buf_adds(b, "  ");
        cell(b, label, lw, color ? colors[x->status] : NULL, false);
        rc_buf_adds(b, "  ");
        cell(b, ids[x->reg], rw, NULL, false);
        rc_buf_adds(b, "  ");
        cell(b, x->what, x->why ? cw : 0, NULL, false);
        if (x->why) {
            rc_buf_adds(b, "  ");
            rc_report_clean(b, x->why, RC_CLEAN_LINE);
        }
        rc_buf_addc(b, '\n');
        free(label);
    }
}

/* "  not listed: 20 unsupported, 7 xfail (see reports/matrix.md; -v lists them)" */
static void not_listed(struct rc_buf *b, const unsigned *n, const char *dir)
{
    const char *sep = "  not listed: ";
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        if (!n[s])
            continue;
        rc_buf_addf(b, "%s%u %s", sep, n[s], rc_status_name((enum rc_status)s));
        sep = ", ";
    }
    if (*sep == ',') {
        rc_buf_adds(b, " (see ");
        if (dir) {
            rc_report_clean(b, dir, RC_CLEAN_LINE);
            rc_buf_adds(b, rc_str_ends(dir, "/") ? "" : "/");
        }
        rc_buf_adds(b, "matrix.md; -v lists them)\n");
    }
}

static void totals(struct rc_buf *b, const struct rc_results *r, bool color)
{
    unsigned n[RC_ST__COUNT];
    rc_results_count(r, n);
    unsigned total = 0;
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        total += n[s];
    rc_buf_addf(b, "total: %u check%s on %zu registr%s", total, total == 1 ? "" : "s",
                r->nregistries, r->nregistries == 1 ? "y" : "ies");
    const char *sep = ": ";
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        if (!n[s])
            continue;
        char num[48];
        snprintf(num, sizeof(num), "%u %s", n[s], rc_status_name((enum rc_status)s));
        rc_buf_adds(b, sep);
        cell(b, num, 0, color ? colors[s] : NULL, false);
        sep = ", ";
    }
    if (r->interrupted)
        rc_buf_adds(b, " (interrupted)");
    rc_buf_addc(b, '\n');
}

int rc_report_summary(const struct rc_results *r, struct rc_buf *out,
                      const struct rc_report_summary_opts *opts)
{
    static const struct rc_report_summary_opts defaults = {0};
    const struct rc_report_summary_opts *o = opts ? opts : &defaults;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);

    if (o->verbosity >= 0) {
        size_t idw = strlen("registry");
        char **ids = rc_xcalloc(r->nregistries + 1, sizeof(char *));
        for (size_t i = 0; i < r->nregistries; i++) {
            ids[i] = clean_line(r->registries[i].id ? r->registries[i].id : "?");
            if (width(ids[i]) > idw)
                idw = width(ids[i]);
        }
        table(&b, r, ids, idw, o->color);

        struct lines l = {0};
        unsigned hidden[RC_ST__COUNT] = {0};
        for (size_t i = 0; i < r->nregistries; i++) {
            const struct rc_registry_result *rr = &r->registries[i];
            registry_lines(&l, rr, i);
            for (size_t k = 0; k < rr->nchecks; k++) {
                const struct rc_check_result *c = &rr->checks[k];
                if (grouped(rr, c) || c->status == RC_ST_PASS)
                    continue;
                if (!listed(c->status, o->verbosity)) {
                    hidden[c->status]++;
                    continue;
                }
                add_line(&l, c->status, i, clean_line(c->id ? c->id : "?"), check_why(c));
            }
        }
        write_lines(&b, &l, ids, o->color);
        not_listed(&b, hidden, o->reports_dir);
        /* the Kubewarden verdict of each registry whose policy checks ran (a registry with a
         * problem of its own has its one line already) */
        for (size_t i = 0; i < r->nregistries; i++) {
            if (r->registries[i].problem)
                continue;
            char *kv = rc_report_kwctl_line(&r->registries[i]);
            if (!kv)
                continue;
            rc_buf_addf(&b, "  %s", ids[i]);
            for (size_t w = width(ids[i]); w < idw; w++)
                rc_buf_addc(&b, ' ');
            rc_buf_adds(&b, "  ");
            rc_report_clean(&b, kv, RC_CLEAN_LINE);
            rc_buf_addc(&b, '\n');
            free(kv);
        }
        for (size_t i = 0; i < l.n; i++) {
            free(l.v[i].what);
            free(l.v[i].why);
        }
        free(l.v);
        for (size_t i = 0; i < r->nregistries; i++)
            free(ids[i]);
        free(ids);
    }
    totals(&b, r, o->color);

    int rc = rc_buf_add(out, b.data, b.len);
    rc_buf_dispose(&b);
    return rc < 0 ? RC_ELIMIT : 0;
}
