#!/usr/bin/env bash
# lab: main
# A run whose reports cannot be written is never green: `-o` naming a file, a report path
# taken by a directory, a --docs path that cannot be created and a log that cannot be
# opened each end in exit 2 with the path and the reason on stderr, and every report that
# can be written still is.
. "$(dirname "$0")/lib.sh"

# expect_named OUT PATH : stderr names PATH, with a reason after it
expect_named() {
    grep -F -- "$2" "$1.stderr" | grep -qiE 'not a directory|is a directory|no such|permission' ||
        fail "stderr does not name $2 with a reason: $(cat "$1.stderr")"
    echo "ok: stderr names $2: $(grep -F -- "$2" "$1.stderr" | head -n 1)"
}

# -o names a file: refused before anything runs
afile=$RC_WORK/a-file
echo "not a directory" >"$afile"
out=$RC_WORK/o-file
rc_exec "$out" run --profiles-dir "$PROFILES" --suites-dir "$SUITES" -r local-open \
    --only policy.push -o "$afile"
cat "$out.stderr"
expect_exit 2
expect_named "$out" "$afile"
[[ $(cat "$afile") == "not a directory" ]] || fail "the file given as -o was changed"

# one report path is a directory: the others are written, exit 2 names the one that was not
out=$RC_WORK/junit-dir
mkdir -p "$out/junit.xml/keep"
rc_run "$out" --only policy.push -r local-open
cat "$out.stderr"
expect_exit 2
expect_named "$out" "$out/junit.xml"
jq -e '.registries[0].checks[0].status == "pass"' "$out/results.json" >/dev/null ||
    fail "results.json was not written (or the check did not pass)"
grep -q '^| Registry |' "$out/matrix.md" || fail "matrix.md was not written"

# --docs where no file can be created
out=$RC_WORK/docs
rc_run "$out" --only policy.push -r local-open --docs "$afile/docs.md"
cat "$out.stderr"
expect_exit 2
expect_named "$out" "$afile/docs.md"
expect_reports "$out"

# the run log cannot be opened: refused before anything runs
out=$RC_WORK/log-dir
mkdir -p "$out/regcompat.log/keep"
rc_run "$out" --only policy.push -r local-open
cat "$out.stderr"
expect_exit 2
expect_named "$out" "$out/regcompat.log"
[[ ! -e $out/results.json ]] || fail "a run whose log could not be opened ran anyway"
