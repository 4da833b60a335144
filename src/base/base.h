/* base: errors, capped buffers, strings, vectors, logging and redaction.
 * Every other module builds on these. Allocation failure aborts (rc_x* helpers): the caps that
 * matter are the ones on buffers, which refuse to grow past their limit. */
#ifndef RC_BASE_H
#define RC_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RC_CLEANUP(fn)  __attribute__((cleanup(fn)))
#define RC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RC_UNUSED(x)    ((void)(x))

/* ---- errors ---------------------------------------------------------------------------- */

enum rc_errcode {
    RC_OK = 0,
    RC_ERR = -1,      /* generic failure */
    RC_EINVAL = -2,   /* bad argument or input (file:line errors from loaders) */
    RC_EIO = -3,      /* file system */
    RC_ENET = -4,     /* connection refused, reset, DNS */
    RC_ETIMEOUT = -5, /* a request or an operation ran out of time */
    RC_ETLS = -6,     /* TLS handshake or verification */
    RC_ELIMIT = -7,   /* a capped buffer or a count limit was reached */
    RC_EPARSE = -8,   /* malformed JSON/YAML/HTTP from a peer */
    RC_EAUTH = -9,    /* credentials missing or refused */
    RC_ENOTFOUND = -10,
    RC_EINTR = -11,  /* interrupted by a signal */
    RC_EPROTO = -12, /* the peer broke the protocol (garbage, unexpected answer) */
};

struct rc_error {
    int code;
    char *msg;
};

/* Sets *err (when err is not NULL and *err is still empty) and returns code. */
int rc_error_set(struct rc_error **err, int code, const char *fmt, ...) RC_PRINTF(3, 4);
/* Adds context in front of an existing message ("loading x: <old>"); returns its code. */
int rc_error_prefix(struct rc_error **err, const char *fmt, ...) RC_PRINTF(2, 3);
const char *rc_error_msg(const struct rc_error *e);
const char *rc_errcode_name(int code);
void rc_error_free(struct rc_error *e);
void rc_error_freep(struct rc_error **e);
#define rc_auto_error RC_CLEANUP(rc_error_freep)

/* ---- memory ---------------------------------------------------------------------------- */

void *rc_xmalloc(size_t n);
void *rc_xcalloc(size_t n, size_t size);
void *rc_xrealloc(void *p, size_t n);
char *rc_xstrdup(const char *s); /* NULL in, NULL out */
char *rc_xstrndup(const char *s, size_t n);
char *rc_fmt(const char *fmt, ...) RC_PRINTF(1, 2);
char *rc_vfmt(const char *fmt, va_list ap) RC_PRINTF(1, 0);
/* Grows *p (an array of elsize items with capacity *cap) to hold at least need items. */
void rc_grow(void *p, size_t *cap, size_t need, size_t elsize);
#define RC_PUSH(arr, n, cap, item)                                                                 \
    do {                                                                                           \
        rc_grow(&(arr), &(cap), (n) + 1, sizeof(*(arr)));                                          \
        (arr)[(n)++] = (item);                                                                     \
    } while (0)

void rc_freep(void *pp); /* frees *(void **)pp */
#define rc_autofree RC_CLEANUP(rc_freep)
static inline void *rc_steal_ptr(void *pp)
{
    void **p = (void **)pp;
    void *v = *p;
    *p = NULL;
    return v;
}
#define rc_steal(pp) rc_steal_ptr(pp)

/* ---- capped buffers -------------------------------------------------------------------- */

/* A growable byte buffer that refuses to grow past max (0 = no cap). data is always
 * NUL-terminated once anything was added; len excludes the terminator. */
struct rc_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};
#define RC_BUF_INIT(maxbytes)                                                                      \
    {                                                                                              \
        NULL, 0, 0, (maxbytes)                                                                     \
    }
#define RC_MIB ((size_t)1024 * 1024)

void rc_buf_init(struct rc_buf *b, size_t max);
int rc_buf_add(struct rc_buf *b, const void *p, size_t n); /* RC_ELIMIT past max */
int rc_buf_adds(struct rc_buf *b, const char *s);
int rc_buf_addc(struct rc_buf *b, char c);
int rc_buf_addf(struct rc_buf *b, const char *fmt, ...) RC_PRINTF(2, 3);
int rc_buf_vaddf(struct rc_buf *b, const char *fmt, va_list ap) RC_PRINTF(2, 0);
const char *rc_buf_str(const struct rc_buf *b); /* "" when empty */
void rc_buf_reset(struct rc_buf *b);
char *rc_buf_steal(struct rc_buf *b, size_t *len_out); /* caller frees; never NULL */
void rc_buf_dispose(struct rc_buf *b);
#define rc_auto_buf RC_CLEANUP(rc_buf_dispose)
int rc_buf_read_file(struct rc_buf *b, const char *path, struct rc_error **err);
int rc_write_file(const char *path, const void *data, size_t len, struct rc_error **err);

/* ---- strings and vectors --------------------------------------------------------------- */

bool rc_str_eq(const char *a, const char *b);  /* NULL-safe */
bool rc_str_ieq(const char *a, const char *b); /* ASCII case-insensitive, NULL-safe */
bool rc_str_starts(const char *s, const char *prefix);
bool rc_str_ends(const char *s, const char *suffix);
char *rc_str_trim(char *s); /* in place; returns s advanced past leading space */
/* Parses a decimal integer; the whole string must be consumed. */
bool rc_parse_i64(const char *s, int64_t *out);
/* Parses sizes like "4096", "64k", "9MiB", "1 GiB" (k/KiB = 1024). */
bool rc_parse_size(const char *s, uint64_t *out);
/* Length of the well-formed UTF-8 sequence at p (1 to 4, n bytes available), or 0 when it
 * is not one: overlong forms, surrogates and code points past U+10FFFF are refused. */
size_t rc_utf8_seq(const unsigned char *p, size_t n);
/* Appends s (NULL appends nothing) made safe for a terminal or a log file: C0 and C1 control
 * characters (ESC, BEL, CSI, ...), DEL, CR and malformed UTF-8 become U+FFFD, so text from a
 * registry can move no cursor, retitle no window and clear no screen. Tab and newline stay
 * when keep_newlines, else they (and CR) become a space. */
void rc_buf_add_printable(struct rc_buf *b, const char *s, bool keep_newlines);
/* The same scan for XML 1.0 content: tab, LF and CR stay; other C0 controls, U+FFFE/U+FFFF
 * and malformed UTF-8 become U+FFFD. */
void rc_buf_add_xml_text(struct rc_buf *b, const char *s);
/* Finds the next "{name}" or "{name.field}" in s (name and field of [A-Za-z0-9_-]+) and
 * sets *start / *end (end points past the '}'); other braces, as in JSON text, are left
 * alone. Returns false when there is none. */
bool rc_find_var(const char *s, const char **start, const char **end);
/* Shell-style glob with * and ? only. */
bool rc_glob_match(const char *pattern, const char *s);

struct rc_strv {
    char **v;
    size_t n;
    size_t cap;
};
void rc_strv_push(struct rc_strv *sv, const char *s); /* copies s */
void rc_strv_push_take(struct rc_strv *sv, char *s);  /* takes ownership */
bool rc_strv_contains(const struct rc_strv *sv, const char *s);
void rc_strv_sort(struct rc_strv *sv);
char *rc_strv_join(const struct rc_strv *sv, const char *sep);
void rc_strv_dispose(struct rc_strv *sv);

/* ---- time ------------------------------------------------------------------------------ */

uint64_t rc_now_ms(void);       /* monotonic */
void rc_utc_now(char out[32]);  /* "2026-11-28T03:25:10Z" */
void rc_utc_date(char out[16]); /* "2026-11-28" */
void rc_sleep_ms(uint64_t ms);

/* ---- redaction ------------------------------------------------------------------------- */

/* Registers a secret value (password, token) so that every redaction pass replaces it.
 * Process-wide and locked: secrets are learnt in worker threads and redacted everywhere. */
void rc_redact_add_secret(const char *secret);
void rc_redact_clear_secrets(void);
/* Returns a new string with every registered secret replaced by "***", and, in any URL
 * or query written in the text, passwords and signature-like parameter values as
 * rc_redact_url does. */
char *rc_redact_text(const char *in);
/* Returns a new URL with any password in the user info and the values of signature-like
 * query parameters (X-Amz-Signature, sig, token, ...) replaced by "***". */
char *rc_redact_url(const char *url);
/* A token endpoint's answer (JSON) as evidence: the string values of "token",
 * "access_token", "refresh_token" and "id_token" become "***", whatever their order or
 * spacing and also when the body is cut short; each value is registered as a secret first.
 * Returns a new NUL-terminated string; *out_len (may be NULL) gets its length. */
char *rc_redact_token_answer(const char *body, size_t len, size_t *out_len);
/* Returns the value to show for a header: credentials become "<scheme> ***". */
char *rc_redact_header(const char *name, const char *value);
bool rc_header_is_sensitive(const char *name);

/* ---- logging --------------------------------------------------------------------------- */

enum rc_log_level { RC_LOG_ERROR, RC_LOG_WARN, RC_LOG_INFO, RC_LOG_DEBUG, RC_LOG_TRACE };

/* The run log: a file the CLI opens; library code logs through here and never prints.
 * Every line goes through rc_redact_text. Without a sink, logging is a no-op. */
int rc_log_open(const char *path, enum rc_log_level level, struct rc_error **err);
void rc_log_close(void);
bool rc_log_enabled(enum rc_log_level level);
void rc_log(enum rc_log_level level, const char *fmt, ...) RC_PRINTF(2, 3);

#endif
