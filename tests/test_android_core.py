"""The Android demo's core (mobile/android/core: plain Kotlin, no Android SDK): compiled with the pinned Kotlin
compiler and its JUnit tests run on the JVM by mobile/android/core/test.sh, against the golden vectors that the
Python code writes (mobile/golden). The tools come from .ci/install_kotlin.sh."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANDROID = os.path.join(ROOT, "mobile", "android")
SCRIPT = os.path.join(ANDROID, "core", "test.sh")
KOTLINC = os.path.join(ANDROID, "node_modules", "kotlin-compiler", "bin", "kotlinc-jvm")
TOOLS = {"the Kotlin compiler (npm kotlin-compiler)": KOTLINC, "JUnit 4": "/usr/share/java/junit4.jar",
         "Hamcrest": "/usr/share/java/hamcrest-core.jar"}


def _missing_tools():
    missing = [name for name, path in TOOLS.items() if not os.path.exists(path)]
    return missing + ([] if shutil.which("java") else ["java"])


def test_kotlin_core_unit_tests():
    """Every JUnit test of the core passes: decoder vs hrkeras.codecs, crop vs TensorFlow's warp, the metadata of
    converted .tflite files, overlay geometry, smoothing and the tracking crop; the app's sources type-check against
    the stand-ins in mobile/android/app/typecheck."""
    missing = _missing_tools()
    if missing:  # the README's test command installs them, as the browser demo's tools
        pytest.fail(f"{', '.join(missing)} not installed: run .ci/install_kotlin.sh (as root)")
    result = subprocess.run([SCRIPT], capture_output=True, text=True, timeout=600)
    output = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    ran = re.search(r"^OK \((\d+) tests\)$", result.stdout, re.M)
    assert ran and int(ran.group(1)) >= 40, output
