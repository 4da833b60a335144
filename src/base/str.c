#include "base/base.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/banned.h"

bool rc_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool rc_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

bool rc_str_starts(const char *s, const char *prefix)
{
    return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool rc_str_ends(const char *s, const char *suffix)
{
    if (!s || !suffix)
        return false;
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *rc_str_trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool rc_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool rc_parse_size(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1024},
        {"kib", 1024},
        {"kb", 1024},
        {"m", 1024 * 1024},
        {"mib", 1024 * 1024},
        {"mb", 1024 * 1024},
        {"g", 1024ULL * 1024 * 1024},
        {"gib", 1024ULL * 1024 * 1024},
        {"gb", 1024ULL * 1024 * 1024},
    };
    for (size_t i = 0; i < RC_ARRAY_LEN(units); i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            if (v > UINT64_MAX / units[i].mult)
                return false;
            *out = v * units[i].mult;
            return true;
        }
    }
    return false;
}

bool rc_glob_match(const char *p, const char *s)
{
    const char *star = NULL, *back = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            back = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++back;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

void rc_strv_push_take(struct rc_strv *sv, char *s)
{
    RC_PUSH(sv->v, sv->n, sv->cap, s);
}

void rc_strv_push(struct rc_strv *sv, const char *s)
{
    rc_strv_push_take(sv, rc_xstrdup(s));
}

bool rc_strv_contains(const struct rc_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (rc_str_eq(sv->v[i], s))
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void rc_strv_sort(struct rc_strv *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof(char *), cmp_str);
}

char *rc_strv_join(const struct rc_strv *sv, const char *sep)
{
    struct rc_buf b = RC_BUF_INIT(0);
    rc_buf_add(&b, "", 0);
    for (size_t i = 0; i < sv->n; i++) {
        if (i)
            rc_buf_adds(&b, sep);
        rc_buf_adds(&b, sv->v[i]);
    }
    return rc_buf_steal(&b, NULL);
}

void rc_strv_dispose(struct rc_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

uint64_t rc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void rc_utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rc_utc_date(char out[16])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

void rc_sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

size_t rc_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

#define REPLACEMENT_CHAR "\xEF\xBF\xBD" /* U+FFFD */

enum clean_mode { CLEAN_LINE, CLEAN_LINES, CLEAN_XML };

/* What replaces the character at p (adv bytes, 1 for ASCII), or NULL to keep it. */
static const char *replacement(const unsigned char *p, size_t adv, enum clean_mode mode)
{
    unsigned c = p[0];
    if (c == '\t' || c == '\n' || c == '\r') {
        if (mode == CLEAN_XML)
            return NULL;
        if (mode == CLEAN_LINE)
            return " ";
        return c == '\r' ? REPLACEMENT_CHAR : NULL; /* CR would let a line overwrite itself */
    }
    if (c < 0x20 || (c == 0x7F && mode != CLEAN_XML))
        return REPLACEMENT_CHAR;
    if (c < 0x80)
        return NULL;
    if (!adv)
        return REPLACEMENT_CHAR; /* malformed UTF-8 */
    if (mode != CLEAN_XML && c == 0xC2 && p[1] < 0xA0)
        return REPLACEMENT_CHAR; /* C1 control, U+0080 to U+009F (CSI is U+009B) */
    if (mode == CLEAN_XML && c == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
        return REPLACEMENT_CHAR; /* U+FFFE and U+FFFF are not XML characters */
    return NULL;
}

static void add_clean(struct rc_buf *b, const char *s, enum clean_mode mode)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), run = 0, i = 0;
    while (i < len) {
        size_t adv = p[i] < 0x80 ? 1 : rc_utf8_seq(p + i, len - i);
        const char *rep = replacement(p + i, adv, mode);
        if (!adv)
            adv = 1;
        if (rep) {
            rc_buf_add(b, s + run, i - run);
            rc_buf_adds(b, rep);
            run = i + adv;
        }
        i += adv;
    }
    rc_buf_add(b, s + run, len - run);
}

void rc_buf_add_printable(struct rc_buf *b, const char *s, bool keep_newlines)
{
    add_clean(b, s, keep_newlines ? CLEAN_LINES : CLEAN_LINE);
}

void rc_buf_add_xml_text(struct rc_buf *b, const char *s)
{
    add_clean(b, s, CLEAN_XML);
}

static bool var_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool rc_find_var(const char *s, const char **start, const char **end)
{
    for (const char *p = s; (p = strchr(p, '{')); p++) {
        const char *q = p + 1;
        int dots = 0;
        bool ok = var_char(*q);
        while (ok && *q != '}') {
            if (*q == '.' && var_char(q[1]) && dots++ == 0)
                q++;
            else if (var_char(*q))
                q++;
            else
                ok = false;
        }
        if (ok) {
            *start = p;
            *end = q + 1;
            return true;
        }
    }
    return false;
}
