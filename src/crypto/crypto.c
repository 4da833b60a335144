/* ECDSA P-256 keys, signatures and base64 with OpenSSL (see crypto.h). */
#include "crypto/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

struct rc_crypto_key {
    EVP_PKEY *pkey;
    int private_half; /* 1 when the key can sign */
};

static struct rc_crypto_key *wrap(EVP_PKEY *pkey, int private_half)
{
    struct rc_crypto_key *k = rc_xcalloc(1, sizeof(*k));
    k->pkey = pkey;
    k->private_half = private_half;
    return k;
}

int rc_crypto_key_generate(struct rc_crypto_key **out, struct rc_error **err)
{
    *out = NULL;
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pkey)
        return rc_error_set(err, RC_ERR, "generating an ECDSA P-256 key failed");
    *out = wrap(pkey, 1);
    return 0;
}

/* d from seed as crypto.h says; 0 when found */
static int seed_scalar(BIGNUM *d, const BIGNUM *order, const void *seed, size_t len)
{
    for (unsigned char n = 0; n < 255; n++) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
                 EVP_DigestUpdate(ctx, seed, len) == 1 && EVP_DigestUpdate(ctx, &n, 1) == 1 &&
                 EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok || !BN_bin2bn(md, (int)mdlen, d))
            return -1;
        OPENSSL_cleanse(md, sizeof(md));
        if (!BN_is_zero(d) && BN_cmp(d, order) < 0)
            return 0;
    }
    return -1;
}

int rc_crypto_key_from_seed(struct rc_crypto_key **out, const void *seed, size_t len,
                            struct rc_error **err)
{
    *out = NULL;
    int rc = RC_ERR;
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_secure_new();
    EC_POINT *pub = group ? EC_POINT_new(group) : NULL;
    BN_CTX *bctx = BN_CTX_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;
    unsigned char pubbuf[65];
    if (!group || !d || !pub || !bctx || !bld ||
        seed_scalar(d, EC_GROUP_get0_order(group), seed, len) < 0 ||
        EC_POINT_mul(group, pub, d, NULL, NULL, bctx) != 1 ||
        EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, pubbuf, sizeof(pubbuf),
                           bctx) != sizeof(pubbuf) ||
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pubbuf, sizeof(pubbuf)) !=
            1 ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) ||
        !(pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
        EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
        goto out;
    *out = wrap(pkey, 1);
    pkey = NULL;
    rc = 0;
out:
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params); /* holds a copy of d: OSSL_PARAM_BLD_to_param uses secure memory */
    OSSL_PARAM_BLD_free(bld);
    BN_CTX_free(bctx);
    EC_POINT_free(pub);
    BN_clear_free(d);
    EC_GROUP_free(group);
    return rc < 0 ? rc_error_set(err, rc, "deriving an ECDSA P-256 key from a seed failed") : 0;
}

int rc_crypto_key_from_public_der(struct rc_crypto_key **out, const void *der, size_t len,
                                  struct rc_error **err)
{
    *out = NULL;
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (!pkey)
        return rc_error_set(err, RC_EPARSE, "not a DER SubjectPublicKeyInfo");
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
        EVP_PKEY_free(pkey);
        return rc_error_set(err, RC_EINVAL, "not an EC public key");
    }
    *out = wrap(pkey, 0);
    return 0;
}

void rc_crypto_key_free(struct rc_crypto_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL clears the private scalar */
    free(k);
}

void rc_crypto_key_freep(struct rc_crypto_key **k)
{
    rc_crypto_key_free(*k);
    *k = NULL;
}

int rc_crypto_public_der(struct rc_buf *out, const struct rc_crypto_key *k, struct rc_error **err)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k->pkey, &der);
    if (n <= 0)
        return rc_error_set(err, RC_ERR, "encoding the public key failed");
    int rc = rc_buf_add(out, der, (size_t)n);
    OPENSSL_free(der);
    return rc < 0 ? rc_error_set(err, rc, "public key: buffer full") : 0;
}

int rc_crypto_sign(struct rc_buf *out, const struct rc_crypto_key *k, const void *data, size_t len,
                   struct rc_error **err)
{
    if (!k->private_half)
        return rc_error_set(err, RC_EINVAL, "signing needs a private key");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[80]; /* a DER P-256 signature is at most 72 bytes */
    size_t n = sizeof(sig);
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &n, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return rc_error_set(err, RC_ERR, "ECDSA signing failed");
    int rc = rc_buf_add(out, sig, n);
    return rc < 0 ? rc_error_set(err, rc, "signature: buffer full") : 0;
}

int rc_crypto_verify(const struct rc_crypto_key *k, const void *data, size_t len, const void *sig,
                     size_t siglen, struct rc_error **err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1) {
        EVP_MD_CTX_free(ctx);
        return rc_error_set(err, RC_ERR, "ECDSA verification could not start");
    }
    int v = EVP_DigestVerify(ctx, sig, siglen, data, len);
    EVP_MD_CTX_free(ctx);
    if (v != 1)
        return rc_error_set(err, RC_EPROTO, "the ECDSA signature does not verify");
    return 0;
}

/* ---- base64 ---------------------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *rc_crypto_base64(const void *data, size_t len)
{
    const unsigned char *p = data;
    char *out = rc_xmalloc((len + 2) / 3 * 4 + 1);
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int rc_crypto_unbase64(struct rc_buf *out, const char *text, size_t len, struct rc_error **err)
{
    size_t pad = 0;
    while (len > 0 && text[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
        return rc_error_set(err, RC_EPARSE, "base64: bad length");
    unsigned acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(text[i]);
        if (v < 0)
            return rc_error_set(err, RC_EPARSE, "base64: unexpected character at %zu", i);
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)((acc >> bits) & 0xff);
            if (rc_buf_add(out, &c, 1) < 0)
                return rc_error_set(err, RC_ELIMIT, "base64: buffer full");
        }
    }
    return 0;
}
