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

static const char merge_usage[] =
    "usage: regcompat report merge RESULTS.json... -o DIR [--docs FILE] [--link-base PREFIX]\n"
    "                              [-q]\n"
    "  Joins the results of CI shards (each from 'run --shard I/N', over disjoint sets of\n"
    "  registries) into one run: DIR receives results.json, junit.xml and matrix.md.\n"
    "  A registry found in two inputs is an error unless both entries are identical; every\n"
    "  input must come from the same regcompat version.\n"
    "\n"
    "  -o, --output DIR      where the merged reports go (required)\n"
    "      --docs FILE       also write the documentation page (links point into DIR)\n"
    "      --link-base PREFIX  put PREFIX in front of the page's links instead\n"
    "                        (e.g. https://ci.example.org/reports/)\n"
    "  -q, --quiet           no summary on stdout\n"
    "\n"
    "  exit 0 when the reports were written, 2 on bad input (the file is named)\n"
    "\nexamples:\n"
    "  regcompat report merge shard-1/results.json shard-2/results.json -o reports/\n"
    "  regcompat report merge shards/*/results.json -o reports/ --docs docs/oci-registries.md\n";

static const char diff_usage[] =
    "usage: regcompat report diff OLD.json NEW.json [MORE.json...] [--markdown FILE]\n"
    "  Compares two runs and prints what changed, one line per change:\n"
    "    regression  a check now fails or errors and did better before (statuses rank\n"
    "                pass > xpass > xfail > unsupported > skip > error > fail)\n"
    "    fix         a failing or erroring check now passes\n"
    "    supported   a feature that was unsupported now passes\n"
    "    changed     any other change of status (better or worse)\n"
    "    new/removed registries and checks (never regressions)\n"
    "  Given more than two files (oldest first), the last two are compared and checks whose\n"
    "  status flips between consecutive runs more than once are listed as flaky.\n"
    "\n"
    "  -m, --markdown FILE   also write the comparison as Markdown\n"
    "\n"
    "  exit 0 no regression, 1 at least one regression, 2 on bad input (the file is named)\n"
    "\nexamples:\n"
    "  regcompat report diff nightly-1/results.json nightly-2/results.json\n"
    "  regcompat report diff n1.json n2.json n3.json n4.json --markdown diff.md\n";

static const char docs_usage[] =
    "usage: regcompat report docs RESULTS.json -o FILE [--link-base PREFIX]\n"
    "  Writes the documentation page (Docusaurus frontmatter, registries with their verdict,\n"
    "  tools, known issues) from a results.json. Its links point to that results.json and\n"
    "  to the matrix.md beside it, relative to FILE; -o - prints the page.\n"
    "\n"
    "  -o, --output FILE     the page to write (required)\n"
    "      --link-base PREFIX  put PREFIX in front of the page's links instead\n"
    "\n"
    "  exit 0 when written, 2 on bad input\n"
    "\nexamples:\n"
    "  regcompat report docs reports/results.json -o docs/reference/oci-registries.md\n"
    "  regcompat report docs reports/results.json -o - --link-base https://ci.example.org/r/\n";

static const char html_usage[] =
    "usage: regcompat report html RESULTS.json... -o FILE\n"
    "  Writes report.html: one self-contained page (no network access needed, readable\n"
    "  without JavaScript) with the matrix of the last results.json, a Kubewarden verdict per\n"
    "  registry, the known issues (xfail / xpass), and every cell that is not a plain pass\n"
    "  with its checks and the redacted HTTP exchanges. Given several results.json files\n"
    "  (oldest first, e.g. one per night) it adds a history per registry: a chart of pass,\n"
    "  fail and error counts per run and the changes between the last two runs (as 'report\n"
    "  diff' finds them). -o - prints the page.\n"
    "\n"
    "  -o, --output FILE     the page to write (required)\n"
    "\n"
    "  exit 0 when written, 2 on bad input (the file is named)\n"
    "\nexamples:\n"
    "  regcompat report html reports/results.json -o reports/report.html\n"
    "  regcompat report html nights/*/results.json -o history.html\n";

static const char report_usage[] =
    "usage: regcompat report merge RESULTS.json... -o DIR [--docs FILE]\n"
    "       regcompat report diff OLD.json NEW.json [MORE.json...] [--markdown FILE]\n"
    "       regcompat report docs RESULTS.json -o FILE\n"
    "       regcompat report html RESULTS.json... -o FILE\n"
    "\n"
    "  merge   join CI shards into one results.json, junit.xml, matrix.md (and docs page)\n"
    "  diff    regressions, fixes, newly supported features, flaky checks; exit 1 on a\n"
    "          regression\n"
    "  docs    the documentation page of a run\n"
    "  html    one self-contained HTML page: matrix, evidence, history over several runs\n"
    "\n"
    "run 'regcompat report COMMAND --help' for a command's options and examples.\n";

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

enum { OPT_DOCS = 0x100, OPT_LINK_BASE };

static int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"docs", required_argument, NULL, OPT_DOCS},
        {"link-base", required_argument, NULL, OPT_LINK_BASE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outdir = NULL, *docs = NULL, *link_base = NULL;
    bool quiet = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            outdir = optarg;
            break;
        case OPT_DOCS:
            docs = optarg;
            break;
        case OPT_LINK_BASE:
            link_base = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(merge_usage, stdout);
            return RC_EXIT_OK;
        default:
            fputs(merge_usage, stderr);
            return RC_EXIT_USAGE;
        }
    }
    if (optind >= argc || !outdir) {
        fprintf(stderr, "regcompat report merge: %s\n%s",
                optind >= argc ? "name the results.json files to merge" : "-o DIR is required",
                merge_usage);
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
        rc_report_summary(&merged, &sum, rc_cli_color(STDOUT_FILENO));
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
    static const struct option longopts[] = {
        {"markdown", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *markdown = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'm':
            markdown = optarg;
            break;
        case 'h':
            fputs(diff_usage, stdout);
            return RC_EXIT_OK;
        default:
            fputs(diff_usage, stderr);
            return RC_EXIT_USAGE;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "regcompat report diff: name at least two results.json files\n%s",
                diff_usage);
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
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"link-base", required_argument, NULL, OPT_LINK_BASE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *file = NULL, *link_base = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            file = optarg;
            break;
        case OPT_LINK_BASE:
            link_base = optarg;
            break;
        case 'h':
            fputs(docs_usage, stdout);
            return RC_EXIT_OK;
        default:
            fputs(docs_usage, stderr);
            return RC_EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || !file) {
        fprintf(stderr, "regcompat report docs: %s\n%s",
                !file ? "-o FILE is required" : "name exactly one results.json", docs_usage);
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
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *file = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            file = optarg;
            break;
        case 'h':
            fputs(html_usage, stdout);
            return RC_EXIT_OK;
        default:
            fputs(html_usage, stderr);
            return RC_EXIT_USAGE;
        }
    }
    if (optind >= argc || !file) {
        fprintf(stderr, "regcompat report html: %s\n%s",
                !file ? "-o FILE is required" : "name the results.json files to render",
                html_usage);
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
        fputs(report_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? RC_EXIT_USAGE : RC_EXIT_OK;
    }
    for (size_t i = 0; i < RC_ARRAY_LEN(subcommands); i++)
        if (rc_str_eq(argv[1], subcommands[i].name))
            return subcommands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "regcompat report: unknown command '%s'\n%s", argv[1], report_usage);
    return RC_EXIT_USAGE;
}
