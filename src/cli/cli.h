/* The command line: argument parsing, the commands table, exit codes (DESIGN 2). */
#ifndef RC_CLI_H
#define RC_CLI_H

#include <stdbool.h>

#include "base/base.h"

enum {
    RC_EXIT_OK = 0,
    RC_EXIT_FAIL = 1,
    RC_EXIT_USAGE = 2,
    RC_EXIT_ERROR = 3,
};

struct rc_cli_common {
    const char *profiles_dir;
    const char *suites_dir;
};

int rc_cmd_run(int argc, char **argv);
int rc_cmd_list(int argc, char **argv);
int rc_cmd_validate(int argc, char **argv);
int rc_cmd_report(int argc, char **argv);

/* Prints problems (one per line) to stderr. */
void rc_cli_print_problems(const struct rc_strv *problems);
bool rc_cli_color(int fd);

#endif
