#!/usr/bin/env bash
# lab: main
# Per-registry limits (registries.d/README.md, "Limits"), on copies of the local-open profile:
# - limits.max_requests: checks that would go past the budget are not started; they are
#   `skip` with a reason naming the count, the key and the profile, shown in results.json,
#   junit.xml, matrix.md and the terminal; the checks that ran finished (no error) and cleaned
#   up (nothing of the run in the registry's storage, no leftovers listed); the count in the
#   reason is what the run used (stats.requests: with one check at a time nothing runs after
#   the budget stops); exit 0 (a skip does not fail a run);
# - limits.max_manifest_gets: the same for manifest GETs (stats.manifest_gets);
# - requests_per_second: 1000 with concurrency 4 (one rate shared by four workers): the checks
#   still pass;
# - validate: a negative or fractional budget is an error naming file, line and key, exit 2.
. "$(dirname "$0")/lib.sh"
: "${LAB_DATA_ROOT:?the lab records its storage in lab.env}"

profiles=$RC_WORK/registries.d
mkdir -p "$profiles"
src=$PROFILES/local-open.yaml
grep -q '^limits: {' "$src" || fail "local-open.yaml has no one-line limits mapping to edit"
PROFILES=$profiles
# copy local-open with LIMITS (flow mapping entries) in place of its limits
profile() {
    sed "s/^limits: {.*}$/limits: {$2}/" "$src" >"$profiles/$1.yaml"
    grep -qF "limits: {$2}" "$profiles/$1.yaml" || fail "could not set the limits of $1"
}

# the run's manifest revisions and blob links in local-open's storage (none may stay)
stored_objects() {
    local d=$LAB_DATA_ROOT/local-open/docker/registry/v2/repositories/regcompat/$1
    # the checks that ran pushed: their repositories stay (empty) once cleaned up
    [[ -d $d ]] || fail "no repository of run $1 in local-open's storage at $d"
    find "$d" -path '*/_manifests/revisions/*/link' -o -path '*/_layers/*/link'
}

# BUDGET_KEY MAX STAT OUT : the budget's checks of a -s policy run
check_budget() {
    local key=$1 max=$2 stat=$3 out=$4 res=$4/results.json
    expect_exit 0
    expect_reports "$out"
    local id
    id=$(jq -r '.registries[0].id' "$res")
    local ran skipped
    ran=$(jq '[.registries[0].checks[] | select(.status != "skip")] | length' "$res")
    skipped=$(jq '[.registries[0].checks[] | select(.status == "skip")] | length' "$res")
    ((ran >= 1 && skipped >= 1)) || fail "$id: $ran checks ran and $skipped were skipped"
    # every check that ran finished: the policy suite's verdicts on local-open
    local bad
    bad=$(jq -r '.registries[0].checks[] | select(.status != "skip") |
        select(.status != (if .id == "policy.accept" then "unsupported" else "pass" end)) |
        "\(.id)=\(.status): \(.reason // "")"' "$res")
    [[ -z $bad ]] || fail "$id: a check that ran did not finish as on local-open: $bad"
    # every skip is the budget's, or a needs on a check the budget skipped
    local what=request
    [[ $key == max_manifest_gets ]] && what="manifest GET"
    local re="^$what budget exhausted: ([0-9]+) of limits\\.$key $max used, a check takes about ([0-9]+) \\(profile registries\\.d/$id\\.yaml\\)\$"
    local reasons
    reasons=$(jq -r '.registries[0].checks[] | select(.status == "skip") | .reason' "$res" |
        sort -u | grep -v '^needs policy\.[a-z.-]*, which was skip$' || true)
    (($(grep -c . <<<"$reasons") == 1)) || fail "$id: skip reasons: $reasons"
    [[ $reasons =~ $re ]] || fail "$id: reason '$reasons' does not match /$re/"
    local used=${BASH_REMATCH[1]} est=${BASH_REMATCH[2]}
    echo "ok: $id: $ran checks ran, $skipped skipped: $reasons"
    # the rule: the check refused would have gone past the budget
    ((used + est > max)) || fail "$id: refused at $used used + $est > $max does not hold"
    # the count is the registry's (one check at a time: nothing ran after the refusal)
    local counted
    counted=$(jq ".registries[0].stats.$stat" "$res")
    [[ $counted == "$used" ]] || fail "$id: reason says $used used, stats.$stat is $counted"
    echo "ok: $id: stats.$stat = $used, the count in the reason; $used + $est > $max"
    # every report carries the reason
    local n
    n=$(jq --arg r "$reasons" '[.registries[0].checks[] | select(.reason == $r)] | length' "$res")
    [[ $(xmllint --xpath "count(//testcase/skipped[contains(@message, '$what budget exhausted')])" \
        "$out/junit.xml") == "$n" ]] || fail "$id: junit.xml lacks <skipped> with the reason"
    grep -qF "$(sed 's/_/\\_/g' <<<"$reasons")" "$out/matrix.md" ||
        fail "$id: matrix.md does not show the reason"
    grep -qF "$reasons" "$out.stdout" || fail "$id: the terminal does not show the reason"
    echo "ok: $id: the reason is in junit.xml ($n <skipped>), matrix.md and the terminal"
    # nothing left behind by the checks that ran
    jq -e '.registries[0] | has("leftovers") | not' "$res" >/dev/null ||
        fail "$id: results.json lists leftovers"
    local run left
    run=$(jq -r .run.id "$res")
    left=$(stored_objects "$run")
    [[ -z $left ]] || fail "$id: the run left in storage: $left"
    echo "ok: $id: no leftovers, nothing of run $run in local-open's storage"
}

# --- limits.max_requests (one check at a time, so the count in the reason is exact)
profile budget-requests "concurrency: 1, request_timeout: 30, retries: 2, max_requests: 60"
out=$RC_WORK/requests
rc_run "$out" -r budget-requests -s policy
cat "$out.stdout"
check_budget max_requests 60 requests "$out"
# a started check is never cut: the run ends at most one check past the budget
used=$(jq '.registries[0].stats.requests' "$out/results.json")
most=$(jq '[.registries[0].checks[].requests] | max' "$out/results.json")
((used <= 60 + most)) || fail "budget-requests: $used used, more than 60 + one check ($most)"

# --- limits.max_manifest_gets
profile budget-pulls "concurrency: 1, request_timeout: 30, retries: 2, max_manifest_gets: 1"
out=$RC_WORK/pulls
rc_run "$out" -r budget-pulls -s policy
cat "$out.stdout"
check_budget max_manifest_gets 1 manifest_gets "$out"

# --- one rate for four workers: behaviour, not timing
profile rate "requests_per_second: 1000, concurrency: 4, request_timeout: 30, retries: 2"
out=$RC_WORK/rate
rc_run "$out" -r rate -s policy
expect_exit 0
expect_reports "$out"
expect_all_except "$out/results.json" rate pass policy.accept=unsupported

# --- validate: budgets are whole numbers from 0
mkdir -p "$RC_WORK/bad"
cat >"$RC_WORK/bad/bad-budget.yaml" <<'EOF2'
name: Bad budget
url: http://127.0.0.1:1
limits:
  max_requests: -5
  max_manifest_gets: 1.5
EOF2
v=$RC_WORK/validate
rc_exec "$v" validate "$RC_WORK/bad/bad-budget.yaml"
cat "$v.stderr"
expect_exit 2
grep -qE "bad-budget\.yaml:4: key 'limits\.max_requests': must be between 0 and" "$v.stderr" ||
    fail "validate does not name line 4 and limits.max_requests"
grep -qE "bad-budget\.yaml:5: key 'limits\.max_manifest_gets': expected an integer" "$v.stderr" ||
    fail "validate does not name line 5 and limits.max_manifest_gets"
echo "ok: validate names file, line and key of both bad budgets"
