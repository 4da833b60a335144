/* The operation table: every step a suite can use, its arguments and what `save` exposes.
 * Validation, `regcompat list operations` and the README table all come from here. */
#include "suite/suite.h"

#include <string.h>

#include "base/banned.h"

#define END                                                                                        \
    {                                                                                              \
        NULL, RC_ARG_STR, false, NULL, NULL                                                        \
    }
#define SAVE                                                                                       \
    {                                                                                              \
        "save", RC_ARG_STR, false, "keep this step's results as {NAME.field}", NULL                \
    }
#define UNSUP                                                                                      \
    {                                                                                              \
        "unsupported_when", RC_ARG_MAP, false,                                                     \
            "answers that mean the registry validly declined an optional feature "                 \
            "(status: [404, 405], error_code: [UNSUPPORTED])",                                     \
            NULL                                                                                   \
    }
#define REPO                                                                                       \
    {                                                                                              \
        "repo", RC_ARG_STR, false, "repository (default {repo})", NULL                             \
    }

/* Choice tables: a STR argument naming one of these is checked at load. */
static const char *const artifact_kinds[] = {
    "oci-image",        "oci-artifact",      "oci-artifact-config",
    "oci-custom-layer", "kubewarden-policy", "cncf-wasm",
    "cosign-signature", "sigstore-bundle",   NULL,
};
static const char *const artifact_modes[] = {"kwctl",   "post-put", "monolithic", "single-post",
                                             "chunked", "streamed", NULL};
static const char *const blob_modes[] = {"post-put", "monolithic", "single-post",
                                         "chunked",  "streamed",   NULL};
static const char *const verify_modes[] = {"bytes", "digest", "none", NULL};
static const char *const attach_kinds[] = {"oci-artifact", "sigstore-bundle", NULL};
static const char *const fallback_modes[] = {"auto", "always", "never", NULL};
static const char *const sign_formats[] = {"cosign", "bundle", NULL};
static const char *const roles[] = {"probe", "precondition", NULL};
static const char *const digest_algs[] = {"sha256", "sha512", NULL};

#define ROLE                                                                                       \
    {                                                                                              \
        "role", RC_ARG_STR, false,                                                                 \
            "probe (default in steps) | precondition (default in setup): what a wrong answer "     \
            "means",                                                                               \
            roles                                                                                  \
    }

const char *const rc_suite_clients[] = {"spec", "kwctl", NULL};

#define CLIENT                                                                                     \
    {                                                                                              \
        "client", RC_ARG_STR, false,                                                               \
            "spec (default) | kwctl: make exactly kwctl's requests and apply its acceptance "      \
            "rules (docs/kwctl-model.md); the suite's `client:` is the default",                   \
            rc_suite_clients                                                                       \
    }

static const struct rc_arg_def push_artifact_args[] = {
    {"artifact", RC_ARG_STR, true,
     "oci-image (a standard OCI image: image config, one tar layer) | oci-artifact (custom "
     "artifactType, empty config) | oci-artifact-config (custom config type) | oci-custom-layer "
     "(custom layer type) | kubewarden-policy | cncf-wasm | cosign-signature | sigstore-bundle",
     artifact_kinds},
    {"ref", RC_ARG_STR, true, "repository:tag or repository@digest to push to", NULL},
    {"size", RC_ARG_SIZE, false,
     "exact size of the main layer (default: the smallest policy module; 64KiB for oci-artifact)",
     NULL},
    {"seed", RC_ARG_STR, false, "makes the content unique (default: the scenario id)", NULL},
    {"mode", RC_ARG_STR, false, "kwctl (default) | post-put | single-post | chunked | streamed",
     artifact_modes},
    {"chunk", RC_ARG_SIZE, false, "PATCH size for chunked uploads (default 4MiB, as kwctl)", NULL},
    {"subject", RC_ARG_STR, false, "digest of the manifest this artifact refers to", NULL},
    CLIENT,
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const push_artifact_saves[] = {
    "digest",          "size",         "media_type", "ref",           "tag",           "location",
    "location_digest", "layer_digest", "layer_size", "config_digest", "artifact_type", NULL,
};

static const struct rc_arg_def pull_artifact_args[] = {
    {"ref", RC_ARG_STR, true, "repository:tag or repository@digest", NULL},
    {"accept", RC_ARG_STR, false, "kwctl (default) | oci | any literal Accept header value", NULL},
    {"expect_artifact", RC_ARG_STR, false,
     "name a push-artifact saved: the pulled manifest and every blob must match it byte for byte",
     NULL},
    {"verify", RC_ARG_STR, false, "bytes (default) | digest | none", verify_modes},
    CLIENT,
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const pull_artifact_saves[] = {"digest", "size", "media_type", NULL};

static const struct rc_arg_def push_blob_args[] = {
    REPO,
    {"size", RC_ARG_SIZE, false, "blob size (default 4KiB) of deterministic content", NULL},
    {"content", RC_ARG_STR, false, "literal blob content instead of generated bytes", NULL},
    {"seed", RC_ARG_STR, false, "makes the content unique", NULL},
    {"mode", RC_ARG_STR, false,
     "post-put (default) | monolithic | single-post | chunked | streamed", blob_modes},
    {"chunk", RC_ARG_SIZE, false, "PATCH size for chunked uploads", NULL},
    {"min_chunk", RC_ARG_BOOL, false, "honour OCI-Chunk-Min-Length (default true)", NULL},
    {"bytes_prefix", RC_ARG_BOOL, false, "send Content-Range as 'bytes a-b'", NULL},
    {"digest", RC_ARG_STR, false, "send this digest instead of the right one", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const blob_saves[] = {"digest", "size", "location", "status", NULL};

static const struct rc_arg_def mount_blob_args[] = {
    REPO,
    {"digest", RC_ARG_STR, true, "blob to mount", NULL},
    {"from", RC_ARG_STR, false, "source repository (omit to test a mount without from)", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};

static const struct rc_arg_def get_blob_args[] = {
    REPO,
    {"digest", RC_ARG_STR, true, "blob digest", NULL},
    {"range", RC_ARG_STR, false, "Range header value, e.g. bytes=0-99", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};

static const struct rc_arg_def upload_args[] = {
    REPO,
    {"location", RC_ARG_STR, true, "upload session URL (saved by a request or push-blob)", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};

static const struct rc_arg_def put_manifest_args[] = {
    {"ref", RC_ARG_STR, true, "repository:tag or repository@digest", NULL},
    {"from", RC_ARG_STR, false, "name a push-artifact saved: PUT its manifest bytes again", NULL},
    {"body", RC_ARG_STR, false, "literal manifest body", NULL},
    {"size", RC_ARG_SIZE, false,
     "generate an OCI manifest (empty config, pushed first) padded to exactly this many bytes",
     NULL},
    {"media_type", RC_ARG_STR, false, "Content-Type (default: the artifact's)", NULL},
    {"manifest", RC_ARG_MAP, false,
     "build an OCI image manifest instead of a literal body: config (a saved push-blob, or "
     "'empty'), layers (saved push-blobs), config_type, layer_type, artifact_type, subject (a "
     "saved push-artifact or put-manifest), media_type_field (false leaves mediaType out); "
     "canonical JSON with the annotation io.regcompat.run",
     NULL},
    {"ref_digest", RC_ARG_STR, false,
     "sha256 | sha512: PUT by the body's own digest (ref then names only the repository)",
     digest_algs},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const manifest_saves[] = {"digest",   "size",   "media_type",
                                             "location", "status", NULL};
static const char *const put_manifest_saves[] = {"digest",   "sha256", "size", "media_type",
                                                 "location", "status", NULL};

static const struct rc_arg_def get_manifest_args[] = {
    {"ref", RC_ARG_STR, true, "repository:tag or repository@digest", NULL},
    {"accept", RC_ARG_STR, false, "kwctl | oci | none | any literal Accept header value", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};

static const struct rc_arg_def tag_args[] = {
    {"ref", RC_ARG_STR, true, "existing manifest: repository@digest or repository:tag", NULL},
    {"tag", RC_ARG_STR, true, "the new tag", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};

static const struct rc_arg_def list_tags_args[] = {
    REPO,
    {"n", RC_ARG_INT, false, "page size parameter", NULL},
    {"last", RC_ARG_STR, false, "last parameter", NULL},
    {"follow", RC_ARG_BOOL, false, "follow Link rel=next headers verbatim (default true)", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const list_tags_saves[] = {"count", "pages", "status", NULL};

static const struct rc_arg_def ref_args[] = {
    {"ref", RC_ARG_STR, true, "repository:tag or repository@digest", NULL}, SAVE, UNSUP, ROLE, END,
};

static const struct rc_arg_def delete_blob_args[] = {
    REPO, {"digest", RC_ARG_STR, true, "blob digest", NULL}, SAVE, UNSUP, ROLE, END,
};

static const struct rc_arg_def request_args[] = {
    {"method", RC_ARG_STR, true, "HTTP method", NULL},
    {"path", RC_ARG_STR, true, "path (/v2/...) or absolute URL", NULL},
    {"headers", RC_ARG_MAP, false, "request headers", NULL},
    {"body", RC_ARG_STR, false, "request body", NULL},
    {"query", RC_ARG_MAP, false,
     "query parameters joined onto path with a URL parser ('?' or '&' as the URL needs)", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const request_saves[] = {"status", "location", "digest", NULL};

static const struct rc_arg_def referrers_args[] = {
    REPO,
    {"digest", RC_ARG_STR, true, "subject digest", NULL},
    {"artifact_type", RC_ARG_STR, false, "artifactType filter (?artifactType=)", NULL},
    {"fallback", RC_ARG_BOOL, false,
     "on a 404, read the referrers tag schema index sha256-<hex> instead (default false)", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const referrers_saves[] = {"count", "status", "filtered", NULL};

static const struct rc_arg_def attach_args[] = {
    {"artifact", RC_ARG_STR, true, "oci-artifact | sigstore-bundle", attach_kinds},
    {"subject", RC_ARG_STR, true, "name a push-artifact or attach saved: the subject", NULL},
    {"artifact_type", RC_ARG_STR, false, "artifactType of an oci-artifact", NULL},
    {"ref", RC_ARG_STR, false, "where to PUT it (default {repo}@<its digest>)", NULL},
    {"fallback", RC_ARG_STR, false,
     "auto (default: keep the tag schema index when no OCI-Subject came back) | always | never",
     fallback_modes},
    {"seed", RC_ARG_STR, false, "makes the content unique", NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const attach_saves[] = {"digest",   "size",   "media_type", "oci_subject",
                                           "fallback", "status", NULL};

static const struct rc_arg_def sign_args[] = {
    {"subject", RC_ARG_STR, true, "name a push-artifact saved: the signed manifest", NULL},
    {"format", RC_ARG_STR, false, "cosign (legacy .sig tag, default) | bundle (Sigstore referrer)",
     sign_formats},
    {"key", RC_ARG_STR, false,
     "name of the scenario's signing key (default 'default'): an ECDSA P-256 key made at run "
     "time, kept only in memory",
     NULL},
    {"append", RC_ARG_BOOL, false,
     "cosign: read the stored .sig manifest and add this signature as a new layer, as cosign "
     "does (default true)",
     NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const sign_saves[] = {"digest", "tag", "status", "oci_subject", NULL};

static const char *const tools[] = {"skopeo", NULL};
static const struct rc_arg_def run_tool_args[] = {
    {"tool", RC_ARG_STR, true,
     "skopeo: copy an OCI layout of the artifact to ref, inspect it, copy it back and compare "
     "digests (skip when the tool is not installed)",
     tools},
    {"artifact", RC_ARG_STR, true, "kubewarden-policy", NULL},
    {"ref", RC_ARG_STR, true, "repository:tag to copy to", NULL},
    SAVE,
    ROLE,
    END,
};
static const char *const run_tool_saves[] = {"digest", NULL};

static const struct rc_arg_def verify_args[] = {
    {"subject", RC_ARG_STR, true,
     "name a push-artifact saved: the signed policy (its wasm layer is the local file)", NULL},
    {"ref", RC_ARG_STR, false,
     "what the user verifies, repository:tag or repository@digest (default {repo}@<subject "
     "digest>); it must resolve to the subject",
     NULL},
    {"format", RC_ARG_STR, false,
     "cosign (kwctl verify's read path: the .sig tag, default) | bundle (Sigstore bundle "
     "referrers, the API or the tag schema)",
     sign_formats},
    {"signatures", RC_ARG_INT, false,
     "how many signatures must be found, each verifying with a key of the scenario (default 1)",
     NULL},
    SAVE,
    UNSUP,
    ROLE,
    END,
};
static const char *const verify_saves[] = {"digest", "count", "via", NULL};

static const struct rc_arg_def leftovers_args[] = {
    {"subject", RC_ARG_STR, true, "name a push-artifact saved: the deleted, signed manifest", NULL},
    {"format", RC_ARG_STR, false, "cosign (the .sig tag, default) | bundle (its referrers)",
     sign_formats},
    SAVE,
    ROLE,
    END,
};
static const char *const leftovers_saves[] = {"left", NULL};

static const struct rc_arg_def expect_args[] = {
    {"status", RC_ARG_LIST, false, "allowed status codes", NULL},
    {"header", RC_ARG_MAP, false, "Name: present | absent | glob pattern (variables allowed)",
     NULL},
    {"content_type", RC_ARG_LIST, false, "allowed Content-Type values (parameters ignored)", NULL},
    {"json", RC_ARG_MAP, false, "JSON path: expected value | present | absent", NULL},
    {"envelope", RC_ARG_BOOL, false,
     "judge the body as an OCI error envelope by its content: not JSON = a valid decline "
     "(unsupported), other JSON = fail, a Content-Type other than application/json = a "
     "deviation",
     NULL},
    {"error_code", RC_ARG_LIST, false, "the error envelope must carry one of these codes", NULL},
    {"body_digest", RC_ARG_STR, false, "digest of the response body", NULL},
    {"tags_include", RC_ARG_LIST, false, "tags the last list-tags must contain", NULL},
    {"tags_exclude", RC_ARG_LIST, false, "tags the last list-tags must not contain", NULL},
    {"tags_sorted", RC_ARG_BOOL, false, "the last list-tags came in lexical order", NULL},
    {"referrers_include", RC_ARG_LIST, false,
     "artifactType or digest globs the last referrers listing must contain", NULL},
    {"referrers_exclude", RC_ARG_LIST, false, "... must not contain", NULL},
    {"referrers_count", RC_ARG_INT, false, "number of entries of the last referrers listing", NULL},
    {"values", RC_ARG_MAP, false,
     "\"{saved.value}\": glob pattern, for values saved by earlier steps", NULL},
    {"when", RC_ARG_MAP, false,
     "\"{saved.value}\": glob pattern; this expectation applies only when every one matches", NULL},
    {"reason", RC_ARG_STR, false, "what a failure of this expectation means", NULL},
    UNSUP,
    END,
};

static const struct rc_op_def ops[RC_OP__COUNT] = {
    {RC_OP_PUSH_ARTIFACT, "push-artifact", push_artifact_args,
     "push a whole artifact from the builder (blobs, then the manifest)", push_artifact_saves,
     "201"},
    {RC_OP_PULL_ARTIFACT, "pull-artifact", pull_artifact_args,
     "pull a manifest and every blob it names, verifying digests and bytes", pull_artifact_saves,
     "200"},
    {RC_OP_PUSH_BLOB, "push-blob", push_blob_args, "upload one blob in a chosen mode", blob_saves,
     "201"},
    {RC_OP_MOUNT_BLOB, "mount-blob", mount_blob_args, "cross-repository blob mount", blob_saves,
     "201"},
    {RC_OP_GET_BLOB, "get-blob", get_blob_args, "GET a blob (optionally a range)", blob_saves,
     "200"},
    {RC_OP_HEAD_BLOB, "head-blob", get_blob_args, "HEAD a blob", blob_saves, "200"},
    {RC_OP_CANCEL_UPLOAD, "cancel-upload", upload_args, "DELETE an upload session", blob_saves,
     "204"},
    {RC_OP_UPLOAD_STATUS, "upload-status", upload_args, "GET an upload session's status",
     blob_saves, "204"},
    {RC_OP_PUT_MANIFEST, "put-manifest", put_manifest_args, "PUT manifest bytes",
     put_manifest_saves, "201"},
    {RC_OP_GET_MANIFEST, "get-manifest", get_manifest_args, "GET a manifest with an Accept set",
     manifest_saves, "200"},
    {RC_OP_HEAD_MANIFEST, "head-manifest", get_manifest_args, "HEAD a manifest", manifest_saves,
     "200"},
    {RC_OP_TAG, "tag", tag_args, "add a tag to an existing manifest (GET by digest, PUT by tag)",
     manifest_saves, "201"},
    {RC_OP_LIST_TAGS, "list-tags", list_tags_args, "list tags, following pagination",
     list_tags_saves, "200"},
    {RC_OP_DELETE_TAG, "delete-tag", ref_args, "DELETE a manifest by tag", manifest_saves, "202"},
    {RC_OP_DELETE_MANIFEST, "delete-manifest", ref_args, "DELETE a manifest by digest",
     manifest_saves, "202"},
    {RC_OP_DELETE_BLOB, "delete-blob", delete_blob_args, "DELETE a blob", blob_saves, "202"},
    {RC_OP_REQUEST, "request", request_args, "raw HTTP request (the escape hatch)", request_saves,
     NULL},
    {RC_OP_REFERRERS, "referrers", referrers_args,
     "list the referrers of a digest (API, or the tag schema as a fallback)", referrers_saves,
     "200"},
    {RC_OP_ATTACH, "attach", attach_args,
     "push an artifact whose subject is a saved manifest; keep the fallback index if needed",
     attach_saves, "201"},
    {RC_OP_SIGN, "sign", sign_args,
     "sign a manifest with a real key: cosign .sig tag or Sigstore bundle referrer", sign_saves,
     "201"},
    {RC_OP_RUN_TOOL, "run-tool", run_tool_args,
     "run an installed client (skopeo) against the registry with the profile's credentials and CA",
     run_tool_saves, NULL},
    {RC_OP_VERIFY, "verify", verify_args,
     "find and verify a manifest's signatures as kwctl verify (cosign) or a bundle verifier "
     "reads them: every answer 200, digests, payload and ECDSA signature",
     verify_saves, "200"},
    {RC_OP_SIGNATURE_LEFTOVERS, "signature-leftovers", leftovers_args,
     "after the signed manifest was deleted: report (as a note) whether its .sig or bundle "
     "referrers are left behind",
     leftovers_saves, "200 404"},
    {RC_OP_EXPECT, "expect", expect_args, "check the previous step's last answer", NULL, NULL},
};

const struct rc_op_def *rc_op_def(enum rc_op op)
{
    return &ops[op];
}

const struct rc_op_def *rc_op_find(const char *name)
{
    for (size_t i = 0; i < RC_OP__COUNT; i++)
        if (rc_str_eq(ops[i].name, name))
            return &ops[i];
    return NULL;
}

static const char *type_name(enum rc_arg_type t)
{
    static const char *const names[] = {"string", "integer", "boolean", "size", "list", "map"};
    return names[t];
}

void rc_suite_ops_help(struct rc_buf *out)
{
    for (size_t i = 0; i < RC_OP__COUNT; i++) {
        rc_buf_addf(out, "%-16s %s\n", ops[i].name, ops[i].help);
        if (ops[i].expect_status)
            rc_buf_addf(out, "    %-18s %s\n", "(expects)", ops[i].expect_status);
        else if (ops[i].op == RC_OP_REQUEST)
            rc_buf_addf(out, "    %-18s %s\n", "(expects)",
                        "by method: GET/HEAD 200, POST/PATCH/DELETE 202, PUT 201");
        if (ops[i].saves) {
            rc_buf_addf(out, "    %-18s", "(saves)");
            for (const char *const *f = ops[i].saves; *f; f++)
                rc_buf_addf(out, " %s", *f);
            rc_buf_adds(out, "\n");
        }
        for (const struct rc_arg_def *a = ops[i].args; a->key; a++)
            rc_buf_addf(out, "    %-18s %-8s %s%s\n", a->key, type_name(a->type),
                        a->required ? "(required) " : "", a->help);
    }
}
