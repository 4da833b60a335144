#include "suite/suite.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml/yaml.h"

#include "base/banned.h"

/* Loader state for one file: problems are collected, loading goes on after each. */
struct loader {
    const struct rc_yaml_doc *doc;
    struct rc_strv *problems;
    int nproblems;
};

static void problem(struct loader *ld, int line, const char *key, const char *fmt, ...)
    RC_PRINTF(4, 5);
static void problem(struct loader *ld, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    if (key)
        rc_strv_push_take(ld->problems,
                          rc_fmt("%s:%d: key '%s': %s", rc_yaml_file(ld->doc), line, key, msg));
    else
        rc_strv_push_take(ld->problems, rc_fmt("%s:%d: %s", rc_yaml_file(ld->doc), line, msg));
    free(msg);
    ld->nproblems++;
}

static const char *scalar(struct loader *ld, const struct rc_yaml_node *n, const char *key)
{
    if (!n)
        return NULL;
    if (n->kind != RC_YAML_SCALAR) {
        problem(ld, n->line, key, "expected a string, got %s", rc_yaml_kind_name(n->kind));
        return NULL;
    }
    return n->scalar;
}

static void load_strlist(struct loader *ld, const struct rc_yaml_node *n, const char *key,
                         struct rc_strv *out)
{
    if (!n)
        return;
    if (n->kind == RC_YAML_SCALAR) {
        rc_strv_push(out, n->scalar);
        return;
    }
    if (n->kind != RC_YAML_SEQ) {
        problem(ld, n->line, key, "expected a list, got %s", rc_yaml_kind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(ld, n->items[i], key);
        if (s)
            rc_strv_push(out, s);
    }
}

/* ---- variables ------------------------------------------------------------------------- */

static const char *const builtin_vars[] = {"repo",     "repo2",     "run", "registry",
                                           "scenario", "namespace", NULL};

struct saved {
    char *name;
    const struct rc_op_def *def;
};

struct scope {
    struct saved *v;
    size_t n, cap;
};

static bool var_known(const struct scope *sc, const char *var, char *why, size_t whylen)
{
    for (const char *const *b = builtin_vars; *b; b++)
        if (rc_str_eq(var, *b))
            return true;
    const char *dot = strchr(var, '.');
    size_t nlen = dot ? (size_t)(dot - var) : strlen(var);
    for (size_t i = 0; i < sc->n; i++) {
        if (strlen(sc->v[i].name) != nlen || strncmp(sc->v[i].name, var, nlen) != 0)
            continue;
        if (!dot) {
            snprintf(why, whylen, "'{%s}' needs a field, like {%s.digest}", var, var);
            return false;
        }
        const char *const *f = sc->v[i].def->saves;
        for (; f && *f; f++)
            if (rc_str_eq(*f, dot + 1))
                return true;
        snprintf(why, whylen, "'%s' saves no field '%s'", sc->v[i].def->name, dot + 1);
        return false;
    }
    snprintf(why, whylen, "unknown variable '{%.*s}' (no earlier step saves it)", (int)nlen, var);
    return false;
}

static void check_vars(struct loader *ld, const struct scope *sc, const char *s, int line,
                       const char *key)
{
    const char *open, *close;
    for (const char *p = s; rc_find_var(p, &open, &close); p = close) {
        rc_autofree char *var = rc_xstrndup(open + 1, (size_t)(close - open - 2));
        char why[160];
        if (!var_known(sc, var, why, sizeof(why)))
            problem(ld, line, key, "%s", why);
    }
}

/* ---- steps ----------------------------------------------------------------------------- */

static void arg_dispose(struct rc_arg *a)
{
    free(a->str);
    rc_strv_dispose(&a->list);
    for (size_t i = 0; i < a->nmap; i++) {
        free(a->map[i].key);
        rc_strv_dispose(&a->map[i].values);
    }
    free(a->map);
}

static void step_dispose(struct rc_step *st)
{
    for (size_t i = 0; i < st->nargs; i++)
        arg_dispose(&st->args[i]);
    free(st->args);
}

static bool load_arg(struct loader *ld, const struct rc_arg_def *def, const struct rc_yaml_node *n,
                     const char *key, struct rc_arg *a)
{
    a->def = def;
    a->line = n->line;
    switch (def->type) {
    case RC_ARG_STR: {
        const char *s = scalar(ld, n, key);
        if (!s)
            return false;
        a->str = rc_xstrdup(s);
        return true;
    }
    case RC_ARG_INT:
    case RC_ARG_BOOL:
    case RC_ARG_SIZE: {
        const char *s = scalar(ld, n, key);
        if (!s)
            return false;
        a->str = rc_xstrdup(s);
        bool b;
        uint64_t sz;
        if (def->type == RC_ARG_INT && rc_yaml_int(n, &a->num))
            return true;
        if (def->type == RC_ARG_BOOL && rc_yaml_bool(n, &b)) {
            a->num = b;
            return true;
        }
        if (def->type == RC_ARG_SIZE && rc_parse_size(s, &sz) && sz <= INT64_MAX) {
            a->num = (int64_t)sz;
            return true;
        }
        problem(ld, n->line, key, "expected %s, got '%s'",
                def->type == RC_ARG_INT    ? "an integer"
                : def->type == RC_ARG_BOOL ? "true or false"
                                           : "a size like 4096, 64KiB or 9MiB",
                s);
        return false;
    }
    case RC_ARG_LIST:
        load_strlist(ld, n, key, &a->list);
        return true;
    case RC_ARG_MAP:
        if (n->kind != RC_YAML_MAP) {
            problem(ld, n->line, key, "expected a mapping, got %s", rc_yaml_kind_name(n->kind));
            return false;
        }
        a->map = rc_xcalloc(n->n, sizeof(*a->map));
        for (size_t i = 0; i < n->n; i++) {
            struct rc_map_entry *e = &a->map[a->nmap++];
            e->key = rc_xstrdup(n->keys[i]);
            e->line = n->key_lines[i];
            rc_autofree char *sub = rc_fmt("%s.%s", key, n->keys[i]);
            load_strlist(ld, n->items[i], sub, &e->values);
        }
        return true;
    }
    return false;
}

static void check_arg_vars(struct loader *ld, const struct scope *sc, const struct rc_arg *a,
                           const char *key)
{
    if (a->str && a->def->type == RC_ARG_STR)
        check_vars(ld, sc, a->str, a->line, key);
    for (size_t i = 0; i < a->list.n; i++)
        check_vars(ld, sc, a->list.v[i], a->line, key);
    for (size_t i = 0; i < a->nmap; i++) {
        check_vars(ld, sc, a->map[i].key, a->map[i].line, key);
        for (size_t j = 0; j < a->map[i].values.n; j++)
            check_vars(ld, sc, a->map[i].values.v[j], a->map[i].line, key);
    }
}

static bool has_var(const char *s)
{
    const char *open, *close;
    return rc_find_var(s, &open, &close);
}

static void check_choice(struct loader *ld, const struct rc_arg *a, const char *key)
{
    if (!a->def->choices || a->def->type != RC_ARG_STR || has_var(a->str))
        return;
    for (const char *const *c = a->def->choices; *c; c++)
        if (rc_str_eq(*c, a->str))
            return;
    struct rc_strv all = {0};
    for (const char *const *c = a->def->choices; *c; c++)
        rc_strv_push(&all, *c);
    rc_autofree char *list = rc_strv_join(&all, ", ");
    rc_strv_dispose(&all);
    problem(ld, a->line, key, "'%s' is not one of: %s", a->str, list);
}

/* The arguments of one operation (args may be NULL: none). */
static bool load_args(struct loader *ld, struct scope *sc, const struct rc_op_def *opdef,
                      const struct rc_yaml_node *args, int line, struct rc_step *st)
{
    memset(st, 0, sizeof(*st));
    st->line = line;
    st->def = opdef;
    const char *opname = opdef->name;
    if (args && rc_yaml_is_null(args))
        args = NULL;
    if (args && args->kind != RC_YAML_MAP) {
        problem(ld, args->line, opname, "arguments must be a mapping, got %s",
                rc_yaml_kind_name(args->kind));
        return false;
    }
    size_t nargs = args ? args->n : 0;
    st->args = rc_xcalloc(nargs ? nargs : 1, sizeof(*st->args));
    bool ok = true;
    for (size_t i = 0; i < nargs; i++) {
        const struct rc_arg_def *def = st->def->args;
        while (def->key && !rc_str_eq(def->key, args->keys[i]))
            def++;
        rc_autofree char *key = rc_fmt("%s.%s", opname, args->keys[i]);
        if (!def->key) {
            problem(ld, args->key_lines[i], key, "unknown argument of '%s'", opname);
            ok = false;
            continue;
        }
        struct rc_arg *a = &st->args[st->nargs];
        if (load_arg(ld, def, args->items[i], key, a)) {
            check_arg_vars(ld, sc, a, key);
            check_choice(ld, a, key);
            st->nargs++;
        } else {
            arg_dispose(a);
            memset(a, 0, sizeof(*a));
            ok = false;
        }
    }
    for (const struct rc_arg_def *def = st->def->args; def->key; def++) {
        if (def->required && !rc_step_arg(st, def->key)) {
            rc_autofree char *key = rc_fmt("%s.%s", opname, def->key);
            problem(ld, line, key, "required argument missing");
            ok = false;
        }
    }
    const char *save = rc_step_str(st, "save");
    if (save) {
        struct saved s = {rc_xstrdup(save), st->def};
        RC_PUSH(sc->v, sc->n, sc->cap, s);
    }
    return ok;
}

struct steps {
    struct rc_step *v;
    size_t n, cap;
};

static void add_step(struct steps *out, struct rc_step *st, bool ok)
{
    if (ok)
        RC_PUSH(out->v, out->n, out->cap, *st);
    else
        step_dispose(st);
}

/* One list item: `- OPERATION: {args}`, optionally with `expect:` (one expectation or a
 * list of them) judging that operation's answer. Nested expectations become `expect` steps
 * right after the operation, which is what a bare `- expect:` item means too. */
static void load_step(struct loader *ld, struct scope *sc, const struct rc_yaml_node *n,
                      const char *where, enum rc_step_role role, struct steps *out)
{
    const char *usage = "a step is a mapping with one operation (and optionally 'expect'), "
                        "like '- push-blob: {size: 4KiB}'";
    if (n->kind != RC_YAML_MAP || n->n == 0) {
        problem(ld, n->line, where, "%s", usage);
        return;
    }
    const struct rc_op_def *def = NULL;
    size_t opkey = 0;
    const struct rc_yaml_node *nested = NULL;
    for (size_t i = 0; i < n->n; i++) {
        if (rc_str_eq(n->keys[i], "expect") && n->n > 1) {
            nested = n->items[i];
            continue;
        }
        if (def) {
            problem(ld, n->key_lines[i], n->keys[i], "%s", usage);
            return;
        }
        def = rc_op_find(n->keys[i]);
        opkey = i;
        if (!def) {
            problem(ld, n->key_lines[i], where,
                    "unknown operation '%s' (see 'regcompat list operations')", n->keys[i]);
            return;
        }
    }
    if (!def) {
        problem(ld, n->line, where, "%s", usage);
        return;
    }
    if (nested && def->op == RC_OP_EXPECT) {
        problem(ld, n->line, "expect", "an expectation cannot carry another");
        return;
    }
    struct rc_step st;
    bool ok = load_args(ld, sc, def, n->items[opkey], n->line, &st);
    st.role = role;
    const char *r = rc_step_str(&st, "role");
    if (r && rc_str_eq(r, "precondition"))
        st.role = RC_ROLE_PRECONDITION;
    else if (r && rc_str_eq(r, "probe"))
        st.role = RC_ROLE_PROBE;
    if (role == RC_ROLE_CLEANUP)
        st.role = RC_ROLE_CLEANUP;
    add_step(out, &st, ok);
    if (!nested)
        return;
    const struct rc_op_def *edef = rc_op_def(RC_OP_EXPECT);
    bool list = nested->kind == RC_YAML_SEQ;
    size_t ne = list ? nested->n : 1;
    for (size_t i = 0; i < ne; i++) {
        const struct rc_yaml_node *e = list ? nested->items[i] : nested;
        struct rc_step es;
        bool eok = load_args(ld, sc, edef, e, e->line, &es);
        es.role = st.role;
        add_step(out, &es, eok);
    }
}

static void load_steps(struct loader *ld, struct scope *sc, const struct rc_yaml_node *n,
                       const char *key, enum rc_step_role role, struct rc_step **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!n || rc_yaml_is_null(n))
        return;
    if (n->kind != RC_YAML_SEQ) {
        problem(ld, n->line, key, "expected a list of steps, got %s", rc_yaml_kind_name(n->kind));
        return;
    }
    struct steps v = {0};
    for (size_t i = 0; i < n->n; i++)
        load_step(ld, sc, n->items[i], key, role, &v);
    /* each operation is judged by the expectations that follow it */
    for (size_t i = 0; i < v.n; i++) {
        if (v.v[i].def->op == RC_OP_EXPECT)
            continue;
        size_t k = i + 1;
        while (k < v.n && v.v[k].def->op == RC_OP_EXPECT) {
            v.v[k].role = v.v[i].role;
            k++;
        }
        v.v[i].nexpects = k - i - 1;
    }
    *out = v.v;
    *nout = v.n;
}

const char *rc_step_role_name(enum rc_step_role r)
{
    static const char *const names[] = {"probe", "precondition", "cleanup"};
    return names[r];
}

/* ---- scenarios and suites -------------------------------------------------------------- */

static bool valid_id(const char *id)
{
    if (!id || !*id)
        return false;
    for (const char *p = id; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
                  *p == '_';
        if (!ok)
            return false;
    }
    return true;
}

static void scenario_dispose(struct rc_scenario *s)
{
    free(s->id);
    free(s->suite);
    free(s->feature);
    free(s->title);
    free(s->file);
    free(s->client);
    rc_strv_dispose(&s->needs);
    rc_strv_dispose(&s->tags);
    struct {
        struct rc_step *v;
        size_t n;
    } lists[] = {{s->setup, s->nsetup}, {s->steps, s->nsteps}, {s->cleanup, s->ncleanup}};
    for (size_t l = 0; l < RC_ARRAY_LEN(lists); l++) {
        for (size_t i = 0; i < lists[l].n; i++)
            step_dispose(&lists[l].v[i]);
        free(lists[l].v);
    }
}

static const char *const scenario_keys[] = {"id",    "feature", "title",   "needs", "tags",
                                            "setup", "steps",   "cleanup", NULL};

static bool load_scenario(struct loader *ld, const char *suite, const char *client,
                          const char *path, const struct rc_yaml_node *n, struct rc_scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    sc->client = rc_xstrdup(client);
    if (n->kind != RC_YAML_MAP) {
        problem(ld, n->line, "scenarios", "each scenario is a mapping");
        return false;
    }
    int before = ld->nproblems;
    for (size_t i = 0; i < n->n; i++) {
        const char *const *k = scenario_keys;
        while (*k && !rc_str_eq(*k, n->keys[i]))
            k++;
        if (!*k)
            problem(ld, n->key_lines[i], n->keys[i], "unknown scenario key");
    }
    sc->suite = rc_xstrdup(suite);
    sc->file = rc_xstrdup(path);
    sc->line = n->line;
    sc->id = rc_xstrdup(scalar(ld, rc_yaml_map_get(n, "id"), "id"));
    if (!valid_id(sc->id))
        problem(ld, n->line, "id", "missing or invalid (use lower-case letters, digits, . - _)");
    else if (!rc_str_starts(sc->id, suite) || sc->id[strlen(suite)] != '.')
        problem(ld, n->line, "id", "'%s' must start with the suite name '%s.'", sc->id, suite);
    sc->feature = rc_xstrdup(scalar(ld, rc_yaml_map_get(n, "feature"), "feature"));
    if (!sc->feature)
        problem(ld, n->line, "feature", "required: the matrix column this scenario counts toward");
    sc->title = rc_xstrdup(scalar(ld, rc_yaml_map_get(n, "title"), "title"));
    if (!sc->title)
        problem(ld, n->line, "title", "required: one line saying what is checked");
    load_strlist(ld, rc_yaml_map_get(n, "needs"), "needs", &sc->needs);
    load_strlist(ld, rc_yaml_map_get(n, "tags"), "tags", &sc->tags);
    struct scope vars = {0};
    load_steps(ld, &vars, rc_yaml_map_get(n, "setup"), "setup", RC_ROLE_PRECONDITION, &sc->setup,
               &sc->nsetup);
    load_steps(ld, &vars, rc_yaml_map_get(n, "steps"), "steps", RC_ROLE_PROBE, &sc->steps,
               &sc->nsteps);
    load_steps(ld, &vars, rc_yaml_map_get(n, "cleanup"), "cleanup", RC_ROLE_CLEANUP, &sc->cleanup,
               &sc->ncleanup);
    for (size_t i = 0; i < vars.n; i++)
        free(vars.v[i].name);
    free(vars.v);
    if (!sc->nsteps && ld->nproblems == before)
        problem(ld, n->line, "steps", "a scenario needs at least one step");
    return ld->nproblems == before;
}

void rc_suite_dispose(struct rc_suite *s)
{
    for (size_t i = 0; i < s->nscenarios; i++)
        scenario_dispose(&s->scenarios[i]);
    free(s->scenarios);
    free(s->name);
    free(s->description);
    free(s->client);
    free(s->path);
    memset(s, 0, sizeof(*s));
}

void rc_suites_free(struct rc_suite *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rc_suite_dispose(&v[i]);
    free(v);
}

/* ---- needs cycles ---------------------------------------------------------------------- */

/* A depth-first walk along `needs`. A need that leads back to a scenario on the current path
 * closes a cycle, which no scheduler could ever start. */
struct cycle_walk {
    const struct rc_scenario *const *v;
    size_t n;
    unsigned char *state; /* 0 not seen, 1 on the path, 2 done */
    size_t *path;
    size_t depth;
    bool cross_file_only; /* only cycles through more than one file (the others were found
                             when each file was loaded) */
    struct rc_strv *problems;
    int found;
};

static size_t walk_index(const struct cycle_walk *cw, const char *id)
{
    for (size_t i = 0; i < cw->n; i++)
        if (rc_str_eq(cw->v[i]->id, id))
            return i;
    return SIZE_MAX;
}

/* The cycle is path[from..depth) plus its first scenario again; it is reported at its
 * scenario that comes first in the files, starting from there. */
static void report_cycle(struct cycle_walk *cw, size_t from)
{
    size_t len = cw->depth - from, first = from;
    bool cross = false;
    for (size_t k = from; k < cw->depth; k++) {
        if (cw->path[k] < cw->path[first])
            first = k;
        cross |= !rc_str_eq(cw->v[cw->path[k]]->file, cw->v[cw->path[from]]->file);
    }
    if (cw->cross_file_only && !cross)
        return;
    struct rc_buf b = RC_BUF_INIT(0);
    for (size_t k = 0; k <= len; k++)
        rc_buf_addf(&b, "%s%s", k ? " -> " : "",
                    cw->v[cw->path[from + (first - from + k) % len]]->id);
    const struct rc_scenario *at = cw->v[cw->path[first]];
    rc_strv_push_take(cw->problems,
                      rc_fmt("%s:%d: key 'needs': a cycle, each scenario needing the next, so "
                             "none can ever run: %s",
                             at->file, at->line, rc_buf_str(&b)));
    rc_buf_dispose(&b);
    cw->found++;
}

static void walk_needs(struct cycle_walk *cw, size_t i)
{
    cw->state[i] = 1;
    cw->path[cw->depth++] = i;
    const struct rc_scenario *sc = cw->v[i];
    for (size_t k = 0; k < sc->needs.n; k++) {
        size_t j = walk_index(cw, sc->needs.v[k]);
        if (j == SIZE_MAX || cw->state[j] == 2)
            continue;
        if (cw->state[j] == 1) {
            size_t from = cw->depth;
            while (from > 0 && cw->path[from - 1] != j)
                from--;
            report_cycle(cw, from - 1);
            continue;
        }
        walk_needs(cw, j);
    }
    cw->depth--;
    cw->state[i] = 2;
}

/* Appends a problem for every `needs` cycle among v[0..n) and returns how many. */
static int find_cycles(const struct rc_scenario *const *v, size_t n, bool cross_file_only,
                       struct rc_strv *problems)
{
    struct cycle_walk cw = {.v = v,
                            .n = n,
                            .state = rc_xcalloc(n ? n : 1, 1),
                            .path = rc_xcalloc(n ? n : 1, sizeof(size_t)),
                            .cross_file_only = cross_file_only,
                            .problems = problems};
    for (size_t i = 0; i < n; i++)
        if (!cw.state[i])
            walk_needs(&cw, i);
    free(cw.state);
    free(cw.path);
    return cw.found;
}

int rc_suite_load(struct rc_suite *out, const char *path, struct rc_strv *problems)
{
    memset(out, 0, sizeof(*out));
    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    if (rc_yaml_load_file(&doc, path, &err) < 0) {
        rc_strv_push(problems, rc_error_msg(err));
        rc_error_free(err);
        return RC_EINVAL;
    }
    struct loader ld = {doc, problems, 0};
    const struct rc_yaml_node *root = rc_yaml_root(doc);
    out->path = rc_xstrdup(path);
    if (!root || root->kind != RC_YAML_MAP) {
        problem(&ld, root ? root->line : 1, NULL,
                "a suite is a mapping with 'suite' and 'scenarios'");
        rc_yaml_free(doc);
        return RC_EINVAL;
    }
    for (size_t i = 0; i < root->n; i++) {
        static const char *const keys[] = {"suite", "description", "client", "scenarios"};
        bool known = false;
        for (size_t k = 0; k < RC_ARRAY_LEN(keys); k++)
            known |= rc_str_eq(keys[k], root->keys[i]);
        if (!known)
            problem(&ld, root->key_lines[i], root->keys[i], "unknown key");
    }
    out->name = rc_xstrdup(scalar(&ld, rc_yaml_map_get(root, "suite"), "suite"));
    if (!valid_id(out->name) || strchr(out->name, '.')) {
        problem(&ld, root->line, "suite", "missing or invalid suite name");
        free(out->name);
        out->name = rc_xstrdup("invalid");
    }
    out->description = rc_xstrdup(scalar(&ld, rc_yaml_map_get(root, "description"), "description"));
    const struct rc_yaml_node *cl = rc_yaml_map_get(root, "client");
    if (cl) {
        const char *v = scalar(&ld, cl, "client");
        bool known = false;
        for (const char *const *k = rc_suite_clients; v && *k; k++)
            known |= rc_str_eq(*k, v);
        if (!known)
            problem(&ld, cl->line, "client", "'%s' is not one of: spec, kwctl", v ? v : "");
        else if (!rc_str_eq(v, "spec"))
            out->client = rc_xstrdup(v);
    }
    const struct rc_yaml_node *scs = rc_yaml_map_get(root, "scenarios");
    if (!scs || scs->kind != RC_YAML_SEQ) {
        problem(&ld, scs ? scs->line : root->line, "scenarios", "expected a list of scenarios");
    } else {
        out->scenarios = rc_xcalloc(scs->n ? scs->n : 1, sizeof(*out->scenarios));
        for (size_t i = 0; i < scs->n; i++) {
            struct rc_scenario sc;
            if (load_scenario(&ld, out->name, out->client, path, scs->items[i], &sc))
                out->scenarios[out->nscenarios++] = sc;
            else
                scenario_dispose(&sc);
        }
        for (size_t i = 0; i < out->nscenarios; i++)
            for (size_t j = 0; j < i; j++)
                if (rc_str_eq(out->scenarios[i].id, out->scenarios[j].id))
                    problem(&ld, out->scenarios[i].line, "id", "duplicate scenario id '%s'",
                            out->scenarios[i].id);
        /* needs within this file (those to other files are checked with the folder) */
        const struct rc_scenario **v = rc_xcalloc(out->nscenarios + 1, sizeof(*v));
        for (size_t i = 0; i < out->nscenarios; i++)
            v[i] = &out->scenarios[i];
        ld.nproblems += find_cycles(v, out->nscenarios, false, problems);
        free(v);
    }
    rc_yaml_free(doc);
    return ld.nproblems ? RC_EINVAL : 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const struct rc_scenario *find_scenario(const struct rc_suite *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].nscenarios; j++)
            if (rc_str_eq(v[i].scenarios[j].id, id))
                return &v[i].scenarios[j];
    return NULL;
}

int rc_suite_load_dir(struct rc_suite **out, size_t *n, const char *dir, struct rc_strv *problems)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        rc_strv_push_take(problems, rc_fmt("%s: cannot open the suites directory", dir));
        return RC_EINVAL;
    }
    struct rc_strv files = {0};
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' &&
            (rc_str_ends(de->d_name, ".yaml") || rc_str_ends(de->d_name, ".yml")))
            rc_strv_push_take(&files, rc_fmt("%s/%s", dir, de->d_name));
    closedir(d);
    qsort(files.v, files.n, sizeof(char *), cmp_name);
    int rc = 0;
    struct rc_suite *v = rc_xcalloc(files.n ? files.n : 1, sizeof(*v));
    for (size_t i = 0; i < files.n; i++) {
        if (rc_suite_load(&v[*n], files.v[i], problems) < 0)
            rc = RC_EINVAL;
        (*n)++;
    }
    rc_strv_dispose(&files);
    for (size_t i = 0; i < *n; i++) {
        for (size_t j = 0; j < v[i].nscenarios; j++) {
            const struct rc_scenario *sc = &v[i].scenarios[j];
            const struct rc_scenario *first = find_scenario(v, *n, sc->id);
            if (first != sc) {
                rc_strv_push_take(problems,
                                  rc_fmt("%s:%d: key 'id': '%s' is also defined in %s:%d", sc->file,
                                         sc->line, sc->id, first->file, first->line));
                rc = RC_EINVAL;
            }
            for (size_t k = 0; k < sc->needs.n; k++) {
                if (!find_scenario(v, *n, sc->needs.v[k])) {
                    rc_strv_push_take(problems, rc_fmt("%s:%d: key 'needs': no scenario '%s'",
                                                       sc->file, sc->line, sc->needs.v[k]));
                    rc = RC_EINVAL;
                }
            }
        }
    }
    /* cycles through several files (each file's own were found as it was loaded) */
    size_t total = 0;
    for (size_t i = 0; i < *n; i++)
        total += v[i].nscenarios;
    const struct rc_scenario **all = rc_xcalloc(total + 1, sizeof(*all));
    total = 0;
    for (size_t i = 0; i < *n; i++)
        for (size_t j = 0; j < v[i].nscenarios; j++)
            all[total++] = &v[i].scenarios[j];
    if (find_cycles(all, total, true, problems))
        rc = RC_EINVAL;
    free(all);
    *out = v;
    return rc;
}

const struct rc_scenario *rc_suite_find_tagged(const struct rc_suite *v, size_t n, const char *tag)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].nscenarios; j++)
            if (rc_strv_contains(&v[i].scenarios[j].tags, tag))
                return &v[i].scenarios[j];
    return NULL;
}

const struct rc_arg *rc_step_arg(const struct rc_step *st, const char *key)
{
    for (size_t i = 0; i < st->nargs; i++)
        if (rc_str_eq(st->args[i].def->key, key))
            return &st->args[i];
    return NULL;
}

const char *rc_step_str(const struct rc_step *st, const char *key)
{
    const struct rc_arg *a = rc_step_arg(st, key);
    return a ? a->str : NULL;
}

const struct rc_map_entry *rc_map_get(const struct rc_arg *a, const char *key)
{
    for (size_t i = 0; a && i < a->nmap; i++)
        if (rc_str_ieq(a->map[i].key, key))
            return &a->map[i];
    return NULL;
}
