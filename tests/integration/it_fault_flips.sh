#!/usr/bin/env bash
# lab: fault
# Every check shown both ways, every quirk turning exactly the checks it should: all suites
# run through the fault proxy once without rules and once per configuration of
# flips/configs.txt; the statuses that differ from the rule-free run must be exactly those
# in flips/NAME.txt. Finally every check must have passed in some configuration and failed
# (or been unsupported, or an error) in another: a check that cannot fail is a defect.
# RC_FLIPS_RECORD=1 rewrites the expectation files from what happened (then review them).
. "$(dirname "$0")/lib.sh"
flips=$RC_SRC/tests/integration/flips
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
# four scenarios at a time keep the run short; the proxy's rules apply to all of them
sed 's/^limits: .*//' "$FAULT_PROFILE" >"$pdir/fault.yaml"
echo 'limits: {concurrency: 4, request_timeout: 10, retries: 1}' >>"$pdir/fault.yaml"
PROFILES=$pdir

set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# statuses NAME RULES... -> $RC_WORK/NAME.st, "check status" per line, sorted
statuses() {
    local name=$1
    shift
    set_rules "$@"
    rc_run "$RC_WORK/$name" -r fault
    [[ -f $RC_WORK/$name/results.json ]] || fail "$name: no results ($(cat "$RC_WORK/$name.stderr"))"
    jq -r '.registries[0].checks[] | "\(.id) \(.status)"' "$RC_WORK/$name/results.json" |
        sort >"$RC_WORK/$name.st"
}

statuses base
if [[ ${RC_FLIPS_RECORD:-} == 1 ]]; then
    cp "$RC_WORK/base.st" "$flips/base.txt"
else
    diff -u "$flips/base.txt" "$RC_WORK/base.st" || fail "the rule-free run changed (flips/base.txt)"
fi

bad=0
while IFS='|' read -r name rules; do
    name=$(xargs <<<"$name")
    [[ -z $name || $name == \#* ]] && continue
    # shellcheck disable=SC2086
    statuses "$name" $rules
    join "$RC_WORK/base.st" "$RC_WORK/$name.st" | awk '$2 != $3 {print $1, $3}' \
        >"$RC_WORK/$name.changed"
    if [[ ${RC_FLIPS_RECORD:-} == 1 ]]; then
        cp "$RC_WORK/$name.changed" "$flips/$name.txt"
    elif ! diff -u "$flips/$name.txt" "$RC_WORK/$name.changed" >"$RC_WORK/$name.diff"; then
        echo "FAIL: $name ($rules): the checks that turned differ from flips/$name.txt:"
        cat "$RC_WORK/$name.diff"
        bad=1
    else
        echo "ok: $name turns exactly $(wc -l <"$flips/$name.txt") checks"
    fi
done <"$flips/configs.txt"
((bad == 0)) || fail "some configurations turned other checks than expected"

# both ways: each check passed somewhere and failed, was unsupported or errored elsewhere
cat "$RC_WORK"/*.st | awk '
    { if ($2 == "pass") p[$1] = 1; else if ($2 == "fail" || $2 == "unsupported" || $2 == "error") n[$1] = 1; all[$1] = 1 }
    END { for (c in all) if (!p[c] || !n[c]) print c, (p[c] ? "never fails" : "never passes") }' |
    sort >"$RC_WORK/oneway"
# flips/one-way.txt: checks this lab cannot show both ways, each with its reason; an entry
# that is shown both ways after all is stale and fails the test too
grep -v '^#' "$flips/one-way.txt" | awk 'NF {print $1}' | sort >"$RC_WORK/exempt"
comm -23 <(cut -d' ' -f1 "$RC_WORK/oneway") "$RC_WORK/exempt" >"$RC_WORK/missing"
comm -13 <(cut -d' ' -f1 "$RC_WORK/oneway") "$RC_WORK/exempt" >"$RC_WORK/stale"
if [[ -s $RC_WORK/missing ]]; then
    grep -Ff "$RC_WORK/missing" "$RC_WORK/oneway"
    fail "$(wc -l <"$RC_WORK/missing") checks were not shown both ways"
fi
[[ ! -s $RC_WORK/stale ]] || fail "flips/one-way.txt lists checks shown both ways: $(cat "$RC_WORK/stale")"
echo "ok: $(($(wc -l <"$RC_WORK/base.st") - $(wc -l <"$RC_WORK/exempt"))) checks shown passing and failing; $(wc -l <"$RC_WORK/exempt") exempt (flips/one-way.txt)"
