/* regcompat run */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "profile/profile.h"
#include "report/report.h"
#include "runner/runner.h"
#include "suite/suite.h"

#include "base/banned.h"

static void on_signal(int sig)
{
    RC_UNUSED(sig);
    rc_runner_interrupt();
}

struct progress_ctx {
    int verbosity;
    bool bar;     /* a progress line on stderr (a terminal) */
    size_t shown; /* width of the line on screen, to overwrite it */
    uint64_t t0;  /* when the run started */
    size_t done, total;
    char reg[64]; /* the registry and check that started last */
    char check[96];
};

/* src copied into dst with control characters (which could drive the terminal) as '?' */
static void printable(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (const unsigned char *q = (const unsigned char *)(src ? src : ""); *q && n + 1 < cap; q++)
        dst[n++] = *q < 0x20 || *q == 0x7f ? '?' : (char)*q;
    dst[n] = '\0';
}

static size_t term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

/* "\r[37/150] local-open  policy.push  12s left", overwriting the previous line; no escape
 * sequence, so it also works where colour is off (NO_COLOR, TERM=dumb) */
static void draw(struct progress_ctx *p)
{
    char left[32] = "";
    if (p->done && p->done < p->total) {
        uint64_t el = rc_now_ms() - p->t0;
        uint64_t s = (el * (p->total - p->done) / p->done + 999) / 1000;
        if (s >= 60)
            snprintf(left, sizeof(left), "  %um%02us left", (unsigned)(s / 60), (unsigned)(s % 60));
        else
            snprintf(left, sizeof(left), "  %us left", (unsigned)s);
    }
    char line[256];
    int n = snprintf(line, sizeof(line), "[%zu/%zu] %s  %s%s", p->done, p->total, p->reg, p->check,
                     left);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n;
    size_t max = term_width() - 1;
    if (len > max)
        len = max;
    line[len] = '\0';
    fprintf(stderr, "\r%s", line);
    for (size_t i = len; i < p->shown; i++)
        fputc(' ', stderr);
    p->shown = len;
    fflush(stderr);
}

static void progress_clear(struct progress_ctx *p)
{
    if (!p->bar || !p->shown)
        return;
    fputc('\r', stderr);
    for (size_t i = 0; i < p->shown; i++)
        fputc(' ', stderr);
    fputc('\r', stderr);
    fflush(stderr);
    p->shown = 0;
}

/* the registry and the check now running */
static void on_start(void *ctx, const struct rc_registry_result *reg, const struct rc_scenario *sc,
                     size_t done, size_t total)
{
    struct progress_ctx *p = ctx;
    if (!p->bar)
        return;
    p->done = done;
    p->total = total;
    printable(p->reg, sizeof(p->reg), reg->id);
    printable(p->check, sizeof(p->check), sc->id);
    draw(p);
}

static void on_progress(void *ctx, const struct rc_registry_result *reg,
                        const struct rc_check_result *check, size_t done, size_t total)
{
    struct progress_ctx *p = ctx;
    p->done = done;
    p->total = total;
    if (p->verbosity > 0) {
        /* the reason quotes registry answers: printed as the summary prints it, with no
         * control character (C0, DEL or C1) reaching the terminal */
        struct rc_buf why = RC_BUF_INIT(0);
        rc_buf_add(&why, "", 0);
        rc_buf_add_printable(&why, check->reason, false);
        printf("[%zu/%zu] %-20s %-36s %s%s%s\n", done, total, reg->id, check->id,
               rc_status_name(check->status), why.len ? "  " : "", rc_buf_str(&why));
        rc_buf_dispose(&why);
        fflush(stdout);
    } else if (p->bar) {
        draw(p);
    }
}

static bool parse_shard(const char *s, long *i, long *n)
{
    char *end;
    *i = strtol(s, &end, 10);
    if (*end != '/')
        return false;
    *n = strtol(end + 1, &end, 10);
    return *end == '\0' && *n >= 1 && *i >= 1 && *i <= *n;
}

/* profiles: by id or path (-r), all enabled ones (--all), or ad hoc (--url) */
static int load_profiles(struct rc_profile **out, size_t *n, const struct rc_strv *dirs,
                         const struct rc_strv *ids, bool all, const struct rc_strv *urls,
                         bool insecure, const char *ca, struct rc_strv *problems)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (all) {
        struct rc_profile *v = NULL;
        size_t nv = 0;
        rc_profile_load_dirs(&v, &nv, dirs, problems);
        for (size_t i = 0; i < nv; i++) {
            if (v[i].enabled) {
                RC_PUSH(*out, *n, cap, v[i]);
            } else {
                rc_profile_dispose(&v[i]);
            }
        }
        free(v);
    }
    for (size_t i = 0; i < ids->n; i++) {
        const char *r = ids->v[i];
        char *path = NULL;
        if (strchr(r, '/') || rc_str_ends(r, ".yaml") || rc_str_ends(r, ".yml")) {
            path = rc_xstrdup(r);
        } else {
            for (size_t d = 0; d < dirs->n && !path; d++) {
                char *cand = rc_fmt("%s/%s.yaml", dirs->v[d], r);
                if (access(cand, R_OK) == 0)
                    path = cand;
                else
                    free(cand);
            }
        }
        if (!path || access(path, R_OK) != 0) {
            char *where = rc_strv_join(dirs, ", ");
            rc_strv_push_take(problems, rc_fmt("%s: no such profile (looked in %s)", r, where));
            free(where);
            free(path);
            continue;
        }
        struct rc_profile p;
        if (rc_profile_load(&p, path, problems) == 0) {
            RC_PUSH(*out, *n, cap, p);
        } else {
            rc_profile_dispose(&p);
        }
        free(path);
    }
    for (size_t i = 0; i < urls->n; i++) {
        struct rc_profile p;
        struct rc_error *err = NULL;
        if (rc_profile_from_url(&p, urls->v[i], &err) < 0) {
            /* the message names the URL itself, redacted (it may hold a password) */
            rc_strv_push(problems, rc_error_msg(err));
            rc_error_free(err);
            continue;
        }
        if (insecure)
            p.tls.verify = false;
        if (ca) {
            free(p.tls.ca);
            p.tls.ca = rc_xstrdup(ca);
        }
        RC_PUSH(*out, *n, cap, p);
    }
    for (size_t i = 0; i < *n; i++)
        for (size_t j = 0; j < i; j++)
            if (rc_str_eq((*out)[i].id, (*out)[j].id))
                rc_strv_push_take(problems, rc_fmt("profile '%s' selected twice", (*out)[i].id));
    return problems->n ? RC_EINVAL : 0;
}

/* suites selected by name or glob; an unknown name lists the suites there are */
static void select_suites(struct rc_suite *v, size_t *n, const struct rc_strv *names,
                          struct rc_strv *problems)
{
    if (!names->n)
        return;
    for (size_t k = 0; k < names->n; k++) {
        bool any = false;
        for (size_t i = 0; i < *n; i++)
            any |= rc_glob_match(names->v[k], v[i].name);
        if (!any) {
            struct rc_strv all = {0};
            for (size_t i = 0; i < *n; i++)
                rc_strv_push(&all, v[i].name);
            char *known = rc_strv_join(&all, ", ");
            rc_strv_push_take(problems,
                              rc_fmt("-s %s: no such suite (suites: %s)", names->v[k], known));
            free(known);
            rc_strv_dispose(&all);
        }
    }
    size_t keep = 0;
    for (size_t i = 0; i < *n; i++) {
        bool sel = false;
        for (size_t k = 0; k < names->n; k++)
            sel |= rc_glob_match(names->v[k], v[i].name);
        if (sel)
            v[keep++] = v[i];
        else
            rc_suite_dispose(&v[i]);
    }
    *n = keep;
}

struct run_args {
    struct rc_strv pdirs, ids, urls, suites, only, skip;
    bool all, insecure, keep, strict, require_credentials;
    const char *ca, *outdir, *suites_dir, *shard, *docs, *html;
    long jobs, timeout;
    int verbosity;
};

static void run_args_dispose(struct run_args *a)
{
    rc_strv_dispose(&a->pdirs);
    rc_strv_dispose(&a->ids);
    rc_strv_dispose(&a->urls);
    rc_strv_dispose(&a->suites);
    rc_strv_dispose(&a->only);
    rc_strv_dispose(&a->skip);
}

/* 0 = run, 1 = --help printed, -1 = usage error (printed) */
static int parse_args(struct run_args *a, int argc, char **argv)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, &rc_cli_cmd_run);
    a->outdir = "reports";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        int64_t v;
        switch (opt) {
        case 'r':
            rc_strv_push(&a->ids, optarg);
            break;
        case RC_OPT_ALL:
            a->all = true;
            break;
        case RC_OPT_URL:
            rc_strv_push(&a->urls, optarg);
            break;
        case RC_OPT_INSECURE:
            a->insecure = true;
            break;
        case RC_OPT_CA:
            a->ca = optarg;
            break;
        case 's':
            rc_strv_push(&a->suites, optarg);
            break;
        case RC_OPT_ONLY:
            rc_strv_push(&a->only, optarg);
            break;
        case RC_OPT_SKIP:
            rc_strv_push(&a->skip, optarg);
            break;
        case 'o':
            a->outdir = optarg;
            break;
        case RC_OPT_SHARD:
            a->shard = optarg;
            break;
        case RC_OPT_PROFILES_DIR:
            rc_strv_push(&a->pdirs, optarg);
            break;
        case RC_OPT_SUITES_DIR:
            a->suites_dir = optarg;
            break;
        case RC_OPT_KEEP:
            a->keep = true;
            break;
        case RC_OPT_STRICT:
            a->strict = true;
            break;
        case RC_OPT_REQUIRE_CREDENTIALS:
            a->require_credentials = true;
            break;
        case RC_OPT_DOCS:
            a->docs = optarg;
            break;
        case RC_OPT_HTML:
            a->html = optarg;
            break;
        case 'v':
            a->verbosity = 1;
            break;
        case 'q':
            a->verbosity = -1;
            break;
        case 'j':
        case RC_OPT_TIMEOUT:
            if (!rc_parse_i64(optarg, &v) || v < 1 || v > 100000) {
                fprintf(stderr, "regcompat run: %s needs a positive number, got '%s'\n",
                        opt == 'j' ? "-j" : "--timeout", optarg);
                return -1;
            }
            if (opt == 'j')
                a->jobs = (long)v;
            else
                a->timeout = (long)v;
            break;
        case 'h':
            rc_cli_usage(stdout, &rc_cli_cmd_run);
            return 1;
        default:
            rc_cli_usage_short(stderr, &rc_cli_cmd_run);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "regcompat run: unexpected argument '%s'\n", argv[optind]);
        rc_cli_usage_short(stderr, &rc_cli_cmd_run);
        return -1;
    }
    if (!a->all && !a->ids.n && !a->urls.n) {
        fprintf(stderr, "regcompat run: name registries with -r, --all or --url\n");
        rc_cli_usage_short(stderr, &rc_cli_cmd_run);
        return -1;
    }
    return 0;
}

/* Where profiles come from: --profiles-dir, else the lookup; a problem only when one is
 * needed (-r ID, --all) and none is found. */
static void find_profiles_dirs(struct run_args *a, struct rc_strv *problems)
{
    if (a->pdirs.n)
        return;
    struct rc_cli_dir d;
    rc_cli_find_dir(&d, RC_CLI_PROFILES, NULL);
    if (d.path) {
        rc_strv_push(&a->pdirs, d.path);
    } else {
        bool needed = a->all;
        for (size_t i = 0; i < a->ids.n; i++)
            needed |= !(strchr(a->ids.v[i], '/') || rc_str_ends(a->ids.v[i], ".yaml") ||
                        rc_str_ends(a->ids.v[i], ".yml"));
        if (needed)
            rc_strv_push_take(problems, rc_cli_dir_missing(&d, RC_CLI_PROFILES));
    }
    rc_cli_dir_dispose(&d);
}

/* What the selected profiles point at must exist, and a --ca file must be readable; an
 * expectation past its date is a warning (the run goes on; validate reports it). */
static void check_selected(const struct rc_profile *v, size_t n, const struct run_args *a,
                           struct rc_strv *problems)
{
    if (a->ca && access(a->ca, R_OK) != 0)
        rc_strv_push_take(problems, rc_fmt("--ca %s: cannot read it: %s", a->ca, strerror(errno)));
    char today[16];
    rc_utc_date(today);
    for (size_t i = 0; i < n; i++) {
        rc_profile_lint(&v[i], NULL, NULL, problems);
        for (size_t k = 0; k < v[i].nexpect; k++) {
            if (!rc_profile_expectation_expired(&v[i].expect[k], today))
                continue;
            char *msg = rc_profile_expiry_message(&v[i], k);
            fprintf(stderr, "warning: %s\n", msg);
            free(msg);
        }
    }
}

int rc_cmd_run(int argc, char **argv)
{
    struct run_args a = {0};
    int rc = RC_EXIT_USAGE;
    char *logpath = NULL, *sdir = NULL;
    int pa = parse_args(&a, argc, argv);
    if (pa) {
        run_args_dispose(&a);
        return pa > 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    struct rc_strv problems = {0};
    struct rc_profile *profiles = NULL;
    size_t nprofiles = 0;
    struct rc_suite *suitev = NULL, *allv = NULL;
    size_t nsuites = 0, nall = 0;
    find_profiles_dirs(&a, &problems);
    load_profiles(&profiles, &nprofiles, &a.pdirs, &a.ids, a.all, &a.urls, a.insecure, a.ca,
                  &problems);
    struct rc_cli_dir sd;
    rc_cli_find_dir(&sd, RC_CLI_SUITES, a.suites_dir);
    if (sd.path) {
        sdir = rc_xstrdup(sd.path);
        rc_suite_load_dir(&suitev, &nsuites, sdir, &problems);
    } else {
        rc_strv_push_take(&problems, rc_cli_dir_missing(&sd, RC_CLI_SUITES));
    }
    rc_cli_dir_dispose(&sd);
    select_suites(suitev, &nsuites, &a.suites, &problems);
    /* the registry-level precondition probe comes from every suite, selected or not */
    struct rc_strv ignored = {0};
    const struct rc_scenario *autocreate = NULL;
    if (!problems.n && rc_suite_load_dir(&allv, &nall, sdir, &ignored) == 0)
        autocreate = rc_suite_find_tagged(allv, nall, "autocreate");
    rc_strv_dispose(&ignored);
    for (size_t i = 0; autocreate && i < nsuites; i++)
        for (size_t j = 0; j < suitev[i].nscenarios; j++)
            if (rc_str_eq(suitev[i].scenarios[j].id, autocreate->id))
                autocreate = &suitev[i].scenarios[j]; /* the selected copy: reported */
    long shard_i = 1, shard_n = 1;
    if (a.shard && !parse_shard(a.shard, &shard_i, &shard_n))
        rc_strv_push_take(&problems, rc_fmt("--shard %s: expected I/N with 1 <= I <= N", a.shard));
    if (!problems.n && !nprofiles)
        rc_strv_push(&problems, "no enabled profile selected");
    if (!problems.n)
        check_selected(profiles, nprofiles, &a, &problems);
    if (problems.n) {
        rc_cli_print_problems(&problems);
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    /* shard: registries i, i+n, ... of the sorted selection */
    size_t keepn = 0;
    for (size_t i = 0; i < nprofiles; i++) {
        if ((long)(i % (size_t)shard_n) == shard_i - 1)
            profiles[keepn++] = profiles[i];
        else
            rc_profile_dispose(&profiles[i]);
    }
    nprofiles = keepn;

    /* a run whose reports cannot be written is refused before it starts, not found out
     * after hours of testing */
    struct rc_error *err = NULL;
    if (rc_report_mkdirs(a.outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: -o %s: %s\n", a.outdir, rc_error_msg(err));
        rc_error_free(err);
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    logpath = rc_fmt("%s/regcompat.log", a.outdir);
    if (rc_log_open(logpath, a.verbosity > 0 ? RC_LOG_DEBUG : RC_LOG_INFO, &err) < 0) {
        fprintf(stderr, "regcompat run: the run log: %s\n", rc_error_msg(err));
        rc_error_free(err);
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* progress on a terminal, whatever the colour settings; never with -v (which prints
     * every check) or -q */
    struct progress_ctx pctx = {.verbosity = a.verbosity,
                                .bar = a.verbosity == 0 && isatty(STDERR_FILENO),
                                .t0 = rc_now_ms()};
    struct rc_run_opts ro = {
        .profiles = profiles,
        .nprofiles = nprofiles,
        .suites = suitev,
        .nsuites = nsuites,
        .autocreate = autocreate,
        .only = &a.only,
        .skip = &a.skip,
        .jobs = a.jobs ? (int)a.jobs : (int)nprofiles,
        .keep = a.keep,
        .timeout_s = (int)a.timeout,
        .require_credentials = a.require_credentials,
        .progress = on_progress,
        .started = on_start,
        .progress_ctx = &pctx,
    };
    struct rc_results results;
    int run_rc = rc_runner_run(&results, &ro, &err);
    progress_clear(&pctx);
    if (run_rc < 0) {
        fprintf(stderr, "regcompat run: %s\n", rc_error_msg(err));
        rc_error_free(err);
        rc_log_close();
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    bool written = true;
    if (rc_report_write_all(&results, a.outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: writing reports: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    if (a.docs && rc_report_docs_file(&results, a.docs, a.outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: writing the docs page: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    if (a.html && rc_report_html_file(&results, 1, a.html, &err) < 0) {
        fprintf(stderr, "regcompat run: writing the HTML report: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    rc = rc_results_exit_code(&results, a.strict);
    /* an interrupted run did not test everything: never report it as green */
    if (results.interrupted && rc == RC_EXIT_OK)
        rc = RC_EXIT_ERROR;
    /* nor a run whose reports are missing: a CI job must not stay green without them */
    if (!written)
        rc = RC_EXIT_USAGE;
    struct rc_buf sum = RC_BUF_INIT(0);
    struct rc_report_summary_opts so = {
        .color = rc_cli_color(STDOUT_FILENO), .verbosity = a.verbosity, .reports_dir = a.outdir};
    rc_report_summary(&results, &sum, &so);
    fputs(rc_buf_str(&sum), stdout);
    rc_buf_dispose(&sum);
    printf("reports: %s/results.json %s/junit.xml %s/matrix.md%s%s%s%s\n", a.outdir, a.outdir,
           a.outdir, a.html ? " " : "", a.html ? a.html : "",
           results.interrupted ? " (run interrupted)" : "",
           written ? "" : " (not all written, see above)");
    rc_results_dispose(&results);
    rc_log_close();

cleanup:
    rc_profiles_free(profiles, nprofiles);
    rc_suites_free(suitev, nsuites);
    rc_suites_free(allv, nall);
    rc_strv_dispose(&problems);
    free(logpath);
    free(sdir);
    run_args_dispose(&a);
    rc_redact_clear_secrets();
    return rc;
}
