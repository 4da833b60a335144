#!/bin/sh
# Entrypoint of the regcompat container image (see Containerfile at the repository root).
# regcompat looks for registries.d/ and suites/ in the working directory by default; in the
# image they live under /etc/regcompat. For run, list and validate this adds
#   --profiles-dir "$REGCOMPAT_PROFILES_DIR" (default /etc/regcompat/registries.d)
#   --suites-dir   "$REGCOMPAT_SUITES_DIR"   (default /etc/regcompat/suites)
# unless the command line names them itself. Other commands (report, version, help) go
# through untouched. The exit status is regcompat's.
set -eu

profiles=${REGCOMPAT_PROFILES_DIR:-/etc/regcompat/registries.d}
suites=${REGCOMPAT_SUITES_DIR:-/etc/regcompat/suites}

if [ "$#" -eq 0 ]; then
    set -- help
fi

case "$1" in
run | list | validate)
    cmd=$1
    shift
    has_profiles=false
    has_suites=false
    for arg in "$@"; do
        case "$arg" in
        --) break ;;
        --profiles-dir | --profiles-dir=*) has_profiles=true ;;
        --suites-dir | --suites-dir=*) has_suites=true ;;
        esac
    done
    if [ "$has_suites" = false ]; then
        set -- --suites-dir "$suites" "$@"
    fi
    if [ "$has_profiles" = false ]; then
        set -- --profiles-dir "$profiles" "$@"
    fi
    set -- "$cmd" "$@"
    ;;
esac

exec regcompat "$@"
