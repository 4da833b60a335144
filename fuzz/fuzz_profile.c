/* fuzz target "profile": registry profiles (registries.d/ID.yaml), which users write by hand
 * and CI recipes generate; the loader must report, never crash.
 *
 * Input: any bytes, loaded as the profile file "fuzz.yaml" (the loader reads files; the
 * target writes each input to a private temporary directory). Properties: the load fails
 * exactly when it reports problems, and every problem starts with "<file>:<line>: ". */
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "profile/profile.h"

#include "base/banned.h"

static void check_problems(const struct rc_strv *problems, const char *path, int rc)
{
    RC_FUZZ_CHECK((rc == 0) == (problems->n == 0));
    size_t plen = strlen(path);
    for (size_t i = 0; i < problems->n; i++) {
        const char *p = problems->v[i];
        bool located = strncmp(p, path, plen) == 0 && p[plen] == ':' && p[plen + 1] >= '0' &&
                       p[plen + 1] <= '9';
        if (!located)
            fprintf(stderr, "problem without file:line: %s\n", p);
        RC_FUZZ_CHECK(located);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = rc_fuzz_write_temp("fuzz.yaml", data, size);
    struct rc_profile p;
    struct rc_strv problems = {0};
    int rc = rc_profile_load(&p, path, &problems);
    check_problems(&problems, path, rc);
    if (rc == 0) {
        free(rc_profile_repository(&p, "20260101-000000-abcd", "policy.push"));
        free(rc_profile_host(&p));
        (void)rc_profile_expectation(&p, "policy.push");
        for (size_t i = 0; i < p.nexpect; i++)
            (void)rc_profile_expectation_expired(&p.expect[i], "2026-01-01");
    }
    rc_profile_dispose(&p);
    rc_strv_dispose(&problems);
    free(path);
    return 0;
}
