#!/usr/bin/env bash
# lab: main
# report merge, diff and docs on real runs: the lab run as two shards (--shard 1/2 and 2/2)
# and merged gives the matrix of one unsharded run cell for cell; a copy of the unsharded
# results with one pass edited into a fail makes report diff exit 1 and name exactly that
# check; unreadable or invalid input is exit 2 with the path; run --docs, merge --docs and
# report docs write the documentation page.
. "$(dirname "$0")/lib.sh"

whole=$RC_WORK/whole
rc_run "$whole" --all -s policy --docs "$RC_WORK/pages/run.md"
cat "$whole.stdout"
expect_exit 0
expect_reports "$whole"
# run --docs: the page beside the reports, its links pointing into them
grep -qF '](../whole/matrix.md#local-open) | ✅ works |' \
    "$RC_WORK/pages/run.md" || fail "run --docs: no page, or local-open's line is wrong"
for i in 1 2; do
    rc_run "$RC_WORK/shard$i" --all -s policy --shard "$i/2"
    expect_exit 0
    expect_reports "$RC_WORK/shard$i"
done
s1=$RC_WORK/shard1/results.json
s2=$RC_WORK/shard2/results.json

# the shards are disjoint and together hold every registry of the unsharded run
ids() { jq -r '.registries[].id' "$@" | sort; }
[[ -z $(ids "$s1" | comm -12 - <(ids "$s2")) ]] || fail "the shards share registries"
[[ $(ids "$s1" "$s2" | paste -sd' ') == $(ids "$whole/results.json" | paste -sd' ') ]] ||
    fail "shards hold $(ids "$s1" "$s2" | paste -sd' '), the whole run $(ids "$whole/results.json" | paste -sd' ')"
(($(ids "$s1" | wc -l) > 0 && $(ids "$s2" | wc -l) > 0)) || fail "a shard is empty"

merged=$RC_WORK/merged
rc_exec "$merged" report merge "$s1" "$s2" -o "$merged" --docs "$merged/docs.md"
cat "$merged.stdout"
expect_exit 0
expect_reports "$merged"

# run: one of the shards' ids, the other listed in merged_from
w_id=$(jq -r .run.id "$whole/results.json")
id1=$(jq -r .run.id "$s1")
id2=$(jq -r .run.id "$s2")
m_id=$(jq -r .run.id "$merged/results.json")
from=$(jq -r '.run.merged_from | join(" ")' "$merged/results.json")
[[ ($m_id == "$id1" && $from == "$id2") || ($m_id == "$id2" && $from == "$id1") ]] ||
    fail "merged run id '$m_id' merged_from '$from'; shards are $id1 and $id2"
echo "ok: merged run $m_id, merged from $from"

# the matrix table: identical cells, row for row
table() { awk '/^\| Registry \|/ {t = 1} t && !/^\|/ {exit} t' "$1"; }
if ! diff <(table "$whole/matrix.md") <(table "$merged/matrix.md"); then
    fail "the merged matrix table differs from the unsharded run's"
fi
(($(table "$merged/matrix.md" | wc -l) == $(wc -w <<<"$LAB_REGISTRIES") + 2)) ||
    fail "merged matrix: not one row per lab registry"
# every table line (the details too), with what differs from run to run taken out: run ids,
# the digests of the artifacts each run builds, upload session ids
norm() {
    grep '^| ' "$1" | sed -E -e "s/$w_id|$id1|$id2/RUN/g" -e 's/sha256:[0-9a-f]{64}/sha256:D/g' \
        -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/UUID/g' \
        -e 's/_state=[^ &`|]*/_state=S/g'
}
if ! diff <(norm "$whole/matrix.md") <(norm "$merged/matrix.md"); then
    fail "the merged matrix.md tables differ from the unsharded run's"
fi
echo "ok: merged matrix.md tables equal the unsharded run's"

# the same verdicts: a diff of the two is empty
rc_exec "$RC_WORK/same" report diff "$whole/results.json" "$merged/results.json"
expect_exit 0
[[ $(tail -n 1 "$RC_WORK/same.stdout") == "summary: 0 regressions, 0 fixes" ]] ||
    fail "unsharded vs merged: $(cat "$RC_WORK/same.stdout")"

# one pass edited into a fail: exactly that regression, exit 1
edited=$RC_WORK/edited.json
jq '(.registries[] | select(.id == "local-open") | .checks[] | select(.id == "policy.retag"))
    |= (.status = "fail" | .reason = "edited into a failure by the test")' \
    "$whole/results.json" >"$edited"
[[ $(status_of "$whole/results.json" local-open policy.retag) == pass ]] ||
    fail "local-open policy.retag did not pass in the unsharded run"
rc_exec "$RC_WORK/diff" report diff "$whole/results.json" "$edited" --markdown "$RC_WORK/diff.md"
cat "$RC_WORK/diff.stdout"
expect_exit 1
out=$(cat "$RC_WORK/diff.stdout")
(($(grep -c '^regression ' <<<"$out") == 1)) || fail "not exactly one regression line"
grep -qE '^regression +local-open +policy\.retag +pass -> fail: edited into a failure' <<<"$out" ||
    fail "the regression line does not name local-open policy.retag"
(($(wc -l <<<"$out") == 3)) || fail "report diff printed more than the header, one change and the summary"
[[ $(tail -n 1 <<<"$out") == "summary: 1 regression, 0 fixes" ]] || fail "summary: $(tail -n 1 <<<"$out")"
grep -qF '| `local-open` | `policy.retag` | Policy tag | pass | fail |' "$RC_WORK/diff.md" ||
    fail "diff.md lacks the regression row"
echo "ok: report diff names exactly local-open policy.retag and exits 1"

# bad input: exit 2 naming the file
rc_exec "$RC_WORK/missing" report diff "$whole/results.json" "$RC_WORK/nope.json"
expect_exit 2
grep -qF "$RC_WORK/nope.json" "$RC_WORK/missing.stderr" || fail "missing file not named"
echo '{"schema": "regcompat.results/v1",' >"$RC_WORK/broken.json"
rc_exec "$RC_WORK/broken" report diff "$RC_WORK/broken.json" "$whole/results.json"
expect_exit 2
grep -qF "$RC_WORK/broken.json" "$RC_WORK/broken.stderr" || fail "invalid JSON file not named"
# a registry in two shards with different results
rc_exec "$RC_WORK/dup" report merge "$s1" "$whole/results.json" -o "$RC_WORK/dup"
expect_exit 2
grep -qF "$s1" "$RC_WORK/dup.stderr" && grep -qF "$whole/results.json" "$RC_WORK/dup.stderr" ||
    fail "conflicting registries: both inputs not named: $(cat "$RC_WORK/dup.stderr")"
echo "ok: bad input is exit 2 with the file named"

# docs: the page merge wrote, and report docs with links relative to the page
docs=$merged/docs.md
[[ $(head -n 1 "$docs") == "---" ]] && grep -qx 'sidebar_label: OCI registries support' "$docs" ||
    fail "docs.md has no Docusaurus frontmatter"
grep -qF "(matrix.md#local-open) | ✅ works |" "$docs" ||
    fail "docs.md: local-open does not work with Kubewarden policies"
grep -qF "run \`$m_id\`" "$docs" || fail "docs.md does not name the run"
rc_exec "$RC_WORK/docs" report docs "$merged/results.json" -o "$RC_WORK/site/docs/oci.md"
expect_exit 0
grep -qF '](../../merged/matrix.md#local-open)' "$RC_WORK/site/docs/oci.md" ||
    fail "report docs: links are not relative to the page"
echo "ok: docs pages written"
