/* http: header lists and URL helpers. Header names compare ASCII case-insensitively (HTTP/2
 * delivers them lower case) and duplicates are kept in arrival order. URLs go through the
 * CURLU parser so relative Locations resolve as RFC 3986 says and queries built by
 * registries (the HMAC'd _state of upload sessions) are kept byte for byte. */
#include "http/http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* ---- header lists ---------------------------------------------------------------------- */

void rc_http_headers_add(struct rc_http_headers *h, const char *name, const char *value)
{
    struct rc_http_header item = {rc_xstrdup(name), rc_xstrdup(value ? value : "")};
    RC_PUSH(h->v, h->n, h->cap, item);
}

void rc_http_headers_set(struct rc_http_headers *h, const char *name, const char *value)
{
    size_t keep = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (rc_str_ieq(h->v[i].name, name)) {
            free(h->v[i].name);
            free(h->v[i].value);
            continue;
        }
        h->v[keep++] = h->v[i];
    }
    h->n = keep;
    if (value)
        rc_http_headers_add(h, name, value);
}

const char *rc_http_headers_get(const struct rc_http_headers *h, const char *name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (rc_str_ieq(h->v[i].name, name))
            return h->v[i].value;
    return NULL;
}

size_t rc_http_headers_count(const struct rc_http_headers *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; h && i < h->n; i++)
        if (rc_str_ieq(h->v[i].name, name))
            n++;
    return n;
}

/* Appends copies of every header of src to dst (a zeroed dst becomes a copy of src). */
void rc_http_headers_copy(struct rc_http_headers *dst, const struct rc_http_headers *src)
{
    for (size_t i = 0; src && i < src->n; i++)
        rc_http_headers_add(dst, src->v[i].name, src->v[i].value);
}

void rc_http_headers_dispose(struct rc_http_headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* ---- URLs ------------------------------------------------------------------------------ */

static void url_freep(CURLU **u)
{
    if (*u)
        curl_url_cleanup(*u);
}
#define auto_url RC_CLEANUP(url_freep)

/* A copy of a curl-allocated string in our allocator (so callers free() it). */
static char *take_curl_str(char *s)
{
    char *out = rc_xstrdup(s);
    curl_free(s);
    return out;
}

static CURLU *parse_url(const char *url, CURLUcode *rc_out)
{
    CURLU *u = curl_url();
    if (!u)
        abort(); /* allocation failure, as rc_xmalloc does */
    CURLUcode rc = url ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_MALFORMED_INPUT;
    if (rc_out)
        *rc_out = rc;
    if (rc != CURLUE_OK) {
        curl_url_cleanup(u);
        return NULL;
    }
    return u;
}

static int url_error(struct rc_error **err, CURLUcode rc, const char *what, const char *url)
{
    char *shown = rc_redact_url(url);
    rc_error_set(err, RC_EINVAL, "%s \"%s\": %s", what, shown, curl_url_strerror(rc));
    free(shown);
    return RC_EINVAL;
}

int rc_url_resolve(char **out, const char *base, const char *ref, struct rc_error **err)
{
    *out = NULL;
    CURLUcode rc;
    auto_url CURLU *u = parse_url(base, &rc);
    if (!u)
        return url_error(err, rc, "invalid base URL", base);
    if (!ref || !*ref) {
        /* RFC 3986 5.2.2: an empty reference is the base itself (CURLU would drop the path) */
        char *s = NULL;
        rc = curl_url_get(u, CURLUPART_URL, &s, 0);
        if (rc != CURLUE_OK)
            return url_error(err, rc, "invalid base URL", base);
        *out = take_curl_str(s);
        return 0;
    }
    rc = curl_url_set(u, CURLUPART_URL, ref, 0);
    if (rc != CURLUE_OK)
        return url_error(err, rc, "cannot resolve", ref);
    char *s = NULL;
    rc = curl_url_get(u, CURLUPART_URL, &s, 0);
    if (rc != CURLUE_OK)
        return url_error(err, rc, "cannot resolve", ref);
    *out = take_curl_str(s);
    return 0;
}

int rc_url_add_query(char **out, const char *url, const char *key, const char *value,
                     struct rc_error **err)
{
    *out = NULL;
    CURLUcode rc;
    auto_url CURLU *u = parse_url(url, &rc);
    if (!u)
        return url_error(err, rc, "invalid URL", url);
    rc_autofree char *kv = rc_fmt("%s=%s", key, value ? value : "");
    /* URLENCODE with APPENDQUERY encodes everything but the first '='; the existing query is
     * left as the server wrote it */
    rc = curl_url_set(u, CURLUPART_QUERY, kv, CURLU_APPENDQUERY | CURLU_URLENCODE);
    if (rc != CURLUE_OK)
        return url_error(err, rc, "cannot add a query parameter to", url);
    char *s = NULL;
    rc = curl_url_get(u, CURLUPART_URL, &s, 0);
    if (rc != CURLUE_OK)
        return url_error(err, rc, "cannot add a query parameter to", url);
    *out = take_curl_str(s);
    return 0;
}

char *rc_url_path_query(const char *url)
{
    auto_url CURLU *u = parse_url(url, NULL);
    if (!u)
        return rc_xstrdup(url ? url : "");
    char *path = NULL, *query = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    char *out = query ? rc_fmt("%s?%s", path ? path : "/", query) : rc_xstrdup(path ? path : "/");
    curl_free(path);
    curl_free(query);
    return out;
}

char *rc_url_authority(const char *url)
{
    auto_url CURLU *u = parse_url(url, NULL);
    if (!u)
        return NULL;
    char *host = NULL, *port = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        return NULL;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL; /* CURLUE_NO_PORT: none written in the URL */
    char *out = port ? rc_fmt("%s:%s", host, port) : rc_xstrdup(host);
    curl_free(host);
    curl_free(port);
    return out;
}

struct origin {
    char *scheme;
    char *host;
    char *port;
};

static bool get_origin(const char *url, struct origin *o)
{
    memset(o, 0, sizeof(*o));
    auto_url CURLU *u = parse_url(url, NULL);
    if (!u)
        return false;
    if (curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &o->host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        return false;
    return true;
}

static void origin_dispose(struct origin *o)
{
    curl_free(o->scheme);
    curl_free(o->host);
    curl_free(o->port);
}

bool rc_url_same_origin(const char *a, const char *b)
{
    struct origin oa, ob;
    bool ok_a = get_origin(a, &oa), ok_b = get_origin(b, &ob);
    bool same = ok_a && ok_b && rc_str_ieq(oa.scheme, ob.scheme) && rc_str_ieq(oa.host, ob.host) &&
                rc_str_eq(oa.port, ob.port);
    origin_dispose(&oa);
    origin_dispose(&ob);
    return same;
}

char *rc_url_normalize(const char *url)
{
    auto_url CURLU *u = parse_url(url, NULL);
    if (!u)
        return NULL;
    char *host = NULL, *out = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        return NULL;
    for (char *p = host; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    CURLUcode rc = curl_url_set(u, CURLUPART_HOST, host, 0);
    curl_free(host);
    if (rc != CURLUE_OK || curl_url_get(u, CURLUPART_URL, &out, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
        return NULL;
    return take_curl_str(out);
}

/* Percent-encodes everything but RFC 3986 unreserved characters, upper-case hex. */
char *rc_url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc_buf_addc(&b, (char)c);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc_buf_add(&b, enc, 3);
        }
    }
    return rc_buf_steal(&b, NULL);
}
