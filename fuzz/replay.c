/* fuzz: the replay driver. Linked with one target instead of libFuzzer, it feeds that target
 * every file named on the command line (directories: every regular file in them, sorted), so
 * the seed corpus and every crash kept in it run in the ordinary test build, with or without
 * sanitizers, and no clang is needed. A crash or a broken property aborts; finding no input at
 * all is a failure too (an empty replay proves nothing). */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base.h"
#include "fuzz.h"

#include "base/banned.h"

static int replay_file(const char *path)
{
    struct rc_buf b = RC_BUF_INIT(64 * RC_MIB);
    struct rc_error *err = NULL;
    if (rc_buf_read_file(&b, path, &err) < 0) {
        fprintf(stderr, "replay: %s\n", rc_error_msg(err));
        rc_error_free(err);
        return -1;
    }
    /* a copy of exactly size bytes, so ASan sees a read past the input */
    uint8_t *copy = rc_xmalloc(b.len ? b.len : 1);
    if (b.len)
        memcpy(copy, b.data, b.len);
    LLVMFuzzerTestOneInput(copy, b.len);
    free(copy);
    rc_buf_dispose(&b);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return -1;
    }
    struct rc_strv files = {0};
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *path = rc_fmt("%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc_strv_push_take(&files, path);
        else
            free(path);
    }
    closedir(d);
    qsort(files.v, files.n, sizeof(*files.v), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        rc = replay_file(files.v[i]);
        if (rc == 0)
            (*count)++;
    }
    rc_strv_dispose(&files);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 1;
        }
        int rc = S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) : replay_file(argv[i]);
        if (rc < 0)
            return 1;
        if (!S_ISDIR(st.st_mode))
            count++;
    }
    if (count == 0) {
        fprintf(stderr, "replay: no input files\n");
        return 1;
    }
    printf("replay: %zu inputs ran clean\n", count);
    return 0;
}
