#!/usr/bin/env bash
# lab: main
# A `needs` cycle can never be scheduled: `validate` and `run` refuse it at load (exit 2,
# nothing run), naming the file and line of the scenario and the cycle itself, for a cycle
# in one file, a scenario that needs itself, and a cycle across two suite files. A run
# must not hang on it (the bounded wait is only a safety net).
. "$(dirname "$0")/lib.sh"

suites=$RC_WORK/suites
mkdir -p "$suites"
cat >"$suites/loop.yaml" <<'EOS'
suite: loop
description: three scenarios that wait for each other, and one that waits for nothing
scenarios:
  - id: loop.a
    feature: Loop
    title: Needs loop.c
    needs: [loop.c]
    steps:
      - get-manifest: {ref: "{repo}:a"}
  - id: loop.b
    feature: Loop
    title: Needs loop.a
    needs: [loop.a]
    steps:
      - get-manifest: {ref: "{repo}:b"}
  - id: loop.c
    feature: Loop
    title: Needs loop.b
    needs: [loop.b]
    steps:
      - get-manifest: {ref: "{repo}:c"}
  - id: loop.free
    feature: Loop
    title: Needs nothing
    steps:
      - get-manifest: {ref: "{repo}:free"}
EOS
cat >"$suites/self.yaml" <<'EOS'
suite: self
description: a scenario that needs itself
scenarios:
  - id: self.me
    feature: Loop
    title: Needs itself
    needs: [self.me]
    steps:
      - get-manifest: {ref: "{repo}:me"}
EOS
cat >"$suites/x1.yaml" <<'EOS'
suite: x1
description: half of a cycle across two files
scenarios:
  - id: x1.one
    feature: Loop
    title: Needs x2.two, in another file
    needs: [x2.two]
    steps:
      - get-manifest: {ref: "{repo}:one"}
EOS
cat >"$suites/x2.yaml" <<'EOS'
suite: x2
description: the other half
scenarios:
  - id: x2.two
    feature: Loop
    title: Needs x1.one, in another file
    needs: [x1.one]
    steps:
      - get-manifest: {ref: "{repo}:two"}
EOS
line_of() { grep -n -- "- id: $2\$" "$1" | cut -d: -f1; }

# expect_cycle OUT FILE ID CYCLE-ERE : stderr has "FILE:LINE:" (the line of scenario ID)
# with the cycle named
expect_cycle() {
    local line ln
    ln=$(line_of "$2" "$3")
    line=$(grep -F -- "$2:$ln:" "$1.stderr" | grep -i cycle | head -n 1)
    [[ -n $line ]] || fail "no cycle reported at $2:$ln (stderr: $(cat "$1.stderr"))"
    grep -qE -- "$4" <<<"$line" || fail "the cycle at $2:$ln does not match /$4/: $line"
    echo "ok: $line"
}

check_all() {
    local out=$1
    expect_exit 2
    expect_cycle "$out" "$suites/loop.yaml" loop.a 'loop\.a -> loop\.c -> loop\.b -> loop\.a'
    expect_cycle "$out" "$suites/self.yaml" self.me 'self\.me -> self\.me'
    expect_cycle "$out" "$suites/x1.yaml" x1.one 'x1\.one -> x2\.two -> x1\.one'
    # loop.free is in no cycle, and each cycle is named once
    ! grep -q 'loop\.free' "$out.stderr" || fail "loop.free is named in a problem"
    [[ $(grep -ci cycle "$out.stderr") == 3 ]] || fail "not exactly 3 cycles reported"
}

# validate, the whole folder
v=$RC_WORK/validate
rc_exec "$v" validate --profiles-dir "$PROFILES" --suites-dir "$suites"
cat "$v.stderr"
check_all "$v"

# validate, one file: the cycle inside it
v1=$RC_WORK/validate-one
rc_exec "$v1" validate "$suites/loop.yaml"
cat "$v1.stderr"
expect_exit 2
expect_cycle "$v1" "$suites/loop.yaml" loop.a 'loop\.a -> loop\.c -> loop\.b -> loop\.a'

# run: refused before anything runs, and it does not hang
out=$RC_WORK/run
"$RC_BIN" run --profiles-dir "$PROFILES" --suites-dir "$suites" -r local-open -o "$out" \
    >"$out.stdout" 2>"$out.stderr" &
wait_pid $! 60
cat "$out.stderr"
check_all "$out"
[[ ! -e $out/results.json ]] || fail "a run refused at load wrote results.json"
