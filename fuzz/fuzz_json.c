/* fuzz target "json": the JSON layer that reads every registry answer (manifests, indexes,
 * tags lists, error bodies, token endpoint answers).
 *
 * Input: any bytes, parsed as one JSON document. Properties, when it parses: the canonical
 * form (keys sorted) parses again and prints identically (a fixed point); the pretty form
 * parses to the same canonical form; every node is reached again by the path rc_json_path
 * documents for it (object keys with '.', '[' and '\' escaped, array indexes in brackets). */
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "json/json.h"

#include "base/banned.h"

static char *write_tree(const struct rc_json *j, bool pretty, bool sort)
{
    struct rc_buf b = RC_BUF_INIT(0);
    struct rc_jw w;
    rc_jw_init(&w, &b, pretty);
    rc_jw_tree(&w, j, sort);
    struct rc_error *err = NULL;
    RC_FUZZ_CHECK(rc_jw_finish(&w, &err) == 0);
    return rc_buf_steal(&b, NULL);
}

static struct rc_json *reparse(const char *text)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    int rc = rc_json_parse(&j, text, strlen(text), &err);
    if (rc != 0)
        fprintf(stderr, "our own output does not parse: %s\n%s\n", rc_error_msg(err), text);
    RC_FUZZ_CHECK(rc == 0);
    return j;
}

/* Every node below j is found again by its path (first occurrence of duplicated keys). */
static void check_paths(const struct rc_json *root, const struct rc_json *j, struct rc_buf *path,
                        int depth)
{
    if (depth > 8)
        return;
    size_t n = rc_json_len(j);
    for (size_t i = 0; i < n && i < 16; i++) {
        size_t mark = path->len;
        if (rc_json_type(j) == RC_JSON_ARRAY) {
            rc_buf_addf(path, "[%zu]", i);
        } else {
            const char *key = rc_json_key_at(j, i);
            if (!*key || rc_json_get(j, key) != rc_json_at(j, i))
                continue; /* an empty key has no path; a duplicate is shadowed */
            if (mark)
                rc_buf_addc(path, '.');
            for (const char *k = key; *k; k++) {
                if (*k == '.' || *k == '[' || *k == '\\')
                    rc_buf_addc(path, '\\');
                rc_buf_addc(path, *k);
            }
        }
        const struct rc_json *found = rc_json_path(root, rc_buf_str(path));
        if (found != rc_json_at(j, i))
            fprintf(stderr, "path '%s' does not find its node\n", rc_buf_str(path));
        RC_FUZZ_CHECK(found == rc_json_at(j, i));
        check_paths(root, rc_json_at(j, i), path, depth + 1);
        path->len = mark;
        if (path->data)
            path->data[mark] = '\0';
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    if (rc_json_parse(&j, (const char *)data, size, &err) < 0) {
        RC_FUZZ_CHECK(j == NULL && err != NULL);
        rc_error_free(err);
        return 0;
    }
    (void)rc_json_duplicate_key(j);
    (void)rc_json_path(j, "errors[0].code");
    (void)rc_json_path(j, "manifests[0].annotations.org\\.opencontainers\\.image\\.title");

    char *canon = write_tree(j, false, true);
    struct rc_json *j2 = reparse(canon);
    char *canon2 = write_tree(j2, false, true);
    if (strcmp(canon, canon2) != 0)
        fprintf(stderr, "canonical form is not a fixed point:\n%s\n%s\n", canon, canon2);
    RC_FUZZ_CHECK(strcmp(canon, canon2) == 0);

    char *pretty = write_tree(j, true, false);
    struct rc_json *j3 = reparse(pretty);
    char *canon3 = write_tree(j3, false, true);
    RC_FUZZ_CHECK(strcmp(canon, canon3) == 0);

    struct rc_buf path = RC_BUF_INIT(0);
    check_paths(j, j, &path, 0);
    rc_buf_dispose(&path);

    free(canon);
    free(canon2);
    free(canon3);
    free(pretty);
    rc_json_free(j3);
    rc_json_free(j2);
    rc_json_free(j);
    return 0;
}
