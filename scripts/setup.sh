#!/usr/bin/env bash
# Installs what regcompat needs to build, test and run its lab on Debian 12, as root.
# Does nothing (and needs no network) when everything is already there.
set -euo pipefail

packages=(
    build-essential cmake pkg-config clang clang-format
    libcurl4-openssl-dev libyajl-dev libyaml-dev libssl-dev libxml2-dev libcunit1-dev
    libmicrohttpd-dev
    docker-registry nginx apache2-utils skopeo libxml2-utils jq curl openssl cmark-gfm python3
    chromium
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
