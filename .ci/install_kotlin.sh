#!/usr/bin/env bash
# The JVM toolchain that compiles and tests mobile/android/core without the Android SDK: the Kotlin compiler
# pinned in mobile/android/package-lock.json (npm kotlin-compiler: kotlinc-jvm and the standard library), Debian's
# junit4 (with hamcrest and a Java runtime), and node + npm when missing. Idempotent: apt runs only when a package
# is missing, npm ci only when node_modules lacks the pinned version. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=()
command -v npm >/dev/null || packages+=(nodejs npm)
{ [ -f /usr/share/java/junit4.jar ] && [ -f /usr/share/java/hamcrest-core.jar ] && command -v java >/dev/null; } || packages+=(junit4)
if [ ${#packages[@]} -gt 0 ]; then
  echo "install_kotlin: installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "install_kotlin: node, npm, java and junit4 already installed"
fi
if ! (cd mobile/android && npm ls --silent >/dev/null 2>&1); then
  echo "install_kotlin: npm ci --prefix mobile/android"
  npm ci --prefix mobile/android --no-audit --no-fund
else
  echo "install_kotlin: mobile/android/node_modules is up to date"
fi
kotlinc=mobile/android/node_modules/kotlin-compiler/bin/kotlinc-jvm
test -x "$kotlinc" || { echo "install_kotlin: $kotlinc missing after npm ci" >&2; exit 1; }
echo "install_kotlin: $kotlinc $(cat mobile/android/node_modules/kotlin-compiler/build.txt); run mobile/android/core/test.sh"
