/* runner unit tests: the scheduler against a scripted registry on a loopback socket (only
 * the ping is answered; the scenarios here send nothing). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cu.h"
#include "fake_peer.h"
#include "profile/profile.h"
#include "runner/runner.h"
#include "suite/suite.h"

#include "base/banned.h"

static struct rc_scenario scenario(const char *id, const char *need)
{
    struct rc_scenario sc = {
        .id = rc_xstrdup(id),
        .suite = rc_xstrdup("stuck"),
        .feature = rc_xstrdup("Stuck"),
        .title = rc_xstrdup(id),
        .file = rc_xstrdup("stuck.yaml"),
        .line = 1,
    };
    if (need)
        rc_strv_push(&sc.needs, need);
    return sc;
}

static const struct rc_check_result *check(const struct rc_results *r, const char *id)
{
    for (size_t i = 0; i < r->registries[0].nchecks; i++)
        if (rc_str_eq(r->registries[0].checks[i].id, id))
            return &r->registries[0].checks[i];
    return NULL;
}

/* A `needs` cycle that got past the loader (suites built in memory) cannot hold the run: when
 * nothing is pending that could start and nothing runs, the pool ends and the scenarios of
 * the cycle are `skip`, saying why; the others run. Without that, this test never ends (the
 * ctest timeout is the safety net). */
static void test_needs_cycle_ends(void)
{
    struct fake f = {.script = {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                "Connection: close\r\n\r\n{}"},
                     .nscript = 1};
    fake_listen(&f);
    fake_run(&f);
    unsetenv("REGCOMPAT_USERNAME");
    unsetenv("REGCOMPAT_PASSWORD");
    setenv("DOCKER_CONFIG", "/nonexistent/regcompat-test", 1);
    char *url = fake_url(&f, "");
    struct rc_profile p;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL_FATAL(rc_profile_from_url(&p, url, &err), 0);
    p.limits.concurrency = 2; /* two workers, both must leave the pool */

    struct rc_suite s = {.name = rc_xstrdup("stuck")};
    s.scenarios = rc_xcalloc(3, sizeof(*s.scenarios));
    s.scenarios[s.nscenarios++] = scenario("stuck.a", "stuck.b");
    s.scenarios[s.nscenarios++] = scenario("stuck.b", "stuck.a");
    s.scenarios[s.nscenarios++] = scenario("stuck.free", NULL);

    struct rc_run_opts ro = {.profiles = &p, .nprofiles = 1, .suites = &s, .nsuites = 1, .jobs = 1};
    struct rc_results res;
    CU_ASSERT_EQUAL_FATAL(rc_runner_run(&res, &ro, &err), 0);
    CU_ASSERT_EQUAL_FATAL(res.nregistries, 1);
    CU_ASSERT_EQUAL(res.registries[0].nchecks, 3);
    const struct rc_check_result *a = check(&res, "stuck.a"), *b = check(&res, "stuck.b"),
                                 *free_sc = check(&res, "stuck.free");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(free_sc);
    CU_ASSERT_EQUAL(a->status, RC_ST_SKIP);
    CU_ASSERT_EQUAL(b->status, RC_ST_SKIP);
    CU_ASSERT_PTR_NOT_NULL(a->reason && strstr(a->reason, "wait on each other"));
    CU_ASSERT_PTR_NOT_NULL(b->reason && strstr(b->reason, "stuck.a"));
    CU_ASSERT_EQUAL(free_sc->status, RC_ST_PASS);
    CU_ASSERT_FALSE(res.interrupted);

    rc_results_dispose(&res);
    rc_suite_dispose(&s);
    rc_profile_dispose(&p);
    rc_error_free(err);
    fake_stop(&f);
    for (size_t i = 0; i < f.nreq; i++)
        free(f.requests[i]);
    free(url);
}

static CU_TestInfo pool_tests[] = {
    {"a needs cycle ends the pool", test_needs_cycle_ends},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"runner-pool (loopback registry)", NULL, NULL, NULL, NULL, pool_tests},
    CU_SUITE_INFO_NULL,
};
