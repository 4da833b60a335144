#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cu.h"
#include "yaml/yaml.h"

static struct rc_yaml_doc *load_ok(const char *text)
{
    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    int rc = rc_yaml_load_string(&doc, "t.yaml", text, strlen(text), &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (err)
        fprintf(stderr, "unexpected error: %s\n", rc_error_msg(err));
    rc_error_free(err);
    return doc;
}

/* Loads text expecting a failure; returns the message (to free) and the code in *code. */
static char *load_fail(const char *text, int *code)
{
    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    int rc = rc_yaml_load_string(&doc, "t.yaml", text, strlen(text), &err);
    CU_ASSERT(rc < 0);
    CU_ASSERT_PTR_NULL(doc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_EQUAL(err->code, rc);
    if (code)
        *code = rc;
    char *msg = rc_xstrdup(rc_error_msg(err));
    rc_error_free(err);
    return msg;
}

static void test_tree_and_marks(void)
{
    const char *text = "name: Harbor\n"
                       "tls:\n"
                       "  verify: false\n"
                       "  ca: 'certs/ca.pem'\n"
                       "list: [a, \"b\", 3]\n"
                       "empty:\n";
    struct rc_yaml_doc *doc = load_ok(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    RC_ASSERT_STR(rc_yaml_file(doc), "t.yaml");
    const struct rc_yaml_node *root = rc_yaml_root(doc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_EQUAL(root->kind, RC_YAML_MAP);
    CU_ASSERT_EQUAL(root->n, 4);
    RC_ASSERT_STR(root->keys[1], "tls");
    CU_ASSERT_EQUAL(root->key_lines[1], 2);
    CU_ASSERT_EQUAL(root->key_lines[3], 6);

    const struct rc_yaml_node *name = rc_yaml_map_get(root, "name");
    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    RC_ASSERT_STR(name->scalar, "Harbor");
    CU_ASSERT(name->plain);
    CU_ASSERT_EQUAL(name->line, 1);
    CU_ASSERT_EQUAL(name->column, 7);

    const struct rc_yaml_node *tls = rc_yaml_map_get(root, "tls");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tls);
    CU_ASSERT_EQUAL(tls->kind, RC_YAML_MAP);
    const struct rc_yaml_node *ca = rc_yaml_map_get(tls, "ca");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
    CU_ASSERT_FALSE(ca->plain);
    CU_ASSERT_EQUAL(ca->line, 4);
    CU_ASSERT_EQUAL(ca->column, 7);
    bool b = true;
    CU_ASSERT(rc_yaml_bool(rc_yaml_map_get(tls, "verify"), &b));
    CU_ASSERT_FALSE(b);

    const struct rc_yaml_node *list = rc_yaml_map_get(root, "list");
    CU_ASSERT_PTR_NOT_NULL_FATAL(list);
    CU_ASSERT_EQUAL(list->kind, RC_YAML_SEQ);
    CU_ASSERT_EQUAL(list->n, 3);
    CU_ASSERT(list->items[0]->plain);
    CU_ASSERT_FALSE(list->items[1]->plain);
    int64_t i = 0;
    CU_ASSERT(rc_yaml_int(list->items[2], &i) && i == 3);

    const struct rc_yaml_node *empty = rc_yaml_map_get(root, "empty");
    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    CU_ASSERT(rc_yaml_is_null(empty));
    RC_ASSERT_STR(empty->scalar, "");
    CU_ASSERT_PTR_NULL(rc_yaml_map_get(root, "missing"));
    CU_ASSERT_PTR_NULL(rc_yaml_map_get(name, "x"));
    rc_yaml_free(doc);
}

static const struct rc_yaml_node *first_value(const struct rc_yaml_doc *doc)
{
    const struct rc_yaml_node *root = rc_yaml_root(doc);
    return root && root->kind == RC_YAML_MAP && root->n ? root->items[0] : NULL;
}

static void test_typed_getters(void)
{
    static const struct {
        const char *text;
        bool is_bool, bval;
        bool is_int;
        int64_t ival;
        bool is_double;
        double dval;
        bool is_null;
    } cases[] = {
        {"v: true", true, true, false, 0, false, 0, false},
        {"v: False", true, false, false, 0, false, 0, false},
        {"v: 'true'", false, false, false, 0, false, 0, false},
        {"v: yes", false, false, false, 0, false, 0, false},
        {"v: on", false, false, false, 0, false, 0, false},
        {"v: 42", false, false, true, 42, true, 42, false},
        {"v: -7", false, false, true, -7, true, -7, false},
        {"v: \"42\"", false, false, false, 0, false, 0, false},
        {"v: 0x10", false, false, false, 0, false, 0, false},
        {"v: 1_000", false, false, false, 0, false, 0, false},
        {"v: 99999999999999999999", false, false, false, 0, true, 1e20, false},
        {"v: 2.5", false, false, false, 0, true, 2.5, false},
        {"v: .5e1", false, false, false, 0, true, 5, false},
        {"v: 1e3", false, false, false, 0, true, 1000, false},
        {"v: 1.2.3", false, false, false, 0, false, 0, false},
        {"v: ~", false, false, false, 0, false, 0, true},
        {"v: null", false, false, false, 0, false, 0, true},
        {"v: 'null'", false, false, false, 0, false, 0, false},
        {"v: !!str 12", false, false, false, 0, false, 0, false},
    };
    for (size_t k = 0; k < RC_ARRAY_LEN(cases); k++) {
        struct rc_yaml_doc *doc = load_ok(cases[k].text);
        const struct rc_yaml_node *v = first_value(doc);
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        bool b = false;
        int64_t i = 0;
        double d = 0;
        bool ok =
            rc_yaml_bool(v, &b) == cases[k].is_bool && (!cases[k].is_bool || b == cases[k].bval) &&
            rc_yaml_int(v, &i) == cases[k].is_int && (!cases[k].is_int || i == cases[k].ival) &&
            rc_yaml_double(v, &d) == cases[k].is_double &&
            (!cases[k].is_double || d == cases[k].dval) && rc_yaml_is_null(v) == cases[k].is_null;
        if (!ok)
            fprintf(stderr, "typed getter case failed: %s\n", cases[k].text);
        CU_ASSERT(ok);
        rc_yaml_free(doc);
    }
    /* a list is none of these */
    struct rc_yaml_doc *doc = load_ok("v: [1]");
    bool b;
    CU_ASSERT_FALSE(rc_yaml_bool(first_value(doc), &b));
    RC_ASSERT_STR(rc_yaml_kind_name(first_value(doc)->kind), "a list");
    RC_ASSERT_STR(rc_yaml_kind_name(RC_YAML_MAP), "a mapping");
    RC_ASSERT_STR(rc_yaml_kind_name(RC_YAML_SCALAR), "a scalar");
    rc_yaml_free(doc);
}

static void test_anchors_and_merge(void)
{
    const char *text = "base: &b\n"
                       "  user: alice\n"
                       "  limits: &l {retries: 1}\n"
                       "copy: *b\n"
                       "derived:\n"
                       "  <<: *b\n"
                       "  user: bob\n"
                       "multi:\n"
                       "  <<: [{a: 1}, {a: 2, c: 3}]\n"
                       "again: *l\n"
                       "quoted: {'<<': x}\n";
    struct rc_yaml_doc *doc = load_ok(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const struct rc_yaml_node *root = rc_yaml_root(doc);
    const struct rc_yaml_node *base = rc_yaml_map_get(root, "base");
    CU_ASSERT_PTR_EQUAL(rc_yaml_map_get(root, "copy"), base);
    const struct rc_yaml_node *derived = rc_yaml_map_get(root, "derived");
    CU_ASSERT_PTR_NOT_NULL_FATAL(derived);
    CU_ASSERT_EQUAL(derived->n, 2);
    RC_ASSERT_STR(rc_yaml_map_get(derived, "user")->scalar, "bob");
    CU_ASSERT_PTR_EQUAL(rc_yaml_map_get(derived, "limits"), rc_yaml_map_get(base, "limits"));
    CU_ASSERT_PTR_NULL(rc_yaml_map_get(derived, "<<"));
    const struct rc_yaml_node *multi = rc_yaml_map_get(root, "multi");
    RC_ASSERT_STR(rc_yaml_map_get(multi, "a")->scalar, "1");
    RC_ASSERT_STR(rc_yaml_map_get(multi, "c")->scalar, "3");
    CU_ASSERT_PTR_EQUAL(rc_yaml_map_get(root, "again"), rc_yaml_map_get(base, "limits"));
    CU_ASSERT_PTR_NOT_NULL(rc_yaml_map_get(rc_yaml_map_get(root, "quoted"), "<<"));
    rc_yaml_free(doc);

    char *msg = load_fail("a: *nowhere\n", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "t.yaml:1:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nowhere"));
    free(msg);
    /* an alias cannot point into the node that defines it (no cycles) */
    msg = load_fail("a: &x [*x]\n", NULL);
    free(msg);
    msg = load_fail("a:\n  <<: 5\n", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "t.yaml:2: key 'a.<<': "));
    free(msg);
}

static void test_duplicates(void)
{
    const char *text = "url: a\n"
                       "auth:\n"
                       "  username: u\n"
                       "  username: v\n"
                       "expect:\n"
                       "  - {check: x, reason: y}\n"
                       "  - {check: x, check: z}\n"
                       "url: b\n";
    int code = 0;
    char *msg = load_fail(text, &code);
    RC_ASSERT_STR(msg, "t.yaml:4: key 'auth.username': duplicate key (first at line 3)");
    CU_ASSERT_EQUAL(code, RC_EINVAL);
    free(msg);

    /* collect mode: every duplicate is reported and the first value is kept */
    struct rc_strv problems = {0};
    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(
        rc_yaml_load_string_collect(&doc, "t.yaml", text, strlen(text), &problems, &err), 0);
    CU_ASSERT_PTR_NULL(err);
    CU_ASSERT_EQUAL_FATAL(problems.n, 3);
    RC_ASSERT_STR(problems.v[0], "t.yaml:4: key 'auth.username': duplicate key (first at line 3)");
    RC_ASSERT_STR(problems.v[1],
                  "t.yaml:7: key 'expect[1].check': duplicate key (first at line 7)");
    RC_ASSERT_STR(problems.v[2], "t.yaml:8: key 'url': duplicate key (first at line 1)");
    const struct rc_yaml_node *root = rc_yaml_root(doc);
    RC_ASSERT_STR(rc_yaml_map_get(root, "url")->scalar, "a");
    RC_ASSERT_STR(rc_yaml_map_get(rc_yaml_map_get(root, "auth"), "username")->scalar, "u");
    rc_yaml_free(doc);
    rc_strv_dispose(&problems);
}

static void test_non_scalar_keys(void)
{
    char *msg = load_fail("top:\n  ? [a, b]\n  : c\n", NULL);
    RC_ASSERT_STR(msg, "t.yaml:2: key 'top': keys must be scalars, got a list");
    free(msg);
    struct rc_strv problems = {0};
    struct rc_yaml_doc *doc = NULL;
    const char *text = "? {a: 1}\n: dropped\nkept: 1\n";
    CU_ASSERT_EQUAL(
        rc_yaml_load_string_collect(&doc, "t.yaml", text, strlen(text), &problems, NULL), 0);
    CU_ASSERT_EQUAL(problems.n, 1);
    CU_ASSERT_EQUAL(rc_yaml_root(doc)->n, 1);
    RC_ASSERT_STR(rc_yaml_root(doc)->keys[0], "kept");
    rc_yaml_free(doc);
    rc_strv_dispose(&problems);
}

static void test_documents_and_empty(void)
{
    char *msg = load_fail("a: 1\n---\nb: 2\n", NULL);
    CU_ASSERT(rc_str_starts(msg, "t.yaml:2: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "more than one document"));
    free(msg);
    static const char *const empties[] = {"", "# only a comment\n", "---\n", "--- ~\n", "\n\n"};
    for (size_t i = 0; i < RC_ARRAY_LEN(empties); i++) {
        struct rc_yaml_doc *doc = load_ok(empties[i]);
        CU_ASSERT_PTR_NOT_NULL(doc);
        CU_ASSERT_PTR_NULL(rc_yaml_root(doc));
        rc_yaml_free(doc);
    }
    /* one explicit document is fine */
    struct rc_yaml_doc *doc = load_ok("---\na: 1\n...\n");
    CU_ASSERT_PTR_NOT_NULL(rc_yaml_root(doc));
    rc_yaml_free(doc);
}

static void test_syntax_errors(void)
{
    int code = 0;
    char *msg = load_fail("a: 1\nb: [1, 2\nc: 3\n", &code);
    CU_ASSERT_EQUAL(code, RC_EINVAL);
    CU_ASSERT(rc_str_starts(msg, "t.yaml:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "flow sequence"));
    free(msg);
    msg = load_fail("a: 1\n  b: 2\n", NULL);
    CU_ASSERT(rc_str_starts(msg, "t.yaml:2:4: mapping values are not allowed"));
    free(msg);
    msg = load_fail("a: \"\\0\"\n", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "NUL"));
    free(msg);
    msg = load_fail("a: \xff\xfe\xfd\n", NULL);
    CU_ASSERT(rc_str_starts(msg, "t.yaml"));
    free(msg);
}

static void test_alias_bomb(void)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_adds(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
        rc_buf_addf(&b, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            rc_buf_addf(&b, "%s*a%d", j ? ", " : "", i - 1);
        rc_buf_adds(&b, "]\n");
    }
    int code = 0;
    char *msg = load_fail(rc_buf_str(&b), &code);
    CU_ASSERT_EQUAL(code, RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "100000"));
    free(msg);
    rc_buf_dispose(&b);

    /* deep nesting is bounded too */
    size_t depth = RC_YAML_DEPTH_LIMIT + 1;
    char *deep = rc_xmalloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    msg = load_fail(deep, &code);
    CU_ASSERT_EQUAL(code, RC_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nested deeper"));
    free(msg);
    free(deep);
    depth = RC_YAML_DEPTH_LIMIT;
    deep = rc_xmalloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    struct rc_yaml_doc *ok = load_ok(deep);
    CU_ASSERT_PTR_NOT_NULL(rc_yaml_root(ok));
    rc_yaml_free(ok);
    free(deep);

    /* a few shared aliases are fine */
    struct rc_yaml_doc *doc = load_ok("a: &a [1, 2]\nb: [*a, *a, *a]\n");
    CU_ASSERT_EQUAL(rc_yaml_map_get(rc_yaml_root(doc), "b")->n, 3);
    rc_yaml_free(doc);
}

static void test_error_format(void)
{
    struct rc_yaml_doc *doc = load_ok("a: 1\n");
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_yaml_error(&err, doc, 12, "auth.pasword", "unknown key; %s", "hint"),
                    RC_EINVAL);
    RC_ASSERT_STR(rc_error_msg(err), "t.yaml:12: key 'auth.pasword': unknown key; hint");
    CU_ASSERT_EQUAL(err->code, RC_EINVAL);
    rc_error_free(err);
    err = NULL;
    rc_yaml_error(&err, doc, 3, NULL, "no key");
    RC_ASSERT_STR(rc_error_msg(err), "t.yaml:3: no key");
    rc_error_free(err);
    rc_yaml_free(doc);
}

static void test_load_file(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = rc_fmt("%s/rc-yaml-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char *path = rc_fmt("%s/x.yaml", dir);
    CU_ASSERT_EQUAL(rc_write_file(path, "k: [v]\n", 7, NULL), 0);
    struct rc_yaml_doc *doc = NULL;
    struct rc_error *err = NULL;
    CU_ASSERT_EQUAL(rc_yaml_load_file(&doc, path, &err), 0);
    RC_ASSERT_STR(rc_yaml_file(doc), path);
    RC_ASSERT_STR(rc_yaml_map_get(rc_yaml_root(doc), "k")->items[0]->scalar, "v");
    rc_yaml_free(doc);
    doc = NULL;
    CU_ASSERT_EQUAL(rc_write_file(path, "k: [v\n", 6, NULL), 0);
    CU_ASSERT(rc_yaml_load_file(&doc, path, &err) < 0);
    CU_ASSERT(rc_str_starts(rc_error_msg(err), path));
    rc_error_free(err);
    err = NULL;
    unlink(path);
    CU_ASSERT_EQUAL(rc_yaml_load_file(&doc, path, &err), RC_ENOTFOUND);
    CU_ASSERT_PTR_NULL(doc);
    rc_error_free(err);
    rc_yaml_freep(&doc);
    rmdir(dir);
    free(path);
    free(dir);
}

static CU_TestInfo yaml_tests[] = {
    {"tree and marks", test_tree_and_marks},
    {"typed getters", test_typed_getters},
    {"anchors, aliases and merge keys", test_anchors_and_merge},
    {"duplicate keys", test_duplicates},
    {"non-scalar keys", test_non_scalar_keys},
    {"documents and empty files", test_documents_and_empty},
    {"syntax errors", test_syntax_errors},
    {"alias bomb and deep nesting", test_alias_bomb},
    {"error format", test_error_format},
    {"load file", test_load_file},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo rc_unit_suites[] = {
    {"yaml", NULL, NULL, NULL, NULL, yaml_tests},
    CU_SUITE_INFO_NULL,
};
