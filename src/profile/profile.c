/* profile: registries.d/<id>.yaml -> struct rc_profile (DESIGN 3.1).
 *
 * One key table (name, type, offset, default, flags, range, validator, help) drives loading,
 * defaults, validation messages, disposal and `rc_profile_keys_help`; a second one describes
 * the items of `expect`. A type table gives each value type its parser, its name in messages
 * and its disposal. Every problem of a file is collected, sorted by line, and handed back as
 * "<file>:<line>: key '<dotted.key>': <message>". Values are never echoed for secrets. */
#include "profile/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "yaml/yaml.h"

#include "base/banned.h"

extern char **environ;

#define EXEC_TIMEOUT_MS 30000
#define SECRET_MAX      (64 * 1024)
#define SHOWN_VALUE_MAX 40
#define SECRET_LITERAL                                                                             \
    "secrets are never written in profiles; use {env: ...}, {file: ...} or {exec: ...}"

/* ---- load context and problems --------------------------------------------------------- */

struct issue {
    int line;
    char *msg;
};

struct load_ctx {
    const char *path; /* as given: messages name it */
    char *dir;        /* directory of the profile, NULL when the path has none */
    struct issue *issues;
    size_t nissues, cap;
    struct rc_profile *p;
};

static void add_issue_text(struct load_ctx *c, int line, char *msg)
{
    struct issue is = {line, msg};
    RC_PUSH(c->issues, c->nissues, c->cap, is);
}

static void issue(struct load_ctx *c, int line, const char *key, const char *fmt, ...)
    RC_PRINTF(4, 5);
static void issue(struct load_ctx *c, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    if (line < 1)
        line = 1;
    add_issue_text(c, line,
                   key ? rc_fmt("%s:%d: key '%s': %s", c->path, line, key, msg)
                       : rc_fmt("%s:%d: %s", c->path, line, msg));
    free(msg);
}

/* Messages that already carry "<path>:<line>:" (from the yaml loader). */
static void issue_from_text(struct load_ctx *c, const char *text)
{
    long line = 1;
    size_t plen = strlen(c->path);
    if (strncmp(text, c->path, plen) == 0 && text[plen] == ':') {
        char *end;
        long v = strtol(text + plen + 1, &end, 10);
        if (end != text + plen + 1 && v > 0 && v < INT32_MAX)
            line = v;
    }
    add_issue_text(c, (int)line, rc_xstrdup(text));
}

/* Hands the issues, ordered by line, to problems; returns how many there were. */
static size_t flush_issues(struct load_ctx *c, struct rc_strv *problems)
{
    size_t n = c->nissues;
    /* insertion sort keeps equal lines in the order they were found */
    for (size_t i = 1; i < n; i++) {
        struct issue t = c->issues[i];
        size_t j = i;
        while (j > 0 && c->issues[j - 1].line > t.line) {
            c->issues[j] = c->issues[j - 1];
            j--;
        }
        c->issues[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        if (problems)
            rc_strv_push_take(problems, c->issues[i].msg);
        else
            free(c->issues[i].msg);
    }
    free(c->issues);
    c->issues = NULL;
    c->nissues = c->cap = 0;
    return n;
}

/* ---- small helpers --------------------------------------------------------------------- */

static char *join_key(const char *prefix, const char *key)
{
    return prefix && *prefix ? rc_fmt("%s.%s", prefix, key) : rc_xstrdup(key);
}

static const char *leaf_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

/* Is name a direct child of section ("" = top level)? */
static bool in_section(const char *name, const char *section)
{
    size_t n = strlen(section);
    if (!n)
        return strchr(name, '.') == NULL;
    return strncmp(name, section, n) == 0 && name[n] == '.' && !strchr(name + n + 1, '.');
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64], prev[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, row, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

/* [a-z0-9][a-z0-9._-]* */
static bool simple_name(const char *s)
{
    if (!s || !(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && !strchr("._-", *s))
            return false;
    return true;
}

bool rc_profile_id_valid(const char *id)
{
    return simple_name(id);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    return slash == path ? rc_xstrdup("/") : rc_xstrndup(path, (size_t)(slash - path));
}

static char *resolve_path(const char *dir, const char *p)
{
    if (!dir || p[0] == '/')
        return rc_xstrdup(p);
    return rc_fmt("%s%s%s", dir, rc_str_ends(dir, "/") ? "" : "/", p);
}

static char *stem_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (rc_str_ends(base, ".yaml"))
        n -= 5;
    else if (rc_str_ends(base, ".yml"))
        n -= 4;
    return rc_xstrndup(base, n);
}

static bool valid_date(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* ---- URL and name validators ----------------------------------------------------------- */

static bool valid_port(const char *s, size_t n)
{
    if (!n || n > 5)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

static bool valid_host(const char *s, size_t n)
{
    if (!n)
        return false;
    if (s[0] == '[') { /* IPv6 literal */
        if (n < 3 || s[n - 1] != ']')
            return false;
        for (size_t i = 1; i + 1 < n; i++)
            if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
                return false;
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
            return false;
    return true;
}

/* http(s)://host[:port] with an optional trailing slash. Returns an error message (to free)
 * or NULL with *out set to the normalised URL (scheme and host lower-cased). */
static char *url_normalize(const char *in, char **out)
{
    static const char *const schemes[] = {"http", "https"};
    *out = NULL;
    const char *sep = strstr(in, "://");
    if (!sep)
        return rc_xstrdup("expected http://host[:port] or https://host[:port]");
    char *scheme = rc_xstrndup(in, (size_t)(sep - in));
    for (char *s = scheme; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    bool known = false;
    for (size_t i = 0; i < RC_ARRAY_LEN(schemes); i++)
        known = known || strcmp(scheme, schemes[i]) == 0;
    if (!known) {
        char *msg = rc_fmt("the scheme must be http or https, not '%.20s'", scheme);
        free(scheme);
        return msg;
    }
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *tail = auth + alen;
    char *msg = NULL;
    if (memchr(auth, '@', alen))
        msg = rc_xstrdup("credentials in the URL are not allowed; use auth: {username: ..., "
                         "password: {env: ...}}");
    else if (*tail == '?' || *tail == '#' || strpbrk(tail, "?#"))
        msg = rc_xstrdup("the URL must not have a query or a fragment");
    else if (tail[strspn(tail, "/")] != '\0')
        msg = rc_fmt("the URL must not have a path (got '%.40s'); repositories go under "
                     "'namespace'",
                     tail);
    if (msg) {
        free(scheme);
        return msg;
    }
    const char *colon = NULL;
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (close && close + 1 < auth + alen && close[1] == ':')
            colon = close + 1;
    } else {
        colon = memchr(auth, ':', alen);
    }
    size_t hlen = colon ? (size_t)(colon - auth) : alen;
    if (!valid_host(auth, hlen))
        msg = rc_fmt("'%.*s' is not a valid host name", (int)(hlen > 60 ? 60 : hlen), auth);
    else if (colon && !valid_port(colon + 1, alen - hlen - 1))
        msg = rc_xstrdup("the port must be a number from 1 to 65535");
    if (msg) {
        free(scheme);
        return msg;
    }
    char *host = rc_xstrndup(auth, alen);
    for (char *s = host; *s; s++)
        *s = (char)tolower((unsigned char)*s);
    *out = rc_fmt("%s://%s", scheme, host);
    free(scheme);
    free(host);
    return NULL;
}

static char *check_url(char **value)
{
    char *norm;
    char *msg = url_normalize(*value, &norm);
    if (msg)
        return msg;
    free(*value);
    *value = norm;
    return NULL;
}

static char *check_name(char **value)
{
    return simple_name(*value) ? NULL : rc_xstrdup("must match [a-z0-9][a-z0-9._-]*");
}

/* A repository name prefix: components [a-z0-9]+((.|_|__|-+)[a-z0-9]+)* joined by '/'. */
static bool valid_component(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t run = 0;
        while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
            i++, run++;
        if (!run)
            return false;
        if (i == n)
            return true;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
    }
}

static char *check_namespace(char **value)
{
    const char *s = *value;
    while (*s) {
        size_t n = strcspn(s, "/");
        if (!valid_component(s, n))
            return rc_xstrdup("must be a repository path: lower-case components "
                              "[a-z0-9]+ joined by '.', '_', '__' or '-', separated by '/'");
        s += n;
        if (*s == '/' && !*++s)
            return rc_xstrdup("must not end with '/'");
    }
    return NULL;
}

static char *fill_repository(const char *tmpl, const char *ns, const char *run, const char *check)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (const char *p = tmpl; *p;) {
        const char *vals[][2] = {{"{namespace}", ns}, {"{run}", run}, {"{check}", check}};
        bool hit = false;
        for (size_t i = 0; i < RC_ARRAY_LEN(vals) && !hit; i++) {
            size_t n = strlen(vals[i][0]);
            if (strncmp(p, vals[i][0], n) == 0) {
                rc_buf_adds(&b, vals[i][1]);
                p += n;
                hit = true;
                /* an empty namespace takes its separator with it */
                if (i == 0 && !*vals[i][1] && *p == '/')
                    p++;
            }
        }
        if (!hit)
            rc_buf_addc(&b, *p++);
    }
    return rc_buf_steal(&b, NULL);
}

static char *check_repository(char **value)
{
    if (!strstr(*value, "{run}") || !strstr(*value, "{check}"))
        return rc_xstrdup("must contain {run} and {check}, so that every check of every run has "
                          "a repository of its own");
    char *sample = fill_repository(*value, "ns", "20261128-000000-abcd", "policy.push");
    bool ok = strchr(sample, '{') == NULL;
    for (const char *s = sample; ok && *s;) {
        size_t n = strcspn(s, "/");
        ok = valid_component(s, n);
        s += n;
        if (*s == '/')
            s++;
    }
    free(sample);
    return ok ? NULL
              : rc_xstrdup("must give a valid repository name; placeholders are {namespace}, "
                           "{run} and {check}");
}

char *rc_profile_repository(const struct rc_profile *p, const char *run_id, const char *check)
{
    return fill_repository(p->repository ? p->repository : RC_PROFILE_DEFAULT_REPOSITORY,
                           p->namespace ? p->namespace : "", run_id, check);
}

static char *check_proxy(char **value)
{
    static const char *const schemes[] = {"http://",    "https://",  "socks4://",
                                          "socks4a://", "socks5://", "socks5h://"};
    const char *v = *value;
    bool known = false;
    for (size_t i = 0; i < RC_ARRAY_LEN(schemes); i++)
        known = known || rc_str_starts(v, schemes[i]);
    if (!known)
        return rc_xstrdup("expected a proxy URL: http://, https://, socks4://, socks4a://, "
                          "socks5:// or socks5h://");
    const char *auth = strstr(v, "://") + 3;
    if (memchr(auth, '@', strcspn(auth, "/?#")))
        return rc_xstrdup("credentials in the proxy URL are not allowed in profiles");
    return NULL;
}

/* ---- the tables ------------------------------------------------------------------------ */

enum ktype {
    T_SECTION,
    T_STRING,
    T_BOOL,
    T_INT,
    T_DOUBLE,
    T_SECRET,
    T_STRV,
    T_EXPECT,
    T_COMMAND,
    T_STATUS,
    T_DATE,
};

#define F_REQUIRED 1u /* the key must be present */
#define F_PATH     2u /* a file path: a relative one resolves against the profile's folder */
#define F_LITERAL  4u /* secret reference that may also be a literal (user names) */

struct pkey {
    const char *name; /* dotted path, relative to its table */
    enum ktype type;
    size_t offset;
    const char *def; /* default as YAML text, parsed like a value; NULL = none */
    unsigned flags;
    double min, max;              /* T_INT / T_DOUBLE */
    char *(*check)(char **value); /* T_STRING: error message (to free) or NULL */
    const char *help;
};

#define P(m) offsetof(struct rc_profile, m)
#define E(m) offsetof(struct rc_expectation, m)

static const struct pkey profile_keys[] = {
    {.name = "name",
     .type = T_STRING,
     .offset = P(name),
     .help = "Name shown in reports and the matrix (default: the profile id)"},
    {.name = "url",
     .type = T_STRING,
     .offset = P(url),
     .flags = F_REQUIRED,
     .check = check_url,
     .help = "Registry endpoint: http(s)://host[:port], no path"},
    {.name = "kind",
     .type = T_STRING,
     .offset = P(kind),
     .def = "unknown",
     .check = check_name,
     .help = "Implementation: distribution, harbor, quay, ghcr, ecr, gar, acr, dockerhub, "
             "artifactory, ..."},
    {.name = "hosted",
     .type = T_BOOL,
     .offset = P(hosted),
     .def = "false",
     .help = "A hosted service (true) rather than software you run (false)"},
    {.name = "namespace",
     .type = T_STRING,
     .offset = P(namespace),
     .def = "regcompat",
     .check = check_namespace,
     .help = "Fills {namespace} in the repository template; may be \"\""},
    {.name = "repository",
     .type = T_STRING,
     .offset = P(repository),
     .def = RC_PROFILE_DEFAULT_REPOSITORY,
     .check = check_repository,
     .help = "Template of the repository each check uses: {namespace}, {run}, {check}; e.g. "
             "\"{namespace}/rc-{run}-{check}\" where only two path segments are allowed"},
    {.name = "tls", .type = T_SECTION, .help = "TLS settings"},
    {.name = "tls.verify",
     .type = T_BOOL,
     .offset = P(tls.verify),
     .def = "true",
     .help = "Verify the server certificate"},
    {.name = "tls.ca",
     .type = T_STRING,
     .offset = P(tls.ca),
     .flags = F_PATH,
     .help = "CA bundle (PEM) to trust; relative to the profile's folder"},
    {.name = "tls.client_cert",
     .type = T_STRING,
     .offset = P(tls.client_cert),
     .flags = F_PATH,
     .help = "Client certificate (PEM) for mutual TLS"},
    {.name = "tls.client_key",
     .type = T_STRING,
     .offset = P(tls.client_key),
     .flags = F_PATH,
     .help = "Client private key (PEM) for mutual TLS"},
    {.name = "auth", .type = T_SECTION, .help = "Credentials, by reference only"},
    {.name = "auth.username",
     .type = T_SECRET,
     .offset = P(auth.username),
     .flags = F_LITERAL,
     .help = "User name: a literal, {env: NAME}, {file: PATH} or {exec: COMMAND}"},
    {.name = "auth.password",
     .type = T_SECRET,
     .offset = P(auth.password),
     .help = "Password: {env: NAME}, {file: PATH} or {exec: COMMAND}"},
    {.name = "auth.token",
     .type = T_SECRET,
     .offset = P(auth.token),
     .help = "A ready bearer token: {env: NAME}, {file: PATH} or {exec: COMMAND}"},
    {.name = "auth.docker_config",
     .type = T_BOOL,
     .offset = P(auth.docker_config),
     .def = "true",
     .help = "Without username/password/token, use docker's config.json (auths, credHelpers, "
             "credsStore)"},
    {.name = "auth.allow_insecure_realm",
     .type = T_BOOL,
     .offset = P(auth.allow_insecure_realm),
     .def = "false",
     .help = "Accept an http:// token realm named by an https:// registry (credentials then "
             "cross the network in clear text); refused by default"},
    {.name = "limits", .type = T_SECTION, .help = "How hard regcompat may use the registry"},
    {.name = "limits.requests_per_second",
     .type = T_DOUBLE,
     .offset = P(limits.requests_per_second),
     .def = "0",
     .min = 0,
     .max = 10000,
     .help = "Requests per second to the registry, all its concurrent checks together; 0 = "
             "unlimited"},
    {.name = "limits.concurrency",
     .type = T_INT,
     .offset = P(limits.concurrency),
     .def = "1",
     .min = 1,
     .max = 64,
     .help = "Scenarios run in parallel on this registry (an ad-hoc --url registry: 4)"},
    {.name = "limits.request_timeout",
     .type = T_INT,
     .offset = P(limits.request_timeout),
     .def = "30",
     .min = 1,
     .max = 3600,
     .help = "Seconds before one request times out"},
    {.name = "limits.retries",
     .type = T_INT,
     .offset = P(limits.retries),
     .def = "2",
     .min = 0,
     .max = 10,
     .help = "Retries of idempotent requests (429, 5xx, network errors)"},
    {.name = "limits.min_speed",
     .type = T_INT,
     .offset = P(limits.min_speed),
     .def = "1024",
     .min = 1,
     .max = 1000000000,
     .help = "Bytes per second below which a transfer is cut once it has been that slow for "
             "request_timeout seconds (a stalled or trickling answer)"},
    {.name = "limits.max_requests",
     .type = T_INT,
     .offset = P(limits.max_requests),
     .def = "0",
     .min = 0,
     .max = 100000000,
     .help = "Request budget of a run on this registry: a check that would go past it is not "
             "started (skip, with the count); 0 = no budget"},
    {.name = "limits.max_manifest_gets",
     .type = T_INT,
     .offset = P(limits.max_manifest_gets),
     .def = "0",
     .min = 0,
     .max = 100000000,
     .help = "Manifest GET budget of a run (registries that bill pulls count them): as "
             "max_requests; 0 = no budget"},
    {.name = "hooks", .type = T_SECTION, .help = "Shell commands around a run"},
    {.name = "hooks.before",
     .type = T_COMMAND,
     .offset = P(hooks.before),
     .help = "Run before the scenarios (REGCOMPAT_* variables set): a string or {exec: ...}"},
    {.name = "hooks.after",
     .type = T_COMMAND,
     .offset = P(hooks.after),
     .help = "Run after the scenarios, also after failures: a string or {exec: ...}"},
    {.name = "proxy",
     .type = T_STRING,
     .offset = P(proxy),
     .check = check_proxy,
     .help = "Proxy URL (http, https, socks4, socks4a, socks5, socks5h), no credentials"},
    {.name = "absent",
     .type = T_STRV,
     .offset = P(absent),
     .help = "Features the registry does not offer: their checks are skipped"},
    {.name = "expect",
     .type = T_EXPECT,
     .offset = P(expect),
     .help = "Known issues: a list of {check, status, reason, link, until}"},
    {.name = "enabled",
     .type = T_BOOL,
     .offset = P(enabled),
     .def = "true",
     .help =
         "false: validated but not run (hosted profiles ship disabled until credentials exist)"},
};

static const struct pkey expect_keys[] = {
    {.name = "check",
     .type = T_STRING,
     .offset = E(check),
     .flags = F_REQUIRED,
     .help = "Check id or glob (referrers.*); the first matching expectation wins"},
    {.name = "status",
     .type = T_STATUS,
     .offset = E(status),
     .def = "fail",
     .help = "What the check reports today: fail, unsupported or error"},
    {.name = "reason",
     .type = T_STRING,
     .offset = E(reason),
     .flags = F_REQUIRED,
     .help = "Why, in one line (shown in reports)"},
    {.name = "link", .type = T_STRING, .offset = E(link), .help = "Issue or documentation URL"},
    {.name = "until",
     .type = T_DATE,
     .offset = E(until),
     .help = "YYYY-MM-DD; after it the expectation is reported as expired"},
};

/* Where a value goes while it is parsed. */
struct slot {
    const struct pkey *key;
    const struct pkey *table; /* the table key belongs to (sections recurse in it) */
    size_t ntable;
    int *seen;
    void *base;       /* the struct the table describes */
    void *field;      /* base + key->offset */
    const char *path; /* dotted key for messages: "auth.password", "expect[1].until" */
    int line;
};

enum { V_OK, V_TYPE, V_REPORTED };

struct type_info {
    const char *name;     /* in help */
    const char *expected; /* in messages: "expected <this>, got ..." */
    int (*parse)(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v);
    void (*dispose)(void *base, const struct pkey *k);
};

static const struct type_info *type_of(const struct pkey *k);
static void walk_map(struct load_ctx *c, const struct pkey *table, size_t ntable, int *seen,
                     void *base, const struct rc_yaml_node *map, const char *section,
                     const char *shown);
static void apply_defaults(struct load_ctx *c, const struct pkey *table, size_t ntable, void *base);
static void check_required(struct load_ctx *c, const struct pkey *table, size_t ntable,
                           const int *seen, const char *shown, int line);
static void dispose_fields(const struct pkey *table, size_t ntable, void *base);

/* "a list", "'yes'", "the string '30'" (never the value of a secret) */
static char *describe(const struct rc_yaml_node *v, bool secret)
{
    if (v->kind != RC_YAML_SCALAR)
        return rc_xstrdup(rc_yaml_kind_name(v->kind));
    if (secret)
        return rc_xstrdup("a string");
    const char *s = v->scalar;
    const char *more = strlen(s) > SHOWN_VALUE_MAX ? "..." : "";
    return rc_fmt("%s'%.*s%s'", v->plain ? "" : "the string ", SHOWN_VALUE_MAX, s, more);
}

/* ---- value parsers --------------------------------------------------------------------- */

static int parse_section(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    if (v->kind != RC_YAML_MAP)
        return V_TYPE;
    walk_map(c, s->table, s->ntable, s->seen, s->base, v, s->key->name, s->path);
    return V_OK;
}

static int parse_string(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    if (v->kind != RC_YAML_SCALAR)
        return V_TYPE;
    char **f = s->field;
    if ((s->key->flags & F_PATH) && !*v->scalar) {
        issue(c, s->line, s->path, "a file path is required");
        return V_REPORTED;
    }
    free(*f);
    *f = (s->key->flags & F_PATH) ? resolve_path(c->dir, v->scalar) : rc_xstrdup(v->scalar);
    if ((s->key->flags & F_PATH) && c->p->nfiles < RC_ARRAY_LEN(c->p->files))
        c->p->files[c->p->nfiles++] = (struct rc_profile_fileref){s->key->name, s->line};
    if (s->key->check) {
        char *msg = s->key->check(f);
        if (msg) {
            issue(c, s->line, s->path, "%s", msg);
            free(msg);
            return V_REPORTED;
        }
    }
    return V_OK;
}

static int parse_bool(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    RC_UNUSED(c);
    return rc_yaml_bool(v, s->field) ? V_OK : V_TYPE;
}

static int out_of_range(struct load_ctx *c, const struct slot *s)
{
    if (s->key->type == T_INT)
        issue(c, s->line, s->path, "must be between %.0f and %.0f", s->key->min, s->key->max);
    else
        issue(c, s->line, s->path, "must be between %g and %g", s->key->min, s->key->max);
    return V_REPORTED;
}

static int parse_int(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    int64_t i;
    if (!rc_yaml_int(v, &i))
        return V_TYPE;
    if ((double)i < s->key->min || (double)i > s->key->max)
        return out_of_range(c, s);
    *(int *)s->field = (int)i;
    return V_OK;
}

static int parse_double(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    double d;
    if (!rc_yaml_double(v, &d))
        return V_TYPE;
    if (!isfinite(d) || d < s->key->min || d > s->key->max)
        return out_of_range(c, s);
    *(double *)s->field = d;
    return V_OK;
}

static const struct {
    const char *name;
    enum rc_secret_kind kind;
    const char *what; /* how the value is checked, for messages */
} secret_forms[] = {
    {"env", RC_SECRET_ENV, "an environment variable name"},
    {"file", RC_SECRET_FILE, "a file path"},
    {"exec", RC_SECRET_EXEC, "a command line"},
};

static bool env_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static int parse_secret(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    struct rc_secret_ref *ref = s->field;
    if (v->kind == RC_YAML_SCALAR) {
        if (!(s->key->flags & F_LITERAL)) {
            rc_redact_add_secret(v->scalar); /* it is out; at least keep it out of logs */
            issue(c, s->line, s->path, "%s", SECRET_LITERAL);
            return V_REPORTED;
        }
        free(ref->ref);
        *ref = (struct rc_secret_ref){RC_SECRET_VALUE, rc_xstrdup(v->scalar), s->line};
        return V_OK;
    }
    if (v->kind != RC_YAML_MAP || v->n != 1)
        return V_TYPE;
    const char *form = v->keys[0];
    const struct rc_yaml_node *arg = v->items[0];
    for (size_t i = 0; i < RC_ARRAY_LEN(secret_forms); i++) {
        if (strcmp(form, secret_forms[i].name) != 0)
            continue;
        enum rc_secret_kind kind = secret_forms[i].kind;
        bool ok = arg->kind == RC_YAML_SCALAR && *arg->scalar &&
                  (kind != RC_SECRET_ENV || env_name(arg->scalar));
        if (!ok) {
            issue(c, s->line, s->path, "{%s: ...} takes %s", form, secret_forms[i].what);
            return V_REPORTED;
        }
        free(ref->ref);
        ref->kind = kind;
        ref->ref =
            kind == RC_SECRET_FILE ? resolve_path(c->dir, arg->scalar) : rc_xstrdup(arg->scalar);
        ref->line = s->line;
        return V_OK;
    }
    const char *best = NULL;
    for (size_t i = 0; i < RC_ARRAY_LEN(secret_forms); i++)
        if (edit_distance(form, secret_forms[i].name) <= 1)
            best = secret_forms[i].name;
    if (best)
        issue(c, s->line, s->path, "unknown reference '%s'; did you mean '%s'?", form, best);
    else
        issue(c, s->line, s->path,
              "unknown reference '%s'; use {env: ...}, {file: ...} or "
              "{exec: ...}",
              form);
    return V_REPORTED;
}

static int parse_command(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    RC_UNUSED(c);
    if (v->kind == RC_YAML_MAP && v->n == 1 && strcmp(v->keys[0], "exec") == 0)
        v = v->items[0];
    if (v->kind != RC_YAML_SCALAR || !*v->scalar)
        return V_TYPE;
    char **f = s->field;
    free(*f);
    *f = rc_xstrdup(v->scalar);
    return V_OK;
}

static int parse_strv(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    if (v->kind != RC_YAML_SEQ)
        return V_TYPE;
    struct rc_strv *sv = s->field;
    rc_strv_dispose(sv);
    for (size_t i = 0; i < v->n; i++) {
        const struct rc_yaml_node *it = v->items[i];
        if (it->kind != RC_YAML_SCALAR || rc_yaml_is_null(it)) {
            char *path = rc_fmt("%s[%zu]", s->path, i);
            char *got = describe(it, false);
            issue(c, it->line, path, "expected a string, got %s", got);
            free(path);
            free(got);
            continue;
        }
        rc_strv_push(sv, it->scalar);
    }
    return V_OK;
}

static int parse_expect(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    if (v->kind != RC_YAML_SEQ)
        return V_TYPE;
    struct rc_profile *p = s->base;
    for (size_t i = 0; i < v->n; i++) {
        const struct rc_yaml_node *it = v->items[i];
        char *shown = rc_fmt("%s[%zu]", s->path, i);
        if (it->kind != RC_YAML_MAP) {
            char *got = describe(it, false);
            issue(c, it->line, shown, "expected a mapping {check, status, reason, ...}, got %s",
                  got);
            free(got);
            free(shown);
            continue;
        }
        struct rc_expectation e = {0};
        int seen[RC_ARRAY_LEN(expect_keys)] = {0};
        apply_defaults(c, expect_keys, RC_ARRAY_LEN(expect_keys), &e);
        walk_map(c, expect_keys, RC_ARRAY_LEN(expect_keys), seen, &e, it, "", shown);
        check_required(c, expect_keys, RC_ARRAY_LEN(expect_keys), seen, shown, it->line);
        e.line = it->line;
        size_t cap = p->nexpect;
        rc_grow(&p->expect, &cap, p->nexpect + 1, sizeof(*p->expect));
        p->expect[p->nexpect++] = e;
        free(shown);
    }
    return V_OK;
}

static int parse_status(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    static const enum rc_status allowed[] = {RC_ST_FAIL, RC_ST_UNSUPPORTED, RC_ST_ERROR};
    if (v->kind != RC_YAML_SCALAR)
        return V_TYPE;
    enum rc_status st;
    if (rc_status_parse(v->scalar, &st))
        for (size_t i = 0; i < RC_ARRAY_LEN(allowed); i++)
            if (st == allowed[i]) {
                *(enum rc_status *)s->field = st;
                return V_OK;
            }
    char *got = describe(v, false);
    issue(c, s->line, s->path, "must be fail, unsupported or error, got %s", got);
    free(got);
    return V_REPORTED;
}

static int parse_date(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    RC_UNUSED(c);
    if (v->kind != RC_YAML_SCALAR || !valid_date(v->scalar))
        return V_TYPE;
    char **f = s->field;
    free(*f);
    *f = rc_xstrdup(v->scalar);
    return V_OK;
}

/* ---- disposal -------------------------------------------------------------------------- */

static void *field_of(void *base, const struct pkey *k)
{
    return (char *)base + k->offset;
}

static void dispose_string(void *base, const struct pkey *k)
{
    rc_freep(field_of(base, k));
}

static void dispose_secret(void *base, const struct pkey *k)
{
    struct rc_secret_ref *r = field_of(base, k);
    free(r->ref);
    *r = (struct rc_secret_ref){0};
}

static void dispose_strv(void *base, const struct pkey *k)
{
    rc_strv_dispose(field_of(base, k));
}

static void dispose_expect(void *base, const struct pkey *k)
{
    RC_UNUSED(k);
    struct rc_profile *p = base;
    for (size_t i = 0; i < p->nexpect; i++)
        dispose_fields(expect_keys, RC_ARRAY_LEN(expect_keys), &p->expect[i]);
    free(p->expect);
    p->expect = NULL;
    p->nexpect = 0;
}

static const struct type_info types[] = {
    [T_SECTION] = {"mapping", "a mapping", parse_section, NULL},
    [T_STRING] = {"string", "a string", parse_string, dispose_string},
    [T_BOOL] = {"boolean", "a boolean", parse_bool, NULL},
    [T_INT] = {"integer", "an integer", parse_int, NULL},
    [T_DOUBLE] = {"number", "a number", parse_double, NULL},
    [T_SECRET] = {"secret", "{env: NAME}, {file: PATH} or {exec: COMMAND}", parse_secret,
                  dispose_secret},
    [T_STRV] = {"list", "a list of strings", parse_strv, dispose_strv},
    [T_EXPECT] = {"list", "a list of expectations", parse_expect, dispose_expect},
    [T_COMMAND] = {"command", "a command string or {exec: COMMAND}", parse_command, dispose_string},
    [T_STATUS] = {"status", "fail, unsupported or error", parse_status, NULL},
    [T_DATE] = {"date", "a date (YYYY-MM-DD)", parse_date, dispose_string},
};

static const struct type_info *type_of(const struct pkey *k)
{
    return &types[k->type];
}

static void dispose_fields(const struct pkey *table, size_t ntable, void *base)
{
    for (size_t i = 0; i < ntable; i++)
        if (type_of(&table[i])->dispose)
            type_of(&table[i])->dispose(base, &table[i]);
}

/* ---- the walk -------------------------------------------------------------------------- */

static const struct pkey *find_key(const struct pkey *table, size_t ntable, const char *name)
{
    for (size_t i = 0; i < ntable; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static void unknown_key(struct load_ctx *c, const struct pkey *table, size_t ntable,
                        const char *section, const char *key, const char *shown, int line)
{
    const struct pkey *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; i < ntable; i++) {
        if (!in_section(table[i].name, section))
            continue;
        size_t d = edit_distance(key, leaf_of(table[i].name));
        if (d < bestd) {
            bestd = d;
            best = &table[i];
        }
    }
    if (best && bestd <= (strlen(leaf_of(best->name)) <= 4 ? 1u : 2u)) {
        issue(c, line, shown, "unknown key; did you mean '%s'?", leaf_of(best->name));
        return;
    }
    for (size_t i = 0; i < ntable; i++) {
        if (strcmp(leaf_of(table[i].name), key) == 0 && !in_section(table[i].name, section)) {
            issue(c, line, shown, "unknown key; did you mean '%s'?", table[i].name);
            return;
        }
    }
    char *full = join_key(section, key);
    const struct pkey *dotted = strchr(key, '.') ? find_key(table, ntable, full) : NULL;
    free(full);
    if (dotted) {
        const char *dot = strchr(key, '.');
        issue(c, line, shown, "dotted keys are not expanded; write %.*s: {%s: ...}",
              (int)(dot - key), key, dot + 1);
        return;
    }
    struct rc_buf known = RC_BUF_INIT(0);
    for (size_t i = 0; i < ntable; i++)
        if (in_section(table[i].name, section))
            rc_buf_addf(&known, "%s%s", known.len ? ", " : "", leaf_of(table[i].name));
    issue(c, line, shown, "unknown key (known keys here: %s)", rc_buf_str(&known));
    rc_buf_dispose(&known);
}

static void set_value(struct load_ctx *c, const struct slot *s, const struct rc_yaml_node *v)
{
    if (rc_yaml_is_null(v)) { /* "key:" with nothing: the default stays */
        if (s->key->flags & F_REQUIRED)
            issue(c, s->line, s->path, "a value is required");
        return;
    }
    const struct type_info *t = type_of(s->key);
    if (t->parse(c, s, v) != V_TYPE)
        return;
    char *got = describe(v, s->key->type == T_SECRET);
    issue(c, s->line, s->path, "expected %s, got %s", t->expected, got);
    free(got);
}

static void walk_map(struct load_ctx *c, const struct pkey *table, size_t ntable, int *seen,
                     void *base, const struct rc_yaml_node *map, const char *section,
                     const char *shown)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *key = map->keys[i];
        char *name = join_key(section, key);
        char *path = join_key(shown, key);
        const struct pkey *k = strchr(key, '.') ? NULL : find_key(table, ntable, name);
        if (!k) {
            unknown_key(c, table, ntable, section, key, path, map->key_lines[i]);
        } else {
            seen[k - table] = map->key_lines[i];
            struct slot s = {
                k, table, ntable, seen, base, field_of(base, k), path, map->key_lines[i]};
            set_value(c, &s, map->items[i]);
        }
        free(name);
        free(path);
    }
}

static void check_required(struct load_ctx *c, const struct pkey *table, size_t ntable,
                           const int *seen, const char *shown, int line)
{
    for (size_t i = 0; i < ntable; i++) {
        if (!(table[i].flags & F_REQUIRED) || seen[i])
            continue;
        char *path = join_key(shown, table[i].name);
        issue(c, line, path, "missing required key");
        free(path);
    }
}

static void apply_defaults(struct load_ctx *c, const struct pkey *table, size_t ntable, void *base)
{
    for (size_t i = 0; i < ntable; i++) {
        if (!table[i].def)
            continue;
        struct rc_yaml_node v = {.kind = RC_YAML_SCALAR, .scalar = table[i].def, .plain = true};
        struct slot s = {&table[i],     table, ntable, NULL, base, field_of(base, &table[i]),
                         table[i].name, 0};
        type_of(&table[i])->parse(c, &s, &v);
    }
}

/* The line a key was written on, 0 when it was not. */
static int line_of_key(const int *seen, const char *name)
{
    const struct pkey *k = find_key(profile_keys, RC_ARRAY_LEN(profile_keys), name);
    return k ? seen[k - profile_keys] : 0;
}

/* Rules that span keys; a key written but refused counts as written (no echo problems). */
static void check_combinations(struct load_ctx *c, const int *seen)
{
    static const struct {
        const char *key, *needs;
    } pairs[] = {
        {"auth.password", "auth.username"},
        {"auth.username", "auth.password"},
        {"tls.client_cert", "tls.client_key"},
        {"tls.client_key", "tls.client_cert"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(pairs); i++) {
        int line = line_of_key(seen, pairs[i].key);
        if (line && !line_of_key(seen, pairs[i].needs))
            issue(c, line, pairs[i].key, "needs %s as well", pairs[i].needs);
    }
}

/* ---- loading --------------------------------------------------------------------------- */

int rc_profile_load(struct rc_profile *out, const char *path, struct rc_strv *problems)
{
    memset(out, 0, sizeof(*out));
    struct load_ctx c = {.path = path, .dir = dir_of(path), .p = out};
    out->path = rc_xstrdup(path);
    out->id = stem_of(path);
    apply_defaults(&c, profile_keys, RC_ARRAY_LEN(profile_keys), out);
    if (!simple_name(out->id))
        issue(&c, 1, NULL, "the profile id '%s' (the file name) must match [a-z0-9][a-z0-9._-]*",
              out->id);

    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    struct rc_strv yproblems = {0};
    int seen[RC_ARRAY_LEN(profile_keys)] = {0};
    int root_line = 1;
    if (rc_yaml_load_file_collect(&doc, path, &yproblems, &err) < 0) {
        issue_from_text(&c, rc_error_msg(err));
        rc_error_free(err);
    } else {
        for (size_t i = 0; i < yproblems.n; i++)
            issue_from_text(&c, yproblems.v[i]);
        const struct rc_yaml_node *root = rc_yaml_root(doc);
        if (root && root->kind != RC_YAML_MAP) {
            issue(&c, root->line, NULL, "a profile is a mapping of keys, got %s",
                  rc_yaml_kind_name(root->kind));
        } else {
            if (root) {
                root_line = root->line;
                walk_map(&c, profile_keys, RC_ARRAY_LEN(profile_keys), seen, out, root, "", "");
            }
            check_required(&c, profile_keys, RC_ARRAY_LEN(profile_keys), seen, "", root_line);
            check_combinations(&c, seen);
        }
    }
    rc_strv_dispose(&yproblems);
    rc_yaml_free(doc);
    if (!out->name)
        out->name = rc_xstrdup(out->id);
    free(c.dir);
    return flush_issues(&c, problems) ? RC_EINVAL : 0;
}

struct dir_entry {
    char *id;
    char *name;
};

static int cmp_entry(const void *a, const void *b)
{
    const struct dir_entry *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    return r ? r : strcmp(x->name, y->name);
}

int rc_profile_load_dir(struct rc_profile **out, size_t *n, const char *dir,
                        struct rc_strv *problems)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (problems)
            rc_strv_push_take(
                problems, rc_fmt("%s: cannot read the profiles folder: %s", dir, strerror(errno)));
        return RC_EIO;
    }
    const char *sep = rc_str_ends(dir, "/") ? "" : "/";
    struct dir_entry *ents = NULL;
    size_t nents = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (name[0] == '.' || !(rc_str_ends(name, ".yaml") || rc_str_ends(name, ".yml")))
            continue;
        char *path = rc_fmt("%s%s%s", dir, sep, name);
        struct stat st;
        bool regular = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!regular)
            continue;
        struct dir_entry e = {stem_of(name), rc_xstrdup(name)};
        RC_PUSH(ents, nents, cap, e);
    }
    closedir(d);
    if (nents > 1)
        qsort(ents, nents, sizeof(*ents), cmp_entry);

    int rc = 0;
    size_t pcap = 0;
    for (size_t i = 0; i < nents; i++) {
        char *path = rc_fmt("%s%s%s", dir, sep, ents[i].name);
        if (i > 0 && strcmp(ents[i].id, ents[i - 1].id) == 0) {
            if (problems)
                rc_strv_push_take(problems,
                                  rc_fmt("%s:1: the profile id '%s' is also used by %s%s%s", path,
                                         ents[i].id, dir, sep, ents[i - 1].name));
            rc = RC_EINVAL;
            free(path);
            continue;
        }
        struct rc_profile p;
        if (rc_profile_load(&p, path, problems) == 0) {
            rc_grow(out, &pcap, *n + 1, sizeof(**out));
            (*out)[(*n)++] = p;
        } else {
            rc_profile_dispose(&p);
            rc = RC_EINVAL;
        }
        free(path);
    }
    for (size_t i = 0; i < nents; i++) {
        free(ents[i].id);
        free(ents[i].name);
    }
    free(ents);
    return rc;
}

int rc_profile_from_url(struct rc_profile *out, const char *url, struct rc_error **err)
{
    static const struct {
        const char *var;
        size_t offset;
    } env_creds[] = {
        {"REGCOMPAT_USERNAME", P(auth.username)},
        {"REGCOMPAT_PASSWORD", P(auth.password)},
    };
    memset(out, 0, sizeof(*out));
    char *norm;
    char *msg = url_normalize(url, &norm);
    if (msg) {
        char *shown = rc_redact_url(url);
        rc_error_set(err, RC_EINVAL, "--url %s: %s", shown, msg);
        free(shown);
        free(msg);
        return RC_EINVAL;
    }
    struct load_ctx c = {.path = "<defaults>", .p = out};
    apply_defaults(&c, profile_keys, RC_ARRAY_LEN(profile_keys), out);
    flush_issues(&c, NULL);
    out->url = norm;
    out->name = rc_xstrdup(norm);
    /* no profile to say otherwise: four checks at a time, as the lab's profiles take them (a
     * distant registry's wall time is requests x round trip / concurrency) */
    out->limits.concurrency = 4;
    struct rc_buf id = RC_BUF_INIT(0);
    rc_buf_adds(&id, "url-");
    for (const char *s = strstr(norm, "://") + 3; *s; s++) {
        if (*s == '[' || *s == ']')
            continue;
        bool ok = islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr("._-", *s);
        rc_buf_addc(&id, ok ? *s : '-');
    }
    out->id = rc_buf_steal(&id, NULL);
    for (size_t i = 0; i < RC_ARRAY_LEN(env_creds); i++) {
        if (!getenv(env_creds[i].var))
            continue;
        struct rc_secret_ref *r = (void *)((char *)out + env_creds[i].offset);
        *r = (struct rc_secret_ref){RC_SECRET_ENV, rc_xstrdup(env_creds[i].var), 0};
    }
    return 0;
}

/* ---- credentials ----------------------------------------------------------------------- */

/* Runs cmd with /bin/sh -c in its own process group; stdout (at most max bytes) goes to out,
 * stdin and stderr are /dev/null. The output is never put into error messages. */
static int run_command(const char *cmd, int timeout_ms, struct rc_buf *out, struct rc_error **err)
{
    int fds[2];
    if (pipe(fds) < 0)
        return rc_error_set(err, RC_EIO, "cannot create a pipe: %s", strerror(errno));
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    char sh[] = "sh", dash_c[] = "-c";
    char *script = rc_xstrdup(cmd);
    char *argv[] = {sh, dash_c, script, NULL};
    pid_t pid;
    int serr = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(script);
    close(fds[1]);
    if (serr) {
        close(fds[0]);
        return rc_error_set(err, RC_ERR, "cannot start /bin/sh: %s", strerror(serr));
    }
    uint64_t deadline = rc_now_ms() + (uint64_t)timeout_ms;
    bool timed_out = false, too_big = false;
    char tmp[4096];
    for (;;) {
        uint64_t now = rc_now_ms();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            timed_out = pr == 0;
            break;
        }
        ssize_t r = read(fds[0], tmp, sizeof(tmp));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (rc_buf_add(out, tmp, (size_t)r) < 0) {
            too_big = true;
            break;
        }
    }
    close(fds[0]);
    if (timed_out || too_big)
        kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return rc_error_set(err, RC_ETIMEOUT, "the command did not finish within %d s",
                            timeout_ms / 1000);
    if (too_big)
        return rc_error_set(err, RC_ELIMIT, "the command printed more than %zu bytes", out->max);
    if (WIFSIGNALED(status))
        return rc_error_set(err, RC_EAUTH, "the command was killed by signal %d", WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return rc_error_set(err, RC_EAUTH, "the command exited with status %d",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

static int resolve_value(const struct rc_secret_ref *r, char **out, struct rc_error **err)
{
    *out = rc_xstrdup(r->ref);
    RC_UNUSED(err);
    return 0;
}

static int resolve_env(const struct rc_secret_ref *r, char **out, struct rc_error **err)
{
    const char *v = getenv(r->ref);
    if (!v)
        return rc_error_set(err, RC_EAUTH, "environment variable %s is not set", r->ref);
    if (!*v)
        return rc_error_set(err, RC_EAUTH, "environment variable %s is empty", r->ref);
    *out = rc_xstrdup(v);
    return 0;
}

static int resolve_file(const struct rc_secret_ref *r, char **out, struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(SECRET_MAX);
    int rc = rc_buf_read_file(&b, r->ref, err);
    if (rc < 0) {
        rc_buf_dispose(&b);
        return rc_error_prefix(err, "secret file");
    }
    if (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    if (b.len && b.data[b.len - 1] == '\r')
        b.data[--b.len] = '\0';
    if (!b.len || memchr(b.data, '\0', b.len)) {
        rc_buf_dispose(&b);
        return rc_error_set(err, RC_EAUTH, "secret file %s is empty or not text", r->ref);
    }
    *out = rc_buf_steal(&b, NULL);
    return 0;
}

static int resolve_exec(const struct rc_secret_ref *r, char **out, struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(SECRET_MAX);
    int rc = run_command(r->ref, EXEC_TIMEOUT_MS, &b, err);
    if (rc < 0) {
        rc_buf_dispose(&b);
        return rc;
    }
    size_t len = 0;
    char *all = rc_buf_steal(&b, &len);
    bool nul = memchr(all, '\0', len) != NULL;
    char *v = rc_str_trim(all);
    if (!*v || nul) {
        free(all);
        return rc_error_set(err, RC_EAUTH, "the command printed nothing usable");
    }
    *out = rc_xstrdup(v);
    free(all);
    return 0;
}

static const struct {
    enum rc_secret_kind kind;
    const char *label; /* for credentials.source */
    int (*resolve)(const struct rc_secret_ref *r, char **out, struct rc_error **err);
} resolvers[] = {
    {RC_SECRET_VALUE, "profile", resolve_value},
    {RC_SECRET_ENV, "env", resolve_env},
    {RC_SECRET_FILE, "file", resolve_file},
    {RC_SECRET_EXEC, "exec", resolve_exec},
};

static const struct {
    const char *key;
    size_t ref;   /* in struct rc_profile */
    size_t value; /* in struct rc_credentials */
    bool secret;
} cred_fields[] = {
    {"auth.username", P(auth.username), offsetof(struct rc_credentials, username), false},
    {"auth.password", P(auth.password), offsetof(struct rc_credentials, password), true},
    {"auth.token", P(auth.token), offsetof(struct rc_credentials, registry_token), true},
};

int rc_profile_credentials(const struct rc_profile *p, struct rc_credentials *out,
                           struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_buf source = RC_BUF_INIT(0);
    bool any_ref = false;
    for (size_t i = 0; i < RC_ARRAY_LEN(cred_fields); i++) {
        const struct rc_secret_ref *r = (const void *)((const char *)p + cred_fields[i].ref);
        if (r->kind == RC_SECRET_NONE)
            continue;
        any_ref = true;
        for (size_t j = 0; j < RC_ARRAY_LEN(resolvers); j++) {
            if (resolvers[j].kind != r->kind)
                continue;
            char *v = NULL;
            if (resolvers[j].resolve(r, &v, err) < 0) {
                rc_buf_dispose(&source);
                rc_credentials_dispose(out);
                return rc_error_prefix(err, "profile %s: %s", p->id, cred_fields[i].key);
            }
            if (cred_fields[i].secret)
                rc_redact_add_secret(v);
            *(char **)((char *)out + cred_fields[i].value) = v;
            rc_buf_addf(&source, "%s%s from %s", source.len ? ", " : "",
                        leaf_of(cred_fields[i].key), resolvers[j].label);
            if (r->kind == RC_SECRET_ENV || r->kind == RC_SECRET_FILE)
                rc_buf_addf(&source, " %s", r->ref);
        }
    }
    if (any_ref) {
        out->source = rc_buf_steal(&source, NULL);
        return 0;
    }
    rc_buf_dispose(&source);
    if (!p->auth.docker_config)
        return 0;
    char *host = rc_profile_host(p);
    int rc = rc_auth_docker_config(out, host, NULL, err);
    free(host);
    if (rc < 0) {
        rc_credentials_dispose(out);
        return rc_error_prefix(err, "profile %s: docker config", p->id);
    }
    return 0;
}

const struct rc_expectation *rc_profile_expectation(const struct rc_profile *p,
                                                    const char *check_id)
{
    for (size_t i = 0; i < p->nexpect; i++)
        if (p->expect[i].check && rc_glob_match(p->expect[i].check, check_id))
            return &p->expect[i];
    return NULL;
}

bool rc_profile_expectation_expired(const struct rc_expectation *e, const char *today)
{
    return e->until && today && strcmp(e->until, today) < 0;
}

static const struct pkey *find_key(const struct pkey *table, size_t ntable, const char *name);

/* "expect[2]" for the i-th expectation (1-based, as in load messages) */
static char *expect_key(size_t i, const char *leaf)
{
    return rc_fmt("expect[%zu].%s", i + 1, leaf);
}

char *rc_profile_expiry_message(const struct rc_profile *p, size_t i)
{
    const struct rc_expectation *e = &p->expect[i];
    rc_autofree char *key = expect_key(i, "until");
    return rc_fmt("%s:%d: key '%s': the expectation for '%s' expired on %s (%s); check whether "
                  "the registry still behaves so, then remove the entry or move its date",
                  p->path ? p->path : p->id, e->line, key, e->check ? e->check : "?", e->until,
                  e->reason ? e->reason : "no reason given");
}

/* The check id closest to glob (for a typo), or NULL when none is close. */
static const char *closest_check(const char *glob, const struct rc_strv *ids)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; i < ids->n; i++) {
        size_t d = edit_distance(glob, ids->v[i]);
        if (d < bestd) {
            bestd = d;
            best = ids->v[i];
        }
    }
    return best && bestd <= 3 ? best : NULL;
}

size_t rc_profile_lint(const struct rc_profile *p, const struct rc_strv *check_ids,
                       const char *today, struct rc_strv *problems)
{
    size_t before = problems->n;
    const char *file = p->path ? p->path : p->id;
    for (size_t i = 0; i < p->nfiles; i++) {
        const struct pkey *k = find_key(profile_keys, RC_ARRAY_LEN(profile_keys), p->files[i].key);
        const char *path = k ? *(char *const *)((const char *)p + k->offset) : NULL;
        if (path && access(path, R_OK) != 0)
            rc_strv_push_take(problems,
                              rc_fmt("%s:%d: key '%s': cannot read %s: %s", file, p->files[i].line,
                                     p->files[i].key, path, strerror(errno)));
    }
    for (size_t i = 0; i < p->nexpect; i++) {
        const struct rc_expectation *e = &p->expect[i];
        if (check_ids && e->check) {
            bool any = false;
            for (size_t k = 0; k < check_ids->n && !any; k++)
                any = rc_glob_match(e->check, check_ids->v[k]);
            if (!any) {
                rc_autofree char *key = expect_key(i, "check");
                const char *near = closest_check(e->check, check_ids);
                rc_strv_push_take(problems,
                                  near ? rc_fmt("%s:%d: key '%s': '%s' matches no check; did "
                                                "you mean '%s'?",
                                                file, e->line, key, e->check, near)
                                       : rc_fmt("%s:%d: key '%s': '%s' matches no check (see "
                                                "'regcompat list checks')",
                                                file, e->line, key, e->check));
            }
        }
        if (rc_profile_expectation_expired(e, today))
            rc_strv_push_take(problems, rc_profile_expiry_message(p, i));
    }
    return problems->n - before;
}

char *rc_profile_host(const struct rc_profile *p)
{
    const char *u = p->url ? p->url : "";
    const char *sep = strstr(u, "://");
    const char *h = sep ? sep + 3 : u;
    return rc_xstrndup(h, strcspn(h, "/?#"));
}

void rc_profile_dispose(struct rc_profile *p)
{
    if (!p)
        return;
    dispose_fields(profile_keys, RC_ARRAY_LEN(profile_keys), p);
    free(p->id);
    free(p->path);
    memset(p, 0, sizeof(*p));
}

void rc_profiles_free(struct rc_profile *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rc_profile_dispose(&v[i]);
    free(v);
}

static void help_table(struct rc_buf *out, const struct pkey *table, size_t ntable,
                       const char *prefix)
{
    for (size_t i = 0; i < ntable; i++) {
        const struct pkey *k = &table[i];
        char *name = rc_fmt("%s%s", prefix, k->name);
        rc_buf_addf(out, "  %-28s %-8s %s", name, type_of(k)->name, k->help);
        if (k->flags & F_REQUIRED)
            rc_buf_adds(out, " (required)");
        else if (k->def)
            rc_buf_addf(out, " (default: %s)", *k->def ? k->def : "\"\"");
        rc_buf_addc(out, '\n');
        free(name);
    }
}

void rc_profile_keys_help(struct rc_buf *out)
{
    rc_buf_adds(out, "Profile keys (registries.d/<id>.yaml):\n");
    help_table(out, profile_keys, RC_ARRAY_LEN(profile_keys), "");
    rc_buf_adds(out, "Each item of 'expect':\n");
    help_table(out, expect_keys, RC_ARRAY_LEN(expect_keys), "expect[].");
    rc_buf_adds(out, "Secrets are references: {env: NAME}, {file: PATH} (relative to the "
                     "profile) or {exec: COMMAND} (stdout, 30 s limit).\n");
}

static int cmp_profile_id(const void *a, const void *b)
{
    return strcmp(((const struct rc_profile *)a)->id, ((const struct rc_profile *)b)->id);
}

int rc_profile_load_dirs(struct rc_profile **out, size_t *n, const struct rc_strv *dirs,
                         struct rc_strv *problems)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int rc = 0;
    for (size_t d = 0; d < dirs->n; d++) {
        struct rc_profile *v = NULL;
        size_t nv = 0;
        if (rc_profile_load_dir(&v, &nv, dirs->v[d], problems) < 0)
            rc = RC_EINVAL;
        for (size_t i = 0; i < nv; i++) {
            bool dup = false;
            for (size_t j = 0; j < *n && !dup; j++)
                dup = rc_str_eq((*out)[j].id, v[i].id);
            if (dup) {
                rc_strv_push_take(problems, rc_fmt("%s: profile id '%s' is also defined in "
                                                   "another profiles folder",
                                                   v[i].path, v[i].id));
                rc_profile_dispose(&v[i]);
                rc = RC_EINVAL;
                continue;
            }
            RC_PUSH(*out, *n, cap, v[i]);
        }
        free(v);
    }
    if (*n > 1)
        qsort(*out, *n, sizeof(**out), cmp_profile_id);
    return rc;
}
