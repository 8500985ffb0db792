"""The fuzz targets (tests/fuzz/fuzz_*.py) run under atheris for a bounded time from the committed corpus.

A finding (an undocumented exception, a crash, a hang, a memory blow-up) fails the test and leaves the
input under pytest's tmp dir; the inputs each target ran are listed at the end of pytest's report.
HRKERAS_FUZZ_SECONDS sets the time per target (default 40, to keep CI under its limit; longer runs find more).
"""
import os
import pathlib
import re
import subprocess
import sys

import pytest

FUZZ = pathlib.Path(__file__).parent / "fuzz"
TARGETS = sorted(p.stem.removeprefix("fuzz_") for p in FUZZ.glob("fuzz_*.py"))
SECONDS = int(os.environ.get("HRKERAS_FUZZ_SECONDS", "40"))


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_finds_nothing(target, tmp_path, record_property):
    pytest.importorskip("atheris")
    corpus = FUZZ / "corpus" / target
    assert any(corpus.iterdir()), f"{corpus} holds no seed inputs"
    command = [sys.executable, str(FUZZ / f"fuzz_{target}.py"), str(tmp_path / "new"), str(corpus),
               f"-max_total_time={SECONDS}", "-timeout=20", "-rss_limit_mb=4096", "-max_len=65536",
               f"-artifact_prefix={tmp_path}/", "-print_final_stats=1"]
    (tmp_path / "new").mkdir()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(FUZZ.parent.parent)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=SECONDS + 300)
    log = done.stdout + done.stderr
    runs = re.search(r"Done (\d+) runs in (\d+) second", log)
    assert done.returncode == 0 and runs, f"fuzz target {target} found a problem:\n{log[-6000:]}"
    record_property("fuzz", f"{target}: {runs.group(1)} inputs in {runs.group(2)} s, no finding")
