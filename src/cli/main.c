#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cli/cli.h"

#include "base/banned.h"

/* "suites: /usr/share/regcompat/suites (the data dir)" */
static void show_dir(const char *label, enum rc_cli_data what)
{
    struct rc_cli_dir d;
    rc_cli_find_dir(&d, what, NULL);
    if (d.path) {
        bool rel = d.path[0] != '/' && !rc_str_starts(d.path, "./");
        printf("%-9s %s%s (%s)\n", label, rel ? "./" : "", d.path, d.origin);
    } else {
        char *why = rc_cli_dir_missing(&d, what);
        printf("%-9s none: %s\n", label, why);
        free(why);
    }
    rc_cli_dir_dispose(&d);
}

static int cmd_version(int argc, char **argv)
{
    RC_UNUSED(argv);
    if (argc > 1) {
        rc_cli_usage_short(stderr, &rc_cli_cmd_version);
        return RC_EXIT_USAGE;
    }
    printf("regcompat %s\n", RC_VERSION);
    show_dir("suites:", RC_CLI_SUITES);
    show_dir("profiles:", RC_CLI_PROFILES);
    printf("%-9s %s\n", "data dir:", rc_cli_datadir());
    return RC_EXIT_OK;
}

static int cmd_help(int argc, char **argv);

static const struct command {
    const struct rc_cli_cmd *cmd;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {&rc_cli_cmd_run, rc_cmd_run},           {&rc_cli_cmd_list, rc_cmd_list},
    {&rc_cli_cmd_validate, rc_cmd_validate}, {&rc_cli_cmd_report, rc_cmd_report},
    {&rc_cli_cmd_version, cmd_version},      {&rc_cli_cmd_help, cmd_help},
};

static int cmd_help(int argc, char **argv)
{
    /* regcompat help COMMAND = regcompat COMMAND --help */
    for (size_t i = 0; argc > 1 && i < RC_ARRAY_LEN(commands); i++)
        if (rc_str_eq(argv[1], commands[i].cmd->name) && commands[i].fn != cmd_help) {
            char *args[] = {argv[1], (char *)"--help", NULL};
            return commands[i].fn(2, args);
        }
    printf("regcompat %s: OCI registry compatibility conformance tester\n\n"
           "usage: regcompat COMMAND [OPTIONS]\n\ncommands:\n",
           RC_VERSION);
    for (size_t i = 0; i < RC_ARRAY_LEN(commands); i++)
        printf("  %-10s %s\n", commands[i].cmd->name, commands[i].cmd->summary);
    printf("\nexamples:\n"
           "  regcompat run --url http://127.0.0.1:5000      one registry, no profile file\n"
           "  regcompat run --all                            every enabled profile\n"
           "  regcompat run -r harbor -s policy -o out/      one registry, one suite\n"
           "  regcompat list checks -s policy\n"
           "  regcompat validate registries.d/my-registry.yaml\n"
           "\nenvironment:\n");
    for (const struct rc_cli_env *e = rc_cli_environment; e->name; e++)
        printf("  %-23s %s\n", e->name, e->help);
    printf("\nexit status: ");
    for (const char *p = rc_cli_cmd_run.exit; *p; p++) {
        putchar(*p);
        if (*p == '\n')
            fputs("             ", stdout);
    }
    printf("\n\nrun 'regcompat COMMAND --help' for a command's options; 'man regcompat' has "
           "them all.\n");
    return RC_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || rc_str_eq(argv[1], "-h") || rc_str_eq(argv[1], "--help")) {
        cmd_help(0, NULL);
        return argc < 2 ? RC_EXIT_USAGE : RC_EXIT_OK;
    }
    if (rc_str_eq(argv[1], "--version"))
        return cmd_version(argc - 1, argv + 1);
    /* hidden: the man page, generated from the same tables as --help (the build installs it) */
    if (rc_str_eq(argv[1], "--help-man")) {
        rc_cli_man(stdout);
        return fflush(stdout) == 0 ? RC_EXIT_OK : RC_EXIT_USAGE;
    }
    for (size_t i = 0; i < RC_ARRAY_LEN(commands); i++)
        if (rc_str_eq(argv[1], commands[i].cmd->name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "regcompat: unknown command '%s' (see 'regcompat help')\n", argv[1]);
    return RC_EXIT_USAGE;
}
