#!/usr/bin/env bash
# lab: main
# What a person sees on the terminal, against real registries, compared with golden files
# (tests/golden/terminal.*.txt; ports, paths and timings normalised; RC_UPDATE_GOLDEN=1
# rewrites them): a run with fails, an unreachable registry, missing credentials (none sent,
# a profile's unset variable, with and without --require-credentials). The credential cases
# told apart (none sent, rejected, insufficient_scope), an http:// URL on a TLS port and an
# untrusted certificate, each one line. Then the rules that are about the terminal itself: progress only on a terminal, with the registry, the check
# and the time left; NO_COLOR and TERM=dumb remove colour only; -q keeps the totals line.
. "$(dirname "$0")/lib.sh"
golden=$RC_SRC/tests/golden
cd "$RC_WORK"
mkdir -p profiles docker
export DOCKER_CONFIG=$RC_WORK/docker # no credentials from the machine's docker login
unset REGCOMPAT_USERNAME REGCOMPAT_PASSWORD REGCOMPAT_TEST_UNSET_PASSWORD

# profile ID URL [more lines...]: a profile file with a fixed id, so the columns do not
# depend on port numbers
profile() {
    local id=$1 url=$2
    shift 2
    printf 'name: %s\nurl: %s\nkind: distribution\n' "$id" "$url" >"profiles/$id.yaml"
    printf '%s\n' "$@" >>"profiles/$id.yaml"
}

# run NAME ARGS...: regcompat run from this directory, stdout to NAME.out, exit to $RC_EXIT
run() {
    local name=$1
    shift
    set +e
    "$RC_BIN" run --suites-dir "$SUITES" -o "out-$name" "$@" >"$name.out" 2>"$name.err"
    RC_EXIT=$?
    set -e
    echo "regcompat run $* -> exit $RC_EXIT"
}

# golden NAME: NAME.out, normalised, is tests/golden/terminal.NAME.txt
golden() {
    sed -E -e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' -e 's/port [0-9]+/port PORT/g' \
        -e 's/after [0-9]+ ms/after N ms/g' -e "s|$RC_WORK|WORK|g" "$1.out" >"$1.norm"
    if [[ ${RC_UPDATE_GOLDEN:-} == 1 ]]; then
        cp "$1.norm" "$golden/terminal.$1.txt"
    fi
    diff -u "$golden/terminal.$1.txt" "$1.norm" || fail "$1: the terminal output changed"
    echo "ok: $1 matches tests/golden/terminal.$1.txt"
}

# A run with fails: the fails are listed, the unsupported ones counted; exit 1.
profile reg "$LAB_LOCAL_OPEN_URL"
run fails -r profiles/reg.yaml -s errors -s manifests -s policy
expect_exit 1
golden fails
[[ ! -s fails.err ]] || fail "a run with fails wrote to stderr: $(cat fails.err)"

# An unreachable registry: one line with the fix, exit 3.
profile down "http://127.0.0.1:$(free_port)"
run unreachable -r profiles/down.yaml -s policy
expect_exit 3
golden unreachable
(($(grep -c down unreachable.out) == 2)) || fail "more than the table row and one line for down"

# No credentials sent to a registry that wants them: one line naming the variables and docker
# login, exit 3.
profile basic "$LAB_LOCAL_TLS_BASIC_URL" "tls: {ca: \"$LAB_LOCAL_TLS_BASIC_CA\"}"
run nocreds -r profiles/basic.yaml -s policy
expect_exit 3
golden nocreds

# A profile whose credential variable is unset: one skip line, exit 0 (it stays green, which
# is what --require-credentials is for) ...
profile hosted "$LAB_LOCAL_TLS_BASIC_URL" "tls: {ca: \"$LAB_LOCAL_TLS_BASIC_CA\"}" \
    "auth: {username: regcompat, password: {env: REGCOMPAT_TEST_UNSET_PASSWORD}}"
run unset -r profiles/hosted.yaml -s policy
expect_exit 0
golden unset
# ... and with --require-credentials the same line is an error, exit 3
run required -r profiles/hosted.yaml -s policy --require-credentials
expect_exit 3
golden required

# The credential cases told apart, each one line for its registry (--url: fixes name the
# REGCOMPAT_* variables):
# - rejected: a wrong password
adhoc() { # NAME ERE ARGS... : a --url run whose one registry-level line matches ERE, exit 3
    local name=$1 re=$2
    shift 2
    run "$name" -s policy "$@"
    expect_exit 3
    local lines
    lines=$(grep -cE '^  (ERROR|SKIP) ' "$name.out" || true)
    ((lines == 1)) || fail "$name: $lines problem lines, expected one: $(cat "$name.out")"
    grep -qE -- "$re" "$name.out" || fail "$name: no line matching /$re/: $(cat "$name.out")"
    echo "ok: $name: $(grep -E '^  (ERROR|SKIP) ' "$name.out" | cut -c1-160)"
}
REGCOMPAT_USERNAME=$LAB_LOCAL_TLS_BASIC_USERNAME REGCOMPAT_PASSWORD=wrong-password \
    adhoc rejected 'all 8 checks +credentials rejected \(GET /v2/ answered 401.*check REGCOMPAT_USERNAME and REGCOMPAT_PASSWORD' \
    --url "$LAB_LOCAL_TLS_BASIC_URL" --ca "$LAB_LOCAL_TLS_BASIC_CA"
# - none sent to a token registry: what only reads still runs, what pushes is one line
adhoc token-anonymous 'checks that push not run: no credentials were sent, and the registry asks for them to push \(the first push answered 401\); set REGCOMPAT_USERNAME and REGCOMPAT_PASSWORD, or run docker login' \
    --url "$LAB_LOCAL_TOKEN_URL"
# - accepted, but the account may only pull
REGCOMPAT_USERNAME=reader REGCOMPAT_PASSWORD=$(<"$LAB_LOCAL_TOKEN_READER_PASSWORD_FILE") \
    adhoc token-reader 'the token lacks scope \(insufficient_scope: the account may pull but not push\)' \
    --url "$LAB_LOCAL_TOKEN_URL"

# TLS: an http:// URL on the TLS port is named as such (not "POST answered 400"), and an
# untrusted certificate names --ca and --insecure
tls_port=${LAB_LOCAL_TLS_BASIC_URL##*:}
adhoc http-on-tls "is an http:// URL, but the port speaks TLS \\(HTTPS\\): use --url https://127.0.0.1:$tls_port" \
    --url "http://127.0.0.1:$tls_port"
grep -q 'answered 400' http-on-tls.out && fail "http-on-tls: reported as a 400"
adhoc untrusted 'TLS: the certificate of 127\.0\.0\.1:[0-9]+ is not trusted .*pass --ca FILE .*--insecure' \
    --url "$LAB_LOCAL_TLS_BASIC_URL"

# Progress: not on a pipe ...
grep -q $'\r' fails.err fails.out && fail "progress written although stderr is not a terminal"
echo "ok: no progress when the output is not a terminal"

# ... on a terminal (a pty from script(1)): registry, check, time left, overwritten with \r
tty_run() { # NAME ENV... : the fails run under a pty, everything it printed in NAME.tty
    local name=$1
    shift
    env "$@" script -qfec "$(printf '%q ' "$RC_BIN" run --suites-dir "$SUITES" -o "out-$name" \
        -r profiles/reg.yaml -s errors -s policy)" /dev/null >"$name.tty" 2>&1 || true
}
tty_run color TERM=xterm NO_COLOR=
grep -qaE $'\r\\[[0-9]+/[0-9]+\\] reg  [a-z]+\\.[a-z0-9.-]+  [0-9]+(m[0-9]+)?s left' color.tty ||
    fail "no progress line with registry, check and time left on a terminal: $(head -c 600 color.tty | cat -v)"
grep -qa $'\033\\[1;31mFAIL' color.tty || fail "no colour on a terminal"
echo "ok: a terminal gets progress (registry, check, time left) and colour"
tty_run nocolor TERM=xterm NO_COLOR=1
grep -qaE $'\r\\[[0-9]+/[0-9]+\\] reg  ' nocolor.tty || fail "NO_COLOR hid the progress"
grep -qa $'\033\\[' nocolor.tty && fail "NO_COLOR left colour: $(grep -a $'\033' nocolor.tty | cat -v | head -3)"
echo "ok: NO_COLOR removes colour only"
tty_run dumb TERM=dumb NO_COLOR=
grep -qaE $'\r\\[[0-9]+/[0-9]+\\] reg  ' dumb.tty || fail "TERM=dumb hid the progress"
grep -qa $'\033\\[' dumb.tty && fail "TERM=dumb left colour"
echo "ok: TERM=dumb removes colour"

# -q: the totals line and where the reports are, nothing else
run quiet -r profiles/reg.yaml -s errors -s policy -q
expect_exit 1
[[ $(wc -l <quiet.out) == 2 ]] || fail "-q printed $(wc -l <quiet.out) lines: $(cat quiet.out)"
grep -qE '^total: [0-9]+ checks on 1 registry: .*1 fail' quiet.out || fail "-q: no totals line"
grep -q '^reports: ' quiet.out || fail "-q: no reports line"
echo "ok: -q prints the totals line"

# -v: every check, passes included, as it completes
run verbose -r profiles/reg.yaml -s policy -v
expect_exit 0
n=$(grep -cE '^\[[0-9]+/[0-9]+\] reg +policy\.' verbose.out)
want=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
((n == want)) || fail "-v listed $n checks as they completed, the suite has $want"
grep -qE '^  UNSUPPORTED  reg  policy\.accept' verbose.out || fail "-v did not list the unsupported check"
echo "ok: -v lists every check"
