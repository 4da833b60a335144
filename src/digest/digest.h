/* digest: streaming sha256/sha512 and the "alg:hex" digest strings of the OCI specs. */
#ifndef RC_DIGEST_H
#define RC_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rc_digest_alg { RC_DIGEST_SHA256, RC_DIGEST_SHA512 };

/* "sha512:" + 128 hex + NUL */
#define RC_DIGEST_MAX 136

struct rc_hasher;

struct rc_hasher *rc_hasher_new(enum rc_digest_alg alg);
void rc_hasher_update(struct rc_hasher *h, const void *data, size_t len);
/* Writes "alg:hex" into out; the hasher can be reset and reused afterwards. */
void rc_hasher_final(struct rc_hasher *h, char out[RC_DIGEST_MAX]);
void rc_hasher_reset(struct rc_hasher *h);
void rc_hasher_free(struct rc_hasher *h);

/* A SHA-256 midstate: the chaining value after len bytes, len a whole number of 64-byte
 * blocks. Saving it after a long deterministic prefix lets a later hash of prefix + tail
 * skip the prefix (artifact/cache.c keeps them). */
struct rc_sha256_mid {
    uint32_t h[8];
    uint64_t len;
};

/* A sha256 hasher that can save its state between blocks and start from a saved one
 * (from NULL = the empty state). As fast as rc_hasher_new's: the same OpenSSL block code. */
struct rc_hasher *rc_hasher_new_resumable(const struct rc_sha256_mid *from);
/* The state of a resumable hasher; false when h is not resumable or has taken a number of
 * bytes that is not a multiple of 64. */
bool rc_hasher_save(const struct rc_hasher *h, struct rc_sha256_mid *out);

void rc_digest_bytes(enum rc_digest_alg alg, const void *data, size_t len, char out[RC_DIGEST_MAX]);
const char *rc_digest_alg_name(enum rc_digest_alg alg);

/* Validates "alg:encoded" by the OCI image-spec grammar; for the registered algorithms
 * sha256 and sha512 also the exact length and lower-case hex. */
bool rc_digest_valid(const char *s);
/* Like rc_digest_valid but only for sha256/sha512; fills alg. */
bool rc_digest_parse(const char *s, enum rc_digest_alg *alg);
/* The referrers tag-schema form of a digest: "sha256-<hex>" (':' -> '-', truncated per spec). */
char *rc_digest_to_tag(const char *digest);

#endif
