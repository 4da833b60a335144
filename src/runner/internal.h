/* Shared between the runner's files; not part of the library's API. */
#ifndef RC_RUNNER_INTERNAL_H
#define RC_RUNNER_INTERNAL_H

#include <stdatomic.h>

#include "artifact/artifact.h"
#include "auth/auth.h"
#include "http/http.h"
#include "oci/oci.h"
#include "runner/runner.h"

#define RC_TRACE_KEEP    48   /* exchanges kept per scenario for evidence */
#define RC_EVIDENCE_BODY 1024 /* bytes of a body shown in evidence */

struct worker;

/* What one registry's run has used so far, counted on every exchange by all its workers and
 * both their clients: the request budgets (limits.max_requests, limits.max_manifest_gets) are
 * judged against it. */
struct usage {
    _Atomic uint64_t requests;      /* every exchange: retries, redirect hops, token fetches */
    _Atomic uint64_t manifest_gets; /* GET .../manifests/... to the registry (HEADs are free) */
};

struct var {
    char *name;
    char *value;
};

struct saved_artifact {
    char *name;
    struct rc_artifact art;
};

/* A signing key made for one scenario (ops_sign.c); it lives only in memory. */
struct sign_key {
    char *name;
    struct rc_crypto_key *key;
};

struct created {
    char *repo;
    char *digest;
    bool manifest;
    bool confirmed; /* a blob upload the registry confirmed: 201 naming the same digest */
};

/* What a 401 or 403 from the registry says about our credentials (judge.c). */
enum cred_issue {
    CRED_NONE,
    CRED_NOT_SENT, /* none were sent, and the registry asks for them */
    CRED_REJECTED, /* sent and refused */
    CRED_SCOPE,    /* accepted, but they do not reach this far (insufficient_scope, 403) */
};

/* One scenario in progress on one registry. */
struct sctx {
    struct worker *w;
    const struct rc_scenario *sc;
    char *repo;
    char *repo2;
    struct var *vars;
    size_t nvars, capvars;
    struct saved_artifact *arts;
    size_t narts, caparts;
    struct sign_key *keys;
    size_t nkeys, capkeys;
    struct created *created;
    size_t ncreated, capcreated;

    struct rc_http_response last;
    bool has_last;
    struct rc_strv tags; /* from the last list-tags */
    bool tags_listed;
    struct rc_artifact_manifest refs; /* the last referrers listing (an index) */
    bool refs_listed;

    /* the step running, its position, and the expectations nested under it */
    const struct rc_step *step;
    size_t step_no; /* 1-based, within its section */
    const struct rc_step *expects;
    size_t nexpects;

    /* verdict (judge.c decides it, once) */
    bool decided;
    enum rc_status status;
    enum rc_cause cause;
    enum cred_issue cred; /* with cause RC_CAUSE_CREDENTIALS */
    char *reason;
    char *note;
    bool fallback;
    size_t evidence_from; /* index into trace where the deciding step began */
    struct rc_deviation *deviations;
    size_t ndeviations, capdeviations;
    unsigned failed_in_row; /* consecutive exchanges that got no answer */

    /* what went over the wire */
    struct rc_evidence *trace; /* ring of the last RC_TRACE_KEEP exchanges */
    size_t ntrace;
    size_t step_first;
    uint32_t requests;
    uint32_t manifest_gets;
    uint32_t retries;
    uint64_t sent;
    uint64_t received;
    bool in_cleanup;
};

struct worker {
    const struct rc_run_opts *opts;
    const struct rc_profile *profile;
    const char *run_id;
    char *host;
    struct rc_http_client *http;
    struct rc_auth *auth;
    struct rc_http_rate *rate; /* limits.requests_per_second, for all workers; or NULL */
    struct usage *usage;
    bool owns_auth;    /* the registry's first worker frees what its workers share: auth, rate,
                          usage */
    bool anonymous;    /* no credentials were found for the registry */
    char *cred_source; /* where they came from ("env REGCOMPAT_PASSWORD"), or NULL */
    struct rc_oci oci;
    struct sctx *cur; /* the scenario receiving traced exchanges */
    /* the kwctl client model (ops_kwctl.c): its own connection, HTTP/1.1 and no retries as
     * kwctl's reqwest client, and the username/password kwctl would find (an identity token
     * alone leaves kwctl anonymous) */
    struct rc_http_client *kw_http;
    char *kw_user;
    char *kw_pass;
};

/* engine.c */
void sctx_init(struct sctx *c, struct worker *w, const struct rc_scenario *sc);
void sctx_dispose(struct sctx *c);
void sctx_on_exchange(void *ctx, const struct rc_http_exchange *x);
char *sctx_subst(struct sctx *c, const char *s);
const char *sctx_var(struct sctx *c, const char *name);
void sctx_set_var(struct sctx *c, const char *prefix, const char *field, const char *value);
void sctx_set_last(struct sctx *c, struct rc_http_response *resp); /* takes resp */
void sctx_add_note(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* A deviation the check tolerated, with the last exchange as its evidence. */
void sctx_add_deviation(struct sctx *c, const char *text);
void sctx_add_deviation_at(struct sctx *c, const char *method, const char *url, const char *what,
                           const char *text);
/* What this scenario created in repo with that digest (and has not deleted since), or NULL. */
struct created *sctx_created(struct sctx *c, const char *repo, const char *digest);
void sctx_track(struct sctx *c, const char *repo, const char *digest, bool manifest);
void sctx_untrack(struct sctx *c, const char *repo, const char *digest);
struct saved_artifact *sctx_artifact(struct sctx *c, const char *name);
/* judge.c: the classifier. Every judge_* that decides returns 1 (stop the scenario). */
/* A transport failure (takes err). */
int judge_transport(struct sctx *c, const char *what, int rc, struct rc_error *err);
/* An answer whose status is not in expected: credentials, rate limits, unavailability, a
 * missing repository and declared declines are told apart from a wrong answer. */
int judge_unexpected(struct sctx *c, const struct rc_step *st, const char *what,
                     const struct rc_http_response *resp, const char *expected);
/* Judges the status of a step's answer against its nested expectations, or dflt ("201",
 * "200 206") when none names a status. 0 = as expected. */
int judge_answer(struct sctx *c, const struct rc_step *st, const char *what,
                 const struct rc_http_response *resp, const char *dflt);
/* A wrong answer (fail on a probe, error on a precondition). */
int judge_wrong(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* The suite or the tester is wrong: error. */
int judge_suite(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* Not run (a tool that is not installed): skip, with the reason. */
int judge_skip(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* A valid decline of an optional feature: unsupported. */
int judge_declined(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* A deviation that does not change the verdict (a list entry with evidence). */
void judge_deviation(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
/* Whether the step's unsupported_when matches the answer. */
bool judge_declines(const struct rc_step *st, const struct rc_http_response *resp);
/* "404 MANIFEST_UNKNOWN" or "404 (text/plain)" */
char *describe_answer(const struct rc_http_response *resp);
void sctx_take_deviations(struct sctx *c, struct rc_check_result *out);
/* A copied evidence record of the trace entries [from, ntrace). */
void sctx_take_evidence(struct sctx *c, struct rc_check_result *out);

/* diagnose.c: why a registry cannot be tested at all, in one line that ends with the fix.
 * The ping (GET /v2/) got no answer: rc and msg as rc_http_send gave them. */
char *diagnose_no_answer(struct worker *w, int rc, const char *msg);
/* The ping's answer: a problem when nothing can be tested (401, a plain-HTTP request to a
 * TLS port), else NULL. */
char *diagnose_ping(struct worker *w, const struct rc_http_response *r);
/* Credentials the profile names could not be resolved (an unset variable...). */
char *diagnose_missing_credentials(const struct worker *w, const char *msg, bool required);
/* The first push (push.autocreate) was refused for credentials (status: its answer): every
 * check that writes stays untested. */
char *diagnose_push_refused(const struct worker *w, enum cred_issue ci, long status);

/* hooks.c: runs a profile hook (before/after) with REGCOMPAT_* variables. */
int run_hook(struct worker *w, const char *which, const char *cmd, const char *repos,
             struct rc_error **err);

/* ops_kwctl.c: push-artifact / pull-artifact with `client: kwctl`. */
bool kwctl_client(struct sctx *c, const struct rc_step *st);
int kwctl_push_artifact(struct sctx *c, const struct rc_step *st);
int kwctl_pull_artifact(struct sctx *c, const struct rc_step *st);
/* ops_tools.c: run-tool (real clients such as skopeo). */
int op_run_tool(struct sctx *c, const struct rc_step *st);

/* ops.c: runs one step; 0 = go on, 1 = the scenario is decided (stop). */
int run_step(struct sctx *c, const struct rc_step *st);

#endif
