# Sourced by every integration test: helpers around the binary, the lab and results.json.
set -euo pipefail

: "${RC_BIN:?}" "${RC_LAB_STATE:?}" "${RC_SRC:?}" "${RC_WORK:?}"
rm -rf "$RC_WORK"
mkdir -p "$RC_WORK"
# shellcheck disable=SC1091
[[ -f $RC_LAB_STATE/lab.env ]] && . "$RC_LAB_STATE/lab.env"
# shellcheck disable=SC1091
[[ -f $RC_LAB_STATE/fault.env ]] && . "$RC_LAB_STATE/fault.env"
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

# rc_exec OUT ARGS... : runs "$RC_BIN" ARGS... as given (any command, no implied options);
# stdout and stderr go to OUT.stdout and OUT.stderr, the exit code to $RC_EXIT
rc_exec() {
    local out=$1
    shift
    set +e
    "$RC_BIN" "$@" >"$out.stdout" 2>"$out.stderr"
    RC_EXIT=$?
    set -e
    echo "regcompat $* -> exit $RC_EXIT"
}

# results.json, junit.xml and matrix.md exist in OUT and parse
expect_reports() {
    local out=$1
    [[ -s $out/results.json ]] || fail "$out/results.json missing or empty"
    jq -e '.schema == "regcompat.results/v1"' "$out/results.json" >/dev/null ||
        fail "$out/results.json does not parse or has the wrong schema"
    [[ -s $out/junit.xml ]] || fail "$out/junit.xml missing or empty"
    xmllint --noout "$out/junit.xml" || fail "$out/junit.xml is not well-formed XML"
    [[ -s $out/matrix.md ]] || fail "$out/matrix.md missing or empty"
    grep -q '^| Registry |' "$out/matrix.md" || fail "$out/matrix.md has no matrix table"
    echo "ok: reports in $out parse"
}

# expect_reason RESULTS REGISTRY CHECK ERE : the check's reason matches ERE (case-insensitive)
expect_reason() {
    local reason
    reason=$(jq -r --arg r "$2" --arg c "$3" \
        '.registries[] | select(.id == $r) | .checks[] | select(.id == $c) | .reason // ""' "$1")
    grep -qiE -- "$4" <<<"$reason" || fail "$2 $3: reason '$reason' does not match /$4/"
    echo "ok: $2 $3 reason: $reason"
}

# no_secret WHAT SECRET PATH... : SECRET (a fixed string) occurs in no file under the PATHs
no_secret() {
    local what=$1 secret=$2
    shift 2
    [[ -n $secret ]] || fail "no_secret $what: empty secret (the test is broken)"
    local hits
    hits=$(grep -rlF -- "$secret" "$@" 2>/dev/null || true)
    [[ -z $hits ]] || fail "$what appears in: $hits"
    echo "ok: $what appears in none of: $*"
}

# free_port : prints a loopback TCP port that nothing listens on (bound, released, then a
# connect is refused)
free_port() {
    python3 - <<'PY'
import socket
for _ in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(1)
    try:
        c.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        print(port)
        break
    finally:
        c.close()
else:
    raise SystemExit("no free port found")
PY
}

# wait_pid PID SECONDS : waits for a background child; its exit code goes to $RC_EXIT. A
# child still running after SECONDS is killed and the test fails (a hang is a bug).
wait_pid() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        fail "process $pid still running after ${secs}s (killed it)"
    fi
    set +e
    wait "$pid"
    RC_EXIT=$?
    set -e
}

# wait_for_line FILE ERE SECONDS [PID] : waits until a line of FILE matches ERE; fails after
# SECONDS, or as soon as PID (if given) has exited without the line appearing
wait_for_line() {
    local file=$1 re=$2 secs=$3 pid=${4:-} i
    for ((i = 0; i < secs * 50; i++)); do
        if [[ -f $file ]] && grep -qE -- "$re" "$file"; then
            return 0
        fi
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            grep -qE -- "$re" "$file" 2>/dev/null && return 0
            fail "process $pid exited before /$re/ appeared in $file"
        fi
        sleep 0.02
    done
    fail "no line matching /$re/ in $file after ${secs}s"
}

# expect_all_except RESULTS REGISTRY STATUS [CHECK=STATUS2]... : every check of REGISTRY has
# STATUS, except each CHECK named, which must be present and have STATUS2
expect_all_except() {
    local res=$1 reg=$2 st=$3 exc='{}' kv
    shift 3
    for kv in "$@"; do
        exc=$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<<"$exc")
    done
    local bad
    bad=$(jq -r --arg r "$reg" --arg s "$st" --argjson x "$exc" '
        [.registries[] | select(.id == $r) | .checks[]] as $c
        | ($c[] | select(.status != ($x[.id] // $s))
            | "\(.id)=\(.status) (expected \($x[.id] // $s)): \(.reason // "")"),
          ($x | keys[] | select(. as $k | ($c | map(.id) | index($k)) == null)
            | "\(.)=missing")' "$res")
    [[ -z $bad ]] || fail "$reg: $bad"
    local n
    n=$(jq --arg r "$reg" '[.registries[] | select(.id == $r) | .checks[]] | length' "$res")
    ((n > 0)) || fail "$reg: no checks in results"
    echo "ok: $reg: all $n checks are $st${*:+ except $*}"
}
