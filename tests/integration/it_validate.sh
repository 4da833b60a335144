#!/usr/bin/env bash
# lab: main
# Profiles and suites are checked before anything runs: unknown keys, wrong types and
# unknown operations are reported with file, line and key, exit 2, and a run with a broken
# profile runs nothing. The lab's profiles and the repo's suites validate; list and help work.
. "$(dirname "$0")/lib.sh"

bad=$RC_WORK/bad
mkdir -p "$bad"
# line 4: hosted is not a boolean; line 8: auth.pasword is not a key
cat >"$bad/broken-profile.yaml" <<'EOF2'
name: Broken profile
url: http://127.0.0.1:1
kind: distribution
hosted: maybe
namespace: regcompat
auth:
  username: someone
  pasword: {env: REGCOMPAT_TEST_NOT_SET}
enabled: true
EOF2
# line 9: an operation that does not exist
cat >"$bad/broken-suite.yaml" <<'EOF2'
suite: broken
description: a suite with an unknown operation
scenarios:
  - id: broken.op
    feature: Broken
    title: Uses an operation that does not exist
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1"}
      - push-blobb: {size: 1KiB}
EOF2

# expect_problem OUT FILE LINE ERE : stderr has "FILE:LINE:" followed by a match of ERE
expect_problem() {
    local line
    line=$(grep -F -- "$2:$3:" "$1.stderr" | head -n 1)
    [[ -n $line ]] || fail "no problem reported at $2:$3 (stderr: $(cat "$1.stderr"))"
    grep -qE -- "$4" <<<"$line" || fail "problem at $2:$3 does not match /$4/: $line"
    echo "ok: $line"
}

v=$RC_WORK/v-profile
rc_exec "$v" validate "$bad/broken-profile.yaml"
cat "$v.stderr"
expect_exit 2
expect_problem "$v" "$bad/broken-profile.yaml" 8 "auth\\.pasword"
expect_problem "$v" "$bad/broken-profile.yaml" 4 "hosted"
grep -F "$bad/broken-profile.yaml:4:" "$v.stderr" | grep -qiE 'bool|true|false' ||
    fail "the hosted problem does not say a boolean is expected"

v=$RC_WORK/v-suite
rc_exec "$v" validate "$bad/broken-suite.yaml"
cat "$v.stderr"
expect_exit 2
expect_problem "$v" "$bad/broken-suite.yaml" 9 "push-blobb"
grep -F "$bad/broken-suite.yaml:9:" "$v.stderr" | grep -qE "key '[^']+'" ||
    fail "the unknown operation is not reported with its key"

# both at once: every problem is reported, not only the first
v=$RC_WORK/v-both
rc_exec "$v" validate "$bad/broken-profile.yaml" "$bad/broken-suite.yaml"
expect_exit 2
expect_problem "$v" "$bad/broken-profile.yaml" 8 "auth\\.pasword"
expect_problem "$v" "$bad/broken-profile.yaml" 4 "hosted"
expect_problem "$v" "$bad/broken-suite.yaml" 9 "push-blobb"

# a run with the broken profile runs nothing and writes no results
out=$RC_WORK/run-broken
rc_run "$out" -r "$bad/broken-profile.yaml" -s policy
cat "$out.stderr"
expect_exit 2
[[ ! -e $out/results.json ]] || fail "a run with a broken profile wrote results.json"
[[ ! -e $out/junit.xml ]] || fail "a run with a broken profile wrote junit.xml"
grep -qF "auth.pasword" "$out.stderr" || fail "run does not name the broken key"
grep -qi 'nothing was run' "$out.stderr" || fail "run does not say that nothing was run"

# the lab's profiles and the repo's suites are valid
v=$RC_WORK/v-lab
rc_exec "$v" validate --profiles-dir "$PROFILES" --suites-dir "$SUITES"
cat "$v.stdout" "$v.stderr"
expect_exit 0
nlab=$(wc -w <<<"$LAB_REGISTRIES")
grep -qE "\\b$nlab profiles\\b" "$v.stdout" || fail "validate did not count the $nlab lab profiles"
[[ ! -s $v.stderr ]] || fail "validate printed problems for valid files"

# list checks: the id first, then feature and title
v=$RC_WORK/list
rc_exec "$v" list checks --suites-dir "$SUITES"
expect_exit 0
title=$(awk '/- id: policy\.push *$/ {f = 1} f && /title:/ {sub(/^ *title: */, ""); print; exit}' \
    "$SUITES/policy.yaml")
[[ -n $title ]] || fail "could not read the title of policy.push from policy.yaml"
line=$(grep -E '^policy\.push[[:space:]]' "$v.stdout") || fail "list checks has no policy.push line"
[[ $line == *"Policy push"* ]] || fail "policy.push line lacks its feature: $line"
[[ $line == *"$title"* ]] || fail "policy.push line lacks its title '$title': $line"
echo "ok: $line"
npolicy=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
[[ $(grep -cE '^policy\.' "$v.stdout") == "$npolicy" ]] ||
    fail "list checks does not list the $npolicy policy checks"

# help shows examples and exits 0; an unknown command is a usage error
v=$RC_WORK/help
rc_exec "$v" --help
expect_exit 0
grep -q '^examples:' "$v.stdout" || fail "--help shows no examples"
grep -qE '^ +regcompat run ' "$v.stdout" || fail "--help has no 'regcompat run' example"
rc_exec "$v" run --help
expect_exit 0
grep -q 'examples:' "$v.stdout" || fail "run --help shows no examples"
v=$RC_WORK/unknown
rc_exec "$v" frobnicate
expect_exit 2
grep -q 'frobnicate' "$v.stderr" || fail "unknown command not named on stderr"
[[ ! -s $v.stdout ]] || fail "unknown command printed to stdout"
rc_exec "$v" run --no-such-option -r local-open
expect_exit 2
