/* runner: runs profiles x scenarios. One worker thread per registry at a time (-j of them
 * in parallel), scenarios in suite order with `needs` gating, each scenario in its own
 * repository with its own content; steps executed from the suite's operation table,
 * statuses classified (pass, fail, unsupported, skip, error, xfail, xpass), redacted
 * evidence recorded for every non-pass, and everything created deleted afterwards. */
#ifndef RC_RUNNER_H
#define RC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"
#include "profile/profile.h"
#include "results/results.h"
#include "suite/suite.h"

struct rc_run_opts {
    const struct rc_profile *profiles; /* borrowed */
    size_t nprofiles;
    const struct rc_suite *suites; /* borrowed */
    size_t nsuites;
    const struct rc_strv *only; /* check id globs; NULL or empty = all */
    const struct rc_strv *skip;
    /* the scenario tagged "autocreate" (push.autocreate), from all suites: run first on every
     * registry whose selected checks write, and reported only when selected. NULL = none */
    const struct rc_scenario *autocreate;
    int jobs;           /* registries in parallel, default 1 */
    bool keep;          /* leave what the run created on the registries */
    int timeout_s;      /* per-request timeout override, 0 = the profile's */
    const char *run_id; /* NULL = generated from the time and randomness */
    const char *today;  /* "YYYY-MM-DD" for expectation expiry, NULL = now */
    /* a profile whose credentials cannot be resolved (an unset variable...) makes its checks
     * `error` rather than `skip` */
    bool require_credentials;
    /* called when a check starts, with the counts progress has (from worker threads,
     * serialised; may be NULL) */
    void (*started)(void *ctx, const struct rc_registry_result *reg, const struct rc_scenario *sc,
                    size_t done, size_t total);
    /* called after each check completes (from worker threads, serialised) */
    void (*progress)(void *ctx, const struct rc_registry_result *reg,
                     const struct rc_check_result *check, size_t done, size_t total);
    void *progress_ctx;
};

/* Fills out (tool, run, registries with one entry per selected check). Returns < 0 only
 * when nothing could be run at all; registry failures are `error` results. */
int rc_runner_run(struct rc_results *out, const struct rc_run_opts *opts, struct rc_error **err);

/* Async-signal-safe (SIGINT, SIGTERM): transfers in progress are cut at once, so the
 * scenarios running end `error` "interrupted" (what they created is left in place), and the
 * scenarios and registries not started yet are `skip`. rc_runner_run then returns soon with
 * the results marked interrupted. */
void rc_runner_interrupt(void);
bool rc_runner_interrupted(void);

/* What an answer amounts to, before the step's role is considered (judge.c). */
enum rc_cause {
    RC_CAUSE_TRANSPORT,     /* no answer */
    RC_CAUSE_DROPPED,       /* no answer to this request only, reproducibly */
    RC_CAUSE_CREDENTIALS,   /* 401 / 403 */
    RC_CAUSE_RATE_LIMITED,  /* 429 after retries */
    RC_CAUSE_UNAVAILABLE,   /* 502 / 503 / 504 after retries */
    RC_CAUSE_NO_REPOSITORY, /* 404 NAME_UNKNOWN */
    RC_CAUSE_DECLINED,      /* a declared valid decline */
    RC_CAUSE_WRONG,         /* any other unexpected answer */
    RC_CAUSE_SUITE,         /* the suite or the tester is wrong */
    RC_CAUSE__COUNT
};
const char *rc_cause_name(enum rc_cause c);
/* The status the rule table gives a cause on a step of that role. */
enum rc_status rc_verdict_rule(enum rc_cause cause, enum rc_step_role role);
/* The rule table as a Markdown table (`regcompat list verdict-rules`, suites/README.md). */
void rc_verdict_rules_markdown(struct rc_buf *out);

/* A run id: "20261128-032510-1a2b" */
void rc_runner_make_run_id(char out[32]);

/* Whether a check id is selected by --only / --skip globs. */
bool rc_runner_selected(const char *id, const struct rc_strv *only, const struct rc_strv *skip);

#endif
