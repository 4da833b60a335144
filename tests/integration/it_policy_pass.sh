#!/usr/bin/env bash
# lab: main
# Every policy check passes on the registries that implement everything it needs.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/out
rc_run "$out" -r local-open -r local-tls-basic -r local-token -r local-chunked -s policy
cat "$out.stdout"
expect_exit 0
for r in local-open local-tls-basic local-token local-chunked; do
    expect_all "$out/results.json" "$r" pass
done
xmllint --noout "$out/junit.xml"
[[ $(xmllint --xpath 'count(//testsuite)' "$out/junit.xml") == 4 ]] || fail "junit: not 4 testsuites"
grep -q '^| ' "$out/matrix.md" || fail "matrix.md has no table"
