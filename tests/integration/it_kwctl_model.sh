#!/usr/bin/env bash
# lab: fault
# The kwctl client model (docs/kwctl-model.md), rule by rule, through the fault proxy in front
# of a real Distribution: each behaviour below is one where kwctl 1.31 (oci-client 0.15.0,
# policy-fetcher 0.11.0) and a spec-following client part ways. For each, the policy check
# (which runs the model) ends as kwctl's source says kwctl ends, with the reason or note naming
# the kwctl behaviour, and a spec-suite check judging the same answer ends as the spec says,
# unchanged by the model. The same policy checks pass on the rule-free proxy.
. "$(dirname "$0")/lib.sh"
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
sed 's/^limits: .*//' "$FAULT_PROFILE" >"$pdir/fault.yaml"
echo 'limits: {concurrency: 4, request_timeout: 10, retries: 1}' >>"$pdir/fault.yaml"
PROFILES=$pdir
# the same pushes and pulls through the spec path (no `client:`), beside the model
cp -r "$SUITES" "$RC_WORK/suites"
SUITES=$RC_WORK/suites
cat >"$SUITES/kwspec.yaml" <<'YAML'
suite: kwspec
description: the policy pushes and pulls through the spec path, to compare with the kwctl model
scenarios:
  - id: kwspec.push
    feature: Policy push (spec client)
    title: policy.push through the spec path
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1"}
  - id: kwspec.pull.by-digest
    feature: Policy pull (spec client)
    title: policy.pull.by-digest through the spec path
    setup:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:v1", save: pushed}
    steps:
      - pull-artifact: {ref: "{repo}@{pushed.digest}", accept: kwctl, expect_artifact: pushed}
  - id: kwspec.large
    feature: Policy push (spec client)
    title: policy.large through the spec path
    steps:
      - push-artifact: {artifact: kubewarden-policy, ref: "{repo}:large", size: 9MiB, save: big}
      - pull-artifact: {ref: "{repo}@{big.digest}", accept: kwctl, expect_artifact: big}
YAML

set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# case_run NAME ONLY-GLOBS RULE...: one run of the named checks under the rules
case_run() {
    local name=$1 only=$2
    shift 2
    set_rules "$@"
    local args=()
    for o in $only; do args+=(--only "$o"); done
    rc_run "$RC_WORK/$name" -r fault "${args[@]}"
    R=$RC_WORK/$name/results.json
    [[ -f $R ]] || fail "$name: no results ($(cat "$RC_WORK/$name.stderr"))"
}

field() { jq -r --arg c "$1" ".registries[0].checks[] | select(.id == \$c) | $2" "$R"; }

# expect CHECK STATUS [TEXT]: TEXT is in the reason, or (for a pass) in a deviation
n=0
expect() {
    local got text
    got=$(field "$1" .status)
    text=$(field "$1" '[.reason // "", (.deviations // [] | .[].text), .note // ""] | join(" | ")')
    [[ $got == "$2" ]] || fail "$1: status '$got', expected '$2' ($text)"
    if [[ -n ${3:-} && $text != *"$3"* ]]; then
        fail "$1: '$text' does not say '$3'"
    fi
    n=$((n + 1))
    echo "ok: $1 is $2${3:+ ($3)}"
}

# verdict TEXT: the terminal's Kubewarden line for the fault registry starts with TEXT
verdict() {
    grep -qE "^  fault +kwctl: $1" "$RC_WORK/$CASE.stdout" ||
        fail "$CASE: no 'kwctl: $1' line in the terminal: $(grep 'kwctl:' "$RC_WORK/$CASE.stdout")"
    echo "ok: $CASE: kwctl: $1"
}

POLICY="policy.push policy.pull.by-digest policy.large"

# No rule: the model passes plainly, and the verdict is "works".
CASE=clean
case_run $CASE "$POLICY"
for c in $POLICY; do expect "$c" pass; done
[[ $(jq '[.registries[0].checks[] | .deviations // [] | length] | add' "$R") == 0 ]] ||
    fail "clean: deviations on a registry that needs none"
verdict 'works$'

# 4 MiB PATCH chunks, no smaller-chunk fallback after 413 (oci-client push_chunk,
# PUSH_CHUNK_MAX_SIZE; extract_location_header: a non-2xx is a ServerError). The spec path
# goes through in smaller chunks, marked as a fallback.
CASE=patch-413
case_run $CASE "policy.large kwspec.large" patch-413=1048576
expect policy.large fail "kwctl sends PATCH chunks of up to 4 MiB and never smaller ones after a 413"
expect kwspec.large pass "413"
[[ $(field kwspec.large .fallback) == true ]] || fail "kwspec.large is not marked as a fallback"
verdict 'fails: kwctl sends PATCH chunks of up to 4 MiB'

# Another 2xx on a PATCH: kwctl restarts the blob monolithically (push_blob's
# SpecViolationError fallback) and works; the spec suites fail on the stale Range.
CASE=patch-201
case_run $CASE "policy.large push.chunked.range-header" patch-201
expect policy.large pass "kwctl restarts the blob as one monolithic upload"
expect push.chunked.range-header fail
verdict 'works with notes: .*monolithic upload'

# Manifest PUT 201 without Location: kwctl builds the URL from the sha256 of the body
# (push_manifest_raw); the spec requires Location.
CASE=no-location
case_run $CASE "policy.push kwspec.push manifests.put.location" no-location
expect policy.push pass "kwctl builds the manifest URL from the sha256"
expect kwspec.push pass
expect manifests.put.location fail
verdict 'works with notes: .*manifest PUT answered 201 without Location'

# A path-relative upload Location: kwctl uses it verbatim (location_header_to_url) and has no
# URL for its next request; RFC 3986 resolves it, and the spec path uploads.
CASE=path-relative-location
case_run $CASE "policy.push kwspec.push" path-relative-location
expect policy.push fail "a path-relative Location breaks kwctl"
expect kwspec.push pass
verdict 'fails: .*path-relative Location breaks kwctl'

# A manifest Location naming the tag: kwctl takes the digest from its last path segment
# (build_immutable_ref) and fails after the upload; the spec only asks for a Location.
CASE=manifest-location-tag
case_run $CASE "policy.push kwspec.push" manifest-location-tag
expect policy.push fail "BuildImmutableReferenceError"
expect kwspec.push pass
verdict 'fails: .*BuildImmutableReferenceError'

# No Docker-Content-Digest: kwctl computes the digest (digest.rs validate_digest); the spec
# requires the header.
CASE=no-digest-header
case_run $CASE "policy.pull.by-digest kwspec.pull.by-digest pull.manifest.get.by-digest" no-digest-header
expect policy.pull.by-digest pass "kwctl computes the digest from the body"
expect kwspec.pull.by-digest fail "Docker-Content-Digest"
expect pull.manifest.get.by-digest fail
verdict 'works with notes: .*manifest GET sent no Docker-Content-Digest'

# A Docker Content-Type on the policy's manifest: kwctl ignores Content-Type; the spec wants
# the manifest's own type.
CASE=manifest-ctype-docker
case_run $CASE "policy.pull.by-digest kwspec.pull.by-digest" manifest-ctype-docker
expect policy.pull.by-digest pass "kwctl ignores it"
expect kwspec.pull.by-digest fail "Content-Type"
verdict 'works with notes: .*manifest GET answered Content-Type'

# kwctl sends its manifest Accept list on blob GETs (pull_blob_response); a registry that
# refuses that with 406 breaks kwctl, while the spec path's blob GET is served.
CASE=blob-accept-406
case_run $CASE "policy.pull.by-digest kwspec.pull.by-digest pull.blob.get" blob-accept-406
expect policy.pull.by-digest fail "kwctl's GET of blob"
expect kwspec.pull.by-digest pass
expect pull.blob.get pass
verdict 'fails: .*406'

# Only 200 on the manifest GET (_pull_manifest_raw -> validate_registry_response): a 203
# is a SpecViolationError for kwctl.
CASE=manifest-get-203
case_run $CASE "policy.pull.by-digest" "respond=GET */manifests/sha256:* 203 ctype=application/vnd.oci.image.manifest.v1+json body=index-nonindex"
expect policy.pull.by-digest fail "kwctl accepts only 200"


# skopeo as a real client: with the manifest served under the Docker v2 type, kwctl works
# (it ignores Content-Type) but skopeo reads the OCI body as a Docker manifest and cannot copy
# the policy back with its digest preserved: the tools suite fails where the policy pulls pass.
CASE=skopeo-ctype
case_run $CASE "policy.pull.by-digest tools.skopeo.policy" manifest-ctype-docker
expect policy.pull.by-digest pass "kwctl ignores it"
expect tools.skopeo.policy fail "skopeo"

set_rules
echo "$n expectations held"
