#!/usr/bin/env bash
# lab: main
# Fresh bearer tokens never reach a report (issue 8, finding 2). The lab's token server
# issues a new token on every request (a random jti), as real ones do, so a token is new
# when its exchange is recorded. Checks on local-token that end `unsupported` with a token
# exchange in their evidence (a token is fetched once per check repository, so these are
# checks decided by their first request): that exchange is there, its answer shows
# "token":"***", and no token (a JWT) is in results.json, junit.xml, matrix.md, the -v log
# or the terminal.
. "$(dirname "$0")/lib.sh"

# the premise: two requests, two different tokens
writer_pw=$(<"$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE")
get_token() {
    curl -sf -u "writer:$writer_pw" \
        "$LAB_TOKEND_URL/token?service=$LAB_LOCAL_TOKEN_SERVICE&scope=repository:regcompat/x:pull" |
        jq -r .token
}
t1=$(get_token)
t2=$(get_token)
[[ -n $t1 && $t1 != "$t2" ]] || fail "the token server does not issue a new token per request"
echo "ok: the token server issues a new token per request"

out=$RC_WORK/out
rc_run "$out" -r local-token -s push -s mount --only push.single-post --only mount.without-from -v
expect_reports "$out"
res=$out/results.json
for check in push.single-post mount.without-from; do
    expect_status "$res" local-token "$check" unsupported
    # the token exchange of the deciding step is in the evidence, its tokens masked
    ev=$(jq -c --arg c "$check" '.registries[] | .checks[] | select(.id == $c) | .evidence[]
        | select(.request | startswith("GET /token"))' "$res")
    [[ -n $ev ]] || fail "$check: no token exchange in the evidence (the test cannot see a leak)"
    jq -e '.body | test("\"token\":\"\\*\\*\\*\"") and test("\"access_token\":\"\\*\\*\\*\"")' \
        <<<"$ev" >/dev/null || fail "$check: the token answer is not masked: $ev"
    echo "ok: $check: the token exchange is evidence, with its tokens masked"
done
jwt='ey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}'
for f in "$out/results.json" "$out/junit.xml" "$out/matrix.md" "$out/regcompat.log" \
    "$out.stdout" "$out.stderr"; do
    [[ -f $f ]] || fail "$f missing"
    if grep -qE -- "$jwt" "$f"; then
        fail "a token in $f: $(grep -oE -- "$jwt" "$f" | head -1)"
    fi
done
echo "ok: no token in any report, the log or the terminal"
no_secret "the writer password" "$writer_pw" "$out" "$out.stdout" "$out.stderr"
echo "PASS"
