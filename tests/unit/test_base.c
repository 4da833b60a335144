#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "digest/digest.h"

static void test_buf_cap(void)
{
    struct rc_buf b = RC_BUF_INIT(8);
    CU_ASSERT_EQUAL(rc_buf_adds(&b, "12345678"), 0);
    CU_ASSERT_EQUAL(rc_buf_adds(&b, "9"), RC_ELIMIT);
    CU_ASSERT_EQUAL(b.len, 8);
    RC_ASSERT_STR(rc_buf_str(&b), "12345678");
    rc_buf_dispose(&b);
    struct rc_buf u = RC_BUF_INIT(0);
    for (int i = 0; i < 1000; i++)
        rc_buf_addf(&u, "%d,", i);
    CU_ASSERT(rc_str_starts(rc_buf_str(&u), "0,1,2,"));
    rc_buf_dispose(&u);
}

static void test_error_prefix(void)
{
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_error_set(&err, RC_EINVAL, "bad %s", "key"), RC_EINVAL);
    rc_error_set(&err, RC_EIO, "second is ignored");
    rc_error_prefix(&err, "loading %s", "x.yaml");
    RC_ASSERT_STR(rc_error_msg(err), "loading x.yaml: bad key");
    CU_ASSERT_EQUAL(err->code, RC_EINVAL);
    rc_error_free(err);
}

static void test_parse_size(void)
{
    uint64_t v = 0;
    CU_ASSERT(rc_parse_size("9MiB", &v) && v == 9u * 1024 * 1024);
    CU_ASSERT(rc_parse_size("64k", &v) && v == 65536);
    CU_ASSERT(rc_parse_size("1 GiB", &v) && v == 1024ull * 1024 * 1024);
    CU_ASSERT(rc_parse_size("12", &v) && v == 12);
    CU_ASSERT_FALSE(rc_parse_size("12 parsecs", &v));
    CU_ASSERT_FALSE(rc_parse_size("-1", &v));
    int64_t i = 0;
    CU_ASSERT(rc_parse_i64("-42", &i) && i == -42);
    CU_ASSERT_FALSE(rc_parse_i64("42x", &i));
    CU_ASSERT_FALSE(rc_parse_i64("", &i));
}

static void test_glob(void)
{
    CU_ASSERT(rc_glob_match("policy.*", "policy.push"));
    CU_ASSERT(rc_glob_match("*", "x"));
    CU_ASSERT(rc_glob_match("p?l*.pu*", "policy.push"));
    CU_ASSERT_FALSE(rc_glob_match("referrers.*", "policy.push"));
    CU_ASSERT_FALSE(rc_glob_match("policy", "policy.push"));
}

static void test_redact(void)
{
    char *u = rc_redact_url("https://user:hunter22@s3.example/b/o?X-Amz-Signature=abc&x=1&sig=zz");
    RC_ASSERT_STR(u, "https://user:***@s3.example/b/o?X-Amz-Signature=***&x=1&sig=***");
    free(u);
    char *h = rc_redact_header("Authorization", "Bearer eyJhbGciOi.x.y");
    RC_ASSERT_STR(h, "Bearer ***");
    free(h);
    h = rc_redact_header("content-type", "application/json");
    RC_ASSERT_STR(h, "application/json");
    free(h);
    rc_redact_add_secret("s3cr3t-pass");
    char *t = rc_redact_text("login failed for s3cr3t-pass, s3cr3t-pass!");
    RC_ASSERT_STR(t, "login failed for ***, ***!");
    free(t);
    rc_redact_clear_secrets();
}

/* A URL written in free text (a log line, an error, a body) is redacted like a URL: the
 * password of its user info and the values of signature-like parameters, relative URLs and
 * percent-encoded parameter names included; other text is left alone. */
static void test_redact_urls_in_text(void)
{
    const char *cases[][2] = {
        {"retrying GET http://s3.example/b?X-Amz-Signature=abc123&x=1 in 100 ms",
         "retrying GET http://s3.example/b?X-Amz-Signature=***&x=1 in 100 ms"},
        {"PATCH /v2/r/blobs/uploads/u?_state=c2VjcmV0&digest=sha256%3aab -> 202",
         "PATCH /v2/r/blobs/uploads/u?_state=***&digest=sha256%3aab -> 202"},
        {"--url https://alice:pa55word@reg.example: not allowed",
         "--url https://alice:***@reg.example: not allowed"},
        {"<a href=\"https://cdn.example/o?sig=zz9\">",
         "<a href=\"https://cdn.example/o?sig=***\">"},
        {"callback #access_token=tok-1&state=2", "callback #access_token=***&state=2"},
        {"u?X%2DAmz%2DSignature=abc", "u?X%2DAmz%2DSignature=***"},
        {"mail alice@example.org: see http://example.org/a?b=1", "mail alice@example.org: see "
                                                                 "http://example.org/a?b=1"},
        {"scope=repository:x:pull&service=reg", "scope=repository:x:pull&service=reg"},
        {"no url here: a=b&c", "no url here: a=b&c"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        char *t = rc_redact_text(cases[i][0]);
        RC_ASSERT_STR(t, cases[i][1]);
        free(t);
    }
    char *u = rc_redact_url("https://cdn.example/o?a=1#token=frag-secret");
    RC_ASSERT_STR(u, "https://cdn.example/o?a=1#token=***");
    free(u);
}

/* A token endpoint's answer keeps its shape, loses its token values (any order, spacing,
 * escapes, a body cut short) and teaches redaction those values before anyone sees them. */
static void test_redact_token_answer(void)
{
    const char *cases[][2] = {
        {"{\"token\":\"t-one-111\",\"access_token\":\"t-one-111\",\"expires_in\":300}",
         "{\"token\":\"***\",\"access_token\":\"***\",\"expires_in\":300}"},
        {"{ \"expires_in\" : 60 ,\n \"ACCESS_TOKEN\" :\t\"t-two-222\", \"refresh_token\": "
         "\"r-two-333\"}",
         "{ \"expires_in\" : 60 ,\n \"ACCESS_TOKEN\" :\t\"***\", \"refresh_token\": \"***\"}"},
        {"{\"issued_at\":\"token\",\"id_token\":\"i-th\\\"ree-444\"}",
         "{\"issued_at\":\"token\",\"id_token\":\"***\"}"},
        {"{\"token\":\"t-cut-5555", "{\"token\":\"***"},
        {"{\"scope\":\"token\"}", "{\"scope\":\"token\"}"},
        {"not json at all", "not json at all"},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(cases); i++) {
        size_t n = 0;
        char *t = rc_redact_token_answer(cases[i][0], strlen(cases[i][0]), &n);
        RC_ASSERT_STR(t, cases[i][1]);
        CU_ASSERT_EQUAL(n, strlen(cases[i][1]));
        free(t);
    }
    char *t =
        rc_redact_text("t-one-111 t-two-222 r-two-333 i-th\"ree-444 i-th\\\"ree-444 t-cut-5555");
    RC_ASSERT_STR(t, "*** *** *** *** *** ***");
    free(t);
    rc_redact_clear_secrets();
}

/* A resumable hasher saved after whole 64-byte blocks and resumed elsewhere gives the digest
 * of the whole input, at every split and for tails of every length; it cannot be saved
 * between blocks, and an ordinary hasher cannot be saved at all. */
static void test_digest_resume(void)
{
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 131 + 7);
    static const size_t splits[] = {0, 64, 128, 640, 960};
    static const size_t ends[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 999};
    for (size_t si = 0; si < RC_ARRAY_LEN(splits); si++) {
        for (size_t ei = 0; ei < RC_ARRAY_LEN(ends); ei++) {
            size_t split = splits[si], end = splits[si] + ends[ei];
            if (end > sizeof(data))
                continue;
            char want[RC_DIGEST_MAX], got[RC_DIGEST_MAX];
            rc_digest_bytes(RC_DIGEST_SHA256, data, end, want);
            struct rc_hasher *a = rc_hasher_new_resumable(NULL);
            /* in two pieces, so that OpenSSL's partial-block buffer is used on the way */
            rc_hasher_update(a, data, split / 2 + 3 > split ? split : split / 2 + 3);
            if (split > split / 2 + 3)
                rc_hasher_update(a, data + split / 2 + 3, split - (split / 2 + 3));
            struct rc_sha256_mid mid;
            CU_ASSERT_FATAL(rc_hasher_save(a, &mid));
            CU_ASSERT_EQUAL(mid.len, split);
            rc_hasher_free(a);
            struct rc_hasher *b = rc_hasher_new_resumable(&mid);
            rc_hasher_update(b, data + split, end - split);
            rc_hasher_final(b, got);
            rc_hasher_free(b);
            RC_ASSERT_STR(got, want);
        }
    }
    struct rc_hasher *h = rc_hasher_new_resumable(NULL);
    rc_hasher_update(h, data, 65);
    struct rc_sha256_mid mid;
    CU_ASSERT_FALSE(rc_hasher_save(h, &mid));
    rc_hasher_free(h);
    h = rc_hasher_new(RC_DIGEST_SHA256);
    rc_hasher_update(h, data, 64);
    CU_ASSERT_FALSE(rc_hasher_save(h, &mid));
    rc_hasher_free(h);
}

static void test_digest(void)
{
    char d[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, "{}", 2, d);
    RC_ASSERT_STR(d, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    struct rc_hasher *h = rc_hasher_new(RC_DIGEST_SHA256);
    rc_hasher_update(h, "{", 1);
    rc_hasher_update(h, "}", 1);
    char d2[RC_DIGEST_MAX];
    rc_hasher_final(h, d2);
    RC_ASSERT_STR(d2, d);
    rc_hasher_free(h);
    CU_ASSERT(rc_digest_valid(d));
    CU_ASSERT_FALSE(rc_digest_valid("sha256:abc"));
    CU_ASSERT_FALSE(
        rc_digest_valid("sha256:44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A"));
    CU_ASSERT(rc_digest_valid("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"));
    CU_ASSERT_FALSE(rc_digest_valid("md5"));
    CU_ASSERT_FALSE(rc_digest_valid(":abc"));
    char *tag = rc_digest_to_tag(d);
    RC_ASSERT_STR(tag, "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    free(tag);
    enum rc_digest_alg alg;
    CU_ASSERT(rc_digest_parse(d, &alg) && alg == RC_DIGEST_SHA256);
}

static void test_find_var(void)
{
    const char *s = "{\"a\":{}, \"d\":\"{b.digest}\", \"x\":{repo}}", *st, *en;
    CU_ASSERT(rc_find_var(s, &st, &en));
    CU_ASSERT_NSTRING_EQUAL(st, "{b.digest}", (size_t)(en - st));
    CU_ASSERT(rc_find_var(en, &st, &en));
    CU_ASSERT_NSTRING_EQUAL(st, "{repo}", (size_t)(en - st));
    CU_ASSERT_FALSE(rc_find_var(en, &st, &en));
    CU_ASSERT_FALSE(rc_find_var("{a.b.c} {} {\"k\"}", &st, &en));
}

static char *printable(const char *s, bool keep_newlines)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    rc_buf_add_printable(&b, s, keep_newlines);
    return rc_buf_steal(&b, NULL);
}

/* Text from a registry shown on a terminal or in the log: no control character survives
 * (ESC, BEL, CR, the C1 CSI, DEL), nor malformed UTF-8; other text is left alone. */
static void test_printable(void)
{
    const char *evil = "\x1b]0;owned\x07\x1b[2J\xc2\x9b"
                       "31m\x7f\xff ok \xc3\xa9\tx\r\ny";
    char *line = printable(evil, false), *log = printable(evil, true);
#define R "\xEF\xBF\xBD"
    RC_ASSERT_STR(line, R "]0;owned" R R "[2J" R "31m" R R " ok \xc3\xa9 x  y");
    RC_ASSERT_STR(log, R "]0;owned" R R "[2J" R "31m" R R " ok \xc3\xa9\tx" R "\ny");
#undef R
    free(line);
    free(log);
}

static char *slurp(const char *path)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    rc_buf_add(&b, "", 0);
    if (rc_buf_read_file(&b, path, &err) < 0)
        rc_buf_adds(&b, "(unreadable)");
    rc_error_free(err);
    return rc_buf_steal(&b, NULL);
}

/* Files regcompat writes into a folder someone else may have prepared (the report folder)
 * replace what is there: a planted symlink at the log's path or at a report's temporary
 * name is removed, its target left as it was. */
static void test_files_replace_symlinks(void)
{
    char dir[] = "/tmp/regcompat-test-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char *victim = rc_fmt("%s/victim", dir), *log = rc_fmt("%s/regcompat.log", dir);
    char *report = rc_fmt("%s/results.json", dir);
    char *tmp = rc_fmt("%s.tmp.%ld", report, (long)getpid());
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_write_file(victim, "precious", 8, &err), 0);
    CU_ASSERT_EQUAL(symlink(victim, log), 0);
    CU_ASSERT_EQUAL(symlink(victim, tmp), 0);

    CU_ASSERT_EQUAL(rc_log_open(log, RC_LOG_INFO, &err), 0);
    rc_log(RC_LOG_INFO, "a line");
    rc_log_close();
    CU_ASSERT_EQUAL(rc_write_file(report, "{}", 2, &err), 0);
    CU_ASSERT_PTR_NULL(err);

    char *v = slurp(victim), *l = slurp(log), *r = slurp(report);
    RC_ASSERT_STR(v, "precious");
    CU_ASSERT_PTR_NOT_NULL(strstr(l, "a line"));
    RC_ASSERT_STR(r, "{}");
    CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0); /* renamed into place */
    free(v);
    free(l);
    free(r);
    rc_error_free(err);
    unlink(log);
    unlink(report);
    unlink(tmp);
    unlink(victim);
    rmdir(dir);
    free(victim);
    free(log);
    free(report);
    free(tmp);
}

static CU_TestInfo base_tests[] = {
    {"variables in text", test_find_var},
    {"capped buffer", test_buf_cap},
    {"error context", test_error_prefix},
    {"sizes and integers", test_parse_size},
    {"glob", test_glob},
    {"redaction", test_redact},
    {"redaction of URLs in text", test_redact_urls_in_text},
    {"redaction of token answers", test_redact_token_answer},
    {"digest", test_digest},
    {"digest resumed from a saved state", test_digest_resume},
    {"files replace planted symlinks", test_files_replace_symlinks},
    {"printable text", test_printable},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"base", NULL, NULL, NULL, NULL, base_tests},
    CU_SUITE_INFO_NULL,
};
