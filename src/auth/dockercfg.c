/* auth: credentials from a docker config.json and docker credential helpers.
 *
 * Lookup order for a registry host: credHelpers[host], then auths[host] (keys may be written
 * as "host", "https://host", "http://host/v2/", ...; Docker Hub's names all meet at
 * "https://index.docker.io/v1/"), then the credsStore helper. A helper is run as
 * "docker-credential-<name> get" without a shell: the server URL goes to its stdin and a
 * JSON document comes back on stdout. */
#include "auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/internal.h"
#include "json/json.h"

#include "base/banned.h"

extern char **environ;

#define CONFIG_MAX_BYTES     (4 * RC_MIB)
#define HELPER_TIMEOUT_MS    10000L
#define HELPER_OUTPUT_MAX    (64 * 1024)
#define HELPER_NOT_FOUND_MSG "credentials not found"
#define HUB_HOST             "index.docker.io"
#define HUB_SERVER_URL       "https://index.docker.io/v1/"

/* ---- host names ------------------------------------------------------------------------ */

static bool is_hub(const char *host)
{
    return rc_str_ieq(host, "docker.io") || rc_str_ieq(host, "index.docker.io") ||
           rc_str_ieq(host, "registry-1.docker.io") || rc_str_ieq(host, "registry.hub.docker.com");
}

/* "https://host/v1/" -> "host"; hub aliases -> "index.docker.io". Caller frees. */
static char *key_host(const char *key)
{
    const char *p = key;
    if (rc_str_starts(p, "https://"))
        p += 8;
    else if (rc_str_starts(p, "http://"))
        p += 7;
    char *h = rc_xstrndup(p, strcspn(p, "/"));
    if (is_hub(h)) {
        free(h);
        h = rc_xstrdup(HUB_HOST);
    }
    return h;
}

static bool key_matches(const char *key, const char *host)
{
    char *a = key_host(key), *b = key_host(host);
    bool same = rc_str_ieq(a, b);
    free(a);
    free(b);
    return same;
}

/* The server URL a helper is asked about: Docker Hub's historical one, else the host. */
static const char *helper_server(const char *host)
{
    char *h = key_host(host);
    bool hub = strcmp(h, HUB_HOST) == 0;
    free(h);
    return hub ? HUB_SERVER_URL : host;
}

/* The member of an object whose key names host: an exact key first, then any spelling. */
static const struct rc_json *find_host_member(const struct rc_json *obj, const char *host,
                                              const char **key_out)
{
    size_t n = rc_json_type(obj) == RC_JSON_OBJECT ? rc_json_len(obj) : 0;
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const char *key = rc_json_key_at(obj, i);
            bool hit = pass == 0 ? strcmp(key, host) == 0 : key_matches(key, host);
            if (hit) {
                *key_out = key;
                return rc_json_at(obj, i);
            }
        }
    }
    return NULL;
}

/* ---- credential helpers ---------------------------------------------------------------- */

/* A helper name becomes part of a program name looked up on PATH: no paths, no spaces. */
static bool nonempty_name(const char *s)
{
    return s && *s && !strpbrk(s, "/ \t\r\n") && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static void set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The first line of a helper's output, trimmed and redacted, for messages. */
static char *first_line(const struct rc_buf *b)
{
    char *s = rc_xstrndup(rc_buf_str(b), strcspn(rc_buf_str(b), "\r\n"));
    char *t = rc_redact_text(rc_str_trim(s));
    free(s);
    if (strlen(t) > 200)
        t[200] = '\0';
    return t;
}

/* Waits for pid until deadline (ms, monotonic); kills it past that. Returns its wait status,
 * or -1 when it had to be killed. */
static int reap(pid_t pid, uint64_t deadline)
{
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return status;
        if (w < 0 && errno != EINTR)
            return -1;
        if (rc_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return -1;
        }
        rc_sleep_ms(5);
    }
}

int rc_auth_cred_helper_timeout(struct rc_credentials *out, const char *helper, const char *host,
                                long timeout_ms, struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    if (!nonempty_name(helper))
        return rc_error_set(err, RC_EINVAL, "invalid credential helper name \"%s\"",
                            helper ? helper : "");
    rc_autofree char *prog = rc_fmt("docker-credential-%s", helper);
    /* stdin is a socket so that writing to a helper that never reads cannot raise SIGPIPE */
    int in[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, in) < 0 || pipe(outp) < 0 || pipe(errp) < 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            close_fd(&in[i]);
            close_fd(&outp[i]);
            close_fd(&errp[i]);
        }
        return rc_error_set(err, RC_ERR, "%s: %s", prog, strerror(e));
    }
    set_cloexec(in[0]);
    set_cloexec(outp[0]);
    set_cloexec(errp[0]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[1], 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, outp[1]);
    posix_spawn_file_actions_addclose(&fa, errp[1]);
    char *argv[] = {prog, (char *)"get", NULL};
    pid_t pid = 0;
    int se = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close_fd(&in[1]);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    if (se != 0) {
        close_fd(&in[0]);
        close_fd(&outp[0]);
        close_fd(&errp[0]);
        if (se == ENOENT)
            return rc_error_set(err, RC_ENOTFOUND, "credential helper %s not found on PATH", prog);
        return rc_error_set(err, RC_ERR, "cannot run credential helper %s: %s", prog, strerror(se));
    }

    uint64_t deadline = rc_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : HELPER_TIMEOUT_MS);
    const char *server = host ? host : "";
    size_t left = strlen(server), off = 0;
    int fl = fcntl(in[0], F_GETFL);
    if (fl >= 0)
        fcntl(in[0], F_SETFL, fl | O_NONBLOCK);
    struct rc_buf outb = RC_BUF_INIT(HELPER_OUTPUT_MAX), errb = RC_BUF_INIT(HELPER_OUTPUT_MAX);
    rc_buf_add(&outb, "", 0);
    rc_buf_add(&errb, "", 0);
    bool overflow = false, timed_out = false;
    if (!left)
        close_fd(&in[0]);
    while (outp[0] >= 0 || errp[0] >= 0 || in[0] >= 0) {
        uint64_t now = rc_now_ms();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        struct pollfd pfd[3];
        int *fds[3];
        nfds_t n = 0;
        if (in[0] >= 0) {
            pfd[n] = (struct pollfd){in[0], POLLOUT, 0};
            fds[n++] = &in[0];
        }
        if (outp[0] >= 0) {
            pfd[n] = (struct pollfd){outp[0], POLLIN, 0};
            fds[n++] = &outp[0];
        }
        if (errp[0] >= 0) {
            pfd[n] = (struct pollfd){errp[0], POLLIN, 0};
            fds[n++] = &errp[0];
        }
        int pr = poll(pfd, n, (int)(deadline - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break;
        for (nfds_t i = 0; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            if (fds[i] == &in[0]) {
                ssize_t w = send(in[0], server + off, left, MSG_NOSIGNAL);
                if (w > 0) {
                    off += (size_t)w;
                    left -= (size_t)w;
                }
                if (left == 0 || (w < 0 && errno != EAGAIN && errno != EINTR))
                    close_fd(&in[0]); /* EOF for the helper (or it stopped reading) */
                continue;
            }
            char tmp[4096];
            ssize_t r = read(*fds[i], tmp, sizeof(tmp));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close_fd(fds[i]);
                continue;
            }
            struct rc_buf *dst = fds[i] == &outp[0] ? &outb : &errb;
            if (rc_buf_add(dst, tmp, (size_t)r) < 0) {
                overflow = true;
                close_fd(fds[i]);
            }
        }
        if (overflow)
            break;
    }
    close_fd(&in[0]);
    close_fd(&outp[0]);
    close_fd(&errp[0]);
    int status = reap(pid, (timed_out || overflow) ? 0 : deadline);
    int rc = 0;
    if (timed_out || (status == -1 && !overflow)) {
        rc = rc_error_set(err, RC_ETIMEOUT, "credential helper %s did not answer within %ld ms",
                          prog, timeout_ms > 0 ? timeout_ms : HELPER_TIMEOUT_MS);
    } else if (overflow) {
        rc = rc_error_set(err, RC_ELIMIT, "credential helper %s wrote more than %d bytes", prog,
                          HELPER_OUTPUT_MAX);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (strstr(rc_buf_str(&outb), HELPER_NOT_FOUND_MSG) ||
            strstr(rc_buf_str(&errb), HELPER_NOT_FOUND_MSG)) {
            rc = 0; /* the helper knows nothing about this host: no credentials */
        } else {
            char *why = first_line(outb.len ? &outb : &errb);
            if (WIFEXITED(status))
                rc = rc_error_set(err, RC_EAUTH, "credential helper %s failed (exit %d)%s%s", prog,
                                  WEXITSTATUS(status), *why ? ": " : "", why);
            else
                rc = rc_error_set(err, RC_EAUTH, "credential helper %s was killed by signal %d",
                                  prog, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            free(why);
        }
    } else {
        rc_auto_json struct rc_json *doc = NULL;
        struct rc_error *perr = NULL;
        if (rc_json_parse(&doc, outb.data, outb.len, &perr) < 0 ||
            rc_json_type(doc) != RC_JSON_OBJECT) {
            rc = rc_error_set(err, RC_EPARSE, "credential helper %s answered no JSON object%s%s",
                              prog, perr ? ": " : "", perr ? rc_error_msg(perr) : "");
        } else {
            const char *user = rc_json_get_str(doc, "Username");
            const char *secret = rc_json_get_str(doc, "Secret");
            rc_redact_add_secret(secret);
            if (rc_str_eq(user, "<token>")) {
                out->identity_token = rc_xstrdup(secret);
            } else {
                out->username = rc_xstrdup(user);
                out->password = rc_xstrdup(secret);
            }
            out->source = rc_fmt("credential helper %s", prog);
        }
        rc_error_free(perr);
    }
    rc_buf_dispose(&outb);
    rc_buf_dispose(&errb);
    return rc;
}

int rc_auth_cred_helper(struct rc_credentials *out, const char *helper, const char *host,
                        struct rc_error **err)
{
    return rc_auth_cred_helper_timeout(out, helper, host, HELPER_TIMEOUT_MS, err);
}

/* ---- config.json ----------------------------------------------------------------------- */

char *rc_auth_docker_config_path(void)
{
    const char *dir = getenv("DOCKER_CONFIG");
    if (dir && *dir)
        return rc_fmt("%s/config.json", dir);
    const char *home = getenv("HOME");
    if (home && *home)
        return rc_fmt("%s/.docker/config.json", home);
    return NULL;
}

static int from_auths_entry(struct rc_credentials *out, const struct rc_json *entry,
                            const char *path, const char *key, struct rc_error **err)
{
    if (rc_json_type(entry) != RC_JSON_OBJECT)
        return rc_error_set(err, RC_EPARSE, "%s: auths[\"%s\"] is not an object", path, key);
    const char *auth = rc_json_get_str(entry, "auth");
    if (auth && *auth) {
        size_t len = 0;
        char *pair = rc_auth_base64_decode(auth, &len);
        char *colon = pair ? memchr(pair, ':', len) : NULL;
        if (!colon || strlen(pair) != len) {
            free(pair);
            return rc_error_set(err, RC_EPARSE,
                                "%s: auths[\"%s\"].auth is not base64 of \"user:password\"", path,
                                key);
        }
        out->username = rc_xstrndup(pair, (size_t)(colon - pair));
        out->password = rc_xstrdup(colon + 1);
        free(pair);
    } else {
        out->username = rc_xstrdup(rc_json_get_str(entry, "username"));
        out->password = rc_xstrdup(rc_json_get_str(entry, "password"));
    }
    out->identity_token = rc_xstrdup(rc_json_get_str(entry, "identitytoken"));
    out->registry_token = rc_xstrdup(rc_json_get_str(entry, "registrytoken"));
    rc_redact_add_secret(out->password);
    rc_redact_add_secret(out->identity_token);
    rc_redact_add_secret(out->registry_token);
    rc_redact_add_secret(auth);
    out->source = rc_fmt("docker config %s (auths \"%s\")", path, key);
    return 0;
}

static int run_helper_for(struct rc_credentials *out, const char *helper, const char *host,
                          const char *path, const char *what, struct rc_error **err)
{
    int rc = rc_auth_cred_helper(out, helper, helper_server(host), err);
    if (rc < 0)
        return rc_error_prefix(err, "%s (%s)", path, what);
    if (out->source) {
        char *src = rc_fmt("%s via docker config %s (%s)", out->source, path, what);
        free(out->source);
        out->source = src;
    }
    return 0;
}

int rc_auth_docker_config(struct rc_credentials *out, const char *host, const char *config_path,
                          struct rc_error **err)
{
    memset(out, 0, sizeof(*out));
    rc_autofree char *path = config_path ? rc_xstrdup(config_path) : rc_auth_docker_config_path();
    if (!path || !host || !*host)
        return 0;
    struct rc_buf text = RC_BUF_INIT(CONFIG_MAX_BYTES);
    struct rc_error *rerr = NULL;
    int rc = rc_buf_read_file(&text, path, &rerr);
    if (rc < 0) {
        rc_buf_dispose(&text);
        if (rc == RC_ENOTFOUND && !config_path) {
            rc_error_free(rerr);
            return 0; /* no docker config at all: anonymous */
        }
        rc = rc_error_set(err, rc, "%s", rc_error_msg(rerr));
        rc_error_free(rerr);
        return rc;
    }
    rc_auto_json struct rc_json *doc = NULL;
    rc = rc_json_parse(&doc, text.data, text.len, err);
    rc_buf_dispose(&text);
    if (rc < 0)
        return rc_error_prefix(err, "%s", path);
    if (rc_json_type(doc) != RC_JSON_OBJECT)
        return rc_error_set(err, RC_EPARSE, "%s: not a JSON object", path);

    const char *key = NULL;
    const struct rc_json *helper = find_host_member(rc_json_get(doc, "credHelpers"), host, &key);
    if (helper) {
        if (!rc_json_str(helper))
            return rc_error_set(err, RC_EPARSE, "%s: credHelpers[\"%s\"] is not a string", path,
                                key);
        char *what = rc_fmt("credHelpers \"%s\"", key);
        rc = run_helper_for(out, rc_json_str(helper), host, path, what, err);
        free(what);
        return rc;
    }
    const struct rc_json *entry = find_host_member(rc_json_get(doc, "auths"), host, &key);
    if (entry) {
        rc = from_auths_entry(out, entry, path, key, err);
        if (rc < 0 || !rc_credentials_empty(out))
            return rc;
        rc_credentials_dispose(out); /* "{}": docker's marker that a store holds them */
    }
    const char *store = rc_json_get_str(doc, "credsStore");
    if (store && *store)
        return run_helper_for(out, store, host, path, "credsStore", err);
    return 0;
}

char *rc_auth_config_json(const char *host, const char *username, const char *password)
{
    char *pair = rc_fmt("%s:%s", username, password);
    char *b64 = rc_auth_base64_encode(pair, strlen(pair));
    rc_redact_add_secret(b64);
    struct rc_buf js = RC_BUF_INIT(64 * 1024);
    struct rc_jw w;
    rc_jw_init(&w, &js, false);
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, "auths");
    rc_jw_obj_begin(&w);
    rc_jw_key(&w, host);
    rc_jw_obj_begin(&w);
    rc_jw_kstr(&w, "auth", b64);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    rc_jw_obj_end(&w);
    struct rc_error *err = NULL;
    char *out = rc_jw_finish(&w, &err) == 0 ? rc_xstrndup(js.data, js.len) : NULL;
    rc_error_free(err);
    rc_buf_dispose(&js);
    free(b64);
    free(pair);
    return out;
}
