#!/usr/bin/env bash
# lab: bounds
# Every blob read ends, whatever the registry sends (behind the fault proxy):
# - a body that goes on past the size its descriptor gives is cut there and the check is
#   `fail`, with a reason naming the size;
# - a body that trickles (2 bytes/s) is cut by the minimum speed: `error`, not hours of
#   waiting (a blob GET with no descriptor to bound it);
# - one SIGTERM (what Kubernetes sends before SIGKILL) in the middle of such a transfer cuts
#   it: the running check is `error` "interrupted", the checks not yet run are `skip`, every
#   report is written and the exit code is 3.
. "$(dirname "$0")/lib.sh"

suites=$RC_WORK/suites
mkdir -p "$suites"
cat >"$suites/bounds.yaml" <<'EOS'
suite: bounds
description: blob reads that must end
scenarios:
  - id: bounds.pull
    feature: Policy pull
    title: Push a policy, then pull it back with its blobs
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1", save: pushed}
      - pull-artifact: {ref: "{repo}:v1", accept: kwctl, expect_artifact: pushed}

  - id: bounds.get
    feature: Blob pull
    title: Push a blob of 64 KiB, then GET it
    steps:
      - push-blob: {size: 64KiB, save: b}
      - get-blob: {digest: "{b.digest}"}
      - expect: {status: 200, body_digest: "{b.digest}"}

  - id: bounds.later
    feature: Policy push
    title: A push after the reads
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1"}
EOS

set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# profile LIMITS : a copy of the fault profile with these limits, in $RC_WORK/p-N/fault.yaml
nprof=0
profile() {
    nprof=$((nprof + 1))
    local dir=$RC_WORK/p-$nprof
    mkdir -p "$dir"
    sed 's/^limits: .*//' "$FAULT_PROFILE" >"$dir/fault.yaml"
    echo "limits: $1" >>"$dir/fault.yaml"
    PROFILE=$dir/fault.yaml
}

RC_PID=""
cleanup() {
    if [[ -n $RC_PID ]]; then
        kill -KILL "$RC_PID" 2>/dev/null || true
    fi
    set_rules "" || true
}
trap cleanup EXIT

# run_bg OUT ARGS... : regcompat in the background on the bounds suite with $PROFILE, sets
# RC_PID
run_bg() {
    local out=$1
    shift
    "$RC_BIN" run -v -r "$PROFILE" --suites-dir "$suites" -o "$out" "$@" >"$out.stdout" \
        2>"$out.stderr" &
    RC_PID=$!
}

# ---- an endless body: cut at the descriptor's size, fail -------------------------------
set_rules blob-endless
profile '{request_timeout: 30, retries: 2}'
out=$RC_WORK/endless
run_bg "$out" --skip bounds.get
# without a bound the body is read for the blob timeout (hours): the wait is the safety net
wait_pid "$RC_PID" 60
RC_PID=""
cat "$out.stdout" "$out.stderr"
expect_exit 1
expect_reports "$out"
res=$out/results.json
expect_status "$res" fault bounds.pull fail
expect_reason "$res" fault bounds.pull 'sha256:[0-9a-f]{64}.*(longer|past|beyond).* [0-9]+ bytes'
expect_status "$res" fault bounds.later pass

# ---- a trickle: cut by the minimum speed, error -----------------------------------------
set_rules blob-trickle
profile '{request_timeout: 3, retries: 0}'
out=$RC_WORK/trickle
run_bg "$out" --skip bounds.pull
# 2 bytes/s is far below the minimum speed of 1 KiB/s: cut after request_timeout (3 s)
wait_pid "$RC_PID" 60
RC_PID=""
cat "$out.stdout" "$out.stderr"
expect_exit 3
expect_reports "$out"
res=$out/results.json
expect_status "$res" fault bounds.get error
expect_reason "$res" fault bounds.get 'slow|speed|bytes/s'
expect_status "$res" fault bounds.later pass

# ---- one SIGTERM during a trickle: cut at once, reports written, exit 3 --------------------
set_rules blob-trickle
profile '{request_timeout: 30, retries: 2}'
out=$RC_WORK/sigterm
before=$(grep -c 'blobs/sha256:.*\[blob-trickle\]' "$FAULT_PROXY_LOG" || true)
run_bg "$out" --skip bounds.pull
# the proxy logs the blob GET as its trickling answer starts
for ((i = 0; i < 3000; i++)); do
    now=$(grep -c 'blobs/sha256:.*\[blob-trickle\]' "$FAULT_PROXY_LOG" || true)
    ((now > before)) && break
    kill -0 "$RC_PID" 2>/dev/null || fail "regcompat exited before its blob GET started trickling"
    sleep 0.02
done
((now > before)) || fail "no trickling blob GET within 60 s"
kill -TERM "$RC_PID"
echo "sent one SIGTERM to regcompat (pid $RC_PID) during a trickling blob GET"
# the transfer alone would take the 30 s minimum-speed window, times 3 tries: the run must
# end long before that
wait_pid "$RC_PID" 15
RC_PID=""
cat "$out.stdout" "$out.stderr"
expect_exit 3
expect_reports "$out"
res=$out/results.json
jq -e '.run.interrupted == true' "$res" >/dev/null || fail "results.json: run.interrupted is not true"
expect_status "$res" fault bounds.get error
expect_reason "$res" fault bounds.get '^interrupted'
expect_status "$res" fault bounds.later skip
expect_reason "$res" fault bounds.later 'interrupted'
[[ $(xmllint --xpath 'count(//testcase)' "$out/junit.xml") == 2 ]] ||
    fail "junit.xml: not 2 testcases after SIGTERM"
