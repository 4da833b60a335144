/* The scenario context: variables, saved artifacts, the objects to clean up, the exchange
 * trace that becomes evidence, and the rules that turn an answer into a status. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/internal.h"

#include "base/banned.h"

void sctx_init(struct sctx *c, struct worker *w, const struct rc_scenario *sc)
{
    memset(c, 0, sizeof(*c));
    c->w = w;
    c->sc = sc;
    c->repo = rc_profile_repository(w->profile, w->run_id, sc->id);
    c->repo2 = rc_fmt("%s-2", c->repo);
    rc_http_response_init(&c->last);
    c->status = RC_ST_PASS;
}

void sctx_dispose(struct sctx *c)
{
    free(c->repo);
    free(c->repo2);
    for (size_t i = 0; i < c->nvars; i++) {
        free(c->vars[i].name);
        free(c->vars[i].value);
    }
    free(c->vars);
    for (size_t i = 0; i < c->narts; i++) {
        free(c->arts[i].name);
        rc_artifact_dispose(&c->arts[i].art);
    }
    free(c->arts);
    for (size_t i = 0; i < c->nkeys; i++) {
        free(c->keys[i].name);
        rc_crypto_key_free(c->keys[i].key);
    }
    free(c->keys);
    for (size_t i = 0; i < c->ncreated; i++) {
        free(c->created[i].repo);
        free(c->created[i].digest);
    }
    free(c->created);
    rc_http_response_dispose(&c->last);
    rc_strv_dispose(&c->tags);
    rc_artifact_manifest_dispose(&c->refs);
    free(c->reason);
    free(c->note);
    for (size_t i = 0; i < c->ndeviations; i++) {
        free(c->deviations[i].text);
        rc_evidence_dispose(&c->deviations[i].evidence);
    }
    free(c->deviations);
    for (size_t i = 0; i < c->ntrace; i++)
        rc_evidence_dispose(&c->trace[i]);
    free(c->trace);
}

/* ---- the trace ------------------------------------------------------------------------- */

static const char *const evidence_headers[] = {
    "Content-Type",
    "Content-Length",
    "Location",
    "Docker-Content-Digest",
    "WWW-Authenticate",
    "Range",
    "Content-Range",
    "OCI-Subject",
    "OCI-Filters-Applied",
    "OCI-Chunk-Min-Length",
    "Link",
    "Retry-After",
    "Allow",
    "Docker-Upload-UUID",
};

static bool textual(const char *ctype, const char *body, size_t len)
{
    if (ctype && (strstr(ctype, "json") || strstr(ctype, "text") || strstr(ctype, "xml") ||
                  strstr(ctype, "html")))
        return true;
    size_t bad = 0, n = len < 256 ? len : 256;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)body[i];
        if (ch < 0x09 || (ch > 0x0d && ch < 0x20) || ch == 0x7f)
            bad++;
    }
    return bad == 0;
}

/* At most RC_EVIDENCE_BODY bytes, cut on a UTF-8 boundary, control characters as '.'. */
static char *body_excerpt(const char *body, size_t len, bool *truncated)
{
    size_t n = len;
    if (n > RC_EVIDENCE_BODY) {
        n = RC_EVIDENCE_BODY;
        while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
            n--;
        *truncated = true;
    }
    char *s = rc_xstrndup(body, n);
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            *p = '.';
    char *red = rc_redact_text(s);
    free(s);
    return red;
}

/* Evidence names the run's repositories as "{run}" instead of the run id, so that the
 * results of two runs diff cleanly. */
static void unrun(char **s, const char *run_id)
{
    if (!*s || !strstr(*s, run_id))
        return;
    struct rc_buf b = RC_BUF_INIT(0);
    const char *p = *s, *hit;
    size_t n = strlen(run_id);
    while ((hit = strstr(p, run_id))) {
        rc_buf_add(&b, p, (size_t)(hit - p));
        rc_buf_adds(&b, "{run}");
        p = hit + n;
    }
    rc_buf_adds(&b, p);
    free(*s);
    *s = rc_buf_steal(&b, NULL);
}

/* A manifest GET to the registry itself (what registries that bill pulls count). */
static bool is_manifest_get(const struct worker *w, const struct rc_http_exchange *x)
{
    if (!rc_str_eq(x->method, "GET"))
        return false;
    rc_autofree char *auth = rc_url_authority(x->url);
    if (!auth || !rc_str_eq(auth, w->host))
        return false;
    rc_autofree char *pq = rc_url_path_query(x->url);
    return pq && rc_str_starts(pq, "/v2/") && strstr(pq, "/manifests/") != NULL;
}

void sctx_on_exchange(void *ctx, const struct rc_http_exchange *x)
{
    struct worker *w = ctx;
    struct sctx *c = w->cur;
    bool manifest_get = is_manifest_get(w, x);
    if (w->usage) {
        atomic_fetch_add(&w->usage->requests, 1);
        if (manifest_get)
            atomic_fetch_add(&w->usage->manifest_gets, 1);
    }
    if (!c)
        return;
    c->requests++;
    c->manifest_gets += manifest_get;
    if (x->retry)
        c->retries++;
    c->sent += x->sent_bytes;
    c->received += x->received_bytes;
    if (x->status)
        c->failed_in_row = 0;
    else
        c->failed_in_row++;

    struct rc_evidence e = {0};
    char *pq = rc_url_path_query(x->url);
    char *pqr = rc_redact_url(pq);
    e.request = rc_fmt("%s %s", x->method, pqr);
    free(pq);
    free(pqr);
    char *auth = rc_url_authority(x->url);
    if (auth && !rc_str_eq(auth, w->host))
        e.host = rc_redact_text(auth);
    free(auth);
    e.status = (int)x->status;
    e.duration_ms = x->elapsed_ms;
    e.timed = true;
    if (x->error)
        e.error = rc_redact_text(x->error);
    if (x->response_headers) {
        for (size_t i = 0; i < RC_ARRAY_LEN(evidence_headers); i++) {
            const char *v = rc_http_headers_get(x->response_headers, evidence_headers[i]);
            if (!v)
                continue;
            struct rc_kv kv = {rc_xstrdup(evidence_headers[i]),
                               rc_redact_header(evidence_headers[i], v)};
            e.headers = rc_xrealloc(e.headers, (e.nheaders + 1) * sizeof(*e.headers));
            e.headers[e.nheaders++] = kv;
        }
    }
    const char *ctype =
        x->response_headers ? rc_http_headers_get(x->response_headers, "Content-Type") : NULL;
    if (x->body && x->body_len && textual(ctype, x->body, x->body_len))
        e.body = body_excerpt(x->body, x->body_len, &e.body_truncated);
    unrun(&e.request, w->run_id);
    unrun(&e.body, w->run_id);
    for (size_t i = 0; i < e.nheaders; i++)
        unrun(&e.headers[i].value, w->run_id);
    if (rc_log_enabled(RC_LOG_DEBUG))
        rc_log(RC_LOG_DEBUG, "[%s %s] %s -> %d%s%s", w->profile->id, c->sc->id, e.request, e.status,
               e.error ? " " : "", e.error ? e.error : "");

    if (c->ntrace == RC_TRACE_KEEP) {
        /* drop the oldest; indexes into the trace shift with it */
        rc_evidence_dispose(&c->trace[0]);
        memmove(c->trace, c->trace + 1, (c->ntrace - 1) * sizeof(*c->trace));
        c->ntrace--;
        if (c->step_first)
            c->step_first--;
    }
    if (!c->trace)
        c->trace = rc_xcalloc(RC_TRACE_KEEP, sizeof(*c->trace));
    c->trace[c->ntrace++] = e;
}

static void copy_evidence(struct rc_evidence *dst, const struct rc_evidence *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->request = rc_xstrdup(src->request);
    dst->host = rc_xstrdup(src->host);
    dst->status = src->status;
    dst->error = rc_xstrdup(src->error);
    dst->body = rc_xstrdup(src->body);
    dst->body_truncated = src->body_truncated;
    dst->duration_ms = src->duration_ms;
    dst->timed = src->timed;
    if (src->nheaders) {
        dst->headers = rc_xcalloc(src->nheaders, sizeof(*dst->headers));
        for (size_t i = 0; i < src->nheaders; i++) {
            dst->headers[i].name = rc_xstrdup(src->headers[i].name);
            dst->headers[i].value = rc_xstrdup(src->headers[i].value);
        }
        dst->nheaders = src->nheaders;
    }
}

/* The deciding step's exchanges, at most the last three of them. */
void sctx_take_evidence(struct sctx *c, struct rc_check_result *out)
{
    size_t from = c->evidence_from < c->ntrace ? c->evidence_from : c->ntrace;
    if (c->ntrace - from > 3)
        from = c->ntrace - 3;
    if (from == c->ntrace && c->ntrace)
        from = c->ntrace - 1; /* an expect step: show the answer it judged */
    size_t n = c->ntrace - from;
    if (!n)
        return;
    out->evidence = rc_xcalloc(n, sizeof(*out->evidence));
    for (size_t i = 0; i < n; i++)
        copy_evidence(&out->evidence[i], &c->trace[from + i]);
    out->nevidence = n;
}

/* ---- variables and state --------------------------------------------------------------- */

const char *sctx_var(struct sctx *c, const char *name)
{
    if (rc_str_eq(name, "repo"))
        return c->repo;
    if (rc_str_eq(name, "repo2"))
        return c->repo2;
    if (rc_str_eq(name, "run"))
        return c->w->run_id;
    if (rc_str_eq(name, "registry"))
        return c->w->host;
    if (rc_str_eq(name, "scenario"))
        return c->sc->id;
    if (rc_str_eq(name, "namespace"))
        return c->w->profile->namespace;
    for (size_t i = 0; i < c->nvars; i++)
        if (rc_str_eq(c->vars[i].name, name))
            return c->vars[i].value;
    return NULL;
}

void sctx_set_var(struct sctx *c, const char *prefix, const char *field, const char *value)
{
    if (!prefix)
        return;
    char *name = rc_fmt("%s.%s", prefix, field);
    for (size_t i = 0; i < c->nvars; i++) {
        if (rc_str_eq(c->vars[i].name, name)) {
            free(name);
            free(c->vars[i].value);
            c->vars[i].value = rc_xstrdup(value ? value : "");
            return;
        }
    }
    struct var v = {name, rc_xstrdup(value ? value : "")};
    RC_PUSH(c->vars, c->nvars, c->capvars, v);
}

char *sctx_subst(struct sctx *c, const char *s)
{
    if (!s)
        return NULL;
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    const char *p = s, *open, *close;
    while (rc_find_var(p, &open, &close)) {
        rc_buf_add(&b, p, (size_t)(open - p));
        char *name = rc_xstrndup(open + 1, (size_t)(close - open - 2));
        const char *v = sctx_var(c, name);
        rc_buf_adds(&b, v ? v : "");
        free(name);
        p = close;
    }
    rc_buf_adds(&b, p);
    return rc_buf_steal(&b, NULL);
}

void sctx_set_last(struct sctx *c, struct rc_http_response *resp)
{
    rc_http_response_dispose(&c->last);
    c->last = *resp;
    c->has_last = true;
    rc_http_response_init(resp);
}

void sctx_add_note(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = rc_vfmt(fmt, ap);
    va_end(ap);
    if (c->note && strstr(c->note, raw)) {
        free(raw); /* said already */
        return;
    }
    if (c->note) {
        char *both = rc_fmt("%s; %s", c->note, raw);
        free(raw);
        raw = both;
        free(c->note);
    }
    c->note = raw;
}

struct created *sctx_created(struct sctx *c, const char *repo, const char *digest)
{
    for (size_t i = 0; i < c->ncreated; i++)
        if (rc_str_eq(c->created[i].repo, repo) && rc_str_eq(c->created[i].digest, digest))
            return &c->created[i];
    return NULL;
}

void sctx_track(struct sctx *c, const char *repo, const char *digest, bool manifest)
{
    if (sctx_created(c, repo, digest))
        return;
    struct created cr = {
        .repo = rc_xstrdup(repo), .digest = rc_xstrdup(digest), .manifest = manifest};
    RC_PUSH(c->created, c->ncreated, c->capcreated, cr);
}

void sctx_untrack(struct sctx *c, const char *repo, const char *digest)
{
    for (size_t i = 0; i < c->ncreated; i++) {
        if (rc_str_eq(c->created[i].repo, repo) && rc_str_eq(c->created[i].digest, digest)) {
            free(c->created[i].repo);
            free(c->created[i].digest);
            memmove(&c->created[i], &c->created[i + 1],
                    (c->ncreated - i - 1) * sizeof(*c->created));
            c->ncreated--;
            return;
        }
    }
}

void sctx_add_deviation(struct sctx *c, const char *text)
{
    for (size_t i = 0; i < c->ndeviations; i++)
        if (rc_str_eq(c->deviations[i].text, text))
            return; /* said already */
    struct rc_deviation d = {0};
    d.text = rc_redact_text(text);
    if (c->ntrace)
        copy_evidence(&d.evidence, &c->trace[c->ntrace - 1]);
    RC_PUSH(c->deviations, c->ndeviations, c->capdeviations, d);
}

/* A deviation shown by the newest traced exchange of method on url (else the last one). */
void sctx_add_deviation_at(struct sctx *c, const char *method, const char *url, const char *what,
                           const char *text)
{
    rc_autofree char *full = rc_fmt("%s: %s", what, text);
    for (size_t i = 0; i < c->ndeviations; i++)
        if (rc_str_eq(c->deviations[i].text, full))
            return;
    rc_autofree char *pq = url ? rc_url_path_query(url) : NULL;
    rc_autofree char *pqr = pq ? rc_redact_url(pq) : NULL;
    rc_autofree char *req = pqr ? rc_fmt("%s %s", method, pqr) : NULL;
    if (req)
        unrun(&req, c->w->run_id);
    struct rc_deviation d = {0};
    d.text = rc_redact_text(full);
    size_t at = c->ntrace;
    for (size_t i = c->ntrace; req && i-- > 0;) {
        if (rc_str_eq(c->trace[i].request, req)) {
            at = i;
            break;
        }
    }
    if (at == c->ntrace && c->ntrace)
        at = c->ntrace - 1;
    if (at < c->ntrace)
        copy_evidence(&d.evidence, &c->trace[at]);
    RC_PUSH(c->deviations, c->ndeviations, c->capdeviations, d);
}

/* The check's deviations, handed to its result. */
void sctx_take_deviations(struct sctx *c, struct rc_check_result *out)
{
    out->deviations = c->deviations;
    out->ndeviations = c->ndeviations;
    c->deviations = NULL;
    c->ndeviations = c->capdeviations = 0;
}

struct saved_artifact *sctx_artifact(struct sctx *c, const char *name)
{
    for (size_t i = 0; name && i < c->narts; i++)
        if (rc_str_eq(c->arts[i].name, name))
            return &c->arts[i];
    return NULL;
}
