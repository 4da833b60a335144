/* The option table turned into getopt tables, --help text and the man page; where suites and
 * profiles are found. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

#include "base/banned.h"

#ifndef RC_DATADIR
#define RC_DATADIR "/usr/local/share/regcompat"
#endif

/* ---- getopt ---------------------------------------------------------------------------- */

void rc_cli_getopt_init(struct rc_cli_getopt *out, const struct rc_cli_cmd *cmd)
{
    memset(out, 0, sizeof(*out));
    size_t n = 0, s = 0;
    for (const struct rc_cli_opt *o = cmd->opts; o && o->name && n < RC_CLI_MAX_OPTS; o++) {
        out->longopts[n++] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->code};
        if (o->code < 0x100) {
            out->shortopts[s++] = (char)o->code;
            if (o->arg)
                out->shortopts[s++] = ':';
        }
    }
    out->longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    out->shortopts[s++] = 'h';
    out->shortopts[s] = '\0';
}

/* ---- --help ---------------------------------------------------------------------------- */

#define HELP_COL 26

/* "-r, --registry ID|PATH" or "    --all" */
static void opt_label(struct rc_buf *b, const struct rc_cli_opt *o)
{
    if (o->code < 0x100)
        rc_buf_addf(b, "-%c, ", o->code);
    else
        rc_buf_adds(b, "    ");
    rc_buf_addf(b, "--%s", o->name);
    if (o->arg)
        rc_buf_addf(b, " %s", o->arg);
}

/* s with every line after the first indented by indent */
static void indented(FILE *f, const char *s, int indent)
{
    for (const char *p = s; *p; p++) {
        fputc(*p, f);
        if (*p == '\n' && p[1])
            fprintf(f, "%*s", indent, "");
    }
}

static void synopsis(FILE *f, const struct rc_cli_cmd *cmd)
{
    fprintf(f, "usage: regcompat %s ", cmd->name);
    indented(f, cmd->synopsis, (int)(strlen("usage: regcompat  ") + strlen(cmd->name)));
    fputc('\n', f);
}

void rc_cli_usage_short(FILE *f, const struct rc_cli_cmd *cmd)
{
    synopsis(f, cmd);
    fprintf(f, "run 'regcompat %s --help' for the options and examples\n", cmd->name);
}

void rc_cli_usage(FILE *f, const struct rc_cli_cmd *cmd)
{
    synopsis(f, cmd);
    if (cmd->about) {
        fputs("\n  ", f);
        indented(f, cmd->about, 2);
        fputc('\n', f);
    }
    if (cmd->opts && cmd->opts->name) {
        fputc('\n', f);
        for (const struct rc_cli_opt *o = cmd->opts; o->name; o++) {
            struct rc_buf label = RC_BUF_INIT(0);
            rc_buf_adds(&label, "  ");
            opt_label(&label, o);
            fputs(rc_buf_str(&label), f);
            if (label.len + 2 > HELP_COL)
                fprintf(f, "\n%*s", HELP_COL, "");
            else
                fprintf(f, "%*s", (int)(HELP_COL - label.len), "");
            indented(f, o->help, HELP_COL);
            fputc('\n', f);
            rc_buf_dispose(&label);
        }
    }
    if (cmd->examples && cmd->examples[0]) {
        fputs("\nexamples:\n", f);
        for (const char *const *e = cmd->examples; *e; e++)
            fprintf(f, "  regcompat %s\n", *e);
    }
    if (cmd->exit) {
        fputs("\nexit status: ", f);
        indented(f, cmd->exit, (int)strlen("exit status: "));
        fputc('\n', f);
    }
}

/* ---- the man page ---------------------------------------------------------------------- */

/* Text for roff: backslashes escaped, '-' as a minus (so options copy and paste), a line
 * never starting with '.' or '\''; each '\n' becomes a space unless keep_lines. */
static void roff(FILE *f, const char *s, bool keep_lines)
{
    bool bol = true;
    for (const char *p = s; *p; p++) {
        if (bol && (*p == '.' || *p == '\''))
            fputs("\\&", f);
        bol = false;
        switch (*p) {
        case '\\':
            fputs("\\e", f);
            break;
        case '-':
            fputs("\\-", f);
            break;
        case '\n':
            fputc(keep_lines ? '\n' : ' ', f);
            bol = keep_lines;
            while (!keep_lines && p[1] == ' ')
                p++; /* a continuation line's indent is not text */
            break;
        default:
            fputc(*p, f);
        }
    }
}

static void man_option(FILE *f, const struct rc_cli_opt *o)
{
    fputs(".TP\n", f);
    if (o->code < 0x100)
        fprintf(f, "\\fB\\-%c\\fR, ", o->code);
    fputs("\\fB\\-\\-", f);
    roff(f, o->name, false);
    fputs("\\fR", f);
    if (o->arg) {
        fputs(" \\fI", f);
        roff(f, o->arg, false);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff(f, o->help, false);
    fputc('\n', f);
}

static void man_command(FILE *f, const struct rc_cli_cmd *cmd)
{
    fputs(".SS \"", f);
    roff(f, cmd->name, false);
    fputs("\"\n.nf\n\\fBregcompat ", f);
    roff(f, cmd->name, false);
    fputs("\\fR ", f);
    roff(f, cmd->synopsis, true);
    fputs("\n.fi\n.PP\n", f);
    roff(f, cmd->about ? cmd->about : cmd->summary, false);
    fputc('\n', f);
    for (const struct rc_cli_opt *o = cmd->opts; o && o->name; o++)
        man_option(f, o);
    if (cmd->examples && cmd->examples[0]) {
        fputs(".PP\nExamples:\n.RS\n.nf\n", f);
        for (const char *const *e = cmd->examples; *e; e++) {
            fputs("regcompat ", f);
            roff(f, *e, false);
            fputc('\n', f);
        }
        fputs(".fi\n.RE\n", f);
    }
    if (cmd->exit) {
        fputs(".PP\nExit status: ", f);
        roff(f, cmd->exit, false);
        fputc('\n', f);
    }
}

void rc_cli_man(FILE *f)
{
    fputs(".\\\" generated by regcompat --help-man from its option table; do not edit\n", f);
    fprintf(f, ".TH REGCOMPAT 1 \"\" \"regcompat %s\" \"User Commands\"\n", RC_VERSION);
    fputs(".SH NAME\nregcompat \\- OCI registry compatibility conformance tester\n"
          ".SH SYNOPSIS\n.nf\n",
          f);
    for (const struct rc_cli_cmd *const *c = rc_cli_commands; *c; c++) {
        fputs("\\fBregcompat ", f);
        roff(f, (*c)->name, false);
        fputs("\\fR ", f);
        roff(f, (*c)->synopsis, true);
        fputc('\n', f);
    }
    fputs(".fi\n.SH DESCRIPTION\n", f);
    roff(f, rc_cli_cmd_help.about, false);
    fputs("\n.SH COMMANDS\n", f);
    for (const struct rc_cli_cmd *const *c = rc_cli_commands; *c; c++)
        man_command(f, *c);
    fputs(".SH ENVIRONMENT\n", f);
    for (const struct rc_cli_env *e = rc_cli_environment; e->name; e++) {
        fputs(".TP\n\\fB", f);
        roff(f, e->name, false);
        fputs("\\fR\n", f);
        roff(f, e->help, false);
        fputc('\n', f);
    }
    fputs(".SH FILES\n"
          ".TP\n\\fIPREFIX\\fR/share/regcompat/suites\n"
          "The suites of checks, used when neither \\fB\\-\\-suites\\-dir\\fR, "
          "\\fBREGCOMPAT_SUITES_DIR\\fR nor \\fI./suites\\fR names others. PREFIX is the "
          "directory above the one holding the binary (\\fI/usr\\fR for the Debian package); "
          "without such a directory, the data dir compiled in is used. \\fBregcompat "
          "version\\fR prints the one in use.\n"
          ".TP\n\\fIPREFIX\\fR/share/regcompat/registries.d\n"
          "Example registry profiles (all disabled), used when neither "
          "\\fB\\-\\-profiles\\-dir\\fR, \\fBREGCOMPAT_PROFILES_DIR\\fR nor "
          "\\fI./registries.d\\fR names others.\n",
          f);
    fputs(".SH EXIT STATUS\n", f);
    roff(f, rc_cli_cmd_run.exit, false);
    fputs("\n.SH SEE ALSO\n\\fBregcompat help\\fR, \\fBregcompat COMMAND \\-\\-help\\fR\n", f);
}

/* ---- suites and profiles --------------------------------------------------------------- */

static bool is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <prefix>/share/regcompat for the binary at <prefix>/bin/regcompat (a relocated install),
 * whether it exists or not; NULL when the binary's path is unknown. */
static char *beside_binary(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
    }
    return rc_fmt("%s/share/regcompat", exe);
}

const char *rc_cli_datadir(void)
{
    static char found[PATH_MAX];
    if (found[0])
        return found;
    char *cand = beside_binary();
    snprintf(found, sizeof(found), "%s", cand && is_dir(cand) ? cand : RC_DATADIR);
    free(cand);
    return found;
}

static const struct {
    const char *flag, *env, *leaf, *what;
} lookups[] = {
    [RC_CLI_SUITES] = {"--suites-dir", "REGCOMPAT_SUITES_DIR", "suites", "suites directory"},
    [RC_CLI_PROFILES] = {"--profiles-dir", "REGCOMPAT_PROFILES_DIR", "registries.d",
                         "profiles directory"},
};

void rc_cli_find_dir(struct rc_cli_dir *out, enum rc_cli_data what, const char *flag)
{
    memset(out, 0, sizeof(*out));
    const char *env = getenv(lookups[what].env);
    struct rc_buf tried = RC_BUF_INIT(0);
    rc_buf_add(&tried, "", 0);
    if (flag) {
        out->path = rc_xstrdup(flag);
        out->origin = lookups[what].flag;
    } else if (env && *env) {
        out->path = rc_xstrdup(env);
        out->origin = lookups[what].env;
    } else {
        rc_buf_addf(&tried, "%s not given, $%s not set", lookups[what].flag, lookups[what].env);
        char *cands[2] = {rc_xstrdup(lookups[what].leaf),
                          rc_fmt("%s/%s", rc_cli_datadir(), lookups[what].leaf)};
        const char *origins[2] = {"the working directory", "the data dir"};
        for (size_t i = 0; i < 2 && !out->path; i++) {
            rc_buf_addf(&tried, ", %s%s", i ? "" : "./", cands[i]);
            if (is_dir(cands[i])) {
                out->path = rc_steal(&cands[i]);
                out->origin = origins[i];
            }
        }
        /* name the place beside the binary too when the data dir is the compiled-in one */
        char *rel = beside_binary();
        if (!out->path && rel && !rc_str_eq(rel, rc_cli_datadir()))
            rc_buf_addf(&tried, ", %s/%s", rel, lookups[what].leaf);
        free(rel);
        free(cands[0]);
        free(cands[1]);
    }
    out->tried = rc_buf_steal(&tried, NULL);
}

char *rc_cli_dir_missing(const struct rc_cli_dir *d, enum rc_cli_data what)
{
    return rc_fmt("no %s found (looked at: %s); name one with %s DIR, or set %s",
                  lookups[what].what, d->tried, lookups[what].flag, lookups[what].env);
}

void rc_cli_dir_dispose(struct rc_cli_dir *d)
{
    free(d->path);
    free(d->tried);
    memset(d, 0, sizeof(*d));
}
