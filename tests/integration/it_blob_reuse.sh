#!/usr/bin/env bash
# lab: main
# A whole-artifact push leaves out a blob that the same check has already uploaded into the
# same repository (the registry answered 201 with its digest): two referrers share the empty
# config "{}", so the second push sends one upload (POST + PUT) less. The blob is uploaded
# again into another repository and after a delete-blob, and explicit push-blob steps always
# upload. The referrers suite keeps its verdicts on the lab and gets cheaper.
. "$(dirname "$0")/lib.sh"
sdir=$RC_WORK/suites
mkdir -p "$sdir"
cat >"$sdir/reuse.yaml" <<'YAML'
suite: reuse
description: blob reuse within one check
scenarios:
  - id: reuse.shared-config
    feature: Reuse
    title: Two OCI artifacts with the empty config in one repository
    steps:
      - push-artifact: {artifact: oci-artifact, ref: "{repo}:a", size: 1KiB, seed: a, mode: post-put}
      - push-artifact: {artifact: oci-artifact, ref: "{repo}:b", size: 1KiB, seed: b, mode: post-put}
  - id: reuse.distinct-configs
    feature: Reuse
    title: Two images with configs of their own in one repository
    steps:
      - push-artifact: {artifact: oci-image, ref: "{repo}:a", size: 1KiB, seed: a, mode: post-put}
      - push-artifact: {artifact: oci-image, ref: "{repo}:b", size: 1KiB, seed: b, mode: post-put}
  - id: reuse.other-repository
    feature: Reuse
    title: The shared config goes to each repository
    steps:
      - push-artifact: {artifact: oci-artifact, ref: "{repo}:a", size: 1KiB, seed: a, mode: post-put}
      - push-artifact: {artifact: oci-artifact, ref: "{repo2}:b", size: 1KiB, seed: b, mode: post-put}
  - id: reuse.after-delete
    feature: Reuse
    title: A deleted blob is uploaded again
    steps:
      - push-artifact: {artifact: oci-artifact, ref: "{repo}:a", size: 1KiB, seed: a, mode: post-put, save: a}
      - delete-blob: {digest: "{a.config_digest}"}
        expect: {status: 202}
      - push-artifact: {artifact: oci-artifact, ref: "{repo}:b", size: 1KiB, seed: b, mode: post-put}
  - id: reuse.push-blob
    feature: Reuse
    title: Explicit push-blob steps upload every time
    steps:
      - push-blob: {content: "{}", mode: post-put}
      - push-blob: {content: "{}", mode: post-put}
YAML
out=$RC_WORK/reuse
"$RC_BIN" run -v --profiles-dir "$PROFILES" --suites-dir "$sdir" -r local-open -s reuse -o "$out" \
    >"$out.stdout" 2>"$out.stderr" || fail "reuse suite: exit $? ($(cat "$out.stdout"))"
for c in reuse.shared-config reuse.distinct-configs reuse.other-repository reuse.after-delete \
    reuse.push-blob; do
    expect_status "$out/results.json" local-open "$c" pass
done
# uploads started per check, from the log's line per exchange
uploads() {
    grep -cE "\[local-open $1\] POST /v2/[^ ]*/blobs/uploads/ -> 202" "$out/regcompat.log" || true
}
expect_uploads() {
    local n
    n=$(uploads "$1")
    [[ $n == "$2" ]] || fail "$1: $n blob uploads, expected $2 ($3)"
    echo "ok: $1: $n blob uploads ($3)"
}
# Every check passed, so every manifest PUT was accepted: Distribution refuses a manifest whose
# blobs it does not hold (MANIFEST_BLOB_UNKNOWN), so a blob left out was really there.
expect_uploads reuse.shared-config 3 "the config once, two layers"
expect_uploads reuse.distinct-configs 4 "two configs, two layers"
expect_uploads reuse.other-repository 4 "the config into each repository"
expect_uploads reuse.after-delete 4 "the config again after its delete"
expect_uploads reuse.push-blob 2 "push-blob always uploads"
req() {
    jq -r --arg c "$1" '.registries[].checks[] | select(.id == $c) | .requests' "$out/results.json"
}
# and the check's request count falls by the config's POST and PUT (and its cleanup DELETE)
shared=$(req reuse.shared-config) distinct=$(req reuse.distinct-configs)
((shared == distinct - 3)) || fail "shared config: $shared requests, expected $((distinct - 3))"
echo "ok: requests: shared config $shared, distinct configs $distinct"

# the referrers suite keeps the verdicts it had on the lab's Distribution before reuse
ref=$RC_WORK/referrers
rc_run "$ref" -r local-open -s referrers
expect_exit 0
got=$(jq -r '.registries[].checks[] | "\(.id) \(.status)"' "$ref/results.json" | sort)
want="referrers.api.annotations unsupported
referrers.api.config-media-type unsupported
referrers.api.filter unsupported
referrers.api.index unsupported
referrers.api.invalid-digest unsupported
referrers.api.list unsupported
referrers.api.subject-never-pushed unsupported
referrers.api.subject-pushed-later unsupported
referrers.api.unknown-digest unsupported
referrers.api.unknown-repository unsupported
referrers.fallback.empty pass
referrers.fallback.filter pass
referrers.fallback.roundtrip pass
referrers.fallback.sigstore-bundle pass
referrers.fallback.tag-not-subject pass
referrers.fallback.tag-schema pass
referrers.subject.before-push pass
referrers.subject.index pass
referrers.subject.oci-subject unsupported"
[[ $got == "$want" ]] || fail "referrers verdicts changed: $(diff <(echo "$want") <(echo "$got"))"
echo "ok: referrers verdicts unchanged"
