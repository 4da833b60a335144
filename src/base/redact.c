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

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Whether name (len bytes, possibly percent-encoded: "X%2DAmz%2DSignature") is one of
 * secret_params. */
static bool is_secret_param(const char *name, size_t len)
{
    char plain[32];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n == sizeof(plain))
            return false; /* longer than any secret parameter */
        int hi = name[i] == '%' && i + 2 < len ? hex_value(name[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(name[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            plain[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            plain[n++] = name[i];
        }
    }
    for (size_t i = 0; i < RC_ARRAY_LEN(secret_params); i++)
        if (strlen(secret_params[i]) == n && strncasecmp(plain, secret_params[i], n) == 0)
            return true;
    return false;
}

/* Characters that end a URL or a parameter value inside free text (log lines, messages,
 * bodies): URLs are written between quotes, angle brackets or spaces there. */
#define TEXT_URL_STOP "\"'<>\\ \t\r\n"

/* The password of every "scheme://user:password@host" in free text. */
static void mask_text_userinfo(char **s)
{
    if (!strstr(*s, "://"))
        return;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    const char *p = *s, *hit;
    while ((hit = strstr(p, "://"))) {
        const char *auth = hit + 3;
        size_t alen = strcspn(auth, "/?#" TEXT_URL_STOP);
        const char *at = memchr(auth, '@', alen);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            rc_buf_add(&b, p, (size_t)(colon + 1 - p));
            rc_buf_adds(&b, MASK);
            p = at;
        } else {
            rc_buf_add(&b, p, (size_t)(auth - p));
            p = auth;
        }
    }
    rc_buf_adds(&b, p);
    free(*s);
    *s = rc_buf_steal(&b, NULL);
}

/* The value of every secret parameter ("?X-Amz-Signature=...", "&_state=...", "#token=...")
 * in free text, relative URLs included. */
static void mask_text_params(char **s)
{
    if (!strpbrk(*s, "?&#;"))
        return;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    const char *p = *s;
    while (*p) {
        const char *sep = strpbrk(p, "?&#;");
        if (!sep) {
            rc_buf_adds(&b, p);
            break;
        }
        rc_buf_add(&b, p, (size_t)(sep + 1 - p));
        const char *name = sep + 1;
        size_t nlen = strcspn(name, "=?&#;" TEXT_URL_STOP);
        if (name[nlen] == '=' && nlen && is_secret_param(name, nlen)) {
            rc_buf_add(&b, name, nlen + 1);
            rc_buf_adds(&b, MASK);
            p = name + nlen + 1;
            p += strcspn(p, "&#;" TEXT_URL_STOP);
        } else {
            p = name;
        }
    }
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
    mask_text_userinfo(&s);
    mask_text_params(&s);
    return s;
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

/* ---- token endpoint answers ------------------------------------------------------------ */

static const char *const token_fields[] = {"token", "access_token", "refresh_token", "id_token"};

/* End of the JSON string whose content starts at p (the byte after the opening quote): the
 * closing quote, or end when the text is cut short. */
static const char *json_string_end(const char *p, const char *end)
{
    while (p < end && *p != '"')
        p += (*p == '\\' && p + 1 < end) ? 2 : 1;
    return p < end ? p : end;
}

static bool is_token_field(const char *name, size_t len)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(token_fields); i++)
        if (strlen(token_fields[i]) == len && strncasecmp(name, token_fields[i], len) == 0)
            return true;
    return false;
}

/* Registers a token value as written in JSON, and its unescaped form when it differs. */
static void add_json_secret(const char *v, size_t len)
{
    char *raw = rc_xstrndup(v, len);
    rc_redact_add_secret(raw);
    if (memchr(raw, '\\', len)) {
        char *plain = rc_xmalloc(len + 1);
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
            plain[n++] = raw[i] == '\\' && i + 1 < len ? raw[++i] : raw[i];
        plain[n] = '\0';
        rc_redact_add_secret(plain);
        free(plain);
    }
    free(raw);
}

char *rc_redact_token_answer(const char *body, size_t len, size_t *out_len)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    const char *p = body ? body : "", *end = p + (body ? len : 0), *copied = p;
    while (p < end) {
        if (*p != '"') {
            p++;
            continue;
        }
        const char *name = p + 1, *name_end = json_string_end(name, end);
        p = name_end < end ? name_end + 1 : end;
        const char *q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q >= end || *q != ':' || !is_token_field(name, (size_t)(name_end - name)))
            continue; /* not a key, or not one of ours: its value is looked at next */
        q++;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q >= end || *q != '"')
            continue;
        const char *v = q + 1, *v_end = json_string_end(v, end);
        add_json_secret(v, (size_t)(v_end - v));
        rc_buf_add(&b, copied, (size_t)(v - copied));
        rc_buf_adds(&b, MASK);
        copied = v_end;
        p = v_end < end ? v_end + 1 : end;
    }
    rc_buf_add(&b, copied, (size_t)(end - copied));
    return rc_buf_steal(&b, out_len);
}
