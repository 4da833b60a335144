#!/bin/sh
# Entrypoint of the regcompat container image (see Containerfile at the repository root).
# regcompat reads REGCOMPAT_PROFILES_DIR and REGCOMPAT_SUITES_DIR itself (after the
# --profiles-dir / --suites-dir flags, before ./registries.d, ./suites and its data dir); in
# the image they default to the profiles and suites under /etc/regcompat. With no arguments
# it prints the help. The exit status is regcompat's.
set -eu

REGCOMPAT_PROFILES_DIR=${REGCOMPAT_PROFILES_DIR:-/etc/regcompat/registries.d}
REGCOMPAT_SUITES_DIR=${REGCOMPAT_SUITES_DIR:-/etc/regcompat/suites}
export REGCOMPAT_PROFILES_DIR REGCOMPAT_SUITES_DIR

if [ "$#" -eq 0 ]; then
    set -- help
fi
exec regcompat "$@"
