/* regcompat report merge | diff | docs | html: commands that read results.json files back. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/report.h"
#include "results/results.h"

#include "base/banned.h"

/* Reads and parses one results.json; problems are printed with the path. */
static int load(struct rc_results *out, const char *path, const char *cmd)
{
    struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
    struct rc_error *err = NULL;
    int rc = rc_buf_read_file(&b, path, &err);
    if (rc == 0) {
        rc = rc_results_from_json(out, b.data, b.len, &err);
        if (rc < 0)
            rc_error_prefix(&err, "%s", path);
    } else {
        memset(out, 0, sizeof(*out));
    }
    if (rc < 0)
        fprintf(stderr, "regcompat report %s: %s\n", cmd, rc_error_msg(err));
    rc_error_free(err);
    rc_buf_dispose(&b);
    return rc;
}

static void free_runs(struct rc_results *runs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rc_results_dispose(&runs[i]);
    free(runs);
}

/* Loads argv[optind..argc); NULL when one of them fails. */
static struct rc_results *load_all(int argc, char **argv, const char *cmd)
{
    size_t n = (size_t)(argc - optind);
    struct rc_results *runs = rc_xcalloc(n ? n : 1, sizeof(*runs));
    for (size_t i = 0; i < n; i++) {
        if (load(&runs[i], argv[optind + (int)i], cmd) < 0) {
            free_runs(runs, i);
            return NULL;
        }
    }
    return runs;
}

/* The page with links under link_base (written as is), or relative to reports_dir. */
static int write_docs(const struct rc_results *r, const char *file, const char *reports_dir,
                      const char *link_base, const char *cmd)
{
    struct rc_error *err = NULL;
    int rc;
    if (link_base || rc_str_eq(file, "-")) {
        struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
        rc = rc_report_docs_ex(r, link_base ? link_base : "", &b, &err);
        if (rc == 0 && rc_str_eq(file, "-"))
            fputs(rc_buf_str(&b), stdout);
        else if (rc == 0)
            rc = rc_write_file(file, b.data ? b.data : "", b.len, &err);
        rc_buf_dispose(&b);
    } else {
        rc = rc_report_docs_file(r, file, reports_dir, &err);
    }
    if (rc < 0)
        fprintf(stderr, "regcompat report %s: %s\n", cmd, rc_error_msg(err));
    rc_error_free(err);
    return rc;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return rc_xstrdup(".");
    return slash == path ? rc_xstrdup("/") : rc_xstrndup(path, (size_t)(slash - path));
}

static int cmd_merge(int argc, char **argv)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, &rc_cli_cmd_merge);
    const char *outdir = NULL, *docs = NULL, *link_base = NULL;
    bool quiet = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            outdir = optarg;
            break;
        case RC_OPT_DOCS:
            docs = optarg;
            break;
        case RC_OPT_LINK_BASE:
            link_base = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            rc_cli_usage(stdout, &rc_cli_cmd_merge);
            return RC_EXIT_OK;
        default:
            rc_cli_usage_short(stderr, &rc_cli_cmd_merge);
            return RC_EXIT_USAGE;
        }
    }
    if (optind >= argc || !outdir) {
        fprintf(stderr, "regcompat report merge: %s\n",
                optind >= argc ? "name the results.json files to merge" : "-o DIR is required");
        rc_cli_usage_short(stderr, &rc_cli_cmd_merge);
        return RC_EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    struct rc_results *runs = load_all(argc, argv, "merge");
    if (!runs)
        return RC_EXIT_USAGE;
    struct rc_results merged;
    struct rc_error *err = NULL;
    int rc = RC_EXIT_USAGE;
    if (rc_report_merge_named(&merged, runs, (const char *const *)(argv + optind), n, &err) < 0) {
        fprintf(stderr, "regcompat report %s\n", rc_error_msg(err));
        rc_error_free(err);
        free_runs(runs, n);
        return RC_EXIT_USAGE;
    }
    if (rc_report_write_all(&merged, outdir, &err) < 0) {
        fprintf(stderr, "regcompat report merge: writing reports: %s\n", rc_error_msg(err));
        rc_error_free(err);
        goto out;
    }
    if (docs && write_docs(&merged, docs, outdir, link_base, "merge") < 0)
        goto out;
    if (!quiet) {
        struct rc_buf sum = RC_BUF_INIT(0);
        struct rc_report_summary_opts so = {.color = rc_cli_color(STDOUT_FILENO),
                                            .reports_dir = outdir};
        rc_report_summary(&merged, &sum, &so);
        fputs(rc_buf_str(&sum), stdout);
        rc_buf_dispose(&sum);
    }
    printf("merged %zu file%s: %s/results.json %s/junit.xml %s/matrix.md%s%s\n", n,
           n == 1 ? "" : "s", outdir, outdir, outdir, docs ? " " : "", docs ? docs : "");
    rc = RC_EXIT_OK;
out:
    rc_results_dispose(&merged);
    free_runs(runs, n);
    return rc;
}

static int cmd_diff(int argc, char **argv)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, &rc_cli_cmd_diff);
    const char *markdown = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            markdown = optarg;
            break;
        case 'h':
            rc_cli_usage(stdout, &rc_cli_cmd_diff);
            return RC_EXIT_OK;
        default:
            rc_cli_usage_short(stderr, &rc_cli_cmd_diff);
            return RC_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "regcompat report diff: name at least two results.json files\n");
        rc_cli_usage_short(stderr, &rc_cli_cmd_diff);
        return RC_EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    struct rc_results *runs = load_all(argc, argv, "diff");
    if (!runs)
        return RC_EXIT_USAGE;
    struct rc_buf text = RC_BUF_INIT(RC_REPORT_MAX), md = RC_BUF_INIT(RC_REPORT_MAX);
    int regressions = 0, rc = RC_EXIT_USAGE;
    if (rc_report_diff_series(markdown ? &md : NULL, &text, runs, n, &regressions) < 0) {
        fprintf(stderr, "regcompat report diff: the comparison is larger than %zu bytes\n",
                (size_t)RC_REPORT_MAX);
        goto out;
    }
    fputs(rc_buf_str(&text), stdout);
    if (markdown) {
        struct rc_error *err = NULL;
        if (rc_write_file(markdown, md.data ? md.data : "", md.len, &err) < 0) {
            fprintf(stderr, "regcompat report diff: %s\n", rc_error_msg(err));
            rc_error_free(err);
            goto out;
        }
    }
    rc = regressions ? RC_EXIT_FAIL : RC_EXIT_OK;
out:
    rc_buf_dispose(&text);
    rc_buf_dispose(&md);
    free_runs(runs, n);
    return rc;
}

static int cmd_docs(int argc, char **argv)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, &rc_cli_cmd_docs);
    const char *file = NULL, *link_base = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            file = optarg;
            break;
        case RC_OPT_LINK_BASE:
            link_base = optarg;
            break;
        case 'h':
            rc_cli_usage(stdout, &rc_cli_cmd_docs);
            return RC_EXIT_OK;
        default:
            rc_cli_usage_short(stderr, &rc_cli_cmd_docs);
            return RC_EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || !file) {
        fprintf(stderr, "regcompat report docs: %s\n",
                !file ? "-o FILE is required" : "name exactly one results.json");
        rc_cli_usage_short(stderr, &rc_cli_cmd_docs);
        return RC_EXIT_USAGE;
    }
    struct rc_results r;
    if (load(&r, argv[optind], "docs") < 0)
        return RC_EXIT_USAGE;
    char *dir = dir_of(argv[optind]);
    int rc = write_docs(&r, file, dir, link_base, "docs") < 0 ? RC_EXIT_USAGE : RC_EXIT_OK;
    if (rc == RC_EXIT_OK && !rc_str_eq(file, "-"))
        printf("docs: %s\n", file);
    free(dir);
    rc_results_dispose(&r);
    return rc;
}

static int cmd_html(int argc, char **argv)
{
    struct rc_cli_getopt g;
    rc_cli_getopt_init(&g, &rc_cli_cmd_html);
    const char *file = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            file = optarg;
            break;
        case 'h':
            rc_cli_usage(stdout, &rc_cli_cmd_html);
            return RC_EXIT_OK;
        default:
            rc_cli_usage_short(stderr, &rc_cli_cmd_html);
            return RC_EXIT_USAGE;
        }
    }
    if (optind >= argc || !file) {
        fprintf(stderr, "regcompat report html: %s\n",
                !file ? "-o FILE is required" : "name the results.json files to render");
        rc_cli_usage_short(stderr, &rc_cli_cmd_html);
        return RC_EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    struct rc_results *runs = load_all(argc, argv, "html");
    if (!runs)
        return RC_EXIT_USAGE;
    struct rc_error *err = NULL;
    int rc;
    if (rc_str_eq(file, "-")) {
        struct rc_buf b = RC_BUF_INIT(RC_REPORT_MAX);
        rc = rc_report_html(runs, n, &b, &err);
        if (rc == 0)
            fputs(rc_buf_str(&b), stdout);
        rc_buf_dispose(&b);
    } else {
        rc = rc_report_html_file(runs, n, file, &err);
        if (rc == 0)
            printf("html: %s\n", file);
    }
    if (rc < 0)
        fprintf(stderr, "regcompat report html: %s\n", rc_error_msg(err));
    rc_error_free(err);
    free_runs(runs, n);
    return rc < 0 ? RC_EXIT_USAGE : RC_EXIT_OK;
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} subcommands[] = {
    {"merge", cmd_merge},
    {"diff", cmd_diff},
    {"docs", cmd_docs},
    {"html", cmd_html},
};

int rc_cmd_report(int argc, char **argv)
{
    if (argc < 2 || rc_str_eq(argv[1], "-h") || rc_str_eq(argv[1], "--help") ||
        rc_str_eq(argv[1], "help")) {
        rc_cli_usage(argc < 2 ? stderr : stdout, &rc_cli_cmd_report);
        return argc < 2 ? RC_EXIT_USAGE : RC_EXIT_OK;
    }
    for (size_t i = 0; i < RC_ARRAY_LEN(subcommands); i++)
        if (rc_str_eq(argv[1], subcommands[i].name))
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "regcompat report: unknown command '%s'\n", argv[1]);
    rc_cli_usage_short(stderr, &rc_cli_cmd_report);
    return RC_EXIT_USAGE;
}
