#!/usr/bin/env bash
# lab: fault
# Signed policies (issue 10) through the fault proxy in front of a real Distribution 2.8.2.
# Without rules every signature check passes (the bundle through the tag fallback, with a
# note; deleting the policy leaves an orphaned .sig, a note). Each signature quirk then makes
# the check fail for its own reason, and the reason says which one: a refused simple-signing
# type, a refused subject, a .sig tag answered with another manifest, dropped layer
# annotations, and a corrupted signature, whose fail names the signature layer's digest. The
# matrix puts the two signature columns right after the policy columns.
. "$(dirname "$0")/lib.sh"
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
sed 's/^limits: .*//' "$FAULT_PROFILE" >"$pdir/fault.yaml"
echo 'limits: {concurrency: 6, request_timeout: 10, retries: 1}' >>"$pdir/fault.yaml"
PROFILES=$pdir

set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# field DIR CHECK JQ-FIELD
field() {
    jq -r --arg c "$2" ".registries[0].checks[] | select(.id == \$c) | $3 // \"\"" \
        "$1/results.json"
}

# expect DIR CHECK STATUS [REASON-REGEX]
expect() {
    local st reason
    st=$(field "$1" "$2" .status)
    reason=$(field "$1" "$2" .reason)
    [[ $st == "$3" ]] || fail "$(basename "$1"): $2 is $st, expected $3 ($reason)"
    if [[ -n ${4:-} ]]; then
        grep -Eq -- "$4" <<<"$reason" ||
            fail "$(basename "$1"): $2 reason does not match /$4/: $reason"
    fi
    echo "ok: $(basename "$1"): $2 $st${4:+ (/$4/)}"
}

run_case() {
    local name=$1
    shift
    set_rules "$@"
    rc_run "$RC_WORK/$name" -r fault -s policy -s signatures ${SUITES_EXTRA:-}
    [[ -f $RC_WORK/$name/results.json ]] || fail "$name: no results"
}

SUITES_EXTRA="-s pull" run_case clean
# the signature columns stand right after the policy columns, though the pull suite's file
# sorts between the two suites
grep -q '| Policy pull (non-OCI client) | Signatures (cosign) | Signatures (Sigstore bundle) | Ping |' \
    "$RC_WORK/clean/matrix.md" || fail "the signature columns do not follow the policy columns: $(grep -m1 '^| Registry' "$RC_WORK/clean/matrix.md")"
for c in signatures.cosign.verify signatures.cosign.two-signatures signatures.cosign.retag \
    signatures.cosign.delete signatures.cncf-wasm; do
    expect "$RC_WORK/clean" "$c" pass
done
expect "$RC_WORK/clean" signatures.bundle.verify pass
[[ $(field "$RC_WORK/clean" signatures.bundle.verify .fallback) == true ]] ||
    fail "the bundle passed without the fallback marker on a registry without a referrers API"
field "$RC_WORK/clean" signatures.bundle.verify .note | grep -q 'found through the tag schema' ||
    fail "the bundle's fallback is not named in its note"
field "$RC_WORK/clean" signatures.cosign.delete .note | grep -q 'left its signature behind' ||
    fail "the orphaned .sig after the delete is not reported"
# the verifier read what kwctl reads: the .sig manifest, its config and layer, the policy
jq -r '.registries[0].checks[] | select(.id == "signatures.cosign.verify") | .requests' \
    "$RC_WORK/clean/results.json" | grep -qE '^[0-9]+$' || fail "no request count"

run_case simplesigning simplesigning-400
expect "$RC_WORK/simplesigning" signatures.cosign.verify fail \
    'signature manifest PUT answered 400 MANIFEST_INVALID'
expect "$RC_WORK/simplesigning" signatures.bundle.verify pass

run_case subject subject-400
expect "$RC_WORK/subject" signatures.bundle.verify fail \
    'referrer manifest PUT answered 400 MANIFEST_INVALID'
expect "$RC_WORK/subject" signatures.cosign.verify pass

run_case sigtag sig-tag-to-subject
expect "$RC_WORK/sigtag" signatures.cosign.verify fail \
    'sha256-[0-9a-f]{64}\.sig: layer sha256:[0-9a-f]{64} has media type application/vnd\.wasm\.content\.layer\.v1\+wasm'

run_case strip strip-layer-annotations
expect "$RC_WORK/strip" signatures.cosign.verify fail \
    'signature layer sha256:[0-9a-f]{64}: no dev\.cosignproject\.cosign/signature annotation'
expect "$RC_WORK/strip" signatures.bundle.verify pass

run_case corrupt corrupt-signature
expect "$RC_WORK/corrupt" signatures.cosign.verify fail \
    'signature layer sha256:[0-9a-f]{64}: the ECDSA signature does not verify'
expect "$RC_WORK/corrupt" signatures.cosign.two-signatures fail 'does not verify'
# the digest named is the layer of the .sig manifest that was pushed
sigd=$(field "$RC_WORK/corrupt" signatures.cosign.verify .reason | grep -oE 'layer sha256:[0-9a-f]{64}' | cut -d' ' -f2)
jq -e --arg d "$sigd" '[.registries[0].checks[] | select(.id == "signatures.cosign.verify") | .evidence[]?.request] | any(test($d))' \
    "$RC_WORK/corrupt/results.json" >/dev/null || fail "the evidence does not show the GET of layer $sigd"

run_case nodelete delete-405
expect "$RC_WORK/nodelete" signatures.cosign.delete unsupported 'DELETE answered 405'
set_rules
echo "PASS"
