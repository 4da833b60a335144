/* fuzz: what every fuzz target shares. A target is one fuzz_<name>.c defining
 * LLVMFuzzerTestOneInput; it is linked either with libFuzzer (clang, scripts/fuzz.sh) or with
 * replay.c, a plain main that feeds it every file of its seed corpus (the ctest replay). */
#ifndef RC_FUZZ_H
#define RC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promised was broken: report it and abort, so libFuzzer
 * keeps the input and the replay test fails. */
#define RC_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a NUL-terminated string (an embedded NUL ends it, as it would end a C string
 * from a header or a file). Caller frees. */
char *rc_fuzz_cstr(const uint8_t *data, size_t size);

/* Splits s in place at the first n-1 newlines into parts[0..n-1]; missing parts are "". */
void rc_fuzz_split(char *s, char **parts, size_t n);

/* Writes data to a file of a private temporary directory that lives until the process ends
 * and returns its path ("<dir>/<name>", caller frees); the loaders under test read files. */
char *rc_fuzz_write_temp(const char *name, const uint8_t *data, size_t size);
/* That directory. */
const char *rc_fuzz_temp_dir(void);

#endif
