/* suite: scenarios as data (DESIGN 3.2). A suite file holds scenarios; a scenario is a list
 * of steps; a step is one operation from a fixed table with typed arguments. This module
 * loads and validates them (file:line:key errors, unknown operations and arguments,
 * variables that no earlier step saves) and owns the operation table; the runner executes. */
#ifndef RC_SUITE_H
#define RC_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum rc_op {
    RC_OP_PUSH_ARTIFACT,
    RC_OP_PULL_ARTIFACT,
    RC_OP_PUSH_BLOB,
    RC_OP_MOUNT_BLOB,
    RC_OP_GET_BLOB,
    RC_OP_HEAD_BLOB,
    RC_OP_CANCEL_UPLOAD,
    RC_OP_UPLOAD_STATUS,
    RC_OP_PUT_MANIFEST,
    RC_OP_GET_MANIFEST,
    RC_OP_HEAD_MANIFEST,
    RC_OP_TAG,
    RC_OP_LIST_TAGS,
    RC_OP_DELETE_TAG,
    RC_OP_DELETE_MANIFEST,
    RC_OP_DELETE_BLOB,
    RC_OP_REQUEST,
    RC_OP_REFERRERS,
    RC_OP_ATTACH,
    RC_OP_SIGN,
    RC_OP_RUN_TOOL,
    RC_OP_VERIFY,
    RC_OP_SIGNATURE_LEFTOVERS,
    RC_OP_EXPECT,
    RC_OP__COUNT
};

enum rc_arg_type {
    RC_ARG_STR, /* a scalar, variables allowed */
    RC_ARG_INT,
    RC_ARG_BOOL,
    RC_ARG_SIZE, /* "9MiB", 4096 */
    RC_ARG_LIST, /* a scalar or a list of scalars */
    RC_ARG_MAP,  /* a mapping of name -> scalar or list of scalars */
};

struct rc_arg_def {
    const char *key;
    enum rc_arg_type type;
    bool required;
    const char *help;
    /* a STR argument limited to these words (checked at load unless it holds a variable) */
    const char *const *choices;
};

struct rc_op_def {
    enum rc_op op;
    const char *name;
    const struct rc_arg_def *args; /* terminated by {NULL} */
    const char *help;
    /* fields a `save: NAME` makes available as {NAME.field} */
    const char *const *saves;
    /* the answer the spec prescribes for the step's judged request, as status codes
     * ("201", "200 206"); an `expect` with `status` narrows or widens it. NULL: the step
     * judges nothing by status (expect itself). */
    const char *expect_status;
};

const struct rc_op_def *rc_op_find(const char *name);
/* The clients push-artifact and pull-artifact can model: "spec" (the spec path) and "kwctl"
 * (runner/ops_kwctl.c), NULL-terminated. */
extern const char *const rc_suite_clients[];
const struct rc_op_def *rc_op_def(enum rc_op op);

struct rc_map_entry {
    char *key;
    struct rc_strv values;
    int line;
};

struct rc_arg {
    const struct rc_arg_def *def;
    int line;
    char *str;                /* STR (also the raw text of INT/BOOL/SIZE) */
    int64_t num;              /* INT, BOOL (0/1), SIZE */
    struct rc_strv list;      /* LIST */
    struct rc_map_entry *map; /* MAP */
    size_t nmap;
};

/* What a wrong answer to a step means (DESIGN 1, "How a status is decided"). */
enum rc_step_role {
    RC_ROLE_PROBE,        /* what the scenario is about: a wrong answer is `fail` */
    RC_ROLE_PRECONDITION, /* setup: a wrong answer means the check cannot be tested (`error`) */
    RC_ROLE_CLEANUP,      /* judged, never changes the verdict */
};
const char *rc_step_role_name(enum rc_step_role r);

struct rc_step {
    const struct rc_op_def *def;
    struct rc_arg *args;
    size_t nargs;
    int line;
    enum rc_step_role role;
    /* an operation step: how many `expect` steps right after it judge its answer (nested
     * `expect:` keys are loaded as such steps) */
    size_t nexpects;
};

struct rc_scenario {
    char *id;
    char *suite;
    char *feature;
    char *title;
    char *file;
    int line;
    struct rc_strv needs;
    struct rc_strv tags;
    struct rc_step *setup;
    size_t nsetup;
    struct rc_step *steps;
    size_t nsteps;
    struct rc_step *cleanup;
    size_t ncleanup;
    char *client; /* the suite's `client:` (kwctl), NULL = the spec path */
};

struct rc_suite {
    char *name;
    char *description;
    char *client; /* suite-level `client:`, the default of push-artifact / pull-artifact */
    char *path;
    struct rc_scenario *scenarios;
    size_t nscenarios;
};

/* Loads one suite file; problems are appended as "<file>:<line>: key '<k>': <message>".
 * A `needs` cycle among its scenarios is a problem, named at the scenario of the cycle that
 * comes first ("a -> b -> a"). */
int rc_suite_load(struct rc_suite *out, const char *path, struct rc_strv *problems);
/* Every *.yaml in dir, sorted by file name; checks ids unique across suites, that every
 * `needs` names an existing scenario, and that no `needs` cycle runs through several files. */
int rc_suite_load_dir(struct rc_suite **out, size_t *n, const char *dir, struct rc_strv *problems);
void rc_suite_dispose(struct rc_suite *s);
void rc_suites_free(struct rc_suite *v, size_t n);

/* The first scenario carrying tag, or NULL. */
const struct rc_scenario *rc_suite_find_tagged(const struct rc_suite *v, size_t n, const char *tag);

const struct rc_arg *rc_step_arg(const struct rc_step *st, const char *key);
const char *rc_step_str(const struct rc_step *st, const char *key); /* NULL if absent */
const struct rc_map_entry *rc_map_get(const struct rc_arg *a, const char *key);

/* Help for `regcompat list operations` and the README. */
void rc_suite_ops_help(struct rc_buf *out);

#endif
