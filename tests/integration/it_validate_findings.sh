#!/usr/bin/env bash
# lab: main
# What validate finds beyond the file itself, each reported with file, line and key and exit
# 2, next to a profile without the mistake that validates (so each finding is shown both
# ways): an expectation whose check glob matches no check (with the closest id), a tls.ca /
# client certificate / client key file that does not exist, an expectation whose `until` date
# is past (also a warning, not an error, when a run uses the profile). And the suite names:
# `list checks -s SUITE` lists that suite, an unknown suite name lists the suites there are.
. "$(dirname "$0")/lib.sh"
p=$RC_WORK/profiles
mkdir -p "$p"
touch "$p/ca.pem"
future=$(date -u -d '+2 years' +%F)

good() {
    cat <<EOF2
name: Good
url: http://127.0.0.1:1
kind: distribution
tls: {ca: ca.pem}
expect:
  - check: policy.accept
    status: unsupported
    reason: the registry answers 404 without the OCI type in Accept
    until: $future
EOF2
}

# expect_finding NAME LINE ERE : validate of profiles/NAME.yaml exits 2 and reports
# "<file>:LINE: ..." matching ERE; the good profile beside it validates
expect_finding() {
    local f=$p/$1.yaml out=$RC_WORK/v-$1
    rc_exec "$out" validate --suites-dir "$SUITES" "$f"
    cat "$out.stderr"
    expect_exit 2
    grep -F -- "$f:$2:" "$out.stderr" | grep -qE -- "$3" ||
        fail "$1: no problem at $f:$2 matching /$3/"
    echo "ok: $1: $(grep -F -- "$f:$2:" "$out.stderr" | head -1)"
}

good >"$p/good.yaml"
v=$RC_WORK/v-good
rc_exec "$v" validate --suites-dir "$SUITES" "$p/good.yaml"
cat "$v.stdout" "$v.stderr"
expect_exit 0
echo "ok: the profile without mistakes validates"

# a typo in an expectation's check glob (line 6) matched nothing and passed silently before
good | sed 's/check: policy.accept/check: policy.acept/' >"$p/typo.yaml"
expect_finding typo 6 "key 'expect\\[1\\]\\.check': 'policy\\.acept' matches no check; did you mean 'policy\\.accept'\\?"
good | sed 's/check: policy.accept/check: "nothing.like.this.*"/' >"$p/noglob.yaml"
expect_finding noglob 6 "matches no check"

# files the profile points at (line 4)
good | sed 's/ca: ca.pem/ca: missing-ca.pem/' >"$p/noca.yaml"
expect_finding noca 4 "key 'tls\\.ca': cannot read .*missing-ca\\.pem"
good | sed 's/tls: {ca: ca.pem}/tls: {client_cert: nocert.pem, client_key: ca.pem}/' >"$p/nocert.yaml"
expect_finding nocert 4 "key 'tls\\.client_cert': cannot read .*nocert\\.pem"
good | sed 's/tls: {ca: ca.pem}/tls: {client_cert: ca.pem, client_key: nokey.pem}/' >"$p/nokey.yaml"
expect_finding nokey 4 "key 'tls\\.client_key': cannot read .*nokey\\.pem"

# an expectation past its date (line 6, the expectation's)
good | sed "s/until: $future/until: 2001-01-01/" >"$p/expired.yaml"
expect_finding expired 6 "key 'expect\\[1\\]\\.until': the expectation for 'policy\\.accept' expired on 2001-01-01"

# a run with that profile warns on the terminal and runs
sed "s|url: .*|url: $LAB_LOCAL_OPEN_URL|; s|tls: .*||" "$p/expired.yaml" >"$p/expired-run.yaml"
out=$RC_WORK/run-expired
rc_run "$out" -r "$p/expired-run.yaml" -s policy
cat "$out.stderr"
expect_exit 0
grep -qE "^warning: .*expired-run\\.yaml:[0-9]+: key 'expect\\[1\\]\\.until': the expectation for 'policy\\.accept' expired on 2001-01-01" \
    "$out.stderr" || fail "a run with an expired expectation does not warn about it"
expect_reports "$out"
echo "ok: a run warns about the expired expectation and runs"

# a run refuses a profile whose CA file is missing, naming it, before testing anything
sed "s|url: .*|url: $LAB_LOCAL_OPEN_URL|" "$p/noca.yaml" >"$p/noca-run.yaml"
out=$RC_WORK/run-noca
rc_run "$out" -r "$p/noca-run.yaml" -s policy
expect_exit 2
grep -qF "missing-ca.pem" "$out.stderr" || fail "run does not name the missing CA file"
[[ ! -e $out/results.json ]] || fail "a run with a missing CA file wrote results"
echo "ok: a run refuses a profile whose CA file is missing"

# list checks -s SUITE lists that suite's checks only
v=$RC_WORK/list-s
rc_exec "$v" list checks -s policy --suites-dir "$SUITES"
expect_exit 0
npolicy=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
[[ $(wc -l <"$v.stdout") == "$npolicy" ]] || fail "list checks -s policy printed $(wc -l <"$v.stdout") lines"
[[ $(grep -cE '^policy\.' "$v.stdout") == "$npolicy" ]] || fail "list checks -s policy lists other checks"
echo "ok: list checks -s policy lists the $npolicy policy checks"

# an unknown suite name lists the suites, for list and for run
v=$RC_WORK/list-unknown
rc_exec "$v" list checks -s polcy --suites-dir "$SUITES"
expect_exit 2
for s in policy push pull referrers; do
    grep -qE -- "-s polcy: no such suite \\(suites: .*\\b$s\\b" "$v.stderr" ||
        fail "list: the unknown suite message does not list '$s': $(cat "$v.stderr")"
done
out=$RC_WORK/run-unknown
rc_run "$out" --url "$LAB_LOCAL_OPEN_URL" -s polcy
expect_exit 2
grep -qE -- "-s polcy: no such suite \\(suites: .*\\bpolicy\\b" "$out.stderr" ||
    fail "run: the unknown suite message does not list the suites: $(cat "$out.stderr")"
echo "ok: an unknown suite name lists the suites"
