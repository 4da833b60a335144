#!/usr/bin/env bash
# lab: main
# Credentials from a docker config.json whose entry is an identity token (what `az acr
# login` writes): regcompat exchanges it with an OAuth2 POST (grant_type=refresh_token) at the
# token server, pushes and pulls, and the token never appears in any output.
. "$(dirname "$0")/lib.sh"
refresh=$(cat "$LAB_LOCAL_TOKEN_WRITER_REFRESH_TOKEN_FILE")
host=${LAB_LOCAL_TOKEN_URL#http://}
export DOCKER_CONFIG=$RC_WORK/docker
mkdir -p "$DOCKER_CONFIG" "$RC_WORK/profiles"
printf '{"auths": {"%s": {"identitytoken": "%s"}}}\n' "$host" "$refresh" >"$DOCKER_CONFIG/config.json"
# the lab's token profile without its user name and password: docker config only
grep -v -e '^auth:' -e '^  username:' -e '^  password:' "$PROFILES/local-token.yaml" \
    >"$RC_WORK/profiles/local-token.yaml"
PROFILES=$RC_WORK/profiles
stats() { curl -sf "${LAB_TOKEND_URL%/token}/stats" | jq -r ".$1"; }
before=$(stats token_post)
out=$RC_WORK/out
# spec checks: the policy checks model kwctl, which does not use identity tokens at all
rc_run "$out" -r local-token --only 'push.post-put' --only 'pull.manifest.get.by-digest' -v
expect_exit 0
expect_status "$out/results.json" local-token push.post-put pass
expect_status "$out/results.json" local-token pull.manifest.get.by-digest pass
after=$(stats token_post)
((after > before)) || fail "no OAuth2 POST reached the token server ($before -> $after)"
echo "ok: $((after - before)) OAuth2 token exchanges"
if grep -rqF "$refresh" "$out" "$out.stdout" "$out.stderr"; then
    fail "the identity token appears in the output"
fi
echo "ok: the identity token appears in no output"
