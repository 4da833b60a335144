/* regcompat list | validate */
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
    return isatty(fd) && !(nc && *nc) && !rc_str_eq(getenv("TERM"), "dumb");
}

/* Options shared by list and validate. */
struct dirs_args {
    struct rc_strv pdirs;
    const char *sdir;
    struct rc_strv suites; /* -s */
};

static void dirs_args_dispose(struct dirs_args *a)
{
    rc_strv_dispose(&a->pdirs);
    rc_strv_dispose(&a->suites);
}

/* 0 = go on, 1 = --help was printed, -1 = usage error */
static int dirs_opts(int argc, char **argv, struct dirs_args *a, const struct rc_cli_cmd *cmd)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, cmd);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (opt) {
        case RC_OPT_PROFILES_DIR:
            rc_strv_push(&a->pdirs, optarg);
            break;
        case RC_OPT_SUITES_DIR:
            a->sdir = optarg;
            break;
        case 's':
            rc_strv_push(&a->suites, optarg);
            break;
        case 'h':
            rc_cli_usage(stdout, cmd);
            return 1;
        default:
            rc_cli_usage_short(stderr, cmd);
            return -1;
        }
    }
    return 0;
}

/* The suites directory in use, or a problem naming every place looked at. */
static char *suites_dir(const char *flag, struct rc_strv *problems)
{
    struct rc_cli_dir d;
    rc_cli_find_dir(&d, RC_CLI_SUITES, flag);
    char *path = rc_steal(&d.path);
    if (!path)
        rc_strv_push_take(problems, rc_cli_dir_missing(&d, RC_CLI_SUITES));
    rc_cli_dir_dispose(&d);
    return path;
}

/* The profiles directories in use: the flags, else the one found (none: empty). */
static void profiles_dirs(struct rc_strv *pdirs)
{
    if (pdirs->n)
        return;
    struct rc_cli_dir d;
    rc_cli_find_dir(&d, RC_CLI_PROFILES, NULL);
    if (d.path)
        rc_strv_push(pdirs, d.path);
    rc_cli_dir_dispose(&d);
}

static const char *const list_what[] = {"profiles", "suites",     "checks",
                                        "features", "operations", "verdict-rules"};

static void list_suites_of(const struct rc_suite *v, size_t n, struct rc_strv *problems,
                           const struct rc_strv *names)
{
    for (size_t k = 0; k < names->n; k++) {
        bool any = false;
        for (size_t i = 0; i < n; i++)
            any |= rc_glob_match(names->v[k], v[i].name);
        if (!any) {
            struct rc_strv all = {0};
            for (size_t i = 0; i < n; i++)
                rc_strv_push(&all, v[i].name);
            char *known = rc_strv_join(&all, ", ");
            rc_strv_push_take(problems,
                              rc_fmt("-s %s: no such suite (suites: %s)", names->v[k], known));
            free(known);
            rc_strv_dispose(&all);
        }
    }
}

static bool suite_selected(const struct rc_suite *s, const struct rc_strv *names)
{
    if (!names->n)
        return true;
    for (size_t k = 0; k < names->n; k++)
        if (rc_glob_match(names->v[k], s->name))
            return true;
    return false;
}

int rc_cmd_list(int argc, char **argv)
{
    struct dirs_args a = {0};
    int o = dirs_opts(argc, argv, &a, &rc_cli_cmd_list);
    if (o) {
        dirs_args_dispose(&a);
        return o > 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    const char *what = optind == argc - 1 ? argv[optind] : NULL;
    bool known = false;
    for (size_t i = 0; what && i < RC_ARRAY_LEN(list_what); i++)
        known |= rc_str_eq(what, list_what[i]);
    if (!known) {
        if (what)
            fprintf(stderr, "regcompat list: unknown list '%s'\n", what);
        else
            fprintf(stderr, "regcompat list: name what to list\n");
        rc_cli_usage_short(stderr, &rc_cli_cmd_list);
        dirs_args_dispose(&a);
        return RC_EXIT_USAGE;
    }
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
        profiles_dirs(&a.pdirs);
        if (!a.pdirs.n) {
            struct rc_cli_dir d;
            rc_cli_find_dir(&d, RC_CLI_PROFILES, NULL);
            rc_strv_push_take(&problems, rc_cli_dir_missing(&d, RC_CLI_PROFILES));
            rc_cli_dir_dispose(&d);
        }
        struct rc_profile *v = NULL;
        size_t n = 0;
        rc_profile_load_dirs(&v, &n, &a.pdirs, &problems);
        for (size_t i = 0; i < n; i++)
            printf("%-24s %-12s %-8s %-9s %s\n", v[i].id, v[i].kind,
                   v[i].hosted ? "hosted" : "project", v[i].enabled ? "enabled" : "disabled",
                   v[i].name);
        rc_profiles_free(v, n);
    } else {
        struct rc_suite *v = NULL;
        size_t n = 0;
        char *sdir = suites_dir(a.sdir, &problems);
        if (sdir)
            rc_suite_load_dir(&v, &n, sdir, &problems);
        free(sdir);
        list_suites_of(v, n, &problems, &a.suites);
        struct rc_strv seen = {0};
        for (size_t i = 0; !problems.n && i < n; i++) {
            if (!suite_selected(&v[i], &a.suites))
                continue;
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
    }
    if (problems.n) {
        for (size_t i = 0; i < problems.n; i++)
            fprintf(stderr, "%s\n", problems.v[i]);
        rc = RC_EXIT_USAGE;
    }
    rc_strv_dispose(&problems);
    dirs_args_dispose(&a);
    return rc;
}

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

/* Every check id of v, for the expectation globs. */
static void check_ids(struct rc_strv *out, const struct rc_suite *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].nscenarios; j++)
            rc_strv_push(out, v[i].scenarios[j].id);
}

int rc_cmd_validate(int argc, char **argv)
{
    struct dirs_args a = {0};
    int o = dirs_opts(argc, argv, &a, &rc_cli_cmd_validate);
    if (o) {
        dirs_args_dispose(&a);
        return o > 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    struct rc_strv problems = {0}, ids = {0};
    size_t nprof = 0, nsuite = 0, nchecks = 0;
    struct rc_profile *pv = NULL;
    size_t npv = 0, cap = 0;
    char today[16];
    rc_utc_date(today);
    if (optind < argc) {
        struct rc_suite *named = NULL;
        size_t nnamed = 0, ncap = 0;
        for (int i = optind; i < argc; i++) {
            if (looks_like_suite(argv[i])) {
                struct rc_suite s;
                rc_suite_load(&s, argv[i], &problems);
                nsuite++;
                nchecks += s.nscenarios;
                RC_PUSH(named, nnamed, ncap, s);
            } else {
                struct rc_profile p;
                rc_profile_load(&p, argv[i], &problems);
                nprof++;
                RC_PUSH(pv, npv, cap, p);
            }
        }
        /* expectation globs are checked against the suites named, else the suites in use */
        if (nnamed) {
            check_ids(&ids, named, nnamed);
        } else if (npv) {
            struct rc_strv ignored = {0};
            char *sdir = suites_dir(a.sdir, &ignored);
            struct rc_suite *sv = NULL;
            size_t nsv = 0;
            if (sdir && rc_suite_load_dir(&sv, &nsv, sdir, &ignored) == 0)
                check_ids(&ids, sv, nsv);
            rc_suites_free(sv, nsv);
            free(sdir);
            rc_strv_dispose(&ignored);
        }
        rc_suites_free(named, nnamed);
    } else {
        profiles_dirs(&a.pdirs);
        rc_profile_load_dirs(&pv, &npv, &a.pdirs, &problems);
        nprof = npv;
        struct rc_suite *sv = NULL;
        char *sdir = suites_dir(a.sdir, &problems);
        if (sdir)
            rc_suite_load_dir(&sv, &nsuite, sdir, &problems);
        free(sdir);
        for (size_t i = 0; i < nsuite; i++)
            nchecks += sv[i].nscenarios;
        check_ids(&ids, sv, nsuite);
        rc_suites_free(sv, nsuite);
    }
    for (size_t i = 0; i < npv; i++)
        rc_profile_lint(&pv[i], ids.n ? &ids : NULL, today, &problems);
    rc_profiles_free(pv, npv);
    rc_strv_dispose(&ids);
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
    dirs_args_dispose(&a);
    return rc;
}
