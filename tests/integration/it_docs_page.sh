#!/usr/bin/env bash
# lab: main
# The docs page renders with a Markdown renderer (cmark-gfm, GitHub flavour) into the four
# sections of Kubewarden's page, and every link on it resolves: files exist, matrix anchors
# exist, local anchors exist, and every results.json pointer names a check.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/site/lab
page=$RC_WORK/site/registries-support.md
mkdir -p "$RC_WORK/site"
rc_run "$out" --all -s policy --docs "$page"
expect_exit 0
awk 'NR == 1 && /^---$/ {fm = 1; next} fm && /^---$/ {fm = 0; next} !fm' "$page" >"$RC_WORK/body.md"
cmark-gfm --unsafe -e table -e autolink "$RC_WORK/body.md" >"$RC_WORK/page.html"
for h in "Projects implementing OCI registries" "Hosted OCI registries" \
    "Tools that work with OCI registries" "Known issues"; do
    grep -qF "<h2>$h</h2>" "$RC_WORK/page.html" || fail "no section '$h'"
done
head -1 "$page" | grep -qx -- '---' || fail "no frontmatter"
cd "$RC_WORK/site"
n=0
for t in $(grep -o 'href="[^"#]*' "$RC_WORK/page.html" | sed 's/href="//' | sort -u); do
    [[ $t == http* ]] && continue
    [[ -e $t ]] || fail "link to a missing file: $t"
    n=$((n + 1))
done
for a in $(grep -o 'href="lab/matrix.md#[^"]*' "$RC_WORK/page.html" | sed 's/.*#//' | sort -u); do
    grep -q "id=\"$a\"" lab/matrix.md || fail "matrix.md has no anchor '$a'"
    n=$((n + 1))
done
for a in $(grep -o 'href="#[^"]*' "$RC_WORK/page.html" | sed 's/href="#//' | sort -u); do
    grep -q "id=\"$a\"" "$RC_WORK/page.html" || fail "the page has no anchor '$a'"
    n=$((n + 1))
done
for p in $(grep -o 'results.json#/registries/[0-9]*/checks/[0-9]*' "$RC_WORK/page.html" | sort -u); do
    i=$(cut -d/ -f3 <<<"$p")
    j=$(cut -d/ -f5 <<<"$p")
    jq -e ".registries[$i].checks[$j].id" lab/results.json >/dev/null || fail "bad pointer $p"
    n=$((n + 1))
done
((n > 10)) || fail "only $n links checked"
echo "ok: the page renders with its four sections and all $n distinct link targets resolve"
