/* auth: credentials, the Basic and Bearer flows and the token cache.
 *
 * One rc_auth per registry. It learns from the registry's first 401 which scheme and realm
 * it uses, then attaches credentials up front (so a large body is sent once). Tokens are
 * cached with the scope set they were asked for, until 10 s before they expire, and serve
 * every request whose scopes that set covers; with merge_actions a token is asked for all
 * of them at once, so a check's repository costs one token request. The cache and the
 * learnt state are behind a mutex; no lock is held while a request is on the wire.
 *
 * Credentials belong to the registry's origin. Only answers from that origin are learnt
 * from; requests elsewhere (storage behind a redirect, an upload Location or a Link that
 * points away) go without credentials, and their 401s are answers, never a reason to
 * authenticate: otherwise any host the registry names could ask for the password. */
#include "auth/auth.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/internal.h"
#include "json/json.h"

#include "base/banned.h"

#define DEFAULT_EXPIRES_IN_S 60
#define EXPIRY_MARGIN_S      10
#define TOKEN_MAX_BODY       RC_MIB
#define OAUTH_CLIENT_ID      "regcompat"

/* ---- base64 ---------------------------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *rc_auth_base64_encode(const void *data, size_t len)
{
    const unsigned char *p = data;
    char *out = rc_xmalloc((len + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(char c)
{
    const char *hit = c ? strchr(b64_alphabet, c) : NULL;
    return hit ? (int)(hit - b64_alphabet) : -1;
}

char *rc_auth_base64_decode(const char *s, size_t *out_len)
{
    size_t len = strlen(s);
    while (len && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    char *out = rc_xmalloc(len / 4 * 3 + 3);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

/* ---- credentials ----------------------------------------------------------------------- */

void rc_credentials_dispose(struct rc_credentials *c)
{
    if (!c)
        return;
    free(c->username);
    free(c->password);
    free(c->identity_token);
    free(c->registry_token);
    free(c->source);
    memset(c, 0, sizeof(*c));
}

static bool nonempty(const char *s)
{
    return s && *s;
}

bool rc_credentials_empty(const struct rc_credentials *c)
{
    return !c || (!nonempty(c->username) && !nonempty(c->password) &&
                  !nonempty(c->identity_token) && !nonempty(c->registry_token));
}

static bool has_basic(const struct rc_credentials *c)
{
    return nonempty(c->username) || nonempty(c->password);
}

/* ---- the auth object ------------------------------------------------------------------- */

enum scheme { SCHEME_NONE, SCHEME_BASIC, SCHEME_BEARER };

/* A token and the scope set it was asked for. A token serves any request whose scopes that
 * set covers: one token per repository and run, not one per action. */
struct token_entry {
    char *realm;
    char *service;
    struct rc_auth_scopeset scopes;
    char *joined; /* scopes, joined: identifies the entry */
    char *token;
    uint64_t expires_ms; /* monotonic */
    bool merged;         /* asked with the merge actions */
};

struct rc_auth {
    pthread_mutex_t lock;
    struct rc_credentials creds;
    char *basic_header; /* "Basic base64(user:pass)" */
    char *registry;     /* the registry's URL: credentials go to its origin only */
    bool allow_insecure_realm;
    char *merge_actions;  /* asked for every repository of a token request, or NULL */
    bool merge_refused;   /* learnt: the token endpoint does not take the merged scopes */
    bool merge_403_tried; /* a 403 to a merged token was retried with an exact one once */
    /* learnt from the registry's own challenges */
    enum scheme scheme;
    char *realm;
    char *service;
    struct token_entry *tokens;
    size_t ntokens;
    size_t tcap;
    struct rc_auth_stats stats;
};

static void entry_dispose(struct token_entry *e)
{
    free(e->realm);
    free(e->service);
    rc_auth_scopeset_dispose(&e->scopes);
    free(e->joined);
    free(e->token);
}

struct rc_auth *rc_auth_new(const char *registry, const struct rc_credentials *creds,
                            const struct rc_auth_options *opts)
{
    struct rc_auth *a = rc_xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->lock, NULL);
    a->registry = rc_xstrdup(registry ? registry : "");
    a->allow_insecure_realm = opts && opts->allow_insecure_realm;
    a->merge_actions =
        opts && nonempty(opts->merge_actions) ? rc_xstrdup(opts->merge_actions) : NULL;
    if (creds) {
        a->creds.username = rc_xstrdup(creds->username);
        a->creds.password = rc_xstrdup(creds->password);
        a->creds.identity_token = rc_xstrdup(creds->identity_token);
        a->creds.registry_token = rc_xstrdup(creds->registry_token);
        a->creds.source = rc_xstrdup(creds->source);
    }
    rc_redact_add_secret(a->creds.password);
    rc_redact_add_secret(a->creds.identity_token);
    rc_redact_add_secret(a->creds.registry_token);
    if (has_basic(&a->creds)) {
        char *pair = rc_fmt("%s:%s", a->creds.username ? a->creds.username : "",
                            a->creds.password ? a->creds.password : "");
        char *enc = rc_auth_base64_encode(pair, strlen(pair));
        rc_redact_add_secret(enc);
        a->basic_header = rc_fmt("Basic %s", enc);
        free(enc);
        free(pair);
    }
    return a;
}

void rc_auth_free(struct rc_auth *a)
{
    if (!a)
        return;
    rc_credentials_dispose(&a->creds);
    free(a->basic_header);
    free(a->registry);
    free(a->realm);
    free(a->service);
    free(a->merge_actions);
    for (size_t i = 0; i < a->ntokens; i++)
        entry_dispose(&a->tokens[i]);
    free(a->tokens);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

void rc_auth_get_stats(struct rc_auth *a, struct rc_auth_stats *out)
{
    pthread_mutex_lock(&a->lock);
    *out = a->stats;
    pthread_mutex_unlock(&a->lock);
}

static void count(struct rc_auth *a, unsigned *counter)
{
    pthread_mutex_lock(&a->lock);
    (*counter)++;
    pthread_mutex_unlock(&a->lock);
}

static bool entry_matches(const struct token_entry *e, const char *realm, const char *service)
{
    return rc_str_eq(e->realm, realm) &&
           rc_str_eq(e->service ? e->service : "", service ? service : "");
}

/* A cached token whose scopes cover want (a copy, with the joined scopes of its entry in
 * *joined), or NULL. Drops expired entries. Call with the lock held. */
static char *cache_find_locked(struct rc_auth *a, const char *realm, const char *service,
                               const struct rc_auth_scopeset *want, char **joined)
{
    uint64_t now = rc_now_ms();
    char *found = NULL;
    size_t keep = 0;
    for (size_t i = 0; i < a->ntokens; i++) {
        struct token_entry *e = &a->tokens[i];
        if (e->expires_ms <= now) {
            entry_dispose(e);
            continue;
        }
        if (!found && entry_matches(e, realm, service) &&
            rc_auth_scopeset_covers(&e->scopes, want)) {
            found = rc_xstrdup(e->token);
            *joined = rc_xstrdup(e->joined);
        }
        a->tokens[keep++] = *e;
    }
    a->ntokens = keep;
    return found;
}

static void cache_drop(struct rc_auth *a, const char *realm, const char *service,
                       const char *joined)
{
    pthread_mutex_lock(&a->lock);
    size_t keep = 0;
    for (size_t i = 0; i < a->ntokens; i++) {
        if (entry_matches(&a->tokens[i], realm, service) &&
            rc_str_eq(a->tokens[i].joined, joined)) {
            entry_dispose(&a->tokens[i]);
            continue;
        }
        a->tokens[keep++] = a->tokens[i];
    }
    a->ntokens = keep;
    pthread_mutex_unlock(&a->lock);
}

/* Marks the entry of a token asked with merged scopes (dropped if merging is turned off). */
static void cache_mark_merged(struct rc_auth *a, const char *realm, const char *service,
                              const char *joined)
{
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->ntokens; i++)
        if (entry_matches(&a->tokens[i], realm, service) && rc_str_eq(a->tokens[i].joined, joined))
            a->tokens[i].merged = true;
    pthread_mutex_unlock(&a->lock);
}

static void cache_put(struct rc_auth *a, const char *realm, const char *service,
                      const struct rc_auth_scopeset *scopes, const char *joined, const char *token,
                      uint64_t expires_ms)
{
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < a->ntokens; i++) {
        struct token_entry *e = &a->tokens[i];
        if (entry_matches(e, realm, service) && rc_str_eq(e->joined, joined)) {
            free(e->token);
            e->token = rc_xstrdup(token);
            e->expires_ms = expires_ms;
            pthread_mutex_unlock(&a->lock);
            return;
        }
    }
    struct token_entry e = {.realm = rc_xstrdup(realm),
                            .service = rc_xstrdup(service),
                            .joined = rc_xstrdup(joined),
                            .token = rc_xstrdup(token),
                            .expires_ms = expires_ms};
    rc_auth_scopeset_copy(&e.scopes, scopes);
    RC_PUSH(a->tokens, a->ntokens, a->tcap, e);
    pthread_mutex_unlock(&a->lock);
}

/* ---- token endpoint -------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* RFC 3339 ("2026-11-28T03:25:10.123+01:00") to Unix seconds. */
static bool parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
        n == 0)
        return false;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k == 0)
            return false;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 1 + k;
    } else {
        return false;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return false;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    return true;
}

/* How long (ms) a token answer stays usable: expires_in (default 60 s) less the age given by
 * issued_at when that looks sane (clocks disagree: then it is ignored), less a margin. */
static int64_t token_lifetime_ms(const struct rc_json *doc)
{
    int64_t expires_in = DEFAULT_EXPIRES_IN_S;
    double dv = 0;
    const struct rc_json *e = rc_json_get(doc, "expires_in");
    if (rc_json_double(e, &dv) && dv > 0 && dv < 1e9)
        expires_in = (int64_t)dv;
    int64_t issued = 0;
    if (parse_rfc3339(rc_json_get_str(doc, "issued_at"), &issued)) {
        int64_t age = (int64_t)time(NULL) - issued;
        if (age > 0 && age < expires_in)
            expires_in -= age;
    }
    return (expires_in - EXPIRY_MARGIN_S) * 1000;
}

static const char *user_shown(const struct rc_credentials *c)
{
    if (nonempty(c->username))
        return c->username;
    return nonempty(c->identity_token) ? "an identity token" : "anonymous";
}

static void add_form(struct rc_buf *b, const char *key, const char *value)
{
    char *enc = rc_url_encode(value);
    if (b->len)
        rc_buf_addc(b, '&');
    rc_buf_addf(b, "%s=%s", key, enc);
    free(enc);
}

/* Gets a token for the scope set from the realm. On RC_EAUTH (and protocol errors) resp
 * holds the token endpoint's answer. */
static int fetch_token(struct rc_auth *a, struct rc_http_client *http, const char *realm,
                       const char *service, struct rc_auth_scopeset *scopes, char **token_out,
                       struct rc_http_response *resp, struct rc_error **err)
{
    *token_out = NULL;
    rc_autofree char *url = NULL;
    rc_autofree char *shown = rc_redact_url(realm);
    struct rc_buf form = RC_BUF_INIT(0);
    /* redirects are followed, but never with the Basic header or the form to another origin
     * (rc_http_send's rules) */
    struct rc_http_request req = {
        .url = NULL, .follow_redirects = true, .token_endpoint = true, .max_body = TOKEN_MAX_BODY};
    int rc = 0;
    if (nonempty(a->creds.identity_token)) {
        /* OAuth2 refresh-token grant (docker login with an identity token) */
        req.method = "POST";
        url = rc_xstrdup(realm);
        rc_buf_add(&form, "", 0);
        add_form(&form, "grant_type", "refresh_token");
        if (service)
            add_form(&form, "service", service);
        if (scopes->n) {
            char *joined = rc_auth_scopeset_join(scopes, " ");
            add_form(&form, "scope", joined);
            free(joined);
        }
        add_form(&form, "refresh_token", a->creds.identity_token);
        add_form(&form, "client_id", OAUTH_CLIENT_ID);
        req.body = form.data;
        req.body_len = form.len;
        rc_http_headers_add(&req.headers, "Content-Type", "application/x-www-form-urlencoded");
    } else {
        req.method = "GET";
        url = rc_xstrdup(realm);
        if (service) {
            char *next = NULL;
            rc = rc_url_add_query(&next, url, "service", service, err);
            free(url);
            url = next;
        }
        free(rc_auth_scopeset_join(scopes, " ")); /* sorts the set */
        for (size_t i = 0; rc == 0 && i < scopes->n; i++) {
            char *item = rc_auth_scopeset_item(scopes, i);
            char *next = NULL;
            rc = rc_url_add_query(&next, url, "scope", item, err);
            free(item);
            free(url);
            url = next;
        }
        if (a->basic_header)
            rc_http_headers_add(&req.headers, "Authorization", a->basic_header);
    }
    if (rc == 0) {
        req.url = url;
        count(a, &a->stats.token_requests);
        rc = rc_http_send(http, &req, resp, err);
        if (rc < 0)
            rc_error_prefix(err, "token request to %s", shown);
    }
    rc_http_headers_dispose(&req.headers);
    rc_buf_dispose(&form);
    if (rc < 0)
        return rc;

    if (resp->status == 401 || resp->status == 403)
        return rc_error_set(err, RC_EAUTH,
                            "the token endpoint %s refused the credentials of %s (HTTP %ld)", shown,
                            user_shown(&a->creds), resp->status);
    if (resp->status != 200)
        return rc_error_set(err, RC_EPROTO, "the token endpoint %s answered HTTP %ld", shown,
                            resp->status);
    rc_auto_json struct rc_json *doc = NULL;
    struct rc_error *perr = NULL;
    if (resp->body_truncated ||
        rc_json_parse(&doc, rc_buf_str(&resp->body), resp->body.len, &perr) < 0) {
        rc_error_set(err, RC_EPARSE, "the token endpoint %s answered no valid JSON%s%s", shown,
                     perr ? ": " : "", perr ? rc_error_msg(perr) : "");
        rc_error_free(perr);
        return RC_EPARSE;
    }
    const char *token = rc_json_get_str(doc, "token");
    if (!nonempty(token))
        token = rc_json_get_str(doc, "access_token");
    if (!nonempty(token))
        return rc_error_set(err, RC_EPROTO,
                            "the token endpoint %s answered without token or access_token", shown);
    rc_redact_add_secret(token);
    rc_redact_add_secret(rc_json_get_str(doc, "refresh_token"));
    *token_out = rc_xstrdup(token);
    int64_t life = token_lifetime_ms(doc);
    if (life > 0) {
        char *joined = rc_auth_scopeset_join(scopes, " ");
        cache_put(a, realm, service, scopes, joined, token, rc_now_ms() + (uint64_t)life);
        free(joined);
    }
    return 0;
}

/* The scopes a token request for want asks: want, with the merge actions on each of its
 * repositories unless the token endpoint refused that before. True when that is more. */
static bool merged_scopes(struct rc_auth *a, struct rc_auth_scopeset *want,
                          struct rc_auth_scopeset *out)
{
    rc_auth_scopeset_copy(out, want);
    pthread_mutex_lock(&a->lock);
    bool refused = a->merge_refused;
    pthread_mutex_unlock(&a->lock);
    if (!a->merge_actions || refused)
        return false;
    rc_auth_scopeset_widen(out, "repository", a->merge_actions);
    return !rc_auth_scopeset_covers(want, out);
}

/* Merging is off from now on (why says what showed it, for the log), and the merged tokens
 * other checks hold are dropped: they would be refused alike. */
static void merge_refused(struct rc_auth *a, const char *why)
{
    pthread_mutex_lock(&a->lock);
    bool first = !a->merge_refused;
    a->merge_refused = true;
    size_t keep = 0;
    for (size_t i = 0; i < a->ntokens; i++) {
        if (a->tokens[i].merged) {
            entry_dispose(&a->tokens[i]);
            continue;
        }
        a->tokens[keep++] = a->tokens[i];
    }
    a->ntokens = keep;
    pthread_mutex_unlock(&a->lock);
    if (first)
        rc_log(RC_LOG_INFO, "%s: asking for tokens per request from now on", why);
}

/* How a token's scopes (joined) compare with want: whether they cover it, and whether they
 * ask for more than it. */
static void compare_scopes(const char *joined, const struct rc_auth_scopeset *want, bool *covers,
                           bool *more)
{
    struct rc_auth_scopeset had = {0};
    rc_auth_scopeset_add_list(&had, joined);
    *covers = rc_auth_scopeset_covers(&had, want);
    *more = !rc_auth_scopeset_covers(want, &had);
    rc_auth_scopeset_dispose(&had);
}

/* A new token for want, its scopes joined in *joined. It is asked with the merged scopes
 * first, so that one token serves every action a check takes on its repository; token
 * servers grant the permitted subset of what is asked (the Docker token specification,
 * "Requesting a Token"). One that refuses the merged request outright but grants want
 * itself gets no merged requests for the rest of the run. */
static int fetch_merged(struct rc_auth *a, struct rc_http_client *http, const char *realm,
                        const char *service, struct rc_auth_scopeset *want, char **token,
                        char **joined, struct rc_http_response *resp, struct rc_error **err)
{
    struct rc_auth_scopeset ask = {0};
    struct rc_auth_scopeset *asked = want;
    int rc = 0;
    if (merged_scopes(a, want, &ask)) {
        struct rc_error *e = NULL;
        rc = fetch_token(a, http, realm, service, &ask, token, resp, &e);
        if (rc == 0) {
            asked = &ask;
        } else if (rc != RC_EAUTH && rc != RC_EPROTO && rc != RC_EPARSE) {
            if (err && !*err)
                *err = e; /* no answer at all: nothing to learn */
            else
                rc_error_free(e);
        } else {
            rc_autofree char *why = rc_fmt("the token endpoint refused merged scopes (%s) but "
                                           "grants the exact ones",
                                           rc_error_msg(e));
            rc_error_free(e);
            rc = fetch_token(a, http, realm, service, want, token, resp, err);
            if (rc == 0)
                merge_refused(a, why);
        }
    } else {
        rc = fetch_token(a, http, realm, service, want, token, resp, err);
    }
    if (rc == 0)
        *joined = rc_auth_scopeset_join(asked, " ");
    if (rc == 0 && asked == &ask)
        cache_mark_merged(a, realm, service, *joined);
    rc_auth_scopeset_dispose(&ask);
    return rc;
}

/* ---- sending --------------------------------------------------------------------------- */

struct learnt {
    enum scheme scheme;
    char *realm;
    char *service;
};

static void learnt_dispose(struct learnt *l)
{
    free(l->realm);
    free(l->service);
}

/* What the registry asked for before. */
static void snapshot(struct rc_auth *a, struct learnt *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&a->lock);
    out->scheme = a->scheme;
    out->realm = rc_xstrdup(a->realm);
    out->service = rc_xstrdup(a->service);
    pthread_mutex_unlock(&a->lock);
}

/* Only challenges from the registry's own origin come here. */
static void learn(struct rc_auth *a, enum scheme scheme, const char *realm, const char *service)
{
    pthread_mutex_lock(&a->lock);
    a->scheme = scheme;
    free(a->realm);
    a->realm = rc_xstrdup(realm);
    free(a->service);
    a->service = rc_xstrdup(service);
    pthread_mutex_unlock(&a->lock);
}

/* A bearer token for want: the registry token, a cached one whose scopes cover want, or a
 * new one. *fresh tells whether it was fetched by this call; *joined names the scopes it
 * was asked for (NULL for the registry token). */
static int bearer_token(struct rc_auth *a, struct rc_http_client *http, const char *realm,
                        const char *service, struct rc_auth_scopeset *want, char **token,
                        bool *fresh, char **joined, struct rc_http_response *resp,
                        struct rc_error **err)
{
    *token = NULL;
    *joined = NULL;
    *fresh = false;
    if (nonempty(a->creds.registry_token)) {
        *token = rc_xstrdup(a->creds.registry_token);
        return 0;
    }
    pthread_mutex_lock(&a->lock);
    *token = cache_find_locked(a, realm, service, want, joined);
    if (*token)
        a->stats.token_cache_hits++;
    pthread_mutex_unlock(&a->lock);
    if (*token)
        return 0;
    *fresh = true;
    return fetch_merged(a, http, realm, service, want, token, joined, resp, err);
}

static void set_bearer(struct rc_http_headers *h, const char *token)
{
    char *v = rc_fmt("Bearer %s", token);
    rc_http_headers_set(h, "Authorization", v);
    free(v);
}

static bool replayable(const struct rc_http_request *r)
{
    return !r->source || r->source->rewind;
}

static bool is_https(const char *url)
{
    return url && strncasecmp(url, "https://", 8) == 0;
}

/* A realm the registry named: refused when it would take credentials (or hand out tokens)
 * over plain HTTP for a registry reached over HTTPS. */
static int check_realm(const struct rc_auth *a, const char *realm, struct rc_error **err)
{
    if (!is_https(a->registry) || is_https(realm) || a->allow_insecure_realm)
        return 0;
    rc_autofree char *reg = rc_redact_url(a->registry);
    rc_autofree char *shown = rc_redact_url(realm);
    return rc_error_set(err, RC_EAUTH,
                        "the registry %s names the token realm %s, which is not HTTPS: "
                        "regcompat does not send credentials there in clear text (a profile "
                        "that must use it sets auth.allow_insecure_realm: true)",
                        reg, shown);
}

/* Sends req to another origin: no credentials, and its 401 is the answer. */
static int send_foreign(struct rc_auth *a, struct rc_http_client *http,
                        const struct rc_http_request *req, struct rc_http_response *resp,
                        struct rc_error **err)
{
    int rc = rc_http_send(http, req, resp, err);
    if (rc == 0 && resp->status == 401)
        count(a, &a->stats.foreign_challenges);
    return rc;
}

/* The token sent up front: its scopes (NULL for none or the registry token) and whether it
 * was fetched for this request. */
struct sent_token {
    bool bearer;
    bool fresh;
    char *realm;
    char *service;
    char *joined;
};

/* After a Bearer challenge of the registry: the token to replay with, for want (the hints
 * and the challenge's scopes). Returns 1 when the 401 stands as the answer, 0 with *token
 * set, < 0 on error. *wide is set when that token was fetched now for more than want (the
 * merged scopes): if the registry refuses it too, an exact one is worth a try. *narrowed
 * tells that the refused token was a merged one just fetched, and the new one is exact. */
static int reauth_bearer(struct rc_auth *a, struct rc_http_client *http, const char *realm,
                         const char *service, struct rc_auth_scopeset *want,
                         const struct sent_token *sent, char **token, char **wide, bool *narrowed,
                         struct rc_http_response *resp, struct rc_error **err)
{
    *wide = NULL;
    *narrowed = false;
    if (sent->bearer && nonempty(a->creds.registry_token))
        return 1; /* the one token there is was refused */
    bool covered = false, more = false;
    if (sent->joined && rc_str_eq(sent->realm, realm) &&
        rc_str_eq(sent->service ? sent->service : "", service ? service : ""))
        compare_scopes(sent->joined, want, &covered, &more);
    if (covered && !more && sent->fresh)
        return 1; /* a token just fetched for exactly these scopes was refused */
    if (covered) {
        /* the registry refused a token that covers this request: a cached one it no longer
         * takes, or a merged one whose grant fell short; ask for exactly what it challenged */
        cache_drop(a, realm, service, sent->joined);
        *narrowed = sent->fresh;
        return fetch_token(a, http, realm, service, want, token, resp, err);
    }
    char *joined = NULL;
    bool fresh = false;
    int rc = bearer_token(a, http, realm, service, want, token, &fresh, &joined, resp, err);
    bool got_all = false, got_more = false;
    if (rc == 0 && fresh && joined)
        compare_scopes(joined, want, &got_all, &got_more);
    if (got_more)
        *wide = joined, joined = NULL;
    free(joined);
    return rc;
}

/* Sends r again, its body rewound. */
static int resend(struct rc_http_client *http, struct rc_http_request *r,
                  struct rc_http_response *resp, struct rc_error **err)
{
    if (r->source && r->source->rewind) {
        int rc = r->source->rewind(r->source->ctx, err);
        if (rc < 0)
            return rc_error_prefix(err, "rewinding the request body for the authenticated retry");
    }
    return rc_http_send(http, r, resp, err);
}

/* A 403 to a token asked with merged scopes wider than the request's: a token server that
 * grants all or nothing may have granted nothing, and a registry may say so with 403 instead
 * of a 401 challenge. The request is sent once more with an exact token; if that is taken,
 * merging is off from now on, and either way this is tried once per run (a 403 that stays
 * is the account's real permission, and its answer). resp is left with the answer to keep. */
static void retry_exact_after_403(struct rc_auth *a, struct rc_http_client *http,
                                  struct rc_http_request *r, struct rc_auth_scopeset *hints,
                                  const struct sent_token *sent, struct rc_http_response *resp)
{
    bool covers = false, wider = false; /* a token sent for hints covers them */
    compare_scopes(sent->joined, hints, &covers, &wider);
    pthread_mutex_lock(&a->lock);
    bool tried = a->merge_403_tried;
    if (wider && hints->n)
        a->merge_403_tried = true;
    pthread_mutex_unlock(&a->lock);
    if (!wider || !hints->n || tried)
        return;
    char *token = NULL;
    struct rc_http_response exact;
    rc_http_response_init(&exact);
    struct rc_error *e = NULL; /* a retry that gets no answer leaves the 403 as the answer */
    int rc = fetch_token(a, http, sent->realm, sent->service, hints, &token, &exact, &e);
    if (rc == 0) {
        set_bearer(&r->headers, token);
        rc = resend(http, r, &exact, &e);
    }
    if (rc == 0 && exact.status != 401 && exact.status != 403)
        merge_refused(a, "the registry answered 403 to a merged token and took an exact one");
    if (rc == 0) {
        rc_http_response_dispose(resp);
        *resp = exact;
    } else {
        rc_http_response_dispose(&exact);
    }
    rc_error_free(e);
    free(token);
}

/* The Bearer half of rc_auth_send, after the registry's own challenge: gets a token and
 * replays r. A merged token refused on the replay is followed by one exact try. */
static int replay_bearer(struct rc_auth *a, struct rc_http_client *http, struct rc_http_request *r,
                         const struct rc_auth_challenge *bearer, struct rc_auth_scopeset *hints,
                         const struct sent_token *sent, struct rc_http_response *resp,
                         struct rc_error **err)
{
    const char *realm = rc_auth_challenge_param(bearer, "realm");
    const char *service = rc_auth_challenge_param(bearer, "service");
    struct rc_auth_scopeset want = {0};
    rc_auth_scopeset_copy(&want, hints);
    rc_auth_scopeset_add_list(&want, rc_auth_challenge_param(bearer, "scope"));
    char *token = NULL, *wide = NULL;
    bool narrowed = false;
    int rc =
        reauth_bearer(a, http, realm, service, &want, sent, &token, &wide, &narrowed, resp, err);
    if (rc == 0) {
        set_bearer(&r->headers, token);
        rc = resend(http, r, resp, err);
    }
    if (rc == 0 && wide && resp->status == 401) {
        cache_drop(a, realm, service, wide);
        free(token);
        token = NULL;
        rc = fetch_token(a, http, realm, service, &want, &token, resp, err);
        if (rc == 0) {
            set_bearer(&r->headers, token);
            rc = resend(http, r, resp, err);
        }
        narrowed = true;
    }
    if (rc == 0 && narrowed && resp->status != 401)
        merge_refused(a, "the registry refused a merged token and took an exact one");
    free(token);
    free(wide);
    rc_auth_scopeset_dispose(&want);
    return rc > 0 ? 0 : rc;
}

int rc_auth_send(struct rc_auth *a, struct rc_http_client *http, struct rc_http_request *req,
                 const char *const *scopes, struct rc_http_response *resp, struct rc_error **err)
{
    /* a request that carries its own Authorization is sent as it is */
    if (rc_http_headers_get(&req->headers, "authorization"))
        return rc_http_send(http, req, resp, err);
    if (!rc_url_same_origin(req->url, a->registry))
        return send_foreign(a, http, req, resp, err);

    struct rc_http_request r = *req;
    memset(&r.headers, 0, sizeof(r.headers));
    rc_http_headers_copy(&r.headers, &req->headers);
    struct rc_auth_scopeset hints = {0};
    for (size_t i = 0; scopes && scopes[i]; i++)
        rc_auth_scopeset_add(&hints, scopes[i]);

    struct learnt known;
    snapshot(a, &known);
    struct sent_token sent = {0};
    bool sent_basic = false;
    struct rc_auth_challenge *ch = NULL;
    size_t nch = 0;
    int rc = 0;

    if (known.scheme == SCHEME_BASIC && a->basic_header) {
        rc_http_headers_set(&r.headers, "Authorization", a->basic_header);
        sent_basic = true;
    } else if (known.scheme == SCHEME_BEARER && known.realm) {
        char *token = NULL;
        rc = bearer_token(a, http, known.realm, known.service, &hints, &token, &sent.fresh,
                          &sent.joined, resp, err);
        if (rc < 0)
            goto out;
        sent.bearer = true;
        sent.realm = rc_xstrdup(known.realm);
        sent.service = rc_xstrdup(known.service);
        set_bearer(&r.headers, token);
        free(token);
    }

    rc = rc_http_send(http, &r, resp, err);
    if (rc == 0 && resp->status == 403 && sent.bearer && sent.joined && replayable(req) &&
        rc_url_same_origin(resp->url, a->registry))
        retry_exact_after_403(a, http, &r, &hints, &sent, resp);
    if (rc < 0 || resp->status != 401)
        goto out;
    if (!rc_url_same_origin(resp->url, a->registry)) {
        /* redirected elsewhere (storage, a CDN) and refused there: that is the answer */
        count(a, &a->stats.foreign_challenges);
        goto out;
    }
    if (rc_auth_parse_headers(&resp->headers, &ch, &nch, NULL) < 0)
        goto out; /* a 401 without a usable challenge is the answer */
    count(a, &a->stats.challenges);

    const struct rc_auth_challenge *bearer = rc_auth_find_challenge(ch, nch, "bearer");
    const struct rc_auth_challenge *basic = rc_auth_find_challenge(ch, nch, "basic");
    const char *realm = bearer ? rc_auth_challenge_param(bearer, "realm") : NULL;
    if (bearer && nonempty(realm)) {
        rc = check_realm(a, realm, err);
        if (rc < 0)
            goto out;
        learn(a, SCHEME_BEARER, realm, rc_auth_challenge_param(bearer, "service"));
        if (replayable(req))
            rc = replay_bearer(a, http, &r, bearer, &hints, &sent, resp, err);
        goto out;
    }
    if (!basic)
        goto out; /* a scheme we do not speak */
    learn(a, SCHEME_BASIC, rc_auth_challenge_param(basic, "realm"), NULL);
    if (!a->basic_header || sent_basic || !replayable(req))
        goto out; /* no credentials, or they were refused: the 401 is the answer */
    rc_http_headers_set(&r.headers, "Authorization", a->basic_header);
    rc = resend(http, &r, resp, err);
out:
    rc_auth_challenges_free(ch, nch);
    free(sent.realm);
    free(sent.service);
    free(sent.joined);
    learnt_dispose(&known);
    rc_auth_scopeset_dispose(&hints);
    rc_http_headers_dispose(&r.headers);
    return rc;
}
