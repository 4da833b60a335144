/* Scheduling: registries in parallel (one worker thread per registry at a time), scenarios
 * in order on each registry, needs gating, expectations, cleanup and the results tree. */
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner/internal.h"

#include "base/banned.h"

static volatile sig_atomic_t interrupted;

void rc_runner_interrupt(void)
{
    interrupted = 1;
    rc_http_interrupt();
}

bool rc_runner_interrupted(void)
{
    return interrupted != 0;
}

void rc_runner_make_run_id(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[20];
    strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned r = (unsigned)now.tv_nsec ^ ((unsigned)getpid() << 16);
    snprintf(out, 32, "%s-%04x", ts, r & 0xffff);
}

bool rc_runner_selected(const char *id, const struct rc_strv *only, const struct rc_strv *skip)
{
    if (only && only->n) {
        bool any = false;
        for (size_t i = 0; i < only->n && !any; i++)
            any = rc_glob_match(only->v[i], id);
        if (!any)
            return false;
    }
    for (size_t i = 0; skip && i < skip->n; i++)
        if (rc_glob_match(skip->v[i], id))
            return false;
    return true;
}

/* ---- shared run state ------------------------------------------------------------------ */

struct run {
    const struct rc_run_opts *opts;
    const char *run_id;
    char today[16];
    const struct rc_scenario **scenarios; /* selected, in order */
    size_t nscenarios;
    struct rc_registry_result *regs;
    pthread_mutex_t lock;
    size_t next_registry;
    size_t done, total;
};

static void progress_start(struct run *run, const struct rc_registry_result *reg,
                           const struct rc_scenario *sc)
{
    if (!run->opts->started)
        return;
    pthread_mutex_lock(&run->lock);
    run->opts->started(run->opts->progress_ctx, reg, sc, run->done, run->total);
    pthread_mutex_unlock(&run->lock);
}

static void progress(struct run *run, const struct rc_registry_result *reg,
                     const struct rc_check_result *check)
{
    pthread_mutex_lock(&run->lock);
    run->done++;
    if (run->opts->progress)
        run->opts->progress(run->opts->progress_ctx, reg, check, run->done, run->total);
    pthread_mutex_unlock(&run->lock);
}

static void set_check(struct rc_check_result *cr, const struct rc_scenario *sc, enum rc_status st,
                      const char *reason)
{
    cr->id = rc_xstrdup(sc->id);
    cr->suite = rc_xstrdup(sc->suite);
    cr->feature = rc_xstrdup(sc->feature);
    cr->title = rc_xstrdup(sc->title);
    cr->status = st;
    cr->reason = reason ? rc_redact_text(reason) : NULL;
}

/* ---- one scenario ---------------------------------------------------------------------- */

/* What a scenario created and could not delete, for the registry's leftovers. */
struct leftover_list {
    struct rc_leftover *v;
    size_t n, cap;
};

static void add_leftover(struct leftover_list *out, const struct created *cr, const char *answer)
{
    struct rc_leftover l = {rc_xstrdup(cr->repo), rc_xstrdup(cr->digest),
                            rc_xstrdup(cr->manifest ? "manifest" : "blob"), rc_redact_text(answer)};
    RC_PUSH(out->v, out->n, out->cap, l);
}

/* "405 UNSUPPORTED", "400 (text/plain)", or the transport error */
static char *delete_answer(int rc, const struct rc_error *err, const struct rc_http_response *r)
{
    if (rc < 0)
        return rc_xstrdup(rc_error_msg(err));
    struct rc_strv codes = {0};
    char *out;
    const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
    if (rc_oci_error_codes(r, &codes) && codes.n) {
        char *j = rc_strv_join(&codes, ",");
        out = rc_fmt("%ld %s", r->status, j);
        free(j);
    } else {
        out = ct ? rc_fmt("%ld (%s)", r->status, ct) : rc_fmt("%ld", r->status);
    }
    rc_strv_dispose(&codes);
    return out;
}

/* After a refused DELETE: is the object really there? Only a 404 says it is not (a mount or
 * a single POST may not have created what was tracked). */
static bool still_there(struct worker *w, const struct created *cr)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = cr->manifest ? rc_oci_manifest_get(&w->oci, cr->repo, cr->digest, true,
                                                RC_ACCEPT_KWCTL, &r, &err)
                          : rc_oci_blob_get(&w->oci, cr->repo, cr->digest, true, NULL, 0, &r, &err);
    bool gone = rc == 0 && r.status == 404;
    rc_error_free(err);
    rc_http_response_dispose(&r);
    return !gone;
}

/* Deletes what the scenario created; what stays behind goes to left. */
static void cleanup_created(struct sctx *c, struct leftover_list *left)
{
    struct worker *w = c->w;
    size_t before = left->n;
    /* manifests first (newest first), then blobs */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = c->ncreated; i-- > 0;) {
            const struct created *cr = &c->created[i];
            if (cr->manifest != (pass == 0))
                continue;
            struct rc_http_response r;
            rc_http_response_init(&r);
            struct rc_error *err = NULL;
            int rc = cr->manifest ? rc_oci_manifest_delete(&w->oci, cr->repo, cr->digest, &r, &err)
                                  : rc_oci_blob_delete(&w->oci, cr->repo, cr->digest, &r, &err);
            if ((rc < 0 || (r.status != 202 && r.status != 200 && r.status != 404)) &&
                still_there(w, cr)) {
                char *answer = delete_answer(rc, err, &r);
                add_leftover(left, cr, answer);
                free(answer);
            }
            rc_error_free(err);
            rc_http_response_dispose(&r);
        }
    }
    if (left->n > before)
        rc_log(RC_LOG_WARN, "[%s %s] %zu object(s) left in %s: %s", w->profile->id, c->sc->id,
               left->n - before, c->repo, left->v[left->n - 1].answer);
}

/* Nothing is deleted (--keep, or a second interrupt): everything created is left behind. */
static void leave_created(struct sctx *c, struct leftover_list *left, const char *why)
{
    for (size_t i = 0; i < c->ncreated; i++)
        add_leftover(left, &c->created[i], why);
}

/* What a scenario's cleanup steps delete by digest is something it made, possibly through a
 * raw request that tracked nothing: track it, so that what the registry refuses to delete is
 * listed with the rest (deleting it twice costs a 404). */
static void track_cleanup_deletes(struct sctx *c)
{
    for (size_t i = 0; i < c->sc->ncleanup; i++) {
        const struct rc_step *st = &c->sc->cleanup[i];
        bool blob = st->def->op == RC_OP_DELETE_BLOB;
        if (!blob && st->def->op != RC_OP_DELETE_MANIFEST)
            continue;
        const char *raw = rc_step_str(st, blob ? "digest" : "ref");
        if (!raw)
            continue;
        rc_autofree char *value = sctx_subst(c, raw);
        rc_autofree char *repo = NULL;
        const char *digest = value;
        if (blob) {
            const char *r = rc_step_str(st, "repo");
            repo = r ? sctx_subst(c, r) : rc_xstrdup(c->repo);
        } else {
            const char *at = value ? strchr(value, '@') : NULL;
            if (!at)
                continue; /* by tag: no digest to name */
            repo = rc_xstrndup(value, (size_t)(at - value));
            digest = at + 1;
        }
        if (repo && *repo && digest && strchr(digest, ':') && !strchr(digest, '{'))
            sctx_track(c, repo, digest, !blob);
    }
}

/* Runs a section's steps until the verdict is decided (cleanup runs whatever happened).
 * An operation is judged together with the expectations nested under it. */
static void run_steps(struct sctx *c, const struct rc_step *steps, size_t n)
{
    size_t ops = 0;
    c->step = NULL;
    c->expects = NULL;
    c->nexpects = 0;
    for (size_t i = 0; i < n; i++) {
        const struct rc_step *st = &steps[i];
        if (c->decided && st->role != RC_ROLE_CLEANUP)
            break;
        if (st->def->op != RC_OP_EXPECT || !c->step) {
            c->step = st;
            c->step_no = ++ops;
            c->expects = st + 1;
            c->nexpects = st->def->op == RC_OP_EXPECT ? 0 : st->nexpects;
        }
        run_step(c, st);
    }
}

/* How a scenario was decided, for the registry-level probes. */
struct outcome {
    enum rc_cause cause;
    enum cred_issue cred;
    long status;            /* the last answer's status */
    uint32_t manifest_gets; /* sent by the check, cleanup included */
};

static void run_scenario(struct worker *w, const struct rc_scenario *sc, struct rc_check_result *cr,
                         struct leftover_list *left, struct outcome *out)
{
    struct sctx c;
    sctx_init(&c, w, sc);
    w->cur = &c;
    uint64_t t0 = rc_now_ms();
    rc_log(RC_LOG_INFO, "[%s] %s: start (repository %s)", w->profile->id, sc->id, c.repo);
    run_steps(&c, sc->setup, sc->nsetup);
    run_steps(&c, sc->steps, sc->nsteps);
    uint64_t t1 = rc_now_ms();
    if (rc_runner_interrupted() && c.decided && c.status == RC_ST_ERROR) {
        /* the signal cut a transfer short: that is all this verdict says ("blob GET: GET
         * http://...: interrupted (interrupted)" becomes "interrupted during blob GET") */
        const char *colon = c.reason ? strchr(c.reason, ':') : NULL;
        char *r = colon ? rc_fmt("interrupted during %.*s", (int)(colon - c.reason), c.reason)
                        : rc_xstrdup("interrupted");
        free(c.reason);
        c.reason = r;
    }

    /* the verdict and its evidence are taken before cleanup, which never changes them */
    set_check(cr, sc, c.decided ? c.status : RC_ST_PASS, c.decided ? c.reason : NULL);
    cr->fallback = c.fallback;
    if (out)
        *out = (struct outcome){c.decided ? c.cause : RC_CAUSE__COUNT, c.cred,
                                c.ntrace ? c.trace[c.ntrace - 1].status : 0, 0};
    if (cr->status != RC_ST_PASS)
        sctx_take_evidence(&c, cr);

    c.in_cleanup = true;
    track_cleanup_deletes(&c);
    run_steps(&c, sc->cleanup, sc->ncleanup);
    if (w->opts->keep)
        leave_created(&c, left, "kept (--keep)");
    else if (rc_runner_interrupted())
        leave_created(&c, left, "not deleted: the run was interrupted");
    else
        cleanup_created(&c, left);

    /* the note names every fallback taken and every deviation; each deviation also keeps
     * its own evidence */
    for (size_t i = 0; i < c.ndeviations; i++)
        sctx_add_note(&c, "%s", c.deviations[i].text);
    sctx_take_deviations(&c, cr);
    cr->note = c.note ? rc_redact_text(c.note) : NULL;
    cr->duration_ms = t1 - t0;
    cr->requests = c.requests;
    cr->retries = c.retries;
    cr->bytes_sent = c.sent;
    cr->bytes_received = c.received;
    if (out)
        out->manifest_gets = c.manifest_gets;
    rc_log(RC_LOG_INFO, "[%s] %s: %s%s%s", w->profile->id, sc->id, rc_status_name(cr->status),
           cr->reason ? " - " : "", cr->reason ? cr->reason : "");
    w->cur = NULL;
    sctx_dispose(&c);
}

/* xfail / xpass from the profile's expectations. */
static void apply_expectation(struct run *run, const struct rc_profile *p,
                              struct rc_check_result *cr)
{
    const struct rc_expectation *e = rc_profile_expectation(p, cr->id);
    if (!e)
        return;
    if (e->until && strcmp(run->today, e->until) > 0) {
        char *n = rc_fmt("expectation expired on %s: %s", e->until, e->reason);
        if (cr->note) {
            char *both = rc_fmt("%s; %s", cr->note, n);
            free(n);
            n = both;
            free(cr->note);
        }
        cr->note = n;
        return;
    }
    if (cr->status == e->status) {
        cr->status = RC_ST_XFAIL;
    } else if (cr->status == RC_ST_PASS) {
        cr->status = RC_ST_XPASS;
    } else {
        return;
    }
    cr->expect_reason = rc_xstrdup(e->reason);
    cr->expect_link = rc_xstrdup(e->link);
    cr->expect_until = rc_xstrdup(e->until);
}

static bool passed(enum rc_status st)
{
    return st == RC_ST_PASS || st == RC_ST_XPASS;
}

/* Every check of a registry that could not be tested at all gets the same verdict, and the
 * registry that one reason as its problem. */
static void all_checks(struct run *run, struct rc_registry_result *reg, enum rc_status st,
                       const char *reason, const struct rc_evidence *ev)
{
    free(reg->problem);
    reg->problem = rc_redact_text(reason);
    for (size_t i = 0; i < run->nscenarios; i++) {
        struct rc_check_result *cr = &reg->checks[reg->nchecks++];
        set_check(cr, run->scenarios[i], st, reason);
        if (ev) {
            cr->evidence = rc_xcalloc(1, sizeof(*cr->evidence));
            cr->evidence[0].request = rc_xstrdup(ev->request);
            cr->evidence[0].status = ev->status;
            cr->evidence[0].error = rc_xstrdup(ev->error);
            cr->evidence[0].body = rc_xstrdup(ev->body);
            cr->nevidence = 1;
        }
        progress(run, reg, cr);
    }
}

static const char *const version_headers[] = {"Docker-Distribution-Api-Version", "Server",
                                              "X-Harbor-Version", "X-Quay-Version"};

/* One HTTP client (one connection) per worker thread; the auth object, whose token cache is
 * locked, and the request rate, a locked scheduler, are shared by all workers of a registry,
 * so limits.requests_per_second holds for the registry whatever the concurrency. */
static int make_http(struct worker *w, const struct run *run, const struct rc_profile *p,
                     struct rc_error **err)
{
    int timeout = run->opts->timeout_s ? run->opts->timeout_s : p->limits.request_timeout;
    struct rc_http_options ho = {
        .timeout_ms = timeout * 1000L,
        .connect_timeout_ms = timeout < 10 ? timeout * 1000L : 10000L,
        .insecure = !p->tls.verify,
        .ca_file = p->tls.ca,
        .client_cert = p->tls.client_cert,
        .client_key = p->tls.client_key,
        .proxy = p->proxy,
        .retries = p->limits.retries,
        .rate = w->rate,
        .min_speed = p->limits.min_speed,
    };
    int rc = rc_http_client_new(&w->http, &ho, err);
    if (rc < 0)
        return rc;
    rc_http_client_set_trace(w->http, sctx_on_exchange, w);
    rc_oci_init(&w->oci, w->http, w->auth, p->url);
    /* kwctl's reqwest client: HTTP/1.1 only (oci-client 0.15.0 Cargo.toml enables no http2
     * feature) and no retries */
    ho.http1_only = true;
    ho.retries = -1;
    ho.share_connections_with = w->http; /* both are used by this worker's thread only */
    rc = rc_http_client_new(&w->kw_http, &ho, err);
    if (rc < 0)
        return rc;
    rc_http_client_set_trace(w->kw_http, sctx_on_exchange, w);
    return 0;
}

static int setup_worker(struct worker *w, struct run *run, const struct rc_profile *p,
                        struct rc_error **err)
{
    memset(w, 0, sizeof(*w));
    w->opts = run->opts;
    w->profile = p;
    w->run_id = run->run_id;
    w->host = rc_profile_host(p);
    w->owns_auth = true;
    w->rate = rc_http_rate_new(p->limits.requests_per_second, p->url);
    w->usage = rc_xcalloc(1, sizeof(*w->usage));
    struct rc_credentials creds = {0};
    int rc = rc_profile_credentials(p, &creds, err);
    if (rc < 0)
        return rc;
    /* a check pushes, pulls and deletes (its cleanup) in its repositories: one token each */
    struct rc_auth_options ao = {.allow_insecure_realm = p->auth.allow_insecure_realm,
                                 .merge_actions = "pull,push,delete"};
    w->anonymous = rc_credentials_empty(&creds);
    w->cred_source = w->anonymous ? NULL : rc_xstrdup(creds.source);
    w->auth = rc_auth_new(p->url, w->anonymous ? NULL : &creds, &ao);
    if (creds.username && creds.password) {
        w->kw_user = rc_xstrdup(creds.username);
        w->kw_pass = rc_xstrdup(creds.password);
    }
    rc_credentials_dispose(&creds);
    return make_http(w, run, p, err);
}

/* Another worker for the same registry, sharing the lead's auth. */
static int clone_worker(struct worker *w, const struct worker *lead, struct run *run,
                        struct rc_error **err)
{
    memset(w, 0, sizeof(*w));
    w->opts = lead->opts;
    w->profile = lead->profile;
    w->run_id = lead->run_id;
    w->host = rc_xstrdup(lead->host);
    w->auth = lead->auth;
    w->rate = lead->rate;
    w->usage = lead->usage;
    w->kw_user = rc_xstrdup(lead->kw_user);
    w->kw_pass = rc_xstrdup(lead->kw_pass);
    w->anonymous = lead->anonymous;
    w->cred_source = rc_xstrdup(lead->cred_source);
    return make_http(w, run, lead->profile, err);
}

/* A worker's counters join its registry's before the worker goes (both its clients: the
 * kwctl model's requests reach the registry too). */
static void add_stats(struct rc_registry_result *reg, const struct worker *w)
{
    struct rc_http_client *clients[] = {w->http, w->kw_http};
    for (size_t i = 0; i < RC_ARRAY_LEN(clients); i++) {
        if (!clients[i])
            continue;
        struct rc_http_stats h;
        rc_http_client_stats(clients[i], &h);
        reg->stats.requests += h.requests;
        reg->stats.connections += h.connections;
        reg->stats.tls_handshakes += h.tls_handshakes;
        reg->stats.token_connections += h.token_connections;
        reg->stats.token_requests += h.token_requests;
        reg->stats.status_429 += h.status_429;
    }
    /* the lead goes last: the registry's count of manifest GETs on the wire, all workers,
     * retries included (what a registry that bills pulls counts) */
    if (w->owns_auth && w->usage)
        reg->stats.manifest_gets = atomic_load(&w->usage->manifest_gets);
}

static void teardown_worker(struct worker *w)
{
    rc_oci_dispose(&w->oci);
    if (w->owns_auth) {
        rc_auth_free(w->auth);
        rc_http_rate_free(w->rate);
        free(w->usage);
    }
    rc_http_client_free(w->http);
    rc_http_client_free(w->kw_http);
    free(w->host);
    free(w->kw_user);
    free(w->kw_pass);
    free(w->cred_source);
}

/* The repositories this run will use on a registry, one per line (for hooks). */
static char *repositories(struct run *run, struct worker *w)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (size_t i = 0; i < run->nscenarios; i++) {
        if (run->scenarios[i] == run->opts->autocreate)
            continue; /* it asks whether a push creates its repository */
        char *repo = rc_profile_repository(w->profile, run->run_id, run->scenarios[i]->id);
        rc_buf_addf(&b, "%s\n%s-2\n", repo, repo);
        free(repo);
    }
    return rc_buf_steal(&b, NULL);
}

/* The after hook runs whenever the worker got that far, whatever happened. */
static void finish_registry(struct worker *w, struct rc_registry_result *reg,
                            const struct rc_profile *p, char *repos)
{
    struct rc_error *err = NULL;
    if (p->hooks.after && run_hook(w, "after", p->hooks.after, repos, &err) < 0) {
        rc_log(RC_LOG_WARN, "[%s] %s", p->id, rc_error_msg(err));
        rc_error_free(err);
    }
    free(repos);
    add_stats(reg, w);
    teardown_worker(w);
}

/* ---- scenarios of one registry, limits.concurrency at a time ---------------------------- */

enum { SC_PENDING, SC_RUNNING, SC_DONE };

struct pool {
    struct run *run;
    struct rc_registry_result *reg;
    /* why checks that write are not run (the registry does not create repositories and the
     * profile provides none; pushes are refused for credentials), or NULL; with the status
     * they get */
    const char *blocked;
    enum rc_status blocked_status;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned char *state;
    /* per scenario, joined in scenario order at the end; one more for a hidden
     * push.autocreate probe */
    struct leftover_list *left;
    size_t running; /* scenarios in SC_RUNNING */
    /* the request budgets: what the checks run so far used (for the estimate of the next),
     * and, once the budget stopped a check, the reason every later one is skipped */
    uint64_t ran, ran_requests, ran_manifest_gets;
    char *budget_stop;
};

/* "registries.d/x.yaml": the profile's folder and file, as the reports show it */
static const char *profile_shown(const struct rc_profile *p)
{
    if (!p->path)
        return "--url";
    const char *end = strrchr(p->path, '/');
    if (!end)
        return p->path;
    const char *start = end;
    while (start > p->path && start[-1] != '/')
        start--;
    return start;
}

/* The estimate for a check: the mean of the checks run so far on this registry, rounded up,
 * at least 1. */
static uint64_t budget_estimate(uint64_t total, uint64_t ran)
{
    uint64_t mean = ran ? (total + ran - 1) / ran : 1;
    return mean ? mean : 1;
}

/* Whether the request budgets let one more check start (limits.max_requests,
 * limits.max_manifest_gets). A check starts only when what the registry has used so far plus
 * the estimate for every check now running, this one included, stays within the budget; a
 * started check is never cut, and its cleanup always runs, so a run may end a little past
 * the budget, never far past it. Once a check is refused, no later check starts. NULL = go;
 * else the reason to skip (owned by the pool). Called with the pool lock held (or before the
 * workers start); running counts this check. */
static const char *budget_refuses(struct pool *pl, const struct worker *w, size_t running)
{
    const struct rc_profile *p = w->profile;
    if (pl->budget_stop || !w->usage)
        return pl->budget_stop;
    const struct {
        const char *key;
        int max;
        uint64_t used, ran_total;
        const char *what;
    } budgets[] = {
        {"limits.max_requests", p->limits.max_requests, atomic_load(&w->usage->requests),
         pl->ran_requests, "request"},
        {"limits.max_manifest_gets", p->limits.max_manifest_gets,
         atomic_load(&w->usage->manifest_gets), pl->ran_manifest_gets, "manifest GET"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(budgets); i++) {
        if (budgets[i].max <= 0)
            continue;
        uint64_t est = budget_estimate(budgets[i].ran_total, pl->ran);
        if (budgets[i].used + est * running <= (uint64_t)budgets[i].max)
            continue;
        pl->budget_stop =
            rc_fmt("%s budget exhausted: %llu of %s %d used, a check takes about %llu (profile "
                   "%s)",
                   budgets[i].what, (unsigned long long)budgets[i].used, budgets[i].key,
                   budgets[i].max, (unsigned long long)est, profile_shown(p));
        rc_log(RC_LOG_WARN, "[%s] %s: no further check starts", p->id, pl->budget_stop);
        return pl->budget_stop;
    }
    return NULL;
}

/* budget_refuses for a check that a pool thread is about to start (it counts in running) */
static const char *budget_check(struct pool *pl, const struct worker *w)
{
    pthread_mutex_lock(&pl->lock);
    const char *over = budget_refuses(pl, w, pl->running);
    pthread_mutex_unlock(&pl->lock);
    return over;
}

/* A check that ran: its use joins the estimate. */
static void budget_ran(struct pool *pl, const struct rc_check_result *cr, const struct outcome *oc)
{
    pl->ran++;
    pl->ran_requests += cr->requests;
    pl->ran_manifest_gets += oc->manifest_gets;
}

static size_t scenario_index(const struct run *run, const char *id)
{
    for (size_t i = 0; i < run->nscenarios; i++)
        if (rc_str_eq(run->scenarios[i]->id, id))
            return i;
    return SIZE_MAX;
}

/* The lowest pending scenario whose needs are all done (needs that are not part of this run
 * do not hold anything up); SIZE_MAX when none is ready. Called with the lock held. */
static size_t next_ready(struct pool *pl, bool *any_pending)
{
    *any_pending = false;
    for (size_t i = 0; i < pl->run->nscenarios; i++) {
        if (pl->state[i] != SC_PENDING)
            continue;
        *any_pending = true;
        const struct rc_scenario *sc = pl->run->scenarios[i];
        bool ready = true;
        for (size_t k = 0; k < sc->needs.n && ready; k++) {
            size_t j = scenario_index(pl->run, sc->needs.v[k]);
            ready = j == SIZE_MAX || pl->state[j] == SC_DONE;
        }
        if (ready)
            return i;
    }
    return SIZE_MAX;
}

/* Matrix columns follow the suites' order (file names), except that the signature columns
 * stand right after the policy columns: both answer "can this registry hold my policies". */
static void group_signature_features(struct rc_strv *f)
{
    size_t last_policy = SIZE_MAX;
    for (size_t i = 0; i < f->n; i++)
        if (rc_str_starts(f->v[i], "Policy "))
            last_policy = i;
    if (last_policy == SIZE_MAX)
        return;
    size_t at = last_policy + 1;
    for (size_t i = at; i < f->n; i++) {
        if (!rc_str_starts(f->v[i], "Signatures ("))
            continue;
        char *moved = f->v[i];
        memmove(f->v + at + 1, f->v + at, (i - at) * sizeof(*f->v));
        f->v[at++] = moved;
    }
}

static bool step_writes(const struct rc_step *st)
{
    switch (st->def->op) {
    case RC_OP_PUSH_ARTIFACT:
    case RC_OP_PUSH_BLOB:
    case RC_OP_MOUNT_BLOB:
    case RC_OP_PUT_MANIFEST:
    case RC_OP_TAG:
    case RC_OP_ATTACH:
    case RC_OP_SIGN:
    case RC_OP_RUN_TOOL:
        return true;
    case RC_OP_REQUEST: {
        const char *m = rc_step_str(st, "method");
        return m && (rc_str_eq(m, "POST") || rc_str_eq(m, "PUT") || rc_str_eq(m, "PATCH"));
    }
    default:
        return false;
    }
}

/* Whether a scenario pushes anything (and so needs a repository it may write to). */
static bool scenario_writes(const struct rc_scenario *sc)
{
    for (size_t i = 0; i < sc->nsetup; i++)
        if (step_writes(&sc->setup[i]))
            return true;
    for (size_t i = 0; i < sc->nsteps; i++)
        if (step_writes(&sc->steps[i]))
            return true;
    return false;
}

static void run_one(struct pool *pl, struct worker *w, size_t i)
{
    const struct rc_scenario *sc = pl->run->scenarios[i];
    struct rc_check_result *cr = &pl->reg->checks[i];
    const char *blocker = NULL;
    enum rc_status bst = RC_ST_PASS;
    for (size_t k = 0; k < sc->needs.n && !blocker; k++) {
        size_t j = scenario_index(pl->run, sc->needs.v[k]);
        if (j != SIZE_MAX && !passed(pl->reg->checks[j].status)) {
            blocker = sc->needs.v[k];
            bst = pl->reg->checks[j].status;
        }
    }
    const char *over = NULL;
    if (rc_runner_interrupted()) {
        set_check(cr, sc, RC_ST_SKIP, RC_REASON_INTERRUPTED);
    } else if (pl->blocked && scenario_writes(sc)) {
        set_check(cr, sc, pl->blocked_status, pl->blocked);
    } else if (rc_strv_contains(&w->profile->absent, sc->feature)) {
        set_check(cr, sc, RC_ST_SKIP, "the profile declares this feature absent");
    } else if (blocker) {
        char *why = rc_fmt("needs %s, which was %s", blocker, rc_status_name(bst));
        set_check(cr, sc, RC_ST_SKIP, why);
        free(why);
    } else if ((over = budget_check(pl, w))) {
        set_check(cr, sc, RC_ST_SKIP, over);
    } else {
        struct outcome oc;
        progress_start(pl->run, pl->reg, sc);
        run_scenario(w, sc, cr, &pl->left[i], &oc);
        apply_expectation(pl->run, w->profile, cr);
        pthread_mutex_lock(&pl->lock);
        budget_ran(pl, cr, &oc);
        pthread_mutex_unlock(&pl->lock);
    }
    progress(pl->run, pl->reg, cr);
}

struct pool_thread {
    struct pool *pl;
    struct worker *w;
};

/* Scenarios still pending when none is ready and none runs wait for each other (a `needs`
 * cycle that got past the loader): nothing can ever start them, so they are skipped and the
 * pool ends instead of waiting for ever. Called with the lock held. */
static void skip_stuck(struct pool *pl)
{
    for (size_t i = 0; i < pl->run->nscenarios; i++) {
        if (pl->state[i] != SC_PENDING)
            continue;
        const struct rc_scenario *sc = pl->run->scenarios[i];
        struct rc_check_result *cr = &pl->reg->checks[i];
        char *needs = rc_strv_join(&sc->needs, ", ");
        char *why =
            rc_fmt("not run: its needs (%s) can never complete, they wait on each other", needs);
        set_check(cr, sc, RC_ST_SKIP, why);
        free(why);
        free(needs);
        rc_log(RC_LOG_WARN, "[%s] %s: %s", pl->reg->id, sc->id, cr->reason);
        pl->state[i] = SC_DONE;
        progress(pl->run, pl->reg, cr);
    }
    pthread_cond_broadcast(&pl->cond);
}

static void *pool_main(void *arg)
{
    struct pool_thread *t = arg;
    struct pool *pl = t->pl;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        bool pending;
        size_t i = next_ready(pl, &pending);
        if (!pending)
            break;
        if (i == SIZE_MAX && pl->running == 0) {
            skip_stuck(pl);
            break;
        }
        if (i == SIZE_MAX) {
            pthread_cond_wait(&pl->cond, &pl->lock);
            continue;
        }
        pl->state[i] = SC_RUNNING;
        pl->running++;
        pthread_mutex_unlock(&pl->lock);
        run_one(pl, t->w, i);
        pthread_mutex_lock(&pl->lock);
        pl->state[i] = SC_DONE;
        pl->running--;
        pthread_cond_broadcast(&pl->cond);
    }
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Repository auto-creation is a registry-level precondition, probed once before the other
 * checks: where a push does not create its repository (push.autocreate `unsupported`) and the
 * profile provides none (hooks.before, or a `repository` template pointing at existing ones),
 * every check that writes is `skip` with one reason. */
static void probe_autocreate(struct run *run, struct worker *lead, struct pool *pl)
{
    const struct rc_scenario *ac = run->opts->autocreate;
    if (!ac || rc_runner_interrupted())
        return;
    bool writes = false;
    for (size_t i = 0; i < run->nscenarios && !writes; i++)
        writes = run->scenarios[i] != ac && scenario_writes(run->scenarios[i]);
    size_t idx = scenario_index(run, ac->id);
    if (!writes && idx == SIZE_MAX)
        return;
    struct rc_check_result hidden = {0};
    struct rc_check_result *cr = idx == SIZE_MAX ? &hidden : &pl->reg->checks[idx];
    const char *over = budget_refuses(pl, lead, 1);
    if (over) {
        /* nothing else starts either: no check that writes will ask the answer */
        if (idx != SIZE_MAX) {
            set_check(cr, ac, RC_ST_SKIP, over);
            pl->state[idx] = SC_DONE;
            progress(run, pl->reg, cr);
        }
        return;
    }
    /* the hidden probe's leftovers go in the slot after the scenarios' */
    struct outcome oc;
    progress_start(run, pl->reg, ac);
    run_scenario(lead, ac, cr, &pl->left[idx == SIZE_MAX ? run->nscenarios : idx], &oc);
    budget_ran(pl, cr, &oc);
    enum rc_status st = cr->status;
    if (idx != SIZE_MAX) {
        apply_expectation(run, lead->profile, cr);
        pl->state[idx] = SC_DONE;
        progress(run, pl->reg, cr);
    }
    const struct rc_profile *p = lead->profile;
    bool provided = p->hooks.before ||
                    (p->repository && !rc_str_eq(p->repository, RC_PROFILE_DEFAULT_REPOSITORY));
    char *why = NULL;
    if (st == RC_ST_UNSUPPORTED && !provided) {
        why = rc_xstrdup("not run: a push does not create its repository on this registry "
                         "(push.autocreate) and the profile provides none; create them in "
                         "hooks.before or point `repository` at existing ones");
        pl->blocked_status = RC_ST_SKIP;
    } else if (oc.cause == RC_CAUSE_CREDENTIALS && oc.cred != CRED_NONE) {
        /* the first push was refused for the credentials: so would every other */
        why = diagnose_push_refused(lead, oc.cred, oc.status);
        pl->blocked_status = RC_ST_ERROR;
    }
    if (why) {
        free(pl->reg->problem);
        pl->reg->problem = rc_redact_text(why);
        pl->blocked = pl->reg->problem;
        free(why);
    }
    rc_check_result_dispose(&hidden);
}

static void run_pool(struct run *run, struct worker *lead, struct rc_registry_result *reg)
{
    struct pool pl = {.run = run, .reg = reg};
    pl.state = rc_xcalloc(run->nscenarios ? run->nscenarios : 1, 1);
    pl.left = rc_xcalloc(run->nscenarios + 1, sizeof(*pl.left));
    reg->nchecks = run->nscenarios;
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.cond, NULL);
    probe_autocreate(run, lead, &pl);
    size_t n =
        lead->profile->limits.concurrency > 1 ? (size_t)lead->profile->limits.concurrency : 1;
    if (n > run->nscenarios)
        n = run->nscenarios ? run->nscenarios : 1;
    struct worker *ws = rc_xcalloc(n, sizeof(*ws));
    struct pool_thread *ts = rc_xcalloc(n, sizeof(*ts));
    pthread_t *th = rc_xcalloc(n, sizeof(*th));
    size_t started = 0;
    for (size_t k = 1; k < n; k++) {
        struct rc_error *err = NULL;
        if (clone_worker(&ws[k], lead, run, &err) < 0) {
            rc_log(RC_LOG_WARN, "[%s] extra worker: %s", lead->profile->id, rc_error_msg(err));
            rc_error_free(err);
            teardown_worker(&ws[k]);
            break;
        }
        ts[k] = (struct pool_thread){&pl, &ws[k]};
        if (pthread_create(&th[k], NULL, pool_main, &ts[k]) != 0) {
            teardown_worker(&ws[k]);
            break;
        }
        started = k;
    }
    ts[0] = (struct pool_thread){&pl, lead};
    pool_main(&ts[0]);
    for (size_t k = 1; k <= started; k++) {
        pthread_join(th[k], NULL);
        add_stats(reg, &ws[k]);
        teardown_worker(&ws[k]);
    }
    free(th);
    free(ts);
    free(ws);
    size_t nleft = 0;
    for (size_t i = 0; i <= run->nscenarios; i++)
        nleft += pl.left[i].n;
    reg->leftovers = nleft ? rc_xcalloc(nleft, sizeof(*reg->leftovers)) : NULL;
    for (size_t i = 0; i <= run->nscenarios; i++) {
        for (size_t k = 0; k < pl.left[i].n; k++)
            reg->leftovers[reg->nleftovers++] = pl.left[i].v[k];
        free(pl.left[i].v);
    }
    free(pl.left);
    free(pl.state);
    /* the budget is the registry's one reason for the checks it kept from starting (unless
     * the registry has another already) */
    if (pl.budget_stop && !reg->problem)
        reg->problem = rc_redact_text(pl.budget_stop);
    free(pl.budget_stop);
    pthread_cond_destroy(&pl.cond);
    pthread_mutex_destroy(&pl.lock);
}

static void run_registry(struct run *run, size_t idx)
{
    const struct rc_profile *p = &run->opts->profiles[idx];
    struct rc_registry_result *reg = &run->regs[idx];
    reg->checks = rc_xcalloc(run->nscenarios ? run->nscenarios : 1, sizeof(*reg->checks));
    if (rc_runner_interrupted()) {
        all_checks(run, reg, RC_ST_SKIP, RC_REASON_INTERRUPTED, NULL);
        return;
    }
    struct worker w;
    struct rc_error *err = NULL;
    int src = setup_worker(&w, run, p, &err);
    if (src == RC_EAUTH || src == RC_ENOTFOUND) {
        /* a hosted profile whose secrets are not configured here: nothing to test; where
         * credentials are required (CI), that is an error rather than a skip */
        bool req = run->opts->require_credentials;
        char *why = diagnose_missing_credentials(&w, rc_error_msg(err), req);
        all_checks(run, reg, req ? RC_ST_ERROR : RC_ST_SKIP, why, NULL);
        free(why);
        rc_error_free(err);
        teardown_worker(&w);
        return;
    }
    if (src < 0) {
        char *why = rc_fmt("could not prepare the registry: %s", rc_error_msg(err));
        all_checks(run, reg, RC_ST_ERROR, why, NULL);
        free(why);
        rc_error_free(err);
        teardown_worker(&w);
        return;
    }
    char *repos = repositories(run, &w);
    if (p->hooks.before && run_hook(&w, "before", p->hooks.before, repos, &err) < 0) {
        char *why = rc_fmt("could not prepare the registry: %s", rc_error_msg(err));
        all_checks(run, reg, RC_ST_ERROR, why, NULL);
        free(why);
        rc_error_free(err);
        err = NULL;
        finish_registry(&w, reg, p, repos);
        return;
    }
    /* ping: learn the auth scheme and the version; no answer at all = every check error */
    struct sctx ping;
    static const struct rc_scenario ping_sc = {.id = (char *)"ping", .suite = (char *)"ping"};
    sctx_init(&ping, &w, &ping_sc);
    w.cur = &ping;
    struct rc_http_response r;
    rc_http_response_init(&r);
    int rc = rc_oci_ping(&w.oci, &r, &err);
    w.cur = NULL;
    if (rc < 0 && rc_runner_interrupted()) {
        all_checks(run, reg, RC_ST_SKIP, RC_REASON_INTERRUPTED, NULL);
        rc_error_free(err);
        rc_http_response_dispose(&r);
        sctx_dispose(&ping);
        finish_registry(&w, reg, p, repos);
        return;
    }
    char *why = rc < 0 ? diagnose_no_answer(&w, rc, rc_error_msg(err)) : diagnose_ping(&w, &r);
    if (why) {
        all_checks(run, reg, RC_ST_ERROR, why, ping.ntrace ? &ping.trace[ping.ntrace - 1] : NULL);
        free(why);
        rc_error_free(err);
        rc_http_response_dispose(&r);
        sctx_dispose(&ping);
        finish_registry(&w, reg, p, repos);
        return;
    }
    for (size_t i = 0; i < RC_ARRAY_LEN(version_headers); i++) {
        const char *v = rc_http_headers_get(&r.headers, version_headers[i]);
        if (!v)
            continue;
        reg->versions = rc_xrealloc(reg->versions, (reg->nversions + 1) * sizeof(*reg->versions));
        reg->versions[reg->nversions].name = rc_xstrdup(version_headers[i]);
        reg->versions[reg->nversions++].value = rc_xstrdup(v);
    }
    rc_http_response_dispose(&r);
    sctx_dispose(&ping);

    run_pool(run, &w, reg);
    finish_registry(&w, reg, p, repos);
}

static void *worker_main(void *arg)
{
    struct run *run = arg;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t idx = run->next_registry++;
        pthread_mutex_unlock(&run->lock);
        if (idx >= run->opts->nprofiles)
            return NULL;
        run_registry(run, idx);
    }
}

static void fill_registry(struct rc_registry_result *reg, const struct rc_profile *p)
{
    reg->id = rc_xstrdup(p->id);
    reg->name = rc_xstrdup(p->name);
    reg->url = rc_redact_url(p->url);
    reg->kind = rc_xstrdup(p->kind);
    reg->hosted = p->hosted;
}

int rc_runner_run(struct rc_results *out, const struct rc_run_opts *opts, struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct run run = {.opts = opts};
    char run_id[32];
    if (opts->run_id)
        snprintf(run_id, sizeof(run_id), "%s", opts->run_id);
    else
        rc_runner_make_run_id(run_id);
    run.run_id = run_id;
    if (opts->today)
        snprintf(run.today, sizeof(run.today), "%s", opts->today);
    else
        rc_utc_date(run.today);

    out->tool_name = rc_xstrdup("regcompat");
    out->tool_version = rc_xstrdup(RC_VERSION);
    out->run_id = rc_xstrdup(run_id);
    char ts[32];
    rc_utc_now(ts);
    out->started = rc_xstrdup(ts);

    size_t total = 0;
    for (size_t i = 0; i < opts->nsuites; i++)
        total += opts->suites[i].nscenarios;
    run.scenarios = rc_xcalloc(total ? total : 1, sizeof(*run.scenarios));
    for (size_t i = 0; i < opts->nsuites; i++) {
        const struct rc_suite *s = &opts->suites[i];
        bool any = false;
        for (size_t j = 0; j < s->nscenarios; j++) {
            const struct rc_scenario *sc = &s->scenarios[j];
            if (!rc_runner_selected(sc->id, opts->only, opts->skip))
                continue;
            run.scenarios[run.nscenarios++] = sc;
            any = true;
            if (!rc_strv_contains(&out->features, sc->feature))
                rc_strv_push(&out->features, sc->feature);
        }
        if (any)
            rc_strv_push(&out->suites, s->name);
    }
    group_signature_features(&out->features);
    if (!run.nscenarios) {
        free(run.scenarios);
        return rc_error_set(err, RC_EINVAL, "no check selected (see --only, --skip and -s)");
    }
    run.total = run.nscenarios * opts->nprofiles;
    out->nregistries = opts->nprofiles;
    out->registries = rc_xcalloc(opts->nprofiles ? opts->nprofiles : 1, sizeof(*out->registries));
    run.regs = out->registries;
    for (size_t i = 0; i < opts->nprofiles; i++)
        fill_registry(&out->registries[i], &opts->profiles[i]);

    rc_log(RC_LOG_INFO, "run %s: %zu registries x %zu checks", run_id, opts->nprofiles,
           run.nscenarios);
    pthread_mutex_init(&run.lock, NULL);
    size_t jobs = opts->jobs > 0 ? (size_t)opts->jobs : 1;
    if (jobs > opts->nprofiles)
        jobs = opts->nprofiles ? opts->nprofiles : 1;
    pthread_t *threads = rc_xcalloc(jobs, sizeof(*threads));
    size_t started = 0;
    for (size_t i = 0; i < jobs; i++) {
        if (pthread_create(&threads[i], NULL, worker_main, &run) != 0)
            break;
        started++;
    }
    if (!started)
        worker_main(&run);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&run.lock);
    free(run.scenarios);

    rc_utc_now(ts);
    out->finished = rc_xstrdup(ts);
    out->interrupted = rc_runner_interrupted();
    rc_results_sort(out);
    return 0;
}
