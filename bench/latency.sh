#!/usr/bin/env bash
# latency.sh: regcompat against a registry on the other side of the world. The spec +
# policy suites against a lab Distribution behind the fault proxy with `delay=MS` on every
# request, at concurrency 4 (the default of a --url run) and at 1, and every suite at 4; per
# run the wall time, the requests the registry saw (counted by the proxy), requests per check
# of each suite, new connections, token requests, 429 answers and manifest GETs (results.json
# `stats`). TLS handshakes and token requests are counted without delay against the lab's
# TLS and token registries. Run by hand; it is not a test. See bench/README.md.
#
#   bench/latency.sh [--build DIR] [--delays 20,50] [--out DIR] [--keep-work]
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD=$REPO_DIR/build
DELAYS=20,50
OUT_DIR=$BENCH_DIR/out
KEEP_WORK=0

die() {
    printf 'latency.sh: %s\n' "$*" >&2
    exit 1
}

while (($# > 0)); do
    case $1 in
    --build) BUILD=$2; shift 2 ;;
    --delays) DELAYS=$2; shift 2 ;;
    --out) OUT_DIR=$2; shift 2 ;;
    --keep-work) KEEP_WORK=1; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
BUILD=$(cd "$BUILD" && pwd)
BIN=$BUILD/regcompat
[[ -x $BIN ]] || die "no regcompat in $BUILD (build it first)"
command -v jq >/dev/null || die "jq not found (apt-get install jq)"

WORK=$(mktemp -d)
cleanup() {
    "$REPO_DIR/lab/faultlab.sh" stop --state "$WORK" >/dev/null 2>&1 || true
    "$REPO_DIR/lab/lab.sh" stop --state "$WORK/lab" >/dev/null 2>&1 || true
    if ((KEEP_WORK)); then
        printf 'latency.sh: work kept in %s\n' "$WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT INT TERM

"$REPO_DIR/lab/faultlab.sh" start --state "$WORK" --build "$BUILD" >/dev/null
# shellcheck disable=SC1091
. "$WORK/fault.env"
mkdir -p "$WORK/p1" "$WORK/pdef"
# four checks at a time (what an ad-hoc --url run and the lab's profiles take), and one
sed 's/^limits: {/limits: {concurrency: 4, /' "$FAULT_PROFILE" >"$WORK/pdef/fault.yaml"
sed 's/^limits: {/limits: {concurrency: 1, /' "$FAULT_PROFILE" >"$WORK/p1/fault.yaml"

# the spec suites and the policy suite (the issue's target); ALL_SUITES: every suite, with the
# signatures and the skopeo tools suite
SPEC_POLICY=(-s push -s pull -s manifests -s tags -s delete -s mount -s referrers -s errors -s policy)

proxy_requests() { curl -sf "$FAULT_CONTROL_URL/stats" | jq -r .requests; }

# row NAME PROFILES_DIR DELAY_MS [SUITE ARGS...]: one run; prints a table row. The requests the
# registry saw are counted by the proxy in front of it, the same for any regcompat version.
row() {
    local name=$1 pdir=$2 delay=$3 out=$WORK/run-$RANDOM t0 t1 p0 p1 conc
    shift 3
    conc=$(sed -n 's/^limits: {concurrency: \([0-9]*\),.*/\1/p' "$pdir/fault.yaml")
    p0=$(proxy_requests)
    t0=$(date +%s.%N)
    "$BIN" run --profiles-dir "$pdir" -r fault -o "$out" -q "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    p1=$(proxy_requests)
    [[ -s $out/results.json ]] || die "$name: no results.json"
    jq -r --arg name "$name" --arg wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" \
        --argjson seen $((p1 - p0)) --argjson delay "$delay" --argjson conc "$conc" '
        .registries[0] as $r
        | ($r.checks | length) as $n
        | ($seen * $delay / $conc / 1000) as $ideal
        | ($r.checks | group_by(.suite)
           | map("\(.[0].suite) \(((map(.requests) | add) / length * 10 | round) / 10)")
           | join(", ")) as $per
        | "| \($name) | \($wall) s | \(($wall | tonumber) / $ideal * 100 | round / 100) | \($n) | \($seen) | \($per) | \($r.stats.connections) | \($r.stats.token_requests) | \($r.stats.status_429) | \($r.stats.manifest_gets) |"' \
        "$out/results.json"
}

report=$WORK/latency.md
{
    printf '# regcompat with distant registries (%s)\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf 'regcompat %s; machine: %s cores, load average %s\n\n' \
        "$("$BIN" version 2>/dev/null | head -1)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'Spec + policy suites unless the run says "every suite". "x ideal": wall / (requests the\n'
    printf 'registry saw x delay / concurrency).\n\n'
    printf '| run | wall | x ideal | checks | requests (registry side) | requests per check, by suite | connections | token requests | 429s | manifest GETs |\n'
    printf '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n'
    IFS=, read -r -a delays <<<"$DELAYS"
    for d in "${delays[@]}"; do
        printf 'delay=%s\n' "$d" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null
        row "+${d} ms, concurrency 4" "$WORK/pdef" "$d" "${SPEC_POLICY[@]}"
        row "+${d} ms, concurrency 1" "$WORK/p1" "$d" "${SPEC_POLICY[@]}"
        row "+${d} ms, concurrency 4, every suite" "$WORK/pdef" "$d"
    done
    printf '\n'
} >"$report"

# TLS handshakes and token requests, without delay, against the lab's own registries
"$REPO_DIR/lab/lab.sh" start --state "$WORK/lab" --build "$BUILD" local-tls-basic local-token >/dev/null
# shellcheck disable=SC1091
. "$WORK/lab/lab.env"
"$BIN" run --profiles-dir "$LAB_PROFILES_DIR" -r local-tls-basic -r local-token -o "$WORK/tls" -q \
    >/dev/null 2>&1 || true
{
    printf '| registry (no delay) | checks | requests | connections | TLS handshakes | token requests | token connections |\n'
    printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    jq -r '.registries[] | "| \(.id) | \(.checks | length) | \(.stats.requests) | \(.stats.connections) | \(.stats.tls_handshakes) | \(.stats.token_requests) | \(.stats.token_connections // "-") |"' \
        "$WORK/tls/results.json"
} >>"$report"

mkdir -p "$OUT_DIR"
cp "$report" "$OUT_DIR/latency-$(date -u +%Y%m%d-%H%M%S).md"
cat "$report"
