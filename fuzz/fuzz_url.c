/* fuzz target "url": Location and Link handling, where a registry's answer decides the next
 * URL regcompat requests (and so where its credentials might go).
 *
 * Input: three lines: a base URL (the request that got the answer), a reference (a Location
 * value, or a query value to append) and a Link header value. Properties: a resolved URL
 * resolves to itself and has an origin equal to itself; appending a query parameter keeps the
 * URL parseable; a percent-encoded string holds only unreserved characters and %XX; a
 * rel="next" Link yields a URL that resolves to itself. */
#include <ctype.h>
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "http/http.h"
#include "oci/oci.h"

#include "base/banned.h"

static void check_resolved(const char *url)
{
    char *again = NULL;
    struct rc_error *err = NULL;
    RC_FUZZ_CHECK(rc_url_resolve(&again, url, "", &err) == 0);
    RC_FUZZ_CHECK(strcmp(again, url) == 0);
    free(again);
    char *authority = rc_url_authority(url);
    char *pq = rc_url_path_query(url);
    RC_FUZZ_CHECK(pq && pq[0] == '/');
    RC_FUZZ_CHECK(!authority || rc_url_same_origin(url, url));
    free(authority);
    free(pq);
    free(rc_redact_url(url));
}

static void check_encode(const char *s)
{
    char *enc = rc_url_encode(s);
    for (const char *p = enc; *p; p++) {
        if (*p == '%') {
            RC_FUZZ_CHECK(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]));
            p += 2;
            continue;
        }
        RC_FUZZ_CHECK(isalnum((unsigned char)*p) || strchr("-._~", *p));
    }
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = rc_fuzz_cstr(data, size);
    char *part[3];
    rc_fuzz_split(text, part, 3);
    const char *base = part[0], *ref = part[1], *link = part[2];

    char *out = NULL;
    struct rc_error *err = NULL;
    if (rc_url_resolve(&out, base, ref, &err) == 0)
        check_resolved(out);
    free(out);
    rc_error_free(err);
    err = NULL;

    out = NULL;
    if (rc_url_add_query(&out, base, "digest", ref, &err) == 0)
        check_resolved(out);
    free(out);
    rc_error_free(err);

    free(rc_url_authority(base));
    free(rc_url_path_query(ref));
    free(rc_redact_url(base));
    free(rc_redact_url(ref));
    (void)rc_url_same_origin(base, ref);
    check_encode(ref);

    struct rc_http_response resp;
    rc_http_response_init(&resp);
    resp.url = rc_xstrdup(base);
    rc_http_headers_add(&resp.headers, "Link", link);
    rc_http_headers_add(&resp.headers, "link", ref);
    char *next = rc_oci_link_next(&resp);
    if (next)
        check_resolved(next);
    free(next);
    rc_http_response_dispose(&resp);

    free(text);
    return 0;
}
