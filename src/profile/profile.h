/* profile: one registry under test (DESIGN 3.1), loaded from registries.d/<id>.yaml and
 * validated by a key table (name, type, offset, default, help); credentials are references
 * (env, file, exec, docker config) resolved only when a run needs them. */
#ifndef RC_PROFILE_H
#define RC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/auth.h"
#include "base/base.h"
#include "results/results.h"

enum rc_secret_kind {
    RC_SECRET_NONE,
    RC_SECRET_VALUE, /* a literal: allowed for user names only, never for secrets */
    RC_SECRET_ENV,
    RC_SECRET_FILE,
    RC_SECRET_EXEC,
};

struct rc_secret_ref {
    enum rc_secret_kind kind;
    char *ref; /* the literal, env var name, file path or command line */
    int line;
};

struct rc_expectation {
    char *check;           /* id glob: "referrers.*" */
    enum rc_status status; /* RC_ST_FAIL, RC_ST_UNSUPPORTED or RC_ST_ERROR */
    char *reason;
    char *link;
    char *until; /* "YYYY-MM-DD" or NULL */
    int line;
};

struct rc_profile {
    char *id;   /* file stem, or derived from the URL for --url */
    char *path; /* the file it came from, NULL for --url */
    char *name;
    char *url; /* scheme://host[:port], no trailing slash */
    char *kind;
    bool hosted;
    char *namespace;  /* may be "" */
    char *repository; /* template, default "{namespace}/{run}/{check}" */
    struct {
        bool verify; /* default true */
        char *ca;
        char *client_cert;
        char *client_key;
    } tls;
    struct {
        struct rc_secret_ref username;
        struct rc_secret_ref password;
        struct rc_secret_ref token; /* a ready registry token or identity token */
        bool docker_config;         /* fall back to docker config.json; default true */
        bool allow_insecure_realm;  /* an http:// token realm for an https:// registry */
    } auth;
    struct {
        double requests_per_second; /* 0 = unlimited; for the registry as a whole */
        int concurrency;            /* parallel scenarios on this registry, default 1 */
        int request_timeout;        /* seconds, default 30 */
        int retries;                /* default 2 */
        int min_speed;              /* bytes/s: slower for request_timeout = cut; 1024 */
        int max_requests;           /* request budget of a run on this registry; 0 = none */
        int max_manifest_gets;      /* manifest GET budget (registries that bill pulls); 0 = none */
    } limits;
    struct {
        char *before; /* shell command, run with REGCOMPAT_* variables set */
        char *after;
    } hooks;
    char *proxy;
    struct rc_strv absent; /* feature names the profile declares absent: checks skip */
    struct rc_expectation *expect;
    size_t nexpect;
    bool enabled;
    /* where the file names the files it points at (tls.ca, tls.client_cert, tls.client_key):
     * the key (a static string) and its line, for rc_profile_lint */
    struct rc_profile_fileref {
        const char *key;
        int line;
    } files[4];
    size_t nfiles;
};

/* Loads and validates one profile file. Every problem found (unknown key, wrong type,
 * duplicate key, bad URL, literal password...) is appended to problems as
 * "<file>:<line>: key '<key>': <message>"; returns RC_EINVAL when there was any. */
int rc_profile_load(struct rc_profile *out, const char *path, struct rc_strv *problems);
/* Every *.yaml / *.yml in dir, sorted by id. Problems of all files are collected. */
int rc_profile_load_dir(struct rc_profile **out, size_t *n, const char *dir,
                        struct rc_strv *problems);
/* rc_profile_load_dir over several folders (repeated --profiles-dir); a profile id found in
 * two folders is a problem. */
int rc_profile_load_dirs(struct rc_profile **out, size_t *n, const struct rc_strv *dirs,
                         struct rc_strv *problems);
/* An ad-hoc profile for --url (credentials from REGCOMPAT_USERNAME / REGCOMPAT_PASSWORD or
 * the docker config). */
int rc_profile_from_url(struct rc_profile *out, const char *url, struct rc_error **err);
/* Resolves the credential references (env, file, exec, docker config); each secret is
 * registered with rc_redact_add_secret. Empty credentials (anonymous) are not an error. */
int rc_profile_credentials(const struct rc_profile *p, struct rc_credentials *out,
                           struct rc_error **err);
/* The expectation for a check id, or NULL. */
const struct rc_expectation *rc_profile_expectation(const struct rc_profile *p,
                                                    const char *check_id);
/* True when the expectation has an `until` date before today ("YYYY-MM-DD", rc_utc_date):
 * such an expectation is itself reported. */
bool rc_profile_expectation_expired(const struct rc_expectation *e, const char *today);
/* What validate reports beyond the file itself, appended to problems as
 * "<file>:<line>: key '<key>': <message>":
 * - a file the profile points at (tls.ca, tls.client_cert, tls.client_key) that cannot be
 *   read;
 * - with check_ids (every check id of the suites; NULL skips this), an expectation whose
 *   `check` glob matches none of them, with the closest id as a suggestion;
 * - with today ("YYYY-MM-DD"; NULL skips this), an expectation whose `until` date is past.
 * Returns how many problems were added. */
size_t rc_profile_lint(const struct rc_profile *p, const struct rc_strv *check_ids,
                       const char *today, struct rc_strv *problems);
/* "<file>:<line>: key 'expect[2].until': the expectation for 'x' expired on D: <reason>",
 * for the terminal warning at run time. */
char *rc_profile_expiry_message(const struct rc_profile *p, size_t i);
/* Profile ids (file stems) match [a-z0-9][a-z0-9._-]*. */
bool rc_profile_id_valid(const char *id);
#define RC_PROFILE_DEFAULT_REPOSITORY "{namespace}/{run}/{check}"

/* The repository a check uses in a run: the profile's template with {namespace}, {run} and
 * {check} filled in (an empty namespace drops its '/'). */
char *rc_profile_repository(const struct rc_profile *p, const char *run_id, const char *check);
/* "host:port" of the profile URL */
char *rc_profile_host(const struct rc_profile *p);
void rc_profile_dispose(struct rc_profile *p);
void rc_profiles_free(struct rc_profile *v, size_t n);

/* The documented keys, for `regcompat list` help and validation messages. */
void rc_profile_keys_help(struct rc_buf *out);

#endif
