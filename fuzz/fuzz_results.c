/* fuzz target "results": results.json read back by `report merge` and `report diff`, files that
 * come from CI shards and older versions and so are input like any other.
 *
 * Input: any bytes, read as results.json. Property, when it is accepted: writing it out and
 * reading that back gives the same document (the reader and the writer agree), and the stable
 * form is a fixed point too. */
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "results/results.h"

#include "base/banned.h"

static char *write_results(const struct rc_results *r, bool stable)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_error *err = NULL;
    RC_FUZZ_CHECK(rc_results_to_json_opts(r, &b, stable, &err) == 0);
    return rc_buf_steal(&b, NULL);
}

static void round_trip(const char *text, bool stable)
{
    struct rc_results r2;
    struct rc_error *err = NULL;
    int rc = rc_results_from_json(&r2, text, strlen(text), &err);
    if (rc != 0)
        fprintf(stderr, "our own results.json is refused: %s\n%s\n", rc_error_msg(err), text);
    RC_FUZZ_CHECK(rc == 0);
    char *again = write_results(&r2, stable);
    if (strcmp(text, again) != 0)
        fprintf(stderr, "results.json changes when read back:\n%s\n---\n%s\n", text, again);
    RC_FUZZ_CHECK(strcmp(text, again) == 0);
    free(again);
    rc_results_dispose(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rc_results r;
    struct rc_error *err = NULL;
    if (rc_results_from_json(&r, (const char *)data, size, &err) < 0) {
        rc_error_free(err); /* r was disposed by the reader */
        return 0;
    }
    unsigned counts[RC_ST__COUNT];
    rc_results_count(&r, counts);
    (void)rc_results_exit_code(&r, true);
    for (int stable = 0; stable < 2; stable++) {
        char *text = write_results(&r, stable);
        round_trip(text, stable);
        free(text);
    }
    rc_results_sort(&r);
    rc_results_dispose(&r);
    return 0;
}
