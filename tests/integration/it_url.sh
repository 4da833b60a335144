#!/usr/bin/env bash
# lab: main
# An ad-hoc registry by URL, no profile file: the policy suite runs against it as against
# its profile, and the registry's id and url in the results come from the URL.
. "$(dirname "$0")/lib.sh"

url=$LAB_LOCAL_OPEN_URL
hostport=${url#*://}
hostport=${hostport%/}
port=${hostport##*:}

# an empty working dir (no registries.d/ to fall back on) and no credentials from the
# environment or a docker config
mkdir -p "$RC_WORK/cwd" "$RC_WORK/home" "$RC_WORK/docker"
out=$RC_WORK/out
cd "$RC_WORK/cwd"
set +e
env -u REGCOMPAT_USERNAME -u REGCOMPAT_PASSWORD HOME="$RC_WORK/home" \
    DOCKER_CONFIG="$RC_WORK/docker" \
    "$RC_BIN" run --url "$url" -s policy --suites-dir "$SUITES" -o "$out" \
    >"$out.stdout" 2>"$out.stderr"
RC_EXIT=$?
set -e
echo "regcompat run --url $url -s policy -> exit $RC_EXIT"
cat "$out.stdout" "$out.stderr"
expect_exit 0
expect_reports "$out"
res=$out/results.json

[[ $(jq '.registries | length' "$res") == 1 ]] || fail "not exactly one registry in results"
id=$(jq -r '.registries[0].id' "$res")
echo "registry id: $id"
[[ $id =~ ^[a-z0-9][a-z0-9._-]*$ ]] || fail "id '$id' is not a valid profile id"
[[ $id == *127.0.0.1* && $id == *"$port"* ]] || fail "id '$id' is not derived from $url"
[[ $(jq -r '.registries[0].url' "$res" | sed 's:/*$::') == "$url" ]] ||
    fail "url in results is '$(jq -r '.registries[0].url' "$res")', expected $url"

npolicy=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
[[ $(jq '.registries[0].checks | length' "$res") == "$npolicy" ]] ||
    fail "not the $npolicy checks of the policy suite"
# Distribution 2.8.2 answers 404 to an Accept without the OCI type (DESIGN 6): unsupported
expect_all_except "$res" "$id" pass policy.accept=unsupported

# the same id shows in the other reports
xmllint --xpath "count(//testsuite[@name='$id'])" "$out/junit.xml" | grep -qx 1 ||
    fail "junit.xml has no testsuite named $id"
