/* yaml: the only user of libyaml. The event parser feeds a small tree builder: a stack of
 * open collections, anchors in a hash table, aliases shared (never copied) and weighed so
 * that a document expanding to more than RC_YAML_NODE_LIMIT nodes is refused. Every node and
 * string lives in one arena owned by the document. */
#include "yaml/yaml.h"

#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/banned.h"

#define ARENA_CHUNK    16384
#define ANCHOR_BUCKETS 1024

/* ---- arena ----------------------------------------------------------------------------- */

struct chunk {
    struct chunk *next;
    size_t used;
    size_t size;
    max_align_t data[];
};

/* A node plus what the loader needs to know about it. pub comes first: the public pointer
 * and the private one are the same address. */
struct ynode {
    struct rc_yaml_node pub;
    size_t weight; /* nodes a full walk visits, aliases expanded (saturates) */
};

struct rc_yaml_doc {
    char *file;
    const struct rc_yaml_node *root;
    struct chunk *chunks;
};

static void *arena_alloc(struct rc_yaml_doc *d, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = n ? (n + align - 1) / align * align : align;
    struct chunk *c = d->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = rc_xmalloc(sizeof(*c) + size);
        c->size = size;
        c->used = 0;
        c->next = d->chunks;
        d->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static char *arena_strndup(struct rc_yaml_doc *d, const char *s, size_t len)
{
    char *p = arena_alloc(d, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void *arena_dup(struct rc_yaml_doc *d, const void *src, size_t bytes)
{
    if (!bytes)
        return NULL;
    void *p = arena_alloc(d, bytes);
    memcpy(p, src, bytes);
    return p;
}

/* ---- key sets (duplicate detection, merges) -------------------------------------------- */

struct keyset {
    const char **keys;
    size_t *where; /* index + 1 of the entry holding the key; 0 = empty slot */
    size_t mask;
};

static void keyset_init(struct keyset *s, size_t n)
{
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    s->keys = rc_xcalloc(size, sizeof(*s->keys));
    s->where = rc_xcalloc(size, sizeof(*s->where));
    s->mask = size - 1;
}

static void keyset_dispose(struct keyset *s)
{
    free(s->keys);
    free(s->where);
}

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

/* Adds key (held by entry index) unless present; returns the index already holding it, or
 * SIZE_MAX when it was added. */
static size_t keyset_add(struct keyset *s, const char *key, size_t index)
{
    size_t i = hash_str(key) & s->mask;
    while (s->where[i]) {
        if (strcmp(s->keys[i], key) == 0)
            return s->where[i] - 1;
        i = (i + 1) & s->mask;
    }
    s->keys[i] = key;
    s->where[i] = index + 1;
    return SIZE_MAX;
}

/* ---- loader state ---------------------------------------------------------------------- */

struct frame {
    struct ynode *node;
    const char *anchor; /* arena copy, or NULL */
    struct ynode **items;
    size_t n, cap;
    /* mappings: keys[i] belongs to items[i]; while a key waits for its value nk == n + 1 */
    const char **keys;
    int *key_lines;
    bool *key_plain;
    size_t nk, capk, capl, capp;
    bool skip_value; /* the pending key was not a scalar: drop its value */
};

struct anchor {
    struct anchor *next;
    const char *name;
    struct ynode *node;
};

struct loader {
    struct rc_yaml_doc *doc;
    yaml_parser_t parser;
    struct frame *stack;
    size_t depth, cap;
    struct anchor *anchors[ANCHOR_BUCKETS];
    size_t count; /* nodes created plus alias expansions */
    int documents;
    bool done;
    struct rc_strv *problems; /* collect mode: non-fatal problems go here */
    struct rc_error **err;
    const char *text;
    size_t len;
};

static size_t add_weight(size_t a, size_t b)
{
    size_t s = a + b;
    return s > RC_YAML_NODE_LIMIT + 1 || s < a ? RC_YAML_NODE_LIMIT + 1 : s;
}

static int line_of(const yaml_mark_t *m)
{
    return m->line + 1 > (size_t)INT32_MAX ? INT32_MAX : (int)(m->line + 1);
}

static int column_of(const yaml_mark_t *m)
{
    return m->column + 1 > (size_t)INT32_MAX ? INT32_MAX : (int)(m->column + 1);
}

/* The dotted path of the place being built: "auth.password", "expect[2].reason". */
static char *current_path(const struct loader *ld, const char *last)
{
    struct rc_buf b = RC_BUF_INIT(0);
    for (size_t i = 0; i < ld->depth; i++) {
        const struct frame *f = &ld->stack[i];
        if (f->node->pub.kind == RC_YAML_SEQ) {
            rc_buf_addf(&b, "[%zu]", f->n);
        } else if (f->nk > f->n) {
            if (b.len)
                rc_buf_addc(&b, '.');
            rc_buf_adds(&b, f->keys[f->nk - 1]);
        }
    }
    if (last) {
        if (b.len)
            rc_buf_addc(&b, '.');
        rc_buf_adds(&b, last);
    }
    return rc_buf_steal(&b, NULL);
}

/* A problem that collect mode records and strict mode fails on. key is a full path. */
static int problem(struct loader *ld, int line, const char *key, const char *msg)
{
    struct rc_error *e = NULL;
    rc_yaml_error(&e, ld->doc, line, key && *key ? key : NULL, "%s", msg);
    if (ld->problems) {
        rc_strv_push_take(ld->problems, rc_steal(&e->msg));
        rc_error_free(e);
        return 0;
    }
    if (ld->err && !*ld->err)
        *ld->err = e;
    else
        rc_error_free(e);
    return RC_EINVAL;
}

static int fatal(struct loader *ld, int code, int line, const char *msg)
{
    struct rc_error *e = NULL;
    rc_yaml_error(&e, ld->doc, line, NULL, "%s", msg);
    e->code = code;
    if (ld->err && !*ld->err)
        *ld->err = e;
    else
        rc_error_free(e);
    return code;
}

static int count_nodes(struct loader *ld, size_t n, int line)
{
    ld->count = add_weight(ld->count, n);
    if (ld->count > RC_YAML_NODE_LIMIT) {
        char *msg = rc_fmt("more than %d nodes once aliases are expanded", RC_YAML_NODE_LIMIT);
        int rc = fatal(ld, RC_ELIMIT, line, msg);
        free(msg);
        return rc;
    }
    return 0;
}

static struct ynode *new_node(struct loader *ld, enum rc_yaml_kind kind, const yaml_mark_t *m)
{
    struct ynode *y = arena_alloc(ld->doc, sizeof(*y));
    memset(y, 0, sizeof(*y));
    y->pub.kind = kind;
    y->pub.line = line_of(m);
    y->pub.column = column_of(m);
    y->pub.scalar = kind == RC_YAML_SCALAR ? "" : NULL;
    y->weight = 1;
    return y;
}

static void anchor_set(struct loader *ld, const char *name, struct ynode *node)
{
    struct anchor *a = arena_alloc(ld->doc, sizeof(*a));
    size_t b = hash_str(name) % ANCHOR_BUCKETS;
    a->name = name;
    a->node = node;
    a->next = ld->anchors[b]; /* newest first: a redefined anchor shadows the old one */
    ld->anchors[b] = a;
}

static struct ynode *anchor_get(const struct loader *ld, const char *name)
{
    for (struct anchor *a = ld->anchors[hash_str(name) % ANCHOR_BUCKETS]; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->node;
    return NULL;
}

static void frame_dispose(struct frame *f)
{
    free(f->items);
    free(f->keys);
    free(f->key_lines);
    free(f->key_plain);
}

/* Hands a finished node to the open collection below it (or makes it the root). */
static int attach(struct loader *ld, struct ynode *y)
{
    if (!ld->depth) {
        ld->doc->root = &y->pub;
        return 0;
    }
    struct frame *f = &ld->stack[ld->depth - 1];
    if (f->node->pub.kind == RC_YAML_SEQ) {
        RC_PUSH(f->items, f->n, f->cap, y);
        return 0;
    }
    if (f->nk == f->n) { /* a key */
        bool scalar = y->pub.kind == RC_YAML_SCALAR;
        rc_grow(&f->keys, &f->capk, f->nk + 1, sizeof(*f->keys));
        rc_grow(&f->key_lines, &f->capl, f->nk + 1, sizeof(*f->key_lines));
        rc_grow(&f->key_plain, &f->capp, f->nk + 1, sizeof(*f->key_plain));
        f->keys[f->nk] = scalar ? y->pub.scalar : "";
        f->key_lines[f->nk] = y->pub.line;
        f->key_plain[f->nk] = scalar && y->pub.plain;
        f->nk++;
        f->skip_value = !scalar;
        if (!scalar) {
            f->nk--; /* keep the path pointing at the parent while reporting */
            char *path = current_path(ld, NULL);
            char *msg = rc_fmt("keys must be scalars, got %s", rc_yaml_kind_name(y->pub.kind));
            int rc = problem(ld, y->pub.line, path, msg);
            free(path);
            free(msg);
            f->nk++;
            return rc;
        }
        return 0;
    }
    if (f->skip_value) {
        f->nk--;
        f->skip_value = false;
        return 0;
    }
    RC_PUSH(f->items, f->n, f->cap, y);
    return 0;
}

static int push_frame(struct loader *ld, struct ynode *y, const yaml_char_t *anchor)
{
    if (ld->depth >= RC_YAML_DEPTH_LIMIT) {
        char *msg = rc_fmt("lists and mappings nested deeper than %d levels", RC_YAML_DEPTH_LIMIT);
        int rc = fatal(ld, RC_ELIMIT, y->pub.line, msg);
        free(msg);
        return rc;
    }
    rc_grow(&ld->stack, &ld->cap, ld->depth + 1, sizeof(*ld->stack));
    struct frame *f = &ld->stack[ld->depth++];
    memset(f, 0, sizeof(*f));
    f->node = y;
    f->anchor =
        anchor ? arena_strndup(ld->doc, (const char *)anchor, strlen((const char *)anchor)) : NULL;
    return 0;
}

static bool is_merge_key(const struct frame *f, size_t i)
{
    return f->key_plain[i] && strcmp(f->keys[i], "<<") == 0;
}

struct entries {
    const char **keys;
    int *lines;
    struct ynode **items;
    size_t n;
};

static void entries_add(struct entries *e, const char *key, int line, struct ynode *item)
{
    e->keys[e->n] = key;
    e->lines[e->n] = line;
    e->items[e->n] = item;
    e->n++;
}

/* Entries of one merge source that the mapping does not have yet. */
static size_t merge_count(const struct rc_yaml_node *src)
{
    return src->kind == RC_YAML_MAP ? src->n : 0;
}

static void merge_from(struct keyset *set, struct entries *e, const struct rc_yaml_node *src)
{
    for (size_t j = 0; j < src->n; j++) {
        if (keyset_add(set, src->keys[j], e->n) == SIZE_MAX)
            entries_add(e, src->keys[j], src->key_lines[j], (struct ynode *)src->items[j]);
    }
}

/* Checks duplicates, applies merge keys and moves the entries into the arena. */
static int finish_map(struct loader *ld, struct frame *f)
{
    struct ynode *y = f->node;
    size_t room = f->n;
    for (size_t i = 0; i < f->n; i++) {
        if (!is_merge_key(f, i))
            continue;
        const struct rc_yaml_node *m = &f->items[i]->pub;
        room += merge_count(m);
        if (m->kind == RC_YAML_SEQ)
            for (size_t j = 0; j < m->n; j++)
                room += merge_count(m->items[j]);
    }
    struct entries e = {rc_xcalloc(room + 1, sizeof(char *)), rc_xcalloc(room + 1, sizeof(int)),
                        rc_xcalloc(room + 1, sizeof(struct ynode *)), 0};
    struct keyset set;
    keyset_init(&set, room);
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        if (is_merge_key(f, i))
            continue;
        size_t first = keyset_add(&set, f->keys[i], e.n);
        if (first != SIZE_MAX) {
            char *path = current_path(ld, f->keys[i]);
            char *msg = rc_fmt("duplicate key (first at line %d)", e.lines[first]);
            rc = problem(ld, f->key_lines[i], path, msg);
            free(path);
            free(msg);
            continue;
        }
        entries_add(&e, f->keys[i], f->key_lines[i], f->items[i]);
    }
    /* Merge keys, in order; within a list the earlier mapping wins. */
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        if (!is_merge_key(f, i))
            continue;
        const struct rc_yaml_node *m = &f->items[i]->pub;
        bool ok = m->kind == RC_YAML_MAP;
        if (m->kind == RC_YAML_SEQ) {
            ok = true;
            for (size_t j = 0; j < m->n; j++)
                ok = ok && m->items[j]->kind == RC_YAML_MAP;
        }
        if (!ok) {
            char *path = current_path(ld, "<<");
            rc = problem(ld, f->key_lines[i], path,
                         "a merge key takes a mapping or a list of mappings");
            free(path);
            continue;
        }
        if (m->kind == RC_YAML_MAP)
            merge_from(&set, &e, m);
        else
            for (size_t j = 0; j < m->n; j++)
                merge_from(&set, &e, m->items[j]);
    }
    keyset_dispose(&set);
    if (rc == 0) {
        y->pub.n = e.n;
        y->pub.keys = arena_dup(ld->doc, e.keys, e.n * sizeof(*e.keys));
        y->pub.key_lines = arena_dup(ld->doc, e.lines, e.n * sizeof(*e.lines));
        y->pub.items = arena_dup(ld->doc, e.items, e.n * sizeof(*e.items));
        for (size_t i = 0; i < e.n; i++)
            y->weight = add_weight(y->weight, e.items[i]->weight);
    }
    free(e.keys);
    free(e.lines);
    free(e.items);
    return rc;
}

static int finish_seq(struct loader *ld, struct frame *f)
{
    struct ynode *y = f->node;
    y->pub.n = f->n;
    y->pub.items = arena_dup(ld->doc, f->items, f->n * sizeof(*f->items));
    for (size_t i = 0; i < f->n; i++)
        y->weight = add_weight(y->weight, f->items[i]->weight);
    return 0;
}

static int end_collection(struct loader *ld)
{
    struct frame f = ld->stack[--ld->depth];
    int rc = f.node->pub.kind == RC_YAML_MAP ? finish_map(ld, &f) : finish_seq(ld, &f);
    if (rc == 0 && f.anchor)
        anchor_set(ld, f.anchor, f.node);
    frame_dispose(&f);
    return rc < 0 ? rc : attach(ld, f.node);
}

static bool tagged_str(const yaml_char_t *tag)
{
    return tag && (strcmp((const char *)tag, YAML_STR_TAG) == 0 ||
                   strcmp((const char *)tag, "!!str") == 0);
}

static int on_scalar(struct loader *ld, const yaml_event_t *ev)
{
    int rc = count_nodes(ld, 1, line_of(&ev->start_mark));
    if (rc < 0)
        return rc;
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(value, '\0', len))
        return fatal(ld, RC_EINVAL, line_of(&ev->start_mark), "a string contains a NUL character");
    struct ynode *y = new_node(ld, RC_YAML_SCALAR, &ev->start_mark);
    y->pub.scalar = arena_strndup(ld->doc, value, len);
    y->pub.plain =
        ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tagged_str(ev->data.scalar.tag);
    if (ev->data.scalar.anchor) {
        const char *a = (const char *)ev->data.scalar.anchor;
        anchor_set(ld, arena_strndup(ld->doc, a, strlen(a)), y);
    }
    return attach(ld, y);
}

static int on_alias(struct loader *ld, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    struct ynode *y = anchor_get(ld, name);
    if (!y) {
        char *msg = rc_fmt("alias '*%s' names no anchor defined before it", name);
        int rc = fatal(ld, RC_EINVAL, line_of(&ev->start_mark), msg);
        free(msg);
        return rc;
    }
    int rc = count_nodes(ld, y->weight, line_of(&ev->start_mark));
    return rc < 0 ? rc : attach(ld, y);
}

static int on_event(struct loader *ld, const yaml_event_t *ev)
{
    int rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++ld->documents > 1)
            return fatal(ld, RC_EINVAL, line_of(&ev->start_mark),
                         "more than one document (---) in one file");
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(ld, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(ld, ev);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if ((rc = count_nodes(ld, 1, line_of(&ev->start_mark))) < 0)
            return rc;
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        struct ynode *y = new_node(ld, seq ? RC_YAML_SEQ : RC_YAML_MAP, &ev->start_mark);
        return push_frame(ld, y,
                          seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor);
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return end_collection(ld);
    case YAML_STREAM_END_EVENT:
        ld->done = true;
        return 0;
    default:
        return 0;
    }
}

static int syntax_error(struct loader *ld)
{
    const yaml_parser_t *p = &ld->parser;
    const char *problem_text = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return rc_error_set(ld->err, RC_ERR, "%s: out of memory", ld->doc->file);
    if (p->error == YAML_READER_ERROR) {
        int line = 1;
        for (size_t i = 0; i < p->problem_offset && i < ld->len; i++)
            line += ld->text[i] == '\n';
        return rc_error_set(ld->err, RC_EINVAL, "%s:%d: %s (byte %zu)", ld->doc->file, line,
                            problem_text, p->problem_offset);
    }
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_addf(&b, "%s:%d:%d: %s", ld->doc->file, line_of(&p->problem_mark),
                column_of(&p->problem_mark), problem_text);
    if (p->context) {
        rc_buf_addf(&b, " %s", p->context);
        if (p->context_mark.line != p->problem_mark.line)
            rc_buf_addf(&b, " (started at line %d)", line_of(&p->context_mark));
    }
    int rc = rc_error_set(ld->err, RC_EINVAL, "%s", rc_buf_str(&b));
    rc_buf_dispose(&b);
    return rc;
}

static int load(struct rc_yaml_doc **out, const char *name, const char *text, size_t len,
                struct rc_strv *problems, struct rc_error **err)
{
    *out = NULL;
    struct rc_yaml_doc *doc = rc_xcalloc(1, sizeof(*doc));
    doc->file = rc_xstrdup(name ? name : "<yaml>");
    struct loader *ld = rc_xcalloc(1, sizeof(*ld));
    ld->doc = doc;
    ld->problems = problems;
    ld->err = err;
    ld->text = text;
    ld->len = len;
    int rc = 0;
    if (!yaml_parser_initialize(&ld->parser)) {
        rc = rc_error_set(err, RC_ERR, "%s: cannot initialise the YAML parser", doc->file);
        goto out;
    }
    yaml_parser_set_input_string(&ld->parser, (const unsigned char *)text, len);
    while (!ld->done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ld->parser, &ev)) {
            rc = syntax_error(ld);
            break;
        }
        rc = on_event(ld, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ld->parser);
out:
    while (ld->depth)
        frame_dispose(&ld->stack[--ld->depth]);
    free(ld->stack);
    free(ld);
    if (rc < 0) {
        rc_yaml_free(doc);
        return rc;
    }
    if (doc->root && doc->root->kind == RC_YAML_SCALAR && rc_yaml_is_null(doc->root))
        doc->root = NULL; /* "---" alone, "~": an empty document */
    *out = doc;
    return 0;
}

int rc_yaml_load_string(struct rc_yaml_doc **out, const char *name, const char *text, size_t len,
                        struct rc_error **err)
{
    return load(out, name, text, len, NULL, err);
}

int rc_yaml_load_string_collect(struct rc_yaml_doc **out, const char *name, const char *text,
                                size_t len, struct rc_strv *problems, struct rc_error **err)
{
    struct rc_strv local = {0};
    int rc = load(out, name, text, len, problems ? problems : &local, err);
    rc_strv_dispose(&local);
    return rc;
}

static int load_file(struct rc_yaml_doc **out, const char *path, struct rc_strv *problems,
                     bool collect, struct rc_error **err)
{
    *out = NULL;
    struct rc_buf b = RC_BUF_INIT(RC_YAML_FILE_MAX);
    int rc = rc_buf_read_file(&b, path, err);
    if (rc == 0)
        rc = collect ? rc_yaml_load_string_collect(out, path, b.data, b.len, problems, err)
                     : load(out, path, b.data, b.len, NULL, err);
    rc_buf_dispose(&b);
    return rc;
}

int rc_yaml_load_file(struct rc_yaml_doc **out, const char *path, struct rc_error **err)
{
    return load_file(out, path, NULL, false, err);
}

int rc_yaml_load_file_collect(struct rc_yaml_doc **out, const char *path, struct rc_strv *problems,
                              struct rc_error **err)
{
    return load_file(out, path, problems, true, err);
}

void rc_yaml_free(struct rc_yaml_doc *doc)
{
    if (!doc)
        return;
    for (struct chunk *c = doc->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(doc->file);
    free(doc);
}

void rc_yaml_freep(struct rc_yaml_doc **doc)
{
    rc_yaml_free(*doc);
    *doc = NULL;
}

const struct rc_yaml_node *rc_yaml_root(const struct rc_yaml_doc *doc)
{
    return doc ? doc->root : NULL;
}

const char *rc_yaml_file(const struct rc_yaml_doc *doc)
{
    return doc ? doc->file : "<yaml>";
}

/* ---- getters --------------------------------------------------------------------------- */

const struct rc_yaml_node *rc_yaml_map_get(const struct rc_yaml_node *map, const char *key)
{
    if (!map || map->kind != RC_YAML_MAP || !key)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

static bool plain_scalar(const struct rc_yaml_node *n)
{
    return n && n->kind == RC_YAML_SCALAR && n->plain;
}

static bool one_of(const char *s, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

bool rc_yaml_is_null(const struct rc_yaml_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (!n)
        return true;
    return plain_scalar(n) && one_of(n->scalar, nulls, RC_ARRAY_LEN(nulls));
}

bool rc_yaml_bool(const struct rc_yaml_node *n, bool *out)
{
    /* YAML 1.2 core schema: no yes/no/on/off. */
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (!plain_scalar(n))
        return false;
    if (one_of(n->scalar, yes, RC_ARRAY_LEN(yes)))
        *out = true;
    else if (one_of(n->scalar, no, RC_ARRAY_LEN(no)))
        *out = false;
    else
        return false;
    return true;
}

static size_t count_digits(const char *s)
{
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

bool rc_yaml_int(const struct rc_yaml_node *n, int64_t *out)
{
    if (!plain_scalar(n))
        return false;
    const char *s = n->scalar;
    const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
    size_t nd = count_digits(d);
    if (!nd || d[nd])
        return false;
    return rc_parse_i64(s, out);
}

/* [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool decimal_syntax(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t whole = count_digits(s);
    s += whole;
    size_t frac = 0;
    if (*s == '.') {
        frac = count_digits(++s);
        s += frac;
    }
    if (!whole && !frac)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t exp = count_digits(s);
        if (!exp)
            return false;
        s += exp;
    }
    return *s == '\0';
}

bool rc_yaml_double(const struct rc_yaml_node *n, double *out)
{
    static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
    static const char *const ninf[] = {"-.inf", "-.Inf", "-.INF"};
    static const char *const nan[] = {".nan", ".NaN", ".NAN"};
    if (!plain_scalar(n))
        return false;
    const char *s = n->scalar;
    if (one_of(s, inf, RC_ARRAY_LEN(inf))) {
        *out = HUGE_VAL;
    } else if (one_of(s, ninf, RC_ARRAY_LEN(ninf))) {
        *out = -HUGE_VAL;
    } else if (one_of(s, nan, RC_ARRAY_LEN(nan))) {
        *out = NAN;
    } else {
        if (!decimal_syntax(s))
            return false;
        char *end;
        double v = strtod(s, &end);
        if (*end)
            return false;
        *out = v;
    }
    return true;
}

const char *rc_yaml_kind_name(enum rc_yaml_kind k)
{
    static const char *const names[] = {
        [RC_YAML_SCALAR] = "a scalar",
        [RC_YAML_SEQ] = "a list",
        [RC_YAML_MAP] = "a mapping",
    };
    return (size_t)k < RC_ARRAY_LEN(names) ? names[k] : "a node";
}

int rc_yaml_error(struct rc_error **err, const struct rc_yaml_doc *doc, int line, const char *key,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    int rc;
    if (key)
        rc = rc_error_set(err, RC_EINVAL, "%s:%d: key '%s': %s", rc_yaml_file(doc), line, key, msg);
    else
        rc = rc_error_set(err, RC_EINVAL, "%s:%d: %s", rc_yaml_file(doc), line, msg);
    free(msg);
    return rc;
}
