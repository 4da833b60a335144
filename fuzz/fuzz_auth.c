/* fuzz target "auth": WWW-Authenticate challenges and token scopes, the text a registry (or an
 * attacker posing as one) controls before any credential is sent.
 *
 * Input: header lines. The whole input is parsed as one WWW-Authenticate value and each line
 * as one header of a response. Properties: schemes and parameter names come back lower-cased
 * and non-empty; a normalised scope normalises to itself; a scope set prints the same after a
 * second pass; Basic's base64 decodes back to what was encoded. */
#include <string.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "base/base.h"
#include "fuzz.h"
#include "http/http.h"

#include "base/banned.h"

static bool lower_nonempty(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return false;
    return true;
}

static void check_scope(const char *scope)
{
    char *n1 = rc_auth_scope_normalize(scope);
    if (!n1)
        return;
    char *n2 = rc_auth_scope_normalize(n1);
    RC_FUZZ_CHECK(n2 && strcmp(n1, n2) == 0);
    free(n2);
    free(n1);
}

static void check_challenges(const struct rc_auth_challenge *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        RC_FUZZ_CHECK(lower_nonempty(c[i].scheme));
        for (size_t k = 0; k < c[i].nparams; k++) {
            RC_FUZZ_CHECK(lower_nonempty(c[i].params[k].name));
            RC_FUZZ_CHECK(c[i].params[k].value != NULL);
            RC_FUZZ_CHECK(rc_auth_challenge_param(&c[i], c[i].params[k].name) != NULL);
        }
        const char *scope = rc_auth_challenge_param(&c[i], "scope");
        if (scope) {
            check_scope(scope);
            struct rc_auth_scopeset set = {0};
            rc_auth_scopeset_add_list(&set, scope);
            char *once = rc_auth_scopeset_join(&set, " ");
            for (size_t k = 0; k < set.n; k++)
                free(rc_auth_scopeset_item(&set, k));
            struct rc_auth_scopeset again = {0};
            rc_auth_scopeset_add_list(&again, once);
            char *twice = rc_auth_scopeset_join(&again, " ");
            RC_FUZZ_CHECK(strcmp(once, twice) == 0);
            free(once);
            free(twice);
            rc_auth_scopeset_dispose(&again);
            rc_auth_scopeset_dispose(&set);
        }
    }
    const struct rc_auth_challenge *b = rc_auth_find_challenge(c, n, "Bearer");
    RC_FUZZ_CHECK(!b || strcmp(b->scheme, "bearer") == 0);
}

static void check_base64(const uint8_t *data, size_t size)
{
    char *enc = rc_auth_base64_encode(data, size);
    size_t len = 0;
    char *dec = rc_auth_base64_decode(enc, &len);
    RC_FUZZ_CHECK(dec && len == size && memcmp(dec, data, size) == 0);
    free(dec);
    free(enc);
    /* and decoding arbitrary text must not read past it */
    char *text = rc_fuzz_cstr(data, size);
    free(rc_auth_base64_decode(text, &len));
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = rc_fuzz_cstr(data, size);

    struct rc_auth_challenge *c = NULL;
    size_t n = 0;
    struct rc_error *err = NULL;
    if (rc_auth_parse_challenges(value, &c, &n, &err) == 0)
        check_challenges(c, n);
    rc_auth_challenges_free(c, n);
    rc_error_free(err);
    err = NULL;

    struct rc_http_headers h = {0};
    char *save = NULL;
    for (char *line = strtok_r(value, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
        rc_http_headers_add(&h, "WWW-Authenticate", line);
    c = NULL;
    n = 0;
    if (rc_auth_parse_headers(&h, &c, &n, &err) == 0)
        check_challenges(c, n);
    rc_auth_challenges_free(c, n);
    rc_error_free(err);
    rc_http_headers_dispose(&h);

    check_scope(value);
    free(value);
    check_base64(data, size);
    return 0;
}
