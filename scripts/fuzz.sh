#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_<name>.c) with libFuzzer, ASan and UBSan for a time budget
# each, and prints how many inputs each one executed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 seconds, every target)
#
# Builds with clang in build-fuzz/ (clang is installed here when missing: only the fuzz
# targets need it). The seed corpus in fuzz/corpus/<name>/ is read, never written: inputs the
# fuzzer finds go to build-fuzz/fuzz-corpus/<name>/. A crash or a broken property stops that
# target and leaves the input in build-fuzz/fuzz-crashes/<name>/; copy it into
# fuzz/corpus/<name>/ with the fix, so the ctest replay (fuzz.<name>) keeps it fixed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

secs=${1:-60}
[[ $secs =~ ^[1-9][0-9]*$ ]] || {
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
}
shift $(($# > 0 ? 1 : 0))
all=(auth url json results profile suite)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || {
        echo "fuzz: unknown target '$t' (known: ${all[*]})" >&2
        exit 2
    }
done

# clang and its libFuzzer runtime (Debian's clang package ships both)
if ! command -v clang >/dev/null; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "fuzz: clang is missing and this is not root; install it: apt-get install clang" >&2
        exit 1
    fi
    echo "fuzz: installing clang"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DRC_FUZZ=ON -DRC_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

# extra seeds that live elsewhere in the tree (as in fuzz/fuzz.cmake)
extra_seeds() {
    case $1 in
    suite) printf '%s\n' suites ;;
    profile) printf '%s\n' registries.d ;;
    results) printf '%s\n' tests/golden/*.json docs/example-lab/results.json ;;
    esac
}

failed=()
printf '%-8s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    work=$build/fuzz-corpus/$t crashes=$build/fuzz-crashes/$t log=$build/fuzz-$t.log
    mkdir -p "$work" "$crashes"
    seeds=$build/fuzz-seeds/$t # the fuzzer takes directories; single files are copied in
    rm -rf "$seeds"
    mkdir -p "$seeds"
    while IFS= read -r s; do
        [[ -n $s ]] || continue
        if [[ -d $s ]]; then cp "$s"/* "$seeds"/; else cp "$s" "$seeds"/; fi
    done < <(extra_seeds "$t")
    set +e
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/fuzz_$t" -max_total_time="$secs" -timeout=10 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$work" "fuzz/corpus/$t" "$seeds" >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    ncorpus=$(find "$work" -type f | wc -l)
    if ((rc == 0)); then
        result=clean
    else
        result="FAILED (exit $rc): see $log; inputs in $crashes/"
        failed+=("$t")
    fi
    printf '%-8s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$ncorpus" "$result"
done
if ((${#failed[@]})); then
    echo "fuzz: ${failed[*]} failed" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${secs}s each, clean"
