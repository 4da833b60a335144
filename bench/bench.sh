#!/usr/bin/env bash
# bench.sh: how fast and how lean regcompat is against the local lab, next to plain curl
# doing the same transfers. Run by hand; it is not a test. See bench/README.md.
#
#   bench/bench.sh [--build DIR] [--sizes 256M,1G] [--reps N] [--quick]
#                  [--skip matrix|blobs] [--out DIR] [--keep-work]
#
# It starts its own lab in a temporary state dir (stopped on exit), runs every
# measurement one after another (never two at once: the registries are CPU-bound on
# these 2-core machines), prints the tables and writes them to bench/out/bench-<date>.md.
# (backticks inside printf strings below are Markdown, not command substitution)
# shellcheck disable=SC2016
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
PROG=bench.sh

BUILD=$REPO_DIR/build
SIZES_ARG=""
REPS=3
QUICK=0
SKIP_MATRIX=0
MATRIX_SUITES=""
SKIP_BLOBS=0
OUT_DIR=$BENCH_DIR/out
KEEP_WORK=0
LATENCY=""
TARGET_PUSH_PCT=95
TARGET_PULL_PCT=90
TARGET_RSS_MIB=32

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    say "$*"
    exit 1
}

usage() {
    cat <<'EOF'
usage: bench/bench.sh [--build DIR] [--sizes LIST] [--reps N] [--quick]
                      [--skip matrix|blobs] [--out DIR] [--keep-work]
       bench/bench.sh --latency MS[,MS...] [--build DIR] [--out DIR] [--keep-work]

  --build DIR     build dir holding regcompat and regcompat-tokend (default <repo>/build;
                  configure it with -DCMAKE_BUILD_TYPE=Release for meaningful numbers)
  --sizes LIST    policy layer sizes for the push/pull measurements, comma-separated,
                  e.g. 256M,1G (default), 64MiB, 100000000 (bytes); at least 1 MiB each
  --reps N        repetitions of every measurement (default 3; min and median are shown)
  --quick         one repetition, and only 256M unless --sizes is given
  --skip WHAT     leave out the whole-matrix timing (matrix) or the blob transfers (blobs)
  --matrix-suites S  time the matrix over these suites only (default: every suite)
  --out DIR       where bench-<date>.md goes (default bench/out, ignored by git)
  --keep-work     keep the temporary dir (lab state, every run's reports) and say where
  --latency LIST  the latency mode instead: the full spec + policy run against a registry
                  that adds each delay (ms) to every request, at concurrency 4 and 1, with
                  requests, connections, TLS handshakes and token requests (bench/latency.sh)
EOF
}

# ---------------------------------------------------------------------------
# arguments

while (($# > 0)); do
    case $1 in
    --build) (($# >= 2)) || die "--build needs a directory"; BUILD=$2; shift 2 ;;
    --build=*) BUILD=${1#--build=}; shift ;;
    --sizes) (($# >= 2)) || die "--sizes needs a list"; SIZES_ARG=$2; shift 2 ;;
    --sizes=*) SIZES_ARG=${1#--sizes=}; shift ;;
    --reps) (($# >= 2)) || die "--reps needs a number"; REPS=$2; shift 2 ;;
    --reps=*) REPS=${1#--reps=}; shift ;;
    --quick) QUICK=1; shift ;;
    --matrix-suites) (($# >= 2)) || die "--matrix-suites needs a suite name or glob"; MATRIX_SUITES=$2; shift 2 ;;
    --skip | --skip=*)
        if [[ $1 == --skip ]]; then
            (($# >= 2)) || die "--skip needs matrix or blobs"
            what=$2
            shift 2
        else
            what=${1#--skip=}
            shift
        fi
        case $what in
        matrix) SKIP_MATRIX=1 ;;
        blobs) SKIP_BLOBS=1 ;;
        *) die "--skip takes matrix or blobs, not '$what'" ;;
        esac
        ;;
    --out) (($# >= 2)) || die "--out needs a directory"; OUT_DIR=$2; shift 2 ;;
    --out=*) OUT_DIR=${1#--out=}; shift ;;
    --keep-work) KEEP_WORK=1; shift ;;
    --latency) (($# >= 2)) || die "--latency needs delays in ms, e.g. 20,50"; LATENCY=$2; shift 2 ;;
    --latency=*) LATENCY=${1#--latency=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

if [[ -n $LATENCY ]]; then
    [[ $LATENCY =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--latency takes delays in ms, e.g. 20,50, not '$LATENCY'"
    keep=()
    ((KEEP_WORK)) && keep=(--keep-work)
    exec "$BENCH_DIR/latency.sh" --build "$BUILD" --delays "$LATENCY" --out "$OUT_DIR" "${keep[@]}"
fi

if ((QUICK)); then
    REPS=1
    [[ -n $SIZES_ARG ]] || SIZES_ARG=256M
fi
[[ -n $SIZES_ARG ]] || SIZES_ARG=256M,1G
[[ $REPS =~ ^[1-9][0-9]?$ ]] || die "--reps takes a number from 1 to 99, not '$REPS'"

# size_parse TEXT -> "BYTES SLUG LABEL" (256M -> 268435456 256m "256 MiB")
size_parse() {
    local s=$1 n unit
    [[ $s =~ ^([0-9]+)[[:space:]]*([KkMmGg]?)([Ii]?[Bb]?)$ ]] || return 1
    n=$((10#${BASH_REMATCH[1]}))
    unit=${BASH_REMATCH[2],,}
    case $unit in
    "") printf '%s %sb %s\n' "$n" "$n" "$n B" ;;
    k) printf '%s %sk %s\n' $((n * 1024)) "$n" "$n KiB" ;;
    m) printf '%s %sm %s\n' $((n * 1024 * 1024)) "$n" "$n MiB" ;;
    g) printf '%s %sg %s\n' $((n * 1024 * 1024 * 1024)) "$n" "$n GiB" ;;
    esac
}

SIZE_BYTES=() SIZE_SLUG=() SIZE_LABEL=()
IFS=, read -r -a size_words <<<"$SIZES_ARG"
for w in "${size_words[@]}"; do
    [[ -n $w ]] || continue
    parsed=$(size_parse "$w") || die "--sizes: cannot read '$w' (use e.g. 256M, 1G, 64MiB or bytes)"
    read -r b slug label <<<"$parsed"
    ((b >= 1048576)) || die "--sizes: '$w' is below 1 MiB; too small to measure throughput"
    SIZE_BYTES+=("$b")
    SIZE_SLUG+=("$slug")
    SIZE_LABEL+=("$label")
done
((${#SIZE_BYTES[@]} > 0)) || die "--sizes names no size"

# ---------------------------------------------------------------------------
# what the bench needs

need() { # need CMD PACKAGE
    command -v "$1" >/dev/null 2>&1 || die "$1 not found (install it: apt-get install $2)"
}
need curl curl
need jq jq
need openssl openssl
need sha256sum coreutils
need awk gawk
need docker-registry docker-registry
need nginx nginx
need htpasswd apache2-utils
TIME_BIN=/usr/bin/time
if [[ ! -x $TIME_BIN ]] || ! "$TIME_BIN" -v true >/dev/null 2>&1; then
    die "GNU time is needed at $TIME_BIN for peak RSS (the shell keyword 'time' cannot" \
        "measure it): apt-get install time"
fi

[[ -d $BUILD ]] || die "build dir '$BUILD' not found; build first:" \
    "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2"
BUILD=$(cd "$BUILD" && pwd)
RC=$BUILD/regcompat
[[ -x $RC ]] || die "no regcompat binary in $BUILD (did the build link?)"
if [[ -f $BUILD/CMakeCache.txt ]]; then
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
    [[ $build_type == Release || $build_type == RelWithDebInfo ]] ||
        say "warning: $BUILD is a '${build_type:-default}' build; numbers from a Release build" \
            "are the ones to compare"
else
    build_type=unknown
fi
# a binary older than the sources measures yesterday's code
newer_src=$(find "$REPO_DIR/src" -newer "$RC" \( -name '*.c' -o -name '*.h' \) -print -quit 2>/dev/null) || newer_src=""
if [[ -n $newer_src ]]; then
    STALE_NOTE="sources changed after the binary was built (e.g. ${newer_src#"$REPO_DIR"/}); rebuild"
    say "warning: $STALE_NOTE"
else
    STALE_NOTE=""
fi

# ---------------------------------------------------------------------------
# small helpers

now() { date +%s.%N; }
# calc EXPR [VAR=VALUE...]: floating-point arithmetic through awk, result printed
calc() {
    local expr=$1
    shift
    awk "$@" "BEGIN { printf \"%.6f\", ($expr) }"
}
# fmt1/fmt2 NUMBER: one or two decimals; nothing for nothing
fmt1() { [[ -z $1 ]] || awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }
fmt2() { [[ -z $1 ]] || awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }

# stats VALUES... -> "min median max" (empty input -> nothing)
stats() {
    (($# > 0)) || return 0
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END {
            if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.6f %.6f %.6f\n", v[1], m, v[NR]
        }'
}
stat_min() { stats "$@" | awk '{print $1}'; }
stat_med() { stats "$@" | awk '{print $2}'; }
stat_max() { stats "$@" | awk '{print $3}'; }

mbps() { calc 'b / s / 1e6' -v b="$1" -v s="$2"; } # bytes, seconds -> MB/s (10^6 B)

# CPU seconds (user + system) a process has used so far, from /proc/PID/stat
CLK_TCK=$(getconf CLK_TCK)
proc_cpu() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        printf 'nan'
        return 0
    }
    rest=${stat##*) }
    local -a fld
    read -r -a fld <<<"$rest"
    calc '(u + s) / t' -v u="${fld[11]}" -v s="${fld[12]}" -v t="$CLK_TCK"
}

# machine-wide CPU counters: "busy total" in clock ticks, all cores together
cpu_snapshot() {
    awk '$1 == "cpu" { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6; exit }' /proc/stat
}
# busy_pct "B0 T0" "B1 T1" -> percentage of all cores' time that was busy in between
busy_pct() {
    local b0 t0 b1 t1
    read -r b0 t0 <<<"$1"
    read -r b1 t1 <<<"$2"
    calc '(t1 > t0) ? 100 * (b1 - b0) / (t1 - t0) : 0' -v b0="$b0" -v t0="$t0" -v b1="$b1" -v t1="$t1"
}

# GNU time -v output -> peak RSS in KiB, CPU seconds
time_rss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
time_cpu() {
    awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$1"
}

# Every measurement lands in MEAS[key] as a space-separated list, one value per repetition.
declare -A MEAS=()
add() { MEAS[$1]="${MEAS[$1]:-}${MEAS[$1]:+ }$2"; }
vals() { printf '%s' "${MEAS[$1]:-}"; }
PROBLEMS=()
problem() {
    PROBLEMS+=("$*")
    say "PROBLEM: $*"
}

# ---------------------------------------------------------------------------
# the temporary work dir and the lab

WORK=$(mktemp -d "${TMPDIR:-/tmp}/regcompat-bench.XXXXXX")
STATE=$WORK/lab
# regcompat's digest cache (the SHA-256 state after the fixed bulk of a synthetic layer) lives
# in the work dir: every bench starts cold, and the user's own cache is left alone
export XDG_CACHE_HOME=$WORK/cache
LAB_STARTED=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((LAB_STARTED)); then
        "$REPO_DIR/lab/lab.sh" stop --state "$STATE" >/dev/null 2>&1 || true
    fi
    if ((KEEP_WORK)); then
        say "kept the work dir: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Other work on the machine skews every figure: note the load before and after.
loadavg() { awk '{ print $1 }' /proc/loadavg; }
LOAD_START=$(loadavg)
if awk -v l="$LOAD_START" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    say "warning: load average $LOAD_START on $(nproc) cores before the start; other work" \
        "competes with the registry for CPU and the figures will be low and noisy"
fi

say "starting the lab (state in $STATE)"
LAB_STARTED=1
"$REPO_DIR/lab/lab.sh" start --state "$STATE" --build "$BUILD" >"$WORK/lab-start.log" 2>&1 || {
    cat "$WORK/lab-start.log" >&2
    die "the lab did not start"
}
# shellcheck disable=SC1091
. "$STATE/lab.env"
OPEN_URL=$LAB_LOCAL_OPEN_URL
OPEN_PID=$LAB_LOCAL_OPEN_PID
PROFILES=$STATE/registries.d

# ---------------------------------------------------------------------------
# one regcompat run under GNU time: rc_run NAME ARGS... -> RUN_DIR RUN_EXIT RUN_WALL
# RUN_RSS_KB RUN_CPU. Exit 2 (usage or a profile/suite problem) stops the bench.

rc_run() {
    local name=$1
    shift
    RUN_DIR=$WORK/runs/$name
    mkdir -p "$RUN_DIR"
    printf '%q ' "$RC" run "$@" -o "$RUN_DIR" -q >"$RUN_DIR/command.txt"
    local t0 t1
    t0=$(now)
    set +e
    "$TIME_BIN" -v -o "$RUN_DIR/time.txt" "$RC" run "$@" -o "$RUN_DIR" -q \
        >"$RUN_DIR/stdout.txt" 2>"$RUN_DIR/stderr.txt" </dev/null
    RUN_EXIT=$?
    set -e
    t1=$(now)
    RUN_WALL=$(calc 'b - a' -v a="$t0" -v b="$t1")
    RUN_RSS_KB=$(time_rss_kb "$RUN_DIR/time.txt")
    RUN_CPU=$(time_cpu "$RUN_DIR/time.txt")
    if ((RUN_EXIT == 2)) || [[ ! -s $RUN_DIR/results.json ]]; then
        say "regcompat run failed (exit $RUN_EXIT): $(cat "$RUN_DIR/command.txt")"
        sed 's/^/    /' "$RUN_DIR/stderr.txt" "$RUN_DIR/stdout.txt" >&2
        die "cannot go on without this run's results"
    fi
}

# check_field ID -> "status<TAB>duration_ms<TAB>requests<TAB>bytes_sent<TAB>bytes_received<TAB>reason"
check_field() {
    jq -r --arg id "$1" '.registries[].checks[] | select(.id == $id)
        | [.status, (.duration_ms // 0), (.requests // 0), (.bytes_sent // 0),
           (.bytes_received // 0), (.reason // "")] | @tsv' "$RUN_DIR/results.json"
}

status_counts() {
    jq -r '[.registries[].checks[].status] | group_by(.) | map("\(length) \(.[0])")
        | join(", ")' "$RUN_DIR/results.json"
}

# ---------------------------------------------------------------------------
# 1. whole-matrix wall time: every suite (or --matrix-suites) on all lab registries at once
#    (-j = their number) and on local-open alone

NLAB=$(find "$PROFILES" -name '*.yaml' | wc -l)
SUITE_ARGS=()
[[ -n $MATRIX_SUITES ]] && SUITE_ARGS=(-s "$MATRIX_SUITES")
MATRIX_ALL_DESC="regcompat run --all -j $NLAB ${SUITE_ARGS[*]:-(every suite)}"
MATRIX_ONE_DESC="regcompat run -r local-open ${SUITE_ARGS[*]:-(every suite)}"
matrix_all() {
    local c0 c1
    c0=$(cpu_snapshot)
    rc_run "matrix-all-r$1" --all -j "$NLAB" --profiles-dir "$PROFILES" \
        --suites-dir "$REPO_DIR/suites" "${SUITE_ARGS[@]}"
    c1=$(cpu_snapshot)
    add matrix.all "$RUN_WALL"
    add matrix.all.busy "$(busy_pct "$c0" "$c1")"
    add matrix.all.rccpu "$RUN_CPU"
    MATRIX_ALL_STATUS=$(status_counts)
    MATRIX_ALL_EXIT=$RUN_EXIT
    MATRIX_ALL_NREG=$(jq '.registries | length' "$RUN_DIR/results.json")
    # where the time went: the checks' durations added up per registry
    MATRIX_ALL_PER_REG=$(jq -r '[.registries[] | {id, ms: ([.checks[].duration_ms // 0] | add)}]
        | sort_by(-.ms) | map("\(.id) \(.ms / 1000 * 100 | round / 100) s") | join(", ")' \
        "$RUN_DIR/results.json")
}
matrix_one() {
    rc_run "matrix-one-r$1" -r local-open --profiles-dir "$PROFILES" \
        --suites-dir "$REPO_DIR/suites" "${SUITE_ARGS[@]}"
    add matrix.one "$RUN_WALL"
    MATRIX_ONE_STATUS=$(status_counts)
    MATRIX_ONE_EXIT=$RUN_EXIT
}

if ((!SKIP_MATRIX)); then
    for ((r = 1; r <= REPS; r++)); do
        say "matrix, repetition $r/$REPS"
        sync
        if ((r % 2)); then
            matrix_all "$r"
            matrix_one "$r"
        else
            matrix_one "$r"
            matrix_all "$r"
        fi
    done
fi

# ---------------------------------------------------------------------------
# 2-4. blob push and pull on local-open: regcompat and plain curl, the same registry and
#      the same number of bytes

# The suites regcompat runs for one size and repetition. Every run gets new content (the
# content is seeded by the run id), pushed into a repository of its own.
#  bench.prehash  builds the policy (learns the synthetic wasm layer's digest, which the
#                 manifest needs) and then stops on a reference without a tag, before any
#                 request: its duration is the client-side work that precedes the first byte
#                 on the wire. It runs twice: alone with an empty digest cache (cold: the
#                 whole layer is generated and hashed, and the state after its fixed bulk is
#                 cached), then in the push run (warm: only the layer's tail is hashed).
#  bench.push     the whole push step: build, POST, one monolithic PUT of the layer, the
#                 config blob, the manifest PUT.
#  bench.pull     (a separate run) manifest by tag, config and layer, each digest verified
#                 while the bytes stream in.
write_prehash_suite() { # DIR BYTES
    mkdir -p "$1"
    cat >"$1/bench.yaml" <<EOF
# generated by bench/bench.sh for one measurement; thrown away afterwards
suite: bench
description: regcompat benchmark, $2-byte policy layer, cold digest cache
scenarios:
  - id: bench.prehash
    feature: Bench
    title: Build the policy (generate and hash the layer), then stop on a reference with no tag
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}", size: $2, mode: post-put}
EOF
}
write_push_suite() { # DIR BYTES REPO
    mkdir -p "$1"
    cat >"$1/bench.yaml" <<EOF
# generated by bench/bench.sh for one measurement; thrown away afterwards
suite: bench
description: regcompat benchmark, $2-byte policy layer
scenarios:
  - id: bench.prehash
    feature: Bench
    title: Build the policy (generate and hash the layer), then stop on a reference with no tag
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}", size: $2, mode: post-put}
  - id: bench.push
    feature: Bench
    title: Push a policy with a $2-byte layer (POST, monolithic PUT, manifest)
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "$3:v1", size: $2, mode: post-put, save: p}
EOF
}
write_pull_suite() { # DIR REPO
    mkdir -p "$1"
    cat >"$1/bench.yaml" <<EOF
# generated by bench/bench.sh for one measurement; thrown away afterwards
suite: bench
description: regcompat benchmark, pull with digest verification
scenarios:
  - id: bench.pull
    feature: Bench
    title: Pull the policy by tag, verifying the digest of every blob
    steps:
      - pull-artifact: {ref: "$2:v1", verify: digest}
EOF
}

# regcompat push (and its pre-hash probe), then pull, for size index I, repetition R
regcompat_blob() {
    local i=$1 r=$2 bytes=${SIZE_BYTES[$1]} slug=${SIZE_SLUG[$1]}
    local repo="{namespace}/bench/$slug-r$r" status dur req sent reason reg0 reg1
    local sdir=$WORK/suites/$slug-r$r

    # the cold pre-hash: a run of its own with an empty digest cache
    rm -rf "$XDG_CACHE_HOME/regcompat"
    write_prehash_suite "$sdir/prehash" "$bytes"
    sync
    rc_run "prehash-$slug-r$r" -r local-open --profiles-dir "$PROFILES" \
        --suites-dir "$sdir/prehash" --timeout 600
    IFS=$'\t' read -r status dur req sent _ reason <<<"$(check_field bench.prehash)" || true
    # the probe must have stopped on the reference before any request, after the build (cold,
    # that is a hash of the whole layer: no faster than 64 MiB per millisecond)
    if [[ $status == error && $req == 0 && $reason == *"bad reference"* ]] &&
        ((dur * 1048576 >= bytes / 64)); then
        add "rc.prehash.cold.s.$i" "$(calc 'd / 1000' -v d="$dur")"
    else
        problem "cold pre-hash probe for ${SIZE_LABEL[$i]} (rep $r) did not behave as expected" \
            "(status ${status:-missing}, ${dur:-?} ms, ${req:-?} requests: $reason); no pre-hash figure"
    fi

    write_push_suite "$sdir/push" "$bytes" "$repo"
    sync
    reg0=$(proc_cpu "$OPEN_PID")
    rc_run "push-$slug-r$r" -r local-open --profiles-dir "$PROFILES" --suites-dir "$sdir/push" \
        --keep --timeout 600
    reg1=$(proc_cpu "$OPEN_PID")
    add "rc.push.regcpu.$i" "$(calc 'b - a' -v a="$reg0" -v b="$reg1")"
    add "rc.push.rss.$i" "$RUN_RSS_KB"
    add "rc.push.cpu.$i" "$RUN_CPU"

    IFS=$'\t' read -r status dur req sent _ reason <<<"$(check_field bench.push)" || true
    if [[ $status == pass ]]; then
        add "rc.push.s.$i" "$(calc 'd / 1000' -v d="$dur")"
        add "rc.push.sent.$i" "$sent"
    else
        problem "regcompat push of ${SIZE_LABEL[$i]} (rep $r): ${status:-missing}: $reason" \
            "-- command: $(cat "$RUN_DIR/command.txt")"
    fi
    IFS=$'\t' read -r status dur req sent _ reason <<<"$(check_field bench.prehash)" || true
    # the warm probe: the same stop before any request; the cache made the build short
    if [[ $status == error && $req == 0 && $reason == *"bad reference"* ]]; then
        add "rc.prehash.s.$i" "$(calc 'd / 1000' -v d="$dur")"
    else
        problem "pre-hash probe for ${SIZE_LABEL[$i]} (rep $r) did not behave as expected" \
            "(status ${status:-missing}, ${dur:-?} ms, ${req:-?} requests: $reason); no pre-hash figure"
    fi

    write_pull_suite "$sdir/pull" "$repo"
    sync
    rc_run "pull-$slug-r$r" -r local-open --profiles-dir "$PROFILES" --suites-dir "$sdir/pull" \
        --timeout 600
    add "rc.pull.rss.$i" "$RUN_RSS_KB"
    add "rc.pull.cpu.$i" "$RUN_CPU"
    IFS=$'\t' read -r status dur req sent _ reason <<<"$(check_field bench.pull)" || true
    if [[ $status == pass ]]; then
        add "rc.pull.s.$i" "$(calc 'd / 1000' -v d="$dur")"
    else
        problem "regcompat pull of ${SIZE_LABEL[$i]} (rep $r): ${status:-missing}: $reason" \
            "-- command: $(cat "$RUN_DIR/command.txt")"
    fi
}

# curl: a fresh random file of the same size; POST, then one timed PUT; then GETs
curl_blob() {
    local i=$1 r=$2 bytes=${SIZE_BYTES[$1]} slug=${SIZE_SLUG[$1]}
    local f=$WORK/blob-$slug-r$r repo=bench/curl-$slug-r$r digest loc url out code t reg0 reg1
    head -c "$bytes" /dev/urandom >"$f"
    # the digest a client must know before a monolithic PUT (the file is in the page
    # cache); timed, for the "hash, then PUT" baseline
    local h0 h1
    h0=$(now)
    digest=sha256:$(openssl dgst -sha256 -r "$f" | awk '{print $1}')
    h1=$(now)

    loc=$(curl -s -D - -o /dev/null -X POST "$OPEN_URL/v2/$repo/blobs/uploads/" |
        tr -d '\r' | awk 'tolower($1) == "location:" { l = $2 } END { print l }')
    if [[ -z $loc ]]; then
        problem "curl POST $OPEN_URL/v2/$repo/blobs/uploads/ gave no Location"
        rm -f "$f"
        return 0
    fi
    [[ $loc == /* ]] && loc=$OPEN_URL$loc
    if [[ $loc == *\?* ]]; then url="$loc&digest=$digest"; else url="$loc?digest=$digest"; fi
    sync
    reg0=$(proc_cpu "$OPEN_PID")
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -T "$f" -X PUT \
        -H 'Content-Type: application/octet-stream' "$url") || true
    reg1=$(proc_cpu "$OPEN_PID")
    read -r code t <<<"$out"
    if [[ $code == 201 ]]; then
        add "curl.put.s.$i" "$t"
        add "curl.hashput.s.$i" "$(calc 't + h1 - h0' -v t="$t" -v h0="$h0" -v h1="$h1")"
        add "curl.put.regcpu.$i" "$(calc 'b - a' -v a="$reg0" -v b="$reg1")"
    else
        problem "curl PUT of ${SIZE_LABEL[$i]} (rep $r) answered ${code:-nothing}"
        rm -f "$f"
        return 0
    fi

    local blob_url=$OPEN_URL/v2/$repo/blobs/$digest t0 t1 got
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$blob_url") || true
    read -r code t <<<"$out"
    if [[ $code == 200 ]]; then add "curl.get.s.$i" "$t"; else
        problem "curl GET of ${SIZE_LABEL[$i]} (rep $r) answered ${code:-nothing}"
    fi

    t0=$(now)
    got=$(curl -sf "$blob_url" | sha256sum | awk '{print $1}') || got=""
    t1=$(now)
    if [[ sha256:$got == "$digest" ]]; then
        add "curl.sha256sum.s.$i" "$(calc 'b - a' -v a="$t0" -v b="$t1")"
    else
        problem "curl | sha256sum of ${SIZE_LABEL[$i]} (rep $r) gave '${got}', expected $digest"
    fi

    t0=$(now)
    got=$(curl -sf "$blob_url" | openssl dgst -sha256 -r | awk '{print $1}') || got=""
    t1=$(now)
    if [[ sha256:$got == "$digest" ]]; then
        add "curl.openssl.s.$i" "$(calc 'b - a' -v a="$t0" -v b="$t1")"
    else
        problem "curl | openssl dgst of ${SIZE_LABEL[$i]} (rep $r) gave '${got}', expected $digest"
    fi
    rm -f "$f"
}

if ((!SKIP_BLOBS)); then
    for i in "${!SIZE_BYTES[@]}"; do
        for ((r = 1; r <= REPS; r++)); do
            say "${SIZE_LABEL[$i]}, repetition $r/$REPS"
            # alternate who goes first, so neither always meets a freshly written disk
            if ((r % 2)); then
                curl_blob "$i" "$r"
                regcompat_blob "$i" "$r"
            else
                regcompat_blob "$i" "$r"
                curl_blob "$i" "$r"
            fi
        done
    done
fi

# ---------------------------------------------------------------------------
# the report

# Lookups that print nothing (and still succeed) when a measurement is missing.
# (the values are numbers, split on purpose)
# shellcheck disable=SC2046
vmin() { [[ -z $(vals "$1") ]] || stat_min $(vals "$1"); }
# shellcheck disable=SC2046
vmed() { [[ -z $(vals "$1") ]] || stat_med $(vals "$1"); }
# shellcheck disable=SC2046
vmax() { [[ -z $(vals "$1") ]] || stat_max $(vals "$1"); }
or_na() { if [[ -n $1 ]]; then printf '%s' "$1"; else printf 'n/a'; fi; }

# cell_s KEY -> "min / median" seconds
cell_s() {
    local lo md
    lo=$(vmin "$1") md=$(vmed "$1")
    if [[ -z $md ]]; then printf 'n/a'; else printf '%s / %s' "$(fmt2 "$lo")" "$(fmt2 "$md")"; fi
}
# cell_mbps KEY BYTES -> "best / median" MB/s (from the min and the median time)
cell_mbps() {
    local lo md
    lo=$(vmin "$1") md=$(vmed "$1")
    if [[ -z $md ]]; then printf 'n/a'; else
        printf '%s / %s' "$(fmt1 "$(mbps "$2" "$lo")")" "$(fmt1 "$(mbps "$2" "$md")")"
    fi
}
# med_mbps KEY BYTES -> MB/s at the median time, or nothing
med_mbps() {
    local md
    md=$(vmed "$1")
    [[ -z $md ]] || mbps "$2" "$md"
}
# ratio A B -> 100*A/B, or nothing
ratio() { [[ -z $1 || -z $2 ]] || calc '100 * a / b' -v a="$1" -v b="$2"; }
pct() { if [[ -n $1 ]]; then awk -v x="$1" 'BEGIN { printf "%.0f%%", x }'; else printf 'n/a'; fi; }
verdict() { # PERCENT TARGET
    if [[ -z $1 ]]; then printf 'not measured against'; else
        awk -v a="$1" -v t="$2" 'BEGIN { print (a >= t ? "meets" : "misses") }'
    fi
}
kib_to_mib() { if [[ -n $1 ]]; then fmt1 "$(calc 'k / 1024' -v k="$1")"; else printf 'n/a'; fi; }

# upload-only times: push minus the pre-hash, repetition by repetition
upload_only() {
    local i=$1 k
    local -a pv hv
    read -r -a pv <<<"$(vals "rc.push.s.$i")"
    read -r -a hv <<<"$(vals "rc.prehash.s.$i")"
    ((${#pv[@]} > 0 && ${#pv[@]} == ${#hv[@]})) || return 0
    for k in "${!pv[@]}"; do
        add "rc.upload.s.$i" "$(calc 'p - h' -v p="${pv[$k]}" -v h="${hv[$k]}")"
    done
}

report_header() {
    local commit cpu_model sha_ni=no mem_gib
    commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || printf 'unknown')
    if [[ -n $(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
        commit="$commit + uncommitted changes"
    fi
    cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
    if grep -qw sha_ni /proc/cpuinfo 2>/dev/null; then sha_ni=yes; fi
    mem_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
    printf '# regcompat benchmark, %s UTC\n\n' "$(date -u '+%Y-%m-%d %H:%M')"
    printf -- '- regcompat: %s, %s build of %s UTC; work tree at commit %s\n' \
        "$("$RC" version 2>/dev/null | head -n1)" "${build_type:-unknown}" \
        "$(date -u -r "$RC" '+%Y-%m-%d %H:%M')" "$commit"
    if [[ -n $STALE_NOTE ]]; then
        printf -- '- **warning**: %s\n' "$STALE_NOTE"
    fi
    printf -- '- registry: docker-registry %s (the lab), curl %s\n' \
        "$(docker-registry --version 2>/dev/null | awk '{print $NF}')" \
        "$(curl --version | awk 'NR == 1 { print $2 }')"
    printf -- '- machine: %s cores, %s GiB, %s (SHA extensions: %s)\n' "$(nproc)" "$mem_gib" \
        "${cpu_model:-unknown CPU}" "$sha_ni"
    printf -- '- load average (1 min) %s at the start, %s at the end (the lab idles near 0;\n' \
        "$LOAD_START" "$(loadavg)"
    printf '  above ~1 other work was competing for the %s cores)\n' "$(nproc)"
    printf -- '- %s repetition(s) of every measurement, one at a time. Cells: "min / median"\n' "$REPS"
    printf '  for times, "best / median" for rates (best = from the shortest time). MB = 10^6 bytes.\n\n'
}

report_matrix() {
    local a o
    printf '## 1. Whole-matrix wall time (%s)\n\n' "${MATRIX_SUITES:-every suite}"
    printf '| run | registries | wall s (min / median) | checks | exit |\n'
    printf '|---|---|---|---|---|\n'
    printf '| `%s` | %s | %s | %s | %s |\n' "$MATRIX_ALL_DESC" "${MATRIX_ALL_NREG:-?}" \
        "$(cell_s matrix.all)" "${MATRIX_ALL_STATUS:-?}" "${MATRIX_ALL_EXIT:-?}"
    printf '| `%s` | 1 | %s | %s | %s |\n' "$MATRIX_ONE_DESC" "$(cell_s matrix.one)" \
        "${MATRIX_ONE_STATUS:-?}" "${MATRIX_ONE_EXIT:-?}"
    a=$(vmed matrix.all) o=$(vmed matrix.one)
    if [[ -n $a && -n $o ]]; then
        printf '\nratio all / single (medians): **%s** (1.0: the other registries cost no\n' \
            "$(fmt2 "$(calc 'a / o' -v a="$a" -v o="$o")")"
        printf 'extra time; %s: no parallelism at all)\n' "${MATRIX_ALL_NREG:-5}"
    fi
    if [[ -n ${MATRIX_ALL_PER_REG:-} ]]; then
        printf '\nchecks'"'"' durations added up per registry, last `--all` run: %s\n' \
            "$MATRIX_ALL_PER_REG"
    fi
    if [[ -n $(vals matrix.all.busy) ]]; then
        printf '\nduring the `--all` runs (medians): the machine'"'"'s %s cores were %s%% busy; regcompat\n' \
            "$(nproc)" "$(fmt1 "$(vmed matrix.all.busy)")"
        printf 'itself used %s CPU-seconds of them. Near 100%%, the registries (and anything else\n' \
            "$(fmt2 "$(vmed matrix.all.rccpu)")"
        printf 'running) saturate the CPU, and all / single measures the machine, not the scheduling.\n'
    fi
    printf '\n'
}

report_push() {
    local i b c p u hp
    printf '## 2. Push, local-open, one monolithic PUT (target: regcompat >= %s%% of curl)\n\n' \
        "$TARGET_PUSH_PCT"
    printf '| layer | curl PUT MB/s | regcompat push MB/s | %% of curl | pre-hash s (median), cold / warm | upload-only MB/s | %% of curl | curl hash+PUT MB/s | push %% of it | registry CPU s, curl / regcompat |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|\n'
    for i in "${!SIZE_BYTES[@]}"; do
        b=${SIZE_BYTES[$i]}
        c=$(med_mbps "curl.put.s.$i" "$b")
        p=$(med_mbps "rc.push.s.$i" "$b")
        u=$(med_mbps "rc.upload.s.$i" "$b")
        hp=$(med_mbps "curl.hashput.s.$i" "$b")
        printf '| %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s / %s |\n' "${SIZE_LABEL[$i]}" \
            "$(cell_mbps "curl.put.s.$i" "$b")" "$(cell_mbps "rc.push.s.$i" "$b")" \
            "$(pct "$(ratio "$p" "$c")")" \
            "$(or_na "$(fmt2 "$(vmed "rc.prehash.cold.s.$i")")") / $(or_na "$(fmt2 "$(vmed "rc.prehash.s.$i")")")" \
            "$(cell_mbps "rc.upload.s.$i" "$b")" "$(pct "$(ratio "$u" "$c")")" \
            "$(cell_mbps "curl.hashput.s.$i" "$b")" "$(pct "$(ratio "$p" "$hp")")" \
            "$(or_na "$(fmt1 "$(vmed "curl.put.regcpu.$i")")")" \
            "$(or_na "$(fmt1 "$(vmed "rc.push.regcpu.$i")")")"
    done
    printf '\n- regcompat push: the whole `push-artifact` step (build the policy, POST, PUT of the\n'
    printf '  layer, config blob, manifest PUT), from `duration_ms` in results.json.\n'
    printf -- '- pre-hash: the part of that step before the first request (learning the synthetic\n'
    printf '  layer digest the manifest needs). Cold: an empty digest cache, the whole layer is\n'
    printf '  generated and hashed (the first push of a size on a machine); warm: the SHA-256 state\n'
    printf '  after the layer bulk comes from the cache and only its ~64 KiB tail is hashed, as in\n'
    printf '  every push run here. upload-only = push minus warm pre-hash, run by run.\n'
    printf '  curl PUT: `time_total` of the PUT alone; curl\n'
    printf '  hash+PUT adds the time `openssl dgst -sha256` took on the file beforehand (a client\n'
    printf '  that has to learn the digest before a monolithic PUT, as regcompat does).\n'
    printf -- '- registry CPU: CPU seconds the local-open process used over the curl PUT and over\n'
    printf '  the whole regcompat run (median).\n\n'
}

report_pull() {
    local i b r
    printf '## 3. Pull with digest verification, local-open (target: regcompat >= %s%% of curl)\n\n' \
        "$TARGET_PULL_PCT"
    printf '| layer | curl > /dev/null MB/s | curl \\| sha256sum MB/s | curl \\| openssl MB/s | regcompat pull MB/s | %% of curl \\| sha256sum | %% of curl \\| openssl |\n'
    printf '|---|---|---|---|---|---|---|\n'
    for i in "${!SIZE_BYTES[@]}"; do
        b=${SIZE_BYTES[$i]}
        r=$(med_mbps "rc.pull.s.$i" "$b")
        printf '| %s | %s | %s | %s | %s | %s | **%s** |\n' "${SIZE_LABEL[$i]}" \
            "$(cell_mbps "curl.get.s.$i" "$b")" "$(cell_mbps "curl.sha256sum.s.$i" "$b")" \
            "$(cell_mbps "curl.openssl.s.$i" "$b")" "$(cell_mbps "rc.pull.s.$i" "$b")" \
            "$(pct "$(ratio "$r" "$(med_mbps "curl.sha256sum.s.$i" "$b")")")" \
            "$(pct "$(ratio "$r" "$(med_mbps "curl.openssl.s.$i" "$b")")")"
    done
    printf '\n- regcompat pull: the `pull-artifact` step with `verify: digest` (manifest by tag,\n'
    printf '  config, layer; each blob hashed as it streams in), a run of its own.\n'
    printf -- '- the target is judged against `curl | openssl dgst -sha256`, which hashes with the\n'
    printf '  same OpenSSL as regcompat; coreutils sha256sum is far slower here.\n\n'
}

report_rss() {
    local i prm grm
    local -a all=()
    printf '## 4. Peak RSS of regcompat (target: < %s MiB, the same for every size)\n\n' \
        "$TARGET_RSS_MIB"
    printf '| layer | push run MiB (max) | pull run MiB (max) | regcompat CPU s, push run | pull run |\n'
    printf '|---|---|---|---|---|\n'
    for i in "${!SIZE_BYTES[@]}"; do
        prm=$(vmax "rc.push.rss.$i") grm=$(vmax "rc.pull.rss.$i")
        printf '| %s | %s | %s | %s | %s |\n' "${SIZE_LABEL[$i]}" "$(kib_to_mib "$prm")" \
            "$(kib_to_mib "$grm")" "$(or_na "$(fmt2 "$(vmed "rc.push.cpu.$i")")")" \
            "$(or_na "$(fmt2 "$(vmed "rc.pull.cpu.$i")")")"
        if [[ -n $prm ]]; then all+=("$prm"); fi
        if [[ -n $grm ]]; then all+=("$grm"); fi
    done
    if ((${#all[@]})); then
        local lo hi
        lo=$(stat_min "${all[@]}") hi=$(stat_max "${all[@]}")
        printf '\nhighest: **%s MiB** (%s the %s MiB target); lowest %s MiB, spread %s MiB\n' \
            "$(kib_to_mib "$hi")" \
            "$(awk -v k="$hi" -v t="$TARGET_RSS_MIB" 'BEGIN { print (k / 1024 < t ? "under" : "OVER") }')" \
            "$TARGET_RSS_MIB" "$(kib_to_mib "$lo")" "$(kib_to_mib "$(calc 'h - l' -v h="$hi" -v l="$lo")")"
    fi
    printf '\nGNU time'"'"'s "Maximum resident set size" of each whole regcompat process; CPU is\n'
    printf 'user + system seconds of that process (median).\n\n'
}

# paired KEY_RC KEY_CURL -> median over repetitions of 100 * curl time / regcompat time
# (each pair ran back to back, so slow drifts of the machine cancel out)
paired() {
    local k
    local -a rv cv out=()
    read -r -a rv <<<"$(vals "$1")"
    read -r -a cv <<<"$(vals "$2")"
    ((${#rv[@]} > 0 && ${#rv[@]} == ${#cv[@]})) || return 0
    for k in "${!rv[@]}"; do
        out+=("$(calc '100 * c / r' -v c="${cv[$k]}" -v r="${rv[$k]}")")
    done
    stat_med "${out[@]}"
}

report_targets() {
    local i b c p r o
    printf '## Targets\n\n'
    for i in "${!SIZE_BYTES[@]}"; do
        b=${SIZE_BYTES[$i]}
        c=$(med_mbps "curl.put.s.$i" "$b") p=$(med_mbps "rc.push.s.$i" "$b")
        r=$(med_mbps "rc.pull.s.$i" "$b") o=$(med_mbps "curl.openssl.s.$i" "$b")
        printf -- '- %s push: %s of curl (%s the %s%% target); paired by repetition: %s;\n' \
            "${SIZE_LABEL[$i]}" "$(pct "$(ratio "$p" "$c")")" \
            "$(verdict "$(ratio "$p" "$c")" "$TARGET_PUSH_PCT")" "$TARGET_PUSH_PCT" \
            "$(pct "$(paired "rc.push.s.$i" "curl.put.s.$i")")"
        printf '  upload-only (push minus pre-hash) %s of curl, paired %s; push vs hash+PUT: paired %s\n' \
            "$(pct "$(ratio "$(med_mbps "rc.upload.s.$i" "$b")" "$c")")" \
            "$(pct "$(paired "rc.upload.s.$i" "curl.put.s.$i")")" \
            "$(pct "$(paired "rc.push.s.$i" "curl.hashput.s.$i")")"
        printf -- '- %s pull: %s of curl | openssl (%s the %s%% target); paired by repetition: %s\n' \
            "${SIZE_LABEL[$i]}" "$(pct "$(ratio "$r" "$o")")" \
            "$(verdict "$(ratio "$r" "$o")" "$TARGET_PULL_PCT")" "$TARGET_PULL_PCT" \
            "$(pct "$(paired "rc.pull.s.$i" "curl.openssl.s.$i")")"
    done
    printf '\nThe verdicts compare medians; "paired" is the median of the per-repetition ratios\n'
    printf '(regcompat and curl ran back to back in each repetition), steadier on a busy machine.\n\n'
}

report_raw() {
    local i k v x
    printf '## Every repetition (seconds)\n\n'
    printf '| measurement | layer | values, in run order |\n|---|---|---|\n'
    for k in matrix.all matrix.one; do
        v=$(vals "$k")
        if [[ -n $v ]]; then
            printf '| %s | - | %s|\n' "$k" "$(for x in $v; do printf '%s ' "$(fmt2 "$x")"; done)"
        fi
    done
    for i in "${!SIZE_BYTES[@]}"; do
        for k in curl.put.s curl.hashput.s rc.prehash.cold.s rc.prehash.s rc.push.s rc.upload.s curl.get.s curl.sha256sum.s \
            curl.openssl.s rc.pull.s; do
            v=$(vals "$k.$i")
            if [[ -n $v ]]; then
                printf '| %s | %s | %s|\n' "${k%.s}" "${SIZE_LABEL[$i]}" \
                    "$(for x in $v; do printf '%s ' "$(fmt2 "$x")"; done)"
            fi
        done
    done
    printf '\n'
}

for i in "${!SIZE_BYTES[@]}"; do upload_only "$i"; done
STAMP=$(date -u +%Y-%m-%d-%H%M%S)
mkdir -p "$OUT_DIR"
REPORT=$OUT_DIR/bench-$STAMP.md
{
    report_header
    if ((!SKIP_MATRIX)); then report_matrix; fi
    if ((!SKIP_BLOBS)); then
        report_push
        report_pull
        report_rss
        report_targets
    fi
    report_raw
    if ((${#PROBLEMS[@]})); then
        printf '## Problems\n\n'
        for p in "${PROBLEMS[@]}"; do printf -- '- %s\n' "$p"; done
        printf '\n'
    fi
} >"$WORK/report.md"

# the written report names no directory of this machine
sed -e "s#$WORK#<work>#g" -e "s#$BUILD#<build>#g" -e "s#$REPO_DIR#<repo>#g" \
    "$WORK/report.md" >"$REPORT"
cat "$REPORT"
say "written: $REPORT"
if ((${#PROBLEMS[@]})); then
    say "${#PROBLEMS[@]} problem(s); rerun with --keep-work to keep every run's reports"
    exit 1
fi
