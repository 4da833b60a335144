#!/usr/bin/env bash
# lab: fault
# Every check shown both ways, every quirk turning exactly the checks its rules say: all
# suites run through the fault proxy once without rules (flips/base.txt, Distribution 2.8.2
# as DESIGN 6 documents it) and once per configuration of flips/quirks.txt, where each
# configuration states, check glob or feature by feature, which verdicts its quirk changes
# and why. Every check must end with the status the declarations give it. Finally every check
# must have passed in some configuration and failed (or been unsupported, or an error) in
# another: a check that cannot fail is a defect.
. "$(dirname "$0")/lib.sh"
flips=$RC_SRC/tests/integration/flips
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
# eight scenarios at a time keep the run short; the proxy's rules apply to all of them
sed 's/^limits: .*//' "$FAULT_PROFILE" >"$pdir/fault.yaml"
echo 'limits: {concurrency: 8, request_timeout: 10, retries: 1}' >>"$pdir/fault.yaml"
PROFILES=$pdir

# set_rules RULE... (one rule per argument; a rule may contain spaces)
set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# statuses NAME RULE... -> $RC_WORK/NAME.st, "check<TAB>status<TAB>feature" per line, sorted
statuses() {
    local name=$1
    shift
    set_rules "$@"
    rc_run "$RC_WORK/$name" -r fault
    [[ -f $RC_WORK/$name/results.json ]] || fail "$name: no results ($(cat "$RC_WORK/$name.stderr"))"
    jq -r '.registries[0].checks[] | "\(.id)\t\(.status)\t\(.feature)"' \
        "$RC_WORK/$name/results.json" | sort >"$RC_WORK/$name.st"
}

statuses base
cut -f1,2 "$RC_WORK/base.st" | tr '\t' ' ' >"$RC_WORK/base.txt"
if [[ ${RC_FLIPS_RECORD:-} == 1 ]]; then
    cp "$RC_WORK/base.txt" "$flips/base.txt"
else
    diff -u "$flips/base.txt" "$RC_WORK/base.txt" || fail "the rule-free run changed (flips/base.txt)"
fi

# expected NAME: the declared status of every check under configuration NAME
expected() {
    awk -v want="$1" -F'\t' '
        FNR == NR {
            if ($0 ~ /^quirk /) { split(substr($0, 7), h, "|"); q = h[1]; gsub(/ /, "", q); next }
            if (q != want || $0 !~ /->/) next
            line = $0; sub(/#.*/, "", line)
            split(line, lr, "->"); sel = lr[1]; st = lr[2]
            gsub(/^ +| +$/, "", sel); gsub(/ /, "", st)
            n++; sels[n] = sel; sts[n] = st
            next
        }
        {
            id = $1; status = $2; feature = $3
            for (i = 1; i <= n; i++) {
                s = sels[i]
                if (s ~ /^feature:/) hit = (substr(s, 9) == feature)
                else { g = s; gsub(/\./, "\\.", g); gsub(/\*/, ".*", g); hit = (id ~ ("^" g "$")) }
                if (hit) status = (sts[i] == "base" ? $2 : sts[i])
            }
            print id, status
        }' "$flips/quirks.txt" "$RC_WORK/base.st"
}

bad=0
names=$(sed -n 's/^quirk \([^ |]*\) *|.*/\1/p' "$flips/quirks.txt")
for name in $names; do
    rules=$(sed -n "s/^quirk $name *| *//p" "$flips/quirks.txt")
    mapfile -t rl < <(tr ';' '\n' <<<"$rules" | sed 's/^ *//; s/ *$//' | grep -v '^$')
    statuses "$name" "${rl[@]}"
    cut -f1,2 "$RC_WORK/$name.st" | tr '\t' ' ' >"$RC_WORK/$name.got"
    expected "$name" >"$RC_WORK/$name.want"
    if ! diff -u "$RC_WORK/$name.want" "$RC_WORK/$name.got" >"$RC_WORK/$name.diff"; then
        echo "FAIL: $name ($rules): verdicts differ from the declarations in flips/quirks.txt:"
        grep '^[-+][a-z]' "$RC_WORK/$name.diff"
        bad=1
    else
        echo "ok: $name: $(join "$RC_WORK/base.txt" "$RC_WORK/$name.got" | awk '$2 != $3' | wc -l) checks turn as declared"
    fi
done
((bad == 0)) || fail "some configurations turned other checks than declared"

# both ways: each check passed somewhere and failed, was unsupported or errored elsewhere
cat "$RC_WORK"/*.got "$RC_WORK/base.txt" | awk '
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
