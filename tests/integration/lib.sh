# Sourced by every integration test: helpers around the binary, the lab and results.json.
set -euo pipefail

: "${RC_BIN:?}" "${RC_LAB_STATE:?}" "${RC_SRC:?}" "${RC_WORK:?}"
rm -rf "$RC_WORK"
mkdir -p "$RC_WORK"
# shellcheck disable=SC1091
. "$RC_LAB_STATE/lab.env"
PROFILES="$RC_LAB_STATE/registries.d"
SUITES="$RC_SRC/suites"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# rc OUTDIR ARGS... : runs regcompat run, records the exit code in $RC_EXIT
rc_run() {
    local out=$1
    shift
    set +e
    "$RC_BIN" run --profiles-dir "$PROFILES" --suites-dir "$SUITES" -o "$out" "$@" \
        >"$out.stdout" 2>"$out.stderr"
    RC_EXIT=$?
    set -e
    echo "regcompat run $* -> exit $RC_EXIT"
}

# status RESULTS REGISTRY CHECK : prints the status of one check
status_of() {
    jq -r --arg r "$2" --arg c "$3" \
        '.registries[] | select(.id == $r) | .checks[] | select(.id == $c) | .status' "$1"
}

expect_status() {
    local got
    got=$(status_of "$1" "$2" "$3")
    [[ $got == "$4" ]] || fail "$2 $3: status '$got', expected '$4' ($(jq -c --arg r "$2" --arg c "$3" '.registries[] | select(.id == $r) | .checks[] | select(.id == $c) | {reason, evidence}' "$1"))"
    echo "ok: $2 $3 is $4"
}

expect_exit() {
    [[ $RC_EXIT == "$1" ]] || fail "exit code $RC_EXIT, expected $1"
}

# every check of REGISTRY in RESULTS has STATUS
expect_all() {
    local bad
    bad=$(jq -r --arg r "$2" --arg s "$3" \
        '.registries[] | select(.id == $r) | .checks[] | select(.status != $s) | "\(.id)=\(.status): \(.reason // "")"' "$1")
    [[ -z $bad ]] || fail "$2: not all $3: $bad"
    local n
    n=$(jq --arg r "$2" '[.registries[] | select(.id == $r) | .checks[]] | length' "$1")
    ((n > 0)) || fail "$2: no checks in results"
    echo "ok: all $n checks of $2 are $3"
}
