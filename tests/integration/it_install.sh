#!/usr/bin/env bash
# lab: main
# From download to answer: `cmake --install` into a temporary prefix, then the installed
# binary, run from an empty directory with no --suites-dir and no REGCOMPAT_* variables,
# finds its suites in <prefix>/share/regcompat and tests a lab registry. It says where its
# suites come from; the man page is installed and documents every option --help shows; and
# where no suites can be found, the error names every place it looked and --suites-dir.
. "$(dirname "$0")/lib.sh"
: "${RC_CMAKE:?}" "${RC_BUILD:?}"
unset REGCOMPAT_SUITES_DIR REGCOMPAT_PROFILES_DIR
prefix=$RC_WORK/prefix
"$RC_CMAKE" --install "$RC_BUILD" --prefix "$prefix" >"$RC_WORK/install.log" ||
    fail "cmake --install failed: $(cat "$RC_WORK/install.log")"
bin=$prefix/bin/regcompat
data=$prefix/share/regcompat
[[ -x $bin ]] || fail "no $bin"
for f in suites/policy.yaml suites/README.md registries.d/harbor.yaml registries.d/README.md; do
    [[ -f $data/$f ]] || fail "not installed: $data/$f"
done
man=$prefix/share/man/man1/regcompat.1
[[ -s $man ]] || fail "no man page at $man"
echo "ok: binary, suites, example profiles and man page installed under $prefix"

empty=$RC_WORK/empty
mkdir -p "$empty"
cd "$empty"
"$bin" version >version.out
grep -qxF "suites:   $data/suites (the data dir)" version.out ||
    fail "version does not say the suites come from the data dir: $(cat version.out)"
set +e
"$bin" run --url "$LAB_LOCAL_OPEN_URL" -s policy -o "$RC_WORK/out" >run.out 2>run.err
RC_EXIT=$?
set -e
cat run.out run.err
expect_exit 0
expect_reports "$RC_WORK/out"
[[ -z $(ls -A "$empty" | grep -v -e '^version.out$' -e '^run.out$' -e '^run.err$') ]] ||
    fail "the run wrote into the working directory: $(ls -A "$empty")"
echo "ok: the installed binary ran the policy suite from an empty directory, no --suites-dir"

# the man page and --help come from one table: every long option of every command's help is
# in the man page (as roff writes it, \-\-name)
for cmd in run list validate "report merge" "report diff" "report docs"; do
    # shellcheck disable=SC2086
    for opt in $("$bin" $cmd --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        roffed=$(sed 's/-/\\-/g' <<<"$opt")
        grep -qF -- "$roffed" "$man" || fail "the man page lacks $opt of '$cmd'"
    done
done
grep -q '^\.TH REGCOMPAT 1' "$man" || fail "the man page has no .TH header"
if command -v groff >/dev/null; then
    groff -man -Tutf8 -ww -z "$man" 2>"$RC_WORK/groff.err" || true
    [[ ! -s $RC_WORK/groff.err ]] || fail "groff warns about the man page: $(cat "$RC_WORK/groff.err")"
fi
echo "ok: the man page documents every option that --help shows"

# a binary with no data dir beside it, in a directory without suites/: the error names every
# place looked at and the flag
cp "$bin" "$RC_WORK/lonely-regcompat"
set +e
"$RC_WORK/lonely-regcompat" run --url "$LAB_LOCAL_OPEN_URL" -o "$RC_WORK/out2" >lonely.out 2>lonely.err
RC_EXIT=$?
set -e
expect_exit 2
for want in -- '--suites-dir' 'REGCOMPAT_SUITES_DIR' './suites' '/share/regcompat/suites'; do
    [[ $want == -- ]] && continue
    grep -qF -- "$want" lonely.err || fail "the error does not name '$want': $(cat lonely.err)"
done
echo "ok: without suites the error names every place looked at: $(head -1 lonely.err)"
