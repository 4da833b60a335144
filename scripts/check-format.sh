#!/usr/bin/env bash
# Fails when a C file of the project is not clang-format clean.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
