/* report merge: the results of CI shards (disjoint sets of registries) joined into one tree
 * that renders like a single run of every registry. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* ---- deep copies ----------------------------------------------------------------------- */

static struct rc_kv *dup_kv(const struct rc_kv *kv, size_t n)
{
    if (!n)
        return NULL;
    struct rc_kv *out = rc_xcalloc(n, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i].name = rc_xstrdup(kv[i].name);
        out[i].value = rc_xstrdup(kv[i].value);
    }
    return out;
}

static void dup_evidence(struct rc_evidence *out, const struct rc_evidence *e)
{
    out->request = rc_xstrdup(e->request);
    out->host = rc_xstrdup(e->host);
    out->status = e->status;
    out->error = rc_xstrdup(e->error);
    out->headers = dup_kv(e->headers, e->nheaders);
    out->nheaders = e->nheaders;
    out->body = rc_xstrdup(e->body);
    out->body_truncated = e->body_truncated;
    out->duration_ms = e->duration_ms;
    out->timed = e->timed;
}

static void dup_check(struct rc_check_result *out, const struct rc_check_result *c)
{
    *out = *c; /* the scalars; every pointer is replaced below */
    out->id = rc_xstrdup(c->id);
    out->suite = rc_xstrdup(c->suite);
    out->feature = rc_xstrdup(c->feature);
    out->title = rc_xstrdup(c->title);
    out->reason = rc_xstrdup(c->reason);
    out->note = rc_xstrdup(c->note);
    out->expect_reason = rc_xstrdup(c->expect_reason);
    out->expect_link = rc_xstrdup(c->expect_link);
    out->expect_until = rc_xstrdup(c->expect_until);
    out->evidence = c->nevidence ? rc_xcalloc(c->nevidence, sizeof(*out->evidence)) : NULL;
    for (size_t i = 0; i < c->nevidence; i++)
        dup_evidence(&out->evidence[i], &c->evidence[i]);
    out->deviations = c->ndeviations ? rc_xcalloc(c->ndeviations, sizeof(*out->deviations)) : NULL;
    for (size_t i = 0; i < c->ndeviations; i++) {
        out->deviations[i].text = rc_xstrdup(c->deviations[i].text);
        if (c->deviations[i].evidence.request)
            dup_evidence(&out->deviations[i].evidence, &c->deviations[i].evidence);
    }
}

static void dup_registry(struct rc_registry_result *out, const struct rc_registry_result *rr)
{
    memset(out, 0, sizeof(*out));
    out->id = rc_xstrdup(rr->id);
    out->name = rc_xstrdup(rr->name);
    out->url = rc_xstrdup(rr->url);
    out->kind = rc_xstrdup(rr->kind);
    out->hosted = rr->hosted;
    out->stats = rr->stats;
    out->versions = dup_kv(rr->versions, rr->nversions);
    out->nversions = rr->nversions;
    out->problem = rc_xstrdup(rr->problem);
    out->checks = rr->nchecks ? rc_xcalloc(rr->nchecks, sizeof(*out->checks)) : NULL;
    out->nchecks = rr->nchecks;
    for (size_t i = 0; i < rr->nchecks; i++)
        dup_check(&out->checks[i], &rr->checks[i]);
    out->leftovers = rr->nleftovers ? rc_xcalloc(rr->nleftovers, sizeof(*out->leftovers)) : NULL;
    out->nleftovers = rr->nleftovers;
    for (size_t i = 0; i < rr->nleftovers; i++) {
        const struct rc_leftover *l = &rr->leftovers[i];
        out->leftovers[i] = (struct rc_leftover){rc_xstrdup(l->repository), rc_xstrdup(l->digest),
                                                 rc_xstrdup(l->kind), rc_xstrdup(l->answer)};
    }
}

/* ---- equality (a registry given twice is accepted only when identical) ----------------- */

static bool kv_equal(const struct rc_kv *a, size_t na, const struct rc_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!rc_str_eq(a[i].name, b[i].name) || !rc_str_eq(a[i].value, b[i].value))
            return false;
    return true;
}

static bool evidence_equal(const struct rc_evidence *a, const struct rc_evidence *b)
{
    return rc_str_eq(a->request, b->request) && rc_str_eq(a->host, b->host) &&
           a->status == b->status && rc_str_eq(a->error, b->error) &&
           kv_equal(a->headers, a->nheaders, b->headers, b->nheaders) &&
           rc_str_eq(a->body, b->body) && a->body_truncated == b->body_truncated &&
           a->timed == b->timed && a->duration_ms == b->duration_ms;
}

static bool check_equal(const struct rc_check_result *a, const struct rc_check_result *b)
{
    if (!rc_str_eq(a->id, b->id) || !rc_str_eq(a->suite, b->suite) ||
        !rc_str_eq(a->feature, b->feature) || !rc_str_eq(a->title, b->title) ||
        a->status != b->status || !rc_str_eq(a->reason, b->reason) ||
        !rc_str_eq(a->note, b->note) || a->fallback != b->fallback ||
        a->duration_ms != b->duration_ms || a->requests != b->requests ||
        a->retries != b->retries || a->bytes_sent != b->bytes_sent ||
        a->bytes_received != b->bytes_received || !rc_str_eq(a->expect_reason, b->expect_reason) ||
        !rc_str_eq(a->expect_link, b->expect_link) ||
        !rc_str_eq(a->expect_until, b->expect_until) || a->nevidence != b->nevidence)
        return false;
    for (size_t i = 0; i < a->nevidence; i++)
        if (!evidence_equal(&a->evidence[i], &b->evidence[i]))
            return false;
    return true;
}

static bool leftover_equal(const struct rc_leftover *a, const struct rc_leftover *b)
{
    return rc_str_eq(a->repository, b->repository) && rc_str_eq(a->digest, b->digest) &&
           rc_str_eq(a->kind, b->kind) && rc_str_eq(a->answer, b->answer);
}

static bool registry_equal(const struct rc_registry_result *a, const struct rc_registry_result *b)
{
    if (!rc_str_eq(a->id, b->id) || !rc_str_eq(a->name, b->name) || !rc_str_eq(a->url, b->url) ||
        !rc_str_eq(a->kind, b->kind) || a->hosted != b->hosted ||
        !rc_str_eq(a->problem, b->problem) ||
        !kv_equal(a->versions, a->nversions, b->versions, b->nversions) ||
        a->nchecks != b->nchecks || a->nleftovers != b->nleftovers)
        return false;
    for (size_t i = 0; i < a->nleftovers; i++)
        if (!leftover_equal(&a->leftovers[i], &b->leftovers[i]))
            return false;
    for (size_t i = 0; i < a->nchecks; i++)
        if (!check_equal(&a->checks[i], &b->checks[i]))
            return false;
    return true;
}

/* ---- the merge ------------------------------------------------------------------------- */

static int cmp_time(const char *a, const char *b)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL); /* an unknown time sorts last */
    return strcmp(a, b);
}

static char *input_name(const char *const *names, size_t i, const struct rc_results *r)
{
    if (names && names[i])
        return rc_xstrdup(names[i]);
    return r->run_id ? rc_fmt("input %zu (run %s)", i + 1, r->run_id) : rc_fmt("input %zu", i + 1);
}

static void push_unique(struct rc_strv *sv, const char *s, const char *except)
{
    if (s && !rc_str_eq(s, except) && !rc_strv_contains(sv, s))
        rc_strv_push(sv, s);
}

int rc_report_merge_named(struct rc_results *out, const struct rc_results *in,
                          const char *const *names, size_t n, struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    if (!n)
        return rc_error_set(err, RC_EINVAL, "merge: no results to merge");
    for (size_t i = 1; i < n; i++) {
        if (rc_str_eq(in[i].tool_version, in[0].tool_version))
            continue;
        char *a = input_name(names, 0, &in[0]), *b = input_name(names, i, &in[i]);
        int rc = rc_error_set(err, RC_EINVAL,
                              "merge: %s was written by regcompat %s, %s by regcompat %s; merge "
                              "only results of one version",
                              a, in[0].tool_version ? in[0].tool_version : "(unknown)", b,
                              in[i].tool_version ? in[i].tool_version : "(unknown)");
        free(a);
        free(b);
        return rc;
    }

    /* inputs in the order they started (a stable insertion sort keeps ties in input order) */
    size_t *order = rc_xcalloc(n, sizeof(*order));
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        while (k > 0 && cmp_time(in[order[k - 1]].started, in[i].started) > 0) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }

    /* registries: every input's; a repeated id must be the very same entry */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += in[i].nregistries;
    const struct rc_registry_result **regs = rc_xcalloc(total ? total : 1, sizeof(*regs));
    size_t *from = rc_xcalloc(total ? total : 1, sizeof(*from));
    size_t nregs = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t j = 0; j < in[i].nregistries && rc == 0; j++) {
            const struct rc_registry_result *rr = &in[i].registries[j];
            bool keep = true;
            for (size_t k = 0; k < nregs && keep && rc == 0; k++) {
                if (!rc_str_eq(regs[k]->id, rr->id))
                    continue;
                keep = false;
                if (registry_equal(regs[k], rr))
                    continue;
                char *a = input_name(names, from[k], &in[from[k]]);
                char *b = input_name(names, i, &in[i]);
                rc = rc_error_set(err, RC_EINVAL,
                                  "merge: registry '%s' is in %s and in %s with different "
                                  "results; shards must test disjoint sets of registries",
                                  rr->id ? rr->id : "", a, b);
                free(a);
                free(b);
            }
            if (keep && rc == 0) {
                regs[nregs] = rr;
                from[nregs++] = i;
            }
        }
    }
    if (rc < 0)
        goto done;

    const struct rc_results *first = &in[order[0]];
    out->tool_name = rc_xstrdup(first->tool_name);
    out->tool_version = rc_xstrdup(first->tool_version);
    out->run_id = rc_xstrdup(first->run_id);
    out->started = rc_xstrdup(first->started);
    const char *finished = NULL;
    for (size_t i = 0; i < n; i++) {
        if (in[i].finished && (!finished || strcmp(in[i].finished, finished) > 0))
            finished = in[i].finished;
        out->interrupted |= in[i].interrupted;
    }
    out->finished = rc_xstrdup(finished);
    for (size_t o = 0; o < n; o++) {
        const struct rc_results *r = &in[order[o]];
        push_unique(&out->merged_from, r->run_id, out->run_id);
        for (size_t k = 0; k < r->merged_from.n; k++)
            push_unique(&out->merged_from, r->merged_from.v[k], out->run_id);
        for (size_t k = 0; k < r->suites.n; k++)
            push_unique(&out->suites, r->suites.v[k], NULL);
    }
    /* features: the longest list keeps its order; the others add what it lacks */
    size_t longest = order[0];
    for (size_t o = 1; o < n; o++)
        if (in[order[o]].features.n > in[longest].features.n)
            longest = order[o];
    for (size_t k = 0; k < in[longest].features.n; k++)
        push_unique(&out->features, in[longest].features.v[k], NULL);
    for (size_t o = 0; o < n; o++)
        for (size_t k = 0; k < in[order[o]].features.n; k++)
            push_unique(&out->features, in[order[o]].features.v[k], NULL);

    if (nregs) {
        out->registries = rc_xcalloc(nregs, sizeof(*out->registries));
        for (size_t k = 0; k < nregs; k++)
            dup_registry(&out->registries[k], regs[k]);
        out->nregistries = nregs;
    }
    rc_results_sort(out);

done:
    free(regs);
    free(from);
    free(order);
    if (rc < 0)
        rc_results_dispose(out);
    return rc;
}

int rc_report_merge(struct rc_results *out, const struct rc_results *in, size_t n,
                    struct rc_error **err)
{
    return rc_report_merge_named(out, in, NULL, n, err);
}
