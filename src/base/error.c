#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/banned.h"

int rc_error_set(struct rc_error **err, int code, const char *fmt, ...)
{
    if (!err || *err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    struct rc_error *e = rc_xcalloc(1, sizeof(*e));
    e->code = code;
    e->msg = rc_vfmt(fmt, ap);
    va_end(ap);
    *err = e;
    return code;
}

int rc_error_prefix(struct rc_error **err, const char *fmt, ...)
{
    if (!err || !*err)
        return RC_ERR;
    va_list ap;
    va_start(ap, fmt);
    char *prefix = rc_vfmt(fmt, ap);
    va_end(ap);
    char *msg = rc_fmt("%s: %s", prefix, (*err)->msg);
    free(prefix);
    free((*err)->msg);
    (*err)->msg = msg;
    return (*err)->code;
}

const char *rc_error_msg(const struct rc_error *e)
{
    return e && e->msg ? e->msg : "unknown error";
}

const char *rc_errcode_name(int code)
{
    static const char *const names[] = {
        "ok",        "error",       "invalid input",  "i/o error",   "network error",
        "timeout",   "tls error",   "limit exceeded", "parse error", "authentication error",
        "not found", "interrupted", "protocol error",
    };
    size_t i = (size_t)(code < 0 ? -code : code);
    return i < RC_ARRAY_LEN(names) ? names[i] : "error";
}

void rc_error_free(struct rc_error *e)
{
    if (!e)
        return;
    free(e->msg);
    free(e);
}

void rc_error_freep(struct rc_error **e)
{
    rc_error_free(*e);
    *e = NULL;
}
