"""A disk that fills up while `hrkeras train` checkpoints: one clear line, the previous checkpoint intact
and consistent with history.json, no temporary files left, and --resume goes on once space is freed."""
import json
import os
import resource
import signal
import subprocess
import sys

import pytest

CLI = os.path.join(os.path.dirname(__file__), "fixtures", "tiny_cli.py")


def _train(workdir, data_root, *args, file_size_limit=None):
    def limit():  # a file-size limit stands in for a full disk where no tmpfs can be mounted
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run([sys.executable, CLI, "train", "--config", "tiny", "--data", str(data_root),
                           "--workdir", str(workdir), *args], capture_output=True, text=True, timeout=900,
                          preexec_fn=limit if file_size_limit else None)


def _small_disk(path, size="16m"):
    """Mount a tmpfs of `size` at `path` (root only); False where mounting is not allowed."""
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _dead_pid():
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


@pytest.mark.slow
@pytest.mark.parametrize("full_disk", ["tmpfs", "file-size limit"])
def test_disk_full_while_checkpointing_then_resume(tmp_path, full_disk):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    data_root = tmp_path / "data"
    make_synthetic_dataset(data_root, {"train": 24, "val": 6}, seed=0)
    disk = tmp_path / "disk"
    mounted = _small_disk(disk) if full_disk == "tmpfs" else disk.mkdir()
    if full_disk == "tmpfs" and not mounted:
        pytest.skip("mounting a tmpfs is not allowed here; the file-size limit case covers a full disk")
    try:
        run = disk / "run"
        first = _train(run, data_root, "--epochs", "1")
        assert first.returncode == 0, first.stderr[-3000:]
        checkpoints = run / "checkpoints"
        size = (checkpoints / "epoch_001.weights.h5").stat().st_size
        stale = checkpoints / f".epoch_002.tmp{_dead_pid()}.weights.h5"  # as a SIGKILLed writer leaves it
        stale.write_bytes(b"partial")
        filler = disk / "filler"
        if mounted:  # leave half a checkpoint of room
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            filler.write_bytes(b"\0" * (free - size // 2))
        full = _train(run, data_root, "--epochs", "2", "--resume", file_size_limit=None if mounted else size // 2)
        lines = [line for line in full.stderr.splitlines() if line.startswith("hrkeras")]
        assert full.returncode == 1, full.stderr[-3000:]
        assert "Traceback" not in full.stderr and "h5py" not in full.stderr, full.stderr[-3000:]
        assert lines == [f"hrkeras train: error: no space left on the device while saving epoch 2's checkpoint "
                         f"({checkpoints}); epoch 1's checkpoint is intact; free space and run again with --resume"]
        latest = json.loads((checkpoints / "latest.json").read_text())
        assert latest["epoch"] == 1 and (checkpoints / "epoch_001.weights.h5").stat().st_size == size
        assert json.loads((run / "history.json").read_text()) == latest["history"]
        assert sorted(p.name for p in checkpoints.iterdir()) == ["epoch_001.weights.h5", "latest.json"]
        if mounted:
            filler.unlink()
        resumed = _train(run, data_root, "--epochs", "2", "--resume")
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert json.loads((checkpoints / "latest.json").read_text())["epoch"] == 2
        assert [e["epoch"] for e in json.loads((run / "history.json").read_text())] == [1, 2]
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)
