#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "oci/oci.h"

static void test_split_ref(void)
{
    char *repo = NULL, *ref = NULL;
    CU_ASSERT_EQUAL(rc_oci_split_ref("ns/run/policy.push:v1", &repo, &ref, NULL), 0);
    RC_ASSERT_STR(repo, "ns/run/policy.push");
    RC_ASSERT_STR(ref, "v1");
    free(repo);
    free(ref);
    CU_ASSERT_EQUAL(rc_oci_split_ref("a/b@sha256:abcd", &repo, &ref, NULL), 0);
    RC_ASSERT_STR(repo, "a/b");
    RC_ASSERT_STR(ref, "sha256:abcd");
    free(repo);
    free(ref);
    CU_ASSERT_EQUAL(rc_oci_split_ref("a/b", &repo, &ref, NULL), 0);
    CU_ASSERT_PTR_NULL(ref);
    free(repo);
}

static void test_grammar(void)
{
    CU_ASSERT(rc_oci_valid_repo("regcompat/20261128-032510-1a2b/policy.push"));
    CU_ASSERT(rc_oci_valid_repo("a__b/c-d---e"));
    CU_ASSERT_FALSE(rc_oci_valid_repo("UPPER/case"));
    CU_ASSERT_FALSE(rc_oci_valid_repo("a..b"));
    CU_ASSERT_FALSE(rc_oci_valid_repo("a___b"));
    CU_ASSERT_FALSE(rc_oci_valid_repo("-lead"));
    CU_ASSERT_FALSE(rc_oci_valid_repo("a//b"));
    CU_ASSERT_FALSE(rc_oci_valid_repo(""));
    CU_ASSERT(rc_oci_valid_tag("v1.0.0"));
    CU_ASSERT(rc_oci_valid_tag(
        "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
    CU_ASSERT_FALSE(rc_oci_valid_tag("-x"));
    CU_ASSERT_FALSE(rc_oci_valid_tag("a:b"));
}

static void test_link_next(void)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    r.url = rc_xstrdup("https://reg.example/v2/a/tags/list?n=2");
    rc_http_headers_add(&r.headers, "link",
                        "</v2/a/tags/list?n=2&last=b,c>; rel=\"next\", <https://x/p>; rel=prev");
    char *next = rc_oci_link_next(&r);
    RC_ASSERT_STR(next, "https://reg.example/v2/a/tags/list?n=2&last=b,c");
    free(next);
    rc_http_response_dispose(&r);
}

/* Paging notices a Link rel=next back to a page already read (however it is spelt, and
 * also the URL a redirect started from), and follows one to a new page. */
static void test_next_page(void)
{
    struct rc_strv pages = {0};
    bool loop = true;
    struct rc_http_response r;
    rc_http_response_init(&r);
    r.url = rc_xstrdup("https://reg.example/v2/a/tags/list?n=2");
    rc_http_headers_add(&r.headers, "Link", "</v2/a/tags/list?n=2&last=b>; rel=\"next\"");
    char *next = rc_oci_next_page(&r, &pages, &loop);
    RC_ASSERT_STR(next, "https://reg.example/v2/a/tags/list?n=2&last=b");
    CU_ASSERT_FALSE(loop);
    free(next);

    /* the second page points back at the first, spelt with an explicit default port and
     * reached through a redirect */
    rc_http_response_dispose(&r);
    rc_http_response_init(&r);
    r.url = rc_xstrdup("https://cdn.example/a/tags?page=2");
    r.hops = rc_xcalloc(1, sizeof(*r.hops));
    r.hops[0].url = rc_xstrdup("https://reg.example/v2/a/tags/list?n=2&last=b");
    r.nhops = 1;
    rc_http_headers_add(&r.headers, "Link",
                        "<HTTPS://REG.EXAMPLE:443/v2/a/tags/list?n=2>; rel=\"next\"");
    CU_ASSERT_PTR_NULL(rc_oci_next_page(&r, &pages, &loop));
    CU_ASSERT(loop);

    /* the URL the redirect started from counts as read too */
    rc_http_headers_set(&r.headers, "Link",
                        "<https://reg.example/v2/a/tags/list?n=2&last=b>; rel=next");
    CU_ASSERT_PTR_NULL(rc_oci_next_page(&r, &pages, &loop));
    CU_ASSERT(loop);

    /* a page that names itself */
    rc_http_headers_set(&r.headers, "Link", "<https://cdn.example/a/tags?page=2>; rel=next");
    CU_ASSERT_PTR_NULL(rc_oci_next_page(&r, &pages, &loop));
    CU_ASSERT(loop);
    rc_http_response_dispose(&r);
    rc_strv_dispose(&pages);
}

static void test_error_codes(void)
{
    struct rc_http_response r;
    rc_http_response_init(&r);
    const char *body = "{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"x\",\"detail\":{}},"
                       "{\"code\":\"DENIED\"}]}";
    rc_buf_adds(&r.body, body);
    struct rc_strv codes = {0};
    CU_ASSERT(rc_oci_error_codes(&r, &codes));
    CU_ASSERT_EQUAL(codes.n, 2);
    RC_ASSERT_STR(codes.v[0], "UNSUPPORTED");
    rc_strv_dispose(&codes);
    rc_buf_reset(&r.body);
    rc_buf_adds(&r.body, "404 page not found\n");
    CU_ASSERT_FALSE(rc_oci_error_codes(&r, &codes));
    rc_http_response_dispose(&r);
}

static CU_TestInfo oci_tests[] = {
    {"split references", test_split_ref},
    {"name and tag grammar", test_grammar},
    {"Link rel=next", test_link_next},
    {"paging stops at a Link back to a page already read", test_next_page},
    {"error envelope", test_error_codes},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"oci", NULL, NULL, NULL, NULL, oci_tests},
    CU_SUITE_INFO_NULL,
};
