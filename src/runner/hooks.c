/* Profile hooks: shell commands run before and after a registry's checks, e.g. to create
 * the repositories a registry needs to exist before a push (ECR) and to delete them after.
 * They get REGCOMPAT_* variables, a timeout, and their output goes to the run log. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/internal.h"

#include "base/banned.h"

#define HOOK_TIMEOUT_MS (300u * 1000u)
#define HOOK_OUTPUT_MAX 4096

extern char **environ;

/* The hook's environment, built before fork (the child of a threaded process may only call
 * async-signal-safe functions): ours plus the REGCOMPAT_* variables. */
static char **hook_env(struct worker *w, const char *which, const char *repos)
{
    const char *const vars[][2] = {
        {"REGCOMPAT_PROFILE", w->profile->id},
        {"REGCOMPAT_URL", w->profile->url},
        {"REGCOMPAT_REGISTRY", w->host},
        {"REGCOMPAT_NAMESPACE", w->profile->namespace},
        {"REGCOMPAT_RUN_ID", w->run_id},
        {"REGCOMPAT_REPOSITORIES", repos},
        {"REGCOMPAT_HOOK", which},
    };
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = rc_xcalloc(n + RC_ARRAY_LEN(vars) + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!rc_str_starts(environ[i], "REGCOMPAT_"))
            env[k++] = rc_xstrdup(environ[i]);
    for (size_t i = 0; i < RC_ARRAY_LEN(vars); i++)
        env[k++] = rc_fmt("%s=%s", vars[i][0], vars[i][1] ? vars[i][1] : "");
    return env;
}

static void free_env(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

int run_hook(struct worker *w, const char *which, const char *cmd, const char *repos,
             struct rc_error **err)
{
    char path[] = "/tmp/regcompat-hook-XXXXXX";
    int out = mkstemp(path);
    if (out < 0)
        return rc_error_set(err, RC_EIO, "%s hook: temporary file: %s", which, strerror(errno));
    unlink(path);
    char **env = hook_env(w, which, repos);
    char *const argv[] = {(char *)"sh", (char *)"-c", (char *)cmd, NULL};
    pid_t pid = fork();
    if (pid < 0) {
        free_env(env);
        close(out);
        return rc_error_set(err, RC_ERR, "%s hook: fork: %s", which, strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
        close(out);
        execve("/bin/sh", argv, env);
        _exit(127);
    }
    free_env(env);
    int status = 0;
    uint64_t start = rc_now_ms();
    bool timed_out = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        if (rc_now_ms() - start > HOOK_TIMEOUT_MS) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            timed_out = true;
            break;
        }
        rc_sleep_ms(20);
    }
    char buf[HOOK_OUTPUT_MAX + 1];
    ssize_t n = pread(out, buf, HOOK_OUTPUT_MAX, 0);
    close(out);
    buf[n > 0 ? n : 0] = '\0';
    if (n > 0)
        rc_log(RC_LOG_INFO, "[%s] %s hook output:\n%s", w->profile->id, which, buf);
    if (timed_out)
        return rc_error_set(err, RC_ETIMEOUT, "%s hook timed out after %u s", which,
                            HOOK_TIMEOUT_MS / 1000);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return rc_error_set(err, RC_ERR, "%s hook failed (%s %d)", which,
                            WIFEXITED(status) ? "exit status" : "signal",
                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    rc_log(RC_LOG_INFO, "[%s] %s hook done", w->profile->id, which);
    return 0;
}
