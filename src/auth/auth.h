/* auth: WWW-Authenticate challenges, basic and bearer auth, the token flow (GET on the realm
 * with scopes; OAuth2 POST with a refresh/identity token), a token cache with expiry that
 * serves every request a cached token's scopes cover, and credential lookup from docker
 * config.json (auths, credsStore, credHelpers). */
#ifndef RC_AUTH_H
#define RC_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"
#include "http/http.h"

struct rc_auth_param {
    char *name; /* lower-cased */
    char *value;
};

struct rc_auth_challenge {
    char *scheme; /* lower-cased: "basic", "bearer", ... */
    struct rc_auth_param *params;
    size_t nparams;
};

/* Parses one or more WWW-Authenticate header values (RFC 9110 challenges, quoted strings
 * with escapes, several challenges in one value, token68). Returns < 0 (RC_EPARSE) only when
 * nothing usable is found. */
int rc_auth_parse_challenges(const char *value, struct rc_auth_challenge **out, size_t *n,
                             struct rc_error **err);
const char *rc_auth_challenge_param(const struct rc_auth_challenge *c, const char *name);
void rc_auth_challenges_free(struct rc_auth_challenge *c, size_t n);
/* Parses every WWW-Authenticate header of a response (in order). A token68 (as in
 * "Basic dXNlcg==") is kept as a parameter named "token68". */
int rc_auth_parse_headers(const struct rc_http_headers *h, struct rc_auth_challenge **out,
                          size_t *n, struct rc_error **err);
/* The first challenge of that scheme (case-insensitive), or NULL. */
const struct rc_auth_challenge *rc_auth_find_challenge(const struct rc_auth_challenge *c, size_t n,
                                                       const char *scheme);

/* A scope set: "repository:ns/r:pull,push" items, compared as sets (action order free). */
/* Normalises a scope string (actions sorted, deduplicated); NULL when malformed. */
char *rc_auth_scope_normalize(const char *scope);
char *rc_auth_scope_repo(const char *repository, const char *actions); /* "repository:R:A" */

struct rc_credentials {
    char *username;
    char *password;
    char *identity_token; /* OAuth2 refresh token (docker config "identitytoken") */
    char *registry_token; /* a ready bearer token ("registrytoken") */
    char *source;         /* where they came from, for messages: "env REGCOMPAT_PASSWORD" */
};
void rc_credentials_dispose(struct rc_credentials *c);
bool rc_credentials_empty(const struct rc_credentials *c);

/* Looks up credentials for a registry host ("127.0.0.1:5000", "ghcr.io") in
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json: credHelpers[host], then auths[host]
 * (also "https://host", "http://host" and Docker Hub's "https://index.docker.io/v1/"), then
 * credsStore. Helpers run as "docker-credential-<name> get" with the host on stdin and a
 * timeout. Returns 0 with empty credentials when nothing matches; < 0 on a broken file or
 * helper failure. Every secret found is registered with rc_redact_add_secret. */
int rc_auth_docker_config(struct rc_credentials *out, const char *host, const char *config_path,
                          struct rc_error **err);
/* A docker config.json / containers auth.json holding one entry, {"auths": {host: {"auth":
 * base64(username:password)}}}, for a tool run with an explicit auth file. Malloc'd. */
char *rc_auth_config_json(const char *host, const char *username, const char *password);
/* The config.json read when config_path is NULL: $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json; NULL without either variable. For messages that say where to log in. */
char *rc_auth_docker_config_path(void);
/* Runs "docker-credential-<helper> get" for host (the credential helper protocol). */
int rc_auth_cred_helper(struct rc_credentials *out, const char *helper, const char *host,
                        struct rc_error **err);
/* The same with an explicit timeout (rc_auth_cred_helper waits 10 s). */
int rc_auth_cred_helper_timeout(struct rc_credentials *out, const char *helper, const char *host,
                                long timeout_ms, struct rc_error **err);

struct rc_auth_stats {
    unsigned token_requests; /* round trips to a token endpoint */
    unsigned token_cache_hits;
    unsigned challenges;         /* 401s of the registry answered with a challenge */
    unsigned foreign_challenges; /* 401s from other origins: answers, never acted upon */
};

struct rc_auth_options {
    bool allow_insecure_realm; /* take an http:// token realm for an https:// registry */
    /* Actions ("pull,push,delete") asked for every repository of a token request, so that
     * one token serves all a caller does there; NULL asks for exactly what is needed. A
     * token endpoint that refuses such a request (or a registry that refuses its token where
     * an exact one is taken) turns it off for the rest of the run. */
    const char *merge_actions;
};

struct rc_auth;

/* The auth object of one registry. registry is its URL: credentials go only to its origin
 * (scheme, host and port) and to the token realm that its own challenges name; only its own
 * challenges are learnt. creds may be NULL (anonymous), opts NULL (defaults). It is
 * thread-safe (its token cache is locked) but uses the caller's http client for each call. */
struct rc_auth *rc_auth_new(const char *registry, const struct rc_credentials *creds,
                            const struct rc_auth_options *opts);
void rc_auth_free(struct rc_auth *a);

/* Sends req through http with whatever credentials the registry asks for:
 * - a cached, unexpired token whose scopes cover these (or Basic credentials when the
 *   registry asked for Basic before) is attached up front, so a large body is sent once;
 * - when the registry's Bearer realm is known but no token is cached, one is fetched first;
 * - on 401 with a challenge, credentials are obtained for the challenge's scopes (union
 *   with the hint scopes) and the request is replayed once (when its body can be rewound).
 * A request to another origin (an upload Location, a Link, storage behind a redirect) goes
 * without credentials, and a 401 from another origin is only an answer: no token is fetched
 * for it and its realm is not learnt. A realm that is not https:// for an https:// registry
 * is refused (RC_EAUTH) unless opts allowed it.
 * scopes: NULL-terminated hint list ("repository:ns/r:pull,push"), may be NULL.
 * The final answer (possibly still 401/403) is in resp; return codes as rc_http_send,
 * plus RC_EAUTH when the token endpoint refused the credentials (resp then holds the token
 * endpoint's answer, and err says so). */
int rc_auth_send(struct rc_auth *a, struct rc_http_client *http, struct rc_http_request *req,
                 const char *const *scopes, struct rc_http_response *resp, struct rc_error **err);
void rc_auth_get_stats(struct rc_auth *a, struct rc_auth_stats *out);

/* ---- kwctl's auth, as a client model (auth/kwctl.c) ------------------------------------ */

/* What kwctl's client (oci-client 0.15.0 src/client.rs, Client::_auth) does before a request
 * for which it holds no token: GET <registry>/v2/ without credentials; no WWW-Authenticate
 * -> anonymous; a challenge that is not Bearer -> Basic with the username/password, if any,
 * else anonymous; Bearer -> GET realm?scope=<scope>&service=<service> with Basic credentials
 * (when known); a 200 with {"token"} or {"access_token"} gives "Bearer <token>"; anything
 * else (another status, a body without a token, no answer at all) leaves kwctl anonymous
 * (Client::get_auth_token drops the error). One scope, no retry, no refresh tokens.
 * Returns 0 with *authorization set (a header value, or NULL for anonymous) and *note
 * describing a fallback to anonymous (NULL when none happened). A realm that is not https
 * for an https registry is not contacted unless allow_insecure_realm: regcompat never sends
 * credentials in the clear; that is reported in *note as a refusal of regcompat, not kwctl. */
int rc_auth_kwctl_discover(struct rc_http_client *http, const char *registry, const char *username,
                           const char *password, const char *scope, bool allow_insecure_realm,
                           char **authorization, char **note, struct rc_error **err);

#endif
