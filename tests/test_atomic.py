"""Atomic writes: nothing half-written under the final name, stale temporaries swept, a full disk named;
`hrkeras convert` publishes a model only once it verifies."""
import os
import subprocess

import pytest
from cli_check import error_line

from hrkeras.cli.main import main
from hrkeras.errors import DiskFullError
from hrkeras.utils.atomic import atomic_path, sweep_stale_temps, write_bytes


def _dead_pid():
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "model.keras"
    write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp, open(tmp, "wb") as f:
            f.write(b"half")
            raise RuntimeError("killed")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.keras"]


def test_temporaries_of_dead_writers_are_swept(tmp_path):
    dead = tmp_path / f".epoch_002.tmp{_dead_pid()}.weights.h5"
    alive = tmp_path / f".epoch_002.tmp{os.getppid()}.weights.h5"  # a live writer's file stays
    other = tmp_path / ".hidden.tmpfile"
    for path in (dead, alive, other):
        path.write_bytes(b"partial")
    write_bytes(tmp_path / "latest.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, "latest.json"])
    sweep_stale_temps(tmp_path / "missing")  # no folder: nothing to do


def test_a_full_disk_is_named(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(DiskFullError, match=r"while writing latest.json \(.*\); latest.json was left as it was"):
        write_bytes(tmp_path / "latest.json", b"{}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("keep", [False, True])
def test_convert_writes_only_a_verified_model(tmp_path, tiny_model_file, capsys, monkeypatch, keep):
    from hrkeras.convert import workflow

    real_verify = workflow.verify

    def failing_verify(*args, **kwargs):
        report = real_verify(*args, **kwargs)
        report.static_problems = ["op FOO cannot run on the mobile GPU (injected by the test)"]
        return report

    monkeypatch.setattr(workflow, "verify", failing_verify)
    out = tmp_path / "tiny.tflite"
    line = error_line(capsys, ["convert", "--model", tiny_model_file, "--no-gpu", "--out", out,
                               *(["--keep-unverified"] if keep else [])])
    assert f"the converted model failed verification (see the report above) and was not written ({out})" in line
    assert not out.exists()
    assert (tmp_path / "tiny.tflite.unverified").exists() == keep
    assert line.endswith(f"it was kept as {out}.unverified" if keep else f"pass --keep-unverified to keep it as "
                         f"{out}.unverified")
    monkeypatch.setattr(workflow, "verify", real_verify)
    assert main(["convert", "--model", str(tiny_model_file), "--no-gpu", "--out", str(out)]) == 0
    assert out.exists()
