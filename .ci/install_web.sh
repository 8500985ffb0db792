#!/usr/bin/env bash
# The browser demo's npm packages (mobile/web/package-lock.json: @litertjs/core, playwright-core) for its tests,
# and node + npm when missing. Idempotent: npm ci runs only when node_modules lacks a pinned version. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "install_web: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! (cd mobile/web && npm ls --silent >/dev/null 2>&1); then
  echo "install_web: npm ci --prefix mobile/web"
  npm ci --prefix mobile/web --no-audit --no-fund
else
  echo "install_web: mobile/web/node_modules is up to date"
fi
