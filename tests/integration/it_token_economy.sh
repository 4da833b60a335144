#!/usr/bin/env bash
# lab: main
# Token economy (issue 12). The rule: while a token is valid, regcompat asks the token
# endpoint once per scope set, and a check's repository alone is asked for once, with every
# action the check takes there (pull,push,delete), not once per action. A mount asks once
# more for its two repositories together. Spec suites only: the kwctl and skopeo models are
# other clients with their own token habits.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/out
rc_run "$out" -r local-token -s push -s pull -s delete -s tags -s manifests -s mount \
    -s referrers -s errors -v
expect_reports "$out"
log=$out/regcompat.log
# the scope parameters of each token request, decoded, joined by spaces, one line each
scopes=$RC_WORK/scopes.txt
grep -o 'GET /token?[^ ]*' "$log" | sed 's/^GET \/token?//' |
    awk -F'&' '{ s = ""; for (i = 1; i <= NF; i++) if ($i ~ /^scope=/) s = s " " substr($i, 7); print s }' |
    sed -e 's/%3[aA]/:/g' -e 's/%2[fF]/\//g' -e 's/%2[cC]/,/g' -e 's/^ //' >"$scopes"
n=$(wc -l <"$scopes")
checks=$(jq '[.registries[] | select(.id == "local-token") | .checks[] | select(.status != "skip")] | length' \
    "$out/results.json")
((n > 0 && checks > 0)) || fail "no token requests ($n) or no checks ($checks) seen"
echo "ok: $n token requests for $checks checks"
dups=$(sort "$scopes" | uniq -d)
[[ -z $dups ]] || fail "scope sets asked more than once: $dups"
echo "ok: no scope set asked twice"
# a single repository is asked for once
single=$(grep -v ' ' "$scopes" | grep '^repository:' | sed 's/:[^:]*$//' | sort | uniq -d)
[[ -z $single ]] || fail "repositories with more than one token request of their own: $single"
echo "ok: each repository alone is asked for once"
# with all the actions a check takes there
partial=$(grep -v ' ' "$scopes" | grep '^repository:' | grep -v ':delete,pull,push$' || true)
[[ -z $partial ]] || fail "token requests without the merged actions: $partial"
echo "ok: every repository token is asked with delete,pull,push"
((n <= checks + 10)) || fail "$n token requests for $checks checks"
echo "ok: at most one token request per check (and the mounts)"
