#!/usr/bin/env bash
# lab: fault
# The fault proxy's rules for the verdict-engine tests, each shown with curl against the
# proxy in front of a real Distribution: respond= (every key, count= and nth=, several
# lines in turn, the control API refusing a bad SPEC), reset-on=, errors-text-plain,
# put-no-digest-closes, mediatype-allowlist and layer-allowlist. Each rule is shown acting
# where it matches and passing the request through where it does not.
. "$(dirname "$0")/lib.sh"
: "${FAULT_URL:?}" "${FAULT_CONTROL_URL:?}"

REPO=regcompat/fprules
V2=$FAULT_URL/v2/$REPO
BD=$RC_WORK/body
HD=$RC_WORK/headers
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
OCI_INDEX=application/vnd.oci.image.index.v1+json

set_rules() {
    printf '%s\n' "$@" | curl -sS -o "$RC_WORK/rules.out" -w '%{http_code}' -X PUT \
        --data-binary @- "$FAULT_CONTROL_URL/rules" >"$RC_WORK/rules.code"
    [[ $(cat "$RC_WORK/rules.code") == 200 ]] ||
        fail "the proxy refused rules $*: $(cat "$RC_WORK/rules.out")"
}

# req METHOD URL [CURL-ARGS]... : $ST the status, $CX curl's exit code, body in $BD,
# headers in $HD. No Accept header: nothing here is about negotiation.
req() {
    local m=$1 u=$2
    shift 2
    local -a how=(-X "$m")
    [[ $m == HEAD ]] && how=(-I)
    : >"$BD"
    : >"$HD"
    set +e
    ST=$(curl -s -H 'Accept:' -o "$BD" -D "$HD" -w '%{http_code}' "${how[@]}" "$@" "$u")
    CX=$?
    set -e
}

# hdr NAME : the value of the last NAME header of the last answer
hdr() {
    tr -d '\r' <"$HD" | awk -v n="$1" 'BEGIN { n = tolower(n) }
        { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) v = substr($0, i + 2) }
        END { print v }'
}

expect() {
    [[ $CX == 0 ]] || fail "$2: curl exit $CX, expected an answer"
    [[ $ST == "$1" ]] || fail "$2: status $ST, expected $1 ($(head -c 300 "$BD"))"
    echo "ok: $2 -> $1"
}

expect_reset() {
    # 56: the connection was reset (RST) before any answer; 52 would be a polite close
    [[ $CX == 56 ]] || fail "$1: curl exit $CX (status $ST), expected 56 (connection reset)"
    echo "ok: $1 -> connection reset"
}

expect_hdr() {
    local got
    got=$(hdr "$1")
    [[ $got == "$2" ]] || fail "$3: $1 '$got', expected '$2'"
}

# expect_code CODE WHAT : the body is a JSON error envelope whose first code is CODE
expect_code() {
    jq -e --arg c "$1" '.errors[0].code == $c and (.errors[0].message | type) == "string"' \
        "$BD" >/dev/null || fail "$2: body is not an error envelope with $1: $(head -c 300 "$BD")"
}

hits() {
    curl -sS "$FAULT_CONTROL_URL/stats" | jq -r --arg r "$1" '.hits[$r] // 0'
}

sha() { printf 'sha256:%s' "$(sha256sum "$1" | cut -c1-64)"; }

# push_blob FILE : uploads FILE into $REPO (POST, then PUT with digest)
push_blob() {
    local d
    d=$(sha "$1")
    req POST "$V2/blobs/uploads/"
    expect 202 "upload POST for $1"
    req PUT "$(hdr Location)&digest=$d" -H 'Content-Type: application/octet-stream' \
        --data-binary "@$1"
    expect 201 "upload PUT for $1"
}

# start_upload : $LOC is the Location of a new upload session
start_upload() {
    req POST "$V2/blobs/uploads/"
    expect 202 "upload POST"
    LOC=$(hdr Location)
    [[ $LOC == *"/blobs/uploads/"* ]] || fail "upload POST: Location '$LOC'"
}

printf '{}' >"$RC_WORK/config"
printf 'a layer of the fault proxy rule test\n' >"$RC_WORK/layer"
CFG=$(sha "$RC_WORK/config")
LAYER=$(sha "$RC_WORK/layer")
LAYER_SIZE=$(stat -c %s "$RC_WORK/layer")

# manifest MEDIATYPE CONFIGTYPE ARTIFACTTYPE LAYERTYPE... : prints a manifest ("" for no
# artifactType); every layer is the same blob
manifest() {
    jq -cn --arg mt "$1" --arg ct "$2" --arg at "$3" --arg cd "$CFG" --arg ld "$LAYER" \
        --argjson ls "$LAYER_SIZE" '
        {schemaVersion: 2, mediaType: $mt, config: {mediaType: $ct, digest: $cd, size: 2},
         layers: [$ARGS.positional[] | {mediaType: ., digest: $ld, size: $ls}]}
        + (if $at == "" then {} else {artifactType: $at} end)' --args "${@:4}"
}

# put_manifest REF MEDIATYPE BODY
put_manifest() {
    req PUT "$V2/manifests/$1" -H "Content-Type: $2" --data-binary "$3"
}

IMAGE=$(manifest $OCI_MANIFEST application/vnd.oci.image.config.v1+json "" \
    application/vnd.oci.image.layer.v1.tar+gzip)

set_rules # none
push_blob "$RC_WORK/config"
push_blob "$RC_WORK/layer"
put_manifest base $OCI_MANIFEST "$IMAGE"
expect 201 "manifest PUT without rules"
IMAGE_DIGEST=$(hdr Docker-Content-Digest)

echo "== the control API refuses a bad SPEC with a message and keeps the set"
set_rules 'respond=GET */referrers/* 405'
bad_spec() {
    local code
    code=$(printf '%s\n' "$1" | curl -sS -o "$RC_WORK/bad.out" -w '%{http_code}' -X PUT \
        --data-binary @- "$FAULT_CONTROL_URL/rules")
    [[ $code == 400 ]] || fail "'$1': PUT /_fault/rules answered $code, expected 400"
    grep -qiE -- "$2" "$RC_WORK/bad.out" ||
        fail "'$1': message '$(cat "$RC_WORK/bad.out")' does not match /$2/"
    echo "ok: '$1' -> 400 $(cat "$RC_WORK/bad.out")"
}
bad_spec 'respond' 'needs an argument'
bad_spec 'respond=GET' 'METHOD PATHGLOB STATUS'
bad_spec 'respond=GET */referrers/*' 'METHOD PATHGLOB STATUS'
bad_spec 'respond=get */referrers/* 405' 'METHOD'
bad_spec 'respond=GET referrers 405' 'PATHGLOB'
bad_spec 'respond=GET */referrers/* 99' 'STATUS'
bad_spec 'respond=GET */referrers/* 600' 'STATUS'
bad_spec 'respond=GET */referrers/* 405 colour=red' 'colour=red'
bad_spec 'respond=GET */referrers/* 405 count=x' 'count='
bad_spec 'respond=GET */referrers/* 405 count=0' 'count='
bad_spec 'respond=GET */referrers/* 405 count=1 count=2' 'twice'
bad_spec 'respond=GET */referrers/* 405 count=1 nth=2' 'do not go together'
bad_spec 'respond=GET */referrers/* 405 body=xml' 'body='
bad_spec 'respond=GET */referrers/* 405 body=json-error' 'needs code'
bad_spec 'respond=GET */referrers/* 405 code=lower' 'code='
bad_spec 'respond=GET */referrers/* 405 code=UNSUPPORTED body=html' 'json-error only'
bad_spec 'respond=PUT */manifests/* 0 code=MANIFEST_INVALID' 'STATUS 0'
bad_spec 'reset-on=PUT */manifests/* 400' 'count=K or nth=K'
bad_spec 'reset-on=PUT' 'METHOD PATHGLOB'
bad_spec 'errors-text-plain=1' 'takes no argument'
[[ $(curl -sS "$FAULT_CONTROL_URL/rules") == 'respond=GET */referrers/* 405' ]] ||
    fail "a refused rule set changed the active one: $(curl -sS "$FAULT_CONTROL_URL/rules")"
echo "ok: the active set is unchanged"

echo "== several lines of a rule with an argument, listed back as given"
set_rules 'respond=GET */referrers/* 405' \
    'respond=PUT */manifests/*   400   code=MANIFEST_INVALID count=1' \
    'reset-on=DELETE */blobs/* nth=3' errors-text-plain
curl -sS "$FAULT_CONTROL_URL/rules" >"$RC_WORK/listed"
printf '%s\n' 'reset-on=DELETE */blobs/* nth=3' 'respond=GET */referrers/* 405' \
    'respond=PUT */manifests/* 400 code=MANIFEST_INVALID count=1' errors-text-plain |
    diff -u - "$RC_WORK/listed" || fail "GET /_fault/rules does not list the lines"
curl -sS "$FAULT_CONTROL_URL/stats" | jq -e '.rules | index("respond=GET */referrers/* 405") and
    index("respond=PUT */manifests/* 400 code=MANIFEST_INVALID count=1")' >/dev/null ||
    fail "/_fault/stats does not list both respond lines"
echo "ok: rules and stats list every line"
# what GET /_fault/rules lists is a valid rule set itself
mapfile -t listed <"$RC_WORK/listed"
set_rules "${listed[@]}"
diff -u "$RC_WORK/listed" <(curl -sS "$FAULT_CONTROL_URL/rules") || fail "the listing does not round-trip"
echo "ok: the listing round-trips"

echo "== respond: status, method and path must match; other requests pass"
set_rules 'respond=GET */referrers/* 405'
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 405 "GET referrers under respond=GET */referrers/* 405"
[[ ! -s $BD ]] || fail "405 without keys has a body: $(cat "$BD")"
req HEAD "$V2/referrers/$IMAGE_DIGEST"
expect 404 "HEAD referrers (another method) goes to Distribution"
req GET "$V2/manifests/base" -H "Accept: $OCI_MANIFEST"
expect 200 "GET manifest (another path) passes"
req GET "$FAULT_URL/v2/"
expect 200 "GET /v2/ passes"

echo "== respond: bodies and Content-Types"
set_rules 'respond=GET */referrers/* 200 ctype=text/html body=html'
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 200 "referrers as an HTML page"
expect_hdr Content-Type text/html "HTML referrers"
grep -q '<html' "$BD" || fail "body=html is no HTML page: $(cat "$BD")"

set_rules "respond=GET */referrers/* 200 ctype=$OCI_INDEX body=index-nonindex"
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 200 "referrers as a JSON body that is no index"
expect_hdr Content-Type "$OCI_INDEX" "non-index referrers"
jq -e --arg i "$OCI_INDEX" 'type == "object" and (has("manifests") | not) and .mediaType != $i' \
    "$BD" >/dev/null || fail "body=index-nonindex is not JSON without an index: $(cat "$BD")"

set_rules 'respond=GET */referrers/* 405 body=text'
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 405 "referrers with body=text"
expect_hdr Content-Type 'text/plain; charset=utf-8' "body=text"
[[ -s $BD ]] || fail "body=text is empty"

set_rules 'respond=GET */referrers/* 302 location=/login body=html'
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 302 "referrers redirected"
expect_hdr Location /login "location="

set_rules 'respond=GET */blobs/uploads/* 404 code=BLOB_UPLOAD_UNKNOWN' \
    'respond=DELETE */blobs/uploads/* 405 code=UNSUPPORTED ctype=application/problem+json'
start_upload
req GET "$LOC"
expect 404 "upload status under code=BLOB_UPLOAD_UNKNOWN"
expect_code BLOB_UPLOAD_UNKNOWN "upload status"
expect_hdr Content-Type 'application/json; charset=utf-8' "code= without ctype="
req DELETE "$LOC"
expect 405 "upload cancel under code=UNSUPPORTED"
expect_code UNSUPPORTED "upload cancel"
expect_hdr Content-Type application/problem+json "ctype= with code="

echo "== respond: count= acts on the first K matches, then passes"
set_rules 'respond=PUT */manifests/* 400 code=MANIFEST_INVALID count=2'
req GET "$V2/manifests/base" -H "Accept: $OCI_MANIFEST"
expect 200 "a GET does not match and is not counted"
put_manifest count1 $OCI_MANIFEST "$IMAGE"
expect 400 "manifest PUT 1 of count=2"
expect_code MANIFEST_INVALID "manifest PUT 1"
put_manifest count2 $OCI_MANIFEST "$IMAGE"
expect 400 "manifest PUT 2 of count=2"
put_manifest count3 $OCI_MANIFEST "$IMAGE"
expect 201 "manifest PUT 3 passes after count=2"
req GET "$V2/manifests/count1" -H "Accept: $OCI_MANIFEST"
expect 404 "the refused PUT did not reach Distribution"
set_rules 'respond=PUT */manifests/* 400 code=MANIFEST_INVALID count=2'
put_manifest count4 $OCI_MANIFEST "$IMAGE"
expect 400 "PUT /_fault/rules restarts count="

echo "== respond: a refusal reads the body; the connection stays open"
set_rules 'respond=PUT */manifests/* 400 code=MANIFEST_INVALID count=1'
printf '%s' "$IMAGE" >"$RC_WORK/image.json"
curl -s -H 'Accept:' -H "Content-Type: $OCI_MANIFEST" -X PUT --data-binary "@$RC_WORK/image.json" \
    -o /dev/null -w '%{http_code} %{num_connects}\n' "$V2/manifests/ka1" \
    --next -H 'Accept:' -H "Content-Type: $OCI_MANIFEST" -X PUT \
    --data-binary "@$RC_WORK/image.json" -o /dev/null -w '%{http_code} %{num_connects}\n' \
    "$V2/manifests/ka2" >"$RC_WORK/keepalive"
[[ $(cat "$RC_WORK/keepalive") == $'400 1\n201 0' ]] ||
    fail "two PUTs on one connection: '$(cat "$RC_WORK/keepalive")', expected 400 on a new connection, then 201 on the same"
echo "ok: 400 then 201 on the same connection"

echo "== respond: 429 with Retry-After on an upload PUT, then the PUT goes through"
set_rules 'respond=PUT */blobs/uploads/* 429 code=TOOMANYREQUESTS retry-after=0 count=1'
start_upload
req PUT "$LOC&digest=$LAYER" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$RC_WORK/layer"
expect 429 "upload PUT 1"
expect_hdr Retry-After 0 "retry-after=0"
expect_code TOOMANYREQUESTS "upload PUT 1"
req PUT "$LOC&digest=$LAYER" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$RC_WORK/layer"
expect 201 "the same upload PUT again"

echo "== respond: nth= acts on the K-th match only; STATUS 0 resets"
set_rules 'respond=PUT */manifests/* 0 nth=2'
put_manifest nth1 $OCI_MANIFEST "$IMAGE"
expect 201 "manifest PUT 1 of nth=2"
put_manifest nth2 $OCI_MANIFEST "$IMAGE"
expect_reset "manifest PUT 2 of nth=2"
put_manifest nth3 $OCI_MANIFEST "$IMAGE"
expect 201 "manifest PUT 3 of nth=2"

echo "== respond: lines answer in the order given, each counting what reaches it"
set_rules 'respond=GET /v2/ 503 code=UNAVAILABLE count=1' 'respond=* /v2/ 502 body=text count=1'
req GET "$FAULT_URL/v2/"
expect 503 "GET /v2/ 1: the first line"
expect_code UNAVAILABLE "GET /v2/ 1"
req GET "$FAULT_URL/v2/"
expect 502 "GET /v2/ 2: the first line is spent, the second acts"
req GET "$FAULT_URL/v2/"
expect 200 "GET /v2/ 3: both spent, Distribution answers"
set_rules 'respond=GET /v2/ 500 code=UNKNOWN nth=1'
req GET "$FAULT_URL/v2/"
expect 500 "GET /v2/ 1 under nth=1"
req GET "$FAULT_URL/v2/"
expect 200 "GET /v2/ 2 under nth=1"
set_rules 'respond=* */tags/list 500 code=UNKNOWN'
req GET "$V2/tags/list"
expect 500 "METHOD * matches GET"
req HEAD "$V2/tags/list"
expect 500 "METHOD * matches HEAD"

echo "== reset-on: every matching request is reset, others pass"
set_rules 'reset-on=PUT */manifests/*'
put_manifest reset1 $OCI_MANIFEST "$IMAGE"
expect_reset "manifest PUT 1 under reset-on"
put_manifest reset2 $OCI_MANIFEST "$IMAGE"
expect_reset "manifest PUT 2 under reset-on"
req GET "$V2/manifests/base" -H "Accept: $OCI_MANIFEST"
expect 200 "GET manifest under reset-on=PUT"
push_blob "$RC_WORK/layer"

echo "== errors-text-plain: JSON error envelopes of 4xx answers are labelled text/plain"
set_rules
req GET "$V2/manifests/missing" -H "Accept: $OCI_MANIFEST"
expect 404 "missing manifest without the rule"
expect_hdr Content-Type 'application/json; charset=utf-8' "Distribution's own error"
set_rules errors-text-plain 'respond=GET */referrers/* 404 body=html' \
    'respond=GET */blobs/uploads/* 400 code=BLOB_UPLOAD_INVALID'
req GET "$V2/manifests/missing" -H "Accept: $OCI_MANIFEST"
expect 404 "missing manifest with errors-text-plain"
expect_hdr Content-Type 'text/plain; charset=utf-8' "upstream error envelope"
expect_code MANIFEST_UNKNOWN "upstream error envelope"
start_upload
req GET "$LOC"
expect 400 "a rule's own error envelope"
expect_hdr Content-Type 'text/plain; charset=utf-8' "a rule's error envelope"
expect_code BLOB_UPLOAD_INVALID "a rule's error envelope"
req GET "$V2/referrers/$IMAGE_DIGEST"
expect 404 "a 404 HTML page"
expect_hdr Content-Type 'text/html; charset=utf-8' "a 4xx body that is no envelope"
req GET "$FAULT_URL/v2/"
expect 200 "GET /v2/"
expect_hdr Content-Type 'application/json; charset=utf-8' "a 200 JSON answer"

echo "== put-no-digest-closes: a PUT without digest closes the session"
set_rules
start_upload
req PUT "$LOC" -H 'Content-Type: application/octet-stream' --data-binary "@$RC_WORK/layer"
expect 400 "Distribution: PUT without digest"
req GET "$LOC"
expect 204 "Distribution keeps that session open"
set_rules put-no-digest-closes
start_upload
req PUT "$LOC" -H 'Content-Type: application/octet-stream' --data-binary "@$RC_WORK/layer"
expect 400 "PUT without digest"
expect_code DIGEST_INVALID "PUT without digest"
req GET "$LOC"
expect 404 "status of the closed session"
expect_code BLOB_UPLOAD_UNKNOWN "status of the closed session"
req PATCH "$LOC" -H 'Content-Type: application/octet-stream' --data-binary "@$RC_WORK/layer"
expect 404 "PATCH to the closed session"
req PUT "$LOC&digest=$LAYER" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$RC_WORK/layer"
expect 404 "PUT with digest to the closed session"
expect_code BLOB_UPLOAD_UNKNOWN "PUT with digest to the closed session"
start_upload
req PUT "$LOC&digest=$LAYER" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$RC_WORK/layer"
expect 201 "another session with a digest passes"

echo "== mediatype-allowlist: standard config types only"
set_rules mediatype-allowlist
allowed_config() {
    put_manifest "$1" "$2" "$3"
    expect 201 "$4"
}
refused_config() {
    put_manifest "$1" $OCI_MANIFEST "$2"
    expect 400 "$3"
    expect_code MANIFEST_INVALID "$3"
    jq -e --arg t "$4" '.errors[0].detail == "unknown media type: \($t)"' "$BD" >/dev/null ||
        fail "$3: detail is not 'unknown media type: $4': $(cat "$BD")"
}
allowed_config mt-image $OCI_MANIFEST "$IMAGE" "OCI image config"
allowed_config mt-docker $DOCKER_MANIFEST "$(manifest $DOCKER_MANIFEST \
    application/vnd.docker.container.image.v1+json "" \
    application/vnd.docker.image.rootfs.diff.tar.gzip)" "Docker image config"
allowed_config mt-empty $OCI_MANIFEST "$(manifest $OCI_MANIFEST \
    application/vnd.oci.empty.v1+json "" application/vnd.oci.image.layer.v1.tar)" \
    "empty config without artifactType"
refused_config mt-artifact "$(manifest $OCI_MANIFEST application/vnd.oci.empty.v1+json \
    application/vnd.example.thing.v1 application/vnd.oci.image.layer.v1.tar)" \
    "custom artifactType" application/vnd.example.thing.v1
refused_config mt-custom "$(manifest $OCI_MANIFEST application/vnd.example.config.v1+json "" \
    application/vnd.oci.image.layer.v1.tar)" "custom config type" \
    application/vnd.example.config.v1+json
refused_config mt-wasm1 "$(manifest $OCI_MANIFEST application/vnd.wasm.config.v1+json "" \
    application/vnd.oci.image.layer.v1.tar)" "wasm config v1" application/vnd.wasm.config.v1+json
refused_config mt-wasm0 "$(manifest $OCI_MANIFEST application/vnd.wasm.config.v0+json "" \
    application/vnd.oci.image.layer.v1.tar)" "wasm config v0" application/vnd.wasm.config.v0+json

echo "== layer-allowlist: standard layer types only"
set_rules layer-allowlist
put_manifest ly-oci $OCI_MANIFEST "$(manifest $OCI_MANIFEST \
    application/vnd.oci.image.config.v1+json "" application/vnd.oci.image.layer.v1.tar \
    application/vnd.oci.image.layer.v1.tar+gzip application/vnd.oci.image.layer.v1.tar+zstd)"
expect 201 "OCI tar, tar+gzip and tar+zstd layers"
put_manifest ly-docker $DOCKER_MANIFEST "$(manifest $DOCKER_MANIFEST \
    application/vnd.docker.container.image.v1+json "" \
    application/vnd.docker.image.rootfs.diff.tar.gzip)"
expect 201 "Docker rootfs diff layer"
put_manifest ly-nondist $OCI_MANIFEST "$(manifest $OCI_MANIFEST \
    application/vnd.oci.image.config.v1+json "" \
    application/vnd.oci.image.layer.nondistributable.v1.tar \
    application/vnd.oci.image.layer.nondistributable.v1.tar+gzip \
    application/vnd.oci.image.layer.nondistributable.v1.tar+zstd)"
expect 201 "OCI non-distributable tar, tar+gzip and tar+zstd layers"
# Distribution answers a Docker foreign layer without allowed URLs with 500: the rule must
# leave it to Distribution (no refusal of the rule's own)
before=$(hits layer-allowlist)
put_manifest ly-foreign $DOCKER_MANIFEST "$(manifest $DOCKER_MANIFEST \
    application/vnd.docker.container.image.v1+json "" \
    application/vnd.docker.image.rootfs.foreign.diff.tar.gzip)"
! grep -q 'unknown media type' "$BD" || fail "layer-allowlist refused the Docker foreign layer"
[[ $(hits layer-allowlist) == "$before" ]] || fail "layer-allowlist acted on the foreign layer"
echo "ok: the Docker foreign layer is left to Distribution ($ST)"
refused_layer() {
    put_manifest ly-bad $OCI_MANIFEST "$(manifest $OCI_MANIFEST \
        application/vnd.oci.image.config.v1+json "" "$@")"
    expect 400 "layers $*"
    expect_code MANIFEST_INVALID "layers $*"
    jq -e --arg t "${*: -1}" '.errors[0].detail == "unknown media type: \($t)"' "$BD" \
        >/dev/null || fail "layers $*: detail is not 'unknown media type: ${*: -1}': $(cat "$BD")"
}
refused_layer application/vnd.example.layer.v1+tar
refused_layer application/vnd.oci.image.layer.v1.tar application/vnd.wasm.content.layer.v1+wasm
refused_layer application/vnd.oci.empty.v1+json
# the config type is mediatype-allowlist's business, not this rule's
put_manifest ly-cfg $OCI_MANIFEST "$(manifest $OCI_MANIFEST application/vnd.example.config.v1+json \
    "" application/vnd.oci.image.layer.v1.tar)"
expect 201 "a custom config type with a standard layer"

echo "== --help lists the new rules"
help=$("$RC_BUILD/tests/fixtures/faultproxy/regcompat-faultproxy" --help)
for r in 'respond=SPEC' 'reset-on=SPEC' errors-text-plain put-no-digest-closes layer-allowlist \
    mediatype-allowlist; do
    grep -qF -- "  $r " <<<"$help" || fail "--help does not list $r"
done
echo "ok: --help lists them"
set_rules
curl -s -o /dev/null -X DELETE "$FAULT_CONTROL_URL/state"
