#!/usr/bin/env bash
# lab.sh: a lab of real registries (CNCF Distribution, Debian's docker-registry) on
# 127.0.0.1, for the demo and the integration tests. See lab/README.md.
#
#   lab.sh start  [--state DIR] [--build DIR] [NAME...]   (no NAME: all of them)
#   lab.sh stop   [--state DIR]
#   lab.sh status [--state DIR]
#   lab.sh pid NAME [--state DIR]
#
# Everything the lab generates (configs, data, PKI, passwords, logs, pid files,
# profiles) lives in the state dir, so several labs with different state dirs run
# side by side. Processes are stopped only through the pid files recorded here.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
PROG=lab.sh

REGISTRIES=(local-open local-tls-basic local-token local-nodelete local-chunked local-relative)
# helper processes, beside the registries themselves (stopped first to last)
PROCS=(local-chunked local-chunked-backend local-open local-tls-basic local-token
    local-nodelete local-relative tokend)

REGISTRY_BIN=${REGCOMPAT_LAB_REGISTRY:-docker-registry}
NGINX_BIN=${REGCOMPAT_LAB_NGINX:-nginx}

TOKEN_SERVICE=regcompat-lab
TOKEN_ISSUER=regcompat-lab-issuer
NAMESPACE=regcompat
READY_TIMEOUT_US=5000000 # 5 s, polled every 10 ms

STATE=$REPO_DIR/.lab
BUILD=$REPO_DIR/build

say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    say "$*"
    exit 1
}

usage() {
    cat <<EOF
usage: lab/lab.sh start  [--state DIR] [--build DIR] [NAME...]
       lab/lab.sh stop   [--state DIR]
       lab/lab.sh status [--state DIR]
       lab/lab.sh pid NAME [--state DIR]
NAME: ${REGISTRIES[*]}
      (pid also knows local-chunked-backend and tokend)
defaults: --state <repo>/.lab, --build <repo>/build
EOF
}

# ---------------------------------------------------------------------------
# small helpers

now_us() { printf '%s' "${EPOCHREALTIME//[!0-9]/}"; }

rand_hex() { openssl rand -hex "$1"; }

# a YAML double-quoted scalar
yq() {
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

upper_name() {
    local s=${1^^}
    printf '%s' "${s//-/_}"
}

# "<pid> <starttime>": the start time (clock ticks since boot, field 22 of
# /proc/PID/stat) guards against killing a process that merely reuses a pid.
proc_starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    local -a f
    read -r -a f <<<"$rest"
    printf '%s' "${f[19]}"
}

proc_state() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    printf '%s' "${rest%% *}"
}

# alive PID [STARTTIME]: running (not a zombie) and, if given, the same process
alive() {
    local pid=$1 start=${2:-} st
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    st=$(proc_state "$pid") || return 1
    [[ $st != Z && $st != X ]] || return 1
    if [[ -n $start ]]; then
        [[ $(proc_starttime "$pid") == "$start" ]] || return 1
    fi
    return 0
}

pid_file() { printf '%s/run/%s.pid' "$STATE" "$1"; }

record_pid() {
    local start
    start=$(proc_starttime "$2") || start=""
    printf '%s %s\n' "$2" "$start" >"$(pid_file "$1")"
}

# read_pid NAME -> sets PID and PID_START; fails when nothing is recorded
read_pid() {
    local f
    f=$(pid_file "$1")
    PID="" PID_START=""
    [[ -f $f ]] || return 1
    read -r PID PID_START <"$f" || true
    [[ $PID =~ ^[0-9]+$ ]]
}

child_pids() {
    local f stat rest
    local -a fld
    for f in /proc/[0-9]*/stat; do
        { stat=$(<"$f"); } 2>/dev/null || continue
        rest=${stat##*) }
        read -r -a fld <<<"$rest"
        [[ ${fld[1]} == "$1" ]] && printf '%s\n' "${f//[!0-9]/}"
    done
    return 0
}

show_log() {
    [[ -f $1 ]] || return 0
    say "last lines of $1:"
    tail -n 15 "$1" | sed 's/^/    /' >&2
}

# wait_http NAME PID LOG URL [CURL ARGS...]: poll until the URL answers HTTP at all
wait_http() {
    local name=$1 pid=$2 log=$3 url=$4
    shift 4
    local deadline code
    deadline=$(($(now_us) + READY_TIMEOUT_US))
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "$url" 2>/dev/null) ||
            true
        [[ $code =~ ^[1-5][0-9][0-9]$ ]] && return 0
        if ! alive "$pid"; then
            show_log "$log"
            die "$name exited before it answered on $url"
        fi
        if (($(now_us) > deadline)); then
            show_log "$log"
            die "$name did not answer on $url within 5 s"
        fi
        sleep 0.01
    done
}

# ---------------------------------------------------------------------------
# generated material

write_secret() { # FILE: a random password, mode 600
    (
        umask 077
        rand_hex 16 >"$1"
    )
}

make_ca() {
    local pki=$STATE/pki
    [[ -f $pki/ca.crt ]] && return 0
    mkdir -p "$pki/private" "$pki/server"
    chmod 700 "$pki/private" "$pki/server"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$pki/private/ca.key" -out "$pki/ca.crt" -days 3650 \
        -subj "/CN=regcompat lab CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$pki/server/server.key" -out "$pki/server/server.csr" \
        -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" >"$pki/server/server.ext"
    openssl x509 -req -in "$pki/server/server.csr" -CA "$pki/ca.crt" \
        -CAkey "$pki/private/ca.key" -set_serial "0x$(rand_hex 8)" -days 825 \
        -extfile "$pki/server/server.ext" -out "$pki/server/server.crt" 2>/dev/null
}

make_token_signer() {
    local dir=$STATE/tokend
    mkdir -p "$dir"
    chmod 700 "$dir"
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/signer.key" 2>/dev/null
    openssl req -x509 -new -key "$dir/signer.key" -out "$dir/signer.crt" -days 3650 \
        -subj "/CN=regcompat lab token signer" 2>/dev/null
}

# registry_config NAME DELETE(true|false) [EXTRA YAML]
registry_config() {
    local name=$1 delete=$2 extra=${3:-}
    local conf=$STATE/conf/$name.yml
    mkdir -p "$DATA_ROOT/$name"
    (
        umask 077
        cat >"$conf" <<EOF
# generated by lab/lab.sh for the lab registry "$name"; rewritten on every start
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $(yq "$DATA_ROOT/$name")
  delete:
    enabled: $delete
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: $(yq "$(rand_hex 32)")
EOF
        if [[ -n $extra ]]; then
            printf '%s\n' "$extra" >>"$conf"
        fi
    )
}

# start_registry NAME SCHEME [CURL ARGS...] -> sets PORT
start_registry() {
    local name=$1 scheme=$2
    shift 2
    local conf=$STATE/conf/$name.yml log=$STATE/logs/$name.log
    "$REGISTRY_BIN" serve "$conf" </dev/null >"$log" 2>&1 &
    local pid=$!
    record_pid "$name" "$pid"

    local deadline port=""
    deadline=$(($(now_us) + READY_TIMEOUT_US))
    while :; do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p;T;q' "$log")
        [[ -n $port ]] && break
        if ! alive "$pid"; then
            show_log "$log"
            die "$name exited during start-up"
        fi
        if (($(now_us) > deadline)); then
            show_log "$log"
            die "$name printed no 'listening on' line within 5 s"
        fi
        sleep 0.01
    done
    wait_http "$name" "$pid" "$log" "$scheme://127.0.0.1:$port/v2/" "$@"
    PORT=$port
}

set_url() { printf '%s\n' "$2" >"$STATE/run/$1.url"; }

# one item of a profile's expect: list (CHECK REASON LINK)
expectation() {
    printf '  - check: %s\n    status: fail\n    reason: %s\n    link: %s\n' \
        "$1" "$(yq "$2")" "$3"
}

# Distribution 2.8.2's documented deviations from OCI 1.1 (DESIGN.md 6, reference
# distribution-2.8.2.md section 4): known issues (xfail) in the lab matrix, not failures.
# distribution_expectations ID: local-chunked's nginx answers large bodies itself.
distribution_expectations() {
    local spec=https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md
    local chunks=https://github.com/distribution/distribution/issues/3141
    local tags_n=https://github.com/distribution/distribution/issues/3232
    printf 'expect:\n'
    expectation push.chunked.out-of-order \
        "2.8.2 ignores PATCH Content-Range and appends the chunk (202, never 416)" "$chunks"
    expectation push.chunked.repeated-chunk \
        "2.8.2 ignores PATCH Content-Range and appends a repeated chunk (202, never 416)" "$chunks"
    expectation push.chunked.out-of-order.recover \
        "2.8.2 ignores PATCH Content-Range and appends the out-of-order chunk (202, never 416)" \
        "$chunks"
    expectation manifests.put.invalid-reference \
        "2.8.2 answers 500 UNKNOWN (leaking a storage path) to a PUT by a malformed digest" \
        "$spec#pushing-manifests"
    expectation manifests.nondistributable \
        "2.8.2 refuses layer urls unless validation.manifests.urls.allow is set, with 500 UNKNOWN" \
        https://github.com/distribution/distribution/blob/v2.8.2/docs/configuration.md#validation
    expectation tags.n "2.8.2 ignores n on the tags list (no pagination)" "$tags_n"
    expectation tags.n.zero "2.8.2 ignores n=0 and returns every tag" "$tags_n"
    expectation tags.last "2.8.2 ignores last on the tags list" "$tags_n"
    expectation tags.last.without-n "2.8.2 ignores last on the tags list" "$tags_n"
    expectation tags.list.sorted \
        "2.8.2 lists tags in storage (directory) order, not lexical order" "$spec#listing-tags"
    expectation tags.list.untagged \
        "2.8.2 answers 404 NAME_UNKNOWN for a repository that holds only untagged manifests" \
        "$spec#listing-tags"
    expectation tags.list.all-deleted \
        "2.8.2 answers \"tags\": null once a repository has no tags" "$spec#listing-tags"
    expectation manifests.accept.wildcard \
        "2.8.2 answers 404 MANIFEST_UNKNOWN unless Accept names the exact OCI media type" \
        https://github.com/krustlet/krustlet/pull/188
    expectation manifests.accept.none \
        "2.8.2 answers 404 MANIFEST_UNKNOWN unless Accept names the exact OCI media type" \
        https://github.com/krustlet/krustlet/pull/188
    expectation manifests.accept.mismatch \
        "2.8.2 answers 404 MANIFEST_UNKNOWN unless Accept names the exact OCI media type" \
        https://github.com/krustlet/krustlet/pull/188
    if [[ $1 == local-chunked ]]; then
        expectation policy.large \
            "kwctl sends 4 MiB PATCH chunks and never smaller ones; nginx's 64 KiB body limit answers 413" \
            https://github.com/oras-project/rust-oci-client/blob/main/src/client.rs
    fi
    if [[ $1 != local-chunked ]]; then
        expectation manifests.large.over-limit \
            "2.8.2 refuses manifests over 4 MiB with 400 MANIFEST_INVALID, not 413" \
            "$spec#pushing-manifests"
    fi
    expectation errors.invalid-digest-reference \
        "2.8.2 answers 500 UNKNOWN to an invalid digest reference" "$spec#error-codes"
    expectation push.session.status.stale-location \
        "2.8.2 answers 404 BLOB_UPLOAD_INVALID to a status GET on an upload Location that a PATCH superseded" \
        "$spec#pushing-a-blob-in-chunks"
}

# write_profile ID NAME URL [key: value lines for tls/auth...] [more expect: items]
write_profile() {
    local id=$1 title=$2 url=$3 extra=${4:-} more_expect=${5:-}
    {
        printf '# generated by lab/lab.sh; rewritten on every start\n'
        printf 'name: %s\n' "$(yq "$title")"
        printf 'url: %s\n' "$url"
        printf 'kind: distribution\n'
        printf 'hosted: false\n'
        printf 'namespace: %s\n' "$NAMESPACE"
        if [[ -n $extra ]]; then
            printf '%s\n' "$extra"
        fi
        distribution_expectations "$id"
        if [[ -n $more_expect ]]; then
            printf '%s\n' "$more_expect"
        fi
        printf 'limits: {concurrency: 4, request_timeout: 30, retries: 2}\n'
        printf 'enabled: true\n'
    } >"$STATE/registries.d/$id.yaml"
}

registry_version() {
    local v
    v=$("$REGISTRY_BIN" --version 2>/dev/null | awk '{print $NF}') || v=""
    v=${v%%+*}
    printf '%s' "${v:-2.x}"
}

find_tokend() {
    local c
    if [[ -n ${REGCOMPAT_LAB_TOKEND:-} ]]; then
        [[ -x $REGCOMPAT_LAB_TOKEND ]] ||
            die "REGCOMPAT_LAB_TOKEND=$REGCOMPAT_LAB_TOKEND is not executable"
        printf '%s' "$REGCOMPAT_LAB_TOKEND"
        return 0
    fi
    for c in "$BUILD/tests/fixtures/tokend/regcompat-tokend" "$BUILD/regcompat-tokend" \
        "$BUILD/bin/regcompat-tokend"; do
        if [[ -x $c ]]; then
            printf '%s' "$c"
            return 0
        fi
    done
    c=$(find "$BUILD" -name regcompat-tokend -type f -perm -u+x -print -quit 2>/dev/null) || c=""
    if [[ -z $c && -f $BUILD/CMakeCache.txt ]]; then
        say "building regcompat-tokend in $BUILD"
        cmake --build "$BUILD" --target regcompat-tokend >&2 ||
            die "building regcompat-tokend failed"
        c=$(find "$BUILD" -name regcompat-tokend -type f -perm -u+x -print -quit 2>/dev/null) ||
            c=""
    fi
    [[ -n $c ]] || die "regcompat-tokend not found under $BUILD; build it first" \
        "(cmake -S . -B build && cmake --build build --target regcompat-tokend)" \
        "or pass --build DIR"
    printf '%s' "$c"
}

# A free port for nginx, chosen below the kernel's ephemeral range so that it cannot
# collide with the registries' own 127.0.0.1:0 ports. Nothing may answer a connect on it;
# a bind that still fails is retried by the caller.
pick_port() {
    local low=32768 lo hi port i
    if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
        read -r low _ </proc/sys/net/ipv4/ip_local_port_range || low=32768
    fi
    hi=$((low - 1))
    lo=$((hi - 12000))
    ((lo >= 1025)) || lo=1025
    for ((i = 0; i < 200; i++)); do
        port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s' "$port"
            return 0
        fi
    done
    die "found no free port for nginx"
}

# ---------------------------------------------------------------------------
# the registries

start_local_open() {
    registry_config local-open true
    start_registry local-open http
    local url=http://127.0.0.1:$PORT
    set_url local-open "$url"
    write_profile local-open "Distribution $VERSION (lab, anonymous)" "$url"
    ENV_LINES+=("LAB_LOCAL_OPEN_URL=$url")
}

start_local_nodelete() {
    registry_config local-nodelete false
    start_registry local-nodelete http
    local url=http://127.0.0.1:$PORT
    set_url local-nodelete "$url"
    write_profile local-nodelete "Distribution $VERSION (lab, delete disabled)" "$url"
    ENV_LINES+=("LAB_LOCAL_NODELETE_URL=$url")
}

# Distribution answering every Location host-relative ("/v2/..."): clients must resolve
# Locations against the request URL (RFC 9110), as a registry behind a proxy often needs.
start_local_relative() {
    registry_config local-relative true "  relativeurls: true"
    start_registry local-relative http
    local url=http://127.0.0.1:$PORT
    set_url local-relative "$url"
    write_profile local-relative "Distribution $VERSION (lab, relative Location headers)" "$url"
    ENV_LINES+=("LAB_LOCAL_RELATIVE_URL=$url")
}

start_local_tls_basic() {
    local pki=$STATE/pki pwfile=$STATE/secrets/local-tls-basic.password
    local htpasswd=$STATE/auth/local-tls-basic.htpasswd
    make_ca
    write_secret "$pwfile"
    mkdir -p "$STATE/auth"
    (
        umask 077
        htpasswd -B -c -i "$htpasswd" regcompat <"$pwfile" 2>/dev/null
    )
    registry_config local-tls-basic true "  tls:
    certificate: $(yq "$pki/server/server.crt")
    key: $(yq "$pki/server/server.key")
auth:
  htpasswd:
    realm: regcompat-lab
    path: $(yq "$htpasswd")"
    start_registry local-tls-basic https --cacert "$pki/ca.crt"
    local url=https://127.0.0.1:$PORT
    set_url local-tls-basic "$url"
    write_profile local-tls-basic "Distribution $VERSION (lab, TLS + basic auth)" "$url" \
        "tls: {verify: true, ca: $(yq "$pki/ca.crt")}
auth:
  username: regcompat
  password: {file: $(yq "$pwfile")}"
    ENV_LINES+=("LAB_LOCAL_TLS_BASIC_URL=$url"
        "LAB_LOCAL_TLS_BASIC_CA=$pki/ca.crt"
        "LAB_LOCAL_TLS_BASIC_CERT_DIR=$pki"
        "LAB_LOCAL_TLS_BASIC_USERNAME=regcompat"
        "LAB_LOCAL_TLS_BASIC_PASSWORD_FILE=$pwfile")
}

start_tokend() {
    local tokend sec=$STATE/secrets
    tokend=$(find_tokend)
    make_token_signer
    write_secret "$sec/local-token-writer.password"
    write_secret "$sec/local-token-reader.password"
    write_secret "$sec/local-token-writer.refresh-token"
    local portfile=$STATE/run/tokend.port log=$STATE/logs/tokend.log
    rm -f "$portfile"
    "$tokend" --listen 127.0.0.1:0 --port-file "$portfile" \
        --key "$STATE/tokend/signer.key" --cert "$STATE/tokend/signer.crt" \
        --issuer "$TOKEN_ISSUER" --service "$TOKEN_SERVICE" \
        --user "writer:$sec/local-token-writer.password:*" \
        --user "reader:$sec/local-token-reader.password:pull" \
        --anonymous pull \
        --refresh-token "writer:$sec/local-token-writer.refresh-token" \
        --issued-log "$sec/tokend-issued.tokens" \
        </dev/null >"$log" 2>&1 &
    local pid=$!
    record_pid tokend "$pid"
    local deadline
    deadline=$(($(now_us) + READY_TIMEOUT_US))
    until [[ -s $portfile ]]; do
        if ! alive "$pid"; then
            show_log "$log"
            die "regcompat-tokend exited during start-up"
        fi
        if (($(now_us) > deadline)); then
            show_log "$log"
            die "regcompat-tokend wrote no port file within 5 s"
        fi
        sleep 0.01
    done
    TOKEND_PORT=$(<"$portfile")
    set_url tokend "http://127.0.0.1:$TOKEND_PORT/token"
    ENV_LINES+=("LAB_TOKEND_PORT=$TOKEND_PORT"
        "LAB_TOKEND_URL=http://127.0.0.1:$TOKEND_PORT"
        "LAB_TOKEND_PID=$pid"
        "LAB_TOKEND_ISSUED_LOG=$sec/tokend-issued.tokens")
}

start_local_token() {
    start_tokend
    local sec=$STATE/secrets realm=http://127.0.0.1:$TOKEND_PORT/token
    registry_config local-token true "auth:
  token:
    realm: $(yq "$realm")
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $(yq "$STATE/tokend/signer.crt")"
    start_registry local-token http
    local url=http://127.0.0.1:$PORT
    set_url local-token "$url"
    write_profile local-token "Distribution $VERSION (lab, bearer token)" "$url" \
        "auth:
  username: writer
  password: {file: $(yq "$sec/local-token-writer.password")}"
    ENV_LINES+=("LAB_LOCAL_TOKEN_URL=$url"
        "LAB_LOCAL_TOKEN_REALM=$realm"
        "LAB_LOCAL_TOKEN_SERVICE=$TOKEN_SERVICE"
        "LAB_LOCAL_TOKEN_ISSUER=$TOKEN_ISSUER"
        "LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE=$sec/local-token-writer.password"
        "LAB_LOCAL_TOKEN_READER_PASSWORD_FILE=$sec/local-token-reader.password"
        "LAB_LOCAL_TOKEN_WRITER_REFRESH_TOKEN_FILE=$sec/local-token-writer.refresh-token")
}

nginx_config() { # BACKEND_PORT LISTEN_PORT
    local dir=$STATE/nginx user_line=""
    # as root the workers would otherwise run as "nobody" and could not reach the state dir
    if ((EUID == 0)); then
        user_line="user $(id -un) $(id -gn);"
    fi
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
# generated by lab/lab.sh for local-chunked; rewritten on every start
$user_line
daemon off;
master_process on;
worker_processes 1;
pid "$dir/nginx.pid";
error_log "$dir/error.log" notice;

events {
    worker_connections 256;
}

http {
    access_log "$dir/access.log";
    client_body_temp_path "$dir/tmp/client_body";
    proxy_temp_path "$dir/tmp/proxy";
    fastcgi_temp_path "$dir/tmp/fastcgi";
    uwsgi_temp_path "$dir/tmp/uwsgi";
    scgi_temp_path "$dir/tmp/scgi";

    # nginx's own answers (413, 502) lack the registry's API version header; add it
    # only when the upstream did not send one, so proxied answers carry it once.
    map \$upstream_http_docker_distribution_api_version \$docker_distribution_api_version {
        '' 'registry/2.0';
    }

    server {
        listen 127.0.0.1:$2;
        server_name localhost;
        # bodies over 64 KiB get 413: monolithic blob PUTs fail, chunked uploads work
        client_max_body_size 64k;

        location / {
            proxy_pass http://127.0.0.1:$1;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_http_version 1.1;
            proxy_read_timeout 900;
            add_header Docker-Distribution-Api-Version \$docker_distribution_api_version always;
        }
    }
}
EOF
}

start_local_chunked() {
    registry_config local-chunked-backend true
    start_registry local-chunked-backend http
    local backend=$PORT
    set_url local-chunked-backend "http://127.0.0.1:$backend"

    local dir=$STATE/nginx log=$STATE/logs/nginx.log attempt port pid deadline code
    mkdir -p "$dir"
    for ((attempt = 1; ; attempt++)); do
        port=$(pick_port)
        nginx_config "$backend" "$port"
        : >"$dir/error.log"
        "$NGINX_BIN" -p "$dir/" -c nginx.conf -e "$dir/error.log" </dev/null >>"$log" 2>&1 &
        pid=$!
        record_pid local-chunked "$pid"
        deadline=$(($(now_us) + READY_TIMEOUT_US))
        code=""
        while :; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
                "http://127.0.0.1:$port/v2/" 2>/dev/null) || true
            [[ $code == 200 ]] && break
            if grep -q 'Address already in use' "$dir/error.log" 2>/dev/null ||
                ! alive "$pid"; then
                break
            fi
            if (($(now_us) > deadline)); then
                break
            fi
            sleep 0.01
        done
        [[ $code == 200 ]] && break
        # not ready: stop this attempt; retry only when the port was taken
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if grep -q 'Address already in use' "$dir/error.log" 2>/dev/null && ((attempt < 10)); then
            say "nginx port $port is taken, trying another"
            continue
        fi
        show_log "$dir/error.log"
        die "nginx for local-chunked did not come up on 127.0.0.1:$port"
    done

    local url=http://127.0.0.1:$port
    set_url local-chunked "$url"
    write_profile local-chunked \
        "Distribution $VERSION (lab, behind nginx with a 64 KiB body limit)" "$url" "" \
        "$(expectation manifests.large.4mib \
            "nginx in front (client_max_body_size 64k) answers 413 to any manifest over 64 KiB" \
            https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size
        expectation push.post-put.readback \
            "nginx in front (client_max_body_size 64k) answers 413 to a 1 MiB monolithic PUT" \
            https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size
        expectation push.post-put.large \
            "nginx in front (client_max_body_size 64k) answers 413 to a 9 MiB monolithic PUT" \
            https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size)"
    ENV_LINES+=("LAB_LOCAL_CHUNKED_URL=$url"
        "LAB_LOCAL_CHUNKED_BACKEND_URL=http://127.0.0.1:$backend")
}

# ---------------------------------------------------------------------------
# commands

# stop every recorded process: TERM, wait up to 10 s, then KILL
stop_all() {
    local name pids=() starts=() names=() p
    mkdir -p "$STATE/run"
    for name in "${PROCS[@]}"; do
        read_pid "$name" || continue
        if alive "$PID" "$PID_START"; then
            if [[ $name == local-chunked ]]; then
                # nginx workers die with their master; wait for them as well
                for p in $(child_pids "$PID"); do
                    pids+=("$p") starts+=("$(proc_starttime "$p" || true)") names+=("nginx worker")
                done
            fi
            kill -TERM "$PID" 2>/dev/null || true
            pids+=("$PID") starts+=("$PID_START") names+=("$name")
        fi
    done

    local deadline i left
    deadline=$(($(now_us) + 10000000))
    while :; do
        left=0
        for i in "${!pids[@]}"; do
            alive "${pids[$i]}" "${starts[$i]}" && left=1
        done
        ((left)) || break
        if (($(now_us) > deadline)); then
            for i in "${!pids[@]}"; do
                if alive "${pids[$i]}" "${starts[$i]}"; then
                    say "${names[$i]} (pid ${pids[$i]}) ignored SIGTERM; killing it"
                    kill -KILL "${pids[$i]}" 2>/dev/null || true
                fi
            done
            deadline=$(($(now_us) + 2000000))
            sleep 0.1
            continue
        fi
        sleep 0.02
    done
    # reap them when this shell started them (a failed start)
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" 2>/dev/null || true
    done
    # pid, port and url records and lab.env describe a running lab; logs, data and
    # profiles stay for a post-mortem until the next start, except data kept in memory
    rm -f "$STATE"/run/*.pid "$STATE"/run/*.url "$STATE"/run/*.port "$STATE/lab.env"
    if [[ -f $STATE/run/data-root ]]; then
        local root
        root=$(cat "$STATE/run/data-root")
        [[ $root == /dev/shm/regcompat-lab.* ]] && rm -rf "$root"
        rm -f "$STATE/run/data-root"
    fi
}

cmd_start() {
    local -a names=()
    local n want
    for n in "$@"; do
        [[ " ${REGISTRIES[*]} " == *" $n "* ]] ||
            die "unknown registry '$n' (known: ${REGISTRIES[*]})"
    done
    if (($# == 0)); then
        names=("${REGISTRIES[@]}")
    else
        for want in "${REGISTRIES[@]}"; do # canonical order, no duplicates
            for n in "$@"; do
                if [[ $n == "$want" ]]; then
                    names+=("$want")
                    break
                fi
            done
        done
    fi
    command -v "$REGISTRY_BIN" >/dev/null ||
        die "$REGISTRY_BIN not found (apt install docker-registry)"
    if [[ " ${names[*]} " == *" local-chunked "* ]]; then
        command -v "$NGINX_BIN" >/dev/null || die "$NGINX_BIN not found (apt install nginx)"
    fi
    if [[ " ${names[*]} " == *" local-tls-basic "* ]]; then
        command -v htpasswd >/dev/null || die "htpasswd not found (apt install apache2-utils)"
    fi

    # the path goes into YAML, nginx and shell files: keep it free of quoting trouble
    local bad_chars=$'[\"\\\\$\'\n]'
    [[ ! $STATE =~ $bad_chars ]] ||
        die "the state dir path may not hold quotes, \\, \$ or newlines"
    mkdir -p "$STATE"
    STATE=$(cd "$STATE" && pwd)
    [[ ! $STATE =~ $bad_chars ]] ||
        die "the state dir path may not hold quotes, \\, \$ or newlines"
    if [[ -n $BUILD ]] && [[ -d $BUILD ]]; then
        BUILD=$(cd "$BUILD" && pwd)
    fi

    stop_all # a lab already running in this state dir
    rm -rf "$STATE/conf" "$STATE/data" "$STATE/logs" "$STATE/run" "$STATE/pki" \
        "$STATE/secrets" "$STATE/auth" "$STATE/tokend" "$STATE/nginx" \
        "$STATE/registries.d" "$STATE/lab.env"
    mkdir -p "$STATE/conf" "$STATE/data" "$STATE/logs" "$STATE/run" "$STATE/secrets" \
        "$STATE/registries.d"
    chmod 700 "$STATE/secrets" "$STATE/conf"
    # Registry storage is throwaway: in memory (tmpfs) where there is one, which makes the
    # registries several times faster than on disk; REGCOMPAT_LAB_DATA=disk keeps it in the
    # state dir.
    DATA_ROOT=$STATE/data
    if [[ ${REGCOMPAT_LAB_DATA:-} != disk && -d /dev/shm && -w /dev/shm ]]; then
        DATA_ROOT=$(mktemp -d /dev/shm/regcompat-lab.XXXXXX)
        printf '%s\n' "$DATA_ROOT" >"$STATE/run/data-root"
    fi

    # on any failure, take down what this start brought up
    trap 'rc=$?
        if ((rc != 0)); then
            say "start failed; stopping what was started"
            stop_all
        fi' EXIT

    VERSION=$(registry_version)
    # where each registry keeps its storage (DATA_ROOT/NAME), for tests that look behind the API
    ENV_LINES=("LAB_DATA_ROOT=$DATA_ROOT")
    for n in "${names[@]}"; do
        case $n in
        local-open) start_local_open ;;
        local-tls-basic) start_local_tls_basic ;;
        local-token) start_local_token ;;
        local-nodelete) start_local_nodelete ;;
        local-chunked) start_local_chunked ;;
        local-relative) start_local_relative ;;
        esac
        read_pid "$n"
        ENV_LINES+=("LAB_$(upper_name "$n")_PID=$PID")
    done
    if read_pid local-chunked-backend; then
        ENV_LINES+=("LAB_LOCAL_CHUNKED_BACKEND_PID=$PID")
    fi

    {
        printf '# generated by lab/lab.sh; source it from a shell\n'
        printf 'LAB_STATE=%q\n' "$STATE"
        printf 'LAB_PROFILES_DIR=%q\n' "$STATE/registries.d"
        printf 'LAB_REGISTRIES=%q\n' "${names[*]}"
        local line
        for line in "${ENV_LINES[@]}"; do
            printf '%s=%q\n' "${line%%=*}" "${line#*=}"
        done
    } >"$STATE/lab.env"
    trap - EXIT
    cmd_status
}

cmd_stop() {
    if [[ ! -d $STATE/run ]]; then
        say "no lab in $STATE"
        return 0
    fi
    STATE=$(cd "$STATE" && pwd)
    stop_all
    say "stopped the lab in $STATE"
}

cmd_status() {
    local name url any=0 bad=0 state
    if [[ -d $STATE/run ]]; then
        for name in "${REGISTRIES[@]}" local-chunked-backend tokend; do
            read_pid "$name" || continue
            any=1
            url=$(cat "$STATE/run/$name.url" 2>/dev/null) || url=-
            if alive "$PID" "$PID_START"; then
                state=alive
            else
                state=dead
                bad=1
            fi
            printf '%-22s %-32s %-8s %s\n' "$name" "$url" "$PID" "$state"
        done
    fi
    if ((!any)); then
        say "no lab running in $STATE"
        return 1
    fi
    return "$bad"
}

cmd_pid() {
    (($# == 1)) || die "usage: lab/lab.sh pid NAME [--state DIR]"
    read_pid "$1" || die "no process '$1' recorded in $STATE"
    printf '%s\n' "$PID"
}

main() {
    local cmd=${1:-}
    (($# > 0)) && shift
    local -a args=()
    while (($# > 0)); do
        case $1 in
        --state)
            (($# >= 2)) || die "--state needs a directory"
            STATE=$2
            shift 2
            ;;
        --state=*)
            STATE=${1#--state=}
            shift
            ;;
        --build)
            (($# >= 2)) || die "--build needs a directory"
            BUILD=$2
            shift 2
            ;;
        --build=*)
            BUILD=${1#--build=}
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        -*) die "unknown option '$1'" ;;
        *)
            args+=("$1")
            shift
            ;;
        esac
    done
    [[ -n $STATE ]] || die "--state may not be empty"
    case $cmd in
    start) cmd_start "${args[@]+"${args[@]}"}" ;;
    stop)
        ((${#args[@]} == 0)) || die "stop takes no names"
        cmd_stop
        ;;
    status)
        ((${#args[@]} == 0)) || die "status takes no names"
        cmd_status
        ;;
    pid) cmd_pid "${args[@]+"${args[@]}"}" ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
