#!/usr/bin/env bash
# lab: main
# A run cleans up after itself. Every suite runs on a registry that deletes (local-open) and
# on one with deletes disabled (local-nodelete); then the registries are asked (catalog and
# tags lists) and their storage is read (manifest revisions, tags and blob links of every
# repository of the run, which the API cannot list):
# - local-open holds no tag, no manifest and no blob link of the run, and results.json lists
#   no leftovers for it;
# - on local-nodelete, results.json's `leftovers` names exactly what stayed: every manifest
#   and blob link in storage is listed, every listed one is in storage (and its manifest
#   answers a HEAD), each with the registry's answer to the DELETE; matrix.md counts them.
. "$(dirname "$0")/lib.sh"
: "${LAB_DATA_ROOT:?the lab records its storage in lab.env}"
out=$RC_WORK/out
rc_run "$out" -r local-open -r local-nodelete
expect_exit 0
expect_reports "$out"
res=$out/results.json
run=$(jq -r .run.id "$res")
[[ $run =~ ^[0-9A-Za-z-]+$ ]] || fail "no run id in results.json"
prefix=regcompat/$run/

# catalog URL -> repository names of this run, following Link pages
run_repositories() {
    local url="$1/v2/_catalog?n=1000" hdr=$RC_WORK/catalog.hdr body next
    while [[ -n $url ]]; do
        body=$(curl -sf -D "$hdr" "$url") || fail "catalog request failed: $url"
        jq -r --arg p "$prefix" '.repositories[]? | select(startswith($p))' <<<"$body"
        next=$(sed -n 's/^[Ll]ink: *<\([^>]*\)>.*rel="next".*/\1/p' "$hdr" | tr -d '\r')
        url=${next:+$1$next}
    done
}

# STORAGE_ROOT -> "repository digest kind" for every manifest revision and blob link of the run
stored_objects() {
    local base=$1/docker/registry/v2/repositories d=$1/docker/registry/v2/repositories/$prefix
    [[ -d $d ]] || return 0
    find "$d" -path '*/_manifests/revisions/*/link' -o -path '*/_layers/*/link' |
        while read -r f; do
            # the digest an object is stored under is its path (.../<alg>/<hex>/link); the
            # link may hold another digest of the same bytes
            local rel=${f#"$base"/} repo kind dir hex alg
            dir=${f%/link} hex=${dir##*/} dir=${dir%/*} alg=${dir##*/}
            if [[ $rel == */_manifests/* ]]; then
                repo=${rel%%/_manifests/*} kind=manifest
            else
                repo=${rel%%/_layers/*} kind=blob
            fi
            printf '%s %s:%s %s\n' "$repo" "$alg" "$hex" "$kind"
        done | sort
}

listed_objects() {
    jq -r --arg r "$1" '.registries[] | select(.id == $r) | .leftovers[]? |
        "\(.repository) \(.digest) \(.kind)"' "$res" | sort
}

# --- local-open: nothing of the run is left
repos=$(run_repositories "$LAB_LOCAL_OPEN_URL")
n=$(grep -c . <<<"$repos" || true)
((n > 50)) || fail "local-open: only $n repositories of run $run in the catalog"
while read -r repo; do
    tags=$(curl -s "$LAB_LOCAL_OPEN_URL/v2/$repo/tags/list" | jq -c '.tags // []')
    [[ $tags == "[]" ]] || fail "local-open: $repo still has tags $tags"
done <<<"$repos"
echo "ok: local-open: none of the $n repositories of the run has a tag"
left=$(stored_objects "$LAB_DATA_ROOT/local-open")
[[ -z $left ]] || fail "local-open: the run left in storage:"$'\n'"$left"
echo "ok: local-open: no manifest and no blob of the run in storage"
jq -e '.registries[] | select(.id == "local-open") | has("leftovers") | not' "$res" >/dev/null ||
    fail "local-open: results.json lists leftovers: $(listed_objects local-open | head -3)"
echo "ok: local-open: no leftovers in results.json"

# --- local-nodelete: what stayed is exactly what results.json lists
stored=$(stored_objects "$LAB_DATA_ROOT/local-nodelete")
listed=$(listed_objects local-nodelete)
[[ -n $stored ]] || fail "local-nodelete: nothing in storage (the run pushed nothing?)"
missing=$(comm -23 <(echo "$stored") <(echo "$listed"))
[[ -z $missing ]] || fail "local-nodelete: left in storage but not in results.json:"$'\n'"$missing"
extra=$(comm -13 <(echo "$stored") <(echo "$listed"))
[[ -z $extra ]] || fail "local-nodelete: listed in results.json but not in storage:"$'\n'"$extra"
nm=$(grep -c ' manifest$' <<<"$listed" || true)
nb=$(grep -c ' blob$' <<<"$listed" || true)
((nm > 0 && nb > 0)) || fail "local-nodelete: $nm manifests and $nb blobs listed"
echo "ok: local-nodelete: results.json lists exactly the $nm manifests and $nb blobs in storage"

bad=$(jq -r '.registries[] | select(.id == "local-nodelete") | .leftovers[] |
    select(.answer != "405 UNSUPPORTED") | "\(.repository) \(.digest): \(.answer)"' "$res")
[[ -z $bad ]] || fail "local-nodelete: leftovers without the registry's 405: $bad"
while read -r repo digest kind; do
    [[ $kind == manifest ]] || continue
    code=$(curl -s -o /dev/null -w '%{http_code}' -I \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json' \
        "$LAB_LOCAL_NODELETE_URL/v2/$repo/manifests/$digest")
    [[ $code == 200 ]] || fail "local-nodelete: listed manifest $repo@$digest answers $code"
done <<<"$listed"
echo "ok: local-nodelete: every listed manifest answers HEAD 200, every answer is 405 UNSUPPORTED"

# every repository that still has tags has its manifests listed
while read -r repo; do
    tags=$(curl -s "$LAB_LOCAL_NODELETE_URL/v2/$repo/tags/list" | jq -c '.tags // []')
    [[ $tags == "[]" ]] && continue
    grep -q "^$repo .* manifest$" <<<"$listed" ||
        fail "local-nodelete: $repo has tags $tags but no manifest in leftovers"
done < <(run_repositories "$LAB_LOCAL_NODELETE_URL")
echo "ok: local-nodelete: every repository with tags has its manifests in leftovers"

grep -qE "^- Left behind: $nm manifests and $nb blobs not deleted after the run \(405 UNSUPPORTED\)" \
    "$out/matrix.md" || fail "matrix.md does not count the leftovers"
if grep -q "Left behind" <(sed -n '/^<a id="local-open">/,/^<a id="local-nodelete">/p' "$out/matrix.md"); then
    fail "matrix.md shows leftovers for local-open"
fi
echo "ok: matrix.md counts the leftovers of local-nodelete only"
