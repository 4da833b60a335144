/* The expectations nested under a step: status, headers, Content-Type, JSON, the error
 * envelope, digests, and what the last tags or referrers listing held. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

static bool value_matches(struct sctx *c, const char *pattern, const char *actual)
{
    rc_autofree char *p = sctx_subst(c, pattern);
    if (rc_str_eq(p, "present"))
        return actual != NULL;
    if (rc_str_eq(p, "absent"))
        return actual == NULL;
    return actual && rc_glob_match(p, actual);
}

static int expect_fail(struct sctx *c, const struct rc_step *st, const char *fmt, ...)
    RC_PRINTF(3, 4);
static int expect_fail(struct sctx *c, const struct rc_step *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    const char *why = rc_step_str(st, "reason");
    if (judge_declines(st, &c->last))
        judge_declined(c, "%s%s%s", why ? why : "", why ? ": " : "", msg);
    else
        judge_wrong(c, "%s%s%s", why ? why : "", why ? ": " : "", msg);
    free(msg);
    return 1;
}

static char *json_scalar(const struct rc_json *j)
{
    int64_t i;
    bool b;
    switch (rc_json_type(j)) {
    case RC_JSON_STRING:
        return rc_xstrdup(rc_json_str(j));
    case RC_JSON_INT:
        rc_json_int(j, &i);
        return rc_fmt("%" PRId64, i);
    case RC_JSON_BOOL:
        rc_json_bool(j, &b);
        return rc_xstrdup(b ? "true" : "false");
    case RC_JSON_NULL:
        return j ? rc_xstrdup("null") : NULL;
    default:
        return rc_xstrdup(rc_json_type_name(rc_json_type(j)));
    }
}

static bool ref_matches(const struct rc_artifact_desc *d, const char *pattern)
{
    return (d->artifact_type && rc_glob_match(pattern, d->artifact_type)) ||
           (d->digest && rc_glob_match(pattern, d->digest));
}

static int expect_referrers(struct sctx *c, const struct rc_step *st)
{
    const struct rc_arg *inc = rc_step_arg(st, "referrers_include");
    const struct rc_arg *exc = rc_step_arg(st, "referrers_exclude");
    const struct rc_arg *cnt = rc_step_arg(st, "referrers_count");
    if (!inc && !exc && !cnt)
        return 0;
    if (!c->refs_listed)
        return expect_fail(c, st, "no successful referrers listing before this expectation");
    for (size_t i = 0; inc && i < inc->list.n; i++) {
        rc_autofree char *p = sctx_subst(c, inc->list.v[i]);
        bool found = false;
        for (size_t k = 0; k < c->refs.nmanifests && !found; k++)
            found = ref_matches(&c->refs.manifests[k], p);
        if (!found)
            return expect_fail(c, st, "no referrer matching '%s' (%zu listed)", p,
                               c->refs.nmanifests);
    }
    for (size_t i = 0; exc && i < exc->list.n; i++) {
        rc_autofree char *p = sctx_subst(c, exc->list.v[i]);
        for (size_t k = 0; k < c->refs.nmanifests; k++)
            if (ref_matches(&c->refs.manifests[k], p))
                return expect_fail(c, st, "referrer %s matches '%s', which must not be listed",
                                   c->refs.manifests[k].digest, p);
    }
    if (cnt && (int64_t)c->refs.nmanifests != cnt->num)
        return expect_fail(c, st, "%zu referrers listed, expected %" PRId64, c->refs.nmanifests,
                           cnt->num);
    return 0;
}

/* The first "{var}": pattern pair of a map argument that does not match, or NULL. */
static const struct rc_map_entry *map_mismatch(struct sctx *c, const struct rc_arg *a,
                                               char **actual_out)
{
    for (size_t i = 0; a && i < a->nmap; i++) {
        char *actual = sctx_subst(c, a->map[i].key);
        for (size_t j = 0; j < a->map[i].values.n; j++) {
            if (!value_matches(c, a->map[i].values.v[j], actual)) {
                *actual_out = actual;
                return &a->map[i];
            }
        }
        free(actual);
    }
    return NULL;
}

int op_expect(struct sctx *c, const struct rc_step *st)
{
    char *seen = NULL;
    const struct rc_map_entry *miss = map_mismatch(c, rc_step_arg(st, "when"), &seen);
    free(seen);
    if (miss)
        return 0; /* this expectation does not apply to what happened */
    seen = NULL;
    miss = map_mismatch(c, rc_step_arg(st, "values"), &seen);
    if (miss) {
        rc_autofree char *want = sctx_subst(c, miss->values.v[0]);
        int stop = expect_fail(c, st, "%s is '%s', expected %s", miss->key, seen, want);
        free(seen);
        return stop;
    }
    c->step_first = c->ntrace ? c->ntrace - 1 : 0; /* the judged answer */
    const struct rc_http_response *r = &c->last;
    const struct rc_arg *a;
    if ((a = rc_step_arg(st, "status")) && !(a->list.n == 0)) {
        char s[16];
        snprintf(s, sizeof(s), "%ld", r->status);
        if (!rc_strv_contains(&a->list, s)) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            return judge_unexpected(c, st, "the registry", r, want);
        }
    }
    if ((a = rc_step_arg(st, "header"))) {
        for (size_t i = 0; i < a->nmap; i++) {
            const char *actual = rc_http_headers_get(&r->headers, a->map[i].key);
            for (size_t j = 0; j < a->map[i].values.n; j++) {
                if (!value_matches(c, a->map[i].values.v[j], actual)) {
                    rc_autofree char *want = sctx_subst(c, a->map[i].values.v[j]);
                    return expect_fail(c, st, "header %s is '%s', expected %s", a->map[i].key,
                                       actual ? actual : "(absent)", want);
                }
            }
        }
    }
    if ((a = rc_step_arg(st, "content_type"))) {
        const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
        size_t n = ct ? strcspn(ct, "; ") : 0;
        bool ok = false;
        for (size_t i = 0; i < a->list.n; i++)
            ok |= ct && strlen(a->list.v[i]) == n && strncmp(ct, a->list.v[i], n) == 0;
        if (!ok) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            return expect_fail(c, st, "Content-Type '%s', expected %s", ct ? ct : "(none)", want);
        }
    }
    if (step_num(st, "envelope", 0)) {
        /* "Error Codes": a 4xx body MAY be in any format; a JSON body MUST be the envelope.
         * The body decides; the Content-Type is a separate deviation. */
        struct rc_json *j = NULL;
        struct rc_error *err = NULL;
        if (!r->body.len || rc_json_parse(&j, r->body.data, r->body.len, &err) < 0) {
            rc_error_free(err);
            rc_autofree char *ans = describe_answer(r);
            return judge_declined(c,
                                  "the error body is not JSON (%s): a 4xx body MAY be in any "
                                  "format (\"Error Codes\")",
                                  ans);
        }
        const struct rc_json *errs = rc_json_get(j, "errors");
        bool env = rc_json_type(errs) == RC_JSON_ARRAY && rc_json_len(errs) > 0;
        for (size_t i = 0; env && i < rc_json_len(errs); i++)
            env = rc_json_type(rc_json_get(rc_json_at(errs, i), "code")) == RC_JSON_STRING;
        rc_json_free(j);
        if (!env)
            return expect_fail(c, st,
                               "the JSON error body is not the OCI envelope "
                               "{\"errors\":[{\"code\",...}]} (\"Error Codes\")");
        const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
        size_t n = ct ? strcspn(ct, "; ") : 0;
        if (!ct || n != strlen("application/json") || strncmp(ct, "application/json", n) != 0)
            judge_deviation(c,
                            "the error envelope came with Content-Type '%s', not "
                            "application/json",
                            ct ? ct : "(none)");
    }
    if ((a = rc_step_arg(st, "error_code"))) {
        struct rc_strv codes = {0};
        bool env = rc_oci_error_codes(r, &codes);
        bool ok = false;
        for (size_t i = 0; i < a->list.n; i++)
            ok |= rc_strv_contains(&codes, a->list.v[i]);
        rc_autofree char *g = rc_strv_join(&codes, ",");
        rc_strv_dispose(&codes);
        if (!ok) {
            rc_autofree char *want = rc_strv_join(&a->list, " or ");
            return expect_fail(c, st, "error code %s, expected %s",
                               env ? g : "(no OCI error envelope)", want);
        }
    }
    if ((a = rc_step_arg(st, "json"))) {
        struct rc_json *j = NULL;
        struct rc_error *err = NULL;
        if (rc_json_parse(&j, r->body.data ? r->body.data : "", r->body.len, &err) < 0) {
            int stop = expect_fail(c, st, "body is not JSON: %s", rc_error_msg(err));
            rc_error_free(err);
            return stop;
        }
        for (size_t i = 0; i < a->nmap; i++) {
            char *actual = json_scalar(rc_json_path(j, a->map[i].key));
            for (size_t k = 0; k < a->map[i].values.n; k++) {
                if (!value_matches(c, a->map[i].values.v[k], actual)) {
                    rc_autofree char *want = sctx_subst(c, a->map[i].values.v[k]);
                    int stop = expect_fail(c, st, "JSON %s is %s, expected %s", a->map[i].key,
                                           actual ? actual : "(absent)", want);
                    free(actual);
                    rc_json_free(j);
                    return stop;
                }
            }
            free(actual);
        }
        rc_json_free(j);
    }
    rc_autofree char *bd = step_arg(c, st, "body_digest");
    if (bd && !rc_str_eq(bd, r->body_digest))
        return expect_fail(c, st, "body hashes to %s, expected %s", r->body_digest, bd);
    if ((a = rc_step_arg(st, "tags_include")) || rc_step_arg(st, "tags_exclude") ||
        rc_step_arg(st, "tags_sorted")) {
        if (!c->tags_listed)
            return expect_fail(c, st, "no successful list-tags before this expectation");
        for (size_t i = 0; a && i < a->list.n; i++) {
            rc_autofree char *t = sctx_subst(c, a->list.v[i]);
            if (!rc_strv_contains(&c->tags, t))
                return expect_fail(c, st, "tag '%s' missing from the tags list (%zu tags)", t,
                                   c->tags.n);
        }
        const struct rc_arg *ex = rc_step_arg(st, "tags_exclude");
        for (size_t i = 0; ex && i < ex->list.n; i++) {
            rc_autofree char *t = sctx_subst(c, ex->list.v[i]);
            if (rc_strv_contains(&c->tags, t))
                return expect_fail(c, st, "tag '%s' still in the tags list", t);
        }
        if (step_num(st, "tags_sorted", 0)) {
            for (size_t i = 1; i < c->tags.n; i++)
                if (strcmp(c->tags.v[i - 1], c->tags.v[i]) > 0)
                    return expect_fail(c, st, "tags not in lexical order ('%s' before '%s')",
                                       c->tags.v[i - 1], c->tags.v[i]);
        }
    }
    return expect_referrers(c, st);
}
