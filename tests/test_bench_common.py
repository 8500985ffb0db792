"""The benchmarks' reference runner: a run that times out leaves nothing running behind it."""
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import bench_common  # noqa: E402


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead too
        return f.read().split(")")[-1].split()[0] != "Z"


def _assert_dies(pid, seconds=5):
    deadline = time.time() + seconds
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _grandchild_command(pid_file):
    # a child that starts a long-running grandchild (as torch.compile starts its compilers), then waits
    return ["bash", "-c", f"sleep 300 & echo $! > {pid_file}; echo out; wait"]


def test_a_timed_out_run_takes_its_grandchildren_with_it(tmp_path):
    pid_file = tmp_path / "pid"
    with pytest.raises(subprocess.TimeoutExpired):
        bench_common.run_as_group(_grandchild_command(pid_file), timeout=2)
    _assert_dies(int(pid_file.read_text()))


def test_a_finished_run_returns_its_output_and_leaves_nothing_behind(tmp_path):
    pid_file = tmp_path / "pid"
    command = ["bash", "-c", f"(sleep 300 & echo $! > {pid_file}) ; echo answer 4.5; echo oops >&2; exit 3"]
    code, out, err = bench_common.run_as_group(command)
    assert (code, out, err) == (3, "answer 4.5\n", "oops\n")
    _assert_dies(int(pid_file.read_text()))
