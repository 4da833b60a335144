/* JUnit XML through libxml2's text writer (the only user of libxml2): the writer escapes,
 * we only remove what XML 1.0 cannot carry at all. The shape follows the Ant/Jenkins JUnit
 * schema: testsuite children in the order properties, testcase*, system-out, system-err. */
#include "report/report.h"

#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_text.h"

#include "base/banned.h"

struct xw {
    xmlTextWriterPtr w;
    bool failed;
    struct rc_buf tmp;
};

static const xmlChar *xc(const char *s)
{
    return (const xmlChar *)s;
}

static void check(struct xw *x, int rc)
{
    if (rc < 0)
        x->failed = true;
}

static const char *clean(struct xw *x, const char *s)
{
    rc_buf_reset(&x->tmp);
    rc_buf_add(&x->tmp, "", 0);
    rc_report_clean(&x->tmp, s, RC_CLEAN_XML);
    return rc_buf_str(&x->tmp);
}

static void start(struct xw *x, const char *name)
{
    if (!x->failed)
        check(x, xmlTextWriterStartElement(x->w, xc(name)));
}

static void end(struct xw *x)
{
    if (!x->failed)
        check(x, xmlTextWriterEndElement(x->w));
}

static void attr(struct xw *x, const char *name, const char *value)
{
    if (!x->failed)
        check(x, xmlTextWriterWriteAttribute(x->w, xc(name), xc(clean(x, value ? value : ""))));
}

static void attr_uint(struct xw *x, const char *name, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof(b), "%" PRIu64, v);
    attr(x, name, b);
}

static void attr_secs(struct xw *x, const char *name, uint64_t ms)
{
    char b[48];
    snprintf(b, sizeof(b), "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
    attr(x, name, b);
}

static void text(struct xw *x, const char *s)
{
    if (!x->failed && s && *s)
        check(x, xmlTextWriterWriteString(x->w, xc(clean(x, s))));
}

static void property(struct xw *x, const char *name, const char *value)
{
    if (!value)
        return;
    start(x, "property");
    attr(x, "name", name);
    attr(x, "value", value);
    end(x);
}

/* "host:port" of a URL, or NULL. */
static char *url_host(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return NULL;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    return n ? rc_xstrndup(p, n) : NULL;
}

/* The proof of a verdict as plain text: reason, expectation, then each HTTP exchange. */
static void verdict_text(struct rc_buf *b, const struct rc_check_result *c)
{
    if (c->reason)
        rc_buf_addf(b, "%s\n", c->reason);
    if (c->note)
        rc_buf_addf(b, "note: %s\n", c->note);
    if (c->expect_reason || c->expect_link) {
        rc_buf_addf(b, "known issue: %s", c->expect_reason ? c->expect_reason : "");
        if (c->expect_link)
            rc_buf_addf(b, "%s%s", c->expect_reason ? " " : "", c->expect_link);
        rc_buf_addc(b, '\n');
    }
    for (size_t i = 0; i < c->ndeviations; i++) {
        const struct rc_deviation *d = &c->deviations[i];
        rc_buf_addf(b, "deviation: %s", d->text);
        if (d->evidence.request)
            rc_buf_addf(b, " (%s -> %d)", d->evidence.request, d->evidence.status);
        rc_buf_addc(b, '\n');
    }
    for (size_t i = 0; i < c->nevidence; i++) {
        const struct rc_evidence *e = &c->evidence[i];
        rc_buf_addf(b, "\n> %s\n", e->request ? e->request : "(request)");
        if (e->host)
            rc_buf_addf(b, "> Host: %s\n", e->host);
        if (e->status)
            rc_buf_addf(b, "< %d\n", e->status);
        else
            rc_buf_adds(b, "< (no answer)\n");
        if (e->error)
            rc_buf_addf(b, "! %s\n", e->error);
        for (size_t h = 0; h < e->nheaders; h++)
            rc_buf_addf(b, "< %s: %s\n", e->headers[h].name ? e->headers[h].name : "",
                        e->headers[h].value ? e->headers[h].value : "");
        if (e->body) {
            rc_buf_addf(b, "\n%s", e->body);
            if (!rc_str_ends(e->body, "\n"))
                rc_buf_addc(b, '\n');
        }
        if (e->body_truncated)
            rc_buf_adds(b, "[body truncated]\n");
    }
}

static uint64_t total_ms(const struct rc_registry_result *rr)
{
    uint64_t ms = 0;
    for (size_t i = 0; i < rr->nchecks; i++)
        ms += rr->checks[i].duration_ms;
    return ms;
}

static void outcome(struct xw *x, const struct rc_check_result *c, struct rc_buf *body)
{
    const char *elem = NULL, *type = NULL;
    char *message = NULL;
    switch (c->status) {
    case RC_ST_FAIL:
        elem = "failure";
        type = "fail";
        message = rc_xstrdup(c->reason ? c->reason : "fail");
        break;
    case RC_ST_ERROR:
        elem = "error";
        type = "error";
        message = rc_xstrdup(c->reason ? c->reason : "error");
        break;
    case RC_ST_UNSUPPORTED:
    case RC_ST_SKIP:
    case RC_ST_XFAIL:
        elem = "skipped";
        message = c->reason ? rc_fmt("%s: %s", rc_status_name(c->status), c->reason)
                            : rc_xstrdup(rc_status_name(c->status));
        break;
    default:
        return; /* pass and xpass are passing testcases */
    }
    rc_buf_reset(body);
    verdict_text(body, c);
    start(x, elem);
    attr(x, "message", message);
    if (type)
        attr(x, "type", type);
    text(x, rc_buf_str(body));
    end(x);
    free(message);
}

/* Lines for the suite's <system-out>: xpass warnings, then notes and fallbacks. */
static void suite_out(struct rc_buf *b, const struct rc_registry_result *rr)
{
    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        if (c->status != RC_ST_XPASS)
            continue;
        rc_buf_addf(b, "WARNING: %s passed but was expected to fail", c->id ? c->id : "?");
        if (c->expect_reason)
            rc_buf_addf(b, " (%s)", c->expect_reason);
        if (c->expect_link)
            rc_buf_addf(b, " %s", c->expect_link);
        rc_buf_adds(b, ": fixed upstream? remove the expectation from the profile\n");
    }
    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        if (c->status != RC_ST_PASS || rc_report_check_is_plain(c))
            continue;
        rc_buf_addf(b, "NOTE: %s passed%s%s%s\n", c->id ? c->id : "?",
                    c->fallback ? " through a client-side fallback" : "", c->note ? ": " : "",
                    c->note ? c->note : "");
    }
}

static void testsuite(struct xw *x, const struct rc_results *r, size_t index, struct rc_buf *body)
{
    const struct rc_registry_result *rr = &r->registries[index];
    unsigned n[RC_ST__COUNT];
    rc_report_count(rr, n);
    start(x, "testsuite");
    attr(x, "name", rr->id);
    attr_uint(x, "tests", rr->nchecks);
    attr_uint(x, "failures", n[RC_ST_FAIL]);
    attr_uint(x, "errors", n[RC_ST_ERROR]);
    attr_uint(x, "skipped", (uint64_t)n[RC_ST_UNSUPPORTED] + n[RC_ST_SKIP] + n[RC_ST_XFAIL]);
    attr_secs(x, "time", total_ms(rr));
    if (r->started) {
        /* the Ant schema's timestamp has no zone designator; ours are always UTC */
        char *ts = rc_xstrdup(r->started);
        size_t len = strlen(ts);
        if (len && ts[len - 1] == 'Z')
            ts[len - 1] = '\0';
        attr(x, "timestamp", ts);
        free(ts);
    }
    char *host = url_host(rr->url);
    if (host)
        attr(x, "hostname", host);
    free(host);
    /* the Ant schema wants these on every aggregated testsuite */
    attr_uint(x, "id", index);
    attr(x, "package", rr->id);

    start(x, "properties");
    property(x, "registry.name", rr->name);
    property(x, "registry.url", rr->url);
    property(x, "registry.kind", rr->kind);
    property(x, "registry.hosted", rr->hosted ? "true" : "false");
    for (size_t i = 0; i < rr->nversions; i++) {
        char *name =
            rc_fmt("registry.version.%s", rr->versions[i].name ? rr->versions[i].name : "");
        property(x, name, rr->versions[i].value ? rr->versions[i].value : "");
        free(name);
    }
    property(x, "regcompat.version", r->tool_version);
    property(x, "regcompat.run", r->run_id);
    end(x);

    for (size_t i = 0; i < rr->nchecks; i++) {
        const struct rc_check_result *c = &rr->checks[i];
        char *classname = rc_fmt("%s.%s", rr->id ? rr->id : "", c->suite ? c->suite : "");
        start(x, "testcase");
        attr(x, "name", c->id);
        attr(x, "classname", classname);
        attr_secs(x, "time", c->duration_ms);
        outcome(x, c, body);
        if ((c->status == RC_ST_PASS || c->status == RC_ST_XPASS) &&
            (!rc_report_check_is_plain(c) || c->ndeviations)) {
            /* a pass with a note: on the testcase itself, where CI viewers show it */
            rc_buf_reset(body);
            verdict_text(body, c);
            start(x, "system-out");
            text(x, rc_buf_str(body));
            end(x);
        }
        end(x);
        free(classname);
    }

    rc_buf_reset(body);
    suite_out(body, rr);
    start(x, "system-out");
    text(x, rc_buf_str(body));
    end(x);
    start(x, "system-err");
    end(x);
    end(x); /* testsuite */
}

int rc_report_junit_buf(const struct rc_results *r, struct rc_buf *out, struct rc_error **err)
{
    LIBXML_TEST_VERSION
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb)
        return rc_error_set(err, RC_ERR, "junit: out of memory");
    struct xw x = {0};
    rc_buf_init(&x.tmp, 0);
    x.w = xmlNewTextWriterMemory(xb, 0);
    if (!x.w) {
        xmlBufferFree(xb);
        return rc_error_set(err, RC_ERR, "junit: cannot create the XML writer");
    }
    check(&x, xmlTextWriterSetIndent(x.w, 1));
    check(&x, xmlTextWriterSetIndentString(x.w, xc("  ")));
    check(&x, xmlTextWriterStartDocument(x.w, "1.0", "UTF-8", NULL));

    unsigned n[RC_ST__COUNT];
    rc_results_count(r, n);
    uint64_t ms = 0, tests = 0;
    for (size_t i = 0; i < r->nregistries; i++) {
        ms += total_ms(&r->registries[i]);
        tests += r->registries[i].nchecks;
    }
    start(&x, "testsuites");
    attr(&x, "name", "regcompat");
    attr_uint(&x, "tests", tests);
    attr_uint(&x, "failures", n[RC_ST_FAIL]);
    attr_uint(&x, "errors", n[RC_ST_ERROR]);
    attr_uint(&x, "skipped", (uint64_t)n[RC_ST_UNSUPPORTED] + n[RC_ST_SKIP] + n[RC_ST_XFAIL]);
    attr_secs(&x, "time", ms);
    struct rc_buf body = RC_BUF_INIT(0);
    for (size_t i = 0; i < r->nregistries; i++)
        testsuite(&x, r, i, &body);
    rc_buf_dispose(&body);
    end(&x);
    if (!x.failed)
        check(&x, xmlTextWriterEndDocument(x.w));
    xmlFreeTextWriter(x.w); /* flushes into xb */
    rc_buf_dispose(&x.tmp);

    int rc = 0;
    if (x.failed)
        rc = rc_error_set(err, RC_ERR, "junit: the XML writer failed");
    else if (rc_buf_add(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb)) < 0)
        rc = rc_error_set(err, RC_ELIMIT, "junit: report larger than %zu bytes", out->max);
    xmlBufferFree(xb);
    return rc;
}

int rc_report_junit(const struct rc_results *r, const char *path, struct rc_error **err)
{
    struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
    int rc = rc_report_junit_buf(r, &b, err);
    if (rc >= 0)
        rc = rc_write_file(path, b.data ? b.data : "", b.len, err);
    rc_buf_dispose(&b);
    return rc < 0 ? rc : 0;
}
