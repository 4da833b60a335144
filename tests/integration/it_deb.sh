#!/usr/bin/env bash
# lab: main
# The Debian package: `cpack -G DEB` builds it; its Depends names the package of every shared
# library the binary links (and nothing else); it installs on this machine with apt-get (which
# resolves those dependencies), the installed /usr/bin/regcompat tests a lab registry from an
# empty directory with no flags for its suites, and the package is removed again.
. "$(dirname "$0")/lib.sh"
: "${RC_CPACK:?}" "${RC_BUILD:?}"
unset REGCOMPAT_SUITES_DIR REGCOMPAT_PROFILES_DIR
[[ $(id -u) == 0 ]] || fail "installing a package needs root (run the tests as root, as scripts/test.sh does)"
if dpkg-query -W -f='${Status}' regcompat 2>/dev/null | grep -q 'install ok installed'; then
    fail "a regcompat package is already installed on this machine; remove it first (apt-get remove regcompat)"
fi

pkg=$RC_WORK/pkg
(cd "$RC_BUILD" && "$RC_CPACK" -G DEB -B "$pkg" >"$RC_WORK/cpack.log" 2>&1) ||
    fail "cpack failed: $(tail -20 "$RC_WORK/cpack.log")"
deb=$(ls "$pkg"/regcompat_*.deb)
[[ -f $deb ]] || fail "no package in $pkg"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"

# every NEEDED library comes from a package named in Depends, and every package named there
# provides one of them
needed=$(readelf -d "$RC_BUILD/regcompat" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
[[ -n $needed ]] || fail "readelf found no NEEDED entries"
providers=()
for so in $needed; do
    p=$(dpkg -S "*/$so" 2>/dev/null | grep -v -e '-dev:' -e '^lib32' -e '^libx32' -e ':i386' |
        head -1 | cut -d: -f1)
    [[ -n $p ]] || fail "no installed package ships $so"
    providers+=("$p")
    grep -qE "(^|, )$p( |,|$)" <<<"$depends" || fail "$so comes from $p, which Depends lacks"
done
IFS=',' read -r -a listed <<<"$depends"
for d in "${listed[@]}"; do
    name=$(sed -E 's/^ *//; s/ .*//' <<<"$d")
    [[ " ${providers[*]} " == *" $name "* ]] || fail "Depends names $name, which ships no library the binary links"
done
echo "ok: Depends is exactly the packages of the linked libraries: ${providers[*]}"

removed=false
cleanup() {
    $removed || apt-get -o DPkg::Lock::Timeout=300 remove -y -qq regcompat >/dev/null 2>&1 || true
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$deb" \
    >"$RC_WORK/apt.log" 2>&1 || fail "apt-get install failed: $(tail -20 "$RC_WORK/apt.log")"
[[ -x /usr/bin/regcompat ]] || fail "/usr/bin/regcompat not installed"
[[ -f /usr/share/regcompat/suites/policy.yaml ]] || fail "suites not installed"
[[ -f /usr/share/man/man1/regcompat.1 ]] || fail "man page not installed"

empty=$RC_WORK/empty
mkdir -p "$empty"
cd "$empty"
/usr/bin/regcompat version | tee version.out
grep -qxF "suites:   /usr/share/regcompat/suites (the data dir)" version.out ||
    fail "the package's binary does not find its suites in /usr/share/regcompat"
set +e
/usr/bin/regcompat run --url "$LAB_LOCAL_OPEN_URL" -s policy -o "$RC_WORK/out" >run.out 2>run.err
RC_EXIT=$?
set -e
cat run.out run.err
expect_exit 0
expect_reports "$RC_WORK/out"
echo "ok: the packaged regcompat tested the lab from an empty directory"

apt-get -o DPkg::Lock::Timeout=300 remove -y -qq regcompat >/dev/null 2>&1 || fail "apt-get remove failed"
removed=true
[[ ! -e /usr/bin/regcompat ]] || fail "/usr/bin/regcompat still there after the removal"
[[ ! -e /usr/share/regcompat/suites/policy.yaml ]] || fail "suites still there after the removal"
echo "ok: the package was removed again"
