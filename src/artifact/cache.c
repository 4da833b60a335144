/* The SHA-256 midstates of deterministic prefixes (the bulk of large synthetic wasm layers),
 * so that the digest of such a layer costs a hash of its short tail only.
 *
 * Two levels: a small table in memory for the process (shared by the per-registry worker
 * threads, so behind a mutex: this and the token cache are the only shared mutable state),
 * and one record file per prefix under $XDG_CACHE_HOME/regcompat (else ~/.cache/regcompat).
 * A record is trusted only when it names the key and length asked for and its check line is
 * the SHA-256 of the lines above it; anything else (a corrupt, truncated, foreign or older
 * record) is ignored, and the caller computes the state again and writes the record anew. A
 * wrong midstate would give a wrong digest, a registry would refuse a correct push, and
 * regcompat would report a false fail: hence the check. Failing to read or write the disk
 * cache is never an error, only slower. */
#include "artifact/artifact.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/banned.h"

#define MEM_SLOTS   8
#define RECORD_MAX  1024
#define RECORD_HEAD "regcompat sha256 midstate 1\n"

struct mem_slot {
    char key[64];
    struct rc_sha256_mid mid;
    bool used;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_slot slots[MEM_SLOTS];
static unsigned next_slot;

char *rc_artifact_cache_dir(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    /* the XDG base directory spec: a relative path is invalid and ignored */
    if (xdg && xdg[0] == '/')
        return rc_fmt("%s/regcompat", xdg);
    const char *home = getenv("HOME");
    if (home && home[0] == '/')
        return rc_fmt("%s/.cache/regcompat", home);
    return NULL;
}

/* mkdir -p, private to the user (0700) for the directories it creates. */
static bool make_dirs(const char *path)
{
    char *p = rc_xstrdup(path);
    bool ok = true;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            ok = false;
        *s = c;
        if (!c || !ok)
            break;
    }
    free(p);
    return ok;
}

static char *record_path(const char *key)
{
    char *dir = rc_artifact_cache_dir();
    if (!dir)
        return NULL;
    char *path = rc_fmt("%s/%s.sha256mid", dir, key);
    free(dir);
    return path;
}

/* The record's text up to and without its check line. */
static void record_body(struct rc_buf *b, const char *key, const struct rc_sha256_mid *mid)
{
    rc_buf_adds(b, RECORD_HEAD);
    rc_buf_addf(b, "key %s\nlength %llu\nstate ", key, (unsigned long long)mid->len);
    for (size_t i = 0; i < RC_ARRAY_LEN(mid->h); i++)
        rc_buf_addf(b, "%08lx", (unsigned long)mid->h[i]);
    rc_buf_addc(b, '\n');
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses a record; true only when every line is exactly as record_body writes it for this
 * key and length and the check line matches. */
static bool record_parse(const char *text, size_t len, const char *key, uint64_t want_len,
                         struct rc_sha256_mid *out)
{
    if (memchr(text, '\0', len))
        return false;
    const char *chk = strstr(text, "check sha256:");
    if (!chk || (chk != text && chk[-1] != '\n'))
        return false;
    size_t body_len = (size_t)(chk - text);
    char want[RC_DIGEST_MAX];
    rc_digest_bytes(RC_DIGEST_SHA256, text, body_len, want);
    char line[RC_DIGEST_MAX + 16];
    snprintf(line, sizeof(line), "check %s\n", want);
    if (strlen(chk) != strlen(line) || strcmp(chk, line) != 0)
        return false;
    /* the check holds: now the body must say what was asked for */
    struct rc_sha256_mid mid = {{0}, want_len};
    const char *state = NULL;
    struct rc_buf expect = RC_BUF_INIT(0);
    rc_buf_adds(&expect, RECORD_HEAD);
    rc_buf_addf(&expect, "key %s\nlength %llu\nstate ", key, (unsigned long long)want_len);
    bool ok = body_len == expect.len + 64 + 1 && memcmp(text, expect.data, expect.len) == 0 &&
              text[body_len - 1] == '\n';
    if (ok)
        state = text + expect.len;
    rc_buf_dispose(&expect);
    if (!ok)
        return false;
    for (size_t i = 0; i < 8; i++) {
        uint32_t v = 0;
        for (size_t k = 0; k < 8; k++) {
            int d = hexval(state[i * 8 + k]);
            if (d < 0)
                return false;
            v = v << 4 | (uint32_t)d;
        }
        mid.h[i] = v;
    }
    *out = mid;
    return true;
}

static bool disk_get(const char *key, uint64_t len, struct rc_sha256_mid *out)
{
    char *path = record_path(key);
    if (!path)
        return false;
    struct rc_buf b = RC_BUF_INIT(RECORD_MAX);
    struct rc_error *err = NULL;
    bool ok =
        rc_buf_read_file(&b, path, &err) == 0 && record_parse(rc_buf_str(&b), b.len, key, len, out);
    rc_error_free(err);
    rc_buf_dispose(&b);
    free(path);
    return ok;
}

static void disk_put(const char *key, const struct rc_sha256_mid *mid)
{
    char *path = record_path(key);
    if (!path)
        return;
    char *dir = rc_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    if (make_dirs(dir)) {
        struct rc_buf b = RC_BUF_INIT(0);
        record_body(&b, key, mid);
        char check[RC_DIGEST_MAX];
        rc_digest_bytes(RC_DIGEST_SHA256, b.data, b.len, check);
        rc_buf_addf(&b, "check %s\n", check);
        struct rc_error *err = NULL;
        if (rc_write_file(path, b.data, b.len, &err) < 0)
            rc_log(RC_LOG_DEBUG, "digest cache: %s", rc_error_msg(err));
        rc_error_free(err);
        rc_buf_dispose(&b);
    }
    free(dir);
    free(path);
}

bool rc_artifact_mid_get(const char *key, uint64_t len, struct rc_sha256_mid *out)
{
    if (strlen(key) >= sizeof(slots[0].key))
        return false;
    pthread_mutex_lock(&cache_lock);
    bool found = false;
    for (size_t i = 0; i < MEM_SLOTS && !found; i++) {
        if (slots[i].used && strcmp(slots[i].key, key) == 0 && slots[i].mid.len == len) {
            *out = slots[i].mid;
            found = true;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    if (found)
        return true;
    if (!disk_get(key, len, out))
        return false;
    pthread_mutex_lock(&cache_lock);
    struct mem_slot *s = &slots[next_slot++ % MEM_SLOTS];
    snprintf(s->key, sizeof(s->key), "%s", key);
    s->mid = *out;
    s->used = true;
    pthread_mutex_unlock(&cache_lock);
    return true;
}

void rc_artifact_mid_put(const char *key, const struct rc_sha256_mid *mid)
{
    if (strlen(key) >= sizeof(slots[0].key))
        return;
    pthread_mutex_lock(&cache_lock);
    struct mem_slot *s = &slots[next_slot++ % MEM_SLOTS];
    snprintf(s->key, sizeof(s->key), "%s", key);
    s->mid = *mid;
    s->used = true;
    /* under the lock, so that two threads of this process never write the same file */
    disk_put(key, mid);
    pthread_mutex_unlock(&cache_lock);
}

void rc_artifact_mid_forget(void)
{
    pthread_mutex_lock(&cache_lock);
    memset(slots, 0, sizeof(slots));
    next_slot = 0;
    pthread_mutex_unlock(&cache_lock);
}
