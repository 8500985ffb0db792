#!/usr/bin/env bash
# Compiles mobile/android/core (plain Kotlin, no Android SDK) and its JUnit tests with the Kotlin compiler
# pinned in ../package.json (npm kotlin-compiler), then runs the tests on the JVM. Exits non-zero when the
# compiler is missing, anything fails to compile, or a test fails. Install the tools with .ci/install_kotlin.sh.
#   mobile/android/core/test.sh            # everything
#   mobile/android/core/test.sh CropTest   # some test classes (names in src/test/kotlin/hrkeras/pose)
set -euo pipefail
core=$(cd "$(dirname "$0")" && pwd)
android=$(dirname "$core")
mobile=$(dirname "$android")
kotlin_home=${KOTLIN_HOME:-$android/node_modules/kotlin-compiler}
junit=${JUNIT_JAR:-/usr/share/java/junit4.jar}
hamcrest=${HAMCREST_JAR:-/usr/share/java/hamcrest-core.jar}
missing() { echo "test.sh: $1 missing; install the toolchain with .ci/install_kotlin.sh (as root, from the repository root)" >&2; exit 2; }
[ -x "$kotlin_home/bin/kotlinc-jvm" ] || missing "the Kotlin compiler ($kotlin_home/bin/kotlinc-jvm)"
[ -f "$junit" ] || missing "JUnit 4 ($junit)"
[ -f "$hamcrest" ] || missing "Hamcrest ($hamcrest)"
command -v java >/dev/null || missing "java"

build=$core/build
rm -rf "$build"
mkdir -p "$build"
kotlinc=("$kotlin_home/bin/kotlinc-jvm" -jvm-target 17 -Werror)
start=$(date +%s)
# The core alone, with nothing but the Kotlin standard library on the class path: proof that it needs
# neither the Android SDK nor a test library. Then the tests against it.
"${kotlinc[@]}" -d "$build/core.jar" "$core/src/main/kotlin"
# In the same compiler run (one JVM start less): the app's sources against hand-written stand-ins of the
# Android APIs they call (app/typecheck/README.md), a type check of the app's own code, not a build.
"${kotlinc[@]}" -cp "$build/core.jar:$junit" -d "$build/test" \
  "$core/src/test/kotlin" "$android/app/typecheck" "$android/app/src/main/kotlin"
echo "test.sh: core compiled alone; tests and the app's sources (against app/typecheck stand-ins) compiled"
compiled=$(date +%s)

if [ $# -gt 0 ]; then
  classes=("${@/#/hrkeras.pose.}")
else
  mapfile -t classes < <(cd "$build/test" && find . -name '*Test.class' | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
fi
[ ${#classes[@]} -gt 0 ] || { echo "test.sh: no test classes found" >&2; exit 1; }
java -Dhrkeras.mobile="$mobile" -cp "$build/test:$build/core.jar:$kotlin_home/lib/kotlin-stdlib.jar:$junit:$hamcrest" \
  org.junit.runner.JUnitCore "${classes[@]}"
echo "test.sh: compiled in $((compiled - start)) s, tests ran in $(( $(date +%s) - compiled )) s"
