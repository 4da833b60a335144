/* The operations a step can run: the helpers they share and the dispatch table. Each
 * operation reads its arguments (variables substituted), talks to the registry only through
 * the oci module, keeps the last answer for the expectations nested under it, saves values,
 * and has its answers judged by judge.c. The families live in ops_push.c, ops_pull.c,
 * ops_manifest.c, ops_referrers.c, ops_sign.c and ops_expect.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

char *step_arg(struct sctx *c, const struct rc_step *st, const char *key)
{
    return sctx_subst(c, rc_step_str(st, key));
}

int64_t step_num(const struct rc_step *st, const char *key, int64_t dflt)
{
    const struct rc_arg *a = rc_step_arg(st, key);
    return a ? a->num : dflt;
}

const char *step_save_name(const struct rc_step *st)
{
    return rc_step_str(st, "save");
}

void step_save(struct sctx *c, const struct rc_step *st, const char *field, const char *v)
{
    sctx_set_var(c, step_save_name(st), field, v);
}

void step_save_u64(struct sctx *c, const struct rc_step *st, const char *field, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRIu64, v);
    step_save(c, st, field, b);
}

void step_save_answer(struct sctx *c, const struct rc_step *st, const struct rc_http_response *r)
{
    step_save_u64(c, st, "status", (uint64_t)r->status);
    char *loc = rc_oci_location(r);
    step_save(c, st, "location", loc);
    free(loc);
}

char *step_accept(const char *a)
{
    if (!a || rc_str_eq(a, "kwctl"))
        return rc_xstrdup(RC_ACCEPT_KWCTL);
    if (rc_str_eq(a, "oci"))
        return rc_xstrdup(RC_MT_OCI_MANIFEST ", " RC_MT_OCI_INDEX);
    if (rc_str_eq(a, "all"))
        return rc_xstrdup(RC_MT_OCI_MANIFEST ", " RC_MT_OCI_INDEX ", " RC_MT_DOCKER_MANIFEST
                                             ", " RC_MT_DOCKER_LIST);
    if (rc_str_eq(a, "none"))
        return NULL;
    return rc_xstrdup(a);
}

/* Splits a reference argument; an error decides the scenario (a suite bug: error). */
int step_split(struct sctx *c, const char *ref, char **repo, char **reference)
{
    struct rc_error *err = NULL;
    if (rc_oci_split_ref(ref, repo, reference, &err) < 0 || !*reference) {
        judge_suite(c, "bad reference '%s' in the suite", ref);
        rc_error_free(err);
        return 1;
    }
    return 0;
}

void step_body_source(struct rc_http_body_source *out, struct rc_blob_src *b)
{
    out->read = b->read;
    out->rewind = b->rewind;
    out->ctx = b->ctx;
    out->length = b->length;
}

char *step_repo(struct sctx *c, const struct rc_step *st)
{
    char *r = step_arg(c, st, "repo");
    return r ? r : rc_xstrdup(c->repo);
}

/* The answer the spec prescribes for a step's judged request, unless nested expectations
 * say otherwise. */
const char *step_default_status(struct sctx *c, const struct rc_step *st, const char *method)
{
    if (st->def->op == RC_OP_REQUEST) {
        if (rc_str_eq(method, "GET") || rc_str_eq(method, "HEAD"))
            return "200";
        if (rc_str_eq(method, "PUT"))
            return "201";
        return "202"; /* POST (an upload session), PATCH, DELETE */
    }
    if (st->def->op == RC_OP_GET_BLOB && rc_step_arg(st, "range")) {
        rc_autofree char *range = step_arg(c, st, "range");
        return range && *range ? "206" : "200";
    }
    return st->def->expect_status;
}

/* Steps that send one request: the answer is judged against the step's expectations (or
 * the operation's default) and kept for the expectations' other clauses. */
int step_finish(struct sctx *c, const struct rc_step *st, const char *what, int rc,
                struct rc_error *err, struct rc_http_response *r)
{
    if (rc < 0) {
        rc_http_response_dispose(r);
        return judge_transport(c, what, rc, err);
    }
    step_save_answer(c, st, r);
    int stop = judge_answer(c, st, what, r, step_default_status(c, st, what));
    sctx_set_last(c, r);
    return stop;
}

int op_request(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *method = step_arg(c, st, "method");
    rc_autofree char *path = step_arg(c, st, "path");
    rc_autofree char *body = step_arg(c, st, "body");
    struct rc_http_headers h = {0};
    const struct rc_arg *ha = rc_step_arg(st, "headers");
    for (size_t i = 0; ha && i < ha->nmap; i++) {
        for (size_t j = 0; j < ha->map[i].values.n; j++) {
            char *v = sctx_subst(c, ha->map[i].values.v[j]);
            rc_http_headers_add(&h, ha->map[i].key, v);
            free(v);
        }
    }
    /* scopes: everything a scenario might do in {repo}, and in {repo2} when the request names
     * it (a mount's from=): a scope nobody uses would cost a token request of its own */
    bool names_repo2 = c->repo2 && strstr(path, c->repo2);
    const struct rc_arg *qa = rc_step_arg(st, "query");
    for (size_t i = 0; qa && !names_repo2 && i < qa->nmap; i++)
        for (size_t j = 0; !names_repo2 && j < qa->map[i].values.n; j++) {
            char *v = sctx_subst(c, qa->map[i].values.v[j]);
            names_repo2 = strstr(v, c->repo2) != NULL;
            free(v);
        }
    char *s1 = rc_oci_scope(c->repo, "pull,push,delete");
    char *s2 = names_repo2 ? rc_oci_scope(c->repo2, "pull,push,delete") : NULL;
    const char *scopes[] = {s1, s2, NULL};
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    char *url = strstr(path, "://")
                    ? rc_xstrdup(path)
                    : rc_fmt("%s%s%s", c->w->oci.base, path[0] == '/' ? "" : "/", path);
    int rc = 0;
    for (size_t i = 0; qa && rc == 0 && i < qa->nmap; i++) {
        for (size_t j = 0; rc == 0 && j < qa->map[i].values.n; j++) {
            char *v = sctx_subst(c, qa->map[i].values.v[j]);
            char *next = NULL;
            rc = rc_url_add_query(&next, url, qa->map[i].key, v, &err);
            free(v);
            if (rc == 0) {
                free(url);
                url = next;
            }
        }
    }
    if (rc < 0) {
        free(url);
        free(s1);
        free(s2);
        rc_http_headers_dispose(&h);
        judge_suite(c, "request: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    rc = rc_oci_request(&c->w->oci, method, url, &h, body, body ? strlen(body) : 0, scopes, &r,
                        &err);
    free(url);
    free(s1);
    free(s2);
    rc_http_headers_dispose(&h);
    if (rc == 0) {
        const char *dcd = rc_http_headers_get(&r.headers, "Docker-Content-Digest");
        step_save(c, st, "digest", dcd ? dcd : "");
    }
    return step_finish(c, st, method, rc, err, &r);
}

typedef int (*op_fn)(struct sctx *c, const struct rc_step *st);

static const op_fn op_table[RC_OP__COUNT] = {
    [RC_OP_PUSH_ARTIFACT] = op_push_artifact,
    [RC_OP_PULL_ARTIFACT] = op_pull_artifact,
    [RC_OP_PUSH_BLOB] = op_push_blob,
    [RC_OP_MOUNT_BLOB] = op_mount_blob,
    [RC_OP_GET_BLOB] = op_get_blob,
    [RC_OP_HEAD_BLOB] = op_get_blob,
    [RC_OP_CANCEL_UPLOAD] = op_upload_session,
    [RC_OP_UPLOAD_STATUS] = op_upload_session,
    [RC_OP_PUT_MANIFEST] = op_put_manifest,
    [RC_OP_GET_MANIFEST] = op_get_manifest,
    [RC_OP_HEAD_MANIFEST] = op_get_manifest,
    [RC_OP_TAG] = op_tag,
    [RC_OP_LIST_TAGS] = op_list_tags,
    [RC_OP_DELETE_TAG] = op_delete_manifest,
    [RC_OP_DELETE_MANIFEST] = op_delete_manifest,
    [RC_OP_DELETE_BLOB] = op_delete_blob,
    [RC_OP_REQUEST] = op_request,
    [RC_OP_REFERRERS] = op_referrers,
    [RC_OP_ATTACH] = op_attach,
    [RC_OP_SIGN] = op_sign,
    [RC_OP_RUN_TOOL] = op_run_tool,
    [RC_OP_VERIFY] = op_verify,
    [RC_OP_SIGNATURE_LEFTOVERS] = op_signature_leftovers,
    [RC_OP_EXPECT] = op_expect,
};

int run_step(struct sctx *c, const struct rc_step *st)
{
    if (st->def->op != RC_OP_EXPECT)
        c->step_first = c->ntrace;
    return op_table[st->def->op](c, st);
}
