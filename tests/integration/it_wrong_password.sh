#!/usr/bin/env bash
# lab: main
# Wrong credentials: every check is fail/error (never pass), the push names the rejected
# credentials, and no password (wrong or real) nor any Authorization value reaches the
# reports, the log or the terminal, even at debug level.
. "$(dirname "$0")/lib.sh"

wrong='wrong-s3cret-PASSWORD-123'
wrong_file=$RC_WORK/wrong.password
(
    umask 077
    printf '%s\n' "$wrong" >"$wrong_file"
)
real_tls=$(<"$LAB_LOCAL_TLS_BASIC_PASSWORD_FILE")
real_writer=$(<"$LAB_LOCAL_TOKEN_WRITER_PASSWORD_FILE")
real_reader=$(<"$LAB_LOCAL_TOKEN_READER_PASSWORD_FILE")
real_refresh=$(<"$LAB_LOCAL_TOKEN_WRITER_REFRESH_TOKEN_FILE")
user_tls=$LAB_LOCAL_TLS_BASIC_USERNAME

# copies of the two authenticated profiles whose password file holds a wrong password
bad=$RC_WORK/profiles
mkdir -p "$bad"
for id in local-tls-basic local-token; do
    grep -qE '^ *password: *\{ *file:' "$PROFILES/$id.yaml" ||
        fail "$id.yaml has no 'password: {file: ...}' line; the lab changed, fix this test"
    sed -E "s|^( *)password: *\{ *file:.*\}|\1password: {file: \"$wrong_file\"}|" \
        "$PROFILES/$id.yaml" >"$bad/$id.yaml"
    grep -qF "$wrong_file" "$bad/$id.yaml" || fail "could not rewrite the password of $id"
done

out=$RC_WORK/wrong
rc_run "$out" -r "$bad/local-tls-basic.yaml" -r "$bad/local-token.yaml" -s policy
cat "$out.stdout" "$out.stderr"
[[ $RC_EXIT == 1 || $RC_EXIT == 3 ]] || fail "exit code $RC_EXIT, expected 1 (fail) or 3 (error)"
expect_reports "$out"
res=$out/results.json
npolicy=$(grep -cE '^ *- id: policy\.' "$SUITES/policy.yaml")
for r in local-tls-basic local-token; do
    n=$(jq --arg r "$r" '[.registries[] | select(.id == $r) | .checks[]] | length' "$res")
    ((n == npolicy)) || fail "$r: $n checks in results, expected the $npolicy of the policy suite"
    # no check may pass with a wrong password; a check that was not run must say it was
    # held back by a failed prerequisite
    bad_st=$(jq -r --arg r "$r" '.registries[] | select(.id == $r) | .checks[]
        | select(.status != "fail" and .status != "error")
        | select(.status != "skip" or ((.reason // "") | test("needs policy\\.push") | not))
        | "\(.id)=\(.status): \(.reason // "")"' "$res")
    [[ -z $bad_st ]] || fail "$r: checks neither fail nor error with a wrong password: $bad_st"
    st=$(status_of "$res" "$r" policy.push)
    [[ $st == fail || $st == error ]] || fail "$r policy.push is '$st'"
    echo "ok: $r policy.push is $st, no check passes"
    # the reason names the rejected credentials (401 / unauthorized / credentials)
    expect_reason "$res" "$r" policy.push '401|credential|unauthori[sz]ed|authenticat|password'
    jq -e --arg r "$r" '.registries[] | select(.id == $r) | .checks[]
        | select(.id == "policy.push") | any(.evidence[]?; .status == 401)' "$res" >/dev/null ||
        fail "$r policy.push: no 401 in the evidence"
done

# no secret anywhere in what the run wrote or printed
outputs=("$out" "$out.stdout" "$out.stderr")
for f in results.json junit.xml matrix.md regcompat.log; do
    [[ -f $out/$f ]] || fail "$out/$f missing"
done
no_secret "the wrong password" "$wrong" "${outputs[@]}"
no_secret "the local-tls-basic password" "$real_tls" "${outputs[@]}"
no_secret "the token writer password" "$real_writer" "${outputs[@]}"
no_secret "the token reader password" "$real_reader" "${outputs[@]}"
no_secret "the refresh token" "$real_refresh" "${outputs[@]}"
no_secret "basic credentials (base64) of the wrong password" \
    "$(printf '%s:%s' "$user_tls" "$wrong" | base64 -w0)" "${outputs[@]}"
no_secret "basic credentials (base64) of the wrong writer password" \
    "$(printf '%s:%s' writer "$wrong" | base64 -w0)" "${outputs[@]}"

# the good profiles at debug level: the run passes and still leaks nothing
good=$RC_WORK/good
rc_run "$good" -v -r local-tls-basic -r local-token -s policy
expect_exit 0
expect_reports "$good"
# Distribution 2.8.2 answers 404 to an Accept without the OCI type (DESIGN 6): unsupported
for r in local-tls-basic local-token; do
    expect_all_except "$good/results.json" "$r" pass policy.accept=unsupported
done
grep -q ' debug ' "$good/regcompat.log" || fail "-v wrote no debug lines to regcompat.log"
grep -q 'local-token' "$good.stdout" || fail "-v printed no progress"
outputs=("$good" "$good.stdout" "$good.stderr")
no_secret "the local-tls-basic password" "$real_tls" "${outputs[@]}"
no_secret "the token writer password" "$real_writer" "${outputs[@]}"
no_secret "the token reader password" "$real_reader" "${outputs[@]}"
no_secret "the refresh token" "$real_refresh" "${outputs[@]}"
no_secret "basic credentials (base64) of local-tls-basic" \
    "$(printf '%s:%s' "$user_tls" "$real_tls" | base64 -w0)" "${outputs[@]}"
no_secret "basic credentials (base64) of the token writer" \
    "$(printf '%s:%s' writer "$real_writer" | base64 -w0)" "${outputs[@]}"
# an Authorization header value, a bearer token or any JWT (the registry's tokens)
leak=$(grep -rnE -i 'authorization: *(basic|bearer) +[^ *<\[(]|bearer +ey[a-z0-9_-]{8,}|ey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.' \
    "${outputs[@]}" || true)
[[ -z $leak ]] || fail "credential values in the output: $leak"
echo "ok: no Authorization value or token in any output"
