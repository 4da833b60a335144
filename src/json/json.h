/* json: registry JSON parsed into a tree with typed getters (yajl), and one writer for the
 * JSON we generate (results, manifests). Strings returned by getters are borrowed from the
 * tree and live until rc_json_free(). */
#ifndef RC_JSON_H
#define RC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum rc_json_type {
    RC_JSON_NULL,
    RC_JSON_BOOL,
    RC_JSON_INT,    /* a number without fraction or exponent that fits int64 */
    RC_JSON_DOUBLE, /* any other number */
    RC_JSON_STRING,
    RC_JSON_ARRAY,
    RC_JSON_OBJECT,
};

struct rc_json;

/* Strict parse: no comments, no trailing garbage, UTF-8 validated, at most max_depth 64.
 * Duplicate object keys are kept (first wins for rc_json_get) and reported through
 * rc_json_duplicate_key(): a registry answering them is a finding, not a parse error. */
int rc_json_parse(struct rc_json **out, const char *text, size_t len, struct rc_error **err);
void rc_json_free(struct rc_json *j);
void rc_json_freep(struct rc_json **j);
#define rc_auto_json RC_CLEANUP(rc_json_freep)

enum rc_json_type rc_json_type(const struct rc_json *j); /* RC_JSON_NULL for a NULL node */
const char *rc_json_type_name(enum rc_json_type t);
/* Object member (NULL when j is not an object or the key is absent). */
const struct rc_json *rc_json_get(const struct rc_json *j, const char *key);
/* Path lookup: "errors[0].code", "manifests[2].annotations.org\\.opencontainers\\.x"
 * ('.' inside a key escaped as "\\."). NULL when any step is missing. */
const struct rc_json *rc_json_path(const struct rc_json *root, const char *path);
size_t rc_json_len(const struct rc_json *j); /* array items or object members, else 0 */
const struct rc_json *rc_json_at(const struct rc_json *j,
                                 size_t i);                    /* array item or member value */
const char *rc_json_key_at(const struct rc_json *j, size_t i); /* object member key */
const char *rc_json_str(const struct rc_json *j);              /* NULL unless string */
size_t rc_json_str_len(const struct rc_json *j);               /* strings may hold NUL */
bool rc_json_int(const struct rc_json *j, int64_t *out);       /* RC_JSON_INT only */
bool rc_json_bool(const struct rc_json *j, bool *out);
bool rc_json_double(const struct rc_json *j, double *out); /* INT or DOUBLE */
/* Convenience: string member of an object, or NULL. */
const char *rc_json_get_str(const struct rc_json *j, const char *key);
/* The first duplicated key found anywhere in the tree as a path ("a.b"), or NULL. */
const char *rc_json_duplicate_key(const struct rc_json *root);

/* ---- writer ---------------------------------------------------------------------------- */

/* Writes JSON into a caller-owned rc_buf with a sticky error (the first failure is kept
 * and every later call is a no-op): check rc_jw_finish() once at the end. Commas, nesting
 * and escaping are handled here. Compact unless pretty is set (2-space indent, one member
 * per line, a final newline). Strings are escaped as canonical JSON does: only '"', '\\'
 * and control characters; UTF-8 passes through unchanged. */
struct rc_jw {
    struct rc_buf *out;
    int err;
    bool pretty;
    int depth;
    bool need_comma[64];
    bool after_key;
};

void rc_jw_init(struct rc_jw *w, struct rc_buf *out, bool pretty);
void rc_jw_obj_begin(struct rc_jw *w);
void rc_jw_obj_end(struct rc_jw *w);
void rc_jw_arr_begin(struct rc_jw *w);
void rc_jw_arr_end(struct rc_jw *w);
void rc_jw_key(struct rc_jw *w, const char *key);
void rc_jw_str(struct rc_jw *w, const char *s); /* NULL writes null */
void rc_jw_strn(struct rc_jw *w, const char *s, size_t len);
void rc_jw_int(struct rc_jw *w, int64_t v);
void rc_jw_uint(struct rc_jw *w, uint64_t v);
void rc_jw_double(struct rc_jw *w, double v);
void rc_jw_bool(struct rc_jw *w, bool v);
void rc_jw_null(struct rc_jw *w);
/* Writes a parsed tree (canonical: object keys sorted by byte order when sort_keys). */
void rc_jw_tree(struct rc_jw *w, const struct rc_json *j, bool sort_keys);
/* key + value shorthands */
void rc_jw_kstr(struct rc_jw *w, const char *key, const char *s);
void rc_jw_kint(struct rc_jw *w, const char *key, int64_t v);
void rc_jw_kbool(struct rc_jw *w, const char *key, bool v);
int rc_jw_finish(struct rc_jw *w, struct rc_error **err); /* 0, or the sticky error */

#endif
