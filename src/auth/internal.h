/* auth: helpers shared by the files of the auth module (not part of its interface). */
#ifndef RC_AUTH_INTERNAL_H
#define RC_AUTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/base.h"

/* A scope set: resources ("repository:ns/r") each with the union of their actions, both
 * kept sorted, so equal sets print equally whatever order the registry used. */
struct rc_auth_scope {
    char *resource;
    struct rc_strv actions;
};
struct rc_auth_scopeset {
    struct rc_auth_scope *v;
    size_t n;
    size_t cap;
};
void rc_auth_scopeset_add(struct rc_auth_scopeset *set, const char *scope); /* malformed: ignored */
void rc_auth_scopeset_add_list(struct rc_auth_scopeset *set, const char *space_separated);
char *rc_auth_scopeset_item(const struct rc_auth_scopeset *set, size_t i);
char *rc_auth_scopeset_join(struct rc_auth_scopeset *set, const char *sep); /* sorts the set */
void rc_auth_scopeset_dispose(struct rc_auth_scopeset *set);
/* True when have grants every action of every resource of want ("*" grants all). */
bool rc_auth_scopeset_covers(const struct rc_auth_scopeset *have,
                             const struct rc_auth_scopeset *want);
/* Adds the comma-separated actions to every resource of that type ("repository"). */
void rc_auth_scopeset_widen(struct rc_auth_scopeset *set, const char *type, const char *actions);
/* Adds every scope of src to dst. */
void rc_auth_scopeset_copy(struct rc_auth_scopeset *dst, const struct rc_auth_scopeset *src);

/* Standard base64 with padding. Decoding accepts missing padding and returns NULL on any
 * other character; out_len may be NULL (the result is NUL-terminated). */
char *rc_auth_base64_encode(const void *data, size_t len);
char *rc_auth_base64_decode(const char *s, size_t *out_len);

#endif
