#!/usr/bin/env bash
# lab: main
# URLs are redacted wherever they are shown (issue 8, finding 3):
# - `--url https://user:password@host` is refused without echoing the password;
# - at -v, the log shows the URLs of retried requests, and signed-URL parameters there
#   (X-Amz-Signature, token, the registry's _state) are masked. A hostile front
#   (tests/fixtures/attacker/attacker.py) in front of local-open redirects a blob GET to
#   "storage" on another origin with such parameters, and that storage answers 503 with
#   Retry-After: 0, so regcompat retries and logs the URL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_hostile.sh"

pw=pw-in-url-5ec7e7
rc_exec "$RC_WORK/url" run --url "https://someone:$pw@127.0.0.1:1" -o "$RC_WORK/url-out"
expect_exit 2
grep -q 'credentials in the URL' "$RC_WORK/url.stderr" ||
    fail "no message about credentials in the URL: $(cat "$RC_WORK/url.stderr")"
no_secret "the password of --url" "$pw" "$RC_WORK/url.stdout" "$RC_WORK/url.stderr"

start_hostile OPEN "$LAB_LOCAL_OPEN_URL" --rewrite blob:pull.blob.get
hostile_config OPEN '{"challenge": "unavailable"}'
sig=$(hostile_info OPEN signature)
tok=$(hostile_info OPEN url_token)
profile=$RC_WORK/hostile-open.yaml
printf 'name: hostile front of local-open\nurl: %s\nkind: distribution\nnamespace: regcompat\n' \
    "$OPEN_FRONT" >"$profile"
printf 'limits: {retries: 2}\n' >>"$profile"
out=$RC_WORK/out
# spec checks: the policy checks model kwctl, which never retries
rc_run "$out" -r "$profile" --only push.post-put --only pull.blob.get -v
expect_reports "$out"
expect_status "$out/results.json" hostile-open push.post-put pass
n=$(attacker_hits OPEN '.path | startswith("/storage/")')
((n >= 2)) || fail "the storage was asked $n time(s): no retry, nothing to show in the log"
grep -qE 'retrying GET http://127\.0\.0\.1:[0-9]+/storage/.*X-Amz-Signature=\*\*\*' \
    "$out/regcompat.log" || fail "the -v log does not show the retried signed URL"
grep -q '_state=\*\*\*' "$out/regcompat.log" || fail "the -v log shows no upload URL"
echo "ok: the -v log shows the retried storage URL and the upload URLs, masked"
outputs=("$out" "$out.stdout" "$out.stderr")
no_secret "X-Amz-Signature" "$sig" "${outputs[@]}"
no_secret "the token parameter" "$tok" "${outputs[@]}"
leak=$(grep -rnoE '_state=[^*&" ]{4,}' "${outputs[@]}" || true)
[[ -z $leak ]] || fail "an upload _state in the output: $leak"
echo "ok: no upload _state in the output"
echo "PASS"
