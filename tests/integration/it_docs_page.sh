#!/usr/bin/env bash
# lab: main
# The docs page renders with a Markdown renderer (cmark-gfm, GitHub flavour) into the four
# sections of Kubewarden's page, with a table of the Kubewarden verdict and the policy and
# signature columns; every link on it resolves (files exist, matrix anchors exist, local
# anchors exist); it has no JSON-pointer link a docs site cannot resolve, no implementation
# jargon after registry names and no "not measured" filler; the spec suites' features are
# left to the matrix.
. "$(dirname "$0")/lib.sh"
out=$RC_WORK/site/lab
page=$RC_WORK/site/registries-support.md
mkdir -p "$RC_WORK/site"
rc_run "$out" --all -s policy -s referrers -s tags --docs "$page"
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
grep -q 'results.json#' "$page" && fail "the page has JSON-pointer links: $(grep -o 'results.json#[^)]*' "$page" | head -3)"
grep -qE '\]\([^)]*\) \((distribution|harbor|quay)\)' "$page" && fail "implementation jargon after a name"
grep -qi 'not measured' "$page" && fail "the page says 'not measured'"
for h in "Kubewarden policies" "Policy push" "Policy pull" "Referrers API" "Referrers fallback"; do
    grep -qE "^\| Registry \|(.*\|)? $h \|" "$page" || fail "the table has no column '$h'"
done
grep -qE "^\| Registry \|.*Tag listing" "$page" && fail "a spec suite's feature (Tag listing) is on the page"
rows=$(grep -cE '^\| \[Distribution 2\.8\.2 \(lab' "$page")
nlab=$(wc -w <<<"$LAB_REGISTRIES")
((rows == nlab)) || fail "$rows registry rows, the lab has $nlab registries"
grep -qE '^\| \[Distribution 2\.8\.2 \(lab, anonymous\)\]\(lab/matrix\.md#local-open\) \| ✅ works \|' "$page" ||
    fail "local-open is not 'works' on the page"
((n >= 10)) || fail "only $n links checked"
echo "ok: the page renders with its four sections and all $n distinct link targets resolve"
