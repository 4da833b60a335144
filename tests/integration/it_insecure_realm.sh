#!/usr/bin/env bash
# lab: main
# A registry reached over HTTPS that names a plain-HTTP token realm (issue 8, finding 1):
# regcompat refuses to send credentials there in clear text. The run is an error whose
# reason names the realm and the profile key that allows it, and no token request leaves
# (every exchange is in the -v log). With `auth.allow_insecure_realm: true` in the profile
# the same registry works. The registry: local-token (realm http://.../token) behind a TLS
# front (tests/fixtures/attacker/attacker.py, no rewrites), so that it answers over HTTPS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_hostile.sh"

start_hostile TLS "$LAB_LOCAL_TOKEN_URL" \
    --tls-cert "$LAB_STATE/pki/server/server.crt" --tls-key "$LAB_STATE/pki/server/server.key"
profiles=$RC_WORK/profiles
mkdir -p "$profiles"
profile() { # ID [EXTRA AUTH LINE]
    {
        printf 'name: local-token over https\nurl: %s\nkind: distribution\n' "$TLS_FRONT"
        printf 'namespace: regcompat\ntls: {verify: true, ca: "%s"}\n' "$LAB_LOCAL_TLS_BASIC_CA"
        printf 'auth:\n  username: writer\n  password: {file: "%s"}\n  docker_config: false\n' \
            "$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE"
        [[ -z ${2:-} ]] || printf '  %s\n' "$2"
    } >"$profiles/$1.yaml"
}
profile https-token
profile https-token-optin 'allow_insecure_realm: true'
[[ $LAB_LOCAL_TOKEN_REALM == http://* ]] || fail "the lab's realm is not http:// any more"

# refused by default
out=$RC_WORK/refused
rc_run "$out" -r "$profiles/https-token.yaml" --only policy.push -v
expect_exit 3
res=$out/results.json
expect_status "$res" https-token policy.push error
expect_reason "$res" https-token policy.push \
    "token realm http://127\.0\.0\.1:[0-9]+/token, which is not HTTPS"
expect_reason "$res" https-token policy.push "auth\.allow_insecure_realm: true"
grep -q 'GET /v2/ -> 401' "$out/regcompat.log" || fail "the -v log shows no challenged ping"
if grep -E '\] [A-Z]+ /token' "$out/regcompat.log"; then
    fail "a token request went out to the plain-HTTP realm"
fi
echo "ok: no request to the plain-HTTP realm"
writer_pw=$(<"$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE")
no_secret "the writer password" "$writer_pw" "$out" "$out.stdout" "$out.stderr"

# the profile opts in: the registry works
out=$RC_WORK/optin
rc_run "$out" -r "$profiles/https-token-optin.yaml" --only policy.push -v
expect_exit 0
expect_status "$out/results.json" https-token-optin policy.push pass
grep -qE '\] GET /token\?' "$out/regcompat.log" || fail "no token request in the -v log"
echo "ok: with auth.allow_insecure_realm the token came from the plain-HTTP realm"

# validate takes the key (and only a boolean)
rc_exec "$RC_WORK/validate" validate "$profiles/https-token-optin.yaml"
expect_exit 0
profile bad-optin 'allow_insecure_realm: sometimes'
rc_exec "$RC_WORK/validate-bad" validate "$profiles/bad-optin.yaml"
expect_exit 2
grep -q "allow_insecure_realm" "$RC_WORK/validate-bad.stderr" "$RC_WORK/validate-bad.stdout" ||
    fail "validate did not name the bad key"
echo "PASS"
