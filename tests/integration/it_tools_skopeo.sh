#!/usr/bin/env bash
# lab: main
# The tools suite runs the installed skopeo against each lab registry with the profile's
# credentials (a temporary auth file) and CA: the policy's OCI layout goes to the registry,
# `inspect --raw` serves the same manifest bytes, and the copy back has the same digest. The
# password never appears in the reports or logs.
. "$(dirname "$0")/lib.sh"
command -v skopeo >/dev/null || fail "skopeo is not installed (the lab's packages include it)"
out=$RC_WORK/out
rc_run "$out" -r local-open -r local-tls-basic -r local-token -s tools
cat "$out.stdout"
expect_exit 0
for r in local-open local-tls-basic local-token; do
    expect_status "$out/results.json" "$r" tools.skopeo.policy pass
done
# the lab's passwords must not leak into anything the run wrote
for pwf in "${LAB_LOCAL_TLS_BASIC_PASSWORD_FILE:-}" "${LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE:-}"; do
    [[ -n $pwf && -f $pwf ]] || fail "no lab password file ($pwf)"
    pw=$(cat "$pwf")
    if grep -rqF "$pw" "$out" "$out.stdout" "$out.stderr"; then
        fail "a password appears in the run's output"
    fi
done
# without skopeo on PATH the check is skipped, with the reason
out2=$RC_WORK/noskopeo
set +e
env PATH=/nonexistent "$RC_BIN" run --profiles-dir "$PROFILES" --suites-dir "$SUITES" -o "$out2" \
    -r local-open -s tools >"$out2.stdout" 2>"$out2.stderr"
set -e
expect_status "$out2/results.json" local-open tools.skopeo.policy skip
jq -e '.registries[0].checks[0].reason | test("skopeo is not installed")' "$out2/results.json" \
    >/dev/null || fail "the skip does not say skopeo is not installed"
