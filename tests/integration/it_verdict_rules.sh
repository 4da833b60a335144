#!/usr/bin/env bash
# lab: fault
# The classifier's rule table (`regcompat list verdict-rules`, suites/README.md), one rule at
# a time, through the fault proxy in front of a real Distribution: the proxy makes the
# registry answer in the way the rule is about, and the check ends with the status the rule
# gives, for the cause it names. Also the behaviours of issue 7 that are not a quirk of the
# flip matrix: a setup refusal names the setup step, a 429 on a PUT is retried, every Range
# deviation is listed with its own evidence, a text/plain error envelope is judged by its
# body, and a registry that drops one kind of request is told apart from one that is down.
. "$(dirname "$0")/lib.sh"
pdir=$RC_WORK/profiles
mkdir -p "$pdir"
sed 's/^limits: .*//' "$FAULT_PROFILE" >"$pdir/fault.yaml"
echo 'limits: {concurrency: 4, request_timeout: 10, retries: 1}' >>"$pdir/fault.yaml"
PROFILES=$pdir

set_rules() {
    printf '%s\n' "$@" | curl -sf -X PUT --data-binary @- "$FAULT_CONTROL_URL/rules" >/dev/null ||
        fail "the fault proxy refused rules: $*"
}

# case NAME ONLY-GLOBS RULE...: one run of the named checks under the rules
n=0
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

# expect CHECK STATUS [REASON-SUBSTRING]
expect() {
    local got reason
    got=$(field "$1" .status)
    reason=$(field "$1" '.reason // ""')
    [[ $got == "$2" ]] || fail "$1: status '$got', expected '$2' (reason: $reason)"
    if [[ -n ${3:-} && $reason != *"$3"* ]]; then
        fail "$1: reason '$reason' does not say '$3'"
    fi
    n=$((n + 1))
    echo "ok: $1 is $2${3:+ ($3)}"
}

# Rule 1, transport: no answer at all, nothing can be tested.
case_run transport 'pull.blob.get' reset
expect pull.blob.get error

# Rules 2 and 3, dropped: every manifest PUT is reset, while the registry answers everything
# else. A probe that PUTs a manifest fails; a check whose setup does is error.
case_run dropped 'manifests.put.by-tag pull.manifest.get.by-tag' 'reset-on=PUT */manifests/*'
expect manifests.put.by-tag fail 'it drops this request'
expect pull.manifest.get.by-tag error 'setup step 1 (push-artifact'

# Rule 4, credentials: 403 DENIED is about our credentials, not the registry (the lab's
# registry behind the proxy is anonymous, so none were sent).
case_run credentials 'tags.list' 'respond=GET */tags/list 403 code=DENIED'
expect tags.list error 'no credentials were sent'

# Rule 5, rate limited: 429 after the retries, with their true count.
case_run rate-limited 'tags.list' 'respond=GET */tags/list 429 retry-after=0 code=TOOMANYREQUESTS'
expect tags.list error 'after 1 retries'

# Rule 6, unavailable: 503 after the retries.
case_run unavailable 'tags.list' 'respond=GET */tags/list 503 retry-after=0'
expect tags.list error 'unavailable'

# Rule 7, no repository on a precondition: the setup's manifest PUT says NAME_UNKNOWN. On a
# probe the same answer is a wrong answer (rule 10).
case_run no-repository 'pull.manifest.get.by-tag manifests.put.by-tag' \
    'respond=PUT */manifests/* 404 code=NAME_UNKNOWN'
expect pull.manifest.get.by-tag error 'the repository does not exist here'
expect manifests.put.by-tag fail 'expected 201'

# Rule 8, declined: deletes disabled.
case_run declined 'delete.manifest' delete-405
expect delete.manifest unsupported '405 UNSUPPORTED'

# Rules 9 and 10, a wrong answer: a 400 to the setup's manifest PUT ends the check error and
# names the setup step (not a later step of another feature); on a probe it is fail.
case_run wrong 'tags.list.all-deleted manifests.put.by-tag' \
    'respond=PUT */manifests/* 400 code=MANIFEST_INVALID'
expect tags.list.all-deleted error 'setup step 2 (put-manifest, line'
expect manifests.put.by-tag fail '400 MANIFEST_INVALID, expected 201'

# Rule 11, the suite is wrong: an invalid reference in a suite is error, whatever the registry.
sdir=$RC_WORK/suites
mkdir -p "$sdir"
cat >"$sdir/broken.yaml" <<'EOF'
suite: broken
scenarios:
  - id: broken.reference
    feature: Broken
    title: a reference no registry can parse
    steps:
      - get-manifest: {ref: "NOT A REFERENCE"}
EOF
set_rules
set +e
"$RC_BIN" run --profiles-dir "$PROFILES" --suites-dir "$sdir" -o "$RC_WORK/suite" -r fault \
    >"$RC_WORK/suite.stdout" 2>&1
set -e
R=$RC_WORK/suite/results.json
expect broken.reference error "bad reference"

# A 429 on a closing PUT is retried (the body can be sent again) and the retry is counted.
# The rule names the check's own repository: the registry-level push.autocreate probe pushes
# first, and would otherwise take the one 429.
case_run put-429 'push.post-put' 'respond=PUT */push.post-put/blobs/uploads/* 429 retry-after=0 count=1'
expect push.post-put pass
[[ $(field push.post-put '.retries // 0') -ge 1 ]] || fail "push.post-put: the retry is not counted"
echo "ok: push.post-put counts $(field push.post-put .retries) retry"

# Every Range deviation is listed, each with the PATCH that showed it: a 4 KiB blob in 1 KiB
# chunks (the spec path) meets four PATCHes answered 201 with a Range that stops advancing.
case_run patch-201 'push.chunked' patch-201
expect push.chunked pass
devs=$(field push.chunked '[.deviations[]? | select(.evidence.request | startswith("PATCH"))] | length')
((devs >= 6)) || fail "push.chunked: $devs deviations with PATCH evidence, expected every PATCH's"
field push.chunked '.deviations[].text' | grep -q 'PATCH 4 answered 201' ||
    fail "push.chunked: the fourth PATCH's deviation is missing"
echo "ok: push.chunked lists $devs deviations, each with its PATCH"

# A JSON error envelope sent as text/plain is judged by its body; the Content-Type is a
# deviation of its own.
case_run text-plain 'errors.blob-unknown' errors-text-plain
expect errors.blob-unknown pass
field errors.blob-unknown '.deviations[].text' | grep -q "Content-Type 'text/plain" ||
    fail "errors.blob-unknown: the text/plain Content-Type is not noted"
echo "ok: errors.blob-unknown notes the text/plain envelope"

# ...and a wrong code in that envelope is still found.
case_run text-plain-code 'errors.blob-unknown' errors-text-plain \
    'respond=GET */blobs/* 404 code=MANIFEST_UNKNOWN'
expect errors.blob-unknown fail 'MANIFEST_UNKNOWN'

# No referrers API, in every form: the API checks are unsupported and name the category; the
# fallback checks pass through the tag schema with a note.
for form in 'respond=GET */referrers/* 405 code=UNSUPPORTED' \
    'respond=GET */referrers/* 200 ctype=text/html body=html' \
    'respond=GET */referrers/* 200 ctype=application/vnd.oci.image.index.v1+json body=index-nonindex' \
    referrers-html-redirect; do
    case_run "referrers-$((n))" 'referrers.api.list referrers.subject.oci-subject referrers.fallback.tag-schema' "$form"
    expect referrers.api.list unsupported 'no referrers API'
    expect referrers.subject.oci-subject unsupported 'no referrers API'
    expect referrers.fallback.tag-schema pass
    [[ $(field referrers.fallback.tag-schema .fallback) == true ]] ||
        fail "referrers.fallback.tag-schema: not marked as a fallback under '$form'"
done

# A PUT without digest that closes the session: the spec requires the 400 only.
case_run no-digest-closes 'push.put.no-digest' put-no-digest-closes
expect push.put.no-digest pass

echo "ok: $n verdicts as the rules say"
