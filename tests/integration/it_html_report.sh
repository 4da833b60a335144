#!/usr/bin/env bash
# lab: main
# report.html in a real browser. The lab run writes report.html (its size must stay under
# 2 MiB); three nights made from it (copies of results.json edited with jq, the newest one
# carrying hostile registry answers) render with their history. Debian's chromium, headless
# and with no way out to a network, dumps the DOM after the page's script ran and takes a
# screenshot (kept in the work dir). The DOM must hold the matrix cells, the evidence block
# a link opens, one chart of the three runs per registry, and every <script> a registry
# sent as text, never as an element.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (scripts/setup.sh installs it)"

out=$RC_WORK/lab
rc_run "$out" --all --html "$out/report.html"
expect_exit 0
expect_reports "$out"
res=$out/results.json
[[ -s $out/report.html ]] || fail "run --html wrote no report.html"
nreg=$(jq '.registries | length' "$res")
size=$(stat -c %s "$out/report.html")
((size < 2 * 1024 * 1024)) || fail "report.html of the lab run is $size bytes, over 2 MiB"
echo "ok: report.html of the $nreg-registry lab run is $size bytes (under 2 MiB)"

# nothing in the page refers outside it
if grep -qE '<(link|img|iframe|object|embed)[ >]| src=|url\(|@import' "$out/report.html"; then
    fail "report.html refers to something outside the page"
fi
grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" \
    "$out/report.html" || fail "no Content-Security-Policy forbidding fetches"

# the page is a function of results.json: rendering it again gives the same bytes
rc_exec "$RC_WORK/again" report html "$res" -o "$RC_WORK/again.html"
expect_exit 0
cmp -s "$out/report.html" "$RC_WORK/again.html" ||
    fail "report html of results.json differs from what run --html wrote"
rc_exec "$RC_WORK/stdout" report html "$res" -o -
cmp -s "$out/report.html" "$RC_WORK/stdout.stdout" || fail "report html -o - differs"
echo "ok: run --html, report html -o FILE and -o - write the same page"
# bad input names the file; a missing -o is a usage error
echo '{"schema": "regcompat.results/v1"}' >"$RC_WORK/broken.json"
rc_exec "$RC_WORK/broken" report html "$res" "$RC_WORK/broken.json" -o "$RC_WORK/x.html"
expect_exit 2
grep -qF "$RC_WORK/broken.json" "$RC_WORK/broken.stderr" || fail "the broken input is not named"
[[ ! -e $RC_WORK/x.html ]] || fail "a page was written from broken input"
rc_exec "$RC_WORK/noout" report html "$res"
expect_exit 2
echo "ok: broken input and a missing -o are usage errors (exit 2)"

# three nights, oldest first: a failure on the first, an error on the second; the newest is
# the lab run with hostile words where a registry's answer lands
jq '.run.id = "night-1" | .run.finished = "2026-12-01T02:05:00Z"
    | (.registries[] | select(.id == "local-open") | .checks[] | select(.id == "policy.retag"))
      |= (.status = "fail" | .reason = "tag PUT answered 500")' "$res" >"$RC_WORK/night-1.json"
jq '.run.id = "night-2" | .run.finished = "2026-12-02T02:05:00Z"
    | (.registries[] | select(.id == "local-token") | .checks[] | select(.id == "policy.push"))
      |= (.status = "error" | .reason = "connection refused")' "$res" >"$RC_WORK/night-2.json"
evil='<script>document.title="pwned"</script>'
jq --arg evil "$evil" '.run.id = "night-3"
    | (.registries[] | select(.id == "local-nodelete") | .checks[] | select(.id == "policy.delete"))
      |= (.reason = "DELETE answered 405 " + $evil
          | .evidence[0].body = $evil + "<img src=x onerror=\"document.title=1\">")
    | (.registries[] | select(.id == "local-open") | .name) += "\"><script>document.title=2</script>"
    | (first(.registries[] | select(.id == "local-open") | .checks[] | select(.expect)) | .expect.link)
      = "javascript:document.title=3"' "$res" >"$RC_WORK/night-3.json"
jq -e '[.registries[] | select(.id == "local-nodelete") | .checks[]
        | select(.id == "policy.delete" and (.evidence | length) > 0)] | length == 1' \
    "$RC_WORK/night-3.json" >/dev/null || fail "no evidence on local-nodelete policy.delete"
page=$RC_WORK/history.html
rc_exec "$RC_WORK/html" report html "$RC_WORK/night-1.json" "$RC_WORK/night-2.json" \
    "$RC_WORK/night-3.json" -o "$page"
expect_exit 0
[[ -s $page ]] || fail "report html wrote nothing"

# the cell a link opens: local-nodelete's Policy delete (unsupported: deletes are off)
reg=$(jq '[.registries[].id] | index("local-nodelete")' "$RC_WORK/night-3.json")
feat=$(jq '.run.features | index("Policy delete")' "$RC_WORK/night-3.json")
[[ $reg != null && $feat != null ]] || fail "the lab run lacks local-nodelete or Policy delete"
cell="r$reg-f$feat"

sandbox=()
[[ $(id -u) == 0 ]] && sandbox=(--no-sandbox)
# no network: every host name fails to resolve and any proxy use is refused
chrome() {
    timeout 60 chromium --headless "${sandbox[@]}" --disable-gpu --no-first-run \
        --user-data-dir="$RC_WORK/chromium" --proxy-server=socks5://127.0.0.1:9 \
        --host-resolver-rules='MAP * ~NOTFOUND' "$@" 2>>"$RC_WORK/chromium.log"
}
url="file://$page"
chrome --dump-dom "$url#$cell" >"$RC_WORK/dom.html" || fail "chromium --dump-dom failed (see chromium.log)"
chrome --dump-dom "$url?suite=policy&status=unsupported" >"$RC_WORK/dom-filtered.html" ||
    fail "chromium --dump-dom (filtered) failed"
chrome --window-size=1400,1800 --screenshot="$RC_WORK/report.png" "$url" >/dev/null ||
    fail "chromium --screenshot failed"
[[ -s $RC_WORK/report.png ]] || fail "no screenshot"
echo "ok: screenshot in $RC_WORK/report.png"

request=$(jq -r '.registries[] | select(.id == "local-nodelete") | .checks[]
                 | select(.id == "policy.delete") | .evidence[0].request' "$RC_WORK/night-3.json")
python3 - "$RC_WORK/dom.html" "$RC_WORK/dom-filtered.html" "$RC_WORK/night-3.json" "$cell" \
    "$request" "$evil" <<'PY'
import json
import sys
from html.parser import HTMLParser

dom_path, filtered_path, results_path, cell_id, request, evil = sys.argv[1:7]
VOID = {"meta", "br", "input", "img", "link", "hr", "line", "rect"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def all_text(self):
        return "".join(
            t if isinstance(t, str) else t.all_text() for t in self.text)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.text.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def parse(path):
    t = Tree()
    with open(path, encoding="utf-8") as f:
        t.feed(f.read())
    return t.root


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


res = json.load(open(results_path, encoding="utf-8"))
root = parse(dom_path)
nodes = list(root.walk())
by_id = {n.attrs["id"]: n for n in nodes if "id" in n.attrs}

# the page's own script ran (allowed by its CSP hash): the filters are shown
form = by_id.get("filters")
if form is None or "hidden" in form.attrs:
    fail("the filter form is still hidden: the page's script did not run")
title = [n for n in nodes if n.tag == "title"][0].all_text()
if title != "regcompat report: night-3":
    fail("document title is %r: injected script ran" % title)
print("ok: the page's script ran, no other did (title %r)" % title)

# the matrix: one row per registry, one cell per feature, each with a symbol and a label
table = [n for n in nodes if n.tag == "table" and "matrix" in n.classes()][0]
heads = [n.all_text() for n in table.walk() if n.tag == "th" and "feat" in n.classes()]
if sorted(heads) != sorted(res["run"]["features"]):
    fail("matrix columns %r differ from the run's features" % heads)
rows = [n for n in table.walk() if n.tag == "tr" and any(c.tag == "td" for c in n.children)]
if len(rows) != len(res["registries"]):
    fail("%d matrix rows for %d registries" % (len(rows), len(res["registries"])))
labels = {"pass", "caveat", "fail", "unsupported", "error", "not tested"}
cells = {}
for row in rows:
    reg = [c for c in row.walk() if c.tag == "code"][0].all_text()
    tds = [c for c in row.children if c.tag == "td" and "cell" in c.classes()]
    if len(tds) != len(heads):
        fail("%s: %d cells for %d features" % (reg, len(tds), len(heads)))
    for head, td in zip(heads, tds):
        text = " ".join(td.all_text().split())
        sym, _, label = text.partition(" ")
        if label not in labels or not sym or not [c for c in td.classes() if c.startswith("c-")]:
            fail("%s / %s: cell %r lacks symbol, label or colour" % (reg, head, text))
        cells[(reg, head)] = (label, td)
if cells[("local-nodelete", "Policy delete")][0] != "unsupported":
    fail("local-nodelete / Policy delete is %r" % cells[("local-nodelete", "Policy delete")][0])
if cells[("local-open", "Policy push")][0] != "pass":
    fail("local-open / Policy push is %r" % cells[("local-open", "Policy push")][0])
kw = [n.all_text() for n in table.walk() if n.tag == "td" and "kw" in n.classes()]
if len(kw) != len(rows) or not all("kwctl: " in k for k in kw):
    fail("no Kubewarden verdict on every row: %r" % kw)
print("ok: matrix of %d registries x %d features, every cell with colour, symbol and label"
      % (len(rows), len(heads)))

# the evidence block the link opened: <details open>, the exchange request by request
det = by_id.get(cell_id)
if det is None or det.tag != "details":
    fail("no <details id=%s>" % cell_id)
if "open" not in det.attrs:
    fail("<details id=%s> is not open after following its link" % cell_id)
method, _, path = request.partition(" ")
reqs = [" ".join(n.all_text().split()) for n in det.walk() if "req" in n.classes()]
if not any(r.startswith(method + " " + path) and "405" in r for r in reqs):
    fail("the open block lacks the request %r -> 405: %r" % (request, reqs))
text = det.all_text()
if evil not in text:
    fail("the registry's <script> is not shown as text in the open block")
print("ok: the link opened %s with %d exchange(s), the registry's %s shown as text"
      % (cell_id, len(reqs), evil))

# no injected element, attribute or link anywhere
scripts = [n for n in nodes if n.tag == "script"]
if len(scripts) != 1:
    fail("%d <script> elements, expected only the page's own" % len(scripts))
if [n for n in nodes if n.tag == "img"]:
    fail("an injected <img> became an element")
for n in nodes:
    for a, v in n.attrs.items():
        if a.startswith("on"):
            fail("an event handler attribute %s on <%s>" % (a, n.tag))
        if a == "href" and (v or "").strip().lower().startswith("javascript:"):
            fail("a javascript: link")
print("ok: no injected element, handler or javascript: link")

# the history: one chart per registry, each with the three runs
charts = [n for n in nodes if n.tag == "svg" and "chart" in n.classes()]
if len(charts) != len(res["registries"]):
    fail("%d charts for %d registries" % (len(charts), len(res["registries"])))
for ch in charts:
    runs = [g for g in ch.walk() if g.tag == "g" and "run" in g.classes()]
    if ch.attrs.get("data-runs") != "3" or len(runs) != 3:
        fail("a chart with %d runs" % len(runs))
changes = " ".join(by_id["history"].all_text().split())
if "regression" not in changes and "fix" not in changes:
    fail("the history names no change between night-2 and night-3")
print("ok: %d charts of three runs each, and the changes between the last two" % len(charts))

# filters from the URL: only the policy suite's columns, only unsupported cells undimmed
root = parse(filtered_path)
nodes = list(root.walk())
table = [n for n in nodes if n.tag == "table" and "matrix" in n.classes()][0]
shown = [n.all_text() for n in table.walk()
         if n.tag == "th" and "feat" in n.classes() and "off" not in n.classes()]
policy = sorted({c["feature"] for r in res["registries"] for c in r["checks"]
                 if c["suite"] == "policy"})
if sorted(shown) != policy:
    fail("?suite=policy shows columns %r, expected %r" % (shown, policy))
for row in [n for n in table.walk() if n.tag == "tr"]:
    for td in [c for c in row.children if c.tag == "td" and "cell" in c.classes()]:
        has = "unsupported" in td.attrs.get("data-statuses", "").split()
        if "off" not in td.classes() and has == ("dim" in td.classes()):
            fail("?status=unsupported: cell %r dimmed wrongly" % td.all_text())
print("ok: ?suite=policy&status=unsupported leaves %d columns and dims the other cells"
      % len(shown))
PY
