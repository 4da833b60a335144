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

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
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
