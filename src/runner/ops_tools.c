/* run-tool: a real client run against the registry, as users run it. skopeo (Debian's
 * package) copies an OCI layout of the artifact to the registry, inspects it, copies it back
 * and the digests are compared. The profile's credentials go in a temporary auth file (mode
 * 0600, removed afterwards; never on the command line or in the logs), its CA in a temporary
 * certificate folder. A tool that is not installed makes the check `skip`, with the reason.
 * crane is not packaged here, and its source shows no difference from skopeo for these steps,
 * so it is not run (docs/kwctl-model.md). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json/json.h"
#include "runner/ops.h"

#include "base/banned.h"

extern char **environ;

#define TOOL_WAIT_MS (300 * 1000L) /* a safety net: skopeo normally ends in well under 10 s */

static char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char *cand = rc_fmt("%.*s/%s", (int)n, p, name);
        if (access(cand, X_OK) == 0)
            return cand;
        free(cand);
        p += n;
        if (*p == ':')
            p++;
    }
    return NULL;
}

/* Runs argv with stdout and stderr to files; returns the exit status, or -1 (and a message
 * in *why) when it could not run or had to be stopped. */
static int run_argv(char *const *argv, const char *out_path, const char *err_path, char **why)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        *why = rc_fmt("cannot start %s: %s", argv[0], strerror(rc));
        return -1;
    }
    int st = 0;
    for (long waited = 0;; waited += 20) {
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            *why = rc_fmt("waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
        if (waited >= TOOL_WAIT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            *why = rc_fmt("%s did not end within %ld s", argv[0], TOOL_WAIT_MS / 1000);
            return -1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!WIFEXITED(st)) {
        *why = rc_fmt("%s was killed by signal %d", argv[0], WTERMSIG(st));
        return -1;
    }
    return WEXITSTATUS(st);
}

/* The last non-empty line of a file, redacted (the tool's own error message). */
static char *last_line(const char *path)
{
    struct rc_buf b = RC_BUF_INIT(64 * 1024);
    FILE *f = fopen(path, "r");
    if (f) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            if (rc_buf_add(&b, buf, n) < 0)
                break;
        fclose(f);
    }
    char *text = rc_xstrndup(b.data ? b.data : "", b.len);
    rc_buf_dispose(&b);
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    char *nl = strrchr(text, '\n');
    char *out = rc_redact_text(nl ? nl + 1 : text);
    free(text);
    return out;
}

static int write_text(const char *dir, const char *name, const char *text, struct rc_error **err)
{
    rc_autofree char *p = rc_fmt("%s/%s", dir, name);
    return rc_write_file(p, text, strlen(text), err);
}

/* An OCI image layout of the artifact, tagged `tag`. */
static int write_layout(const char *dir, struct rc_artifact *art, const char *tag,
                        struct rc_error **err)
{
    rc_autofree char *blobs = rc_fmt("%s/blobs", dir);
    rc_autofree char *sha = rc_fmt("%s/blobs/sha256", dir);
    if (mkdir(dir, 0700) < 0 || mkdir(blobs, 0700) < 0 || mkdir(sha, 0700) < 0)
        return rc_error_set(err, RC_ERR, "mkdir %s: %s", dir, strerror(errno));
    int rc = write_text(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err);
    for (size_t i = 0; rc == 0 && i < art->nblobs; i++) {
        struct rc_buf data = RC_BUF_INIT(0);
        rc = rc_artifact_blob_rewind(&art->blobs[i].src, err);
        if (rc == 0)
            rc = rc_artifact_blob_slurp(&data, &art->blobs[i].src, err);
        rc_autofree char *p = rc_fmt("%s/%s", sha, art->blobs[i].desc.digest + 7);
        if (rc == 0)
            rc = rc_write_file(p, data.data ? data.data : "", data.len, err);
        rc_buf_dispose(&data);
    }
    rc_autofree char *mp = rc_fmt("%s/%s", sha, art->digest + 7);
    if (rc == 0)
        rc = rc_write_file(mp, art->manifest, art->manifest_len, err);
    rc_autofree char *index =
        rc_fmt("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
               "\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
               art->media_type, art->digest, art->manifest_len, tag);
    if (rc == 0)
        rc = write_text(dir, "index.json", index, err);
    return rc;
}

/* The manifest digest an OCI layout's index.json lists first, or NULL. */
static char *layout_digest(const char *dir)
{
    rc_autofree char *p = rc_fmt("%s/index.json", dir);
    struct rc_buf b = RC_BUF_INIT(RC_MIB);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (rc_buf_add(&b, buf, n) < 0)
            break;
    fclose(f);
    struct rc_json *j = NULL;
    struct rc_error *err = NULL;
    char *out = NULL;
    if (rc_json_parse(&j, b.data ? b.data : "", b.len, &err) == 0)
        out = rc_xstrdup(rc_json_str(rc_json_path(j, "manifests[0].digest")));
    rc_error_free(err);
    rc_json_free(j);
    rc_buf_dispose(&b);
    return out;
}

static void remove_tree(const char *dir)
{
    char rm[] = "/bin/rm", rf[] = "-rf";
    char *argv[] = {rm, rf, (char *)dir, NULL};
    char *why = NULL;
    if (run_argv(argv, "/dev/null", "/dev/null", &why) < 0)
        rc_log(RC_LOG_WARN, "%s", why);
    free(why);
}

/* The options that give skopeo the profile's TLS setting for one side ("dest-", "src-" or
 * ""); NULL-free strings appended to argv. */
static size_t tls_args(char **argv, size_t n, struct sctx *c, const char *side, const char *certdir)
{
    const struct rc_profile *p = c->w->profile;
    if (!p->tls.verify || rc_str_starts(p->url, "http://"))
        argv[n++] = rc_fmt("--%stls-verify=false", side);
    else if (certdir)
        argv[n++] = rc_fmt("--%scert-dir=%s", side, certdir);
    return n;
}

static size_t auth_args(char **argv, size_t n, const char *side, const char *authfile)
{
    if (authfile)
        argv[n++] = rc_fmt("--%sauthfile=%s", side, authfile);
    return n;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
}

/* Runs one skopeo command; on failure decides the check (fail: skopeo refused what the
 * registry did). 0 = it exited 0. */
static int skopeo(struct sctx *c, const char *tmp, char **argv, const char *what,
                  const char *out_path)
{
    rc_autofree char *err_path = rc_fmt("%s/stderr", tmp);
    char *why = NULL;
    int st = run_argv(argv, out_path, err_path, &why);
    if (st < 0) {
        judge_suite(c, "skopeo %s: %s", what, why);
        free(why);
        return 1;
    }
    if (st != 0) {
        /* a registry that does not answer at all is not judged through skopeo's exit */
        struct rc_http_response p;
        rc_http_response_init(&p);
        struct rc_error *e = NULL;
        int prc = rc_oci_ping(&c->w->oci, &p, &e);
        rc_http_response_dispose(&p);
        if (prc < 0) {
            rc_autofree char *w = rc_fmt("skopeo %s failed, and the registry", what);
            return judge_transport(c, w, prc, e);
        }
        rc_error_free(e);
        rc_autofree char *msg = last_line(err_path);
        judge_wrong(c, "skopeo %s exited %d: %s", what, st, msg);
        return 1;
    }
    return 0;
}

/* What every skopeo copy of the step shares. */
struct copy_ctx {
    struct sctx *c;
    const char *tmp, *exe, *policy, *authfile, *certdir, *out_path;
};

/* skopeo copy --preserve-digests FROM TO, credentials and CA on side ("dest-" or "src-"). */
static int skopeo_copy(const struct copy_ctx *k, const char *side, const char *from, const char *to,
                       const char *what)
{
    char *argv[16] = {0};
    size_t n = 0;
    argv[n++] = rc_xstrdup(k->exe);
    argv[n++] = rc_fmt("--policy=%s", k->policy);
    argv[n++] = rc_xstrdup("copy");
    argv[n++] = rc_xstrdup("--preserve-digests");
    n = auth_args(argv, n, side, k->authfile);
    n = tls_args(argv, n, k->c, side, k->certdir);
    argv[n++] = rc_xstrdup(from);
    argv[n++] = rc_xstrdup(to);
    int stop = skopeo(k->c, k->tmp, argv, what, k->out_path);
    free_argv(argv);
    return stop;
}

int op_run_tool(struct sctx *c, const struct rc_step *st)
{
    rc_autofree char *exe = find_in_path("skopeo");
    if (!exe)
        return judge_skip(c, "skopeo is not installed (Debian package skopeo)");
    rc_autofree char *ref = step_arg(c, st, "ref");
    rc_autofree char *repo = NULL;
    rc_autofree char *tag = NULL;
    if (step_split(c, ref, &repo, &tag))
        return 1;
    rc_autofree char *salt = rc_fmt("%s/%s/", c->w->run_id, c->sc->id);
    struct rc_artifact art = {0};
    struct rc_artifact_policy_opts po = {.salt = salt};
    struct rc_error *err = NULL;
    if (rc_artifact_build_policy(&art, &po, &err) < 0) {
        judge_suite(c, "building the policy: %s", rc_error_msg(err));
        rc_error_free(err);
        return 1;
    }
    const char *tdir = getenv("TMPDIR");
    rc_autofree char *tmp = rc_fmt("%s/regcompat-tool-XXXXXX", tdir && *tdir ? tdir : "/tmp");
    if (!mkdtemp(tmp)) {
        rc_artifact_dispose(&art);
        return judge_suite(c, "mkdtemp: %s", strerror(errno));
    }
    rc_autofree char *layout = rc_fmt("%s/layout", tmp);
    rc_autofree char *back = rc_fmt("%s/back", tmp);
    rc_autofree char *policy = rc_fmt("%s/policy.json", tmp);
    rc_autofree char *authfile = NULL;
    rc_autofree char *certdir = NULL;
    int stop = 0;
    if (write_layout(layout, &art, tag, &err) < 0 ||
        write_text(tmp, "policy.json", "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}",
                   &err) < 0) {
        stop = judge_suite(c, "writing the OCI layout: %s", rc_error_msg(err));
        rc_error_free(err);
        err = NULL;
    }
    /* credentials: an auth file of mode 0600 (rc_write_file creates files 0600) */
    if (!stop && c->w->kw_user && c->w->kw_pass) {
        rc_autofree char *json = rc_auth_config_json(c->w->host, c->w->kw_user, c->w->kw_pass);
        authfile = rc_fmt("%s/auth.json", tmp);
        if (!json || rc_write_file(authfile, json, strlen(json), &err) < 0) {
            stop = judge_suite(c, "writing the auth file: %s", err ? rc_error_msg(err) : "no JSON");
            rc_error_free(err);
            err = NULL;
        }
        chmod(authfile, 0600);
    }
    if (!stop && c->w->profile->tls.ca) {
        certdir = rc_fmt("%s/certs", tmp);
        rc_autofree char *ca = rc_fmt("%s/ca.crt", certdir);
        char cp[] = "/bin/cp";
        char *argv[] = {cp, (char *)c->w->profile->tls.ca, ca, NULL};
        char *why = NULL;
        if (mkdir(certdir, 0700) < 0 || run_argv(argv, "/dev/null", "/dev/null", &why) != 0) {
            stop = judge_suite(c, "copying the profile's CA: %s", why ? why : strerror(errno));
        }
        free(why);
    }
    rc_autofree char *dest = rc_fmt("docker://%s/%s:%s", c->w->host, repo, tag);
    rc_autofree char *src = rc_fmt("oci:%s:%s", layout, tag);
    rc_autofree char *dst_back = rc_fmt("oci:%s:%s", back, tag);
    rc_autofree char *out_path = rc_fmt("%s/stdout", tmp);
    if (!stop) {
        /* 1. copy the layout to the registry, digests preserved */
        struct copy_ctx cc = {c, tmp, exe, policy, authfile, certdir, out_path};
        stop = skopeo_copy(&cc, "dest-", src, dest, "copy of the policy to the registry");
        if (!stop) {
            sctx_track(c, repo, art.digest, true);
            for (size_t i = 0; i < art.nblobs; i++)
                sctx_track(c, repo, art.blobs[i].desc.digest, false);
        }
    }
    if (!stop) {
        /* 2. inspect --raw: the registry serves the manifest bytes pushed */
        char *argv[16] = {0};
        size_t n = 0;
        argv[n++] = rc_xstrdup(exe);
        argv[n++] = rc_fmt("--policy=%s", policy);
        argv[n++] = rc_xstrdup("inspect");
        argv[n++] = rc_xstrdup("--raw");
        n = auth_args(argv, n, "", authfile);
        n = tls_args(argv, n, c, "", certdir);
        argv[n++] = rc_xstrdup(dest);
        stop = skopeo(c, tmp, argv, "inspect --raw", out_path);
        free_argv(argv);
        if (!stop) {
            char got[RC_DIGEST_MAX] = "";
            struct rc_buf raw = RC_BUF_INIT(8 * RC_MIB);
            if (rc_buf_read_file(&raw, out_path, &err) == 0)
                rc_digest_bytes(RC_DIGEST_SHA256, raw.data ? raw.data : "", raw.len, got);
            rc_error_free(err);
            err = NULL;
            rc_buf_dispose(&raw);
            if (!rc_str_eq(got, art.digest))
                stop = judge_wrong(c,
                                   "skopeo inspect --raw got a manifest hashing to %s, not the "
                                   "pushed %s",
                                   got, art.digest);
        }
    }
    if (!stop) {
        /* 3. copy it back to a layout: the same manifest digest */
        struct copy_ctx cc = {c, tmp, exe, policy, authfile, certdir, out_path};
        stop =
            skopeo_copy(&cc, "src-", dest, dst_back, "copy of the policy back from the registry");
        if (!stop) {
            rc_autofree char *d = layout_digest(back);
            if (!d || !rc_str_eq(d, art.digest))
                stop = judge_wrong(c, "skopeo copied back a manifest %s, not the pushed %s",
                                   d ? d : "(none)", art.digest);
        }
    }
    step_save(c, st, "digest", art.digest);
    rc_artifact_dispose(&art);
    remove_tree(tmp);
    return stop;
}
