/* Redaction: every log line, report and error message goes through here. Two mechanisms:
 * structural (credential headers, signed-URL parameters, URL passwords) and by value (every
 * secret the tool has learnt: passwords, tokens), so that a secret echoed back by a registry
 * in a body or an error message is caught as well. */
#include "base/base.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

#define MASK           "***"
#define MIN_SECRET_LEN 4

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rc_strv secrets;

void rc_redact_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < MIN_SECRET_LEN)
        return;
    pthread_mutex_lock(&secrets_lock);
    if (!rc_strv_contains(&secrets, secret))
        rc_strv_push(&secrets, secret);
    pthread_mutex_unlock(&secrets_lock);
}

void rc_redact_clear_secrets(void)
{
    pthread_mutex_lock(&secrets_lock);
    rc_strv_dispose(&secrets);
    pthread_mutex_unlock(&secrets_lock);
}

/* Replaces every occurrence of needle in *s (a malloc'd string) by MASK. */
static void mask_all(char **s, const char *needle)
{
    size_t nlen = strlen(needle);
    if (!strstr(*s, needle))
        return;
    struct rc_buf b = RC_BUF_INIT(0);
    const char *p = *s, *hit;
    while ((hit = strstr(p, needle))) {
        rc_buf_add(&b, p, (size_t)(hit - p));
        rc_buf_adds(&b, MASK);
        p = hit + nlen;
    }
    rc_buf_adds(&b, p);
    free(*s);
    *s = rc_buf_steal(&b, NULL);
}

char *rc_redact_text(const char *in)
{
    char *s = rc_xstrdup(in ? in : "");
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; i < secrets.n; i++)
        mask_all(&s, secrets.v[i]);
    pthread_mutex_unlock(&secrets_lock);
    return s;
}

/* Query parameters whose values are credentials or signatures (pre-signed storage URLs of
 * S3, GCS, Azure, CloudFront and registries' own tokens). Matched case-insensitively. */
static const char *const secret_params[] = {
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "signature",
    "sig",
    "token",
    "access_token",
    "refresh_token",
    "password",
    "key-pair-id",
    "policy",
    "se",
    "skoid",
    "sktid",
    "code",
    "client_secret",
    "_state", /* Distribution's HMAC-signed upload state */
};

static bool is_secret_param(const char *name, size_t len)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(secret_params); i++)
        if (strlen(secret_params[i]) == len && strncasecmp(name, secret_params[i], len) == 0)
            return true;
    return false;
}

char *rc_redact_url(const char *url)
{
    if (!url)
        return rc_xstrdup("");
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    const char *p = url;
    /* user info: scheme://user:password@host */
    const char *scheme_end = strstr(p, "://");
    if (scheme_end) {
        const char *auth = scheme_end + 3;
        size_t hostlen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', hostlen);
        if (at) {
            const char *colon = memchr(auth, ':', (size_t)(at - auth));
            rc_buf_add(&b, p, (size_t)(auth - p));
            if (colon) {
                rc_buf_add(&b, auth, (size_t)(colon - auth));
                rc_buf_adds(&b, ":" MASK);
            } else {
                rc_buf_add(&b, auth, (size_t)(at - auth));
            }
            p = at;
        }
    }
    const char *q = strchr(p, '?');
    if (!q) {
        rc_buf_adds(&b, p);
    } else {
        rc_buf_add(&b, p, (size_t)(q - p) + 1);
        p = q + 1;
        while (*p && *p != '#') {
            size_t plen = strcspn(p, "&#");
            const char *eq = memchr(p, '=', plen);
            if (eq && is_secret_param(p, (size_t)(eq - p))) {
                rc_buf_add(&b, p, (size_t)(eq - p) + 1);
                rc_buf_adds(&b, MASK);
            } else {
                rc_buf_add(&b, p, plen);
            }
            p += plen;
            if (*p == '&')
                rc_buf_addc(&b, *p++);
        }
        rc_buf_adds(&b, p);
    }
    char *tmp = rc_buf_steal(&b, NULL);
    char *out = rc_redact_text(tmp);
    free(tmp);
    return out;
}

static const char *const sensitive_headers[] = {
    "authorization",   "proxy-authorization", "cookie",          "set-cookie",
    "x-registry-auth", "x-auth-token",        "x-jfrog-art-api", "private-token",
};

bool rc_header_is_sensitive(const char *name)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(sensitive_headers); i++)
        if (rc_str_ieq(name, sensitive_headers[i]))
            return true;
    return false;
}

char *rc_redact_header(const char *name, const char *value)
{
    if (!value)
        return rc_xstrdup("");
    if (rc_header_is_sensitive(name)) {
        /* keep the scheme ("Bearer", "Basic") so evidence still shows what was sent */
        size_t sl = strcspn(value, " ");
        if (value[sl] == ' ' && sl < 16)
            return rc_fmt("%.*s " MASK, (int)sl, value);
        return rc_xstrdup(MASK);
    }
    if (rc_str_ieq(name, "location") || rc_str_ieq(name, "content-location") ||
        rc_str_ieq(name, "link"))
        return rc_redact_url(value);
    return rc_redact_text(value);
}
