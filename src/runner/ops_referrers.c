/* Referrers: the API, the tag-schema fallback and attaching (signing: ops_sign.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

/* Parses an answer that must be an image index into c->refs. */
int referrers_take_index(struct sctx *c, const struct rc_http_response *r, const char *what)
{
    rc_artifact_manifest_dispose(&c->refs);
    memset(&c->refs, 0, sizeof(c->refs));
    struct rc_error *err = NULL;
    if (rc_artifact_manifest_parse(&c->refs, r->body.data ? r->body.data : "", r->body.len, &err) <
            0 ||
        !c->refs.is_index) {
        judge_wrong(c, "%s: the body is not an image index%s%s", what, err ? ": " : "",
                    err ? rc_error_msg(err) : "");
        rc_error_free(err);
        return 1;
    }
    c->refs_listed = true;
    return 0;
}

/* Keeps only the entries of artifactType at (what a client must do itself when the registry
 * did not apply the filter). */
static void filter_refs(struct sctx *c, const char *at)
{
    size_t keep = 0;
    for (size_t i = 0; i < c->refs.nmanifests; i++) {
        if (rc_str_eq(c->refs.manifests[i].artifact_type, at))
            c->refs.manifests[keep++] = c->refs.manifests[i];
        else
            rc_artifact_desc_dispose(&c->refs.manifests[i]);
    }
    c->refs.nmanifests = keep;
}

/* GET of the tag-schema index of subject digest in repo. 1 = decided; else *found tells
 * whether the tag exists and resp holds the answer. A tag that resolves to the subject
 * itself (or to anything but an index) is a registry fault. */
int referrers_fallback_get(struct sctx *c, const struct rc_step *st, const char *repo,
                           const char *subject, bool *found, struct rc_http_response *resp)
{
    rc_autofree char *tag = rc_digest_to_tag(subject);
    struct rc_error *err = NULL;
    int rc = rc_oci_manifest_get(&c->w->oci, repo, tag, false, RC_MT_OCI_INDEX, resp, &err);
    if (rc < 0)
        return judge_transport(c, "GET of the referrers tag schema index", rc, err);
    *found = resp->status == 200;
    if (resp->status == 404)
        return 0;
    if (resp->status != 200)
        return judge_unexpected(c, st, "GET of the referrers tag schema index", resp, "200 or 404");
    if (rc_str_eq(resp->body_digest, subject)) {
        judge_wrong(c,
                    "the tag %s resolves to the subject manifest itself, not to a referrers "
                    "index",
                    tag);
        return 1;
    }
    return 0;
}

/* "No referrers API" is one category ("Listing Referrers", "Unavailable Referrers API"): a
 * registry with the API answers 200 with an image index and its Content-Type. A 404 is the
 * specified sign of no API; registries also show it with a 405, a redirect (to a login
 * page), an HTML page or another 200 that is not an index, or the index under another
 * Content-Type, and a client then falls back to the tag schema. NULL when the answer is
 * an API answer; else why it is not. *index_ok tells whether the body is an image index. */
char *referrers_no_api(const struct rc_http_response *r, bool *index_ok)
{
    *index_ok = false;
    if (r->status == 404 || r->status == 405)
        return describe_answer(r);
    if (r->status / 100 == 3)
        return rc_fmt("a %ld redirect", r->status);
    if (r->status != 200)
        return NULL; /* another answer: judged as such */
    struct rc_artifact_manifest m = {0};
    struct rc_error *err = NULL;
    *index_ok =
        rc_artifact_manifest_parse(&m, r->body.data ? r->body.data : "", r->body.len, &err) == 0 &&
        m.is_index;
    rc_artifact_manifest_dispose(&m);
    rc_error_free(err);
    const char *ct = rc_http_headers_get(&r->headers, "Content-Type");
    size_t n = ct ? strcspn(ct, "; ") : 0;
    bool ct_ok = ct && n == strlen(RC_MT_OCI_INDEX) && strncmp(ct, RC_MT_OCI_INDEX, n) == 0;
    const char *via = r->nhops ? " after a redirect" : "";
    if (!*index_ok)
        return rc_fmt("a 200%s whose body is not an image index (%s)", via,
                      ct ? ct : "no Content-Type");
    if (!ct_ok)
        return rc_fmt("an image index%s served as '%s'", via, ct ? ct : "(no Content-Type)");
    return NULL;
}

int op_referrers(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *repo = step_repo(c, st);
    rc_autofree char *digest = step_arg(c, st, "digest");
    rc_autofree char *at = step_arg(c, st, "artifact_type");
    bool fallback = step_num(st, "fallback", 0) != 0;
    c->refs_listed = false;
    struct rc_http_response r;
    rc_http_response_init(&r);
    struct rc_error *err = NULL;
    int rc = rc_oci_referrers(&c->w->oci, repo, digest, at, &r, &err);
    if (rc < 0) {
        rc_http_response_dispose(&r);
        return judge_transport(c, "referrers GET", rc, err);
    }
    step_save_answer(c, st, &r);
    bool index_ok = false;
    rc_autofree char *no_api = referrers_no_api(&r, &index_ok);
    if (no_api && fallback) {
        struct rc_http_response f;
        rc_http_response_init(&f);
        bool found = false;
        rc_http_response_dispose(&r);
        if (referrers_fallback_get(c, st, repo, digest, &found, &f)) {
            sctx_set_last(c, &f);
            return 1;
        }
        c->fallback = true;
        sctx_add_note(c, "no referrers API (%s): listed through the tag schema", no_api);
        int stop = 0;
        if (found) {
            stop = referrers_take_index(c, &f, "referrers tag schema index");
        } else {
            rc_artifact_manifest_dispose(&c->refs);
            memset(&c->refs, 0, sizeof(c->refs));
            c->refs_listed = true;
        }
        if (!stop && at)
            filter_refs(c, at);
        step_save_u64(c, st, "count", c->refs.nmanifests);
        sctx_set_last(c, &f);
        return stop;
    }
    if (no_api && !index_ok) {
        /* the API checks: a registry without the API validly declines it */
        step_save_u64(c, st, "count", 0);
        judge_declined(c, "no referrers API: the referrers GET answered %s", no_api);
        sctx_set_last(c, &r);
        return 1;
    }
    if (r.status != 200)
        return step_finish(c, st, "referrers GET", 0, NULL, &r);
    int stop = referrers_take_index(c, &r, "referrers GET");
    /* further pages (Link: <...>; rel="next"), followed verbatim */
    unsigned pages = 1;
    RC_CLEANUP(rc_strv_dispose) struct rc_strv seen = {0};
    bool loop = false;
    for (char *next = stop ? NULL : rc_oci_next_page(&r, &seen, &loop); next;
         next = rc_oci_next_page(&r, &seen, &loop)) {
        if (pages >= MAX_TAG_PAGES) {
            free(next);
            judge_wrong(c, "referrers: still a Link rel=next after %u pages", pages);
            stop = 1;
            break;
        }
        pages++;
        struct rc_artifact_manifest acc = c->refs;
        memset(&c->refs, 0, sizeof(c->refs));
        struct rc_http_response pg;
        rc_http_response_init(&pg);
        rc = rc_oci_request(&c->w->oci, "GET", next, NULL, NULL, 0, NULL, &pg, &err);
        free(next);
        if (rc < 0) {
            rc_artifact_manifest_dispose(&acc);
            rc_http_response_dispose(&pg);
            rc_http_response_dispose(&r);
            return judge_transport(c, "referrers GET (next page)", rc, err);
        }
        stop = pg.status == 200 ? referrers_take_index(c, &pg, "referrers GET (next page)")
                                : judge_unexpected(c, st, "referrers GET (next page)", &pg, "200");
        if (!stop) {
            /* append this page to what came before */
            acc.manifests = rc_xrealloc(acc.manifests, (acc.nmanifests + c->refs.nmanifests) *
                                                           sizeof(*acc.manifests));
            memcpy(acc.manifests + acc.nmanifests, c->refs.manifests,
                   c->refs.nmanifests * sizeof(*acc.manifests));
            acc.nmanifests += c->refs.nmanifests;
            c->refs.nmanifests = 0;
        }
        rc_artifact_manifest_dispose(&c->refs);
        c->refs = acc;
        rc_http_response_dispose(&r);
        r = pg;
        if (stop)
            break;
    }
    if (loop && !stop) {
        judge_wrong(c, "referrers: Link rel=next points back to a page already read");
        stop = 1;
    }
    const char *applied = rc_http_headers_get(&r.headers, "OCI-Filters-Applied");
    bool filtered = applied && strstr(applied, "artifactType");
    step_save(c, st, "filtered", filtered ? "true" : "false");
    if (!stop && at && !filtered)
        filter_refs(c, at); /* the spec asks clients to filter when the registry did not */
    step_save_u64(c, st, "count", c->refs.nmanifests);
    sctx_set_last(c, &r);
    return stop;
}

/* Adds the entry for art to the tag-schema index of subject (read, add, write back). */
static int update_fallback_index(struct sctx *c, const struct rc_step *st, const char *repo,
                                 const char *subject, const struct rc_artifact *art)
{
    struct rc_http_response g;
    rc_http_response_init(&g);
    bool found = false;
    if (referrers_fallback_get(c, st, repo, subject, &found, &g)) {
        rc_http_response_dispose(&g);
        return 1;
    }
    struct rc_artifact_manifest old = {0};
    struct rc_error *err = NULL;
    if (found &&
        (rc_artifact_manifest_parse(&old, g.body.data, g.body.len, &err) < 0 || !old.is_index)) {
        judge_wrong(c, "the referrers tag schema index is not an image index");
        rc_error_free(err);
        rc_artifact_manifest_dispose(&old);
        rc_http_response_dispose(&g);
        return 1;
    }
    rc_http_response_dispose(&g);
    size_t n = old.nmanifests;
    struct rc_artifact_desc *entries = rc_xcalloc(n + 1, sizeof(*entries));
    for (size_t i = 0; i < n; i++)
        rc_artifact_desc_copy(&entries[i], &old.manifests[i]);
    rc_artifact_manifest_dispose(&old);
    int stop = 0;
    if (rc_artifact_referrer_entry(&entries[n], art->media_type, art->manifest, art->manifest_len,
                                   &err) < 0) {
        judge_suite(c, "referrer entry: %s", rc_error_msg(err));
        rc_error_free(err);
        stop = 1;
    }
    struct rc_artifact idx = {0};
    if (!stop && rc_artifact_build_referrers_index(&idx, entries, n + 1, &err) < 0) {
        judge_suite(c, "referrers index: %s", rc_error_msg(err));
        rc_error_free(err);
        stop = 1;
    }
    for (size_t i = 0; i <= n; i++)
        rc_artifact_desc_dispose(&entries[i]);
    free(entries);
    if (!stop) {
        rc_autofree char *tag = rc_digest_to_tag(subject);
        struct rc_http_response p;
        rc_http_response_init(&p);
        int rc = rc_oci_manifest_put(&c->w->oci, repo, tag, idx.media_type, idx.manifest,
                                     idx.manifest_len, &p, &err);
        if (rc < 0) {
            stop = judge_transport(c, "PUT of the referrers tag schema index", rc, err);
        } else if (p.status != 201) {
            stop = judge_unexpected(c, st, "PUT of the referrers tag schema index", &p, "201");
        } else {
            sctx_track(c, repo, idx.digest, true);
            c->fallback = true;
            sctx_add_note(c, "no OCI-Subject on the referrer's PUT: recorded in the tag schema "
                             "index");
        }
        rc_http_response_dispose(&p);
    }
    rc_artifact_dispose(&idx);
    return stop;
}

/* Pushes a referrer of a saved subject; keeps the fallback index when asked to. */
int referrer_push(struct sctx *c, const struct rc_step *st, struct rc_artifact *art,
                  const char *subject_digest, const char *mode)
{
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *reference = NULL;
    if (ref) {
        if (step_split(c, ref, &repo, &reference))
            return 1;
    } else {
        repo = rc_xstrdup(c->repo);
        reference = rc_xstrdup(art->digest);
    }
    struct rc_upload_opts uo = {.mode = RC_UPLOAD_POST_PUT};
    struct rc_http_response r;
    rc_http_response_init(&r);
    if (step_push_built(c, st, repo, reference, art, &uo, &r) < 0)
        return 1;
    step_save_answer(c, st, &r);
    step_save(c, st, "digest", art->digest);
    step_save_u64(c, st, "size", art->manifest_len);
    step_save(c, st, "media_type", art->media_type);
    const char *subj = rc_http_headers_get(&r.headers, "OCI-Subject");
    step_save(c, st, "oci_subject", subj ? subj : "");
    if (judge_answer(c, st, "referrer manifest PUT", &r, "201") || r.status / 100 != 2) {
        sctx_set_last(c, &r);
        return 1;
    }
    if (subj && !rc_str_eq(subj, subject_digest)) {
        judge_wrong(c, "OCI-Subject names %s, the subject is %s", subj, subject_digest);
        sctx_set_last(c, &r);
        return 1;
    }
    bool want = rc_str_eq(mode, "always") || (!subj && !rc_str_eq(mode, "never"));
    step_save(c, st, "fallback", want ? "true" : "false");
    int stop = want ? update_fallback_index(c, st, repo, subject_digest, art) : 0;
    sctx_set_last(c, &r); /* expect judges the referrer's own PUT */
    return stop;
}

void step_keep_artifact(struct sctx *c, const struct rc_step *st, struct rc_artifact *art)
{
    if (step_save_name(st)) {
        struct saved_artifact sa = {rc_xstrdup(step_save_name(st)), *art};
        RC_PUSH(c->arts, c->narts, c->caparts, sa);
    } else {
        rc_artifact_dispose(art);
    }
}

struct saved_artifact *step_subject_arg(struct sctx *c, const struct rc_step *st)
{
    const char *name = rc_step_str(st, "subject");
    struct saved_artifact *sa = sctx_artifact(c, name);
    if (!sa)
        judge_suite(c, "subject '%s' names no saved artifact", name);
    return sa;
}

int op_attach(struct sctx *c, const struct rc_step *st)
{
    struct saved_artifact *sa = step_subject_arg(c, st);
    if (!sa)
        return 1;
    rc_autofree char *kind = step_arg(c, st, "artifact");
    rc_autofree char *at = step_arg(c, st, "artifact_type");
    rc_autofree char *seed = step_arg(c, st, "seed");
    rc_autofree char *mode = step_arg(c, st, "fallback");
    rc_autofree char *salt = rc_fmt("%s/%s/%s", c->w->run_id, c->sc->id, seed ? seed : "attach");
    struct rc_artifact_desc subject = {0};
    rc_artifact_desc_of(&subject, &sa->art);
    char subject_digest[RC_DIGEST_MAX];
    snprintf(subject_digest, sizeof(subject_digest), "%s", sa->art.digest);
    struct rc_artifact art = {0};
    struct rc_error *err = NULL;
    int rc;
    if (rc_str_eq(kind, "sigstore-bundle")) {
        struct rc_artifact_bundle_opts o = {.salt = salt, .subject = &subject};
        rc = rc_artifact_build_sigstore_bundle(&art, &o, &err);
    } else if (rc_str_eq(kind, "oci-artifact")) {
        struct rc_artifact_layer_spec layer = {.size = 1024};
        struct rc_artifact_annots an = {0};
        rc_artifact_annots_set(&an, "org.opencontainers.image.title", salt);
        struct rc_artifact_oci_opts o = {.salt = salt,
                                         .artifact_type =
                                             at ? at : "application/vnd.regcompat.test.v1",
                                         .layers = &layer,
                                         .nlayers = 1,
                                         .subject = &subject,
                                         .annotations = &an};
        rc = rc_artifact_build_oci(&art, &o, &err);
        rc_artifact_annots_dispose(&an);
    } else {
        rc_artifact_desc_dispose(&subject);
        judge_suite(c, "attach: unknown artifact '%s'", kind);
        return 1;
    }
    rc_artifact_desc_dispose(&subject);
    if (rc < 0) {
        judge_suite(c, "building %s: %s", kind, rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    int stop = referrer_push(c, st, &art, subject_digest, mode ? mode : "auto");
    step_keep_artifact(c, st, &art);
    return stop;
}
