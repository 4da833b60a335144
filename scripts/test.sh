#!/usr/bin/env bash
# The README's second command: install what is missing, then build and run every test twice,
# once in a normal build with warnings as errors and once with ASan+UBSan; check formatting.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

scripts/setup.sh
jobs=$(nproc)

echo "== format"
scripts/check-format.sh

for variant in normal asan; do
    dir=build-test-$variant
    flags=(-DRC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
    [[ $variant == asan ]] && flags+=(-DRC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
    echo "== build ($variant)"
    cmake -S . -B "$dir" "${flags[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    echo "== test ($variant)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$dir" -j"$jobs" --output-on-failure --timeout 300
done
