#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static enum rc_log_level log_level = RC_LOG_INFO;

int rc_log_open(const char *path, enum rc_log_level level, struct rc_error **err)
{
    /* written as it goes (progress can be followed in it), so not through a temporary file:
     * whatever is at path (a planted symlink or hard link) is removed, never written through,
     * and the file is created new (O_EXCL), which also refuses a symlink planted meanwhile */
    if (unlink(path) < 0 && errno != ENOENT)
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        return rc_error_set(err, RC_EIO, "%s: %s", path, strerror(e));
    }
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = f;
    log_level = level;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void rc_log_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    pthread_mutex_unlock(&log_lock);
}

bool rc_log_enabled(enum rc_log_level level)
{
    return log_file && level <= log_level;
}

void rc_log(enum rc_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug", "trace"};
    if (!rc_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *raw = rc_vfmt(fmt, ap);
    va_end(ap);
    char *redacted = rc_redact_text(raw);
    free(raw);
    /* registry answers end up in log lines: no escape sequence reaches a terminal that
     * shows the log */
    struct rc_buf line = RC_BUF_INIT(0);
    rc_buf_add(&line, "", 0);
    rc_buf_add_printable(&line, redacted, true);
    free(redacted);
    char ts[32];
    rc_utc_now(ts);
    pthread_mutex_lock(&log_lock);
    if (log_file) {
        fprintf(log_file, "%s %-5s %s\n", ts, names[level], rc_buf_str(&line));
        fflush(log_file);
    }
    pthread_mutex_unlock(&log_lock);
    rc_buf_dispose(&line);
}
