#!/usr/bin/env bash
# lab: main
# Every policy check passes on the registries that implement everything it needs.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/out
rc_run "$out" -r local-open -r local-tls-basic -r local-token -r local-chunked -s policy
cat "$out.stdout"
expect_exit 0
# policy.accept records a finding: Distribution serves an OCI manifest only to clients that
# list its type in Accept (404 otherwise), which is `unsupported`, not a failure.
for r in local-open local-tls-basic local-token local-chunked; do
    bad=$(jq -r --arg r "$r" '.registries[] | select(.id == $r) | .checks[]
        | select(.id != "policy.accept" and .status != "pass") | "\(.id)=\(.status): \(.reason)"' \
        "$out/results.json")
    [[ -z $bad ]] || fail "$r: $bad"
    expect_status "$out/results.json" "$r" policy.accept unsupported
done
# behind the 64 KiB proxy the 9 MiB policy only goes through in smaller chunks: a fallback
jq -e '.registries[] | select(.id == "local-chunked") | .checks[] | select(.id == "policy.large")
    | .fallback == true and (.note | test("413"))' "$out/results.json" >/dev/null ||
    fail "local-chunked policy.large is not marked as a fallback"
n=$(jq '[.registries[].checks[]] | length' "$out/results.json")
[[ $n == 32 ]] || fail "expected 32 checks, got $n"
xmllint --noout "$out/junit.xml"
[[ $(xmllint --xpath 'count(//testsuite)' "$out/junit.xml") == 4 ]] || fail "junit: not 4 testsuites"
grep -q '^| ' "$out/matrix.md" || fail "matrix.md has no table"
