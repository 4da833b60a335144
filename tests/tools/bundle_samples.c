/* Writes every kind of Sigstore bundle regcompat pushes, for validation by an independent
 * Sigstore implementation (tests/tools/sigstore-js): the bundle of `attach` and
 * `push-artifact` (message signature, test signature), the DSSE form without a key, and the
 * DSSE form `sign` writes with a run-time key, with that key's public half (SubjectPublicKeyInfo
 * DER, base64) beside it. Usage: rc-bundle-samples DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/artifact.h"
#include "base/base.h"
#include "crypto/crypto.h"

#include "base/banned.h"

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = rc_fmt("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "rc-bundle-samples: cannot write %s\n", path);
    free(path);
    return ok ? 0 : -1;
}

static int sample(const char *dir, const char *name, const struct rc_artifact_desc *subject,
                  const char *content, const struct rc_crypto_key *key)
{
    struct rc_artifact a;
    struct rc_error *err = NULL;
    struct rc_artifact_bundle_opts o = {
        .salt = name, .subject = subject, .content = content, .key = key};
    if (rc_artifact_build_sigstore_bundle(&a, &o, &err) < 0) {
        fprintf(stderr, "rc-bundle-samples: %s: %s\n", name, rc_error_msg(err));
        rc_error_free(err);
        return -1;
    }
    int rc = -1;
    for (size_t i = 0; i < a.nblobs; i++) {
        if (!rc_str_eq(a.blobs[i].desc.media_type, RC_ARTIFACT_MT_SIGSTORE_BUNDLE))
            continue;
        struct rc_buf b = RC_BUF_INIT(0);
        if (rc_artifact_blob_slurp(&b, &a.blobs[i].src, &err) == 0) {
            char *file = rc_fmt("%s.json", name);
            rc = write_file(dir, file, b.data, b.len);
            free(file);
        }
        rc_buf_dispose(&b);
    }
    rc_error_free(err);
    rc_artifact_dispose(&a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: rc-bundle-samples DIR\n");
        return 2;
    }
    struct rc_artifact policy;
    struct rc_artifact_policy_opts po = {.salt = "bundle-samples"};
    struct rc_error *err = NULL;
    if (rc_artifact_build_policy(&policy, &po, &err) < 0)
        return 1;
    struct rc_artifact_desc subject;
    rc_artifact_desc_of(&subject, &policy);
    struct rc_crypto_key *key = NULL;
    int rc = rc_crypto_key_generate(&key, &err);
    struct rc_buf der = RC_BUF_INIT(0);
    if (rc == 0)
        rc = rc_crypto_public_der(&der, key, &err);
    if (rc == 0) {
        char *b64 = rc_crypto_base64(der.data, der.len);
        rc = write_file(argv[1], "dsse-signed.pub", b64, strlen(b64));
        free(b64);
    }
    if (rc == 0)
        rc = sample(argv[1], "message-signature", &subject, "message-signature", NULL);
    if (rc == 0)
        rc = sample(argv[1], "dsse-test", &subject, "dsse-envelope", NULL);
    if (rc == 0)
        rc = sample(argv[1], "dsse-signed", &subject, "dsse-envelope", key);
    rc_error_free(err);
    rc_buf_dispose(&der);
    rc_crypto_key_free(key);
    rc_artifact_desc_dispose(&subject);
    rc_artifact_dispose(&policy);
    return rc == 0 ? 0 : 1;
}
