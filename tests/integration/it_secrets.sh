#!/usr/bin/env bash
# lab: main
# No secret reaches any output. Every suite runs at -v on five profiles that put every kind of
# secret in play: the Basic password of local-tls-basic taken from a file, from the
# environment and from a docker credential helper; the token registry's password taken from
# an exec command, and the writer's identity token from a docker config (OAuth2 refresh); the
# bearer tokens the token server issues for each of them (a new one per request); and the
# signed upload state (`_state`) in every upload URL; and the ECDSA private keys the
# signatures suite signs with (issue 10). Then stdout, stderr, regcompat.log, results.json,
# junit.xml, matrix.md and the docs page are searched for each value (and for the base64 of
# user:password, the form it travels in under Basic): zero hits.
#
# The signing keys never leave the process, so the test cannot read them; instead
# REGCOMPAT_TEST_KEY_SEED makes the run derive each key from the seed and the key's name by
# the rule in src/crypto/crypto.h (pinned by unit.test_crypto against an independent
# implementation), and the test computes the same private scalars: their hex and base64 forms
# are searched like the other secrets, and so are the markers of any serialized EC private
# key (PEM "PRIVATE KEY", the DER prefixes of PKCS#8 and SEC1 P-256 keys in base64).
. "$(dirname "$0")/lib.sh"
: "${LAB_TOKEND_ISSUED_LOG:?the lab records issued tokens in lab.env}"
basic_pw=$(cat "$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE")
writer_pw=$(cat "$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE")
refresh=$(cat "$LAB_LOCAL_TOKEN_WRITER_REFRESH_TOKEN_FILE")
tls_host=${LAB_LOCAL_TLS_BASIC_URL#https://}
token_host=${LAB_LOCAL_TOKEN_URL#http://}

# --- profiles: one per credential source, each in its own namespace
profiles=$RC_WORK/profiles
mkdir -p "$profiles" "$RC_WORK/bin" "$RC_WORK/docker"
# the lab's profile without its name, namespace and auth lines, plus what is given
derive() { # LAB_PROFILE NEW_ID NAMESPACE AUTH_YAML
    {
        printf 'name: "secrets test: %s"\nnamespace: %s\n' "$2" "$3"
        grep -v -e '^name:' -e '^namespace:' -e '^auth:' -e '^  username:' -e '^  password:' \
            "$PROFILES/$1.yaml"
        printf '%s\n' "$4"
    } >"$profiles/$2.yaml"
}
derive local-tls-basic basic-file secrets-file \
    "auth: {username: regcompat, password: {file: \"$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE\"}}"
derive local-tls-basic basic-env secrets-env \
    "auth: {username: {env: RC_SECRETS_USER}, password: {env: RC_SECRETS_PASSWORD}}"
derive local-tls-basic basic-helper secrets-helper "auth: {docker_config: true}"
derive local-token token-exec secrets-exec \
    "auth: {username: writer, password: {exec: \"cat '$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE'\"}}"
derive local-token token-identity secrets-identity "auth: {docker_config: true}"
export RC_SECRETS_USER=regcompat RC_SECRETS_PASSWORD=$basic_pw

# a docker credential helper for local-tls-basic (read from PATH, as docker does) and the
# writer's identity token for local-token
cat >"$RC_WORK/bin/docker-credential-rcsecrets" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 1
read -r host
printf '{"ServerURL":"%s","Username":"regcompat","Secret":"%s"}\n' "\$host" "\$(cat '$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE')"
EOF
chmod +x "$RC_WORK/bin/docker-credential-rcsecrets"
export PATH=$RC_WORK/bin:$PATH DOCKER_CONFIG=$RC_WORK/docker
printf '{"credHelpers": {"%s": "rcsecrets"}, "auths": {"%s": {"identitytoken": "%s"}}}\n' \
    "$tls_host" "$token_host" "$refresh" >"$DOCKER_CONFIG/config.json"

# --- the run, at -v, with the docs page; signing keys derived from a seed of this run
REGCOMPAT_TEST_KEY_SEED=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export REGCOMPAT_TEST_KEY_SEED
issued_before=$(wc -l <"$LAB_TOKEND_ISSUED_LOG")
out=$RC_WORK/out
PROFILES=$profiles rc_run "$out" --all -j 5 -v --docs "$out/docs.md"
ids=(basic-file basic-env basic-helper token-exec token-identity)
for id in "${ids[@]}"; do
    # the credentials worked: a blob and a manifest are pushed and pulled with each of them
    # (spec checks: the policy checks model kwctl, which takes no identity token)
    expect_status "$out/results.json" "$id" push.post-put pass
    expect_status "$out/results.json" "$id" pull.manifest.get.by-digest pass
    # the keys signed: every signature check verified what they signed (they need
    # policy.push, which kwctl cannot do with an identity token)
    if [[ $id != token-identity ]]; then
        expect_status "$out/results.json" "$id" signatures.cosign.verify pass
        expect_status "$out/results.json" "$id" signatures.cosign.two-signatures pass
        expect_status "$out/results.json" "$id" signatures.bundle.verify pass
    fi
done
# 3: kwctl, modelled by the policy checks, cannot authenticate with an identity token
((RC_EXIT == 0 || RC_EXIT == 1 || RC_EXIT == 3)) || fail "exit $RC_EXIT: $(tail -3 "$out.stdout")"
for f in "$out.stdout" "$out/regcompat.log" "$out/results.json" "$out/junit.xml" \
    "$out/matrix.md" "$out/docs.md"; do
    [[ -s $f ]] || fail "$f is missing or empty"
done
[[ -f $out.stderr ]] || fail "no stderr captured"
outputs=("$out.stdout" "$out.stderr" "$out")

# --- the secrets of this run
secrets=$RC_WORK/secrets # "WHAT<TAB>VALUE" lines, never printed
{
    printf 'Basic password\t%s\n' "$basic_pw"
    printf 'Basic regcompat:password in base64\t%s\n' "$(printf 'regcompat:%s' "$basic_pw" | base64 -w0)"
    printf 'token registry password\t%s\n' "$writer_pw"
    printf 'writer:password in base64 (token endpoint Basic)\t%s\n' \
        "$(printf 'writer:%s' "$writer_pw" | base64 -w0)"
    printf 'identity token\t%s\n' "$refresh"
    tail -n +"$((issued_before + 1))" "$LAB_TOKEND_ISSUED_LOG" | sort -u |
        sed 's/^/token issued during the run\t/'
    # upload state the registries signed for this run's repositories (their request log)
    cat "$RC_LAB_STATE"/logs/local-tls-basic.log "$RC_LAB_STATE"/logs/local-token.log |
        grep -oE 'http\.request\.uri="/v2/secrets-[^"]*' |
        grep -oE '[?&]_state=[^&"]+' | sed 's/^.._state=//' | sort -u |
        sed 's/^/signed upload state\t/'
    # the private scalars of the signing keys (names from suites/signatures.yaml), as hex and
    # base64 of the 32 bytes; markers of a serialized EC private key
    python3 - "$REGCOMPAT_TEST_KEY_SEED" default first second <<'PY'
import base64, hashlib, sys
n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
seed = sys.argv[1]
for name in sys.argv[2:]:
    material = ("%s/%s" % (seed, name)).encode()
    for i in range(255):
        d = int.from_bytes(hashlib.sha256(material + bytes([i])).digest(), "big")
        if 0 < d < n:
            break
    raw = d.to_bytes(32, "big")
    print("signing key %s, hex\t%s" % (name, raw.hex()))
    print("signing key %s, HEX\t%s" % (name, raw.hex().upper()))
    print("signing key %s, base64\t%s" % (name, base64.b64encode(raw).decode().rstrip("=")))
    print("signing key %s, base64url\t%s" % (name, base64.urlsafe_b64encode(raw).decode().rstrip("=")))
PY
    printf 'PEM private key marker\t%s\n' 'PRIVATE KEY-----'
    printf 'PKCS#8 P-256 private key (base64 DER prefix)\t%s\n' 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'
    printf 'SEC1 P-256 private key (base64 DER prefix)\t%s\n' 'MHcCAQEEI'
} >"$secrets"
count() { grep -c "^$1"$'\t' "$secrets" || true; }
ntok=$(count 'token issued during the run') nstate=$(count 'signed upload state')
((ntok >= 5)) || fail "only $ntok tokens were issued during the run (is the token flow used?)"
((nstate >= 20)) || fail "only $nstate signed upload states found in the registry logs"
nkey=$(grep -c '^signing key ' "$secrets" || true)
((nkey == 12)) || fail "expected 12 forms of 3 signing keys, got $nkey"
echo "ok: looking for $(wc -l <"$secrets") secret values: 5 credentials and their Basic forms," \
    "$ntok issued tokens, $nstate signed upload states, 3 signing keys in 4 forms each and" \
    "3 private key markers"

# --- zero hits, reported per kind and output, values never shown
cut -f2 "$secrets" >"$RC_WORK/values"
grep -c -x '' "$RC_WORK/values" >/dev/null && fail "an empty secret value (the test is broken)"
grep -rhoF -f "$RC_WORK/values" "${outputs[@]}" | sort -u >"$RC_WORK/found" || true
hits=$(grep -c . "$RC_WORK/found" || true)
while IFS= read -r value; do
    what=$(awk -F'\t' -v v="$value" '$2 == v { print $1; exit }' "$secrets")
    where=$(grep -rlF -- "$value" "${outputs[@]}" | sed "s|$RC_WORK/||" | tr '\n' ' ')
    echo "LEAK: ${what:-a part of a secret} appears in: $where"
done <"$RC_WORK/found"
((hits == 0)) || fail "$hits secret values appear in the output (see LEAK lines)"
echo "ok: no secret value appears in stdout, stderr, regcompat.log, results.json, junit.xml," \
    "matrix.md or the docs page"
