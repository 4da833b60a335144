/* kwctl's authentication, modelled on its source (oci-client 0.15.0 src/client.rs,
 * Client::_auth and Client::get_auth_token; policy-fetcher 0.11.0 src/registry/mod.rs,
 * Registry::auth). It is a model of one client, not the spec path: rc_auth_send is what the
 * spec suites use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "json/json.h"

#include "base/banned.h"

#define KW_TOKEN_MAX_BODY (64 * 1024)

static char *basic_header(const char *user, const char *pass)
{
    char *pair = rc_fmt("%s:%s", user, pass);
    char *b64 = rc_auth_base64_encode(pair, strlen(pair));
    char *out = rc_fmt("Basic %s", b64);
    rc_redact_add_secret(b64);
    free(pair);
    free(b64);
    return out;
}

int rc_auth_kwctl_discover(struct rc_http_client *http, const char *registry, const char *username,
                           const char *password, const char *scope, bool allow_insecure_realm,
                           char **authorization, char **note, struct rc_error **err)
{
    (void)err;
    *authorization = NULL;
    *note = NULL;
    bool have_basic = username && password;
    char *ping_url = rc_fmt("%s/v2/", registry);
    struct rc_http_request req = {.method = "GET", .url = ping_url, .max_body = 4096};
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *e = NULL;
    int rc = rc_http_send(http, &req, &r, &e);
    free(ping_url);
    if (rc < 0) {
        *note = rc_fmt("GET /v2/ got no answer (%s); kwctl goes on anonymously", rc_error_msg(e));
        rc_error_free(e);
        rc_http_response_dispose(&r);
        return 0;
    }
    struct rc_auth_challenge *ch = NULL;
    size_t nch = 0;
    if (!rc_http_headers_get(&r.headers, "WWW-Authenticate") ||
        rc_auth_parse_headers(&r.headers, &ch, &nch, &e) < 0) {
        rc_error_free(e);
        rc_http_response_dispose(&r);
        return 0; /* no challenge on /v2/: anonymous, even when credentials exist */
    }
    rc_http_response_dispose(&r);
    /* BearerChallenge::try_from reads the first challenge only */
    const struct rc_auth_challenge *bearer = rc_str_eq(ch[0].scheme, "bearer") ? &ch[0] : NULL;
    const char *realm = bearer ? rc_auth_challenge_param(bearer, "realm") : NULL;
    if (!bearer || !realm) {
        if (have_basic)
            *authorization = basic_header(username, password);
        rc_auth_challenges_free(ch, nch);
        return 0;
    }
    if (rc_str_starts(registry, "https://") && !rc_str_starts(realm, "https://") &&
        !allow_insecure_realm) {
        *note = rc_fmt("the token realm %s is not https; regcompat sends no credentials there "
                       "(auth.allow_insecure_realm), so the request goes anonymously",
                       realm);
        rc_auth_challenges_free(ch, nch);
        return 0;
    }
    char *url = NULL;
    const char *service = rc_auth_challenge_param(bearer, "service");
    struct rc_error *ue = NULL;
    char *u1 = NULL;
    if (rc_url_add_query(&u1, realm, "scope", scope, &ue) < 0 ||
        (service && rc_url_add_query(&url, u1, "service", service, &ue) < 0)) {
        *note = rc_fmt("the token realm '%s' is not a URL kwctl can use (%s); anonymous", realm,
                       rc_error_msg(ue));
        rc_error_free(ue);
        free(u1);
        rc_auth_challenges_free(ch, nch);
        return 0;
    }
    if (!url) {
        url = u1;
        u1 = NULL;
    }
    free(u1);
    rc_auth_challenges_free(ch, nch);
    struct rc_http_request treq = {
        .method = "GET", .url = url, .max_body = KW_TOKEN_MAX_BODY, .token_endpoint = true};
    char *basic = have_basic ? basic_header(username, password) : NULL;
    if (basic)
        rc_http_headers_add(&treq.headers, "Authorization", basic);
    free(basic);
    rc_http_response_init(&r);
    rc = rc_http_send(http, &treq, &r, &e);
    rc_http_headers_dispose(&treq.headers);
    free(url);
    if (rc < 0) {
        *note = rc_fmt("the token request got no answer (%s); kwctl goes on anonymously",
                       rc_error_msg(e));
        rc_error_free(e);
        rc_http_response_dispose(&r);
        return 0;
    }
    if (r.status != 200) {
        *note = rc_fmt("the token request answered %ld; kwctl goes on anonymously", r.status);
        rc_http_response_dispose(&r);
        return 0;
    }
    struct rc_json *j = NULL;
    const char *tok = NULL;
    if (rc_json_parse(&j, r.body.data, r.body.len, &e) == 0) {
        tok = rc_json_get_str(j, "token");
        if (!tok)
            tok = rc_json_get_str(j, "access_token");
    }
    rc_error_free(e);
    if (tok && *tok) {
        rc_redact_add_secret(tok);
        *authorization = rc_fmt("Bearer %s", tok);
    } else {
        *note = rc_xstrdup("the token answer holds no token; kwctl goes on anonymously");
    }
    rc_json_free(j);
    rc_http_response_dispose(&r);
    return 0;
}
