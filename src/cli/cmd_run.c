/* regcompat run */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "profile/profile.h"
#include "report/report.h"
#include "runner/runner.h"
#include "suite/suite.h"

#include "base/banned.h"

static const char run_usage[] =
    "usage: regcompat run [-r PROFILE]... [--all] [--url URL]... [--insecure] [--ca FILE]\n"
    "                     [-s SUITE|GLOB]... [--only ID-GLOB]... [--skip ID-GLOB]...\n"
    "                     [-o DIR] [-j N] [--shard I/N] [--profiles-dir DIR]... [--suites-dir "
    "DIR]\n"
    "                     [--timeout SECONDS] [--keep] [--strict] [--docs FILE] [--html FILE]\n"
    "                     [-v|-q]\n"
    "\n"
    "  -r, --registry ID|PATH  a profile id in the profiles dir, or a profile file\n"
    "      --all               every enabled profile in the profiles dir\n"
    "      --url URL           an ad-hoc registry (credentials from REGCOMPAT_USERNAME /\n"
    "                          REGCOMPAT_PASSWORD or the docker config)\n"
    "      --insecure          --url registries: do not verify TLS certificates\n"
    "      --ca FILE           --url registries: trust this CA bundle\n"
    "  -s, --suite NAME|GLOB   only these suites (default: all)\n"
    "      --only GLOB         only checks whose id matches (repeatable)\n"
    "      --skip GLOB         leave out checks whose id matches (repeatable)\n"
    "  -o, --output DIR        reports directory (default reports/)\n"
    "  -j, --jobs N            registries tested in parallel (default: all of them)\n"
    "      --shard I/N         run the I-th of N slices of the selected registries\n"
    "      --timeout SECONDS   per-request timeout (default: the profile's, 30)\n"
    "      --keep              leave what the run pushed on the registries\n"
    "      --strict            an xpass (expected failure that passed) fails the run\n"
    "      --docs FILE         also write the documentation page (see 'report docs')\n"
    "      --html FILE         also write the HTML report (see 'report html')\n"
    "  -v, --verbose           print every check as it completes; debug log\n"
    "  -q, --quiet             print only the final line\n"
    "\nexamples:\n"
    "  regcompat run --all\n"
    "  regcompat run -r local-open -s policy --only 'policy.pull.*'\n"
    "  regcompat run --url http://127.0.0.1:5000 -o /tmp/out\n";

static void on_signal(int sig)
{
    RC_UNUSED(sig);
    rc_runner_interrupt();
}

struct progress_ctx {
    int verbosity;
    bool color;
};

static void on_progress(void *ctx, const struct rc_registry_result *reg,
                        const struct rc_check_result *check, size_t done, size_t total)
{
    struct progress_ctx *p = ctx;
    if (p->verbosity > 0) {
        /* the reason quotes registry answers: printed as the summary prints it, with no
         * control character reaching the terminal */
        struct rc_buf why = RC_BUF_INIT(0);
        rc_buf_add(&why, "", 0);
        rc_buf_add_printable(&why, check->reason, false);
        printf("[%zu/%zu] %-20s %-36s %s%s%s\n", done, total, reg->id, check->id,
               rc_status_name(check->status), why.len ? "  " : "", rc_buf_str(&why));
        rc_buf_dispose(&why);
        fflush(stdout);
    } else if (p->verbosity == 0 && p->color) {
        fprintf(stderr, "\r%zu/%zu checks", done, total);
        if (done == total)
            fprintf(stderr, "\r\033[K");
        fflush(stderr);
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

/* suites selected by name or glob */
static void select_suites(struct rc_suite *v, size_t *n, const struct rc_strv *names,
                          struct rc_strv *problems)
{
    if (!names->n)
        return;
    for (size_t k = 0; k < names->n; k++) {
        bool any = false;
        for (size_t i = 0; i < *n; i++)
            any |= rc_glob_match(names->v[k], v[i].name);
        if (!any)
            rc_strv_push_take(problems, rc_fmt("-s %s: no such suite", names->v[k]));
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

int rc_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"registry", required_argument, NULL, 'r'},
        {"all", no_argument, NULL, 'A'},
        {"url", required_argument, NULL, 'U'},
        {"insecure", no_argument, NULL, 'k'},
        {"ca", required_argument, NULL, 'C'},
        {"suite", required_argument, NULL, 's'},
        {"only", required_argument, NULL, 'O'},
        {"skip", required_argument, NULL, 'S'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, 'H'},
        {"profiles-dir", required_argument, NULL, 'P'},
        {"suites-dir", required_argument, NULL, 'D'},
        {"timeout", required_argument, NULL, 'T'},
        {"keep", no_argument, NULL, 'K'},
        {"strict", no_argument, NULL, 'X'},
        {"docs", required_argument, NULL, 'd'},
        {"html", required_argument, NULL, 'W'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct rc_strv pdirs = {0}, ids = {0}, urls = {0}, suites = {0}, only = {0}, skip = {0};
    bool all = false, insecure = false, keep = false, strict = false;
    const char *ca = NULL, *outdir = "reports";
    const char *suites_dir = "suites", *shard = NULL, *docs = NULL, *html = NULL;
    long jobs = 0, timeout = 0;
    int verbosity = 0, rc = RC_EXIT_USAGE, opt;
    char *logpath = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:s:o:j:vqh", longopts, NULL)) != -1) {
        int64_t v;
        switch (opt) {
        case 'r':
            rc_strv_push(&ids, optarg);
            break;
        case 'A':
            all = true;
            break;
        case 'U':
            rc_strv_push(&urls, optarg);
            break;
        case 'k':
            insecure = true;
            break;
        case 'C':
            ca = optarg;
            break;
        case 's':
            rc_strv_push(&suites, optarg);
            break;
        case 'O':
            rc_strv_push(&only, optarg);
            break;
        case 'S':
            rc_strv_push(&skip, optarg);
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'H':
            shard = optarg;
            break;
        case 'P':
            rc_strv_push(&pdirs, optarg);
            break;
        case 'D':
            suites_dir = optarg;
            break;
        case 'K':
            keep = true;
            break;
        case 'X':
            strict = true;
            break;
        case 'd':
            docs = optarg;
            break;
        case 'W':
            html = optarg;
            break;
        case 'v':
            verbosity = 1;
            break;
        case 'q':
            verbosity = -1;
            break;
        case 'j':
        case 'T':
            if (!rc_parse_i64(optarg, &v) || v < 1 || v > 100000) {
                fprintf(stderr, "regcompat run: %s needs a positive number, got '%s'\n",
                        opt == 'j' ? "-j" : "--timeout", optarg);
                goto out;
            }
            if (opt == 'j')
                jobs = (long)v;
            else
                timeout = (long)v;
            break;
        case 'h':
            fputs(run_usage, stdout);
            rc = RC_EXIT_OK;
            goto out;
        default:
            fputs(run_usage, stderr);
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "regcompat run: unexpected argument '%s'\n%s", argv[optind], run_usage);
        goto out;
    }
    if (!all && !ids.n && !urls.n) {
        fprintf(stderr, "regcompat run: name registries with -r, --all or --url\n%s", run_usage);
        goto out;
    }
    struct rc_strv problems = {0};
    struct rc_profile *profiles = NULL;
    size_t nprofiles = 0;
    struct rc_suite *suitev = NULL, *allv = NULL;
    size_t nsuites = 0, nall = 0;
    if (!pdirs.n)
        rc_strv_push(&pdirs, "registries.d");
    load_profiles(&profiles, &nprofiles, &pdirs, &ids, all, &urls, insecure, ca, &problems);
    rc_suite_load_dir(&suitev, &nsuites, suites_dir, &problems);
    select_suites(suitev, &nsuites, &suites, &problems);
    /* the registry-level precondition probe comes from every suite, selected or not */
    struct rc_strv ignored = {0};
    const struct rc_scenario *autocreate = NULL;
    if (!problems.n && rc_suite_load_dir(&allv, &nall, suites_dir, &ignored) == 0)
        autocreate = rc_suite_find_tagged(allv, nall, "autocreate");
    rc_strv_dispose(&ignored);
    for (size_t i = 0; autocreate && i < nsuites; i++)
        for (size_t j = 0; j < suitev[i].nscenarios; j++)
            if (rc_str_eq(suitev[i].scenarios[j].id, autocreate->id))
                autocreate = &suitev[i].scenarios[j]; /* the selected copy: reported */
    long shard_i = 1, shard_n = 1;
    if (shard && !parse_shard(shard, &shard_i, &shard_n))
        rc_strv_push_take(&problems, rc_fmt("--shard %s: expected I/N with 1 <= I <= N", shard));
    if (!problems.n && !nprofiles)
        rc_strv_push(&problems, "no enabled profile selected");
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
    if (rc_report_mkdirs(outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: -o %s: %s\n", outdir, rc_error_msg(err));
        rc_error_free(err);
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    logpath = rc_fmt("%s/regcompat.log", outdir);
    if (rc_log_open(logpath, verbosity > 0 ? RC_LOG_DEBUG : RC_LOG_INFO, &err) < 0) {
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

    struct progress_ctx pctx = {verbosity, rc_cli_color(STDERR_FILENO)};
    struct rc_run_opts ro = {
        .profiles = profiles,
        .nprofiles = nprofiles,
        .suites = suitev,
        .nsuites = nsuites,
        .autocreate = autocreate,
        .only = &only,
        .skip = &skip,
        .jobs = jobs ? (int)jobs : (int)nprofiles,
        .keep = keep,
        .timeout_s = (int)timeout,
        .progress = on_progress,
        .progress_ctx = &pctx,
    };
    struct rc_results results;
    if (rc_runner_run(&results, &ro, &err) < 0) {
        fprintf(stderr, "regcompat run: %s\n", rc_error_msg(err));
        rc_error_free(err);
        rc_log_close();
        rc = RC_EXIT_USAGE;
        goto cleanup;
    }
    bool written = true;
    if (rc_report_write_all(&results, outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: writing reports: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    if (docs && rc_report_docs_file(&results, docs, outdir, &err) < 0) {
        fprintf(stderr, "regcompat run: writing the docs page: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    if (html && rc_report_html_file(&results, 1, html, &err) < 0) {
        fprintf(stderr, "regcompat run: writing the HTML report: %s\n", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
        written = false;
    }
    rc = rc_results_exit_code(&results, strict);
    /* an interrupted run did not test everything: never report it as green */
    if (results.interrupted && rc == RC_EXIT_OK)
        rc = RC_EXIT_ERROR;
    /* nor a run whose reports are missing: a CI job must not stay green without them */
    if (!written)
        rc = RC_EXIT_USAGE;
    if (verbosity >= 0) {
        struct rc_buf sum = RC_BUF_INIT(0);
        rc_report_summary(&results, &sum, rc_cli_color(STDOUT_FILENO));
        fputs(rc_buf_str(&sum), stdout);
        rc_buf_dispose(&sum);
    }
    printf("reports: %s/results.json %s/junit.xml %s/matrix.md%s%s%s%s\n", outdir, outdir, outdir,
           html ? " " : "", html ? html : "", results.interrupted ? " (run interrupted)" : "",
           written ? "" : " (not all written, see above)");
    rc_results_dispose(&results);
    rc_log_close();

cleanup:
    rc_profiles_free(profiles, nprofiles);
    rc_suites_free(suitev, nsuites);
    rc_suites_free(allv, nall);
    rc_strv_dispose(&problems);
out:
    free(logpath);
    rc_strv_dispose(&pdirs);
    rc_strv_dispose(&ids);
    rc_strv_dispose(&urls);
    rc_strv_dispose(&suites);
    rc_strv_dispose(&only);
    rc_strv_dispose(&skip);
    rc_redact_clear_secrets();
    return rc;
}
