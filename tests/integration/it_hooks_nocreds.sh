#!/usr/bin/env bash
# lab: main
# A hosted profile whose secret is not configured gives skip "no credentials" and exit 0;
# profile hooks run before and after a registry's checks with the REGCOMPAT_* variables.
. "$(dirname "$0")/lib.sh"
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
cp "$PROFILES/local-open.yaml" "$pdir/"
cat >>"$pdir/local-open.yaml" <<YAML
hooks:
  before: {exec: "printf '%s\\\\n' \"\$REGCOMPAT_REPOSITORIES\" > $RC_WORK/repos; echo \$REGCOMPAT_RUN_ID > $RC_WORK/before"}
  after: "echo \$REGCOMPAT_HOOK > $RC_WORK/after"
YAML
cat >"$pdir/hosted-nocreds.yaml" <<'YAML'
name: A hosted registry without credentials here
url: https://registry.example.invalid
hosted: true
auth:
  username: someone
  password: {env: REGCOMPAT_TEST_UNSET_SECRET}
YAML
unset REGCOMPAT_TEST_UNSET_SECRET
PROFILES=$pdir # rc_run reads profiles from here
out=$RC_WORK/out
rc_run "$out" -r local-open -r hosted-nocreds -s policy --only policy.push
expect_exit 0
expect_status "$out/results.json" hosted-nocreds policy.push skip
reason=$(jq -r '.registries[] | select(.id == "hosted-nocreds") | .checks[0].reason' "$out/results.json")
[[ $reason == "no credentials:"*REGCOMPAT_TEST_UNSET_SECRET* ]] || fail "reason: $reason"
expect_status "$out/results.json" local-open policy.push pass
run_id=$(jq -r .run.id "$out/results.json")
[[ $(cat "$RC_WORK/before") == "$run_id" ]] || fail "before hook did not see REGCOMPAT_RUN_ID"
grep -qx "regcompat/$run_id/policy.push" "$RC_WORK/repos" || fail "REGCOMPAT_REPOSITORIES: $(cat "$RC_WORK/repos")"
[[ $(cat "$RC_WORK/after") == after ]] || fail "after hook did not run"

# a failing before hook: every check error, the after hook still runs
sed -i 's/echo \$REGCOMPAT_RUN_ID > /exit 7; echo /' "$pdir/local-open.yaml"
rm -f "$RC_WORK/after"
rc_run "$out-fail" -r local-open -s policy --only policy.push
expect_exit 3
expect_status "$out-fail/results.json" local-open policy.push error
jq -e '.registries[0].checks[0].reason | test("before hook failed \\(exit status 7\\)")' \
    "$out-fail/results.json" >/dev/null || fail "reason does not name the hook's exit status"
[[ -f $RC_WORK/after ]] || fail "after hook did not run after a failed before hook"
