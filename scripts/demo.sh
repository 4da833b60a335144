#!/usr/bin/env bash
# The README's first command: install what is missing, build, start the local lab of real
# registries, run the whole matrix against it, stop the lab. Reports land in reports/.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

lab/lab.sh start --state .lab --build build
trap 'lab/lab.sh stop --state .lab >/dev/null 2>&1 || true' EXIT

set +e
build/regcompat run --all --profiles-dir .lab/registries.d --suites-dir suites -o reports "$@"
rc=$?
set -e
exit $rc
