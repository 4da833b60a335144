/* Every command and option, described once: --help, `regcompat help`, getopt's tables and the
 * man page are generated from these tables (options.c). */
#include <stddef.h>

#include "cli/cli.h"

#include "base/banned.h"

/* clang-format off */
#define DIRS_OPTS                                                                           \
    {"profiles-dir", RC_OPT_PROFILES_DIR, "DIR",                                            \
     "profiles from DIR (repeatable); default: $REGCOMPAT_PROFILES_DIR,\n"                   \
     "else ./registries.d when it exists, else the installed examples"},                    \
    {"suites-dir", RC_OPT_SUITES_DIR, "DIR",                                                \
     "suites from DIR; default: $REGCOMPAT_SUITES_DIR, else ./suites\n"                      \
     "when it exists, else the installed suites (see 'regcompat version')"}
/* clang-format on */

static const char exit_codes[] = "0 no check failed and none was in error;\n"
                                 "1 a check failed (with --strict: or an xpass);\n"
                                 "2 usage, profile or suite error (nothing was run), or a\n"
                                 "  report that could not be written;\n"
                                 "3 a check could not be tested (error) or the run was\n"
                                 "  interrupted, and none failed";

static const struct rc_cli_opt run_opts[] = {
    {"registry", 'r', "ID|PATH", "a profile id in the profiles dir, or a profile file"},
    {"all", RC_OPT_ALL, NULL, "every enabled profile in the profiles dir"},
    {"url", RC_OPT_URL, "URL",
     "an ad-hoc registry, no profile file (credentials from\n"
     "REGCOMPAT_USERNAME / REGCOMPAT_PASSWORD or the docker config)"},
    {"insecure", RC_OPT_INSECURE, NULL, "--url registries: do not verify TLS certificates"},
    {"ca", RC_OPT_CA, "FILE", "--url registries: trust the CA certificates in FILE (PEM)"},
    {"suite", 's', "NAME|GLOB", "only these suites (repeatable; default: all)"},
    {"only", RC_OPT_ONLY, "GLOB", "only checks whose id matches (repeatable)"},
    {"skip", RC_OPT_SKIP, "GLOB", "leave out checks whose id matches (repeatable)"},
    {"output", 'o', "DIR", "reports directory (default reports/)"},
    {"jobs", 'j', "N", "registries tested in parallel (default: all of them)"},
    {"shard", RC_OPT_SHARD, "I/N", "run the I-th of N slices of the selected registries"},
    DIRS_OPTS,
    {"timeout", RC_OPT_TIMEOUT, "SECONDS", "per-request timeout (default: the profile's, 30)"},
    {"keep", RC_OPT_KEEP, NULL, "leave what the run pushed on the registries"},
    {"strict", RC_OPT_STRICT, NULL, "an xpass (expected failure that passed) fails the run"},
    {"require-credentials", RC_OPT_REQUIRE_CREDENTIALS, NULL,
     "a selected profile whose credentials are not configured is an\n"
     "error (exit 3), not a skip: for CI, where a missing secret must\n"
     "not look green"},
    {"docs", RC_OPT_DOCS, "FILE", "also write the documentation page (see 'report docs')"},
    {"html", RC_OPT_HTML, "FILE", "also write the HTML report (see 'report html')"},
    {"verbose", 'v', NULL, "list every check, passes included, as it completes; debug log"},
    {"quiet", 'q', NULL, "print only the totals and where the reports are"},
    {NULL, 0, NULL, NULL},
};

static const char *const run_examples[] = {
    "run --all",
    "run -r local-open -s policy --only 'policy.pull.*'",
    "run --url http://127.0.0.1:5000 -o /tmp/out",
    "run --url https://registry.example.com --ca ca.pem",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_run = {
    .name = "run",
    .summary = "run the checks against registries and write reports",
    .synopsis = "[-r PROFILE]... [--all] [--url URL]... [--insecure] [--ca FILE]\n"
                "[-s SUITE|GLOB]... [--only ID-GLOB]... [--skip ID-GLOB]...\n"
                "[-o DIR] [-j N] [--shard I/N] [--profiles-dir DIR]... [--suites-dir DIR]\n"
                "[--timeout SECONDS] [--keep] [--strict] [--require-credentials]\n"
                "[--docs FILE] [--html FILE] [-v|-q]",
    .about = "Runs the selected checks against the selected registries and writes\n"
             "results.json, junit.xml, matrix.md and regcompat.log into the reports directory.\n"
             "The terminal lists the checks that failed, could not be tested (error) or passed\n"
             "against an expectation (xpass), and counts the rest; a registry that could not be\n"
             "tested at all (unreachable, TLS trust, credentials) gets one line saying how to fix\n"
             "it. On a terminal, progress shows the registry, the check running and the time left.",
    .opts = run_opts,
    .examples = run_examples,
    .exit = exit_codes,
};

static const struct rc_cli_opt list_opts[] = {
    {"suite", 's', "NAME|GLOB", "checks and features: only these suites (repeatable)"},
    DIRS_OPTS,
    {NULL, 0, NULL, NULL},
};

static const char *const list_examples[] = {
    "list checks",
    "list checks -s policy",
    "list profiles --profiles-dir .lab/registries.d",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_list = {
    .name = "list",
    .summary = "list profiles | suites | checks | features | operations | verdict-rules",
    .synopsis = "profiles|suites|checks|features|operations|verdict-rules\n"
                "[-s SUITE|GLOB]... [--profiles-dir DIR]... [--suites-dir DIR]",
    .about = "profiles: id, kind, project or hosted, enabled, name. suites: name, number of\n"
             "checks, description. checks: id, feature, title. features: the matrix columns.\n"
             "operations: the steps a suite can use. verdict-rules: the table every verdict\n"
             "comes from.",
    .opts = list_opts,
    .examples = list_examples,
    .exit = "0 listed; 2 usage error, an unknown suite, or a profile or suite that does not load",
};

static const struct rc_cli_opt validate_opts[] = {
    DIRS_OPTS,
    {NULL, 0, NULL, NULL},
};

static const char *const validate_examples[] = {
    "validate",
    "validate registries.d/my-registry.yaml",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_validate = {
    .name = "validate",
    .summary = "load every profile and suite and report every problem",
    .synopsis = "[--profiles-dir DIR]... [--suites-dir DIR] [FILE...]",
    .about = "Loads every profile and suite (or the files named) and reports every problem\n"
             "with file, line and key: unknown keys, wrong types, duplicates, an expectation\n"
             "whose check glob matches no check, a tls.ca or client certificate file that does\n"
             "not exist, an expectation whose `until` date has passed, a `needs` cycle.",
    .opts = validate_opts,
    .examples = validate_examples,
    .exit = "0 all valid; 2 a problem was found",
};

static const struct rc_cli_opt merge_opts[] = {
    {"output", 'o', "DIR", "where the merged reports go (required)"},
    {"docs", RC_OPT_DOCS, "FILE", "also write the documentation page (links point into DIR)"},
    {"link-base", RC_OPT_LINK_BASE, "PREFIX",
     "put PREFIX in front of the page's links instead\n(e.g. https://ci.example.org/reports/)"},
    {"quiet", 'q', NULL, "no summary on stdout"},
    {NULL, 0, NULL, NULL},
};

static const char *const merge_examples[] = {
    "report merge shard-1/results.json shard-2/results.json -o reports/",
    "report merge shards/*/results.json -o reports/ --docs docs/oci-registries.md",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_merge = {
    .name = "report merge",
    .summary = "join CI shards into one results.json, junit.xml, matrix.md (and docs page)",
    .synopsis = "RESULTS.json... -o DIR [--docs FILE] [--link-base PREFIX] [-q]",
    .about = "Joins the results of CI shards (each from 'run --shard I/N', over disjoint sets of\n"
             "registries) into one run: DIR receives results.json, junit.xml and matrix.md.\n"
             "A registry found in two inputs is an error unless both entries are identical;\n"
             "every input must come from the same regcompat version.",
    .opts = merge_opts,
    .examples = merge_examples,
    .exit = "0 the reports were written; 2 bad input (the file is named)",
};

static const struct rc_cli_opt diff_opts[] = {
    {"markdown", 'm', "FILE", "also write the comparison as Markdown"},
    {NULL, 0, NULL, NULL},
};

static const char *const diff_examples[] = {
    "report diff nightly-1/results.json nightly-2/results.json",
    "report diff n1.json n2.json n3.json n4.json --markdown diff.md",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_diff = {
    .name = "report diff",
    .summary = "regressions, fixes, newly supported features, flaky checks",
    .synopsis = "OLD.json NEW.json [MORE.json...] [--markdown FILE]",
    .about = "Compares two runs and prints what changed, one line per change:\n"
             "  regression  a check now fails or errors and did better before (statuses rank\n"
             "              pass > xpass > xfail > unsupported > skip > error > fail)\n"
             "  fix         a failing or erroring check now passes\n"
             "  supported   a feature that was unsupported now passes\n"
             "  changed     any other change of status (better or worse)\n"
             "  new/removed registries and checks (never regressions)\n"
             "Given more than two files (oldest first), the last two are compared and checks\n"
             "whose status flips between consecutive runs more than once are listed as flaky.",
    .opts = diff_opts,
    .examples = diff_examples,
    .exit = "0 no regression; 1 at least one regression; 2 bad input (the file is named)",
};

static const struct rc_cli_opt docs_opts[] = {
    {"output", 'o', "FILE", "the page to write (required; - prints it)"},
    {"link-base", RC_OPT_LINK_BASE, "PREFIX", "put PREFIX in front of the page's links instead"},
    {NULL, 0, NULL, NULL},
};

static const char *const docs_examples[] = {
    "report docs reports/results.json -o docs/reference/oci-registries.md",
    "report docs reports/results.json -o - --link-base https://ci.example.org/r/",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_docs = {
    .name = "report docs",
    .summary = "the documentation page of a run",
    .synopsis = "RESULTS.json -o FILE [--link-base PREFIX]",
    .about = "Writes the page a policy project publishes (Docusaurus frontmatter): per\n"
             "registry the Kubewarden verdict, the policy and signature features, and the\n"
             "known issues behind them. Everything else is in the matrix.md it links to,\n"
             "relative to FILE.",
    .opts = docs_opts,
    .examples = docs_examples,
    .exit = "0 written; 2 bad input",
};

static const struct rc_cli_opt html_opts[] = {
    {"output", 'o', "FILE", "the page to write (required; - prints it)"},
    {NULL, 0, NULL, NULL},
};

static const char *const html_examples[] = {
    "report html reports/results.json -o reports/report.html",
    "report html nights/*/results.json -o history.html",
    NULL,
};

const struct rc_cli_cmd rc_cli_cmd_html = {
    .name = "report html",
    .summary = "one self-contained HTML page: matrix, evidence, history over several runs",
    .synopsis = "RESULTS.json... -o FILE",
    .about = "Writes report.html: one self-contained page (no network access needed, readable\n"
             "without JavaScript) with the matrix of the last results.json, a Kubewarden verdict\n"
             "per registry, the known issues (xfail / xpass), and every cell that is not a plain\n"
             "pass with its checks and the redacted HTTP exchanges. Given several results.json\n"
             "files (oldest first, e.g. one per night) it adds a history per registry: a chart\n"
             "of pass, fail and error counts per run and the changes between the last two runs\n"
             "(as 'report diff' finds them).",
    .opts = html_opts,
    .examples = html_examples,
    .exit = "0 written; 2 bad input (the file is named)",
};

const struct rc_cli_cmd rc_cli_cmd_report = {
    .name = "report",
    .summary = "merge shards, diff runs, render the docs page or the HTML report",
    .synopsis = "merge|diff|docs|html ...",
    .about = "merge   join CI shards into one results.json, junit.xml, matrix.md (and docs page)\n"
             "diff    regressions, fixes, newly supported features, flaky checks; exit 1 on a\n"
             "        regression\n"
             "docs    the documentation page of a run\n"
             "html    one self-contained HTML page: matrix, evidence, history over several runs\n"
             "Run 'regcompat report COMMAND --help' for a command's options and examples.",
};

const struct rc_cli_cmd rc_cli_cmd_version = {
    .name = "version",
    .summary = "print the version and where suites and profiles come from",
    .synopsis = "",
    .about = "Prints the version, the data dir of this installation, and which suites and\n"
             "profiles directories a command run here would use, and why. --version is the\n"
             "same.",
};

const struct rc_cli_cmd rc_cli_cmd_help = {
    .name = "help",
    .summary = "show this help",
    .synopsis = "",
    .about = "regcompat tests whether an OCI registry can store, serve, tag, sign and delete\n"
             "policy artifacts (Kubewarden WebAssembly policies and other OCI artifacts), and\n"
             "where it departs from the OCI Distribution Specification. It runs scenarios\n"
             "written as data (suites) against registries described by profiles, and writes\n"
             "JUnit XML, JSON and a Markdown compatibility matrix. Every verdict other than a\n"
             "pass carries the redacted HTTP exchange that proves it.",
};

const struct rc_cli_cmd *const rc_cli_commands[] = {
    &rc_cli_cmd_run,   &rc_cli_cmd_list,    &rc_cli_cmd_validate,
    &rc_cli_cmd_merge, &rc_cli_cmd_diff,    &rc_cli_cmd_docs,
    &rc_cli_cmd_html,  &rc_cli_cmd_version, NULL,
};

const struct rc_cli_env rc_cli_environment[] = {
    {"REGCOMPAT_SUITES_DIR", "the suites directory when --suites-dir is not given"},
    {"REGCOMPAT_PROFILES_DIR", "the profiles directory when --profiles-dir is not given"},
    {"REGCOMPAT_USERNAME", "the user name for --url registries"},
    {"REGCOMPAT_PASSWORD", "the password or token for --url registries"},
    {"DOCKER_CONFIG", "the folder of docker's config.json (default ~/.docker)"},
    {"NO_COLOR", "when set and not empty: no colour on the terminal (progress stays)"},
    {"TERM", "dumb: no colour"},
    {NULL, NULL},
};
