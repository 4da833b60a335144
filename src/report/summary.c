/* The human summary printed by the CLI: counts per registry, the checks that did not pass,
 * a total. */
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

int rc_report_summary(const struct rc_results *r, struct rc_buf *out, bool color)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);

    /* registry table */
    size_t idw = strlen("registry");
    char **ids = rc_xcalloc(r->nregistries + 1, sizeof(char *));
    for (size_t i = 0; i < r->nregistries; i++) {
        ids[i] = clean_line(r->registries[i].id ? r->registries[i].id : "?");
        if (width(ids[i]) > idw)
            idw = width(ids[i]);
    }
    cell(&b, "registry", idw, NULL, false);
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        rc_buf_adds(&b, "  ");
        rc_buf_adds(&b, rc_status_name((enum rc_status)s));
    }
    rc_buf_addc(&b, '\n');
    for (size_t i = 0; i < r->nregistries; i++) {
        unsigned n[RC_ST__COUNT];
        rc_report_count(&r->registries[i], n);
        cell(&b, ids[i], idw, NULL, false);
        for (size_t s = 0; s < RC_ST__COUNT; s++) {
            char num[16];
            snprintf(num, sizeof(num), "%u", n[s]);
            rc_buf_adds(&b, "  ");
            cell(&b, num, strlen(rc_status_name((enum rc_status)s)),
                 color && n[s] ? colors[s] : NULL, true);
        }
        rc_buf_addc(&b, '\n');
    }

    /* one line per check that did not pass, columns aligned over the lines shown */
    size_t lw = 0, rw = 0, cw = 0;
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            const struct rc_check_result *c = &r->registries[i].checks[k];
            if (c->status == RC_ST_PASS)
                continue;
            size_t l = strlen(rc_status_name(c->status));
            lw = l > lw ? l : lw;
            rw = width(ids[i]) > rw ? width(ids[i]) : rw;
            char *id = clean_line(c->id ? c->id : "?");
            cw = width(id) > cw ? width(id) : cw;
            free(id);
        }
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            const struct rc_check_result *c = &r->registries[i].checks[k];
            if (c->status == RC_ST_PASS)
                continue;
            char *label = upper(rc_status_name(c->status));
            char *id = clean_line(c->id ? c->id : "?");
            rc_buf_adds(&b, "  ");
            cell(&b, label, lw, color ? colors[c->status] : NULL, false);
            rc_buf_adds(&b, "  ");
            cell(&b, ids[i], rw, NULL, false);
            rc_buf_adds(&b, "  ");
            const char *why = c->reason ? c->reason : c->expect_reason;
            cell(&b, id, why ? cw : 0, NULL, false);
            if (why) {
                rc_buf_adds(&b, "  ");
                rc_report_clean(&b, why, RC_CLEAN_LINE);
            }
            rc_buf_addc(&b, '\n');
            free(label);
            free(id);
        }

    /* the Kubewarden verdict of each registry whose policy checks ran */
    for (size_t i = 0; i < r->nregistries; i++) {
        char *kv = rc_report_kwctl_line(&r->registries[i]);
        if (!kv)
            continue;
        rc_buf_adds(&b, "  ");
        cell(&b, ids[i], rw > width(ids[i]) ? rw : width(ids[i]), NULL, false);
        rc_buf_adds(&b, "  ");
        rc_report_clean(&b, kv, RC_CLEAN_LINE);
        rc_buf_addc(&b, '\n');
        free(kv);
    }

    /* total */
    unsigned n[RC_ST__COUNT];
    rc_results_count(r, n);
    unsigned total = 0;
    for (size_t s = 0; s < RC_ST__COUNT; s++)
        total += n[s];
    rc_buf_addf(&b, "total: %u check%s on %zu registr%s", total, total == 1 ? "" : "s",
                r->nregistries, r->nregistries == 1 ? "y" : "ies");
    const char *sep = ": ";
    for (size_t s = 0; s < RC_ST__COUNT; s++) {
        if (!n[s])
            continue;
        char num[48];
        snprintf(num, sizeof(num), "%u %s", n[s], rc_status_name((enum rc_status)s));
        rc_buf_adds(&b, sep);
        cell(&b, num, 0, color ? colors[s] : NULL, false);
        sep = ", ";
    }
    if (r->interrupted)
        rc_buf_adds(&b, " (interrupted)");
    rc_buf_addc(&b, '\n');

    for (size_t i = 0; i < r->nregistries; i++)
        free(ids[i]);
    free(ids);
    int rc = rc_buf_add(out, b.data, b.len);
    rc_buf_dispose(&b);
    return rc < 0 ? RC_ELIMIT : 0;
}
