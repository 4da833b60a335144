/* crypto: the signatures regcompat makes and checks (issue 10), with OpenSSL, like digest.
 *
 * An ECDSA P-256 key pair is made at run time and lives only in this process's memory: there
 * is no function that writes the private key anywhere (no PEM, no DER, no hex), so no
 * report, log or trace can carry it. Signatures are what cosign writes for an ECDSA key: an
 * ASN.1 DER ECDSA signature over the SHA-256 of the signed bytes, base64 in the manifest. */
#ifndef RC_CRYPTO_H
#define RC_CRYPTO_H

#include <stddef.h>

#include "base/base.h"

/* An ECDSA P-256 key: a key pair, or a public key only (rc_crypto_key_from_public_der). */
struct rc_crypto_key;

/* A fresh key pair from the system's random source. */
int rc_crypto_key_generate(struct rc_crypto_key **out, struct rc_error **err);
/* A key pair whose private scalar is derived from seed: d = SHA-256(seed || n) read as a
 * big-endian number, for the first n = 0, 1, ... that gives 0 < d < the group order. Tests
 * only (REGCOMPAT_TEST_KEY_SEED): it lets the secrets test know which bytes must not leak. */
int rc_crypto_key_from_seed(struct rc_crypto_key **out, const void *seed, size_t len,
                            struct rc_error **err);
/* The public half of an X.509 SubjectPublicKeyInfo (DER), as verifiers hold it. */
int rc_crypto_key_from_public_der(struct rc_crypto_key **out, const void *der, size_t len,
                                  struct rc_error **err);
void rc_crypto_key_free(struct rc_crypto_key *k);
#define rc_auto_key RC_CLEANUP(rc_crypto_key_freep)
void rc_crypto_key_freep(struct rc_crypto_key **k);

/* Appends the SubjectPublicKeyInfo (DER) of the key's public half. */
int rc_crypto_public_der(struct rc_buf *out, const struct rc_crypto_key *k, struct rc_error **err);
/* Appends the DER ECDSA signature over SHA-256(data). RC_EINVAL for a public-only key. */
int rc_crypto_sign(struct rc_buf *out, const struct rc_crypto_key *k, const void *data, size_t len,
                   struct rc_error **err);
/* 0 when sig is a valid ECDSA-SHA256 signature of data by k; RC_EPROTO when it is not
 * (a wrong signature, or bytes that are no DER signature). */
int rc_crypto_verify(const struct rc_crypto_key *k, const void *data, size_t len, const void *sig,
                     size_t siglen, struct rc_error **err);

/* Standard base64 (RFC 4648 section 4) with padding; never NULL. */
char *rc_crypto_base64(const void *data, size_t len);
/* Appends the decoded bytes of standard base64 text; the '=' padding may be left out, no
 * whitespace is allowed. RC_EPARSE on any other character or a misplaced '='. */
int rc_crypto_unbase64(struct rc_buf *out, const char *text, size_t len, struct rc_error **err);

#endif
