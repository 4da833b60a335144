/* auth: WWW-Authenticate challenges (RFC 9110 section 11) and token scopes.
 *
 *   WWW-Authenticate = #challenge
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *
 * The list commas separate both challenges and the parameters of one challenge, so after a
 * comma a "token =" continues the current challenge and anything else starts a new one. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"

#include "base/banned.h"

/* ---- challenges ------------------------------------------------------------------------ */

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_t68char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("-._~+/", c) != NULL;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static const char *skip_token(const char *p)
{
    while (is_tchar(*p))
        p++;
    return p;
}

/* Skips to the next list comma outside a quoted string (or the end). */
static const char *skip_to_comma(const char *p)
{
    bool quoted = false;
    for (; *p; p++) {
        if (quoted && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == ',')
            break;
    }
    return p;
}

static char *lower_dup(const char *s, size_t n)
{
    char *out = rc_xstrndup(s, n);
    for (char *q = out; *q; q++)
        if (*q >= 'A' && *q <= 'Z')
            *q = (char)(*q - 'A' + 'a');
    return out;
}

/* Is p the start of an auth-param ("name BWS =", and not "name==" of a token68)? */
static bool at_param(const char *p)
{
    const char *e = skip_token(p);
    if (e == p)
        return false;
    e = skip_ows(e);
    return *e == '=';
}

/* A token68 at p: its characters, '=' padding, then the end of this challenge. */
static const char *match_token68(const char *p)
{
    const char *e = p;
    while (is_t68char(*e))
        e++;
    if (e == p)
        return NULL;
    while (*e == '=')
        e++;
    const char *after = skip_ows(e);
    return (*after == '\0' || *after == ',') ? e : NULL;
}

/* Parses a quoted-string at p (on the opening quote). NULL when unterminated. */
static char *parse_quoted(const char **pp)
{
    const char *p = *pp + 1;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        rc_buf_addc(&b, *p);
    }
    if (*p != '"') {
        rc_buf_dispose(&b);
        return NULL;
    }
    *pp = p + 1;
    return rc_buf_steal(&b, NULL);
}

static void add_param(struct rc_auth_challenge *c, char *name, char *value, size_t *cap)
{
    struct rc_auth_param prm = {name, value};
    RC_PUSH(c->params, c->nparams, *cap, prm);
}

static void challenge_dispose(struct rc_auth_challenge *c)
{
    free(c->scheme);
    for (size_t i = 0; i < c->nparams; i++) {
        free(c->params[i].name);
        free(c->params[i].value);
    }
    free(c->params);
}

/* Parses the parameters after a scheme. Returns where the next challenge starts. */
static const char *parse_params(struct rc_auth_challenge *c, const char *p, bool *broken)
{
    size_t cap = 0;
    for (;;) {
        p = skip_ows(p);
        const char *name = p;
        const char *ne = skip_token(p);
        if (ne == name)
            return skip_to_comma(p); /* garbage: drop up to the next comma */
        p = skip_ows(ne);
        if (*p != '=')
            return skip_to_comma(p);
        p = skip_ows(p + 1);
        char *value;
        if (*p == '"') {
            value = parse_quoted(&p);
            if (!value) {
                *broken = true; /* unterminated: nothing after this can be trusted */
                return p + strlen(p);
            }
        } else {
            const char *ve = skip_token(p);
            value = rc_xstrndup(p, (size_t)(ve - p));
            p = ve;
        }
        add_param(c, lower_dup(name, (size_t)(ne - name)), value, &cap);
        p = skip_ows(p);
        if (*p == '\0')
            return p;
        if (*p != ',') {
            /* a missing comma between two parameters: be lenient */
            if (at_param(p))
                continue;
            return skip_to_comma(p);
        }
        const char *q = p;
        while (*q == ',' || *q == ' ' || *q == '\t')
            q++;
        if (!at_param(q))
            return q; /* a new challenge (or the end) */
        p = q;
    }
}

static void parse_into(const char *value, struct rc_auth_challenge **out, size_t *n, size_t *cap)
{
    const char *p = value ? value : "";
    bool broken = false;
    while (*p && !broken) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *se = skip_token(p);
        if (se == p || (*se && *se != ' ' && *se != '\t' && *se != ',')) {
            p = skip_to_comma(se == p ? p + 1 : se);
            continue;
        }
        struct rc_auth_challenge c = {lower_dup(p, (size_t)(se - p)), NULL, 0};
        p = skip_ows(se);
        if (*p && *p != ',') {
            /* token68 first: "dXNlcg==" would otherwise read as a parameter */
            const char *t68 = match_token68(p);
            if (t68) {
                size_t pcap = 0;
                add_param(&c, rc_xstrdup("token68"), rc_xstrndup(p, (size_t)(t68 - p)), &pcap);
                p = t68;
            } else {
                p = parse_params(&c, p, &broken);
            }
        }
        RC_PUSH(*out, *n, *cap, c);
    }
}

int rc_auth_parse_challenges(const char *value, struct rc_auth_challenge **out, size_t *n,
                             struct rc_error **err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    parse_into(value, out, n, &cap);
    if (*n == 0)
        return rc_error_set(err, RC_EPARSE, "no usable challenge in WWW-Authenticate \"%s\"",
                            value ? value : "");
    return 0;
}

int rc_auth_parse_headers(const struct rc_http_headers *h, struct rc_auth_challenge **out,
                          size_t *n, struct rc_error **err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    size_t seen = 0;
    for (size_t i = 0; h && i < h->n; i++) {
        if (!rc_str_ieq(h->v[i].name, "www-authenticate"))
            continue;
        seen++;
        parse_into(h->v[i].value, out, n, &cap);
    }
    if (*n == 0)
        return rc_error_set(err, RC_EPARSE,
                            seen ? "no usable challenge in WWW-Authenticate"
                                 : "no WWW-Authenticate header");
    return 0;
}

const struct rc_auth_challenge *rc_auth_find_challenge(const struct rc_auth_challenge *c, size_t n,
                                                       const char *scheme)
{
    for (size_t i = 0; i < n; i++)
        if (rc_str_ieq(c[i].scheme, scheme))
            return &c[i];
    return NULL;
}

const char *rc_auth_challenge_param(const struct rc_auth_challenge *c, const char *name)
{
    for (size_t i = 0; c && i < c->nparams; i++)
        if (rc_str_ieq(c->params[i].name, name))
            return c->params[i].value;
    return NULL;
}

void rc_auth_challenges_free(struct rc_auth_challenge *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        challenge_dispose(&c[i]);
    free(c);
}

/* ---- scopes ---------------------------------------------------------------------------- */

/* Splits "type:name:actions" (name may hold ':' as in host:port, so actions follow the last
 * ':'). Returns false when malformed. */
static bool split_scope(const char *s, size_t len, size_t *type_len, size_t *actions_at)
{
    const char *first = memchr(s, ':', len);
    const char *last = NULL;
    for (const char *q = s + len; q > s; q--)
        if (q[-1] == ':') {
            last = q - 1;
            break;
        }
    if (!first || first == s || last <= first + 1 || last == s + len - 1)
        return false;
    *type_len = (size_t)(first - s);
    *actions_at = (size_t)(last - s) + 1;
    return true;
}

static void add_actions(struct rc_strv *acts, const char *list, size_t len)
{
    const char *p = list, *end = list + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        char *a = rc_xstrndup(p, (size_t)(e - p));
        char *t = rc_str_trim(a);
        if (*t && !rc_strv_contains(acts, t))
            rc_strv_push(acts, t);
        free(a);
        p = comma ? comma + 1 : end;
    }
}

char *rc_auth_scope_normalize(const char *scope)
{
    if (!scope)
        return NULL;
    char *copy = rc_xstrdup(scope);
    char *s = rc_str_trim(copy);
    size_t len = strlen(s);
    size_t tl = 0, aa = 0;
    if (!len || strpbrk(s, " \t") || !split_scope(s, len, &tl, &aa)) {
        free(copy);
        return NULL;
    }
    struct rc_strv acts = {0};
    add_actions(&acts, s + aa, len - aa);
    char *out = NULL;
    if (acts.n) {
        rc_strv_sort(&acts);
        char *joined = rc_strv_join(&acts, ",");
        out = rc_fmt("%.*s%s", (int)aa, s, joined);
        free(joined);
    }
    rc_strv_dispose(&acts);
    free(copy);
    return out;
}

char *rc_auth_scope_repo(const char *repository, const char *actions)
{
    char *raw = rc_fmt("repository:%s:%s", repository ? repository : "", actions ? actions : "");
    char *out = rc_auth_scope_normalize(raw);
    free(raw);
    return out;
}

/* A scope set: resources ("type:name") with their union of actions, kept sorted. */
void rc_auth_scopeset_add(struct rc_auth_scopeset *set, const char *scope)
{
    char *norm = rc_auth_scope_normalize(scope);
    if (!norm)
        return;
    size_t tl = 0, aa = 0;
    split_scope(norm, strlen(norm), &tl, &aa);
    char *resource = rc_xstrndup(norm, aa - 1);
    size_t i = 0;
    for (; i < set->n; i++)
        if (strcmp(set->v[i].resource, resource) == 0)
            break;
    if (i == set->n) {
        struct rc_auth_scope item = {resource, {0}};
        RC_PUSH(set->v, set->n, set->cap, item);
        resource = NULL;
    }
    free(resource);
    add_actions(&set->v[i].actions, norm + aa, strlen(norm + aa));
    rc_strv_sort(&set->v[i].actions);
    free(norm);
}

/* Adds every space-separated scope of a challenge's scope parameter. */
void rc_auth_scopeset_add_list(struct rc_auth_scopeset *set, const char *list)
{
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, " \t");
        if (n) {
            char *one = rc_xstrndup(p, n);
            rc_auth_scopeset_add(set, one);
            free(one);
        }
        p += n;
    }
}

static int cmp_scope(const void *a, const void *b)
{
    return strcmp(((const struct rc_auth_scope *)a)->resource,
                  ((const struct rc_auth_scope *)b)->resource);
}

char *rc_auth_scopeset_item(const struct rc_auth_scopeset *set, size_t i)
{
    char *acts = rc_strv_join(&set->v[i].actions, ",");
    char *out = rc_fmt("%s:%s", set->v[i].resource, acts);
    free(acts);
    return out;
}

char *rc_auth_scopeset_join(struct rc_auth_scopeset *set, const char *sep)
{
    if (set->n > 1)
        qsort(set->v, set->n, sizeof(set->v[0]), cmp_scope);
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (size_t i = 0; i < set->n; i++) {
        char *item = rc_auth_scopeset_item(set, i);
        if (i)
            rc_buf_adds(&b, sep);
        rc_buf_adds(&b, item);
        free(item);
    }
    return rc_buf_steal(&b, NULL);
}

static bool has_action(const struct rc_strv *acts, const char *a)
{
    return rc_strv_contains(acts, a) || rc_strv_contains(acts, "*");
}

bool rc_auth_scopeset_covers(const struct rc_auth_scopeset *have,
                             const struct rc_auth_scopeset *want)
{
    for (size_t i = 0; i < want->n; i++) {
        const struct rc_auth_scope *h = NULL;
        for (size_t j = 0; j < have->n && !h; j++)
            if (strcmp(have->v[j].resource, want->v[i].resource) == 0)
                h = &have->v[j];
        if (!h)
            return false;
        for (size_t k = 0; k < want->v[i].actions.n; k++)
            if (!has_action(&h->actions, want->v[i].actions.v[k]))
                return false;
    }
    return true;
}

void rc_auth_scopeset_widen(struct rc_auth_scopeset *set, const char *type, const char *actions)
{
    size_t tl = strlen(type);
    for (size_t i = 0; i < set->n; i++) {
        struct rc_auth_scope *s = &set->v[i];
        if (strncmp(s->resource, type, tl) != 0 || s->resource[tl] != ':')
            continue;
        add_actions(&s->actions, actions, strlen(actions));
        rc_strv_sort(&s->actions);
    }
}

void rc_auth_scopeset_copy(struct rc_auth_scopeset *dst, const struct rc_auth_scopeset *src)
{
    for (size_t i = 0; i < src->n; i++) {
        char *item = rc_auth_scopeset_item(src, i);
        rc_auth_scopeset_add(dst, item);
        free(item);
    }
}

void rc_auth_scopeset_dispose(struct rc_auth_scopeset *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].resource);
        rc_strv_dispose(&set->v[i].actions);
    }
    free(set->v);
    memset(set, 0, sizeof(*set));
}
