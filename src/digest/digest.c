/* SHA256_CTX (deprecated in OpenSSL 3, still shipped) is the one OpenSSL interface whose
 * state can be read and set: resumable hashers need it and nothing else uses it. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "digest/digest.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/banned.h"

struct rc_hasher {
    EVP_MD_CTX *ctx; /* every hasher but the resumable ones */
    SHA256_CTX *raw; /* resumable sha256 */
    enum rc_digest_alg alg;
};

static const EVP_MD *md_of(enum rc_digest_alg alg)
{
    return alg == RC_DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
}

const char *rc_digest_alg_name(enum rc_digest_alg alg)
{
    return alg == RC_DIGEST_SHA512 ? "sha512" : "sha256";
}

struct rc_hasher *rc_hasher_new(enum rc_digest_alg alg)
{
    struct rc_hasher *h = rc_xcalloc(1, sizeof(*h));
    h->alg = alg;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, md_of(alg), NULL) != 1)
        abort();
    return h;
}

/* The one place that reads and writes OpenSSL's SHA-256 state. SHA256_CTX (openssl/sha.h):
 * h[8] the chaining value, Nl/Nh the message length in bits (low and high 32 bits), data and
 * num the partial block. Between whole blocks num is 0 and data is unused, so h plus the
 * length is the whole state. SHA256_Update runs the same assembly block function as the EVP
 * interface (with the CPU's SHA extensions where present). */
struct rc_hasher *rc_hasher_new_resumable(const struct rc_sha256_mid *from)
{
    struct rc_hasher *h = rc_xcalloc(1, sizeof(*h));
    h->alg = RC_DIGEST_SHA256;
    h->raw = rc_xcalloc(1, sizeof(*h->raw));
    if (SHA256_Init(h->raw) != 1)
        abort();
    if (from) {
        memcpy(h->raw->h, from->h, sizeof(from->h));
        h->raw->Nl = (SHA_LONG)(from->len << 3);
        h->raw->Nh = (SHA_LONG)(from->len >> 29);
    }
    return h;
}

bool rc_hasher_save(const struct rc_hasher *h, struct rc_sha256_mid *out)
{
    if (!h->raw || h->raw->num != 0)
        return false;
    uint64_t bits = (uint64_t)h->raw->Nh << 32 | h->raw->Nl;
    if (bits % 512)
        return false;
    memcpy(out->h, h->raw->h, sizeof(out->h));
    out->len = bits >> 3;
    return true;
}

void rc_hasher_update(struct rc_hasher *h, const void *data, size_t len)
{
    if (!len)
        return;
    if (h->raw)
        SHA256_Update(h->raw, data, len);
    else
        EVP_DigestUpdate(h->ctx, data, len);
}

void rc_hasher_final(struct rc_hasher *h, char out[RC_DIGEST_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (h->raw) {
        SHA256_Final(md, h->raw);
        n = SHA256_DIGEST_LENGTH;
    } else {
        EVP_DigestFinal_ex(h->ctx, md, &n);
    }
    static const char hex[] = "0123456789abcdef";
    size_t off = (size_t)snprintf(out, RC_DIGEST_MAX, "%s:", rc_digest_alg_name(h->alg));
    for (unsigned int i = 0; i < n; i++) {
        out[off++] = hex[md[i] >> 4];
        out[off++] = hex[md[i] & 15];
    }
    out[off] = '\0';
    rc_hasher_reset(h);
}

void rc_hasher_reset(struct rc_hasher *h)
{
    if (h->raw)
        SHA256_Init(h->raw);
    else
        EVP_DigestInit_ex(h->ctx, md_of(h->alg), NULL);
}

void rc_hasher_free(struct rc_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h->raw);
    free(h);
}

void rc_digest_bytes(enum rc_digest_alg alg, const void *data, size_t len, char out[RC_DIGEST_MAX])
{
    struct rc_hasher *h = rc_hasher_new(alg);
    rc_hasher_update(h, data, len);
    rc_hasher_final(h, out);
    rc_hasher_free(h);
}

/* algorithm ::= component (separator component)*, component ::= [a-z0-9]+,
 * separator ::= [+._-]; encoded ::= [a-zA-Z0-9=_-]+ */
bool rc_digest_valid(const char *s)
{
    if (!s)
        return false;
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || !colon[1])
        return false;
    bool prev_sep = true;
    for (const char *p = s; p < colon; p++) {
        bool sep = *p == '+' || *p == '.' || *p == '_' || *p == '-';
        if (sep ? prev_sep : !(islower((unsigned char)*p) || isdigit((unsigned char)*p)))
            return false;
        prev_sep = sep;
    }
    if (prev_sep)
        return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '=' && *p != '_' && *p != '-')
            return false;
    size_t alen = (size_t)(colon - s), elen = strlen(colon + 1);
    bool is256 = alen == 6 && memcmp(s, "sha256", 6) == 0;
    bool is512 = alen == 6 && memcmp(s, "sha512", 6) == 0;
    if (is256 || is512) {
        if (elen != (is256 ? 64u : 128u))
            return false;
        for (const char *p = colon + 1; *p; p++)
            if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
                return false;
    }
    return true;
}

bool rc_digest_parse(const char *s, enum rc_digest_alg *alg)
{
    if (!rc_digest_valid(s))
        return false;
    if (rc_str_starts(s, "sha256:"))
        *alg = RC_DIGEST_SHA256;
    else if (rc_str_starts(s, "sha512:"))
        *alg = RC_DIGEST_SHA512;
    else
        return false;
    return true;
}

char *rc_digest_to_tag(const char *digest)
{
    const char *colon = strchr(digest, ':');
    if (!colon)
        return rc_xstrdup(digest);
    size_t alen = (size_t)(colon - digest);
    if (alen > 32)
        alen = 32;
    char *tag = rc_fmt("%.*s-%.64s", (int)alen, digest, colon + 1);
    for (char *p = tag; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
    return tag;
}
