#!/usr/bin/env bash
# lab: main
# A hostile registry (a small python3 server on loopback) cannot damage the machine that
# tests it, nor keep a run going:
# - a symlink planted where regcompat.log goes is replaced, its target left untouched;
# - terminal escape sequences in its answers reach neither the -v output nor the log;
# - a Link rel=next that points back to a page already read is a `fail` saying so, and is
#   not followed, for the tags list and the referrers list;
# - pages that never end stop after exactly 1000 pages, and the reason says 1000;
# - a header line over 100 KB is named as such, not as "Out of memory".
. "$(dirname "$0")/lib.sh"

cat >"$RC_WORK/hostile.py" <<'EOPY'
import json, re, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

log = open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
INDEX = "application/vnd.oci.image.index.v1+json"
# an OSC that retitles the terminal, a screen clear, a cursor move and a C1 control (CSI)
EVIL = "\x1b]0;owned\x07\x1b[2J\x1b[1;1H\u009b31mEVIL"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def log_message(self, *a):
        pass

    def answer(self, status, body=b"", ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            log.write(self.path + "\n")
        u = urlsplit(self.path)
        page = int(parse_qs(u.query).get("page", ["1"])[0])
        if u.path == "/v2/":
            return self.answer(200, b"{}")
        if u.path == "/v2/esc":
            body = {"errors": [{"code": EVIL, "message": EVIL, "detail": EVIL}]}
            return self.answer(404, json.dumps(body).encode(), headers=[("X-Evil", EVIL)])
        if u.path == "/v2/huge":
            return self.answer(200, b"{}", headers=[("X-Huge", "a" * 150000)])
        m = re.fullmatch(r"/v2/(.+)/(tags/list|referrers/sha256:[0-9a-f]{64})", u.path)
        if m:
            name, what = m.groups()
            if what == "tags/list":
                body, ctype = {"name": name, "tags": ["t%d" % page]}, "application/json"
            else:
                body, ctype = {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}, INDEX
            if name.endswith("-self"):
                nxt = self.path  # this very page
            else:
                nxt = "%s?page=%d" % (u.path, page + 1)  # a new page, for ever
            return self.answer(200, json.dumps(body).encode(), ctype,
                               [("Link", '<%s>; rel="next"' % nxt)])
        self.answer(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}')


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
EOPY

reqlog=$RC_WORK/requests.log
python3 "$RC_WORK/hostile.py" "$RC_WORK/port" "$reqlog" 2>"$RC_WORK/hostile.stderr" &
SRV=$!
trap 'kill "$SRV" 2>/dev/null || true' EXIT
for ((i = 0; i < 500; i++)); do
    [[ -s $RC_WORK/port ]] && break
    kill -0 "$SRV" 2>/dev/null || fail "the hostile server exited: $(cat "$RC_WORK/hostile.stderr")"
    sleep 0.02
done
[[ -s $RC_WORK/port ]] || fail "the hostile server wrote no port"
port=$(<"$RC_WORK/port")

mkdir -p "$RC_WORK/profiles" "$RC_WORK/suites"
cat >"$RC_WORK/profiles/hostile.yaml" <<EOPROF
name: A hostile registry
url: http://127.0.0.1:$port
kind: distribution
namespace: regcompat
auth: {docker_config: false}
limits: {request_timeout: 10, retries: 0}
EOPROF
digest=sha256:$(printf 'subject' | sha256sum | cut -d' ' -f1)
cat >"$RC_WORK/suites/hostile.yaml" <<EOS
suite: hostile
description: answers meant to harm the client
scenarios:
  - id: hostile.escapes
    feature: Hostile
    title: An error whose code, message and headers are terminal escape sequences
    steps:
      - request: {method: GET, path: /v2/esc}
      - expect: {status: 200}
  - id: hostile.huge-header
    feature: Hostile
    title: A header line of 150000 bytes
    steps:
      - request: {method: GET, path: /v2/huge}
      - expect: {status: 200}
  - id: hostile.tags-self
    feature: Hostile
    title: A tags list whose Link rel=next is the page itself
    steps:
      - list-tags: {repo: "{repo}-self"}
  - id: hostile.referrers-self
    feature: Hostile
    title: A referrers list whose Link rel=next is the page itself
    steps:
      - referrers: {repo: "{repo}-self", digest: "$digest"}
  - id: hostile.tags-endless
    feature: Hostile
    title: A tags list with a new page for ever
    steps:
      - list-tags: {repo: "{repo}-endless"}
  - id: hostile.referrers-endless
    feature: Hostile
    title: A referrers list with a new page for ever
    steps:
      - referrers: {repo: "{repo}-endless", digest: "$digest"}
EOS

out=$RC_WORK/out
mkdir -p "$out"
# a symlink planted where the log goes, pointing at a file that must survive
echo "precious" >"$RC_WORK/victim"
ln -s "$RC_WORK/victim" "$out/regcompat.log"

"$RC_BIN" run -v --profiles-dir "$RC_WORK/profiles" --suites-dir "$RC_WORK/suites" -r hostile \
    -o "$out" >"$out.stdout" 2>"$out.stderr" &
wait_pid $! 120
cat "$out.stdout" "$out.stderr"
expect_exit 1
expect_reports "$out"
res=$out/results.json

# the log
[[ $(cat "$RC_WORK/victim") == precious ]] || fail "the symlink's target was overwritten"
[[ ! -L $out/regcompat.log && -f $out/regcompat.log ]] ||
    fail "regcompat.log is not a regular file of its own"
grep -q 'hostile.escapes' "$out/regcompat.log" || fail "regcompat.log does not hold the run's log"
echo "ok: the planted symlink was replaced and its target left alone"

# escape sequences: ESC (0x1b), BEL (0x07) and the C1 CSI (U+009B) reach no output
for f in "$out.stdout" "$out.stderr" "$out/regcompat.log"; do
    if LC_ALL=C grep -qaP '[\x1b\x07]|\xc2\x9b' "$f"; then
        fail "$f holds raw control characters: $(LC_ALL=C grep -naP '[\x1b\x07]|\xc2\x9b' "$f" | head -n 3 | cat -v)"
    fi
done
grep -q 'EVIL' "$out.stdout" || fail "the -v output does not show the (cleaned) error code"
expect_status "$res" hostile hostile.escapes fail
echo "ok: no raw escape sequence on stdout, stderr or in the log"

# a header line over 100 KB
expect_status "$res" hostile hostile.huge-header error
expect_reason "$res" hostile hostile.huge-header 'header line (over|longer than) [0-9]+ bytes'
if grep -qi 'out of memory' <<<"$(jq -r '.registries[0].checks[] | select(.id == "hostile.huge-header") | .reason' "$res")"; then
    fail "a long header line is still called out of memory"
fi

# Link loops: fail on the second page, saying so
for c in tags-self referrers-self; do
    expect_status "$res" hostile "hostile.$c" fail
    expect_reason "$res" hostile "hostile.$c" 'Link rel=next points back to a page already read'
done
n=$(grep -c -- '-self/tags/list' "$reqlog")
((n == 1)) || fail "the self-linked tags list was read $n times, expected once"
n=$(grep -c -- '-self/referrers/' "$reqlog")
((n == 1)) || fail "the self-linked referrers list was read $n times, expected once"

# endless pages: 1000 read, and 1000 said
for c in tags-endless referrers-endless; do
    expect_status "$res" hostile "hostile.$c" fail
    expect_reason "$res" hostile "hostile.$c" 'after 1000 pages'
done
n=$(grep -c -- '-endless/tags/list' "$reqlog")
((n == 1000)) || fail "the endless tags list was read $n times, expected 1000"
n=$(grep -c -- '-endless/referrers/' "$reqlog")
((n == 1000)) || fail "the endless referrers list was read $n times, expected 1000"
