#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "json/json.h"

static struct rc_json *parse_ok(const char *text)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    int rc = rc_json_parse(&j, text, strlen(text), &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "unexpected parse error: %s\n", rc_error_msg(err));
    rc_error_free(err);
    return j;
}

/* Parses text that must be refused; returns the message (caller frees). */
static char *parse_bad_n(const char *text, size_t len)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    int rc = rc_json_parse(&j, text, len, &err);
    CU_ASSERT_EQUAL(rc, RC_EPARSE);
    CU_ASSERT_PTR_NULL(j);
    CU_ASSERT_PTR_NOT_NULL(err);
    char *msg = rc_xstrdup(rc_error_msg(err));
    rc_error_free(err);
    rc_json_free(j);
    return msg;
}

static char *parse_bad(const char *text)
{
    return parse_bad_n(text, strlen(text));
}

static void test_parse_and_getters(void)
{
    rc_auto_json struct rc_json *j = parse_ok(
        "{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\","
        " \"ok\": true, \"no\": false, \"nothing\": null, \"pi\": 3.25,"
        " \"manifests\": [{\"size\": 527}, {\"size\": 1}], \"empty\": {}, \"arr\": []}");
    CU_ASSERT_EQUAL(rc_json_type(j), RC_JSON_OBJECT);
    CU_ASSERT_EQUAL(rc_json_len(j), 9);
    int64_t i = 0;
    CU_ASSERT(rc_json_int(rc_json_get(j, "schemaVersion"), &i) && i == 2);
    RC_ASSERT_STR(rc_json_get_str(j, "mediaType"), "application/vnd.oci.image.index.v1+json");
    bool b = false;
    CU_ASSERT(rc_json_bool(rc_json_get(j, "ok"), &b) && b);
    CU_ASSERT(rc_json_bool(rc_json_get(j, "no"), &b) && !b);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_get(j, "nothing")), RC_JSON_NULL);
    CU_ASSERT_PTR_NOT_NULL(rc_json_get(j, "nothing"));
    CU_ASSERT_PTR_NULL(rc_json_get(j, "absent"));
    double d = 0;
    CU_ASSERT(rc_json_double(rc_json_get(j, "pi"), &d) && d == 3.25);
    CU_ASSERT_FALSE(rc_json_int(rc_json_get(j, "pi"), &i));
    CU_ASSERT(rc_json_double(rc_json_get(j, "schemaVersion"), &d) && d == 2.0);
    const struct rc_json *m = rc_json_get(j, "manifests");
    CU_ASSERT_EQUAL(rc_json_type(m), RC_JSON_ARRAY);
    CU_ASSERT_EQUAL(rc_json_len(m), 2);
    CU_ASSERT(rc_json_int(rc_json_get(rc_json_at(m, 0), "size"), &i) && i == 527);
    CU_ASSERT_PTR_NULL(rc_json_at(m, 2));
    RC_ASSERT_STR(rc_json_key_at(j, 1), "mediaType");
    CU_ASSERT_EQUAL(rc_json_type(rc_json_at(j, 1)), RC_JSON_STRING);
    CU_ASSERT_PTR_NULL(rc_json_key_at(m, 0));
    CU_ASSERT_EQUAL(rc_json_len(rc_json_get(j, "empty")), 0);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_get(j, "arr")), RC_JSON_ARRAY);
    /* wrong types answer "no" rather than crash */
    CU_ASSERT_PTR_NULL(rc_json_str(rc_json_get(j, "ok")));
    CU_ASSERT_PTR_NULL(rc_json_get(m, "size"));
    CU_ASSERT_EQUAL(rc_json_len(rc_json_get(j, "pi")), 0);
    CU_ASSERT_EQUAL(rc_json_type(NULL), RC_JSON_NULL);
    RC_ASSERT_STR(rc_json_type_name(RC_JSON_OBJECT), "object");
    CU_ASSERT_PTR_NULL(rc_json_duplicate_key(j));
}

static void test_strings(void)
{
    rc_auto_json struct rc_json *j = parse_ok(
        "[\"a\\u0000b\", \"\\u00e9\\u20ac\\ud83d\\ude00\", \"caf\xc3\xa9\", \"\\\"\\\\\\/\\n\"]");
    CU_ASSERT_EQUAL(rc_json_str_len(rc_json_at(j, 0)), 3);
    CU_ASSERT(memcmp(rc_json_str(rc_json_at(j, 0)), "a\0b", 3) == 0);
    RC_ASSERT_STR(rc_json_str(rc_json_at(j, 1)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    RC_ASSERT_STR(rc_json_str(rc_json_at(j, 2)), "caf\xc3\xa9");
    RC_ASSERT_STR(rc_json_str(rc_json_at(j, 3)), "\"\\/\n");
}

static void test_numbers(void)
{
    rc_auto_json struct rc_json *j =
        parse_ok("[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808,"
                 " 1.5, 1e3, -2E-2, 123456789012345678901234567890, 1e400]");
    int64_t i = 0;
    double d = 0;
    CU_ASSERT(rc_json_int(rc_json_at(j, 0), &i) && i == 0);
    CU_ASSERT(rc_json_int(rc_json_at(j, 1), &i) && i == 0);
    CU_ASSERT(rc_json_int(rc_json_at(j, 2), &i) && i == INT64_MAX);
    CU_ASSERT(rc_json_int(rc_json_at(j, 3), &i) && i == INT64_MIN);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_at(j, 4)), RC_JSON_DOUBLE);
    CU_ASSERT(rc_json_double(rc_json_at(j, 4), &d) && d == 9223372036854775808.0);
    CU_ASSERT(rc_json_double(rc_json_at(j, 5), &d) && d == 1.5);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_at(j, 6)), RC_JSON_DOUBLE);
    CU_ASSERT(rc_json_double(rc_json_at(j, 6), &d) && d == 1000.0);
    CU_ASSERT(rc_json_double(rc_json_at(j, 7), &d) && d == -0.02);
    CU_ASSERT_EQUAL(rc_json_type(rc_json_at(j, 8)), RC_JSON_DOUBLE);
    CU_ASSERT(rc_json_double(rc_json_at(j, 9), &d) && isinf(d));
    /* big numbers are written back from their source text */
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, false);
    rc_jw_tree(&w, j, false);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b), "[0,0,9223372036854775807,-9223372036854775808,"
                                  "9223372036854775808,1.5,1e3,-2E-2,"
                                  "123456789012345678901234567890,1e400]");
    rc_buf_dispose(&b);

    char *msg = parse_bad("[01]");
    free(msg);
    msg = parse_bad("[1.]");
    free(msg);
    msg = parse_bad("[-]");
    free(msg);
    msg = parse_bad("[NaN]");
    free(msg);
}

static void test_path(void)
{
    rc_auto_json struct rc_json *j =
        parse_ok("{\"errors\": [{\"code\": \"UNSUPPORTED\", \"detail\": [1, [2, 3]]}],"
                 " \"manifests\": [{}, {}, {\"annotations\": {\"org.opencontainers.x\": \"yes\","
                 " \"a[0]\": \"bracket\", \"back\\\\slash\": \"bs\"}}], \"\": {\"\": \"empty\"}}");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "errors[0].code")), "UNSUPPORTED");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "manifests[2].annotations.org\\.opencontainers\\.x")),
                  "yes");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "manifests[2].annotations.a\\[0]")), "bracket");
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, "manifests[2].annotations.back\\\\slash")), "bs");
    int64_t i = 0;
    CU_ASSERT(rc_json_int(rc_json_path(j, "errors[0].detail[1][0]"), &i) && i == 2);
    CU_ASSERT_PTR_EQUAL(rc_json_path(j, ""), j);
    RC_ASSERT_STR(rc_json_str(rc_json_path(j, ".")), "empty");
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors[1].code"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors[x]"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors[0"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors[0]code"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors.code"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "manifests[2].annotations.org.opencontainers.x"));
    CU_ASSERT_PTR_NULL(rc_json_path(j, "errors[99999999999999999999999]"));
    CU_ASSERT_PTR_NULL(rc_json_path(NULL, "a"));
    rc_auto_json struct rc_json *arr = parse_ok("[[\"x\"]]");
    RC_ASSERT_STR(rc_json_str(rc_json_path(arr, "[0][0]")), "x");
}

static void test_duplicates(void)
{
    rc_auto_json struct rc_json *j =
        parse_ok("{\"a\": {\"x\": 1, \"b\": 1, \"b\": 2}, \"c\": [{\"k.k\": 1, \"k.k\": 2}]}");
    RC_ASSERT_STR(rc_json_duplicate_key(j), "a.b");
    int64_t i = 0;
    CU_ASSERT(rc_json_int(rc_json_path(j, "a.b"), &i) && i == 1); /* first wins */
    CU_ASSERT_EQUAL(rc_json_len(rc_json_get(j, "a")), 3);         /* both are kept */
    rc_auto_json struct rc_json *k = parse_ok("{\"c\": [0, {\"k.k\": 1, \"k.k\": 2}]}");
    RC_ASSERT_STR(rc_json_duplicate_key(k), "c[1].k\\.k");
    rc_auto_json struct rc_json *t = parse_ok("{\"tag\": 1, \"z\": 0, \"tag\": 2}");
    RC_ASSERT_STR(rc_json_duplicate_key(t), "tag");
    rc_auto_json struct rc_json *n = parse_ok("{\"a\\u0000\": 1, \"a\": 2}");
    CU_ASSERT_PTR_NULL(rc_json_duplicate_key(n)); /* keys differ after the NUL */
}

static void test_rejects(void)
{
    struct {
        const char *text;
        size_t len;
        const char *want; /* substring of the message */
    } cases[] = {
        {"{\"a\": 1} // trailing", 0, "trailing garbage"},
        {"/* c */ {}", 0, "comment"},
        {"{\"a\": 1} x", 0, "at byte"},
        {"{\"a\": 1}{}", 0, "trailing garbage"},
        {"", 0, "at byte 0"},
        {"   ", 0, "premature EOF"},
        {"{\"a\": ", 0, "premature EOF"},
        {"{'a': 1}", 0, "at byte 1"},
        {"[1,]", 0, "at byte"},
        {"{\"a\" 1}", 0, "at byte"},
        {"[\"\xc3\x28\"]", 0, "at byte 2: malformed UTF-8"},
        {"[\"\xc0\xaf\"]", 0, "malformed UTF-8"},         /* overlong '/' */
        {"[\"\xed\xa0\x80\"]", 0, "malformed UTF-8"},     /* encoded surrogate */
        {"[\"\xf4\x90\x80\x80\"]", 0, "malformed UTF-8"}, /* past U+10FFFF */
        {"[\"\xe2\x82\"]", 0, "malformed UTF-8"},         /* cut short */
        {"[\"\\udc00\"]", 0, "surrogate"},
        {"{\"\\udc00\": 1}", 0, "surrogate"},
        {"[\"a\nb\"]", 0, "at byte"}, /* raw control character */
        {"[1]\0[2]", 7, "at byte 3"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        char *msg = parse_bad_n(cases[i].text, len);
        if (!strstr(msg, cases[i].want))
            fprintf(stderr, "case %zu: message '%s' lacks '%s'\n", i, msg, cases[i].want);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, cases[i].want));
        CU_ASSERT(rc_str_starts(msg, "invalid JSON at byte "));
        free(msg);
    }
}

static char *nested(int depth, bool objects)
{
    struct rc_buf b = RC_BUF_INIT(0);
    for (int i = 0; i < depth; i++)
        rc_buf_adds(&b, objects ? "{\"k\":" : "[");
    rc_buf_adds(&b, "1");
    for (int i = 0; i < depth; i++)
        rc_buf_adds(&b, objects ? "}" : "]");
    return rc_buf_steal(&b, NULL);
}

static void test_depth(void)
{
    char *ok = nested(64, false);
    struct rc_json *j = parse_ok(ok);
    CU_ASSERT_PTR_NOT_NULL(j);
    rc_json_free(j);
    free(ok);
    char *okobj = nested(64, true);
    j = parse_ok(okobj);
    rc_json_free(j);
    free(okobj);
    char *deep = nested(65, false);
    char *msg = parse_bad(deep);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "deeper than 64"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "at byte 64"));
    free(msg);
    free(deep);
    char *huge = nested(100000, true);
    msg = parse_bad(huge);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "deeper than 64"));
    free(msg);
    free(huge);
}

static char *write_str(const char *s, size_t len)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, false);
    rc_jw_strn(&w, s, len);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    return rc_buf_steal(&b, NULL);
}

static void test_writer_escaping(void)
{
    static const char in[] = "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80\0end";
    size_t len = sizeof(in) - 1;
    char *out = write_str(in, len);
    RC_ASSERT_STR(out, "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f caf\xc3\xa9 "
                       "\xf0\x9f\x98\x80\\u0000end\"");
    /* round trip through the parser gives the same bytes back */
    rc_auto_json struct rc_json *j = parse_ok(out);
    CU_ASSERT_EQUAL(rc_json_str_len(j), len);
    CU_ASSERT(memcmp(rc_json_str(j), in, len) == 0);
    free(out);
    /* bytes that are not UTF-8 become U+FFFD: the output always parses */
    out = write_str("a\xff"
                    "b\xc3",
                    4);
    RC_ASSERT_STR(out, "\"a\xef\xbf\xbd"
                       "b\xef\xbf\xbd\"");
    free(out);
}

static void test_writer_pretty(void)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, true);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "name", "x");
    rc_jw_kint(&w, "n", -3);
    rc_jw_key(&w, "list");
    rc_jw_arr_begin(&w);
    rc_jw_uint(&w, UINT64_MAX);
    rc_jw_double(&w, 0.1);
    rc_jw_double(&w, 2.0);
    rc_jw_null(&w);
    rc_jw_arr_end(&w);
    rc_jw_key(&w, "empty");
    rc_jw_obj_begin(&w);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "none");
    rc_jw_arr_begin(&w);
    rc_jw_arr_end(&w);
    rc_jw_kbool(&w, "ok", true);
    rc_jw_obj_end(&w);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b), "{\n"
                                  "  \"name\": \"x\",\n"
                                  "  \"n\": -3,\n"
                                  "  \"list\": [\n"
                                  "    18446744073709551615,\n"
                                  "    0.1,\n"
                                  "    2.0,\n"
                                  "    null\n"
                                  "  ],\n"
                                  "  \"empty\": {},\n"
                                  "  \"none\": [],\n"
                                  "  \"ok\": true\n"
                                  "}\n");
    rc_buf_reset(&b);
    rc_jw_init(&w, &b, false);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "a", NULL);
    rc_jw_key(&w, "b");
    rc_jw_arr_begin(&w);
    rc_jw_int(&w, 1);
    rc_jw_str(&w, "2");
    rc_jw_arr_end(&w);
    rc_jw_obj_end(&w);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b), "{\"a\":null,\"b\":[1,\"2\"]}");
    rc_buf_dispose(&b);
}

static void test_canonical(void)
{
    rc_auto_json struct rc_json *j =
        parse_ok("{\"schemaVersion\": 2, \"layers\": [{\"size\": 5, \"mediaType\": \"m\","
                 " \"digest\": \"d\"}], \"config\": {\"size\": 2, \"digest\": \"c\"},"
                 " \"annotations\": {\"\xc3\xa9\": 1, \"z\": 2, \"Z\": 3, \"a\": 4, \"ab\": 5}}");
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, false);
    rc_jw_tree(&w, j, true);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b),
                  "{\"annotations\":{\"Z\":3,\"a\":4,\"ab\":5,\"z\":2,\"\xc3\xa9\":1},"
                  "\"config\":{\"digest\":\"c\",\"size\":2},"
                  "\"layers\":[{\"digest\":\"d\",\"mediaType\":\"m\",\"size\":5}],"
                  "\"schemaVersion\":2}");
    /* without sorting the document order is kept */
    rc_buf_reset(&b);
    rc_jw_init(&w, &b, false);
    rc_jw_tree(&w, rc_json_get(j, "config"), false);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b), "{\"size\":2,\"digest\":\"c\"}");
    rc_buf_dispose(&b);
}

static void test_sticky_error(void)
{
    struct rc_buf b = RC_BUF_INIT(16);
    struct rc_jw w;
    rc_jw_init(&w, &b, false);
    rc_jw_arr_begin(&w);
    rc_jw_str(&w, "0123456789");
    rc_jw_str(&w, "too long for the cap");
    CU_ASSERT_EQUAL(w.err, RC_ELIMIT);
    size_t len = b.len;
    rc_jw_str(&w, "x"); /* no-op after the first error */
    rc_jw_arr_end(&w);
    CU_ASSERT_EQUAL(b.len, len);
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_jw_finish(&w, &err), RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "larger than 16 bytes"));
    rc_error_free(err);
    rc_buf_dispose(&b);

    /* misuse is an error too, reported once at the end */
    struct rc_buf u = RC_BUF_INIT(0);
    const int cases = 6;
    for (int c = 0; c < cases; c++) {
        rc_buf_reset(&u);
        rc_jw_init(&w, &u, false);
        switch (c) {
        case 0: /* unbalanced */
            rc_jw_obj_begin(&w);
            break;
        case 1: /* closing what was never opened */
            rc_jw_arr_end(&w);
            break;
        case 2: /* key outside an object */
            rc_jw_key(&w, "k");
            break;
        case 3: /* key without value */
            rc_jw_obj_begin(&w);
            rc_jw_key(&w, "k");
            rc_jw_obj_end(&w);
            break;
        case 4: /* two top-level values */
            rc_jw_int(&w, 1);
            rc_jw_int(&w, 2);
            break;
        default: /* not representable in JSON */
            rc_jw_double(&w, NAN);
            break;
        }
        err = NULL;
        CU_ASSERT_EQUAL(rc_jw_finish(&w, &err), RC_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(err);
        rc_error_free(err);
    }
    /* nesting past the writer's stack */
    rc_buf_reset(&u);
    rc_jw_init(&w, &u, false);
    for (int i = 0; i < 70; i++)
        rc_jw_arr_begin(&w);
    err = NULL;
    CU_ASSERT_EQUAL(rc_jw_finish(&w, &err), RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(rc_error_msg(err), "nesting"));
    rc_error_free(err);
    rc_buf_dispose(&u);
}

static void test_roundtrip_pretty(void)
{
    const char *doc = "{\n"
                      "  \"a\": [\n"
                      "    1,\n"
                      "    {\n"
                      "      \"b\": \"\\u0007\"\n"
                      "    }\n"
                      "  ],\n"
                      "  \"c\": -1.25e-7\n"
                      "}\n";
    rc_auto_json struct rc_json *j = parse_ok(doc);
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, true);
    rc_jw_tree(&w, j, false);
    CU_ASSERT_EQUAL(rc_jw_finish(&w, NULL), 0);
    RC_ASSERT_STR(rc_buf_str(&b), doc);
    rc_buf_dispose(&b);
}

static CU_TestInfo json_tests[] = {
    {"parse and getters", test_parse_and_getters},
    {"strings and escapes", test_strings},
    {"numbers", test_numbers},
    {"path lookup", test_path},
    {"duplicate keys", test_duplicates},
    {"rejected input", test_rejects},
    {"nesting depth", test_depth},
    {"writer escaping", test_writer_escaping},
    {"writer pretty", test_writer_pretty},
    {"canonical output", test_canonical},
    {"sticky error", test_sticky_error},
    {"pretty round trip", test_roundtrip_pretty},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"json", NULL, NULL, NULL, NULL, json_tests},
    CU_SUITE_INFO_NULL,
};
