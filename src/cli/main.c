#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "cli/cli.h"

#include "base/banned.h"

static int cmd_version(int argc, char **argv)
{
    RC_UNUSED(argc);
    RC_UNUSED(argv);
    printf("regcompat %s\n", RC_VERSION);
    return RC_EXIT_OK;
}

static int cmd_help(int argc, char **argv);

static const struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"run", rc_cmd_run, "run the checks against registries and write reports"},
    {"list", rc_cmd_list, "list profiles | suites | checks | features | operations"},
    {"validate", rc_cmd_validate, "load every profile and suite and report every problem"},
    {"report", rc_cmd_report, "merge shards, diff runs, render the docs page from results.json"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "show this help"},
};

static int cmd_help(int argc, char **argv)
{
    RC_UNUSED(argc);
    RC_UNUSED(argv);
    printf("regcompat %s: OCI registry compatibility conformance tester\n\n"
           "usage: regcompat COMMAND [OPTIONS]\n\ncommands:\n",
           RC_VERSION);
    for (size_t i = 0; i < RC_ARRAY_LEN(commands); i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].usage);
    printf("\nexamples:\n"
           "  regcompat run --all                         every enabled profile in registries.d/\n"
           "  regcompat run -r harbor -s policy -o out/   one registry, one suite\n"
           "  regcompat run --url http://127.0.0.1:5000 --only 'policy.*'\n"
           "  regcompat list checks\n"
           "  regcompat validate registries.d/my-registry.yaml\n"
           "\nexit codes: 0 no fail or error, 1 a check failed, 2 usage or profile/suite error\n"
           "            or a report not written, 3 a check could not be tested (error) or the\n"
           "            run was interrupted, and none failed\n"
           "run 'regcompat COMMAND --help' for a command's options.\n");
    return RC_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2 || rc_str_eq(argv[1], "-h") || rc_str_eq(argv[1], "--help")) {
        cmd_help(0, NULL);
        return argc < 2 ? RC_EXIT_USAGE : RC_EXIT_OK;
    }
    if (rc_str_eq(argv[1], "--version"))
        return cmd_version(0, NULL);
    for (size_t i = 0; i < RC_ARRAY_LEN(commands); i++)
        if (rc_str_eq(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "regcompat: unknown command '%s' (see 'regcompat help')\n", argv[1]);
    return RC_EXIT_USAGE;
}
