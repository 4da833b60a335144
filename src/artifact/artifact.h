/* artifact: deterministic builders of everything regcompat pushes. Blob sources stream their
 * content through the caller's buffer and never hold it in memory (synthetic pseudo-random
 * blobs and padded WebAssembly modules of any size); builders turn options into exact
 * manifest bytes plus the list of blobs to push. The same inputs always give the same bytes
 * and digests; a salt makes each scenario's content unique. Wire formats: DESIGN.md section 5. */
#ifndef RC_ARTIFACT_H
#define RC_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "digest/digest.h"

/* ---- media types and fixed values ------------------------------------------------------ */

#define RC_ARTIFACT_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define RC_ARTIFACT_MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define RC_ARTIFACT_MT_OCI_CONFIG   "application/vnd.oci.image.config.v1+json"
#define RC_ARTIFACT_MT_EMPTY        "application/vnd.oci.empty.v1+json"
#define RC_ARTIFACT_MT_OCTET        "application/octet-stream"
/* Kubewarden (kwctl push) */
#define RC_ARTIFACT_MT_WASM_CONFIG_V1 "application/vnd.wasm.config.v1+json"
#define RC_ARTIFACT_MT_WASM_LAYER_V1  "application/vnd.wasm.content.layer.v1+wasm"
/* CNCF TAG-Runtime Wasm OCI artifact */
#define RC_ARTIFACT_MT_WASM_CONFIG_V0 "application/vnd.wasm.config.v0+json"
#define RC_ARTIFACT_MT_WASM           "application/wasm"
/* signatures */
#define RC_ARTIFACT_MT_COSIGN_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define RC_ARTIFACT_MT_SIGSTORE_BUNDLE      "application/vnd.dev.sigstore.bundle.v0.3+json"

/* The 2-byte blob "{}": the OCI empty descriptor's content and kwctl's config. */
#define RC_ARTIFACT_EMPTY_JSON "{}"
#define RC_ARTIFACT_EMPTY_DIGEST                                                                   \
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define RC_ARTIFACT_EMPTY_DATA "e30=" /* base64 of "{}" */

#define RC_ARTIFACT_KWCTL_VERSION "1.31.0"
/* Every timestamp we write (configs, org.opencontainers.image.created): fixed, so that the
 * same inputs give the same bytes. */
#define RC_ARTIFACT_CREATED "2025-01-01T00:00:00Z"
/* The Accept header kwctl sends when pulling a policy manifest. */
#define RC_ARTIFACT_KWCTL_ACCEPT                                                                   \
    "application/vnd.docker.distribution.manifest.v2+json, "                                       \
    "application/vnd.docker.distribution.manifest.list.v2+json, "                                  \
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"

#define RC_ARTIFACT_KW_METADATA_SECTION "io.kubewarden.metadata"
#define RC_ARTIFACT_PADDING_SECTION     "regcompat.padding"

/* ---- blob sources ---------------------------------------------------------------------- */

/* A rewindable stream of bytes with a known length. The first four members have exactly the
 * types and meaning of struct rc_http_body_source (http/http.h), so the oci layer hands a
 * blob to the HTTP client as {s->read, s->rewind, s->ctx, s->length} without this module
 * depending on http. read fills up to cap bytes and sets *got (0 only at the end). A source
 * is a caller-owned struct: fill it with one of the rc_artifact_blob_* constructors and
 * release it with rc_artifact_blob_dispose(). Memory use does not depend on the length. */
struct rc_blob_src {
    int (*read)(void *ctx, char *buf, size_t cap, size_t *got, struct rc_error **err);
    int (*rewind)(void *ctx, struct rc_error **err);
    void *ctx;
    int64_t length;
    /* private */
    void (*dispose)(void *ctx);
    void *(*clone)(const void *ctx);
    /* a faster way to the sha256 digest than reading the whole stream; NULL = none */
    int (*digest)(const void *ctx, char out[RC_DIGEST_MAX], struct rc_error **err);
};

/* Bytes in memory, borrowed: data must outlive the source. */
void rc_artifact_blob_mem(struct rc_blob_src *out, const void *data, size_t len);
/* Bytes in memory, owned: the source frees data (from malloc) when disposed. */
void rc_artifact_blob_mem_take(struct rc_blob_src *out, void *data, size_t len);
/* A copy of the bytes, owned by the source. */
void rc_artifact_blob_mem_copy(struct rc_blob_src *out, const void *data, size_t len);
/* size pseudo-random bytes from seed: splitmix64's output words, little-endian. Same seed,
 * same bytes on every platform; a shorter stream is a prefix of a longer one. Generates
 * several GB/s, so hashing, not generating, bounds a push. */
void rc_artifact_blob_synthetic(struct rc_blob_src *out, uint64_t seed, uint64_t size);
/* A second, independent cursor over the same content, at position 0. */
void rc_artifact_blob_clone(struct rc_blob_src *out, const struct rc_blob_src *src);
int rc_artifact_blob_read(struct rc_blob_src *s, char *buf, size_t cap, size_t *got,
                          struct rc_error **err);
int rc_artifact_blob_rewind(struct rc_blob_src *s, struct rc_error **err);
void rc_artifact_blob_dispose(struct rc_blob_src *s);
/* The sha256 digest of the whole stream ("sha256:<hex>"); s is left rewound. Reads it whole
 * through one 64 KiB buffer, except for sources that know a shortcut (a wasm module with a
 * bulk: see the midstate cache below). RC_EIO when the stream does not give exactly
 * s->length bytes. */
int rc_artifact_blob_digest(char out[RC_DIGEST_MAX], struct rc_blob_src *s, struct rc_error **err);
/* Reads the whole source into a buffer (for small blobs and tests); RC_ELIMIT past out->max. */
int rc_artifact_blob_slurp(struct rc_buf *out, struct rc_blob_src *s, struct rc_error **err);

/* A 64-bit seed from a salt string and a counter (FNV-1a, then the splitmix64 finalizer):
 * each scenario passes its own salt, each blob of an artifact its own n. NULL salt = "". */
uint64_t rc_artifact_seed(const char *salt, uint64_t n);

/* ---- WebAssembly module ---------------------------------------------------------------- */

/* A minimal valid module: the header; for modules of RC_ARTIFACT_WASM_BULK_MIN bytes or more
 * the bulk: custom sections "regcompat.padding" whose bytes depend only on their total length
 * (rc_artifact_wasm_bulk_len) and RC_ARTIFACT_WASM_BULK_VERSION, never on the seed; then a
 * type section ((i32, i32) -> i32), a function section, an export section ("validate"), a
 * code section (returns 0), the custom section "io.kubewarden.metadata" holding the metadata
 * JSON when given, and last "regcompat.padding" sections of pseudo-random bytes from the
 * seed (the tail; at least 64 KiB of it when there is a bulk) so that the module is exactly
 * size bytes long. Custom sections may stand anywhere in a module, and readers (kwctl) find
 * the metadata section by its name. Header + bulk is a whole number of 64-byte SHA-256
 * blocks, so the hash state after it is cached (below) and a module's digest costs the hash
 * of its tail; everything a seed or metadata changes is in the tail, so every module stays
 * unique. Padding sections are at most 1 GiB each; their payload is streamed. Section
 * lengths are minimal LEB128, except when the exact size forces a one-byte-longer (still
 * valid) encoding. */
struct rc_artifact_wasm_opts {
    uint64_t size;        /* exact module size; 0 = the smallest module (no padding) */
    uint64_t seed;        /* padding content */
    const char *metadata; /* JSON of the io.kubewarden.metadata section; NULL = no section */
};

/* Size of the module without padding. A requested size must be 0, this, or at least this
 * + RC_ARTIFACT_WASM_MIN_PADDING (the smallest padding section). */
uint64_t rc_artifact_wasm_base_size(const struct rc_artifact_wasm_opts *o);
#define RC_ARTIFACT_WASM_MIN_PADDING 20
#define RC_ARTIFACT_WASM_BULK_MIN    ((uint64_t)1024 * 1024)
/* Changes whenever the bulk's bytes change: it is part of the midstate cache key. */
#define RC_ARTIFACT_WASM_BULK_VERSION 1
/* Bytes of bulk padding in a module of size bytes whose base size is base (0 = no bulk). */
uint64_t rc_artifact_wasm_bulk_len(uint64_t size, uint64_t base);
/* RC_EINVAL when the size cannot be reached (see above). */
int rc_artifact_blob_wasm(struct rc_blob_src *out, const struct rc_artifact_wasm_opts *o,
                          struct rc_error **err);

/* ---- SHA-256 midstate cache (cache.c) -------------------------------------------------- */

/* The midstate of the deterministic prefix named key (letters, digits, '-', '.'; under 64
 * characters) that is len bytes long: from the process's memory, else from the record file
 * <cache dir>/<key>.sha256mid, which must carry this key and length and a valid check line.
 * False when there is none that can be trusted. */
bool rc_artifact_mid_get(const char *key, uint64_t len, struct rc_sha256_mid *out);
/* Remembers a midstate in memory and writes its record (atomically; failures are ignored). */
void rc_artifact_mid_put(const char *key, const struct rc_sha256_mid *mid);
/* Forgets the in-memory entries (tests). */
void rc_artifact_mid_forget(void);
/* $XDG_CACHE_HOME/regcompat when XDG_CACHE_HOME is an absolute path, else
 * $HOME/.cache/regcompat, else NULL (no disk cache). Caller frees. */
char *rc_artifact_cache_dir(void);

/* ---- annotations and descriptors ------------------------------------------------------- */

struct rc_artifact_annot {
    char *key;
    char *value;
};

/* A string map kept in insertion order; writers sort the keys by byte order. */
struct rc_artifact_annots {
    struct rc_artifact_annot *v;
    size_t n;
    size_t cap;
};

/* Sets key to value (copied), replacing an existing value. */
void rc_artifact_annots_set(struct rc_artifact_annots *a, const char *key, const char *value);
const char *rc_artifact_annots_get(const struct rc_artifact_annots *a, const char *key);
void rc_artifact_annots_copy(struct rc_artifact_annots *out, const struct rc_artifact_annots *src);
void rc_artifact_annots_dispose(struct rc_artifact_annots *a);

/* An OCI content descriptor. Optional members are absent when NULL / empty. */
struct rc_artifact_desc {
    char *media_type;
    char *digest;
    int64_t size;
    char *artifact_type;
    char *data; /* base64 embedded content */
    struct rc_artifact_annots annotations;
};

/* Fills d (previous content ignored) with copies of the three required members. */
void rc_artifact_desc_init(struct rc_artifact_desc *d, const char *media_type, const char *digest,
                           int64_t size);
void rc_artifact_desc_copy(struct rc_artifact_desc *out, const struct rc_artifact_desc *src);
void rc_artifact_desc_dispose(struct rc_artifact_desc *d);

/* ---- manifests and indexes: typed view, writer, parser --------------------------------- */

/* An image manifest (is_index false: config + layers) or an image index (is_index true:
 * manifests). Absent optional members are NULL. */
struct rc_artifact_manifest {
    bool is_index;
    int64_t schema_version; /* -1 when absent (parser) */
    char *media_type;
    char *artifact_type;
    struct rc_artifact_desc *config;
    struct rc_artifact_desc *layers;
    size_t nlayers;
    struct rc_artifact_desc *manifests;
    size_t nmanifests;
    struct rc_artifact_desc *subject;
    struct rc_artifact_annots annotations;
};

void rc_artifact_manifest_dispose(struct rc_artifact_manifest *m);
/* Canonical compact JSON: object keys sorted by byte order, no whitespace. A manifest always
 * has "layers", an index always "manifests"; schemaVersion is written when >= 0. Appends to
 * out. */
int rc_artifact_manifest_write(struct rc_buf *out, const struct rc_artifact_manifest *m,
                               struct rc_error **err);
/* Parses manifest or index bytes (index when "manifests" is present or the mediaType says
 * so). Descriptors need string mediaType and digest and an integer size >= 0; a member of
 * the wrong type is RC_EPARSE naming it ("layers[1].size: ..."). Unknown members are
 * ignored; strings are copied. */
int rc_artifact_manifest_parse(struct rc_artifact_manifest *out, const char *bytes, size_t len,
                               struct rc_error **err);
/* What kwctl checks on pull: a manifest whose every layer has the Kubewarden wasm layer
 * media type (and at least one layer). RC_EPROTO with the reason otherwise. */
int rc_artifact_check_policy(const struct rc_artifact_manifest *m, struct rc_error **err);
/* The entry a referrers response or fallback index lists for a manifest: mediaType (the
 * body's, else content_type), sha256 digest and size of the bytes, artifactType (the
 * manifest's, else its config media type), and the manifest's annotations. */
int rc_artifact_referrer_entry(struct rc_artifact_desc *out, const char *content_type,
                               const char *bytes, size_t len, struct rc_error **err);

/* ---- built artifacts ------------------------------------------------------------------- */

struct rc_artifact_blob {
    struct rc_artifact_desc desc; /* mediaType, digest, size as the manifest lists it */
    struct rc_blob_src src;
};

/* A manifest ready to PUT and the blobs to push before it (config first, then layers in
 * order; a blob referenced twice is listed once). Indexes have no blobs. */
struct rc_artifact {
    char *manifest; /* the exact bytes (NUL-terminated for convenience) */
    size_t manifest_len;
    char *media_type; /* the Content-Type to send */
    char digest[RC_DIGEST_MAX];
    struct rc_artifact_blob *blobs;
    size_t nblobs;
    size_t cap;
};

void rc_artifact_dispose(struct rc_artifact *a);
/* The plain descriptor of the manifest (mediaType, digest, size), e.g. as a subject. */
void rc_artifact_desc_of(struct rc_artifact_desc *out, const struct rc_artifact *a);
/* The blob with that digest, or NULL. */
const struct rc_artifact_blob *rc_artifact_find_blob(const struct rc_artifact *a,
                                                     const char *digest);

/* Kubewarden policy exactly as kwctl push writes it (DESIGN 5.1). The module's metadata
 * carries the annotations; the manifest's annotations are derived from them as kwctl does. */
struct rc_artifact_policy_opts {
    const char *salt;   /* in the default description and the padding seed */
    uint64_t wasm_size; /* exact layer size; 0 = the smallest module */
    /* metadata annotations; NULL = defaults: io.kubewarden.policy.{title,version,
     * description,author,source,usage} (usage is multi-line, so it stays out of the
     * manifest). io.kubewarden.kwctl is added unless present. */
    const struct rc_artifact_annots *annotations;
    bool no_annotations;       /* metadata without annotations: manifest without the key */
    const char *kwctl_version; /* NULL = RC_ARTIFACT_KWCTL_VERSION */
};
/* The io.kubewarden.metadata JSON for these options (appended to out). */
int rc_artifact_policy_metadata(struct rc_buf *out, const struct rc_artifact_policy_opts *o,
                                struct rc_error **err);
/* kwctl's rule from metadata annotations to manifest annotations: values of more than one
 * line are dropped, the rest trimmed, org.opencontainers.image.source copied from
 * io.kubewarden.policy.source unless set. out is filled (previous content ignored). */
void rc_artifact_policy_oci_annotations(struct rc_artifact_annots *out,
                                        const struct rc_artifact_annots *metadata);
int rc_artifact_build_policy(struct rc_artifact *out, const struct rc_artifact_policy_opts *o,
                             struct rc_error **err);

/* CNCF Wasm OCI artifact (DESIGN 5.2): config application/vnd.wasm.config.v0+json (created,
 * author, architecture "wasm", os, layerDigests), one application/wasm layer (the module
 * without Kubewarden metadata), manifest mediaType present. */
struct rc_artifact_cncf_wasm_opts {
    const char *salt;
    uint64_t wasm_size;
    const char *os;                               /* NULL = "wasip1" */
    const struct rc_artifact_annots *annotations; /* manifest annotations, NULL = none */
};
int rc_artifact_build_cncf_wasm(struct rc_artifact *out, const struct rc_artifact_cncf_wasm_opts *o,
                                struct rc_error **err);

/* One layer of a generic artifact: bytes (copied) when bytes is set, else size synthetic
 * bytes seeded from the salt and the layer's position. */
struct rc_artifact_layer_spec {
    const char *media_type; /* NULL = application/octet-stream */
    const void *bytes;
    size_t bytes_len;
    uint64_t size;
    const struct rc_artifact_annots *annotations; /* NULL = none */
};

/* Generic OCI 1.1 artifact: an image manifest with mediaType and artifactType. */
struct rc_artifact_oci_opts {
    const char *salt;              /* seeds synthetic layers; also annotation io.regcompat.salt */
    const char *artifact_type;     /* NULL = absent (a negative probe with the empty config) */
    const char *config_media_type; /* NULL = the empty descriptor */
    const void *config;            /* config bytes (copied); NULL = "{}" */
    size_t config_len;
    bool config_data; /* the empty config descriptor carries data "e30=" */
    const struct rc_artifact_layer_spec *layers; /* nlayers 0 = one empty-descriptor layer */
    size_t nlayers;
    const struct rc_artifact_desc *subject;       /* NULL = none */
    const struct rc_artifact_annots *annotations; /* NULL = none */
};
int rc_artifact_build_oci(struct rc_artifact *out, const struct rc_artifact_oci_opts *o,
                          struct rc_error **err);

/* A standard OCI image, the neutral content of checks that are not about media types: an
 * image config (application/vnd.oci.image.config.v1+json: architecture, os, rootfs.diff_ids)
 * and one uncompressed layer (application/vnd.oci.image.layer.v1.tar unless layer_media_type
 * says otherwise) of synthetic bytes; its diff_id is its digest. */
#define RC_ARTIFACT_MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
struct rc_artifact_image_opts {
    const char *salt;
    uint64_t layer_size;                    /* 0 = 64 KiB */
    const char *layer_media_type;           /* NULL = RC_ARTIFACT_MT_OCI_LAYER_TAR */
    const char *artifact_type;              /* NULL = absent */
    const struct rc_artifact_desc *subject; /* NULL = none */
};
int rc_artifact_build_image(struct rc_artifact *out, const struct rc_artifact_image_opts *o,
                            struct rc_error **err);

/* OCI image index over the given manifest descriptors (pushed separately). */
struct rc_artifact_index_opts {
    const char *salt;          /* annotation io.regcompat.salt when set */
    const char *artifact_type; /* NULL = absent */
    const struct rc_artifact_desc *manifests;
    size_t nmanifests;
    const struct rc_artifact_desc *subject;       /* NULL = none */
    const struct rc_artifact_annots *annotations; /* NULL = none */
};
int rc_artifact_build_index(struct rc_artifact *out, const struct rc_artifact_index_opts *o,
                            struct rc_error **err);

/* cosign legacy signature manifest, stored under rc_artifact_cosign_tag(signed digest):
 * config application/vnd.oci.image.config.v1+json (a small image config listing every layer
 * in rootfs.diff_ids), one Simple Signing layer per signature. Layout from sigstore-rs 0.13.0
 * src/cosign/client.rs (push_signature) and cosign v3.1.2 pkg/oci/static and mutate.
 * Without a key the layers carry every cosign annotation with deterministic fakes marked as
 * test data (storage tests); with a key each layer carries only
 * dev.cosignproject.cosign/signature, the base64 DER ECDSA signature of the payload, as
 * `cosign sign --key --tlog-upload=false` writes it (not deterministic: ECDSA is random). */
struct rc_artifact_cosign_opts {
    const char *salt;
    const char *docker_reference;    /* critical.identity.docker-reference, e.g. "host/ns/repo" */
    const char *manifest_digest;     /* the signed manifest's digest */
    unsigned nsignatures;            /* 0 = 1 */
    const struct rc_crypto_key *key; /* NULL = fake signatures */
    /* the .sig manifest already stored: its layers come first and are kept as they are
     * (their blobs are in the registry already), the new signatures are appended, as cosign
     * appends a signature to an existing .sig (read, add a layer, write back) */
    const struct rc_artifact_manifest *append_to;
};
int rc_artifact_build_cosign(struct rc_artifact *out, const struct rc_artifact_cosign_opts *o,
                             struct rc_error **err);
/* "sha256-<hex>.sig" for a manifest digest (caller frees); NULL when digest is invalid. */
char *rc_artifact_cosign_tag(const char *digest);

/* Sigstore bundle referrer as cosign 3 writes it (cosign v3.1.2 pkg/oci/remote/write.go,
 * WriteReferrer and WriteAttestationNewBundleFormat): artifactType and single layer
 * application/vnd.dev.sigstore.bundle.v0.3+json, the empty config whose descriptor also
 * carries that artifactType, subject, and annotations dev.sigstore.bundle.content,
 * dev.sigstore.bundle.predicateType and org.opencontainers.image.created
 * (RC_ARTIFACT_CREATED). A "dsse-envelope" bundle holds an in-toto statement about the
 * subject; with a key its DSSE signature is real (ECDSA over rc_artifact_dsse_pae) and
 * verificationMaterial.publicKey.hint is the base64 SHA-256 of the public key's DER. */
struct rc_artifact_bundle_opts {
    const char *salt;
    const struct rc_artifact_desc *subject; /* required */
    const char *content;                    /* NULL = "message-signature" */
    const char *predicate_type;             /* NULL = "https://sigstore.dev/cosign/sign/v1" */
    const struct rc_crypto_key *key;        /* dsse-envelope only; NULL = a fake signature */
};
/* DSSE's pre-authentication encoding, what a DSSE signature signs: "DSSEv1" SP LEN(type) SP
 * type SP LEN(payload) SP payload, lengths in decimal (DSSE v1.0 protocol.md). Appends. */
void rc_artifact_dsse_pae(struct rc_buf *out, const char *payload_type, const void *payload,
                          size_t len);
int rc_artifact_build_sigstore_bundle(struct rc_artifact *out,
                                      const struct rc_artifact_bundle_opts *o,
                                      struct rc_error **err);

/* The referrers tag-schema fallback index (pushed under rc_digest_to_tag(subject digest)):
 * an image index with mediaType listing the entries (see rc_artifact_referrer_entry) in the
 * given order, a repeated digest listed once. n may be 0. */
int rc_artifact_build_referrers_index(struct rc_artifact *out,
                                      const struct rc_artifact_desc *entries, size_t n,
                                      struct rc_error **err);

#endif
