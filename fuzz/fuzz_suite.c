/* fuzz target "suite": suite files (suites/NAME.yaml), the data users add checks with.
 *
 * Input: any bytes, loaded as the only suite of a suites directory (so the checks across
 * suites, unique ids and `needs`, run as well). Properties: the load fails exactly when it
 * reports problems; every problem names the file; a loaded suite has scenarios with ids. */
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "suite/suite.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = rc_fuzz_write_temp("fuzz.yaml", data, size);
    struct rc_suite *v = NULL;
    size_t n = 0;
    struct rc_strv problems = {0};
    int rc = rc_suite_load_dir(&v, &n, rc_fuzz_temp_dir(), &problems);
    RC_FUZZ_CHECK((rc == 0) == (problems.n == 0));
    for (size_t i = 0; i < problems.n; i++) {
        bool named = strstr(problems.v[i], "fuzz.yaml") != NULL;
        if (!named)
            fprintf(stderr, "problem without its file: %s\n", problems.v[i]);
        RC_FUZZ_CHECK(named);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t k = 0; k < v[i].nscenarios; k++) {
            const struct rc_scenario *sc = &v[i].scenarios[k];
            RC_FUZZ_CHECK(sc->id && *sc->id);
            for (size_t s = 0; s < sc->nsteps; s++)
                (void)rc_step_str(&sc->steps[s], "ref");
        }
    }
    rc_suites_free(v, n);
    rc_strv_dispose(&problems);
    free(path);
    return 0;
}
