/* Shared by the runner's operation files (ops*.c); not part of the library's API. */
#ifndef RC_RUNNER_OPS_H
#define RC_RUNNER_OPS_H

#include "runner/internal.h"

#define DEFAULT_BLOB_SIZE  4096
#define DEFAULT_LAYER_SIZE (64 * 1024)
#define MAX_TAG_PAGES      1000

char *step_arg(struct sctx *c, const struct rc_step *st, const char *key);
int64_t step_num(const struct rc_step *st, const char *key, int64_t dflt);
const char *step_save_name(const struct rc_step *st);
void step_save(struct sctx *c, const struct rc_step *st, const char *field, const char *v);
void step_save_u64(struct sctx *c, const struct rc_step *st, const char *field, uint64_t v);
void step_save_answer(struct sctx *c, const struct rc_step *st, const struct rc_http_response *r);
char *step_accept(const char *a);
int step_split(struct sctx *c, const char *ref, char **repo, char **reference);
void step_body_source(struct rc_http_body_source *out, struct rc_blob_src *b);
char *step_repo(struct sctx *c, const struct rc_step *st);
const char *step_default_status(struct sctx *c, const struct rc_step *st, const char *method);
int step_finish(struct sctx *c, const struct rc_step *st, const char *what, int rc,
                struct rc_error *err, struct rc_http_response *r);
int op_request(struct sctx *c, const struct rc_step *st);
int step_upload(struct sctx *c, const struct rc_step *st, const char *repo, const char *digest,
                struct rc_blob_src *blob, const struct rc_upload_opts *o, const char *what,
                struct rc_http_response *resp);
int step_push_built(struct sctx *c, const struct rc_step *st, const char *repo,
                    const char *reference, const struct rc_artifact *art,
                    const struct rc_upload_opts *uo, struct rc_http_response *resp);
int op_push_artifact(struct sctx *c, const struct rc_step *st);
int op_push_blob(struct sctx *c, const struct rc_step *st);
int op_mount_blob(struct sctx *c, const struct rc_step *st);
int op_upload_session(struct sctx *c, const struct rc_step *st);
int op_pull_artifact(struct sctx *c, const struct rc_step *st);
int op_get_blob(struct sctx *c, const struct rc_step *st);
int op_put_manifest(struct sctx *c, const struct rc_step *st);
int op_get_manifest(struct sctx *c, const struct rc_step *st);
int op_tag(struct sctx *c, const struct rc_step *st);
int op_delete_manifest(struct sctx *c, const struct rc_step *st);
int op_delete_blob(struct sctx *c, const struct rc_step *st);
int op_list_tags(struct sctx *c, const struct rc_step *st);
int op_referrers(struct sctx *c, const struct rc_step *st);
/* ops_referrers.c, shared with ops_sign.c */
/* Why an answer of the referrers API is "no referrers API" (caller frees), or NULL. */
char *referrers_no_api(const struct rc_http_response *r, bool *index_ok);
/* GET of the tag-schema index of subject in repo (1 = decided; *found: the tag exists). */
int referrers_fallback_get(struct sctx *c, const struct rc_step *st, const char *repo,
                           const char *subject, bool *found, struct rc_http_response *resp);
/* Parses an answer that must be an image index into c->refs (1 = decided). */
int referrers_take_index(struct sctx *c, const struct rc_http_response *r, const char *what);
/* Pushes a built referrer of subject_digest; keeps the fallback index (mode auto, always,
 * never). */
int referrer_push(struct sctx *c, const struct rc_step *st, struct rc_artifact *art,
                  const char *subject_digest, const char *mode);
/* Saves art under the step's `save` name (or frees it). */
void step_keep_artifact(struct sctx *c, const struct rc_step *st, struct rc_artifact *art);
/* The saved artifact the step's `subject` names (NULL: decided as a suite error). */
struct saved_artifact *step_subject_arg(struct sctx *c, const struct rc_step *st);
int op_attach(struct sctx *c, const struct rc_step *st);
/* ops_sign.c */
int op_sign(struct sctx *c, const struct rc_step *st);
int op_verify(struct sctx *c, const struct rc_step *st);
int op_signature_leftovers(struct sctx *c, const struct rc_step *st);
int op_expect(struct sctx *c, const struct rc_step *st);

#endif
