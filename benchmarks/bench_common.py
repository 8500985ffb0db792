"""Shared by the benchmarks: the command line, the machine, TensorFlow's thread pools, and the PyTorch
reference runs (each of its CPU modes, the best one kept)."""
import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF_PYTHON = os.path.join(ROOT, ".venv-ref", "bin", "python")
# PyTorch's CPU modes (benchmarks/torch_reference.py); the compiled ones need a C++ compiler at run time.
REF_MODES = ("eager", "channels_last", "compile", "compile_channels_last")
# One compiled run, compilation included (inductor's C++ kernels: minutes on 2 cores); a slower one is
# reported as not done. Inductor caches what it compiled, so a second benchmark run starts faster.
COMPILE_TIMEOUT_S = 300


def parser(doc, models):
    """An ArgumentParser with --models (default `models`), --size H W, --threads and --ref-modes."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=list(models))
    p.add_argument("--size", type=int, nargs=2, default=(256, 192), metavar=("H", "W"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ref-modes", nargs="+", default=list(REF_MODES), choices=REF_MODES,
                   help="the PyTorch reference's modes to time (default: all); the best is compared")
    return p


def machine():
    """'CPU model, N cores, load L' of this machine (lscpu's Model name; the 1-minute load average)."""
    model = "unknown CPU"
    if shutil.which("lscpu"):
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), model)
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start"


def set_tensorflow_threads(threads):
    """Quiet TensorFlow's logs and give both of its thread pools `threads` threads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def seconds_per_step(model, batch, steps):
    """Seconds per training step of the compiled `model` fitting one batch (a tuple of arrays) over and over,
    after 3 steps that trace and warm up. The batches come without tf.data's autotuning, as hrkeras trains:
    deleting an autotuned iterator at the end of `fit` waits for the autotuning thread's sleep, which doubles
    from 10 ms, so a timed `fit` ended on one of its wake-ups (docs/benchmarks.md)."""
    import tensorflow as tf

    from hrkeras.training.data.options import prefetched

    data = prefetched(tf.data.Dataset.from_tensors(batch).repeat())
    model.fit(data, steps_per_epoch=3, shuffle=False, verbose=0)
    began = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, shuffle=False, verbose=0)
    return (time.perf_counter() - began) / steps


def run_as_group(command, timeout=None):
    """(returncode, stdout, stderr) of `command` run in a process group of its own, which is killed when its
    leader ends or times out (subprocess.TimeoutExpired): the compiler processes torch.compile starts would
    otherwise go on beside the runs timed after it. The output goes through files, which a process left
    behind cannot hold open as it would a pipe."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        run = subprocess.Popen(command, stdout=out, stderr=err, text=True, start_new_session=True)
        try:
            run.wait(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        out.seek(0)
        err.seek(0)
        return run.returncode, out.read(), err.read()


def reference(task, name, batch, height, width, count, threads, key, mode):
    """(the float that benchmarks/torch_reference.py prints after `key`, None) run in .venv-ref, or
    (None, why not): no .venv-ref, no C++ compiler for a compiled mode, a failure or a time-out."""
    if not os.path.exists(REF_PYTHON):
        return None, "no .venv-ref (tests/fixtures/install_reference.sh)"
    if mode.startswith("compile") and not (shutil.which("g++") or shutil.which("c++")):
        return None, "no C++ compiler (g++), which torch.compile needs"
    command = [REF_PYTHON, os.path.join(ROOT, "benchmarks", "torch_reference.py"), task, name,
               *map(str, (batch, height, width, count, threads)), mode]
    try:
        code, out, err = run_as_group(command, COMPILE_TIMEOUT_S if mode.startswith("compile") else None)
    except subprocess.TimeoutExpired:
        return None, f"not done in {COMPILE_TIMEOUT_S} s (compilation included)"
    if code:
        last = (err.strip().splitlines() or ["no message"])[-1]
        return None, f"failed: {last[:160]}"
    return float(out.rsplit(f"{key} ", 1)[1]), None


def best_reference(task, name, batch, height, width, count, threads, key, modes, better):
    """(best value or None, its mode, {mode: value or 'why not'}) over the reference's `modes`;
    better: max (throughput) or min (latency)."""
    found = {}
    for mode in modes:
        value, why = reference(task, name, batch, height, width, count, threads, key, mode)
        found[mode] = value if why is None else why
    timed = {m: v for m, v in found.items() if isinstance(v, float)}
    if not timed:
        return None, None, found
    best = better(timed, key=timed.get)
    return timed[best], best, found


def describe(found, unit, best):
    """One line: each reference mode's figure (or why it has none), and whether torch.compile won."""
    line = "; ".join(f"{m} {v:.1f} {unit}" if isinstance(v, float) else f"{m}: {v}" for m, v in found.items())
    compiled = [m for m in found if m.startswith("compile")]
    if compiled and best and not best.startswith("compile"):
        line += f" (torch.compile slower or unavailable here: {best} is the best)"
    return line
