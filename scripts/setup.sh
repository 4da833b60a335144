#!/usr/bin/env bash
# Installs what regcompat needs to build, test and run its lab on Debian 12, as root.
# Does nothing (and needs no network) when everything is already there.
set -euo pipefail

# Each package is used by the build, the lab or a test (clang is not: only the fuzz targets
# need it, and scripts/fuzz.sh installs it itself):
#   build-essential cmake pkg-config, the -dev libraries  the build (libmicrohttpd: the token
#                                                        server the lab uses)
#   clang-format                                         scripts/check-format.sh
#   docker-registry nginx apache2-utils openssl curl     the lab (htpasswd, certificates, probes)
#   skopeo libxml2-utils jq cmark-gfm                    integration tests (skopeo, xmllint,
#                                                        results.json, the docs page)
#   python3 python3-yaml                                 integration tests (free ports, the
#                                                        attacker fixture, the CI recipes' YAML)
# On a machine with systemd, installing docker-registry and nginx also starts their packaged
# services (a registry on :5000, nginx on :80); the lab runs its own instances and does not
# need them: systemctl disable --now docker-registry nginx stops them.
packages=(
    build-essential cmake pkg-config clang-format
    libcurl4-openssl-dev libyajl-dev libyaml-dev libssl-dev libxml2-dev libcunit1-dev
    libmicrohttpd-dev
    docker-registry nginx apache2-utils skopeo libxml2-utils jq curl openssl cmark-gfm
    python3 python3-yaml chromium
)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The Sigstore JavaScript library validates the bundles regcompat writes (ctest
# tool.sigstore-bundle): node and npm (Debian's nodejs and npm when no node is installed),
# then the package pinned by tests/tools/sigstore-js/package-lock.json into .cache/.
install_sigstore_js() {
    local dest=$top/.cache/sigstore-js
    [[ -d $dest/node_modules/@sigstore/bundle ]] &&
        cmp -s "$top/tests/tools/sigstore-js/package-lock.json" "$dest/package-lock.json" && return
    echo "setup: installing @sigstore/bundle into $dest"
    mkdir -p "$dest"
    cp "$top/tests/tools/sigstore-js/package.json" "$top/tests/tools/sigstore-js/package-lock.json" "$dest/"
    (cd "$dest" && npm ci --no-audit --no-fund --silent)
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    install_sigstore_js
    exit 0
fi
echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages and not root; install them: apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_sigstore_js
