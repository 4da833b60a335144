#!/usr/bin/env bash
# ctest tool.sigstore-bundle: every kind of Sigstore bundle regcompat writes, validated by
# @sigstore/bundle (installed by scripts/setup.sh into .cache/sigstore-js from the pinned
# package-lock.json here). Usage: check.sh SAMPLES-BINARY SOURCE-DIR WORK-DIR
set -euo pipefail
bin=$1 src=$2 work=$3
modules=$src/.cache/sigstore-js/node_modules
command -v node >/dev/null || { echo "FAIL: node is missing: run scripts/setup.sh" >&2; exit 1; }
[[ -d $modules/@sigstore/bundle ]] ||
    { echo "FAIL: @sigstore/bundle is not installed in $modules: run scripts/setup.sh" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
"$bin" "$work"
NODE_PATH=$modules node "$src/tests/tools/sigstore-js/validate.js" "$work"
