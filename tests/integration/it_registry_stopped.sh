#!/usr/bin/env bash
# lab: kill
# A registry that dies in the middle of a run: what ran before passes, the rest is `error`
# (never `fail`) with a reason naming the connection failure, exit 3, and every report is
# still written. Then SIGINT in the middle of a run (on a lab of our own): the current check
# is cut short (`error` "interrupted"), later ones are `skip`, the reports are written and
# say the run was interrupted.
. "$(dirname "$0")/lib.sh"
: "${RC_LAB_SH:?}"

suites=$RC_WORK/suites
mkdir -p "$suites"
cat >"$suites/stop.yaml" <<'EOF'
suite: stop
description: a registry that goes away in the middle of a run
scenarios:
  - id: stop.a-small
    feature: Policy push
    title: A small policy, pushed before anything happens
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1", save: pushed}
      - expect: {status: 201}

  - id: stop.b-large
    feature: Blob push
    title: A 512 MiB blob; the registry goes away while it uploads
    steps:
      - push-blob: {size: 512MiB, mode: post-put, save: big}
      - expect: {status: 201}

  - id: stop.c-after
    feature: Blob push
    title: A small blob after the registry went away
    steps:
      - push-blob: {size: 4KiB, mode: post-put}
      - expect: {status: 201}

  - id: stop.d-after
    feature: Policy push
    title: A small policy after the registry went away
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1"}
      - expect: {status: 201}
EOF

RC_PID=""
lab2=""
cleanup() {
    if [[ -n $RC_PID ]] && kill -0 "$RC_PID" 2>/dev/null; then
        kill -KILL "$RC_PID" 2>/dev/null || true
    fi
    if [[ -n $lab2 ]]; then
        "$RC_LAB_SH" stop --state "$lab2" >/dev/null 2>&1 || true
        rm -rf "$lab2/data"
    fi
}
trap cleanup EXIT

# run_bg OUT PROFILE : starts regcompat in the background on the stop suite, sets RC_PID
run_bg() {
    # one scenario at a time, so that the kill lands between known scenarios
    mkdir -p "$1.profile"
    sed 's/concurrency: [0-9]*, //' "$2" >"$1.profile/local-open.yaml"
    "$RC_BIN" run -v -r "$1.profile/local-open.yaml" --suites-dir "$suites" -s stop -o "$1" \
        >"$1.stdout" 2>"$1.stderr" &
    RC_PID=$!
}

# ---- part 1: the registry is killed while scenario 2 uploads --------------------------
out=$RC_WORK/killed
reg_pid=$("$RC_LAB_SH" pid local-open --state "$RC_LAB_STATE")
kill -0 "$reg_pid" || fail "the lab's local-open (pid $reg_pid) is not running"
run_bg "$out" "$PROFILES/local-open.yaml"
wait_for_line "$out/regcompat.log" '\[local-open\] stop\.b-large: start' 60 "$RC_PID"
# let the upload session open and the 512 MiB body start flowing, so the registry dies with
# a request in flight (the checks after it meet a closed port)
wait_for_line "$out/regcompat.log" '\[local-open stop\.b-large\] POST .* -> 202' 30 "$RC_PID"
sleep 0.5
kill "$reg_pid"
for ((i = 0; i < 100; i++)); do
    kill -0 "$reg_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$reg_pid" 2>/dev/null && fail "local-open (pid $reg_pid) survived SIGTERM for 10 s"
echo "killed local-open (pid $reg_pid) while stop.b-large ran"
wait_pid "$RC_PID" 120
cat "$out.stdout" "$out.stderr"
expect_exit 3
expect_reports "$out"
res=$out/results.json
expect_status "$res" local-open stop.a-small pass
for c in stop.b-large stop.c-after stop.d-after; do
    expect_status "$res" local-open "$c" error
    expect_reason "$res" local-open "$c" \
        'connect|connection|refused|reset|closed|unreachable|recv|send|network|empty reply'
done
nfail=$(jq '[.registries[].checks[] | select(.status == "fail")] | length' "$res")
((nfail == 0)) || fail "$nfail checks are 'fail'; a dead registry is an error, not a failure"
[[ $(jq '.registries[0].checks | length' "$res") == 4 ]] || fail "not 4 checks in results"
[[ $(jq '.run.interrupted // false' "$res") == false ]] || fail "run marked interrupted"
# junit carries the same verdicts
[[ $(xmllint --xpath 'count(//testcase[error])' "$out/junit.xml") == 3 ]] ||
    fail "junit.xml: not 3 testcases with <error>"
[[ $(xmllint --xpath 'count(//testcase[failure])' "$out/junit.xml") == 0 ]] ||
    fail "junit.xml: a testcase has <failure>"

# ---- part 2: SIGINT while scenario 2 runs, on a lab of our own --------------------------
lab2=$RC_WORK/lab2
"$RC_LAB_SH" start --state "$lab2" --build "${RC_BUILD:-.}" local-open >/dev/null
out=$RC_WORK/sigint
run_bg "$out" "$lab2/registries.d/local-open.yaml"
wait_for_line "$out/regcompat.log" '\[local-open\] stop\.b-large: start' 60 "$RC_PID"
kill -INT "$RC_PID"
echo "sent SIGINT to regcompat (pid $RC_PID) while stop.b-large ran"
wait_pid "$RC_PID" 180
cat "$out.stdout" "$out.stderr"
echo "exit code after SIGINT: $RC_EXIT"
expect_exit 3 # an interrupted run is never green
expect_reports "$out"
res=$out/results.json
jq -e '.run.interrupted == true' "$res" >/dev/null || fail "results.json: run.interrupted is not true"
grep -q 'Interrupted' "$out/matrix.md" || fail "matrix.md does not say the run was interrupted"
grep -qi 'interrupted' "$out.stdout" || fail "the summary does not say the run was interrupted"
expect_status "$res" local-open stop.a-small pass
# the check that was running when SIGINT came is cut short, not waited for
expect_status "$res" local-open stop.b-large error
expect_reason "$res" local-open stop.b-large '^interrupted'
for c in stop.c-after stop.d-after; do
    expect_status "$res" local-open "$c" skip
    expect_reason "$res" local-open "$c" 'interrupt'
done
nfail=$(jq '[.registries[].checks[] | select(.status == "fail")] | length' "$res")
((nfail == 0)) || fail "$nfail checks are 'fail' after SIGINT"
[[ $(xmllint --xpath 'count(//testcase)' "$out/junit.xml") == 4 ]] ||
    fail "junit.xml: not 4 testcases after SIGINT"
# the lab's registry stayed up: the interrupt only stopped regcompat
"$RC_LAB_SH" status --state "$lab2" >/dev/null || fail "own lab registry died during SIGINT test"
