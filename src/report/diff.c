/* report diff: what changed between two runs (regressions, fixes, newly supported features,
 * new and removed checks and registries), and over a longer series which checks are flaky.
 * report.h defines each category; both renderings come from one list of items. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_text.h"

#include "base/banned.h"

/* Best first: a higher rank is a better status. */
static const int status_rank[RC_ST__COUNT] = {
    [RC_ST_PASS] = 6, [RC_ST_XPASS] = 5, [RC_ST_XFAIL] = 4, [RC_ST_UNSUPPORTED] = 3,
    [RC_ST_SKIP] = 2, [RC_ST_ERROR] = 1, [RC_ST_FAIL] = 0,
};

static int rank(enum rc_status st)
{
    return (size_t)st < RC_ST__COUNT ? status_rank[st] : -1;
}

static bool is_bad(enum rc_status st)
{
    return st == RC_ST_FAIL || st == RC_ST_ERROR;
}

static bool is_good(enum rc_status st)
{
    return st == RC_ST_PASS || st == RC_ST_XPASS;
}

/* The categories of report.h, in its order (rc_report_changes hands them out as they are). */
enum kind {
    K_REGRESSION = RC_CHANGE_REGRESSION,
    K_FIX = RC_CHANGE_FIX,
    K_SUPPORTED = RC_CHANGE_SUPPORTED,
    K_CHANGED = RC_CHANGE_OTHER,
    K_NEW_REGISTRY = RC_CHANGE_NEW_REGISTRY,
    K_GONE_REGISTRY = RC_CHANGE_GONE_REGISTRY,
    K_NEW_CHECK = RC_CHANGE_NEW_CHECK,
    K_GONE_CHECK = RC_CHANGE_GONE_CHECK,
    K_FLAKY = RC_CHANGE_FLAKY,
    K__COUNT = RC_CHANGE__COUNT
};

static const struct {
    const char *label;    /* text rendering, first column */
    const char *heading;  /* Markdown section */
    const char *singular; /* summary line */
    const char *plural;
} kinds[K__COUNT] = {
    [K_REGRESSION] = {"regression", "Regressions", "regression", "regressions"},
    [K_FIX] = {"fix", "Fixes", "fix", "fixes"},
    [K_SUPPORTED] = {"supported", "Newly supported features", "newly supported feature",
                     "newly supported features"},
    [K_CHANGED] = {"changed", "Other changes", "other change", "other changes"},
    [K_NEW_REGISTRY] = {"new registry", "New registries", "new registry", "new registries"},
    [K_GONE_REGISTRY] = {"removed registry", "Removed registries", "removed registry",
                         "removed registries"},
    [K_NEW_CHECK] = {"new check", "New checks", "new check", "new checks"},
    [K_GONE_CHECK] = {"removed check", "Removed checks", "removed check", "removed checks"},
    [K_FLAKY] = {"flaky", "Flaky checks", "flaky check", "flaky checks"},
};

struct item {
    enum kind kind;
    const struct rc_registry_result *reg; /* the newest entry of the registry */
    const char *check;                    /* check id; the feature for K_SUPPORTED */
    const struct rc_check_result *oldc;   /* NULL when absent */
    const struct rc_check_result *newc;
    enum rc_report_cell old_cell, new_cell; /* K_SUPPORTED */
    char *seq;                              /* K_FLAKY: "pass fail - pass" */
    unsigned flips;
    bool flaky; /* a regression or fix of a check that is also flaky */
};

struct items {
    struct item *v;
    size_t n, cap;
};

static void add(struct items *it, struct item item)
{
    RC_PUSH(it->v, it->n, it->cap, item);
}

/* ---- lookups --------------------------------------------------------------------------- */

static const struct rc_registry_result *find_reg(const struct rc_results *r, const char *id)
{
    for (size_t i = 0; i < r->nregistries; i++)
        if (rc_str_eq(r->registries[i].id, id))
            return &r->registries[i];
    return NULL;
}

static const struct rc_check_result *find_check(const struct rc_registry_result *rr, const char *id)
{
    for (size_t i = 0; rr && i < rr->nchecks; i++)
        if (rc_str_eq(rr->checks[i].id, id))
            return &rr->checks[i];
    return NULL;
}

/* Sorted, unique registry ids over runs[0..n). */
static void registry_ids(struct rc_strv *out, const struct rc_results *runs, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < runs[k].nregistries; i++)
            if (runs[k].registries[i].id && !rc_strv_contains(out, runs[k].registries[i].id))
                rc_strv_push(out, runs[k].registries[i].id);
    rc_strv_sort(out);
}

/* Sorted, unique check ids of one registry over runs[0..n). */
static void check_ids(struct rc_strv *out, const struct rc_results *runs, size_t n, const char *reg)
{
    for (size_t k = 0; k < n; k++) {
        const struct rc_registry_result *rr = find_reg(&runs[k], reg);
        for (size_t i = 0; rr && i < rr->nchecks; i++)
            if (rr->checks[i].id && !rc_strv_contains(out, rr->checks[i].id))
                rc_strv_push(out, rr->checks[i].id);
    }
    rc_strv_sort(out);
}

/* ---- building the items ---------------------------------------------------------------- */

static void compare_registry(struct items *it, const struct rc_results *old,
                             const struct rc_results *new, const struct rc_registry_result *o,
                             const struct rc_registry_result *nw)
{
    struct rc_strv ids = {0};
    const struct rc_results pair[2] = {*old, *new};
    check_ids(&ids, pair, 2, nw->id);
    for (size_t i = 0; i < ids.n; i++) {
        struct item item = {.reg = nw, .check = NULL};
        item.oldc = find_check(o, ids.v[i]);
        item.newc = find_check(nw, ids.v[i]);
        item.check = item.newc ? item.newc->id : item.oldc->id;
        if (!item.oldc) {
            item.kind = K_NEW_CHECK;
        } else if (!item.newc) {
            item.kind = K_GONE_CHECK;
        } else {
            enum rc_status a = item.oldc->status, b = item.newc->status;
            if (a == b)
                continue;
            if (is_bad(b) && rank(b) < rank(a))
                item.kind = K_REGRESSION;
            else if (is_bad(a) && is_good(b))
                item.kind = K_FIX;
            else
                item.kind = K_CHANGED;
        }
        add(it, item);
    }
    rc_strv_dispose(&ids);

    /* features: the new run's columns, then any the old run had besides */
    struct rc_strv features = {0};
    for (size_t i = 0; i < new->features.n; i++)
        rc_strv_push(&features, new->features.v[i]);
    for (size_t i = 0; i < old->features.n; i++)
        if (!rc_strv_contains(&features, old->features.v[i]))
            rc_strv_push(&features, old->features.v[i]);
    for (size_t i = 0; i < features.n; i++) {
        enum rc_report_cell a = rc_report_cell_of(o, features.v[i]);
        enum rc_report_cell b = rc_report_cell_of(nw, features.v[i]);
        if (a != RC_CELL_UNSUPPORTED || (b != RC_CELL_PASS && b != RC_CELL_WARN))
            continue;
        /* the feature name is borrowed from the registry's own check */
        const char *name = NULL;
        for (size_t k = 0; k < nw->nchecks && !name; k++)
            if (rc_str_eq(nw->checks[k].feature, features.v[i]))
                name = nw->checks[k].feature;
        struct item item = {.kind = K_SUPPORTED, .reg = nw, .check = name};
        item.old_cell = a;
        item.new_cell = b;
        add(it, item);
    }
    rc_strv_dispose(&features);
}

static void flaky_items(struct items *it, const struct rc_results *runs, size_t n)
{
    struct rc_strv regs = {0};
    registry_ids(&regs, runs, n);
    for (size_t r = 0; r < regs.n; r++) {
        struct rc_strv ids = {0};
        check_ids(&ids, runs, n, regs.v[r]);
        const struct rc_registry_result *latest = NULL;
        for (size_t k = n; k-- > 0 && !latest;)
            latest = find_reg(&runs[k], regs.v[r]);
        for (size_t i = 0; i < ids.n; i++) {
            struct rc_buf seq = RC_BUF_INIT(0);
            unsigned flips = 0;
            const struct rc_check_result *prev = NULL, *last = NULL;
            for (size_t k = 0; k < n; k++) {
                const struct rc_check_result *c =
                    find_check(find_reg(&runs[k], regs.v[r]), ids.v[i]);
                rc_buf_adds(&seq, k ? " " : "");
                rc_buf_adds(&seq, c ? rc_status_name(c->status) : "-");
                if (c && prev && c->status != prev->status)
                    flips++;
                if (c) {
                    prev = c;
                    last = c;
                }
            }
            if (flips > 1) {
                struct item item = {.kind = K_FLAKY, .reg = latest, .check = last->id};
                item.newc = last;
                item.flips = flips;
                item.seq = rc_buf_steal(&seq, NULL);
                add(it, item);
            }
            rc_buf_dispose(&seq);
        }
        rc_strv_dispose(&ids);
    }
    rc_strv_dispose(&regs);
}

static void build(struct items *it, const struct rc_results *runs, size_t n)
{
    const struct rc_results *old = &runs[n - 2], *new = &runs[n - 1];
    struct rc_strv regs = {0};
    registry_ids(&regs, runs + n - 2, 2);
    for (size_t i = 0; i < regs.n; i++) {
        const struct rc_registry_result *o = find_reg(old, regs.v[i]);
        const struct rc_registry_result *nw = find_reg(new, regs.v[i]);
        if (o && nw)
            compare_registry(it, old, new, o, nw);
        else
            add(it,
                (struct item){.kind = nw ? K_NEW_REGISTRY : K_GONE_REGISTRY, .reg = nw ? nw : o});
    }
    rc_strv_dispose(&regs);
    if (n > 2)
        flaky_items(it, runs, n);
    for (size_t i = 0; i < it->n; i++) {
        struct item *a = &it->v[i];
        if (a->kind != K_FLAKY)
            continue;
        for (size_t k = 0; k < it->n; k++)
            if (it->v[k].kind != K_FLAKY && rc_str_eq(it->v[k].reg->id, a->reg->id) &&
                rc_str_eq(it->v[k].check, a->check))
                it->v[k].flaky = true;
    }
}

/* ---- rendering ------------------------------------------------------------------------- */

static void count_items(const struct items *it, size_t counts[K__COUNT])
{
    memset(counts, 0, sizeof(size_t) * K__COUNT);
    for (size_t i = 0; i < it->n; i++)
        counts[it->v[i].kind]++;
}

static void summary_line(struct rc_buf *out, const size_t counts[K__COUNT], bool series, bool md)
{
    /* regressions and fixes always, the rest when there are any */
    for (int k = 0; k < K__COUNT; k++) {
        if (counts[k] == 0 && k != K_REGRESSION && k != K_FIX && !(k == K_FLAKY && series))
            continue;
        const char *what = counts[k] == 1 ? kinds[k].singular : kinds[k].plural;
        bool strong = md && k == K_REGRESSION && counts[k];
        rc_buf_addf(out, "%s%s%zu %s%s", k ? ", " : "", strong ? "**" : "", counts[k], what,
                    strong ? "**" : "");
    }
}

static const char *reg_id(const struct item *a)
{
    return a->reg && a->reg->id ? a->reg->id : "?";
}

static const char *direction(const struct item *a)
{
    return rank(a->newc->status) > rank(a->oldc->status) ? "better" : "worse";
}

static void text_clean(struct rc_buf *out, const char *s)
{
    rc_report_clean(out, s, RC_CLEAN_LINE);
}

static void text_pad(struct rc_buf *out, const char *s, size_t width)
{
    size_t before = out->len;
    text_clean(out, s);
    for (size_t i = out->len - before; i < width; i++)
        rc_buf_addc(out, ' ');
}

static void text_item(struct rc_buf *out, const struct item *a, size_t wreg, size_t wcheck)
{
    const struct rc_check_result *c = a->newc ? a->newc : a->oldc;
    rc_buf_addf(out, "%-16s  ", kinds[a->kind].label);
    text_pad(out, reg_id(a), wreg);
    rc_buf_adds(out, "  ");
    text_pad(out, a->check ? a->check : "", wcheck);
    rc_buf_adds(out, "  ");
    switch (a->kind) {
    case K_REGRESSION:
    case K_FIX:
    case K_CHANGED:
        rc_buf_addf(out, "%s -> %s", rc_status_name(a->oldc->status),
                    rc_status_name(a->newc->status));
        if (a->kind == K_CHANGED)
            rc_buf_addf(out, " (%s)", direction(a));
        if (a->flaky)
            rc_buf_adds(out, " [flaky]");
        if (a->newc->reason) {
            rc_buf_adds(out, ": ");
            text_clean(out, a->newc->reason);
        }
        break;
    case K_SUPPORTED:
        rc_buf_addf(out, "%s -> %s", rc_report_cell_label(a->old_cell),
                    rc_report_cell_label(a->new_cell));
        break;
    case K_NEW_REGISTRY:
    case K_GONE_REGISTRY:
        rc_buf_addf(out, "%zu check%s", a->reg->nchecks, a->reg->nchecks == 1 ? "" : "s");
        if (a->reg->name) {
            rc_buf_adds(out, ": ");
            text_clean(out, a->reg->name);
        }
        break;
    case K_NEW_CHECK:
        rc_buf_adds(out, rc_status_name(c->status));
        if (c->reason) {
            rc_buf_adds(out, ": ");
            text_clean(out, c->reason);
        }
        break;
    case K_GONE_CHECK:
        rc_buf_addf(out, "was %s", rc_status_name(c->status));
        break;
    default:
        rc_buf_addf(out, "%s (%u flips)", a->seq, a->flips);
        break;
    }
    /* no trailing blanks from padding */
    while (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    rc_buf_addc(out, '\n');
}

static void run_label(struct rc_buf *out, const struct rc_results *r, bool md)
{
    if (md)
        rc_report_md_code(out, r->run_id ? r->run_id : "?", false);
    else
        text_clean(out, r->run_id ? r->run_id : "?");
    if (r->finished) {
        rc_buf_adds(out, " (finished ");
        if (md)
            rc_report_md_text(out, r->finished);
        else
            text_clean(out, r->finished);
        rc_buf_addc(out, ')');
    }
}

static void render_text(struct rc_buf *out, const struct items *it, const struct rc_results *runs,
                        size_t n)
{
    rc_buf_adds(out, "regcompat report diff: ");
    run_label(out, &runs[n - 2], false);
    rc_buf_adds(out, " -> ");
    run_label(out, &runs[n - 1], false);
    if (n > 2)
        rc_buf_addf(out, "; flaky checks over %zu runs", n);
    rc_buf_addc(out, '\n');
    size_t wreg = 0, wcheck = 0;
    for (size_t i = 0; i < it->n; i++) {
        size_t l = strlen(reg_id(&it->v[i]));
        wreg = l > wreg ? l : wreg;
        l = it->v[i].check ? strlen(it->v[i].check) : 0;
        wcheck = l > wcheck ? l : wcheck;
    }
    for (int k = 0; k < K__COUNT; k++)
        for (size_t i = 0; i < it->n; i++)
            if (it->v[i].kind == (enum kind)k)
                text_item(out, &it->v[i], wreg, wcheck);
    size_t counts[K__COUNT];
    count_items(it, counts);
    rc_buf_adds(out, "summary: ");
    summary_line(out, counts, n > 2, false);
    rc_buf_addc(out, '\n');
}

static void md_cell_text(struct rc_buf *out, const char *s)
{
    rc_buf_adds(out, " ");
    if (s)
        rc_report_md_text(out, s);
    rc_buf_adds(out, " |");
}

static void md_cell_code(struct rc_buf *out, const char *s)
{
    rc_buf_adds(out, " ");
    rc_report_md_code(out, s ? s : "?", true);
    rc_buf_adds(out, " |");
}

static void md_row(struct rc_buf *out, const struct item *a)
{
    const struct rc_check_result *c = a->newc ? a->newc : a->oldc;
    rc_buf_adds(out, "|");
    md_cell_code(out, reg_id(a));
    switch (a->kind) {
    case K_REGRESSION:
    case K_FIX:
    case K_CHANGED: {
        md_cell_code(out, a->check);
        md_cell_text(out, c->feature);
        md_cell_text(out, rc_status_name(a->oldc->status));
        char *st =
            rc_fmt("%s%s%s%s%s", rc_status_name(a->newc->status), a->kind == K_CHANGED ? " (" : "",
                   a->kind == K_CHANGED ? direction(a) : "", a->kind == K_CHANGED ? ")" : "",
                   a->flaky ? " (flaky)" : "");
        md_cell_text(out, st);
        free(st);
        md_cell_text(out, a->newc->reason);
        break;
    }
    case K_SUPPORTED:
        md_cell_text(out, a->check);
        rc_buf_addf(out, " %s %s |", rc_report_cell_symbol(a->old_cell),
                    rc_report_cell_label(a->old_cell));
        rc_buf_addf(out, " %s %s |", rc_report_cell_symbol(a->new_cell),
                    rc_report_cell_label(a->new_cell));
        break;
    case K_NEW_REGISTRY:
    case K_GONE_REGISTRY:
        md_cell_text(out, a->reg->name);
        rc_buf_addf(out, " %zu |", a->reg->nchecks);
        break;
    case K_NEW_CHECK:
    case K_GONE_CHECK:
        md_cell_code(out, a->check);
        md_cell_text(out, c->feature);
        md_cell_text(out, rc_status_name(c->status));
        if (a->kind == K_NEW_CHECK)
            md_cell_text(out, c->reason);
        break;
    default:
        md_cell_code(out, a->check);
        md_cell_text(out, a->seq);
        rc_buf_addf(out, " %u |", a->flips);
        break;
    }
    rc_buf_addc(out, '\n');
}

static const char *md_header(enum kind k)
{
    switch (k) {
    case K_REGRESSION:
    case K_FIX:
    case K_CHANGED:
        return "| Registry | Check | Feature | Old | New | Reason |\n"
               "| --- | --- | --- | --- | --- | --- |\n";
    case K_SUPPORTED:
        return "| Registry | Feature | Old | New |\n| --- | --- | --- | --- |\n";
    case K_NEW_REGISTRY:
    case K_GONE_REGISTRY:
        return "| Registry | Name | Checks |\n| --- | --- | ---: |\n";
    case K_NEW_CHECK:
        return "| Registry | Check | Feature | Status | Reason |\n"
               "| --- | --- | --- | --- | --- |\n";
    case K_GONE_CHECK:
        return "| Registry | Check | Feature | Last status |\n| --- | --- | --- | --- |\n";
    default:
        return "| Registry | Check | Statuses, oldest first | Flips |\n"
               "| --- | --- | --- | ---: |\n";
    }
}

static void render_md(struct rc_buf *out, const struct items *it, const struct rc_results *runs,
                      size_t n)
{
    rc_buf_adds(out, "# Results diff\n\n- Old: run ");
    run_label(out, &runs[n - 2], true);
    rc_buf_adds(out, "\n- New: run ");
    run_label(out, &runs[n - 1], true);
    rc_buf_addc(out, '\n');
    if (n > 2) {
        rc_buf_addf(out, "- Flakiness over %zu runs, oldest first:", n);
        for (size_t k = 0; k < n; k++) {
            rc_buf_adds(out, k ? ", " : " ");
            rc_report_md_code(out, runs[k].run_id ? runs[k].run_id : "?", false);
        }
        rc_buf_addc(out, '\n');
    }
    size_t counts[K__COUNT];
    count_items(it, counts);
    rc_buf_adds(out, "\n");
    summary_line(out, counts, n > 2, true);
    rc_buf_adds(out, ".\n");
    rc_buf_adds(out, "\nA regression is a check present in both runs whose new status is fail or "
                     "error and worse than before (pass > xpass > xfail > unsupported > skip > "
                     "error > fail).\n");
    for (int k = 0; k < K__COUNT; k++) {
        if (!counts[k])
            continue;
        rc_buf_addf(out, "\n## %s\n\n%s", kinds[k].heading, md_header((enum kind)k));
        for (size_t i = 0; i < it->n; i++)
            if (it->v[i].kind == (enum kind)k)
                md_row(out, &it->v[i]);
    }
}

/* ---- entry points ---------------------------------------------------------------------- */

int rc_report_diff_series(struct rc_buf *md, struct rc_buf *text, const struct rc_results *runs,
                          size_t n, int *regressions)
{
    if (regressions)
        *regressions = 0;
    if (n < 2)
        return RC_EINVAL;
    struct items it = {0};
    build(&it, runs, n);
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        struct rc_buf *dst = pass ? md : text;
        if (!dst)
            continue;
        struct rc_buf b = RC_BUF_INIT(0);
        if (pass)
            render_md(&b, &it, runs, n);
        else
            render_text(&b, &it, runs, n);
        if (rc_buf_add(dst, b.data ? b.data : "", b.len) < 0)
            rc = RC_ELIMIT;
        rc_buf_dispose(&b);
    }
    int nreg = 0;
    for (size_t i = 0; i < it.n; i++) {
        nreg += it.v[i].kind == K_REGRESSION;
        free(it.v[i].seq);
    }
    free(it.v);
    if (regressions)
        *regressions = nreg;
    return rc;
}

int rc_report_diff(struct rc_buf *md, struct rc_buf *text, const struct rc_results *old,
                   const struct rc_results *new, int *regressions)
{
    struct rc_results pair[2] = {*old, *new};
    return rc_report_diff_series(md, text, pair, 2, regressions);
}

/* ---- the items for other reporters ----------------------------------------------------- */

int rc_report_changes(struct rc_report_change **out, size_t *nout, const struct rc_results *runs,
                      size_t n)
{
    *out = NULL;
    *nout = 0;
    if (n < 2)
        return RC_EINVAL;
    struct items it = {0};
    build(&it, runs, n);
    struct rc_report_change *v = rc_xcalloc(it.n ? it.n : 1, sizeof(*v));
    for (size_t i = 0; i < it.n; i++) {
        const struct item *a = &it.v[i];
        v[i] = (struct rc_report_change){
            .kind = (enum rc_report_change_kind)a->kind,
            .registry = a->reg,
            .check = a->check,
            .old = a->oldc,
            .new = a->newc,
            .old_cell = a->old_cell,
            .new_cell = a->new_cell,
            .statuses = a->seq,
            .flips = a->flips,
            .flaky = a->flaky,
        };
    }
    free(it.v);
    *out = v;
    *nout = it.n;
    return 0;
}

void rc_report_changes_free(struct rc_report_change *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].statuses);
    free(v);
}

const char *rc_report_change_label(enum rc_report_change_kind kind)
{
    return (size_t)kind < K__COUNT ? kinds[kind].label : "?";
}

const char *rc_report_change_direction(const struct rc_report_change *c)
{
    if (!c->old || !c->new)
        return "";
    return rank(c->new->status) > rank(c->old->status) ? "better" : "worse";
}
