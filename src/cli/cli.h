/* The command line: argument parsing, the commands table, exit codes (DESIGN 2). */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/base.h"

enum {
    RC_EXIT_OK = 0,
    RC_EXIT_FAIL = 1,
    RC_EXIT_USAGE = 2,
    RC_EXIT_ERROR = 3,
};

/* ---- the option table -----------------------------------------------------------------
 * Every command describes itself once, in commands.c: its synopsis, what it does, its
 * options and examples. `--help`, `regcompat help`, getopt's tables and the man page
 * (`regcompat --help-man`, installed as regcompat.1) are all generated from it. */

/* Codes of long options without a short letter. */
enum rc_cli_optcode {
    RC_OPT_ALL = 0x100,
    RC_OPT_URL,
    RC_OPT_INSECURE,
    RC_OPT_CA,
    RC_OPT_ONLY,
    RC_OPT_SKIP,
    RC_OPT_SHARD,
    RC_OPT_PROFILES_DIR,
    RC_OPT_SUITES_DIR,
    RC_OPT_TIMEOUT,
    RC_OPT_KEEP,
    RC_OPT_STRICT,
    RC_OPT_DOCS,
    RC_OPT_HTML,
    RC_OPT_LINK_BASE,
    RC_OPT_REQUIRE_CREDENTIALS,
};

struct rc_cli_opt {
    const char *name; /* long name, without "--" */
    int code;         /* the short letter, or an rc_cli_optcode */
    const char *arg;  /* the argument's name ("DIR"), NULL for a flag */
    const char *help; /* '\n' starts a continuation line */
};

struct rc_cli_cmd {
    const char *name;              /* "run", "report merge" */
    const char *summary;           /* one line, for the command list */
    const char *synopsis;          /* what follows "regcompat <name> "; '\n' starts another line */
    const char *about;             /* paragraphs, '\n'-separated lines, or NULL */
    const struct rc_cli_opt *opts; /* ends with {NULL}; NULL for none */
    const char *const *examples;   /* ends with NULL; NULL for none */
    const char *exit;              /* the exit statuses, or NULL */
};

extern const struct rc_cli_cmd rc_cli_cmd_run, rc_cli_cmd_list, rc_cli_cmd_validate,
    rc_cli_cmd_report, rc_cli_cmd_merge, rc_cli_cmd_diff, rc_cli_cmd_docs, rc_cli_cmd_html,
    rc_cli_cmd_version, rc_cli_cmd_help;
/* Every command in the order the help and the man page show them, NULL-terminated. */
extern const struct rc_cli_cmd *const rc_cli_commands[];

/* An environment variable regcompat reads, for the help and the man page. */
struct rc_cli_env {
    const char *name;
    const char *help;
};
extern const struct rc_cli_env rc_cli_environment[]; /* ends with {NULL} */

/* getopt_long's tables from a command's options (plus -h/--help, always). longopts needs
 * room for every option plus two; shortopts for three bytes per option plus three. */
#define RC_CLI_MAX_OPTS 32
struct rc_cli_getopt {
    struct option longopts[RC_CLI_MAX_OPTS + 2];
    char shortopts[3 * RC_CLI_MAX_OPTS + 3];
};
void rc_cli_getopt_init(struct rc_cli_getopt *out, const struct rc_cli_cmd *cmd);
/* The command's help: usage, about, options, examples, exit statuses. */
void rc_cli_usage(FILE *f, const struct rc_cli_cmd *cmd);
/* "usage: ..." lines only (after a usage error). */
void rc_cli_usage_short(FILE *f, const struct rc_cli_cmd *cmd);
/* The man page regcompat(1), in roff. */
void rc_cli_man(FILE *f);

/* ---- where suites and profiles come from -----------------------------------------------
 * Looked up in this order: the flag (--suites-dir / --profiles-dir), the environment
 * (REGCOMPAT_SUITES_DIR / REGCOMPAT_PROFILES_DIR), the folder in the working directory
 * (./suites, ./registries.d) when it exists, then the data dir of the installation. */
enum rc_cli_data {
    RC_CLI_SUITES,
    RC_CLI_PROFILES,
};
struct rc_cli_dir {
    char *path;         /* NULL when none was found */
    const char *origin; /* "--suites-dir", "REGCOMPAT_SUITES_DIR", "the working directory",
                           "the data dir" */
    char *tried;        /* what was looked at, for the error message */
};
/* flag: the option's value or NULL. Never fails: path stays NULL when nothing exists. */
void rc_cli_find_dir(struct rc_cli_dir *out, enum rc_cli_data what, const char *flag);
void rc_cli_dir_dispose(struct rc_cli_dir *d);
/* "no suites directory found (looked at ...); name one with --suites-dir DIR" */
char *rc_cli_dir_missing(const struct rc_cli_dir *d, enum rc_cli_data what);
/* The data dir of this installation: <prefix>/share/regcompat beside the binary when it
 * exists, else the one compiled in (RC_DATADIR). */
const char *rc_cli_datadir(void);

/* ---- shared helpers --------------------------------------------------------------------- */

int rc_cmd_run(int argc, char **argv);
int rc_cmd_list(int argc, char **argv);
int rc_cmd_validate(int argc, char **argv);
int rc_cmd_report(int argc, char **argv);

/* Prints problems (one per line) to stderr. */
void rc_cli_print_problems(const struct rc_strv *problems);
/* Colour on fd: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool rc_cli_color(int fd);

#endif
