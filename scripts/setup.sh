#!/usr/bin/env bash
# Installs everything otelc's build, run, tests and benchmarks need on a
# Debian machine: the Debian packages, then the pinned npm packages of
# package-lock.json. Idempotent: it installs only what is missing.
#
#   scripts/setup.sh          packages and npm modules
#   scripts/setup.sh --check  exit 1 if something is missing, install nothing
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  build-essential cmake pkg-config git
  libevent-dev libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler
  libcurl4-openssl-dev libssl-dev libyaml-dev liblmdb-dev lmdb-utils
  zlib1g-dev libisal-dev libzstd-dev libxxhash-dev libjansson-dev libhttp-parser-dev libcmocka-dev
  libpcre2-dev libcrypt-dev libyajl-dev
  clang clang-tidy cppcheck valgrind
  nghttp2-client curl jq procps prometheus zstd
  nginx-light chromium
)
# libyajl-dev: the OTLP/JSON reader's parser, which streams (jansson's
# document tree of a large body took hundreds of times its size).
# nginx-light: the bench's cheap S3 sink (bench/README.md), answering every
# upload with 200 and storing nothing, so that the sink does not take the
# cores otelc is measured on (Debian has no standalone S3 server in C).
# chromium: the headless browser that tests the metadata extractor's page
# (/ui/) for console errors and the graph it draws, and takes its screenshot.

missing_debs() {
  local p
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"
  done
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# node_modules is current when it was installed from this very lockfile.
npm_ready() {
  [ -f node_modules/.otelc-lock ] &&
    [ "$(cat node_modules/.otelc-lock)" = "$(sha256sum package-lock.json | cut -d' ' -f1)" ]
}

mapfile -t need < <(missing_debs)
# The machine's own node is used when present; Debian's nodejs and npm only
# where node is missing (they conflict with a preinstalled Node 20).
command -v node >/dev/null 2>&1 || need+=(nodejs npm)

if [ "${1:-}" = "--check" ]; then
  [ ${#need[@]} -eq 0 ] && npm_ready && exit 0
  exit 1
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if ! npm_ready; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json | cut -d' ' -f1 > node_modules/.otelc-lock
fi
echo "setup: ready"
