#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "profile/profile.h"

/* ---- a scratch folder per test --------------------------------------------------------- */

static char *tmpdir;

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p = rc_fmt("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    tmpdir = rc_fmt("%s/rc-profile-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir))
        CU_FAIL_FATAL("mkdtemp");
}

static void teardown(void)
{
    remove_tree(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

/* Writes tmpdir/name; returns the path (to free). */
static char *put(const char *name, const char *text)
{
    char *path = rc_fmt("%s/%s", tmpdir, name);
    CU_ASSERT_EQUAL(rc_write_file(path, text, strlen(text), NULL), 0);
    return path;
}

static void dump(const struct rc_strv *problems)
{
    for (size_t i = 0; i < problems->n; i++)
        fprintf(stderr, "  problem: %s\n", problems->v[i]);
}

/* Loads text as tmpdir/name; returns the rc, problems are appended. */
static int load(struct rc_profile *p, const char *name, const char *text, struct rc_strv *problems)
{
    char *path = put(name, text);
    int rc = rc_profile_load(p, path, problems);
    free(path);
    return rc;
}

/* Is there a problem "<tmpdir>/<file>:<line>: key '<key>': ...<needle>..."? */
static bool has_problem(const struct rc_strv *problems, const char *file, int line, const char *key,
                        const char *needle)
{
    char *prefix = key ? rc_fmt("%s/%s:%d: key '%s': ", tmpdir, file, line, key)
                       : rc_fmt("%s/%s:%d: ", tmpdir, file, line);
    bool found = false;
    for (size_t i = 0; i < problems->n && !found; i++)
        found = rc_str_starts(problems->v[i], prefix) && strstr(problems->v[i], needle);
    if (!found) {
        fprintf(stderr, "\nmissing problem: %s...%s\n", prefix, needle);
        dump(problems);
    }
    free(prefix);
    return found;
}

static bool any_contains(const struct rc_strv *problems, const char *needle)
{
    for (size_t i = 0; i < problems->n; i++)
        if (strstr(problems->v[i], needle))
            return true;
    return false;
}

/* ---- tests ----------------------------------------------------------------------------- */

static const char full_profile[] = "name: Harbor (demo)\n"
                                   "url: HTTPS://Demo.Goharbor.io:8443/\n"
                                   "kind: harbor\n"
                                   "hosted: true\n"
                                   "namespace: regcompat-ci/nightly\n"
                                   "tls:\n"
                                   "  verify: false\n"
                                   "  ca: certs/harbor-ca.pem\n"
                                   "  client_cert: /etc/regcompat/client.pem\n"
                                   "  client_key: certs/client.key\n"
                                   "auth:\n"
                                   "  username: {env: HARBOR_USER}\n"
                                   "  password: {file: secrets/harbor}\n"
                                   "  token: {exec: \"printf tok\"}\n"
                                   "  docker_config: false\n"
                                   "  allow_insecure_realm: true\n"
                                   "limits: {requests_per_second: 2.5, concurrency: 4, "
                                   "request_timeout: 60, retries: 0, max_requests: 400, "
                                   "max_manifest_gets: 90}\n"
                                   "hooks:\n"
                                   "  before: {exec: \"./create-repo.sh\"}\n"
                                   "  after: ./delete-repo.sh\n"
                                   "proxy: http://proxy.example:3128\n"
                                   "absent: [Referrers API, Chunked upload]\n"
                                   "expect:\n"
                                   "  - check: referrers.*\n"
                                   "    status: unsupported\n"
                                   "    reason: Harbor < 2.11 answers application/json\n"
                                   "    link: https://github.com/goharbor/harbor/issues/19690\n"
                                   "    until: 2027-06-30\n"
                                   "  - {check: '*', reason: everything else fails}\n"
                                   "enabled: false\n";

static void test_full_profile(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    int rc = load(&p, "harbor-demo.yaml", full_profile, &problems);
    dump(&problems);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(problems.n, 0);
    RC_ASSERT_STR(p.id, "harbor-demo");
    CU_ASSERT(rc_str_ends(p.path, "/harbor-demo.yaml"));
    RC_ASSERT_STR(p.name, "Harbor (demo)");
    RC_ASSERT_STR(p.url, "https://demo.goharbor.io:8443");
    RC_ASSERT_STR(p.kind, "harbor");
    CU_ASSERT(p.hosted);
    RC_ASSERT_STR(p.namespace, "regcompat-ci/nightly");
    CU_ASSERT_FALSE(p.tls.verify);
    char *ca = rc_fmt("%s/certs/harbor-ca.pem", tmpdir);
    RC_ASSERT_STR(p.tls.ca, ca);
    free(ca);
    RC_ASSERT_STR(p.tls.client_cert, "/etc/regcompat/client.pem");
    CU_ASSERT(rc_str_ends(p.tls.client_key, "/certs/client.key"));
    CU_ASSERT_EQUAL(p.auth.username.kind, RC_SECRET_ENV);
    RC_ASSERT_STR(p.auth.username.ref, "HARBOR_USER");
    CU_ASSERT_EQUAL(p.auth.username.line, 12);
    CU_ASSERT_EQUAL(p.auth.password.kind, RC_SECRET_FILE);
    char *secret = rc_fmt("%s/secrets/harbor", tmpdir);
    RC_ASSERT_STR(p.auth.password.ref, secret);
    free(secret);
    CU_ASSERT_EQUAL(p.auth.token.kind, RC_SECRET_EXEC);
    RC_ASSERT_STR(p.auth.token.ref, "printf tok");
    CU_ASSERT_FALSE(p.auth.docker_config);
    CU_ASSERT(p.auth.allow_insecure_realm);
    CU_ASSERT_DOUBLE_EQUAL(p.limits.requests_per_second, 2.5, 1e-9);
    CU_ASSERT_EQUAL(p.limits.concurrency, 4);
    CU_ASSERT_EQUAL(p.limits.request_timeout, 60);
    CU_ASSERT_EQUAL(p.limits.retries, 0);
    CU_ASSERT_EQUAL(p.limits.max_requests, 400);
    CU_ASSERT_EQUAL(p.limits.max_manifest_gets, 90);
    RC_ASSERT_STR(p.hooks.before, "./create-repo.sh");
    RC_ASSERT_STR(p.hooks.after, "./delete-repo.sh");
    RC_ASSERT_STR(p.proxy, "http://proxy.example:3128");
    CU_ASSERT_EQUAL_FATAL(p.absent.n, 2);
    RC_ASSERT_STR(p.absent.v[1], "Chunked upload");
    CU_ASSERT_EQUAL_FATAL(p.nexpect, 2);
    RC_ASSERT_STR(p.expect[0].check, "referrers.*");
    CU_ASSERT_EQUAL(p.expect[0].status, RC_ST_UNSUPPORTED);
    RC_ASSERT_STR(p.expect[0].reason, "Harbor < 2.11 answers application/json");
    RC_ASSERT_STR(p.expect[0].link, "https://github.com/goharbor/harbor/issues/19690");
    RC_ASSERT_STR(p.expect[0].until, "2027-06-30");
    CU_ASSERT_EQUAL(p.expect[0].line, 24);
    CU_ASSERT_EQUAL(p.expect[1].status, RC_ST_FAIL);
    CU_ASSERT_PTR_NULL(p.expect[1].until);
    CU_ASSERT_FALSE(p.enabled);
    char *host = rc_profile_host(&p);
    RC_ASSERT_STR(host, "demo.goharbor.io:8443");
    free(host);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_defaults(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    CU_ASSERT_EQUAL(load(&p, "local.yml", "url: http://127.0.0.1:5000\n", &problems), 0);
    CU_ASSERT_EQUAL(problems.n, 0);
    RC_ASSERT_STR(p.id, "local");
    RC_ASSERT_STR(p.name, "local");
    RC_ASSERT_STR(p.url, "http://127.0.0.1:5000");
    RC_ASSERT_STR(p.kind, "unknown");
    CU_ASSERT_FALSE(p.hosted);
    RC_ASSERT_STR(p.namespace, "regcompat");
    CU_ASSERT(p.tls.verify);
    CU_ASSERT_PTR_NULL(p.tls.ca);
    CU_ASSERT_EQUAL(p.auth.username.kind, RC_SECRET_NONE);
    CU_ASSERT_EQUAL(p.auth.password.kind, RC_SECRET_NONE);
    CU_ASSERT(p.auth.docker_config);
    CU_ASSERT_FALSE(p.auth.allow_insecure_realm); /* refused unless a profile opts in */
    CU_ASSERT_DOUBLE_EQUAL(p.limits.requests_per_second, 0, 1e-9);
    CU_ASSERT_EQUAL(p.limits.concurrency, 1);
    CU_ASSERT_EQUAL(p.limits.request_timeout, 30);
    CU_ASSERT_EQUAL(p.limits.retries, 2);
    CU_ASSERT_EQUAL(p.limits.max_requests, 0); /* no budget */
    CU_ASSERT_EQUAL(p.limits.max_manifest_gets, 0);
    CU_ASSERT_PTR_NULL(p.hooks.before);
    CU_ASSERT_PTR_NULL(p.proxy);
    CU_ASSERT_EQUAL(p.absent.n, 0);
    CU_ASSERT_EQUAL(p.nexpect, 0);
    CU_ASSERT(p.enabled);
    rc_profile_dispose(&p);

    /* "key:" with no value keeps the default; an explicit empty namespace is allowed */
    CU_ASSERT_EQUAL(load(&p, "nulls.yaml",
                         "url: https://r.example\nnamespace: ''\ntls:\nlimits:\n  retries:\n",
                         &problems),
                    0);
    dump(&problems);
    RC_ASSERT_STR(p.namespace, "");
    CU_ASSERT_EQUAL(p.limits.retries, 2);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_unknown_keys(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: https://r.example\n"
                       "auth:\n"
                       "  username: {env: U}\n"
                       "  pasword: {env: P}\n"
                       "verify: false\n"
                       "colour: blue\n"
                       "tls.verify: false\n"
                       "limits: {concurency: 2}\n";
    CU_ASSERT_EQUAL(load(&p, "typo.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "typo.yaml", 4, "auth.pasword",
                          "unknown key; did you mean 'password'?"));
    CU_ASSERT(has_problem(&problems, "typo.yaml", 5, "verify", "did you mean 'tls.verify'?"));
    CU_ASSERT(has_problem(&problems, "typo.yaml", 6, "colour", "unknown key (known keys here: "));
    CU_ASSERT(has_problem(&problems, "typo.yaml", 7, "tls.verify", "write tls: {verify: ...}"));
    CU_ASSERT(
        has_problem(&problems, "typo.yaml", 8, "limits.concurency", "did you mean 'concurrency'?"));
    /* the username without a password is reported as well: every problem, not the first */
    CU_ASSERT(has_problem(&problems, "typo.yaml", 3, "auth.username", "needs auth.password"));
    CU_ASSERT_EQUAL(problems.n, 6);
    /* ordered by line */
    for (size_t i = 1; i < problems.n; i++)
        CU_ASSERT(strcmp(strchr(problems.v[i - 1] + strlen(tmpdir), ':'),
                         strchr(problems.v[i] + strlen(tmpdir), ':')) <= 0);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

/* The budgets take whole numbers from 0 up: a negative count, a fraction, a word or an `rps`
 * shorthand (there are no aliases) is an error naming file, line and key. */
static void test_budget_values(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: http://127.0.0.1:5000\n"
                       "limits:\n"
                       "  max_requests: -1\n"
                       "  max_manifest_gets: 2.5\n"
                       "  rps: 3\n";
    CU_ASSERT_EQUAL(load(&p, "budget.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT_EQUAL(problems.n, 3);
    CU_ASSERT(has_problem(&problems, "budget.yaml", 3, "limits.max_requests",
                          "must be between 0 and 100000000"));
    CU_ASSERT(has_problem(&problems, "budget.yaml", 4, "limits.max_manifest_gets",
                          "expected an integer, got '2.5'"));
    CU_ASSERT(has_problem(&problems, "budget.yaml", 5, "limits.rps", "unknown key"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);

    CU_ASSERT_EQUAL(load(&p, "budget.yaml",
                         "url: http://127.0.0.1:5000\n"
                         "limits: {max_requests: 0, max_manifest_gets: 100000000}\n",
                         &problems),
                    0);
    CU_ASSERT_EQUAL(problems.n, 0);
    CU_ASSERT_EQUAL(p.limits.max_requests, 0);
    CU_ASSERT_EQUAL(p.limits.max_manifest_gets, 100000000);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_wrong_types(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: [https://r.example]\n"
                       "hosted: [true]\n"
                       "tls: yes\n"
                       "limits:\n"
                       "  concurrency: \"4\"\n"
                       "  retries: 99\n"
                       "  requests_per_second: fast\n"
                       "  request_timeout: 1.5\n"
                       "enabled: yes\n"
                       "absent: Referrers API\n"
                       "expect: {check: x}\n"
                       "hooks: {before: [a]}\n"
                       "auth:\n"
                       "  username: [a]\n"
                       "  password: {env: P, file: q}\n"
                       "kind: Harbor\n"
                       "namespace: Bad/Name\n"
                       "proxy: ftp://p\n";
    CU_ASSERT_EQUAL(load(&p, "types.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "types.yaml", 1, "url", "expected a string, got a list"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 2, "hosted", "expected a boolean, got a list"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 3, "tls", "expected a mapping, got 'yes'"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 5, "limits.concurrency",
                          "expected an integer, got the string '4'"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 6, "limits.retries", "between 0 and 10"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 7, "limits.requests_per_second",
                          "expected a number, got 'fast'"));
    CU_ASSERT(
        has_problem(&problems, "types.yaml", 8, "limits.request_timeout", "expected an integer"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 9, "enabled", "expected a boolean, got 'yes'"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 10, "absent", "expected a list of strings"));
    CU_ASSERT(
        has_problem(&problems, "types.yaml", 11, "expect", "expected a list of expectations"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 12, "hooks.before", "expected a command"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 14, "auth.username", "expected {env: NAME}"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 15, "auth.password", "got a mapping"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 16, "kind", "[a-z0-9]"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 17, "namespace", "repository path"));
    CU_ASSERT(has_problem(&problems, "types.yaml", 18, "proxy", "expected a proxy URL"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_duplicate_key(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: https://a.example\n"
                       "tls:\n"
                       "  verify: true\n"
                       "  verify: false\n"
                       "url: https://b.example\n"
                       "bogus: 1\n";
    CU_ASSERT_EQUAL(load(&p, "dup.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT(
        has_problem(&problems, "dup.yaml", 4, "tls.verify", "duplicate key (first at line 3)"));
    CU_ASSERT(has_problem(&problems, "dup.yaml", 5, "url", "duplicate key (first at line 1)"));
    CU_ASSERT(has_problem(&problems, "dup.yaml", 6, "bogus", "unknown key"));
    CU_ASSERT_EQUAL(problems.n, 3);
    RC_ASSERT_STR(p.url, "https://a.example");
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_literal_password(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: https://r.example\n"
                       "auth:\n"
                       "  username: alice\n"
                       "  password: hunter2-literal\n"
                       "  token: 'tok-literal'\n";
    CU_ASSERT_EQUAL(load(&p, "lit.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "lit.yaml", 4, "auth.password",
                          "secrets are never written in profiles; use {env: ...}, {file: ...} "
                          "or {exec: ...}"));
    CU_ASSERT(has_problem(&problems, "lit.yaml", 5, "auth.token", "secrets are never written"));
    CU_ASSERT_FALSE(any_contains(&problems, "hunter2"));
    CU_ASSERT_FALSE(any_contains(&problems, "tok-literal"));
    /* a literal user name is fine */
    CU_ASSERT_EQUAL(p.auth.username.kind, RC_SECRET_VALUE);
    RC_ASSERT_STR(p.auth.username.ref, "alice");
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
    rc_redact_clear_secrets();
}

static void test_secret_refs_invalid(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: https://r.example\n"
                       "auth:\n"
                       "  username: {enb: USER}\n"
                       "  password: {env: 'not a name'}\n"
                       "  token: {vault: x}\n";
    CU_ASSERT_EQUAL(load(&p, "refs.yaml", text, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "refs.yaml", 3, "auth.username",
                          "unknown reference 'enb'; did you mean 'env'?"));
    CU_ASSERT(has_problem(&problems, "refs.yaml", 4, "auth.password",
                          "takes an environment variable name"));
    CU_ASSERT(has_problem(&problems, "refs.yaml", 5, "auth.token", "unknown reference 'vault'"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_missing_url_and_empty(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    CU_ASSERT_EQUAL(load(&p, "nourl.yaml", "# comment\nname: x\n", &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "nourl.yaml", 2, "url", "missing required key"));
    rc_profile_dispose(&p);
    CU_ASSERT_EQUAL(load(&p, "empty.yaml", "", &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "empty.yaml", 1, "url", "missing required key"));
    rc_profile_dispose(&p);
    CU_ASSERT_EQUAL(load(&p, "nullurl.yaml", "url:\n", &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "nullurl.yaml", 1, "url", "a value is required"));
    rc_profile_dispose(&p);
    CU_ASSERT_EQUAL(load(&p, "list.yaml", "- url: x\n", &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "list.yaml", 1, NULL, "a profile is a mapping of keys"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_urls(void)
{
    static const struct {
        const char *url;
        const char *normal; /* NULL: refused */
        const char *needle;
    } cases[] = {
        {"https://ghcr.io", "https://ghcr.io", NULL},
        {"http://127.0.0.1:5000/", "http://127.0.0.1:5000", NULL},
        {"HTTPS://Registry.Example.COM//", "https://registry.example.com", NULL},
        {"https://[::1]:5000", "https://[::1]:5000", NULL},
        {"ftp://r.example", NULL, "http or https"},
        {"r.example:5000", NULL, "expected http://"},
        {"https://r.example/v2/", NULL, "must not have a path"},
        {"https://user:pw@r.example", NULL, "credentials in the URL"},
        {"https://r.example?x=1", NULL, "query"},
        {"https://r.example:99999", NULL, "port"},
        {"https://r example", NULL, "not a valid host"},
        {"https://", NULL, "not a valid host"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        struct rc_strv problems = {0};
        struct rc_profile p;
        char *text = rc_fmt("url: '%s'\n", cases[i].url);
        int rc = load(&p, "u.yaml", text, &problems);
        free(text);
        if (cases[i].normal) {
            CU_ASSERT_EQUAL(rc, 0);
            RC_ASSERT_STR(p.url, cases[i].normal);
        } else {
            CU_ASSERT_EQUAL(rc, RC_EINVAL);
            CU_ASSERT(has_problem(&problems, "u.yaml", 1, "url", cases[i].needle));
        }
        CU_ASSERT_FALSE(any_contains(&problems, ":pw@"));
        rc_profile_dispose(&p);
        rc_strv_dispose(&problems);
    }
}

static void test_relative_paths(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    char *sub = rc_fmt("%s/sub", tmpdir);
    CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
    free(sub);
    const char *text = "url: https://r.example\n"
                       "tls: {ca: ../ca.pem, client_cert: c.pem, client_key: /abs/k.pem}\n";
    CU_ASSERT_EQUAL(load(&p, "sub/rel.yaml", text, &problems), 0);
    dump(&problems);
    char *ca = rc_fmt("%s/sub/../ca.pem", tmpdir);
    RC_ASSERT_STR(p.tls.ca, ca);
    free(ca);
    char *cert = rc_fmt("%s/sub/c.pem", tmpdir);
    RC_ASSERT_STR(p.tls.client_cert, cert);
    free(cert);
    RC_ASSERT_STR(p.tls.client_key, "/abs/k.pem");
    rc_profile_dispose(&p);

    /* a profile named without a folder keeps relative paths relative to the working dir */
    char *cwd = getcwd(NULL, 0);
    CU_ASSERT_EQUAL_FATAL(chdir(tmpdir), 0);
    CU_ASSERT_EQUAL(rc_write_file("here.yaml", text, strlen(text), NULL), 0);
    CU_ASSERT_EQUAL(rc_profile_load(&p, "here.yaml", &problems), 0);
    RC_ASSERT_STR(p.tls.ca, "../ca.pem");
    rc_profile_dispose(&p);
    CU_ASSERT_EQUAL(chdir(cwd), 0);
    free(cwd);

    /* client cert and key go together */
    CU_ASSERT_EQUAL(
        load(&p, "half.yaml", "url: https://r.example\ntls: {client_cert: c.pem}\n", &problems),
        RC_EINVAL);
    CU_ASSERT(any_contains(&problems, "key 'tls.client_cert': needs tls.client_key as well"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_expectations(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    const char *text = "url: https://r.example\n"
                       "expect:\n"
                       "  - check: referrers.filter\n"
                       "    status: error\n"
                       "    reason: times out\n"
                       "  - check: referrers.*\n"
                       "    status: unsupported\n"
                       "    reason: no referrers API\n"
                       "  - check: push.*\n"
                       "    reason: chunked uploads break\n"
                       "    until: 2026-02-28\n";
    CU_ASSERT_EQUAL(load(&p, "exp.yaml", text, &problems), 0);
    dump(&problems);
    CU_ASSERT_EQUAL_FATAL(p.nexpect, 3);
    const struct rc_expectation *e = rc_profile_expectation(&p, "referrers.filter");
    CU_ASSERT_PTR_EQUAL(e, &p.expect[0]);
    CU_ASSERT_EQUAL(e->status, RC_ST_ERROR);
    e = rc_profile_expectation(&p, "referrers.list");
    CU_ASSERT_PTR_EQUAL(e, &p.expect[1]);
    CU_ASSERT_EQUAL(e->status, RC_ST_UNSUPPORTED);
    e = rc_profile_expectation(&p, "push.chunked.out-of-order");
    CU_ASSERT_PTR_EQUAL(e, &p.expect[2]);
    CU_ASSERT_EQUAL(e->status, RC_ST_FAIL);
    CU_ASSERT_EQUAL(e->line, 9);
    CU_ASSERT(rc_profile_expectation_expired(e, "2026-03-01"));
    CU_ASSERT_FALSE(rc_profile_expectation_expired(e, "2026-02-28"));
    CU_ASSERT_FALSE(rc_profile_expectation_expired(&p.expect[0], "2099-01-01"));
    CU_ASSERT_PTR_NULL(rc_profile_expectation(&p, "policy.push"));
    rc_profile_dispose(&p);

    const char *bad = "url: https://r.example\n"
                      "expect:\n"
                      "  - check: a.*\n"
                      "    status: xfail\n"
                      "    reason: r\n"
                      "  - check: b.*\n"
                      "    until: 2026-02-30\n"
                      "  - just a string\n"
                      "  - {check: c, reason: r, severity: high}\n";
    CU_ASSERT_EQUAL(load(&p, "badexp.yaml", bad, &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "badexp.yaml", 4, "expect[0].status",
                          "must be fail, unsupported or error, got 'xfail'"));
    CU_ASSERT(has_problem(&problems, "badexp.yaml", 6, "expect[1].reason", "missing required key"));
    CU_ASSERT(has_problem(&problems, "badexp.yaml", 7, "expect[1].until",
                          "expected a date (YYYY-MM-DD)"));
    CU_ASSERT(has_problem(&problems, "badexp.yaml", 8, "expect[2]", "expected a mapping"));
    CU_ASSERT(has_problem(&problems, "badexp.yaml", 9, "expect[3].severity", "unknown key"));
    CU_ASSERT_EQUAL(problems.n, 5);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_bad_id(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    CU_ASSERT_EQUAL(load(&p, "Bad_Name.yaml", "url: https://r.example\n", &problems), RC_EINVAL);
    CU_ASSERT(has_problem(&problems, "Bad_Name.yaml", 1, NULL, "profile id 'Bad_Name'"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
    CU_ASSERT(rc_profile_id_valid("local-open"));
    CU_ASSERT(rc_profile_id_valid("9.x_y-z"));
    CU_ASSERT_FALSE(rc_profile_id_valid("-x"));
    CU_ASSERT_FALSE(rc_profile_id_valid(""));
    CU_ASSERT_FALSE(rc_profile_id_valid("A"));
}

static void test_syntax_error_in_profile(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    CU_ASSERT_EQUAL(
        load(&p, "syn.yaml", "url: https://r.example\nauth: {username: [a\n", &problems),
        RC_EINVAL);
    CU_ASSERT_EQUAL_FATAL(problems.n, 1);
    char *prefix = rc_fmt("%s/syn.yaml:3:", tmpdir);
    CU_ASSERT(rc_str_starts(problems.v[0], prefix));
    free(prefix);
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
}

static void test_alias_bomb_profile(void)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_adds(&b, "url: https://r.example\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n");
    for (int i = 1; i < 8; i++) {
        rc_buf_addf(&b, "x%d: &x%d [", i, i);
        for (int j = 0; j < 10; j++)
            rc_buf_addf(&b, "%s*x%d", j ? ", " : "", i - 1);
        rc_buf_adds(&b, "]\n");
    }
    struct rc_strv problems = {0};
    struct rc_profile p;
    CU_ASSERT_EQUAL(load(&p, "bomb.yaml", rc_buf_str(&b), &problems), RC_EINVAL);
    CU_ASSERT_EQUAL_FATAL(problems.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(problems.v[0], "aliases are expanded"));
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
    rc_buf_dispose(&b);
}

static void test_load_dir(void)
{
    free(put("b-good.yaml", "url: https://good.example\n"));
    free(put("a-broken.yml", "url: gopher://x\nlimits: {retries: -1}\n"));
    free(put("c-good.yml", "url: http://127.0.0.1:5000\nenabled: false\n"));
    free(put("notes.txt", "not a profile\n"));
    free(put(".hidden.yaml", "garbage: [\n"));
    struct rc_profile *v = NULL;
    size_t n = 0;
    struct rc_strv problems = {0};
    CU_ASSERT_EQUAL(rc_profile_load_dir(&v, &n, tmpdir, &problems), RC_EINVAL);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    RC_ASSERT_STR(v[0].id, "b-good");
    RC_ASSERT_STR(v[1].id, "c-good");
    CU_ASSERT_FALSE(v[1].enabled);
    CU_ASSERT_EQUAL(problems.n, 2);
    CU_ASSERT(has_problem(&problems, "a-broken.yml", 1, "url", "http or https"));
    CU_ASSERT(has_problem(&problems, "a-broken.yml", 2, "limits.retries", "between 0 and 10"));
    rc_profiles_free(v, n);
    rc_strv_dispose(&problems);

    /* the same id twice */
    free(put("b-good.yml", "url: https://other.example\n"));
    CU_ASSERT_EQUAL(rc_profile_load_dir(&v, &n, tmpdir, &problems), RC_EINVAL);
    CU_ASSERT(any_contains(&problems, "the profile id 'b-good' is also used by"));
    rc_profiles_free(v, n);
    rc_strv_dispose(&problems);

    /* a folder of good profiles */
    char *sub = rc_fmt("%s/ok", tmpdir);
    CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
    free(put("ok/z.yaml", "url: https://z.example\n"));
    free(put("ok/a.yaml", "url: https://a.example\n"));
    char *slashed = rc_fmt("%s/", sub);
    CU_ASSERT_EQUAL(rc_profile_load_dir(&v, &n, slashed, &problems), 0);
    free(slashed);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    RC_ASSERT_STR(v[0].id, "a");
    CU_ASSERT_PTR_NULL(strstr(v[0].path, "//"));
    CU_ASSERT_EQUAL(problems.n, 0);
    rc_profiles_free(v, n);
    free(sub);

    /* no such folder */
    char *none = rc_fmt("%s/none", tmpdir);
    CU_ASSERT(rc_profile_load_dir(&v, &n, none, &problems) < 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(problems.n, 1);
    free(none);
    rc_strv_dispose(&problems);
}

static void test_from_url(void)
{
    unsetenv("REGCOMPAT_USERNAME");
    unsetenv("REGCOMPAT_PASSWORD");
    struct rc_profile p;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_profile_from_url(&p, "http://127.0.0.1:5000/", &err), 0);
    RC_ASSERT_STR(p.id, "url-127.0.0.1-5000");
    RC_ASSERT_STR(p.name, "http://127.0.0.1:5000");
    RC_ASSERT_STR(p.url, "http://127.0.0.1:5000");
    RC_ASSERT_STR(p.kind, "unknown");
    RC_ASSERT_STR(p.namespace, "regcompat");
    CU_ASSERT(p.auth.docker_config);
    CU_ASSERT(p.enabled);
    CU_ASSERT_EQUAL(p.limits.request_timeout, 30);
    CU_ASSERT_EQUAL(p.limits.concurrency, 4); /* an ad-hoc registry: four checks at a time */
    CU_ASSERT_EQUAL(p.auth.username.kind, RC_SECRET_NONE);
    CU_ASSERT_PTR_NULL(p.path);
    rc_profile_dispose(&p);

    setenv("REGCOMPAT_USERNAME", "ci-user", 1);
    setenv("REGCOMPAT_PASSWORD", "ci-pass-1234", 1);
    CU_ASSERT_EQUAL(rc_profile_from_url(&p, "https://GHCR.io", &err), 0);
    RC_ASSERT_STR(p.id, "url-ghcr.io");
    CU_ASSERT_EQUAL(p.auth.username.kind, RC_SECRET_ENV);
    RC_ASSERT_STR(p.auth.password.ref, "REGCOMPAT_PASSWORD");
    struct rc_credentials c;
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    RC_ASSERT_STR(c.username, "ci-user");
    RC_ASSERT_STR(c.password, "ci-pass-1234");
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    unsetenv("REGCOMPAT_USERNAME");
    unsetenv("REGCOMPAT_PASSWORD");

    CU_ASSERT_EQUAL(rc_profile_from_url(&p, "https://[::1]:5000", &err), 0);
    RC_ASSERT_STR(p.id, "url---1-5000");
    CU_ASSERT(rc_profile_id_valid(p.id));
    rc_profile_dispose(&p);

    CU_ASSERT_EQUAL(rc_profile_from_url(&p, "https://u:sekrit@r.example", &err), RC_EINVAL);
    CU_ASSERT_PTR_NULL(strstr(rc_error_msg(err), "sekrit"));
    rc_error_freep(&err);
    rc_profile_dispose(&p);
    rc_redact_clear_secrets();
}

static char *profile_with_auth(const char *name, const char *auth)
{
    char *text = rc_fmt("url: http://127.0.0.1:5999\nauth:\n%s", auth);
    char *path = put(name, text);
    free(text);
    return path;
}

static void test_credentials(void)
{
    struct rc_strv problems = {0};
    struct rc_profile p;
    struct rc_credentials c;
    struct rc_error *err = NULL;
    rc_redact_clear_secrets();

    /* env + file + exec */
    free(put("pw.txt", "file-secret-1\n"));
    setenv("RC_TEST_USER", "env-user", 1);
    char *path = profile_with_auth("creds.yaml", "  username: {env: RC_TEST_USER}\n"
                                                 "  password: {file: pw.txt}\n"
                                                 "  token: {exec: \"echo '  exec-token-1 '\"}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    dump(&problems);
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    if (err)
        fprintf(stderr, "%s\n", rc_error_msg(err));
    RC_ASSERT_STR(c.username, "env-user");
    RC_ASSERT_STR(c.password, "file-secret-1");
    RC_ASSERT_STR(c.registry_token, "exec-token-1");
    CU_ASSERT_PTR_NULL(c.identity_token);
    CU_ASSERT(c.source && strstr(c.source, "env RC_TEST_USER"));
    /* secrets are registered for redaction, the user name is not */
    char *red = rc_redact_text("u=env-user p=file-secret-1 t=exec-token-1");
    RC_ASSERT_STR(red, "u=env-user p=*** t=***");
    free(red);
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    free(path);

    /* a missing variable is named, never a value */
    unsetenv("RC_TEST_USER");
    path = profile_with_auth("noenv.yaml", "  username: {env: RC_TEST_USER}\n"
                                           "  password: {file: pw.txt}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT(rc_profile_credentials(&p, &c, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "RC_TEST_USER is not set"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "profile noenv: auth.username"));
    rc_error_freep(&err);
    rc_profile_dispose(&p);
    free(path);

    /* an unreadable file names its path */
    path = profile_with_auth("nofile.yaml", "  username: bob\n"
                                            "  password: {file: missing.txt}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT(rc_profile_credentials(&p, &c, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "missing.txt"));
    rc_error_freep(&err);
    rc_profile_dispose(&p);
    free(path);

    /* exec failure: the status, never the output */
    path = profile_with_auth("execfail.yaml",
                             "  username: bob\n"
                             "  password: {exec: \"echo leaked-output; echo err >&2; exit 3\"}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT(rc_profile_credentials(&p, &c, &err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "exited with status 3"));
    CU_ASSERT_PTR_NULL(strstr(rc_error_msg(err), "leaked"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "auth.password"));
    rc_error_freep(&err);
    rc_profile_dispose(&p);
    free(path);

    /* a literal user name with an exec password */
    path = profile_with_auth("execok.yaml", "  username: bob\n"
                                            "  password: {exec: \"printf 'pw-from-exec'\"}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    RC_ASSERT_STR(c.username, "bob");
    RC_ASSERT_STR(c.password, "pw-from-exec");
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    free(path);

    /* no references and no docker config: anonymous */
    path = profile_with_auth("anon.yaml", "  docker_config: false\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    CU_ASSERT(rc_credentials_empty(&c));
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    free(path);

    CU_ASSERT_EQUAL(problems.n, 0);
    rc_strv_dispose(&problems);
    rc_redact_clear_secrets();
}

static void test_docker_config_fallback(void)
{
    /* {"auths": {"127.0.0.1:5999": {"auth": base64("dockeruser:docker-pass-1")}}} */
    char *cfgdir = rc_fmt("%s/docker", tmpdir);
    CU_ASSERT_EQUAL(mkdir(cfgdir, 0700), 0);
    free(
        put("docker/config.json",
            "{\"auths\": {\"127.0.0.1:5999\": {\"auth\": \"ZG9ja2VydXNlcjpkb2NrZXItcGFzcy0x\"}}}"));
    const char *old = getenv("DOCKER_CONFIG");
    char *saved = old ? rc_xstrdup(old) : NULL;
    setenv("DOCKER_CONFIG", cfgdir, 1);

    struct rc_strv problems = {0};
    struct rc_profile p;
    struct rc_credentials c;
    struct rc_error *err = NULL;
    char *path = profile_with_auth("docker.yaml", "  docker_config: true\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    if (err)
        fprintf(stderr, "%s\n", rc_error_msg(err));
    rc_error_freep(&err);
    RC_ASSERT_STR(c.username, "dockeruser");
    RC_ASSERT_STR(c.password, "docker-pass-1");
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    free(path);

    /* references win over the docker config */
    setenv("RC_TEST_USER2", "ref-user", 1);
    setenv("RC_TEST_PASS2", "ref-pass-1", 1);
    path = profile_with_auth("refs-win.yaml", "  username: {env: RC_TEST_USER2}\n"
                                              "  password: {env: RC_TEST_PASS2}\n");
    CU_ASSERT_EQUAL(rc_profile_load(&p, path, &problems), 0);
    CU_ASSERT_EQUAL(rc_profile_credentials(&p, &c, &err), 0);
    RC_ASSERT_STR(c.username, "ref-user");
    rc_credentials_dispose(&c);
    rc_profile_dispose(&p);
    free(path);

    if (saved)
        setenv("DOCKER_CONFIG", saved, 1);
    else
        unsetenv("DOCKER_CONFIG");
    free(saved);
    free(cfgdir);
    rc_strv_dispose(&problems);
    rc_redact_clear_secrets();
}

static void test_keys_help(void)
{
    static const char *const keys[] = {
        "name",
        "url",
        "kind",
        "hosted",
        "namespace",
        "tls.verify",
        "tls.ca",
        "tls.client_cert",
        "tls.client_key",
        "auth.username",
        "auth.password",
        "auth.token",
        "auth.docker_config",
        "auth.allow_insecure_realm",
        "limits.requests_per_second",
        "limits.concurrency",
        "limits.request_timeout",
        "limits.retries",
        "limits.max_requests",
        "limits.max_manifest_gets",
        "hooks.before",
        "hooks.after",
        "proxy",
        "absent",
        "expect",
        "enabled",
        "expect[].check",
        "expect[].status",
        "expect[].reason",
        "expect[].link",
        "expect[].until",
    };
    struct rc_buf b = RC_BUF_INIT(0);
    rc_profile_keys_help(&b);
    for (size_t i = 0; i < RC_ARRAY_LEN(keys); i++) {
        char *needle = rc_fmt("  %s ", keys[i]);
        if (!strstr(rc_buf_str(&b), needle))
            fprintf(stderr, "help lacks %s\n", keys[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&b), needle));
        free(needle);
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&b), "(default: regcompat)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_buf_str(&b), "(required)"));
    rc_buf_dispose(&b);
}

static CU_TestInfo profile_tests[] = {
    {"full profile with every key", test_full_profile},
    {"defaults", test_defaults},
    {"unknown keys with hints", test_unknown_keys},
    {"wrong types", test_wrong_types},
    {"budgets: whole numbers from 0, no alias", test_budget_values},
    {"duplicate key", test_duplicate_key},
    {"literal password refused", test_literal_password},
    {"invalid secret references", test_secret_refs_invalid},
    {"missing url, empty files", test_missing_url_and_empty},
    {"url rules", test_urls},
    {"relative paths", test_relative_paths},
    {"expectations", test_expectations},
    {"profile id", test_bad_id},
    {"syntax error", test_syntax_error_in_profile},
    {"alias bomb", test_alias_bomb_profile},
    {"folder with good and broken profiles", test_load_dir},
    {"profile from --url", test_from_url},
    {"credentials from env, file, exec", test_credentials},
    {"docker config fallback", test_docker_config_fallback},
    {"keys help", test_keys_help},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"profile", NULL, NULL, setup, teardown, profile_tests},
    CU_SUITE_INFO_NULL,
};
