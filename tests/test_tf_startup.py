"""TensorFlow's C++ start-up notices stay off the `hrkeras` command's output; HRKERAS_DEBUG=1 brings them back."""
import os
import re
import subprocess
import sys
from pathlib import Path

from hrkeras.utils.tf_startup import quiet_tensorflow_startup

ROOT = Path(__file__).resolve().parent.parent
NOISE = re.compile(r"oneDNN|cpu_feature_guard|absl::InitializeLog|^[IW]\d{4} ", re.MULTILINE)
STARTUP = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
           b"I0000 00:00:1796284909.541740   10490 port.cc:153] oneDNN custom operations are on.\n"
           b"I0000 00:00:1796284909.594380   10490 cpu_feature_guard.cc:227] This TensorFlow binary is optimized.\n"
           b"To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.\n")
KEPT = (b"W0000 00:00:1796284909.6   10490 gpu_device.cc:2342] Cannot dlopen some GPU libraries.\n"
        b"something else on stderr\n")


def test_cli_prints_no_tensorflow_startup_lines():
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "HRKERAS_DEBUG")}
    env["PYTHONPATH"] = str(ROOT)
    # what the `hrkeras` console script runs: import hrkeras.cli.main (so hrkeras, keras, TensorFlow), then main()
    done = subprocess.run([sys.executable, "-c", "import sys; from hrkeras.cli.main import main; sys.exit(main())",
                           "train", "--help"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "usage: hrkeras train" in done.stdout
    assert not NOISE.search(done.stdout + done.stderr), done.stdout + done.stderr


def _emit_startup(monkeypatch, capfd):
    """What reaches descriptor 2 when TensorFlow's first import writes STARTUP + KEPT inside the filter."""
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)  # as if TensorFlow were not imported yet
    capfd.readouterr()
    with quiet_tensorflow_startup():
        os.write(2, STARTUP + KEPT)
    return capfd.readouterr().err.encode()


def test_startup_notices_dropped_warnings_kept(monkeypatch, capfd):
    monkeypatch.delenv("HRKERAS_DEBUG", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    assert _emit_startup(monkeypatch, capfd) == KEPT


def test_debug_or_log_level_0_shows_everything(monkeypatch, capfd):
    monkeypatch.setenv("HRKERAS_DEBUG", "1")
    assert _emit_startup(monkeypatch, capfd) == STARTUP + KEPT
    monkeypatch.delenv("HRKERAS_DEBUG")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    assert _emit_startup(monkeypatch, capfd) == STARTUP + KEPT
