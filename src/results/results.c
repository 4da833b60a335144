/* results: the run's result tree, its exit code, and results.json both ways. */
#include "results/results.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

#include "base/banned.h"

#define RESULTS_SCHEMA "regcompat.results/v1"

static const char *const status_names[RC_ST__COUNT] = {
    [RC_ST_PASS] = "pass",   [RC_ST_FAIL] = "fail",   [RC_ST_UNSUPPORTED] = "unsupported",
    [RC_ST_SKIP] = "skip",   [RC_ST_ERROR] = "error", [RC_ST_XFAIL] = "xfail",
    [RC_ST_XPASS] = "xpass",
};

const char *rc_status_name(enum rc_status st)
{
    return (size_t)st < RC_ST__COUNT ? status_names[st] : "unknown";
}

bool rc_status_parse(const char *name, enum rc_status *out)
{
    for (size_t i = 0; i < RC_ST__COUNT; i++) {
        if (rc_str_eq(name, status_names[i])) {
            *out = (enum rc_status)i;
            return true;
        }
    }
    return false;
}

/* ---- sorting, counting, exit code ------------------------------------------------------ */

static int cmp_nullable(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_check(const void *a, const void *b)
{
    const struct rc_check_result *x = a, *y = b;
    int r = cmp_nullable(x->id, y->id);
    return r ? r : cmp_nullable(x->suite, y->suite);
}

static int cmp_leftover(const void *a, const void *b)
{
    const struct rc_leftover *x = a, *y = b;
    int r = cmp_nullable(x->repository, y->repository);
    if (!r)
        r = cmp_nullable(x->digest, y->digest);
    return r ? r : cmp_nullable(x->kind, y->kind);
}

static int cmp_registry(const void *a, const void *b)
{
    const struct rc_registry_result *x = a, *y = b;
    int r = cmp_nullable(x->id, y->id);
    return r ? r : cmp_nullable(x->url, y->url);
}

void rc_results_sort(struct rc_results *r)
{
    if (r->nregistries > 1)
        qsort(r->registries, r->nregistries, sizeof(*r->registries), cmp_registry);
    for (size_t i = 0; i < r->nregistries; i++) {
        struct rc_registry_result *rr = &r->registries[i];
        if (rr->nchecks > 1)
            qsort(rr->checks, rr->nchecks, sizeof(*rr->checks), cmp_check);
        if (rr->nleftovers > 1)
            qsort(rr->leftovers, rr->nleftovers, sizeof(*rr->leftovers), cmp_leftover);
    }
}

void rc_results_count(const struct rc_results *r, unsigned counts[RC_ST__COUNT])
{
    memset(counts, 0, sizeof(unsigned) * RC_ST__COUNT);
    for (size_t i = 0; i < r->nregistries; i++)
        for (size_t k = 0; k < r->registries[i].nchecks; k++) {
            enum rc_status st = r->registries[i].checks[k].status;
            if ((size_t)st < RC_ST__COUNT)
                counts[st]++;
        }
}

int rc_results_exit_code(const struct rc_results *r, bool strict)
{
    unsigned c[RC_ST__COUNT];
    rc_results_count(r, c);
    if (c[RC_ST_FAIL] || (strict && c[RC_ST_XPASS]))
        return 1;
    if (c[RC_ST_ERROR])
        return 3;
    return 0;
}

/* ---- writing --------------------------------------------------------------------------- */

/* A header list as a JSON object. Repeated names (compared case-insensitively) are joined
 * into the first one with ", " as HTTP allows, so the object never holds a key twice. */
static void write_kv(struct rc_jw *w, const struct rc_kv *kv, size_t n)
{
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = rc_str_ieq(kv[j].name, kv[i].name);
        if (seen || !kv[i].name)
            continue;
        rc_jw_key(w, kv[i].name);
        bool more = false;
        for (size_t j = i + 1; j < n && !more; j++)
            more = rc_str_ieq(kv[j].name, kv[i].name);
        if (!more) {
            rc_jw_str(w, kv[i].value ? kv[i].value : "");
            continue;
        }
        struct rc_buf b = RC_BUF_INIT(0);
        rc_buf_adds(&b, kv[i].value ? kv[i].value : "");
        for (size_t j = i + 1; j < n; j++)
            if (rc_str_ieq(kv[j].name, kv[i].name))
                rc_buf_addf(&b, ", %s", kv[j].value ? kv[j].value : "");
        rc_jw_str(w, rc_buf_str(&b));
        rc_buf_dispose(&b);
    }
    rc_jw_obj_end(w);
}

static void write_evidence(struct rc_jw *w, const struct rc_evidence *e, bool stable)
{
    rc_jw_obj_begin(w);
    rc_jw_kstr(w, "request", e->request);
    if (e->host)
        rc_jw_kstr(w, "host", e->host);
    rc_jw_kint(w, "status", e->status);
    if (e->error)
        rc_jw_kstr(w, "error", e->error);
    rc_jw_key(w, "headers");
    write_kv(w, e->headers, e->nheaders);
    if (e->body)
        rc_jw_kstr(w, "body", e->body);
    if (e->body_truncated)
        rc_jw_kbool(w, "body_truncated", true);
    if (e->timed && !stable) {
        rc_jw_key(w, "duration_ms");
        rc_jw_uint(w, e->duration_ms);
    }
    rc_jw_obj_end(w);
}

static void write_check(struct rc_jw *w, const struct rc_check_result *c, bool stable)
{
    rc_jw_obj_begin(w);
    rc_jw_kstr(w, "id", c->id);
    rc_jw_kstr(w, "suite", c->suite);
    rc_jw_kstr(w, "feature", c->feature);
    rc_jw_kstr(w, "title", c->title);
    rc_jw_kstr(w, "status", rc_status_name(c->status));
    if (c->reason)
        rc_jw_kstr(w, "reason", c->reason);
    if (c->note)
        rc_jw_kstr(w, "note", c->note);
    if (c->fallback)
        rc_jw_kbool(w, "fallback", true);
    if (c->expect_reason || c->expect_link) {
        rc_jw_key(w, "expect");
        rc_jw_obj_begin(w);
        rc_jw_kstr(w, "reason", c->expect_reason);
        rc_jw_kstr(w, "link", c->expect_link);
        if (c->expect_until)
            rc_jw_kstr(w, "until", c->expect_until);
        rc_jw_obj_end(w);
    }
    if (!stable) {
        rc_jw_key(w, "duration_ms");
        rc_jw_uint(w, c->duration_ms);
        rc_jw_kint(w, "requests", c->requests);
        if (c->retries)
            rc_jw_kint(w, "retries", c->retries);
        rc_jw_key(w, "bytes_sent");
        rc_jw_uint(w, c->bytes_sent);
        rc_jw_key(w, "bytes_received");
        rc_jw_uint(w, c->bytes_received);
    }
    if (c->nevidence) {
        rc_jw_key(w, "evidence");
        rc_jw_arr_begin(w);
        for (size_t i = 0; i < c->nevidence; i++)
            write_evidence(w, &c->evidence[i], stable);
        rc_jw_arr_end(w);
    }
    if (c->ndeviations) {
        rc_jw_key(w, "deviations");
        rc_jw_arr_begin(w);
        for (size_t i = 0; i < c->ndeviations; i++) {
            rc_jw_obj_begin(w);
            rc_jw_kstr(w, "text", c->deviations[i].text);
            if (c->deviations[i].evidence.request) {
                rc_jw_key(w, "evidence");
                write_evidence(w, &c->deviations[i].evidence, stable);
            }
            rc_jw_obj_end(w);
        }
        rc_jw_arr_end(w);
    }
    rc_jw_obj_end(w);
}

static void write_leftovers(struct rc_jw *w, const struct rc_leftover *l, size_t n)
{
    rc_jw_key(w, "leftovers");
    rc_jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        rc_jw_obj_begin(w);
        rc_jw_kstr(w, "repository", l[i].repository);
        rc_jw_kstr(w, "digest", l[i].digest);
        rc_jw_kstr(w, "kind", l[i].kind);
        rc_jw_kstr(w, "answer", l[i].answer);
        rc_jw_obj_end(w);
    }
    rc_jw_arr_end(w);
}

static const struct {
    const char *key;
    size_t offset;
} stat_fields[] = {
    {"requests", offsetof(struct rc_registry_stats, requests)},
    {"connections", offsetof(struct rc_registry_stats, connections)},
    {"tls_handshakes", offsetof(struct rc_registry_stats, tls_handshakes)},
    {"token_connections", offsetof(struct rc_registry_stats, token_connections)},
    {"token_requests", offsetof(struct rc_registry_stats, token_requests)},
    {"status_429", offsetof(struct rc_registry_stats, status_429)},
    {"manifest_gets", offsetof(struct rc_registry_stats, manifest_gets)},
};

static uint64_t *stat_field(struct rc_registry_stats *st, size_t i)
{
    return (uint64_t *)(void *)((char *)st + stat_fields[i].offset);
}

static void write_stats(struct rc_jw *w, const struct rc_registry_stats *st)
{
    struct rc_registry_stats copy = *st;
    rc_jw_key(w, "stats");
    rc_jw_obj_begin(w);
    for (size_t i = 0; i < RC_ARRAY_LEN(stat_fields); i++) {
        rc_jw_key(w, stat_fields[i].key);
        rc_jw_uint(w, *stat_field(&copy, i));
    }
    rc_jw_obj_end(w);
}

static void write_strv(struct rc_jw *w, const char *key, const struct rc_strv *sv)
{
    rc_jw_key(w, key);
    rc_jw_arr_begin(w);
    for (size_t i = 0; i < sv->n; i++)
        rc_jw_str(w, sv->v[i]);
    rc_jw_arr_end(w);
}

int rc_results_to_json_opts(const struct rc_results *r, struct rc_buf *out, bool stable,
                            struct rc_error **err)
{
    struct rc_jw w;
    rc_jw_init(&w, out, true);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "schema", RESULTS_SCHEMA);
    rc_jw_key(&w, "tool");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "name", r->tool_name);
    rc_jw_kstr(&w, "version", r->tool_version);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "run");
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "id", r->run_id);
    rc_jw_kstr(&w, "started", r->started);
    rc_jw_kstr(&w, "finished", r->finished);
    if (r->interrupted)
        rc_jw_kbool(&w, "interrupted", true);
    write_strv(&w, "suites", &r->suites);
    write_strv(&w, "features", &r->features);
    if (r->merged_from.n)
        write_strv(&w, "merged_from", &r->merged_from);
    rc_jw_obj_end(&w);
    rc_jw_key(&w, "registries");
    rc_jw_arr_begin(&w);
    for (size_t i = 0; i < r->nregistries; i++) {
        const struct rc_registry_result *rr = &r->registries[i];
        rc_jw_obj_begin(&w);
        rc_jw_kstr(&w, "id", rr->id);
        rc_jw_kstr(&w, "name", rr->name);
        rc_jw_kstr(&w, "url", rr->url);
        rc_jw_kstr(&w, "kind", rr->kind);
        rc_jw_kbool(&w, "hosted", rr->hosted);
        if (rr->nversions) {
            rc_jw_key(&w, "versions");
            write_kv(&w, rr->versions, rr->nversions);
        }
        if (rr->problem)
            rc_jw_kstr(&w, "problem", rr->problem);
        rc_jw_key(&w, "checks");
        rc_jw_arr_begin(&w);
        for (size_t k = 0; k < rr->nchecks; k++)
            write_check(&w, &rr->checks[k], stable);
        rc_jw_arr_end(&w);
        if (rr->nleftovers)
            write_leftovers(&w, rr->leftovers, rr->nleftovers);
        if (!stable && rr->stats.requests)
            write_stats(&w, &rr->stats);
        rc_jw_obj_end(&w);
    }
    rc_jw_arr_end(&w);
    rc_jw_obj_end(&w);
    if (rc_jw_finish(&w, err) < 0)
        return rc_error_prefix(err, "writing results");
    return 0;
}

int rc_results_to_json(const struct rc_results *r, struct rc_buf *out, struct rc_error **err)
{
    return rc_results_to_json_opts(r, out, false, err);
}

/* ---- reading --------------------------------------------------------------------------- */

/* Every reader gets the JSON path of the value it reads, for error messages. */
struct rd {
    struct rc_error **err;
};

static char *join_key(const char *path, const char *key)
{
    return *path ? rc_fmt("%s.%s", path, key) : rc_xstrdup(key);
}

static int type_error(struct rd *rd, const char *path, const char *key, const char *want,
                      const struct rc_json *j)
{
    char *p = join_key(path, key);
    int rc = rc_error_set(rd->err, RC_EINVAL, "%s: expected %s, got %s", p, want,
                          rc_json_type_name(rc_json_type(j)));
    free(p);
    return rc;
}

static int missing(struct rd *rd, const char *path, const char *key)
{
    char *p = join_key(path, key);
    int rc = rc_error_set(rd->err, RC_EINVAL, "%s: missing", p);
    free(p);
    return rc;
}

/* A string member; nullable allows null (NULL), required refuses an absent key. */
static int rd_str(struct rd *rd, const struct rc_json *obj, const char *path, const char *key,
                  bool required, bool nullable, char **out)
{
    const struct rc_json *j = rc_json_get(obj, key);
    *out = NULL;
    if (!j) {
        return required ? missing(rd, path, key) : 0;
    }
    if (rc_json_type(j) == RC_JSON_NULL && nullable)
        return 0;
    if (rc_json_type(j) != RC_JSON_STRING)
        return type_error(rd, path, key, nullable ? "a string or null" : "a string", j);
    if (strlen(rc_json_str(j)) != rc_json_str_len(j)) {
        char *p = join_key(path, key);
        int rc = rc_error_set(rd->err, RC_EINVAL, "%s: string holds a NUL character", p);
        free(p);
        return rc;
    }
    *out = rc_xstrdup(rc_json_str(j));
    return 0;
}

static int rd_bool(struct rd *rd, const struct rc_json *obj, const char *path, const char *key,
                   bool required, bool *out)
{
    const struct rc_json *j = rc_json_get(obj, key);
    *out = false;
    if (!j)
        return required ? missing(rd, path, key) : 0;
    if (!rc_json_bool(j, out))
        return type_error(rd, path, key, "a boolean", j);
    return 0;
}

static int rd_uint(struct rd *rd, const struct rc_json *obj, const char *path, const char *key,
                   bool required, uint64_t max, uint64_t *out)
{
    const struct rc_json *j = rc_json_get(obj, key);
    int64_t v = 0;
    *out = 0;
    if (!j)
        return required ? missing(rd, path, key) : 0;
    bool is_int = rc_json_int(j, &v);
    if (!is_int || v < 0 || (uint64_t)v > max) {
        char *p = join_key(path, key);
        char *got =
            is_int ? rc_fmt("%lld", (long long)v) : rc_xstrdup(rc_json_type_name(rc_json_type(j)));
        int rc = rc_error_set(rd->err, RC_EINVAL, "%s: expected an integer from 0 to %llu, got %s",
                              p, (unsigned long long)max, got);
        free(got);
        free(p);
        return rc;
    }
    *out = (uint64_t)v;
    return 0;
}

static const struct rc_json *rd_container(struct rd *rd, const struct rc_json *obj,
                                          const char *path, const char *key, enum rc_json_type t,
                                          bool required, int *rc)
{
    const struct rc_json *j = rc_json_get(obj, key);
    *rc = 0;
    if (!j) {
        if (required)
            *rc = missing(rd, path, key);
        return NULL;
    }
    if (rc_json_type(j) != t) {
        *rc = type_error(rd, path, key, t == RC_JSON_ARRAY ? "an array" : "an object", j);
        return NULL;
    }
    return j;
}

static int rd_kv(struct rd *rd, const struct rc_json *obj, const char *path, const char *key,
                 bool required, struct rc_kv **out, size_t *nout)
{
    int rc;
    const struct rc_json *j = rd_container(rd, obj, path, key, RC_JSON_OBJECT, required, &rc);
    *out = NULL;
    *nout = 0;
    if (!j)
        return rc;
    size_t n = rc_json_len(j), cap = 0;
    for (size_t i = 0; i < n; i++) {
        const struct rc_json *v = rc_json_at(j, i);
        const char *name = rc_json_key_at(j, i);
        if (rc_json_type(v) != RC_JSON_STRING) {
            char *p = join_key(path, key);
            rc = type_error(rd, p, name, "a string", v);
            free(p);
            return rc;
        }
        struct rc_kv kv = {rc_xstrdup(name), rc_xstrdup(rc_json_str(v))};
        RC_PUSH(*out, *nout, cap, kv);
    }
    return 0;
}

static int rd_strv(struct rd *rd, const struct rc_json *obj, const char *path, const char *key,
                   struct rc_strv *out)
{
    int rc;
    const struct rc_json *j = rd_container(rd, obj, path, key, RC_JSON_ARRAY, true, &rc);
    if (!j)
        return rc;
    for (size_t i = 0; i < rc_json_len(j); i++) {
        const struct rc_json *v = rc_json_at(j, i);
        if (rc_json_type(v) != RC_JSON_STRING) {
            char *p = rc_fmt("%s[%zu]", key, i);
            rc = type_error(rd, path, p, "a string", v);
            free(p);
            return rc;
        }
        rc_strv_push(out, rc_json_str(v));
    }
    return 0;
}

static int rd_evidence(struct rd *rd, const struct rc_json *j, const char *path,
                       struct rc_evidence *e)
{
    uint64_t status = 0;
    int rc = 0;
    if (rc_json_type(j) != RC_JSON_OBJECT)
        return rc_error_set(rd->err, RC_EINVAL, "%s: expected an object, got %s", path,
                            rc_json_type_name(rc_json_type(j)));
    if ((rc = rd_str(rd, j, path, "request", true, true, &e->request)) < 0 ||
        (rc = rd_str(rd, j, path, "host", false, true, &e->host)) < 0 ||
        (rc = rd_uint(rd, j, path, "status", true, 999, &status)) < 0 ||
        (rc = rd_str(rd, j, path, "error", false, true, &e->error)) < 0 ||
        (rc = rd_kv(rd, j, path, "headers", false, &e->headers, &e->nheaders)) < 0 ||
        (rc = rd_str(rd, j, path, "body", false, true, &e->body)) < 0 ||
        (rc = rd_bool(rd, j, path, "body_truncated", false, &e->body_truncated)) < 0 ||
        (rc = rd_uint(rd, j, path, "duration_ms", false, INT64_MAX, &e->duration_ms)) < 0)
        return rc;
    e->status = (int)status;
    e->timed = rc_json_get(j, "duration_ms") != NULL;
    return 0;
}

static int rd_check(struct rd *rd, const struct rc_json *j, const char *path,
                    struct rc_check_result *c)
{
    int rc = 0;
    char *status = NULL;
    uint64_t v;
    if (rc_json_type(j) != RC_JSON_OBJECT)
        return rc_error_set(rd->err, RC_EINVAL, "%s: expected an object, got %s", path,
                            rc_json_type_name(rc_json_type(j)));
    if ((rc = rd_str(rd, j, path, "id", true, false, &c->id)) < 0 ||
        (rc = rd_str(rd, j, path, "suite", true, true, &c->suite)) < 0 ||
        (rc = rd_str(rd, j, path, "feature", true, true, &c->feature)) < 0 ||
        (rc = rd_str(rd, j, path, "title", true, true, &c->title)) < 0 ||
        (rc = rd_str(rd, j, path, "status", true, false, &status)) < 0)
        return rc;
    bool ok = rc_status_parse(status, &c->status);
    if (!ok) {
        rc = rc_error_set(rd->err, RC_EINVAL, "%s.status: unknown status '%s'", path, status);
        free(status);
        return rc;
    }
    free(status);
    if ((rc = rd_str(rd, j, path, "reason", false, true, &c->reason)) < 0 ||
        (rc = rd_str(rd, j, path, "note", false, true, &c->note)) < 0 ||
        (rc = rd_bool(rd, j, path, "fallback", false, &c->fallback)) < 0)
        return rc;
    const struct rc_json *ex = rd_container(rd, j, path, "expect", RC_JSON_OBJECT, false, &rc);
    if (rc < 0)
        return rc;
    if (ex) {
        char *p = rc_fmt("%s.expect", path);
        if ((rc = rd_str(rd, ex, p, "reason", false, true, &c->expect_reason)) >= 0 &&
            (rc = rd_str(rd, ex, p, "link", false, true, &c->expect_link)) >= 0)
            rc = rd_str(rd, ex, p, "until", false, true, &c->expect_until);
        free(p);
        if (rc < 0)
            return rc;
    }
    /* counters are optional: the stable form leaves them out */
    if ((rc = rd_uint(rd, j, path, "duration_ms", false, INT64_MAX, &c->duration_ms)) < 0 ||
        (rc = rd_uint(rd, j, path, "requests", false, UINT32_MAX, &v)) < 0)
        return rc;
    c->requests = (uint32_t)v;
    if ((rc = rd_uint(rd, j, path, "retries", false, UINT32_MAX, &v)) < 0)
        return rc;
    c->retries = (uint32_t)v;
    if ((rc = rd_uint(rd, j, path, "bytes_sent", false, INT64_MAX, &c->bytes_sent)) < 0 ||
        (rc = rd_uint(rd, j, path, "bytes_received", false, INT64_MAX, &c->bytes_received)) < 0)
        return rc;
    const struct rc_json *ev = rd_container(rd, j, path, "evidence", RC_JSON_ARRAY, false, &rc);
    if (rc < 0)
        return rc;
    size_t n = rc_json_len(ev);
    if (n)
        c->evidence = rc_xcalloc(n, sizeof(*c->evidence));
    for (size_t i = 0; i < n; i++) {
        char *p = rc_fmt("%s.evidence[%zu]", path, i);
        c->nevidence = i + 1;
        rc = rd_evidence(rd, rc_json_at(ev, i), p, &c->evidence[i]);
        free(p);
        if (rc < 0)
            return rc;
    }
    const struct rc_json *dv = rd_container(rd, j, path, "deviations", RC_JSON_ARRAY, false, &rc);
    if (rc < 0)
        return rc;
    n = rc_json_len(dv);
    if (n)
        c->deviations = rc_xcalloc(n, sizeof(*c->deviations));
    for (size_t i = 0; i < n; i++) {
        const struct rc_json *d = rc_json_at(dv, i);
        char *p = rc_fmt("%s.deviations[%zu]", path, i);
        c->ndeviations = i + 1;
        if (rc_json_type(d) != RC_JSON_OBJECT)
            rc = rc_error_set(rd->err, RC_EINVAL, "%s: expected an object", p);
        if (rc >= 0)
            rc = rd_str(rd, d, p, "text", true, true, &c->deviations[i].text);
        const struct rc_json *e = rc >= 0 ? rc_json_get(d, "evidence") : NULL;
        if (e) {
            char *pe = rc_fmt("%s.evidence", p);
            rc = rd_evidence(rd, e, pe, &c->deviations[i].evidence);
            free(pe);
        }
        free(p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int rd_leftovers(struct rd *rd, const struct rc_json *j, const char *path,
                        struct rc_registry_result *rr)
{
    int rc;
    const struct rc_json *lv = rd_container(rd, j, path, "leftovers", RC_JSON_ARRAY, false, &rc);
    size_t n = rc_json_len(lv);
    if (n)
        rr->leftovers = rc_xcalloc(n, sizeof(*rr->leftovers));
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct rc_json *item = rc_json_at(lv, i);
        char *p = rc_fmt("%s.leftovers[%zu]", path, i);
        struct rc_leftover *l = &rr->leftovers[i];
        rr->nleftovers = i + 1;
        if (rc_json_type(item) != RC_JSON_OBJECT)
            rc = rc_error_set(rd->err, RC_EINVAL, "%s: expected an object, got %s", p,
                              rc_json_type_name(rc_json_type(item)));
        else if ((rc = rd_str(rd, item, p, "repository", true, false, &l->repository)) == 0 &&
                 (rc = rd_str(rd, item, p, "digest", true, false, &l->digest)) == 0 &&
                 (rc = rd_str(rd, item, p, "kind", true, false, &l->kind)) == 0)
            rc = rd_str(rd, item, p, "answer", false, true, &l->answer);
        free(p);
    }
    return rc;
}

static int rd_registry(struct rd *rd, const struct rc_json *j, const char *path,
                       struct rc_registry_result *rr)
{
    int rc = 0;
    if (rc_json_type(j) != RC_JSON_OBJECT)
        return rc_error_set(rd->err, RC_EINVAL, "%s: expected an object, got %s", path,
                            rc_json_type_name(rc_json_type(j)));
    if ((rc = rd_str(rd, j, path, "id", true, false, &rr->id)) < 0 ||
        (rc = rd_str(rd, j, path, "name", true, true, &rr->name)) < 0 ||
        (rc = rd_str(rd, j, path, "url", true, true, &rr->url)) < 0 ||
        (rc = rd_str(rd, j, path, "kind", true, true, &rr->kind)) < 0 ||
        (rc = rd_bool(rd, j, path, "hosted", false, &rr->hosted)) < 0 ||
        (rc = rd_kv(rd, j, path, "versions", false, &rr->versions, &rr->nversions)) < 0 ||
        (rc = rd_str(rd, j, path, "problem", false, false, &rr->problem)) < 0)
        return rc;
    const struct rc_json *stats = rd_container(rd, j, path, "stats", RC_JSON_OBJECT, false, &rc);
    if (rc < 0)
        return rc;
    for (size_t i = 0; stats && i < RC_ARRAY_LEN(stat_fields); i++) {
        char *p = rc_fmt("%s.stats", path);
        rc = rd_uint(rd, stats, p, stat_fields[i].key, false, INT64_MAX, stat_field(&rr->stats, i));
        free(p);
        if (rc < 0)
            return rc;
    }
    const struct rc_json *checks = rd_container(rd, j, path, "checks", RC_JSON_ARRAY, true, &rc);
    if (!checks)
        return rc;
    size_t n = rc_json_len(checks);
    if (n)
        rr->checks = rc_xcalloc(n, sizeof(*rr->checks));
    for (size_t i = 0; i < n; i++) {
        char *p = rc_fmt("%s.checks[%zu]", path, i);
        rr->nchecks = i + 1;
        rc = rd_check(rd, rc_json_at(checks, i), p, &rr->checks[i]);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (rc_str_eq(rr->checks[k].id, rr->checks[i].id))
                rc = rc_error_set(rd->err, RC_EINVAL, "%s.id: check '%s' appears twice", p,
                                  rr->checks[i].id);
        free(p);
        if (rc < 0)
            return rc;
    }
    return rd_leftovers(rd, j, path, rr);
}

static int rd_results(struct rd *rd, const struct rc_json *root, struct rc_results *r)
{
    int rc = 0;
    char *schema = NULL;
    if (rc_json_type(root) != RC_JSON_OBJECT)
        return rc_error_set(rd->err, RC_EINVAL, "top level: expected an object, got %s",
                            rc_json_type_name(rc_json_type(root)));
    if ((rc = rd_str(rd, root, "", "schema", true, false, &schema)) < 0)
        return rc;
    if (!rc_str_eq(schema, RESULTS_SCHEMA)) {
        rc = rc_error_set(rd->err, RC_EINVAL, "schema: unsupported schema '%s' (expected %s)",
                          schema, RESULTS_SCHEMA);
        free(schema);
        return rc;
    }
    free(schema);
    const struct rc_json *tool = rd_container(rd, root, "", "tool", RC_JSON_OBJECT, true, &rc);
    if (!tool)
        return rc;
    if ((rc = rd_str(rd, tool, "tool", "name", true, true, &r->tool_name)) < 0 ||
        (rc = rd_str(rd, tool, "tool", "version", true, true, &r->tool_version)) < 0)
        return rc;
    const struct rc_json *run = rd_container(rd, root, "", "run", RC_JSON_OBJECT, true, &rc);
    if (!run)
        return rc;
    if ((rc = rd_str(rd, run, "run", "id", true, true, &r->run_id)) < 0 ||
        (rc = rd_str(rd, run, "run", "started", true, true, &r->started)) < 0 ||
        (rc = rd_str(rd, run, "run", "finished", true, true, &r->finished)) < 0 ||
        (rc = rd_bool(rd, run, "run", "interrupted", false, &r->interrupted)) < 0 ||
        (rc = rd_strv(rd, run, "run", "suites", &r->suites)) < 0 ||
        (rc = rd_strv(rd, run, "run", "features", &r->features)) < 0)
        return rc;
    if (rc_json_get(run, "merged_from") &&
        (rc = rd_strv(rd, run, "run", "merged_from", &r->merged_from)) < 0)
        return rc;
    const struct rc_json *regs = rd_container(rd, root, "", "registries", RC_JSON_ARRAY, true, &rc);
    if (!regs)
        return rc;
    size_t n = rc_json_len(regs);
    if (n)
        r->registries = rc_xcalloc(n, sizeof(*r->registries));
    for (size_t i = 0; i < n; i++) {
        char *p = rc_fmt("registries[%zu]", i);
        r->nregistries = i + 1;
        rc = rd_registry(rd, rc_json_at(regs, i), p, &r->registries[i]);
        for (size_t k = 0; rc == 0 && k < i; k++)
            if (rc_str_eq(r->registries[k].id, r->registries[i].id))
                rc = rc_error_set(rd->err, RC_EINVAL, "%s.id: registry '%s' appears twice", p,
                                  r->registries[i].id);
        free(p);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int rc_results_from_json(struct rc_results *out, const char *text, size_t len,
                         struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    struct rc_json *root = NULL;
    int rc = rc_json_parse(&root, text, len, err);
    if (rc < 0)
        return rc;
    const char *dup = rc_json_duplicate_key(root);
    if (dup) {
        rc = rc_error_set(err, RC_EINVAL, "%s: duplicate key", dup);
    } else {
        struct rd rd = {err};
        rc = rd_results(&rd, root, out);
    }
    rc_json_free(root);
    if (rc < 0)
        rc_results_dispose(out);
    return rc;
}

/* ---- disposal -------------------------------------------------------------------------- */

static void kv_free(struct rc_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
    free(kv);
}

void rc_evidence_dispose(struct rc_evidence *e)
{
    if (!e)
        return;
    free(e->request);
    free(e->host);
    free(e->error);
    kv_free(e->headers, e->nheaders);
    free(e->body);
    memset(e, 0, sizeof(*e));
}

void rc_leftover_dispose(struct rc_leftover *l)
{
    if (!l)
        return;
    free(l->repository);
    free(l->digest);
    free(l->kind);
    free(l->answer);
    memset(l, 0, sizeof(*l));
}

void rc_check_result_dispose(struct rc_check_result *c)
{
    if (!c)
        return;
    free(c->id);
    free(c->suite);
    free(c->feature);
    free(c->title);
    free(c->reason);
    free(c->note);
    for (size_t i = 0; i < c->nevidence; i++)
        rc_evidence_dispose(&c->evidence[i]);
    free(c->evidence);
    for (size_t i = 0; i < c->ndeviations; i++) {
        free(c->deviations[i].text);
        rc_evidence_dispose(&c->deviations[i].evidence);
    }
    free(c->deviations);
    free(c->expect_reason);
    free(c->expect_link);
    free(c->expect_until);
    memset(c, 0, sizeof(*c));
}

void rc_registry_result_dispose(struct rc_registry_result *rr)
{
    if (!rr)
        return;
    free(rr->id);
    free(rr->name);
    free(rr->url);
    free(rr->kind);
    kv_free(rr->versions, rr->nversions);
    free(rr->problem);
    for (size_t i = 0; i < rr->nchecks; i++)
        rc_check_result_dispose(&rr->checks[i]);
    free(rr->checks);
    for (size_t i = 0; i < rr->nleftovers; i++)
        rc_leftover_dispose(&rr->leftovers[i]);
    free(rr->leftovers);
    memset(rr, 0, sizeof(*rr));
}

void rc_results_dispose(struct rc_results *r)
{
    if (!r)
        return;
    free(r->tool_name);
    free(r->tool_version);
    free(r->run_id);
    free(r->started);
    free(r->finished);
    rc_strv_dispose(&r->suites);
    rc_strv_dispose(&r->features);
    rc_strv_dispose(&r->merged_from);
    for (size_t i = 0; i < r->nregistries; i++)
        rc_registry_result_dispose(&r->registries[i]);
    free(r->registries);
    memset(r, 0, sizeof(*r));
}
