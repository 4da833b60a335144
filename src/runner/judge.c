/* The classifier: every answer a step gets is judged here, once, by one ordered rule table.
 *
 * A step has a role (probe, precondition, cleanup: suite/suite.h). An answer is first
 * reduced to a cause (what happened, independent of the role), then the first rule of the
 * table that matches the cause and the role gives the status. Reason texts only describe;
 * they never change a status. `regcompat list verdict-rules` prints the table, and
 * suites/README.md carries the same table (a unit test compares them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/internal.h"

#include "base/banned.h"

enum role_match { ANY, PROBE, PRECONDITION };

struct rule {
    enum rc_cause cause;
    enum role_match role;
    enum rc_status status;
    const char *when; /* the cause, in words */
    const char *spec; /* the section of the spec (or of the client) behind the rule */
};

/* Ordered: the first match wins. */
static const struct rule rules[] = {
    {RC_CAUSE_TRANSPORT, ANY, RC_ST_ERROR,
     "no answer: connection refused or reset, timeout, TLS failure, garbage instead of HTTP",
     "nothing was answered, so nothing is said about conformance"},
    {RC_CAUSE_DROPPED, PROBE, RC_ST_FAIL,
     "the connection was dropped on this request, again on its retry, while the registry "
     "answers a ping right after",
     "every request of the API has a specified answer (\"Endpoints\"); dropping one valid "
     "request reproducibly is a server fault on that request"},
    {RC_CAUSE_DROPPED, PRECONDITION, RC_ST_ERROR, "the same, on a setup step",
     "the check's preconditions could not be established"},
    {RC_CAUSE_CREDENTIALS, ANY, RC_ST_ERROR, "401 or 403 after authenticating",
     "\"Error Codes\" UNAUTHORIZED and DENIED describe the client's credentials, not the "
     "registry"},
    {RC_CAUSE_RATE_LIMITED, ANY, RC_ST_ERROR, "429 after the configured retries",
     "\"Error Codes\" TOOMANYREQUESTS: the client is asked to wait"},
    {RC_CAUSE_UNAVAILABLE, ANY, RC_ST_ERROR, "502, 503 or 504 after the configured retries",
     "RFC 9110 15.6.3-15.6.5: temporary conditions of the server or a gateway"},
    {RC_CAUSE_NO_REPOSITORY, PRECONDITION, RC_ST_ERROR, "404 NAME_UNKNOWN on a setup step",
     "\"Error Codes\" NAME_UNKNOWN: the repository is not known; creating repositories is "
     "outside the spec (push.autocreate tells whether pushes create them)"},
    {RC_CAUSE_DECLINED, ANY, RC_ST_UNSUPPORTED,
     "an answer the step declares as a valid decline (unsupported_when)",
     "the optional-feature clauses listed under \"unsupported\" in suites/README.md"},
    {RC_CAUSE_WRONG, PRECONDITION, RC_ST_ERROR,
     "any other answer the step does not expect, on a setup step",
     "the check's preconditions could not be established"},
    {RC_CAUSE_WRONG, PROBE, RC_ST_FAIL, "any other answer the step does not expect",
     "the spec section each check cites"},
    {RC_CAUSE_SUITE, ANY, RC_ST_ERROR, "the suite or the tester itself is wrong",
     "a bug in the suite, not the registry"},
};

static const char *const cause_names[RC_CAUSE__COUNT] = {
    [RC_CAUSE_TRANSPORT] = "transport",
    [RC_CAUSE_DROPPED] = "dropped",
    [RC_CAUSE_CREDENTIALS] = "credentials",
    [RC_CAUSE_RATE_LIMITED] = "rate-limited",
    [RC_CAUSE_UNAVAILABLE] = "unavailable",
    [RC_CAUSE_NO_REPOSITORY] = "no-repository",
    [RC_CAUSE_DECLINED] = "declined",
    [RC_CAUSE_WRONG] = "wrong-answer",
    [RC_CAUSE_SUITE] = "suite",
};

const char *rc_cause_name(enum rc_cause c)
{
    return cause_names[c];
}

enum rc_status rc_verdict_rule(enum rc_cause cause, enum rc_step_role role)
{
    for (size_t i = 0; i < RC_ARRAY_LEN(rules); i++) {
        const struct rule *r = &rules[i];
        if (r->cause != cause)
            continue;
        if (r->role == ANY || (r->role == PROBE && role == RC_ROLE_PROBE) ||
            (r->role == PRECONDITION && role == RC_ROLE_PRECONDITION))
            return r->status;
    }
    /* a cause no rule names for this role (NO_REPOSITORY on a probe): a wrong answer */
    return role == RC_ROLE_PRECONDITION ? RC_ST_ERROR : RC_ST_FAIL;
}

void rc_verdict_rules_markdown(struct rc_buf *out)
{
    static const char *const role_names[] = {"any", "probe", "precondition"};
    rc_buf_adds(out, "| # | cause | step | status | when | why |\n");
    rc_buf_adds(out, "| --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < RC_ARRAY_LEN(rules); i++)
        rc_buf_addf(out, "| %zu | `%s` | %s | `%s` | %s | %s |\n", i + 1,
                    cause_names[rules[i].cause], role_names[rules[i].role],
                    rc_status_name(rules[i].status), rules[i].when, rules[i].spec);
}

/* ---- deciding -------------------------------------------------------------------------- */

/* "setup step 2 (put-manifest, line 40): " when a precondition failed */
static char *step_label(struct sctx *c)
{
    const struct rc_step *st = c->step;
    if (!st || st->role != RC_ROLE_PRECONDITION)
        return rc_xstrdup("");
    return rc_fmt("setup step %zu (%s, line %d): ", c->step_no, st->def->name, st->line);
}

static void decide(struct sctx *c, enum rc_cause cause, const char *msg)
{
    enum rc_step_role role = c->step ? c->step->role : RC_ROLE_PROBE;
    if (c->decided || role == RC_ROLE_CLEANUP)
        return;
    rc_autofree char *label = step_label(c);
    char *raw = rc_fmt("%s%s", label, msg);
    free(c->reason);
    c->reason = rc_redact_text(raw);
    free(raw);
    c->cause = cause;
    c->status = rc_verdict_rule(cause, role);
    c->decided = true;
    c->evidence_from = c->step_first;
}

static int vdecide(struct sctx *c, enum rc_cause cause, const char *fmt, va_list ap)
{
    char *msg = rc_vfmt(fmt, ap);
    decide(c, cause, msg);
    free(msg);
    return 1;
}

int judge_wrong(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vdecide(c, RC_CAUSE_WRONG, fmt, ap);
    va_end(ap);
    return rc;
}

int judge_suite(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vdecide(c, RC_CAUSE_SUITE, fmt, ap);
    va_end(ap);
    return rc;
}

int judge_skip(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = rc_vfmt(fmt, ap);
    va_end(ap);
    if (!c->decided) {
        free(c->reason);
        c->reason = rc_redact_text(msg);
        c->status = RC_ST_SKIP;
        c->cause = RC_CAUSE_SUITE;
        c->decided = true;
        c->evidence_from = c->step_first;
    }
    free(msg);
    return 1;
}

int judge_declined(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vdecide(c, RC_CAUSE_DECLINED, fmt, ap);
    va_end(ap);
    return rc;
}

void judge_deviation(struct sctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = rc_vfmt(fmt, ap);
    va_end(ap);
    if (!c->step || c->step->role != RC_ROLE_CLEANUP)
        sctx_add_deviation(c, raw);
    free(raw);
}

/* A transport failure. On a probe whose request was retried and failed the same way, a ping
 * tells a registry that is down (error) from one that drops this one request (fail). */
int judge_transport(struct sctx *c, const char *what, int rc, struct rc_error *err)
{
    unsigned attempts = c->failed_in_row;
    rc_autofree char *msg = rc_fmt("%s: %s (%s)", what, rc_error_msg(err), rc_errcode_name(rc));
    rc_error_free(err);
    bool probe = c->step && c->step->role != RC_ROLE_CLEANUP;
    if (probe && rc == RC_ENET && attempts > 1 && !rc_runner_interrupted()) {
        struct rc_http_response p;
        rc_http_response_init(&p);
        struct rc_error *e = NULL;
        int prc = rc_oci_ping(&c->w->oci, &p, &e);
        rc_error_free(e);
        long st = p.status;
        rc_http_response_dispose(&p);
        if (prc == 0 && st > 0) {
            rc_autofree char *m =
                rc_fmt("%s, on %u attempts, while the registry answered a ping right after "
                       "(%ld): it drops this request",
                       msg, attempts, st);
            decide(c, RC_CAUSE_DROPPED, m);
            return 1;
        }
    }
    decide(c, RC_CAUSE_TRANSPORT, msg);
    return 1;
}

static bool status_in(const struct rc_strv *list, long status)
{
    char s[16];
    snprintf(s, sizeof(s), "%ld", status);
    for (size_t i = 0; i < list->n; i++) {
        if (rc_str_eq(list->v[i], s))
            return true;
        /* "4xx" style classes */
        if (strlen(list->v[i]) == 3 && list->v[i][0] == s[0] && list->v[i][1] == 'x')
            return true;
    }
    return false;
}

bool judge_declines(const struct rc_step *st, const struct rc_http_response *resp)
{
    const struct rc_arg *u = rc_step_arg(st, "unsupported_when");
    if (!u)
        return false;
    const struct rc_map_entry *sts = rc_map_get(u, "status");
    const struct rc_map_entry *codes = rc_map_get(u, "error_code");
    if (sts && !status_in(&sts->values, resp->status))
        return false;
    if (codes) {
        struct rc_strv got = {0};
        bool any = false;
        if (rc_oci_error_codes(resp, &got))
            for (size_t i = 0; i < codes->values.n; i++)
                any |= rc_strv_contains(&got, codes->values.v[i]);
        rc_strv_dispose(&got);
        if (!any)
            return false;
    }
    return sts || codes;
}

/* Whether an expectation applies to what happened (its `when` holds). */
static bool applies(struct sctx *c, const struct rc_step *e)
{
    const struct rc_arg *w = rc_step_arg(e, "when");
    for (size_t i = 0; w && i < w->nmap; i++) {
        rc_autofree char *actual = sctx_subst(c, w->map[i].key);
        for (size_t j = 0; j < w->map[i].values.n; j++) {
            rc_autofree char *p = sctx_subst(c, w->map[i].values.v[j]);
            if (!rc_glob_match(p, actual ? actual : ""))
                return false;
        }
    }
    return true;
}

/* The expectations nested under the running step that apply now. */
static bool declines_any(struct sctx *c, const struct rc_step *st,
                         const struct rc_http_response *resp)
{
    if (judge_declines(st, resp))
        return true;
    for (size_t i = 0; i < c->nexpects; i++)
        if (applies(c, &c->expects[i]) && judge_declines(&c->expects[i], resp))
            return true;
    return false;
}

static enum rc_cause cause_of(struct sctx *c, const struct rc_step *st,
                              const struct rc_http_response *resp)
{
    long s = resp->status;
    if (s == 401 || s == 403)
        return RC_CAUSE_CREDENTIALS;
    if (s == 429)
        return RC_CAUSE_RATE_LIMITED;
    if (s == 502 || s == 503 || s == 504)
        return RC_CAUSE_UNAVAILABLE;
    if (s == 404 && st->role == RC_ROLE_PRECONDITION) {
        struct rc_strv codes = {0};
        bool nu = rc_oci_error_codes(resp, &codes) && rc_strv_contains(&codes, "NAME_UNKNOWN");
        rc_strv_dispose(&codes);
        if (nu)
            return RC_CAUSE_NO_REPOSITORY;
    }
    if (declines_any(c, st, resp))
        return RC_CAUSE_DECLINED;
    return RC_CAUSE_WRONG;
}

/* attempts counts the first try too */
static unsigned retries_of(const struct rc_http_response *resp)
{
    return resp->attempts > 1 ? resp->attempts - 1 : 0;
}

/* The actions a bearer challenge's scope asks for ("push,pull"), or NULL. */
static char *challenge_actions(const struct rc_http_response *resp, bool *insufficient)
{
    struct rc_auth_challenge *ch = NULL;
    size_t nch = 0;
    char *actions = NULL;
    *insufficient = false;
    if (rc_auth_parse_headers(&resp->headers, &ch, &nch, NULL) == 0) {
        const struct rc_auth_challenge *b = rc_auth_find_challenge(ch, nch, "bearer");
        const char *error = b ? rc_auth_challenge_param(b, "error") : NULL;
        const char *scope = b ? rc_auth_challenge_param(b, "scope") : NULL;
        *insufficient = rc_str_eq(error, "insufficient_scope");
        const char *colon = scope ? strrchr(scope, ':') : NULL;
        if (colon)
            actions = rc_xstrdup(colon + 1);
    }
    rc_auth_challenges_free(ch, nch);
    return actions;
}

static bool has_action(const char *actions, const char *a)
{
    size_t n = strlen(a);
    for (const char *p = actions; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, a, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* A 401 or 403 from the registry itself: no credentials were sent, they were rejected, or
 * they were good but do not reach this far (insufficient_scope, 403). */
static char *credentials_reason(struct sctx *c, const char *what, const char *ans,
                                const struct rc_http_response *resp)
{
    bool insufficient;
    rc_autofree char *actions = challenge_actions(resp, &insufficient);
    if (c->w->anonymous) {
        c->cred = CRED_NOT_SENT;
        return rc_fmt("%s answered %s: no credentials were sent, and the registry asks for them",
                      what, ans);
    }
    if (insufficient || resp->status == 403) {
        c->cred = CRED_SCOPE;
        const char *may = has_action(actions, "push") ? "the account may pull but not push"
                          : has_action(actions, "delete")
                              ? "the account may not delete"
                              : "the account may not read this repository";
        return rc_fmt("%s answered %s: the token lacks scope (%s: %s)", what, ans,
                      insufficient ? "insufficient_scope" : "403", may);
    }
    c->cred = CRED_REJECTED;
    return rc_fmt("%s answered %s: the registry rejected our credentials", what, ans);
}

int judge_unexpected(struct sctx *c, const struct rc_step *st, const char *what,
                     const struct rc_http_response *resp, const char *expected)
{
    rc_autofree char *ans = describe_answer(resp);
    enum rc_cause cause = cause_of(c, st, resp);
    rc_autofree char *msg = NULL;
    switch (cause) {
    case RC_CAUSE_CREDENTIALS:
        if (resp->url && !rc_url_same_origin(resp->url, c->w->profile->url)) {
            /* storage behind a redirect, or a Location or Link elsewhere: credentials never
             * go there, so its refusal says nothing about them */
            rc_autofree char *other = rc_url_authority(resp->url);
            msg = rc_fmt("%s answered %s from %s, another origin than the registry's, which "
                         "gets no credentials",
                         what, ans, other ? other : "another host");
        } else {
            msg = credentials_reason(c, what, ans, resp);
        }
        break;
    case RC_CAUSE_RATE_LIMITED:
        msg = rc_fmt("%s answered %s: rate limited, after %u retries", what, ans, retries_of(resp));
        break;
    case RC_CAUSE_UNAVAILABLE:
        msg = rc_fmt("%s answered %s: the registry is unavailable, after %u retries", what, ans,
                     retries_of(resp));
        break;
    case RC_CAUSE_NO_REPOSITORY:
        msg = rc_fmt("%s answered %s: the repository does not exist here (create it in the "
                     "profile's hooks.before, or point `repository` at existing ones)",
                     what, ans);
        break;
    case RC_CAUSE_DECLINED:
        msg = rc_fmt("%s answered %s", what, ans);
        break;
    default:
        msg = rc_fmt("%s answered %s, expected %s", what, ans, expected);
        break;
    }
    decide(c, cause, msg);
    return 1;
}

/* The statuses a step's answer may have: those of its nested expectations that apply and
 * name a status; else the operation's default from the spec. */
static void expected_statuses(struct sctx *c, const char *dflt, struct rc_strv *out)
{
    for (size_t i = 0; i < c->nexpects; i++) {
        const struct rc_arg *s = rc_step_arg(&c->expects[i], "status");
        if (!s || !s->list.n || !applies(c, &c->expects[i]))
            continue;
        for (size_t k = 0; k < s->list.n; k++)
            if (!rc_strv_contains(out, s->list.v[k]))
                rc_strv_push(out, s->list.v[k]);
    }
    if (out->n || !dflt)
        return;
    char *copy = rc_xstrdup(dflt);
    for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save))
        rc_strv_push(out, tok);
    free(copy);
}

int judge_answer(struct sctx *c, const struct rc_step *st, const char *what,
                 const struct rc_http_response *resp, const char *dflt)
{
    struct rc_strv want = {0};
    expected_statuses(c, dflt, &want);
    int stop = 0;
    if (want.n && !status_in(&want, resp->status)) {
        rc_autofree char *w = rc_strv_join(&want, " or ");
        stop = judge_unexpected(c, st, what, resp, w);
    }
    rc_strv_dispose(&want);
    return stop;
}

char *describe_answer(const struct rc_http_response *resp)
{
    struct rc_strv codes = {0};
    char *out;
    if (rc_oci_error_codes(resp, &codes) && codes.n) {
        char *j = rc_strv_join(&codes, ",");
        out = rc_fmt("%ld %s", resp->status, j);
        free(j);
    } else {
        const char *ct = rc_http_headers_get(&resp->headers, "Content-Type");
        out = ct ? rc_fmt("%ld (%s)", resp->status, ct) : rc_fmt("%ld", resp->status);
    }
    rc_strv_dispose(&codes);
    return out;
}
