/* fuzz: helpers shared by the targets (input as strings, a private temporary directory). */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "fuzz.h"

#include "base/banned.h"

char *rc_fuzz_cstr(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    return rc_xstrndup((const char *)data, nul ? (size_t)(nul - data) : size);
}

void rc_fuzz_split(char *s, char **parts, size_t n)
{
    static char empty[] = "";
    for (size_t i = 0; i < n; i++) {
        parts[i] = s ? s : empty;
        if (!s)
            continue;
        char *nl = i + 1 < n ? strchr(s, '\n') : NULL;
        if (nl) {
            *nl = '\0';
            s = nl + 1;
        } else {
            s = NULL;
        }
    }
}

static char temp_dir[64];
static struct rc_strv temp_files;

static void remove_temp(void)
{
    for (size_t i = 0; i < temp_files.n; i++)
        unlink(temp_files.v[i]);
    rc_strv_dispose(&temp_files);
    if (temp_dir[0])
        rmdir(temp_dir);
}

const char *rc_fuzz_temp_dir(void)
{
    if (!temp_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(temp_dir, sizeof(temp_dir), "%s/rc-fuzz-XXXXXX",
                 base && *base && strlen(base) < 40 ? base : "/tmp");
        if (!mkdtemp(temp_dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_temp);
    }
    return temp_dir;
}

char *rc_fuzz_write_temp(const char *name, const uint8_t *data, size_t size)
{
    char *path = rc_fmt("%s/%s", rc_fuzz_temp_dir(), name);
    if (!rc_strv_contains(&temp_files, path))
        rc_strv_push(&temp_files, path);
    struct rc_error *err = NULL;
    if (rc_write_file(path, data, size, &err) < 0) {
        fprintf(stderr, "%s\n", rc_error_msg(err));
        abort();
    }
    return path;
}
