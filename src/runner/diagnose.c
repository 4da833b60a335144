/* Registry-level diagnosis: when nothing (or nothing that writes) can be tested on a registry,
 * one line says why and how to fix it, instead of one error per check. The fix depends on
 * where the registry came from: --url (flags and REGCOMPAT_* variables) or a profile file
 * (its keys). */
#include <stdlib.h>
#include <string.h>

#include "runner/internal.h"

#include "base/banned.h"

static bool adhoc(const struct worker *w)
{
    return w->profile->path == NULL;
}

/* "set REGCOMPAT_USERNAME and REGCOMPAT_PASSWORD, or run docker login HOST (it writes
 * ~/.docker/config.json)" */
static char *login_fix(const struct worker *w)
{
    rc_autofree char *cfg = rc_auth_docker_config_path();
    rc_autofree char *where = cfg ? rc_fmt(", which writes %s", cfg) : rc_xstrdup("");
    if (adhoc(w))
        return rc_fmt("set REGCOMPAT_USERNAME and REGCOMPAT_PASSWORD, or run docker login %s%s",
                      w->host, where);
    return rc_fmt("give %s an auth block (username and password as {env: VAR}, {file: PATH} or "
                  "{exec: CMD}), or run docker login %s%s",
                  w->profile->path, w->host, where);
}

static char *check_fix(const struct worker *w)
{
    const char *src = w->cred_source;
    if (adhoc(w))
        return rc_fmt("check REGCOMPAT_USERNAME and REGCOMPAT_PASSWORD%s%s%s",
                      src ? " (used: " : "", src ? src : "", src ? ")" : "");
    return rc_fmt("check the credentials that %s names%s%s%s", w->profile->path,
                  src ? " (used: " : "", src ? src : "", src ? ")" : "");
}

/* The profile's URL with the other scheme and "/v2/", when it names its port (else the
 * other scheme means another port, and the probe would say nothing). */
static char *other_scheme_url(const struct worker *w, bool *to_https)
{
    const char *u = w->profile->url;
    *to_https = rc_str_starts(u, "http://");
    if (!*to_https && !rc_str_starts(u, "https://"))
        return NULL;
    rc_autofree char *auth = rc_url_authority(u);
    const char *colon = auth ? strrchr(auth, ':') : NULL;
    if (!colon || strchr(colon, ']'))
        return NULL;
    return rc_fmt("%s://%s/v2/", *to_https ? "https" : "http", auth);
}

/* The status a GET of url answers with, TLS verification off (0: no answer). A client of its
 * own, short timeouts, no retries; nothing goes into the evidence. */
static long probe(const char *url)
{
    struct rc_http_options ho = {
        .timeout_ms = 5000, .connect_timeout_ms = 3000, .insecure = true, .retries = -1};
    struct rc_http_client *h = NULL;
    struct rc_error *err = NULL;
    long status = 0;
    if (rc_http_client_new(&h, &ho, &err) == 0) {
        struct rc_http_request req = {.method = "GET", .url = url, .max_body = 4096};
        struct rc_http_response r;
        rc_http_response_init(&r);
        if (rc_http_send(h, &req, &r, &err) == 0)
            status = r.status;
        rc_http_response_dispose(&r);
    }
    rc_error_free(err);
    rc_http_client_free(h);
    return status;
}

/* Whether the registry's port speaks the other scheme: TLS behind an http:// URL, plain
 * HTTP behind an https:// one. A TLS server that answers plain HTTP at all answers 400 (Go:
 * "Client sent an HTTP request to an HTTPS server", nginx: "The plain HTTP request was sent
 * to HTTPS port"), so a 400 over plain HTTP does not count as speaking it. */
static bool other_scheme_answers(const struct worker *w, char **url_out, bool *to_https)
{
    *url_out = other_scheme_url(w, to_https);
    if (!*url_out)
        return false;
    long st = probe(*url_out);
    return st > 0 && (*to_https || st != 400);
}

/* "http://127.0.0.1:5000 is plain HTTP, but its port speaks TLS: use https://..." */
static char *wrong_scheme(const struct worker *w, const char *other, bool to_https)
{
    rc_autofree char *base = rc_xstrndup(other, strlen(other) - strlen("/v2/"));
    const char *fix = adhoc(w) ? "use --url " : "set url: ";
    const char *where = adhoc(w) ? "" : " in ";
    const char *file = adhoc(w) ? "" : w->profile->path;
    if (to_https)
        return rc_fmt("%s is an http:// URL, but the port speaks TLS (HTTPS): %s%s%s%s%s", w->host,
                      fix, base, where, file,
                      adhoc(w) ? " (with --ca FILE or --insecure if its certificate is not "
                                 "publicly trusted)"
                               : "");
    return rc_fmt("%s is an https:// URL, but the port speaks plain HTTP: %s%s%s%s", w->host, fix,
                  base, where, file);
}

static char *untrusted(const struct worker *w, const char *msg)
{
    if (adhoc(w))
        return rc_fmt("TLS: the certificate of %s is not trusted (%s): pass --ca FILE with the "
                      "CA that signed it (PEM), or --insecure to skip verification",
                      w->host, msg);
    return rc_fmt("TLS: the certificate of %s is not trusted (%s): set tls.ca in %s to the CA "
                  "that signed it (PEM), or tls.verify: false to skip verification",
                  w->host, msg, w->profile->path);
}

char *diagnose_no_answer(struct worker *w, int rc, const char *msg)
{
    rc_autofree char *other = NULL;
    bool to_https = false;
    if (rc == RC_EAUTH) {
        /* the token endpoint refused what we sent (or refused anonymous access) */
        rc_autofree char *fix = w->anonymous ? login_fix(w) : check_fix(w);
        return rc_fmt("%s: %s; %s",
                      w->anonymous ? "no credentials were sent" : "credentials rejected", msg, fix);
    }
    if (rc == RC_ETLS && w->profile->tls.verify) {
        /* answered without verification: the certificate is what fails */
        rc_autofree char *v2 = rc_fmt("%s/v2/", w->profile->url);
        if (probe(v2) > 0)
            return untrusted(w, msg);
    }
    if (rc != RC_EINTR && other_scheme_answers(w, &other, &to_https))
        return wrong_scheme(w, other, to_https);
    if (rc == RC_ETLS) {
        if (adhoc(w))
            return rc_fmt("TLS failure with %s (%s): if its certificate is signed by a private "
                          "CA, pass --ca FILE (that CA, PEM); --insecure skips verification",
                          w->host, msg);
        return rc_fmt("TLS failure with %s (%s): if its certificate is signed by a private CA, "
                      "set tls.ca in %s to that CA (PEM); tls.verify: false skips verification",
                      w->host, msg, w->profile->path);
    }
    if (rc == RC_EINTR)
        return rc_fmt("not tested: the run was interrupted (%s)", msg);
    return rc_fmt("registry unreachable (%s): check that it is running and that %s is right", msg,
                  adhoc(w) ? "the URL" : "the url in the profile");
}

char *diagnose_ping(struct worker *w, const struct rc_http_response *r)
{
    if (r->status == 401 || r->status == 403) {
        rc_autofree char *fix = w->anonymous ? login_fix(w) : check_fix(w);
        rc_autofree char *scheme = NULL;
        struct rc_auth_challenge *ch = NULL;
        size_t nch = 0;
        if (rc_auth_parse_headers(&r->headers, &ch, &nch, NULL) == 0 && nch)
            scheme = rc_xstrdup(ch[0].scheme);
        rc_auth_challenges_free(ch, nch);
        if (w->anonymous)
            return rc_fmt("no credentials were sent, and the registry asks for them (GET /v2/ "
                          "answered %ld%s%s): %s",
                          r->status, scheme ? ", " : "", scheme ? scheme : "", fix);
        return rc_fmt("credentials rejected (GET /v2/ answered %ld%s%s): %s", r->status,
                      scheme ? ", " : "", scheme ? scheme : "", fix);
    }
    if (r->status == 400 && rc_str_starts(w->profile->url, "http://")) {
        /* what a TLS server answers to plain HTTP (Go: "Client sent an HTTP request to an
         * HTTPS server", nginx: "The plain HTTP request was sent to HTTPS port") */
        rc_autofree char *other = NULL;
        bool to_https = false;
        if (other_scheme_answers(w, &other, &to_https))
            return wrong_scheme(w, other, to_https);
    }
    return NULL;
}

char *diagnose_missing_credentials(const struct worker *w, const char *msg, bool required)
{
    const char *p = w->profile->path ? w->profile->path : w->profile->id;
    if (required)
        return rc_fmt("no credentials: %s; set it (%s names it): --require-credentials makes "
                      "this an error",
                      msg, p);
    return rc_fmt("no credentials: %s; set it to test this registry (%s names it)", msg, p);
}

char *diagnose_push_refused(const struct worker *w, enum cred_issue ci, long status)
{
    switch (ci) {
    case CRED_NOT_SENT: {
        rc_autofree char *fix = login_fix(w);
        return rc_fmt("checks that push not run: no credentials were sent, and the registry "
                      "asks for them to push (the first push answered %ld); %s",
                      status, fix);
    }
    case CRED_SCOPE:
        return rc_fmt("checks that push not run: the token lacks scope (%s: the account may pull "
                      "but not push); use an account that may push to %s",
                      status == 403 ? "403" : "insufficient_scope",
                      w->profile->namespace && *w->profile->namespace ? w->profile->namespace
                                                                      : "the registry");
    default: {
        rc_autofree char *fix = check_fix(w);
        return rc_fmt("checks that push not run: credentials rejected (the first push answered "
                      "%ld); %s",
                      status, fix);
    }
    }
}
