/* results: the immutable tree a run produces (DESIGN 3.3). The runner fills it; every
 * reporter is a function of it; report merge/diff read it back from results.json. */
#ifndef RC_RESULTS_H
#define RC_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum rc_status {
    RC_ST_PASS,
    RC_ST_FAIL,
    RC_ST_UNSUPPORTED,
    RC_ST_SKIP,
    RC_ST_ERROR,
    RC_ST_XFAIL,
    RC_ST_XPASS,
    RC_ST__COUNT
};

const char *rc_status_name(enum rc_status st); /* "pass", "fail", ... */
bool rc_status_parse(const char *name, enum rc_status *out);

struct rc_kv {
    char *name;
    char *value;
};

/* One HTTP exchange shown as proof of a verdict. Every string is already redacted. */
struct rc_evidence {
    char *request;         /* "PUT /v2/ns/r/manifests/v1" (path and query, no host) */
    char *host;            /* "127.0.0.1:5000" when it differs from the registry's, else NULL */
    int status;            /* 0 when no answer arrived */
    char *error;           /* transport error ("connection refused"), or NULL */
    struct rc_kv *headers; /* selected response headers, in received order */
    size_t nheaders;
    char *body; /* excerpt (at most 1 KiB, UTF-8 safe), or NULL */
    bool body_truncated;
    /* how long the exchange took on the wire, when measured (timed set); results.json
     * carries it as an optional duration_ms, left out of the stable form */
    uint64_t duration_ms;
    bool timed;
};

/* A deviation a check noticed and tolerated ("PATCH 2 answered 201, not 202"), with the
 * exchange that showed it. */
struct rc_deviation {
    char *text;
    struct rc_evidence evidence; /* request NULL when there is none */
};

struct rc_check_result {
    char *id;      /* "policy.push" */
    char *suite;   /* "policy" */
    char *feature; /* "Policy push" */
    char *title;
    enum rc_status status;
    char *reason;  /* one line; NULL for a plain pass */
    char *note;    /* pass with a remark ("through the referrers tag schema"), or NULL */
    bool fallback; /* the feature worked only through a client-side fallback */
    uint64_t duration_ms;
    uint32_t requests;
    uint32_t retries;
    uint64_t bytes_sent;
    uint64_t bytes_received;
    struct rc_evidence *evidence;
    size_t nevidence;
    struct rc_deviation *deviations;
    size_t ndeviations;
    /* the profile expectation that matched (xfail / xpass), else NULL */
    char *expect_reason;
    char *expect_link;
    char *expect_until; /* "YYYY-MM-DD" the expectation holds until, or NULL */
};

/* Something a run created on a registry and could not delete again (the registry refused the
 * DELETE, as one with deletes disabled does, or did not answer): listed so that it can be
 * cleaned up by hand. Every string is already redacted. */
struct rc_leftover {
    char *repository;
    char *digest;
    char *kind;   /* "manifest" or "blob" */
    char *answer; /* the last answer to the DELETE: "405 UNSUPPORTED", a transport error */
};

/* What the run sent to a registry, over all its checks (absent from the stable form). */
struct rc_registry_stats {
    uint64_t requests;
    uint64_t connections;       /* new TCP connections to the registry */
    uint64_t tls_handshakes;    /* of those, over https */
    uint64_t token_connections; /* new connections to the token endpoint */
    uint64_t token_requests;    /* token endpoint requests */
    uint64_t status_429;        /* answers 429 */
    uint64_t manifest_gets; /* manifest GETs (counted against pull budgets by some registries) */
};

struct rc_registry_result {
    char *id; /* profile id */
    char *name;
    char *url;
    char *kind;
    bool hosted;
    struct rc_kv *versions; /* detected version headers, e.g. Docker-Distribution-Api-Version */
    size_t nversions;
    struct rc_check_result *checks;
    size_t nchecks;
    struct rc_registry_stats stats; /* all zero when unknown (an older results.json) */
    struct rc_leftover *leftovers;  /* sorted by repository, digest */
    size_t nleftovers;
    /* Why checks could not run on this registry (unreachable, TLS trust, credentials...),
     * in one line that ends with the fix; NULL when they could. Every check it kept from
     * running carries exactly this text as its reason, so a terminal can show one line for
     * the registry instead of one per check. */
    char *problem;
};

/* The reason of every check an interrupted run did not get to. */
#define RC_REASON_INTERRUPTED "not run: the run was interrupted"

struct rc_results {
    char *tool_name;
    char *tool_version;
    char *run_id;
    char *started; /* UTC, "2026-11-28T03:25:10Z" */
    char *finished;
    bool interrupted;
    struct rc_strv suites;   /* suite names in load order */
    struct rc_strv features; /* matrix columns in suite/scenario order */
    /* report merge: the run ids of the other inputs (run.merged_from; empty otherwise) */
    struct rc_strv merged_from;
    struct rc_registry_result *registries;
    size_t nregistries;
};

/* Sorts registries by id, checks by id and leftovers by repository and digest: deterministic
 * output. */
void rc_results_sort(struct rc_results *r);
/* counts[status] over every registry and check */
void rc_results_count(const struct rc_results *r, unsigned counts[RC_ST__COUNT]);
/* DESIGN 2: 0 none failed, 1 a fail (or an xpass with strict), 3 an error and no fail. */
int rc_results_exit_code(const struct rc_results *r, bool strict);

/* results.json, schema "regcompat.results/v1", pretty-printed, keys in a fixed order, no
 * timestamps inside check entries; optional fields are left out when empty. */
int rc_results_to_json(const struct rc_results *r, struct rc_buf *out, struct rc_error **err);
/* Same document; with stable set the per-check counters that change from run to run
 * (duration_ms, requests, retries, bytes_sent, bytes_received) and the per-request
 * evidence durations are left out so that two runs diff cleanly. rc_results_from_json reads both
 * forms (absent counters read as 0). */
int rc_results_to_json_opts(const struct rc_results *r, struct rc_buf *out, bool stable,
                            struct rc_error **err);
/* Reads a results.json back (for report merge/diff); errors name the JSON path. */
int rc_results_from_json(struct rc_results *out, const char *text, size_t len,
                         struct rc_error **err);

void rc_evidence_dispose(struct rc_evidence *e);
void rc_leftover_dispose(struct rc_leftover *l);
void rc_check_result_dispose(struct rc_check_result *c);
void rc_registry_result_dispose(struct rc_registry_result *rr);
void rc_results_dispose(struct rc_results *r);

#endif
