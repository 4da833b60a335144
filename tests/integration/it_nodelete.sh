#!/usr/bin/env bash
# lab: main
# A registry with deletes disabled: policy.delete is unsupported, not fail; exit 0.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/out
rc_run "$out" -r local-nodelete -s policy
expect_exit 0
expect_status "$out/results.json" local-nodelete policy.delete unsupported
expect_status "$out/results.json" local-nodelete policy.push pass
reason=$(jq -r '.registries[0].checks[] | select(.id == "policy.delete") | .reason' "$out/results.json")
[[ $reason == *405* ]] || fail "reason does not show the 405: $reason"
jq -e '.registries[0].checks[] | select(.id == "policy.delete") | .evidence[0].status == 405' \
    "$out/results.json" >/dev/null || fail "no 405 evidence"
