/* json: a strict parser on yajl's event API building our own tree (the yajl tree API drops
 * duplicate keys and cannot report them), and the one JSON writer of the project. */
#include "json/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "base/banned.h"

#define MAX_DEPTH 64

struct member {
    char *key;
    size_t klen;
    struct rc_json *val;
};

struct rc_json {
    enum rc_json_type type;
    bool b;
    int64_t i;
    double d;
    char *s; /* string value, or the source text of a DOUBLE */
    size_t slen;
    struct rc_json **items; /* arrays */
    struct member *members; /* objects */
    size_t n, cap;
    char *dup; /* root only: path of the first duplicate key */
};

/* ---- UTF-8 ----------------------------------------------------------------------------- */

/* Offset of the first byte that is not well-formed UTF-8, or len when all of it is. */
static size_t utf8_check(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = rc_utf8_seq(p + i, len - i);
        if (!k)
            return i;
        i += k;
    }
    return len;
}

/* ---- tree ------------------------------------------------------------------------------ */

static char *memdup0(const void *p, size_t n)
{
    char *s = rc_xmalloc(n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static struct rc_json *node_new(enum rc_json_type t)
{
    struct rc_json *j = rc_xcalloc(1, sizeof(*j));
    j->type = t;
    return j;
}

void rc_json_free(struct rc_json *j)
{
    if (!j)
        return;
    if (j->type == RC_JSON_ARRAY) {
        for (size_t k = 0; k < j->n; k++)
            rc_json_free(j->items[k]);
    } else if (j->type == RC_JSON_OBJECT) {
        for (size_t k = 0; k < j->n; k++) {
            free(j->members[k].key);
            rc_json_free(j->members[k].val);
        }
    }
    free(j->items);
    free(j->members);
    free(j->s);
    free(j->dup);
    free(j);
}

void rc_json_freep(struct rc_json **j)
{
    rc_json_free(*j);
    *j = NULL;
}

/* ---- parser ---------------------------------------------------------------------------- */

struct frame {
    struct rc_json *node;
    size_t index; /* position in the parent (array index or member index) */
};

struct pctx {
    yajl_handle h;
    struct rc_json *root;
    struct frame stack[MAX_DEPTH];
    int depth;
    char *key; /* pending member key */
    size_t klen;
    char *dup; /* first duplicate key path */
    char *msg; /* why a callback stopped the parse */
    size_t msg_off;
};

static void path_add_key(struct rc_buf *b, const char *key, size_t klen, bool first)
{
    if (!first)
        rc_buf_addc(b, '.');
    for (size_t k = 0; k < klen; k++) {
        if (key[k] == '.' || key[k] == '[' || key[k] == '\\')
            rc_buf_addc(b, '\\');
        rc_buf_addc(b, key[k]);
    }
}

/* The path of the object on top of the stack, then key (rc_json_path syntax). */
static char *stack_path(const struct pctx *c, const char *key, size_t klen)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    bool first = true;
    for (int d = 1; d < c->depth; d++) {
        const struct rc_json *parent = c->stack[d - 1].node;
        size_t idx = c->stack[d].index;
        if (parent->type == RC_JSON_ARRAY)
            rc_buf_addf(&b, "[%zu]", idx);
        else
            path_add_key(&b, parent->members[idx].key, parent->members[idx].klen, first);
        first = false;
    }
    path_add_key(&b, key, klen, first);
    return rc_buf_steal(&b, NULL);
}

static int fail_at(struct pctx *c, const char *msg)
{
    if (!c->msg) {
        size_t off = yajl_get_bytes_consumed(c->h);
        c->msg = rc_xstrdup(msg);
        c->msg_off = off ? off - 1 : 0; /* the last byte of the token that failed */
    }
    return 0;
}

static int add_node(struct pctx *c, struct rc_json *j)
{
    if (c->depth == 0) {
        c->root = j;
        return 1;
    }
    struct rc_json *parent = c->stack[c->depth - 1].node;
    if (parent->type == RC_JSON_ARRAY) {
        RC_PUSH(parent->items, parent->n, parent->cap, j);
    } else {
        struct member m = {c->key, c->klen, j};
        c->key = NULL;
        RC_PUSH(parent->members, parent->n, parent->cap, m);
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return add_node(ctx, node_new(RC_JSON_NULL));
}

static int cb_bool(void *ctx, int v)
{
    struct rc_json *j = node_new(RC_JSON_BOOL);
    j->b = v != 0;
    return add_node(ctx, j);
}

static bool all_digits_int(const char *s)
{
    return !strpbrk(s, ".eE");
}

static int cb_number(void *ctx, const char *num, size_t len)
{
    char *txt = memdup0(num, len);
    struct rc_json *j;
    if (all_digits_int(txt)) {
        char *end;
        errno = 0;
        long long v = strtoll(txt, &end, 10);
        if (errno == 0 && *end == '\0') {
            j = node_new(RC_JSON_INT);
            j->i = v;
            free(txt);
            return add_node(ctx, j);
        }
    }
    j = node_new(RC_JSON_DOUBLE);
    j->d = strtod(txt, NULL);
    j->s = txt;
    j->slen = len;
    return add_node(ctx, j);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    if (utf8_check((const char *)s, len) != len)
        return fail_at(ctx, "string escape is not a valid code point (unpaired surrogate)");
    struct rc_json *j = node_new(RC_JSON_STRING);
    j->s = memdup0(s, len);
    j->slen = len;
    return add_node(ctx, j);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len)
{
    struct pctx *c = ctx;
    if (utf8_check((const char *)s, len) != len)
        return fail_at(c, "key escape is not a valid code point (unpaired surrogate)");
    free(c->key);
    c->key = memdup0(s, len);
    c->klen = len;
    return 1;
}

static int open_container(struct pctx *c, enum rc_json_type t)
{
    if (c->depth >= MAX_DEPTH)
        return fail_at(c, "nesting deeper than 64 levels");
    struct rc_json *j = node_new(t);
    size_t idx = 0;
    if (c->depth > 0)
        idx = c->stack[c->depth - 1].node->n;
    add_node(c, j);
    c->stack[c->depth].node = j;
    c->stack[c->depth].index = idx;
    c->depth++;
    return 1;
}

static int cb_start_map(void *ctx)
{
    return open_container(ctx, RC_JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
    return open_container(ctx, RC_JSON_ARRAY);
}

static int cmp_member_ptr(const void *a, const void *b)
{
    const struct member *x = *(const struct member *const *)a;
    const struct member *y = *(const struct member *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int r = n ? memcmp(x->key, y->key, n) : 0;
    if (r)
        return r;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    /* equal keys: keep document order so the reported duplicate is the later one */
    return x < y ? -1 : x > y;
}

static const struct member **sorted_members(const struct rc_json *j)
{
    const struct member **v = rc_xcalloc(j->n, sizeof(*v));
    for (size_t k = 0; k < j->n; k++)
        v[k] = &j->members[k];
    qsort(v, j->n, sizeof(*v), cmp_member_ptr);
    return v;
}

static int cb_end_map(void *ctx)
{
    struct pctx *c = ctx;
    const struct rc_json *j = c->stack[c->depth - 1].node;
    if (!c->dup && j->n > 1) {
        const struct member **v = sorted_members(j);
        const struct member *first = NULL;
        for (size_t k = 1; k < j->n; k++) {
            if (v[k]->klen == v[k - 1]->klen && memcmp(v[k]->key, v[k - 1]->key, v[k]->klen) == 0 &&
                (!first || v[k] < first))
                first = v[k];
        }
        if (first)
            c->dup = stack_path(c, first->key, first->klen);
        free(v);
    }
    c->depth--;
    return 1;
}

static int cb_end_array(void *ctx)
{
    struct pctx *c = ctx;
    c->depth--;
    return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

static char *yajl_message(yajl_handle h, const char *text, size_t len)
{
    unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)text, len);
    char *s = rc_xstrdup(m ? (const char *)m : "parse error");
    if (m)
        yajl_free_error(h, m);
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '.'))
        s[--n] = '\0';
    return s;
}

int rc_json_parse(struct rc_json **out, const char *text, size_t len, struct rc_error **err)
{
    *out = NULL;
    if (!text)
        text = "";
    size_t bad = utf8_check(text, len);
    if (bad != len)
        return rc_error_set(err, RC_EPARSE, "invalid JSON at byte %zu: malformed UTF-8", bad);

    struct pctx c = {0};
    c.h = yajl_alloc(&callbacks, NULL, &c);
    if (!c.h)
        return rc_error_set(err, RC_ERR, "JSON parser: out of memory");
    yajl_config(c.h, yajl_allow_comments, 0);
    yajl_config(c.h, yajl_dont_validate_strings, 0);

    int rc = 0;
    yajl_status st = yajl_parse(c.h, (const unsigned char *)text, len);
    size_t off = yajl_get_bytes_consumed(c.h); /* just past the offending byte */
    off = off ? off - 1 : 0;
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(c.h);
        off = len;
    }
    if (st != yajl_status_ok) {
        if (c.msg) {
            rc = rc_error_set(err, RC_EPARSE, "invalid JSON at byte %zu: %s", c.msg_off, c.msg);
        } else {
            char *m = yajl_message(c.h, text, len);
            rc = rc_error_set(err, RC_EPARSE, "invalid JSON at byte %zu: %s", off, m);
            free(m);
        }
        rc_json_free(c.root);
        free(c.dup);
    } else {
        c.root->dup = c.dup;
        *out = c.root;
    }
    free(c.key);
    free(c.msg);
    yajl_free(c.h);
    return rc;
}

/* ---- getters --------------------------------------------------------------------------- */

enum rc_json_type rc_json_type(const struct rc_json *j)
{
    return j ? j->type : RC_JSON_NULL;
}

const char *rc_json_type_name(enum rc_json_type t)
{
    static const char *const names[] = {"null",   "boolean", "integer", "number",
                                        "string", "array",   "object"};
    return (size_t)t < RC_ARRAY_LEN(names) ? names[t] : "unknown";
}

static const struct rc_json *get_n(const struct rc_json *j, const char *key, size_t klen)
{
    if (!j || j->type != RC_JSON_OBJECT)
        return NULL;
    for (size_t k = 0; k < j->n; k++)
        if (j->members[k].klen == klen && memcmp(j->members[k].key, key, klen) == 0)
            return j->members[k].val;
    return NULL;
}

const struct rc_json *rc_json_get(const struct rc_json *j, const char *key)
{
    return key ? get_n(j, key, strlen(key)) : NULL;
}

const struct rc_json *rc_json_path(const struct rc_json *root, const char *path)
{
    if (!path)
        return NULL;
    const struct rc_json *cur = root;
    const char *p = path;
    struct rc_buf key = RC_BUF_INIT(0);
    bool expect_key = *p && *p != '[';
    while (cur && (*p || expect_key)) {
        if (*p == '[') {
            p++;
            if (*p < '0' || *p > '9') {
                cur = NULL;
                break;
            }
            size_t idx = 0;
            while (*p >= '0' && *p <= '9') {
                size_t digit = (size_t)(*p++ - '0');
                if (idx > (SIZE_MAX - digit) / 10) {
                    idx = SIZE_MAX;
                    continue;
                }
                idx = idx * 10 + digit;
            }
            if (*p++ != ']' || cur->type != RC_JSON_ARRAY || idx >= cur->n) {
                cur = NULL;
                break;
            }
            cur = cur->items[idx];
            if (*p == '.') {
                p++;
                expect_key = true;
            } else if (*p && *p != '[') {
                cur = NULL;
            }
            continue;
        }
        rc_buf_reset(&key);
        rc_buf_add(&key, "", 0);
        while (*p && *p != '.' && *p != '[') {
            if (*p == '\\' && p[1])
                p++;
            rc_buf_addc(&key, *p++);
        }
        cur = get_n(cur, key.data, key.len);
        expect_key = false;
        if (*p == '.') {
            p++;
            expect_key = true;
        }
    }
    rc_buf_dispose(&key);
    return cur;
}

size_t rc_json_len(const struct rc_json *j)
{
    return j && (j->type == RC_JSON_ARRAY || j->type == RC_JSON_OBJECT) ? j->n : 0;
}

const struct rc_json *rc_json_at(const struct rc_json *j, size_t i)
{
    if (!j || i >= j->n)
        return NULL;
    if (j->type == RC_JSON_ARRAY)
        return j->items[i];
    if (j->type == RC_JSON_OBJECT)
        return j->members[i].val;
    return NULL;
}

const char *rc_json_key_at(const struct rc_json *j, size_t i)
{
    return j && j->type == RC_JSON_OBJECT && i < j->n ? j->members[i].key : NULL;
}

const char *rc_json_str(const struct rc_json *j)
{
    return j && j->type == RC_JSON_STRING ? j->s : NULL;
}

size_t rc_json_str_len(const struct rc_json *j)
{
    return j && j->type == RC_JSON_STRING ? j->slen : 0;
}

bool rc_json_int(const struct rc_json *j, int64_t *out)
{
    if (!j || j->type != RC_JSON_INT)
        return false;
    *out = j->i;
    return true;
}

bool rc_json_bool(const struct rc_json *j, bool *out)
{
    if (!j || j->type != RC_JSON_BOOL)
        return false;
    *out = j->b;
    return true;
}

bool rc_json_double(const struct rc_json *j, double *out)
{
    if (j && j->type == RC_JSON_INT) {
        *out = (double)j->i;
        return true;
    }
    if (j && j->type == RC_JSON_DOUBLE) {
        *out = j->d;
        return true;
    }
    return false;
}

const char *rc_json_get_str(const struct rc_json *j, const char *key)
{
    return rc_json_str(rc_json_get(j, key));
}

const char *rc_json_duplicate_key(const struct rc_json *root)
{
    return root ? root->dup : NULL;
}

/* ---- writer ---------------------------------------------------------------------------- */

void rc_jw_init(struct rc_jw *w, struct rc_buf *out, bool pretty)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->pretty = pretty;
}

static void put(struct rc_jw *w, const char *s, size_t n)
{
    if (!w->err && rc_buf_add(w->out, s, n) < 0)
        w->err = RC_ELIMIT;
}

static void puts_(struct rc_jw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void newline_indent(struct rc_jw *w, int depth)
{
    static const char spaces[] = "                                ";
    put(w, "\n", 1);
    size_t n = (size_t)depth * 2;
    while (n && !w->err) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        put(w, spaces, k);
        n -= k;
    }
}

/* Separator and indentation before a value or a key. */
static bool begin_item(struct rc_jw *w)
{
    if (w->err)
        return false;
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    if (w->depth == 0) {
        if (w->need_comma[0]) { /* a second top-level value */
            w->err = RC_EINVAL;
            return false;
        }
        w->need_comma[0] = true;
        return true;
    }
    if (w->need_comma[w->depth])
        put(w, ",", 1);
    if (w->pretty)
        newline_indent(w, w->depth);
    w->need_comma[w->depth] = true;
    return !w->err;
}

static void end_item(struct rc_jw *w)
{
    if (w->depth == 0 && w->pretty)
        put(w, "\n", 1);
}

static void put_escaped(struct rc_jw *w, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of bytes copied as they are */
    size_t i = 0;
    put(w, "\"", 1);
    while (i < len && !w->err) {
        unsigned c = p[i];
        const char *esc = NULL;
        char ubuf[8];
        size_t adv = 1;
        if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c < 0x20) {
            switch (c) {
            case '\n':
                esc = "\\n";
                break;
            case '\t':
                esc = "\\t";
                break;
            case '\r':
                esc = "\\r";
                break;
            case '\b':
                esc = "\\b";
                break;
            case '\f':
                esc = "\\f";
                break;
            default:
                snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
                esc = ubuf;
                break;
            }
        } else if (c >= 0x80) {
            adv = rc_utf8_seq(p + i, len - i);
            if (!adv) {
                esc = "\xEF\xBF\xBD"; /* U+FFFD for a byte that is not UTF-8 */
                adv = 1;
            }
        }
        if (esc) {
            put(w, s + run, i - run);
            puts_(w, esc);
            run = i + adv;
        }
        i += adv;
    }
    put(w, s + run, len - run);
    put(w, "\"", 1);
}

static void key_n(struct rc_jw *w, const char *key, size_t klen)
{
    if (w->err)
        return;
    if (w->after_key || w->depth == 0) {
        w->err = RC_EINVAL;
        return;
    }
    if (!begin_item(w))
        return;
    put_escaped(w, key, klen);
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = true;
}

static void open_(struct rc_jw *w, char ch)
{
    if (!begin_item(w))
        return;
    if (w->depth + 1 >= (int)RC_ARRAY_LEN(w->need_comma)) {
        w->err = RC_ELIMIT;
        return;
    }
    put(w, &ch, 1);
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct rc_jw *w, char ch)
{
    if (w->err)
        return;
    if (w->depth == 0 || w->after_key) {
        w->err = RC_EINVAL;
        return;
    }
    if (w->pretty && w->need_comma[w->depth])
        newline_indent(w, w->depth - 1);
    put(w, &ch, 1);
    w->depth--;
    end_item(w);
}

void rc_jw_obj_begin(struct rc_jw *w)
{
    open_(w, '{');
}

void rc_jw_obj_end(struct rc_jw *w)
{
    close_(w, '}');
}

void rc_jw_arr_begin(struct rc_jw *w)
{
    open_(w, '[');
}

void rc_jw_arr_end(struct rc_jw *w)
{
    close_(w, ']');
}

void rc_jw_key(struct rc_jw *w, const char *key)
{
    if (!key) {
        if (!w->err)
            w->err = RC_EINVAL;
        return;
    }
    key_n(w, key, strlen(key));
}

static void scalar(struct rc_jw *w, const char *text)
{
    if (!begin_item(w))
        return;
    puts_(w, text);
    end_item(w);
}

void rc_jw_strn(struct rc_jw *w, const char *s, size_t len)
{
    if (!s) {
        rc_jw_null(w);
        return;
    }
    if (!begin_item(w))
        return;
    put_escaped(w, s, len);
    end_item(w);
}

void rc_jw_str(struct rc_jw *w, const char *s)
{
    rc_jw_strn(w, s, s ? strlen(s) : 0);
}

void rc_jw_int(struct rc_jw *w, int64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRId64, v);
    scalar(w, b);
}

void rc_jw_uint(struct rc_jw *w, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRIu64, v);
    scalar(w, b);
}

void rc_jw_double(struct rc_jw *w, double v)
{
    if (w->err)
        return;
    if (!isfinite(v)) {
        w->err = RC_EINVAL;
        return;
    }
    char b[40];
    /* the shortest %g form that reads back as the same double */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof(b), "%.*g", prec, v);
        if (strtod(b, NULL) == v)
            break;
    }
    if (!strpbrk(b, ".eE")) {
        size_t n = strlen(b);
        snprintf(b + n, sizeof(b) - n, ".0"); /* stays a DOUBLE when read back */
    }
    scalar(w, b);
}

void rc_jw_bool(struct rc_jw *w, bool v)
{
    scalar(w, v ? "true" : "false");
}

void rc_jw_null(struct rc_jw *w)
{
    scalar(w, "null");
}

void rc_jw_tree(struct rc_jw *w, const struct rc_json *j, bool sort_keys)
{
    if (w->err)
        return;
    switch (rc_json_type(j)) {
    case RC_JSON_NULL:
        rc_jw_null(w);
        break;
    case RC_JSON_BOOL:
        rc_jw_bool(w, j->b);
        break;
    case RC_JSON_INT:
        rc_jw_int(w, j->i);
        break;
    case RC_JSON_DOUBLE:
        if (j->s)
            scalar(w, j->s); /* the source text: exact, even past double precision */
        else
            rc_jw_double(w, j->d);
        break;
    case RC_JSON_STRING:
        rc_jw_strn(w, j->s, j->slen);
        break;
    case RC_JSON_ARRAY:
        rc_jw_arr_begin(w);
        for (size_t k = 0; k < j->n; k++)
            rc_jw_tree(w, j->items[k], sort_keys);
        rc_jw_arr_end(w);
        break;
    case RC_JSON_OBJECT: {
        rc_jw_obj_begin(w);
        const struct member **v = NULL;
        if (sort_keys && j->n > 1)
            v = sorted_members(j);
        for (size_t k = 0; k < j->n; k++) {
            const struct member *m = v ? v[k] : &j->members[k];
            key_n(w, m->key, m->klen);
            rc_jw_tree(w, m->val, sort_keys);
        }
        free(v);
        rc_jw_obj_end(w);
        break;
    }
    }
}

void rc_jw_kstr(struct rc_jw *w, const char *key, const char *s)
{
    rc_jw_key(w, key);
    rc_jw_str(w, s);
}

void rc_jw_kint(struct rc_jw *w, const char *key, int64_t v)
{
    rc_jw_key(w, key);
    rc_jw_int(w, v);
}

void rc_jw_kbool(struct rc_jw *w, const char *key, bool v)
{
    rc_jw_key(w, key);
    rc_jw_bool(w, v);
}

int rc_jw_finish(struct rc_jw *w, struct rc_error **err)
{
    if (!w->err && (w->depth != 0 || w->after_key))
        w->err = RC_EINVAL;
    switch (w->err) {
    case 0:
        return 0;
    case RC_ELIMIT:
        if (w->depth + 1 >= (int)RC_ARRAY_LEN(w->need_comma))
            return rc_error_set(err, RC_ELIMIT, "JSON writer: nesting deeper than %d levels",
                                (int)RC_ARRAY_LEN(w->need_comma) - 1);
        return rc_error_set(err, RC_ELIMIT, "JSON writer: output larger than %zu bytes",
                            w->out->max);
    default:
        return rc_error_set(err, w->err,
                            "JSON writer: invalid call sequence (unbalanced containers, a key "
                            "outside an object, a second top-level value or a non-finite number)");
    }
}
