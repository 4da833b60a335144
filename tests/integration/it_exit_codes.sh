#!/usr/bin/env bash
# lab: main
# Exit codes (DESIGN 2): 0 no fail/error, 1 a fail, 2 usage/profile error (nothing run),
# 3 an error and no fail; an unreachable registry gets `error` on every check, with reports.
. "$(dirname "$0")/lib.sh"

# 0: one passing check
out=$RC_WORK/ok
rc_run "$out" --only 'policy.push' -r local-open
expect_exit 0
expect_reports "$out"
[[ $(jq '[.registries[].checks[]] | length' "$out/results.json") == 1 ]] ||
    fail "--only policy.push did not select exactly one check"
expect_status "$out/results.json" local-open policy.push pass

# 3: a registry on a loopback port where nothing listens
port=$(free_port)
profiles=$RC_WORK/profiles
mkdir -p "$profiles"
cat >"$profiles/closed-port.yaml" <<EOF2
name: Nothing listens here
url: http://127.0.0.1:$port
kind: distribution
hosted: false
namespace: regcompat
limits: {request_timeout: 5, retries: 0}
enabled: true
EOF2
out=$RC_WORK/closed
start=$SECONDS
rc_run "$out" -r "$profiles/closed-port.yaml" -s policy
cat "$out.stdout"
expect_exit 3
expect_reports "$out"
res=$out/results.json
npolicy=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
[[ $(jq '[.registries[] | select(.id == "closed-port") | .checks[]] | length' "$res") == \
    "$npolicy" ]] || fail "closed-port: not the $npolicy policy checks in results"
expect_all "$res" closed-port error
expect_reason "$res" closed-port policy.push "connect|refused|unreachable"
expect_reason "$res" closed-port policy.push "$port"
(( SECONDS - start < 60 )) || fail "a refused connection took $((SECONDS - start))s to report"
# junit: every testcase an <error>; matrix: a row for the registry
[[ $(xmllint --xpath 'count(//testcase[error])' "$out/junit.xml") == "$npolicy" ]] ||
    fail "junit.xml: not $npolicy testcases with <error>"
[[ $(xmllint --xpath 'string(//testsuite[@name="closed-port"]/@errors)' "$out/junit.xml") == \
    "$npolicy" ]] || fail "junit.xml: testsuite errors count is not $npolicy"
grep -qF '| Nothing listens here |' "$out/matrix.md" || fail "matrix.md has no row for closed-port"

# 1: a check that fails (the registry answers, and the answer is not what is expected)
suites=$RC_WORK/suites
mkdir -p "$suites"
cat >"$suites/wrong.yaml" <<'EOF2'
suite: wrong
description: expectations no registry meets, to see a fail
scenarios:
  - id: wrong.missing-manifest
    feature: Wrong expectations
    title: Expects 200 for a manifest that does not exist
    steps:
      - get-manifest: {ref: "{repo}:does-not-exist", accept: oci}
      - expect: {status: 200}
EOF2
out=$RC_WORK/fail
rc_exec "$out" run --profiles-dir "$PROFILES" --suites-dir "$suites" -o "$out" -r local-open
expect_exit 1
expect_reports "$out"
expect_status "$out/results.json" local-open wrong.missing-manifest fail
expect_reason "$out/results.json" local-open wrong.missing-manifest '404'

# 1 wins over 3: a fail on one registry and errors on another
out=$RC_WORK/fail-and-error
rc_exec "$out" run --profiles-dir "$PROFILES" --suites-dir "$suites" -o "$out" \
    -r local-open -r "$profiles/closed-port.yaml"
expect_exit 1
expect_status "$out/results.json" local-open wrong.missing-manifest fail
expect_status "$out/results.json" closed-port wrong.missing-manifest error

# 2: no registry named; nothing is run or written
out=$RC_WORK/none
rc_exec "$out" run --profiles-dir "$PROFILES" --suites-dir "$SUITES" -o "$out"
expect_exit 2
[[ ! -e $out/results.json ]] || fail "a run with no registry wrote results.json"
grep -qiE 'registr|-r|--all|--url' "$out.stderr" || fail "no hint about naming a registry"
# 2: an unknown profile id, an unknown suite
rc_run "$out" -r no-such-profile -s policy
expect_exit 2
grep -qF 'no-such-profile' "$out.stderr" || fail "the unknown profile is not named"
rc_run "$out" -r local-open -s no-such-suite
expect_exit 2
grep -qF 'no-such-suite' "$out.stderr" || fail "the unknown suite is not named"
[[ ! -e $out/results.json ]] || fail "a usage error wrote results.json"
