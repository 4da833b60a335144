#!/usr/bin/env bash
# lab: main
# A second client reads what regcompat pushed: skopeo copies the policy that policy.push left
# (--keep) into an OCI layout, and the layout holds a kwctl-shaped policy (DESIGN 5.1): no
# manifest mediaType, the wasm config type, one wasm layer starting with \0asm, every blob
# matching its digest, and the manifest digest the registry serves.
. "$(dirname "$0")/lib.sh"

out=$RC_WORK/out
rc_run "$out" --only policy.push --keep -r local-open
expect_exit 0
expect_status "$out/results.json" local-open policy.push pass
[[ $(jq '[.registries[].checks[]] | length' "$out/results.json") == 1 ]] ||
    fail "--only policy.push ran more than one check"

run_id=$(jq -r '.run.id' "$out/results.json")
[[ $run_id =~ ^[A-Za-z0-9._-]+$ ]] || fail "run.id '$run_id' is not a repository path component"
ns=$(sed -nE 's/^namespace: *"?([^"]*)"? *$/\1/p' "$PROFILES/local-open.yaml")
[[ -n $ns ]] || fail "no namespace in the local-open profile"
repo=$ns/$run_id/policy.push
hostport=${LAB_LOCAL_OPEN_URL#*://}
hostport=${hostport%/}
echo "repository: $hostport/$repo"

# skopeo with an explicit accept-anything policy, so the host's policy.json does not matter
policy=$RC_WORK/policy.json
printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$policy"
layout=$RC_WORK/layout
skopeo --policy "$policy" copy --src-tls-verify=false \
    "docker://$hostport/$repo:v1" "oci:$layout:v1" ||
    fail "skopeo copy of $repo:v1 failed"
skopeo --policy "$policy" inspect --tls-verify=false --raw "docker://$hostport/$repo:v1" \
    >"$RC_WORK/raw-manifest.json" || fail "skopeo inspect --raw failed"

blob() { printf '%s/blobs/%s/%s' "$layout" "${1%%:*}" "${1#*:}"; }
check_blob() { # DIGEST SIZE WHAT
    local f
    f=$(blob "$1")
    [[ -f $f ]] || fail "$3: blob $1 missing from the layout"
    [[ $(sha256sum <"$f" | cut -d' ' -f1) == "${1#sha256:}" ]] || fail "$3: sha256 is not $1"
    [[ $(stat -c %s "$f") == "$2" ]] || fail "$3: size $(stat -c %s "$f"), descriptor says $2"
    echo "ok: $3 $1 ($2 bytes) matches its digest"
}

# the manifest: from index.json, by the tag skopeo was given
mdesc=$(jq -c '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v1")]
    | if length == 1 then .[0] else error("not one v1 entry") end' "$layout/index.json") ||
    fail "index.json has no single entry for v1: $(cat "$layout/index.json")"
mdigest=$(jq -r '.digest' <<<"$mdesc")
[[ $mdigest == sha256:* ]] || fail "manifest digest '$mdigest' is not sha256"
check_blob "$mdigest" "$(jq -r '.size' <<<"$mdesc")" manifest
manifest=$(blob "$mdigest")

# what the registry serves is byte for byte what is in the layout
raw_digest=sha256:$(sha256sum <"$RC_WORK/raw-manifest.json" | cut -d' ' -f1)
[[ $raw_digest == "$mdigest" ]] ||
    fail "skopeo inspect --raw digest $raw_digest != layout manifest $mdigest"
served=$(curl -sS -o /dev/null -D - -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "$LAB_LOCAL_OPEN_URL/v2/$repo/manifests/v1" |
    sed -nE 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *([^[:space:]]+).*/\1/p')
[[ $served == "$mdigest" ]] || fail "Docker-Content-Digest '$served' != $mdigest"
echo "ok: manifest digest $mdigest (skopeo --raw, layout and the registry agree)"

# kwctl's shape
jq -e 'has("mediaType") | not' "$manifest" >/dev/null || fail "manifest has a mediaType field"
jq -e 'has("artifactType") | not' "$manifest" >/dev/null || fail "manifest has artifactType"
jq -e 'has("subject") | not' "$manifest" >/dev/null || fail "manifest has a subject"
jq -e '.schemaVersion == 2' "$manifest" >/dev/null || fail "schemaVersion is not 2"
[[ $(jq -r '.config.mediaType' "$manifest") == application/vnd.wasm.config.v1+json ]] ||
    fail "config media type is $(jq -r '.config.mediaType' "$manifest")"
cdigest=$(jq -r '.config.digest' "$manifest")
[[ $cdigest == sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a ]] ||
    fail "config digest $cdigest is not that of {}"
check_blob "$cdigest" "$(jq -r '.config.size' "$manifest")" config
[[ $(cat "$(blob "$cdigest")") == '{}' ]] || fail "config content is not {}"
[[ $(jq '.layers | length' "$manifest") == 1 ]] || fail "not exactly one layer"
wasm_mt=application/vnd.wasm.content.layer.v1+wasm
ldigest=$(jq -r --arg mt "$wasm_mt" '.layers[] | select(.mediaType == $mt) | .digest' "$manifest")
[[ $ldigest == sha256:* ]] || fail "no layer of media type $wasm_mt"
check_blob "$ldigest" "$(jq -r '.layers[0].size' "$manifest")" "wasm layer"
magic=$(head -c 4 "$(blob "$ldigest")" | od -An -tx1 | tr -d ' \n')
[[ $magic == 0061736d ]] || fail "wasm layer starts with $magic, not \\0asm"
echo "ok: the wasm layer starts with the wasm magic (00 61 73 6d)"
grep -qaF 'io.kubewarden.metadata' "$(blob "$ldigest")" ||
    fail "the wasm layer has no io.kubewarden.metadata custom section"
jq -e '.annotations | keys | any(startswith("io.kubewarden."))' "$manifest" >/dev/null ||
    fail "manifest carries no io.kubewarden.* annotations"
echo "ok: skopeo reads a kwctl-shaped policy"
