# Sourced by the credential tests after lib.sh: a hostile registry (the registry's origin, a
# proxy in front of a lab registry) and an attacker on another origin, both from
# tests/fixtures/attacker/attacker.py, started and stopped by the test itself.
ATTACKER_PY=$RC_SRC/tests/fixtures/attacker/attacker.py
HOSTILE_PIDS=()

stop_hostile() {
    local pid
    for pid in "${HOSTILE_PIDS[@]+"${HOSTILE_PIDS[@]}"}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    HOSTILE_PIDS=()
}
trap stop_hostile EXIT

# start_hostile NAME UPSTREAM [attacker.py options...]: starts one front + attacker pair
# with its files in $RC_WORK/NAME/; sets <NAME>_FRONT (its origin), <NAME>_ATTACKER (the
# attacker's origin), <NAME>_DIR and <NAME>_CONTROL (the front's control URL prefix).
start_hostile() {
    local name=$1 upstream=$2
    shift 2
    local dir=$RC_WORK/$name i scheme=http
    mkdir -p "$dir"
    python3 "$ATTACKER_PY" --upstream "$upstream" --port-file "$dir/ports.json" \
        --capture "$dir/capture.raw" --requests "$dir/requests.jsonl" \
        --front-log "$dir/front.jsonl" "$@" >"$dir/attacker.log" 2>&1 &
    local pid=$!
    HOSTILE_PIDS+=("$pid")
    for ((i = 0; i < 500; i++)); do
        [[ -s $dir/ports.json ]] && break
        kill -0 "$pid" 2>/dev/null || {
            cat "$dir/attacker.log" >&2
            fail "attacker.py ($name) exited during start-up"
        }
        sleep 0.01
    done
    [[ -s $dir/ports.json ]] || fail "attacker.py ($name) wrote no port file within 5 s"
    [[ " $* " == *" --tls-cert "* ]] && scheme=https
    local front attacker
    front=$(jq -r .front "$dir/ports.json")
    attacker=$(jq -r .attacker "$dir/ports.json")
    printf -v "${name}_FRONT" '%s' "$scheme://127.0.0.1:$front"
    printf -v "${name}_ATTACKER" '%s' "http://127.0.0.1:$attacker"
    printf -v "${name}_DIR" '%s' "$dir"
    printf -v "${name}_CONTROL" '%s' "$scheme://127.0.0.1:$front/_hostile"
    echo "hostile $name: front $scheme://127.0.0.1:$front, attacker http://127.0.0.1:$attacker"
}

# hostile_config NAME JSON: switches the attacker's answers (and restarts its records)
hostile_config() {
    local control_var=${1}_CONTROL
    curl -sf --cacert "${LAB_LOCAL_TLS_BASIC_CA:-/dev/null}" -X PUT --data-binary "$2" \
        "${!control_var}/config" >/dev/null || fail "could not configure the hostile front $1"
}

# hostile_info NAME FIELD: a field of the front's /_hostile/info
hostile_info() {
    local control_var=${1}_CONTROL
    curl -sf --cacert "${LAB_LOCAL_TLS_BASIC_CA:-/dev/null}" "${!control_var}/info" |
        jq -r ".$2"
}

# attacker_hits NAME JQ-FILTER [JQ ARGS...]: how many attacker requests match the filter (on
# .method, .path, .authorization, .cookie, .body_bytes)
attacker_hits() {
    local dir_var=${1}_DIR filter=$2
    shift 2
    jq -s "$@" "[.[] | select($filter)] | length" "${!dir_var}/requests.jsonl"
}

# no_bytes_at_attacker NAME WHAT SECRET: the secret is nowhere in what the attacker received
no_bytes_at_attacker() {
    local dir_var=${1}_DIR
    [[ -n $3 ]] || fail "no_bytes_at_attacker $2: empty secret (the test is broken)"
    if grep -qF -- "$3" "${!dir_var}/capture.raw"; then
        fail "$2 reached the attacker ($1): $(grep -aF -- "$3" "${!dir_var}/capture.raw" | head -3)"
    fi
    echo "ok: $2: zero bytes at the attacker ($1)"
}
