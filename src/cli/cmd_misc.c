/* regcompat list | validate */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "profile/profile.h"
#include "runner/runner.h"
#include "suite/suite.h"

#include "base/banned.h"

void rc_cli_print_problems(const struct rc_strv *problems)
{
    for (size_t i = 0; i < problems->n; i++) {
        /* a URL given on the command line or in a file may carry a password */
        char *shown = rc_redact_text(problems->v[i]);
        fprintf(stderr, "%s\n", shown);
        free(shown);
    }
    fprintf(stderr, "regcompat: %zu problem%s found; nothing was run\n", problems->n,
            problems->n == 1 ? "" : "s");
}

bool rc_cli_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !(nc && *nc);
}

/* -P DIR / -D DIR shared by list and validate */
static int dirs_opts(int argc, char **argv, struct rc_strv *pdirs, const char **sdir,
                     const char *usage)
{
    static const struct option longopts[] = {
        {"profiles-dir", required_argument, NULL, 'P'},
        {"suites-dir", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'P':
            rc_strv_push(pdirs, optarg);
            break;
        case 'D':
            *sdir = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 1;
        default:
            fputs(usage, stderr);
            return -1;
        }
    }
    return 0;
}

static const char list_usage[] =
    "usage: regcompat list profiles|suites|checks|features|operations|verdict-rules\n"
    "                      [--profiles-dir DIR]... [--suites-dir DIR]\n";

int rc_cmd_list(int argc, char **argv)
{
    struct rc_strv pdirs = {0};
    const char *sdir = "suites";
    int o = dirs_opts(argc, argv, &pdirs, &sdir, list_usage);
    if (!pdirs.n)
        rc_strv_push(&pdirs, "registries.d");
    if (o) {
        rc_strv_dispose(&pdirs);
        return o > 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fputs(list_usage, stderr);
        rc_strv_dispose(&pdirs);
        return RC_EXIT_USAGE;
    }
    const char *what = argv[optind];
    struct rc_strv problems = {0};
    int rc = RC_EXIT_OK;
    if (rc_str_eq(what, "operations") || rc_str_eq(what, "verdict-rules")) {
        struct rc_buf b = RC_BUF_INIT(0);
        if (rc_str_eq(what, "operations"))
            rc_suite_ops_help(&b);
        else
            rc_verdict_rules_markdown(&b);
        fputs(rc_buf_str(&b), stdout);
        rc_buf_dispose(&b);
    } else if (rc_str_eq(what, "profiles")) {
        struct rc_profile *v = NULL;
        size_t n = 0;
        rc_profile_load_dirs(&v, &n, &pdirs, &problems);
        for (size_t i = 0; i < n; i++)
            printf("%-24s %-12s %-8s %-9s %s\n", v[i].id, v[i].kind,
                   v[i].hosted ? "hosted" : "project", v[i].enabled ? "enabled" : "disabled",
                   v[i].name);
        rc_profiles_free(v, n);
    } else if (rc_str_eq(what, "suites") || rc_str_eq(what, "checks") ||
               rc_str_eq(what, "features")) {
        struct rc_suite *v = NULL;
        size_t n = 0;
        rc_suite_load_dir(&v, &n, sdir, &problems);
        struct rc_strv seen = {0};
        for (size_t i = 0; i < n; i++) {
            if (rc_str_eq(what, "suites"))
                printf("%-12s %3zu checks  %s\n", v[i].name, v[i].nscenarios,
                       v[i].description ? v[i].description : "");
            for (size_t j = 0; j < v[i].nscenarios; j++) {
                const struct rc_scenario *sc = &v[i].scenarios[j];
                if (rc_str_eq(what, "checks")) {
                    printf("%-36s %-24s %s\n", sc->id, sc->feature, sc->title);
                } else if (rc_str_eq(what, "features") && !rc_strv_contains(&seen, sc->feature)) {
                    rc_strv_push(&seen, sc->feature);
                    printf("%s\n", sc->feature);
                }
            }
        }
        rc_strv_dispose(&seen);
        rc_suites_free(v, n);
    } else {
        fputs(list_usage, stderr);
        rc_strv_dispose(&pdirs);
        return RC_EXIT_USAGE;
    }
    if (problems.n) {
        for (size_t i = 0; i < problems.n; i++)
            fprintf(stderr, "%s\n", problems.v[i]);
        rc = RC_EXIT_USAGE;
    }
    rc_strv_dispose(&problems);
    rc_strv_dispose(&pdirs);
    return rc;
}

static const char validate_usage[] =
    "usage: regcompat validate [--profiles-dir DIR] [--suites-dir DIR] [FILE...]\n"
    "  Loads every profile and suite (or the files named) and reports every problem with\n"
    "  file, line and key. Exit 0 when all are valid, 2 otherwise.\n";

/* A file is a suite when it has a top-level "suite:" key. */
static bool looks_like_suite(const char *path)
{
    struct rc_buf b = RC_BUF_INIT(4 * RC_MIB);
    struct rc_error *err = NULL;
    bool suite = false;
    if (rc_buf_read_file(&b, path, &err) == 0) {
        const char *s = rc_buf_str(&b);
        suite = rc_str_starts(s, "suite:") || strstr(s, "\nsuite:") != NULL;
    }
    rc_error_free(err);
    rc_buf_dispose(&b);
    return suite;
}

int rc_cmd_validate(int argc, char **argv)
{
    struct rc_strv pdirs = {0};
    const char *sdir = "suites";
    int o = dirs_opts(argc, argv, &pdirs, &sdir, validate_usage);
    if (!pdirs.n)
        rc_strv_push(&pdirs, "registries.d");
    if (o) {
        rc_strv_dispose(&pdirs);
        return o > 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    struct rc_strv problems = {0};
    size_t nprof = 0, nsuite = 0, nchecks = 0;
    if (optind < argc) {
        for (int i = optind; i < argc; i++) {
            if (looks_like_suite(argv[i])) {
                struct rc_suite s;
                rc_suite_load(&s, argv[i], &problems);
                nsuite++;
                nchecks += s.nscenarios;
                rc_suite_dispose(&s);
            } else {
                struct rc_profile p;
                rc_profile_load(&p, argv[i], &problems);
                nprof++;
                rc_profile_dispose(&p);
            }
        }
    } else {
        struct rc_profile *pv = NULL;
        struct rc_suite *sv = NULL;
        rc_profile_load_dirs(&pv, &nprof, &pdirs, &problems);
        rc_suite_load_dir(&sv, &nsuite, sdir, &problems);
        for (size_t i = 0; i < nsuite; i++)
            nchecks += sv[i].nscenarios;
        rc_profiles_free(pv, nprof);
        rc_suites_free(sv, nsuite);
    }
    int rc = RC_EXIT_OK;
    if (problems.n) {
        for (size_t i = 0; i < problems.n; i++)
            fprintf(stderr, "%s\n", problems.v[i]);
        fprintf(stderr, "%zu problem%s\n", problems.n, problems.n == 1 ? "" : "s");
        rc = RC_EXIT_USAGE;
    } else {
        printf("ok: %zu profile%s, %zu suite%s, %zu checks\n", nprof, nprof == 1 ? "" : "s", nsuite,
               nsuite == 1 ? "" : "s", nchecks);
    }
    rc_strv_dispose(&problems);
    rc_strv_dispose(&pdirs);
    return rc;
}
