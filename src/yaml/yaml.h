/* yaml: YAML files (libyaml) loaded into a node tree that remembers file and line, so that
 * every loader can say "registries.d/x.yaml:12: key 'auth.pasword': unknown key". Anchors
 * and aliases are resolved; duplicate keys, multiple documents and non-scalar keys are
 * errors. Strings are borrowed from the document until rc_yaml_free(). */
#ifndef RC_YAML_H
#define RC_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

enum rc_yaml_kind { RC_YAML_SCALAR, RC_YAML_SEQ, RC_YAML_MAP };

struct rc_yaml_node {
    enum rc_yaml_kind kind;
    int line;           /* 1-based */
    int column;         /* 1-based */
    const char *scalar; /* RC_YAML_SCALAR: the text ("" for an empty value) */
    bool plain;         /* scalar written without quotes (so "null", "true", "12" are typed) */
    struct rc_yaml_node **items; /* RC_YAML_SEQ: items; RC_YAML_MAP: values */
    const char **keys;           /* RC_YAML_MAP: keys, same order as items */
    int *key_lines;
    size_t n;
};

struct rc_yaml_doc;

int rc_yaml_load_file(struct rc_yaml_doc **out, const char *path, struct rc_error **err);
/* name is used in messages in place of a file name */
int rc_yaml_load_string(struct rc_yaml_doc **out, const char *name, const char *text, size_t len,
                        struct rc_error **err);
/* Like the two above, but duplicate keys, non-scalar keys and bad merge keys do not stop the
 * load: each is appended to problems as "<file>:<line>: key '<path>': <message>" (the first
 * value of a duplicated key is kept) and the document is returned with 0, so that a loader
 * can report them together with its own problems. Syntax errors, multiple documents and the
 * node limit still fail with err. YAML merge keys ("<<: *base", a mapping or a list of
 * mappings) are applied by every loader; keys written in the mapping itself win. */
int rc_yaml_load_file_collect(struct rc_yaml_doc **out, const char *path, struct rc_strv *problems,
                              struct rc_error **err);
int rc_yaml_load_string_collect(struct rc_yaml_doc **out, const char *name, const char *text,
                                size_t len, struct rc_strv *problems, struct rc_error **err);
/* Nodes a document may hold, counting every alias expansion ("billion laughs" guard). */
#define RC_YAML_NODE_LIMIT 100000
/* Deepest nesting of lists and mappings (libyaml slows down quadratically with depth). */
#define RC_YAML_DEPTH_LIMIT 1000
/* Largest file rc_yaml_load_file reads. */
#define RC_YAML_FILE_MAX (16 * RC_MIB)
void rc_yaml_free(struct rc_yaml_doc *doc);
void rc_yaml_freep(struct rc_yaml_doc **doc);
#define rc_auto_yaml RC_CLEANUP(rc_yaml_freep)

const struct rc_yaml_node *rc_yaml_root(const struct rc_yaml_doc *doc); /* NULL if empty */
const char *rc_yaml_file(const struct rc_yaml_doc *doc);

const struct rc_yaml_node *rc_yaml_map_get(const struct rc_yaml_node *map, const char *key);
bool rc_yaml_is_null(const struct rc_yaml_node *n); /* plain "", "~", "null" */
/* Typed scalar reads; false when the node is not a scalar of that type. */
bool rc_yaml_bool(const struct rc_yaml_node *n, bool *out);   /* true/false (plain) */
bool rc_yaml_int(const struct rc_yaml_node *n, int64_t *out); /* plain decimal */
bool rc_yaml_double(const struct rc_yaml_node *n, double *out);
const char *rc_yaml_kind_name(enum rc_yaml_kind k); /* "a scalar", "a list", "a mapping" */

/* Builds the standard loader error: "<file>:<line>: key '<key>': <message>" with code
 * RC_EINVAL. key may be NULL. */
int rc_yaml_error(struct rc_error **err, const struct rc_yaml_doc *doc, int line, const char *key,
                  const char *fmt, ...) RC_PRINTF(5, 6);

#endif
