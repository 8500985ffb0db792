"""Shared by the benchmarks: the command line, TensorFlow's thread pools, and the PyTorch reference run."""
import argparse
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF_PYTHON = os.path.join(ROOT, ".venv-ref", "bin", "python")


def parser(doc, models):
    """An ArgumentParser with --models (default `models`), --size H W and --threads."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", default=list(models))
    p.add_argument("--size", type=int, nargs=2, default=(256, 192), metavar=("H", "W"))
    p.add_argument("--threads", type=int, default=2)
    return p


def set_tensorflow_threads(threads):
    """Quiet TensorFlow's logs and give both of its thread pools `threads` threads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def reference(mode, name, batch, height, width, count, threads, key):
    """The float that benchmarks/torch_reference.py prints after `key`, run in .venv-ref (None without it)."""
    if not os.path.exists(REF_PYTHON):
        return None
    out = subprocess.run([REF_PYTHON, os.path.join(ROOT, "benchmarks", "torch_reference.py"), mode, name,
                          str(batch), str(height), str(width), str(count), str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.rsplit(f"{key} ", 1)[1])
