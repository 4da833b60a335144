#!/usr/bin/env bash
# lab: none
# Every CI recipe in docs/ci/ is well-formed YAML (python3-yaml, every document of the file),
# and every regcompat command it runs exists and accepts the flags it passes: each
# invocation (regcompat, bin/regcompat, regcompat-entrypoint) found in the recipes' scripts
# is checked against that command's --help. The recipes ask for credentials to be present
# (--require-credentials) wherever they run registries.
. "$(dirname "$0")/lib.sh"
recipes=("$RC_SRC"/docs/ci/*.yml "$RC_SRC"/docs/ci/*.yaml)
((${#recipes[@]} >= 3)) || fail "expected at least three recipes in docs/ci, found ${#recipes[@]}"
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (scripts/setup.sh installs it)"

# invocations: one line per regcompat command in a recipe, "FILE<TAB>ARGS..." (shell words,
# variables left as they are), from the scripts of every YAML document
python3 - "${recipes[@]}" >"$RC_WORK/invocations.tsv" <<'PY'
import os, re, shlex, sys, yaml

# the scripts a recipe runs: GitHub Actions steps' `run`, containers' `command` and `args`
SCRIPT_KEYS = {"run", "command", "args"}

def strings(node, script=False):
    if isinstance(node, str):
        if script:
            yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k in SCRIPT_KEYS)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v, script)

tools = {"regcompat", "regcompat-entrypoint"}
stops = {"||", "&&", "|", ";", ">", ">>", "2>", "2>&1", ")", "then", "fi", "do", "done"}
for path in sys.argv[1:]:
    with open(path) as f:
        try:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            sys.exit(f"{path}: not well-formed YAML: {e}")
    if not docs:
        sys.exit(f"{path}: no YAML document")
    for s in (x for d in docs for x in strings(d)):
        text = re.sub(r"\\\n", " ", s)  # continuation lines
        for line in text.splitlines():
            line = line.split(" #", 1)[0]
            try:
                words = shlex.split(line, posix=True)
            except ValueError:
                continue
            for i, w in enumerate(words):
                # a command, not an argument of another one (chmod +x bin/regcompat)
                first = i == 0 or words[i - 1] in stops | {"exec", "else", "!"} or \
                    re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i - 1])
                if os.path.basename(w) in tools and first:
                    args = []
                    for a in words[i + 1:]:
                        if a in stops or a.startswith((">", "2>", "|")):
                            break
                        args.append(a)
                    print(os.path.basename(path) + "\t" + "\t".join(args))
PY
n=$(wc -l <"$RC_WORK/invocations.tsv")
((n >= 6)) || fail "found only $n regcompat invocations in the recipes: $(cat "$RC_WORK/invocations.tsv")"
echo "ok: ${#recipes[@]} recipes are well-formed YAML, with $n regcompat invocations"

checked=0
while IFS=$'\t' read -r file args; do
    IFS=$'\t' read -r -a w <<<"$args"
    ((${#w[@]})) || fail "$file: regcompat run with no command"
    cmd=("${w[0]}")
    [[ ${w[0]} == report ]] && cmd=(report "${w[1]}")
    help=$RC_WORK/help.txt
    "$RC_BIN" "${cmd[@]}" --help >"$help" 2>&1 || fail "$file: 'regcompat ${cmd[*]}' is not a command"
    for a in "${w[@]}"; do
        [[ $a == -* ]] || continue
        flag=${a%%=*}
        grep -qE -- "(^|[ ,])$flag([ ,=]|$)" "$help" ||
            fail "$file: 'regcompat ${cmd[*]}' does not accept $flag (in: ${w[*]})"
    done
    checked=$((checked + 1))
    echo "ok: $file: regcompat ${w[*]}"
done <"$RC_WORK/invocations.tsv"
((checked == n)) || fail "checked $checked of $n invocations"

# every recipe that runs registries requires their credentials
while IFS=$'\t' read -r file args; do
    [[ $args == run$'\t'* ]] || continue
    [[ $args == *--require-credentials* ]] || fail "$file runs 'regcompat $args' without --require-credentials"
done <"$RC_WORK/invocations.tsv"
echo "ok: every 'regcompat run' in the recipes uses --require-credentials"

# a dry validation: the GitHub Actions recipe validates the profiles and suites it ships with
"$RC_BIN" validate --profiles-dir "$RC_SRC/registries.d" --suites-dir "$RC_SRC/suites" >"$RC_WORK/validate.out" ||
    fail "the recipes' profiles and suites do not validate: $(cat "$RC_WORK/validate.out")"
echo "ok: $(cat "$RC_WORK/validate.out")"
