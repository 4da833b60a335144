#!/usr/bin/env bash
# lab: main
# Credentials go only to the registry (issue 8, finding 1). A hostile registry (a proxy in
# front of a lab registry, tests/fixtures/attacker/attacker.py) sends regcompat to another
# origin, the attacker, in four ways at once, each on the repository of one check:
#   blob redirect     pull.blob.get: blob GET -> 307 to the attacker's "storage"
#   upload Location   push.post-put: the upload session's Location is on the attacker
#   tags Link         tags.follow-link: Link rel="next" to the attacker
#   referrers Link    referrers.api.unknown-repository: Link rel="next" to the attacker
# and the attacker answers 401 with `Basic` or with `Bearer realm=<attacker>/token` (the
# realm variant), for each kind of credentials: Basic (local-tls-basic, over TLS), bearer
# tokens for a user name and password (local-token) and a docker config identity token
# (local-token, OAuth2 refresh-token grant). The rule: the attacker receives no credential
# byte at all (no Authorization or Cookie header, no password, no base64 Basic value, no
# identity token, no token of the registry) and is never asked for a token; every variant
# did reach it; and the run goes on with the registry's own realm, its cleanup included.
# A fifth variant moves the token endpoint: the registry's realm (on its own origin)
# answers 307 to the attacker; the token request may follow only without credentials.
# The checks are spec checks: the policy checks run kwctl's client model, which takes no
# identity token (so it would be anonymous, not attacked, in that variant).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_hostile.sh"

rewrites=(--rewrite blob:pull.blob.get --rewrite location:push.post-put
    --rewrite tags:tags.follow-link --rewrite referrers:referrers.api.unknown-repository)
start_hostile BASIC "$LAB_LOCAL_TLS_BASIC_URL" --upstream-ca "$LAB_LOCAL_TLS_BASIC_CA" \
    --tls-cert "$LAB_STATE/pki/server/server.crt" --tls-key "$LAB_STATE/pki/server/server.key" \
    "${rewrites[@]}"
start_hostile TOKEN "$LAB_LOCAL_TOKEN_URL" "${rewrites[@]}"

tls_pw=$(<"$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE")
tls_user=$LAB_LOCAL_TLS_BASIC_USERNAME
writer_pw=$(<"$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE")
refresh=$(<"$LAB_LOCAL_TOKEN_WRITER_REFRESH_TOKEN_FILE")

profiles=$RC_WORK/profiles
mkdir -p "$profiles"
common() {
    printf 'kind: distribution\nnamespace: regcompat\n'
    printf 'limits: {concurrency: 4, request_timeout: 30, retries: 2}\n'
}
{
    printf 'name: hostile front of local-tls-basic\nurl: %s\n' "$BASIC_FRONT"
    printf 'tls: {verify: true, ca: "%s"}\n' "$LAB_LOCAL_TLS_BASIC_CA"
    printf 'auth:\n  username: %s\n  password: {file: "%s"}\n  docker_config: false\n' \
        "$tls_user" "$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE"
    common
} >"$profiles/hostile-basic.yaml"
{
    printf 'name: hostile front of local-token\nurl: %s\n' "$TOKEN_FRONT"
    printf 'auth:\n  username: writer\n  password: {file: "%s"}\n  docker_config: false\n' \
        "$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE"
    common
} >"$profiles/hostile-token.yaml"
{
    printf 'name: hostile front of local-token (identity token)\nurl: %s\n' "$TOKEN_FRONT"
    common
} >"$profiles/hostile-identity.yaml"
docker_cfg=$RC_WORK/docker
mkdir -p "$docker_cfg"
printf '{"auths": {"%s": {"identitytoken": "%s"}}}\n' "${TOKEN_FRONT#http://}" "$refresh" \
    >"$docker_cfg/config.json"
empty_cfg=$RC_WORK/docker-empty
mkdir -p "$empty_cfg"
printf '{"auths": {}}\n' >"$empty_cfg/config.json"

only=(--only manifests.put.by-tag --only pull.blob.get --only tags.follow-link --only push.post-put
    --only referrers.api.unknown-repository)

# what no byte of may reach the attacker, per credential kind
secrets_for() {
    case $1 in
    basic)
        printf '%s\n' "password|$tls_pw" \
            "Basic value|$(printf '%s:%s' "$tls_user" "$tls_pw" | base64 -w0)"
        ;;
    token)
        printf '%s\n' "password|$writer_pw" \
            "Basic value|$(printf '%s:%s' writer "$writer_pw" | base64 -w0)"
        ;;
    identity) printf '%s\n' "identity token|$refresh" ;;
    esac
}

front_of() { [[ $1 == basic ]] && echo BASIC || echo TOKEN; }

# no_credentials FRONT KIND: nothing of KIND's credentials, no credential header and no
# token (the lab's tokens are JWTs) in what the attacker received
no_credentials() {
    local front=$1 kind=$2 line dir_var=${1}_DIR
    while IFS= read -r line; do
        no_bytes_at_attacker "$front" "${line%%|*} ($kind)" "${line#*|}"
    done < <(secrets_for "$kind")
    local n
    n=$(attacker_hits "$front" '.authorization or .cookie')
    ((n == 0)) || fail "$n request(s) reached the attacker with Authorization or Cookie"
    if grep -aqE 'ey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.' "${!dir_var}/capture.raw"; then
        fail "a registry token reached the attacker"
    fi
    echo "ok: no credential header and no registry token at the attacker"
}

run_with() { # OUT KIND ARGS...
    local out=$1 kind=$2
    shift 2
    if [[ $kind == identity ]]; then
        DOCKER_CONFIG=$docker_cfg rc_run "$out" -r "$profiles/hostile-$kind.yaml" "$@"
    else
        DOCKER_CONFIG=$empty_cfg rc_run "$out" -r "$profiles/hostile-$kind.yaml" "$@"
    fi
}

for kind in basic token identity; do
    front=$(front_of "$kind")
    dir_var=${front}_DIR
    for challenge in basic bearer; do
        echo "== $kind credentials, the attacker answers $challenge"
        hostile_config "$front" "{\"challenge\": \"$challenge\"}"
        out=$RC_WORK/$kind-$challenge
        run_with "$out" "$kind" "${only[@]}" -v
        [[ -s $out/results.json ]] || fail "no results.json ($(cat "$out.stderr"))"
        res=$out/results.json
        id=hostile-$kind
        # the registry itself worked all along: the push in a repository the front leaves
        # alone passes
        expect_status "$res" "$id" manifests.put.by-tag pass
        # every variant reached the attacker (otherwise this test could not fail)
        for want in 'storage/.*/pull\.blob\.get/blobs/' '/push\.post-put/blobs/uploads/' \
            '/tags\.follow-link/tags/list' '/referrers\.api\.unknown-repository/referrers/'; do
            n=$(attacker_hits "$front" '.path | test($re)' --arg re "$want")
            ((n > 0)) || fail "no request reached the attacker for $want"
        done
        echo "ok: blob redirect, upload Location, tags Link and referrers Link reached the attacker"
        # the attacked check says who refused: not the registry
        expect_reason "$res" "$id" pull.blob.get "from 127\.0\.0\.1:[0-9]+, another origin"
        n=$(attacker_hits "$front" '.path | startswith("/token")')
        ((n == 0)) || fail "$n token request(s) went to the realm the attacker named"
        echo "ok: no token request to the attacker's realm"
        no_credentials "$front" "$kind"
        # the run's cleanup authenticated at the registry: nothing left behind, and the
        # blob and manifests of the attacked checks were deleted (202) through the registry
        if grep -q 'left in' "$out/regcompat.log"; then
            fail "cleanup left objects behind: $(grep 'left in' "$out/regcompat.log")"
        fi
        run=$(jq -r .run.id "$res")
        for what in pull.blob.get/blobs tags.follow-link/manifests; do
            check=${what%%/*}
            n=$(jq -s --arg p "/v2/regcompat/$run/$what/sha256:" \
                '[.[] | select(.method == "DELETE" and (.path | startswith($p))
                    and .status == 202)] | length' "${!dir_var}/front.jsonl")
            ((n > 0)) || fail "$check: no DELETE of the cleanup was accepted"
        done
        echo "ok: the cleanup after the attack authenticated with the registry (202)"
        no_secret "the password or identity token" "$(secrets_for "$kind" | head -1 | cut -d'|' -f2)" \
            "$out" "$out.stdout" "$out.stderr"
    done
done

# the token endpoint the registry named redirects to the attacker
for kind in token identity; do
    echo "== $kind credentials, the registry's realm answers 307 to the attacker"
    hostile_config TOKEN '{"challenge": "basic", "realm_redirect": true}'
    out=$RC_WORK/$kind-realm-redirect
    run_with "$out" "$kind" --only manifests.put.by-tag -v
    n=$(jq -s '[.[] | select(.path | startswith("/_hostile/token")) | select(.status == 307)]
        | length' "$TOKEN_DIR/front.jsonl")
    ((n > 0)) || fail "the registry's realm was never asked for a token"
    echo "ok: regcompat asked the registry's realm for a token ($n redirects to the attacker)"
    no_credentials TOKEN "$kind"
done
echo "PASS"
