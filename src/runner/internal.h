/* Shared between the runner's files; not part of the library's API. */
#ifndef RC_RUNNER_INTERNAL_H
#define RC_RUNNER_INTERNAL_H

#include "artifact/artifact.h"
#include "auth/auth.h"
#include "http/http.h"
#include "oci/oci.h"
#include "runner/runner.h"

#define RC_TRACE_KEEP    48   /* exchanges kept per scenario for evidence */
#define RC_EVIDENCE_BODY 1024 /* bytes of a body shown in evidence */

struct worker;

struct var {
    char *name;
    char *value;
};

struct saved_artifact {
    char *name;
    struct rc_artifact art;
};

struct created {
    char *repo;
    char *digest;
    bool manifest;
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
    struct created *created;
    size_t ncreated, capcreated;

    struct rc_http_response last;
    bool has_last;
    struct rc_strv tags; /* from the last list-tags */
    bool tags_listed;
    struct rc_artifact_manifest refs; /* the last referrers listing (an index) */
    bool refs_listed;

    /* verdict */
    bool decided;
    enum rc_status status;
    char *reason;
    char *note;
    bool fallback;
    size_t evidence_from; /* index into trace where the deciding step began */

    /* what went over the wire */
    struct rc_evidence *trace; /* ring of the last RC_TRACE_KEEP exchanges */
    size_t ntrace;
    size_t step_first;
    uint32_t requests;
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
    bool owns_auth; /* the registry's first worker frees the shared auth */
    struct rc_oci oci;
    struct sctx *cur; /* the scenario receiving traced exchanges */
};

/* engine.c */
void sctx_init(struct sctx *c, struct worker *w, const struct rc_scenario *sc);
void sctx_dispose(struct sctx *c);
void sctx_on_exchange(void *ctx, const struct rc_http_exchange *x);
char *sctx_subst(struct sctx *c, const char *s);
const char *sctx_var(struct sctx *c, const char *name);
void sctx_set_var(struct sctx *c, const char *prefix, const char *field, const char *value);
void sctx_set_last(struct sctx *c, struct rc_http_response *resp); /* takes resp */
void sctx_decide(struct sctx *c, enum rc_status st, const char *fmt, ...) RC_PRINTF(3, 4);
void sctx_add_note(struct sctx *c, const char *fmt, ...) RC_PRINTF(2, 3);
void sctx_track(struct sctx *c, const char *repo, const char *digest, bool manifest);
void sctx_untrack(struct sctx *c, const char *repo, const char *digest);
struct saved_artifact *sctx_artifact(struct sctx *c, const char *name);
/* Decides `error` for a transport failure; always returns 1 (stop). */
int sctx_transport_error(struct sctx *c, const char *what, int rc, struct rc_error *err);
/* The standard reading of an unexpected status: unsupported_when, auth, rate limits and
 * unavailability are told apart from a wrong answer. Returns 1 (stop). */
int sctx_unexpected(struct sctx *c, const struct rc_step *st, const char *what,
                    const struct rc_http_response *resp, const char *expected);
bool sctx_matches_unsupported(struct sctx *c, const struct rc_step *st,
                              const struct rc_http_response *resp);
/* "404 MANIFEST_UNKNOWN" or "404 text/plain" */
char *describe_answer(const struct rc_http_response *resp);
/* A copied evidence record of the trace entries [from, ntrace). */
void sctx_take_evidence(struct sctx *c, struct rc_check_result *out);

/* hooks.c: runs a profile hook (before/after) with REGCOMPAT_* variables. */
int run_hook(struct worker *w, const char *which, const char *cmd, const char *repos,
             struct rc_error **err);

/* ops.c: runs one step; 0 = go on, 1 = the scenario is decided (stop). */
int run_step(struct sctx *c, const struct rc_step *st);

#endif
