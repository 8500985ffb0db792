"""Trained pose models side by side in one run: OKS AP (from each run's history), parameters, MACs at the
model's input, and TFLite float32 latency (batch 1, LiteRT's CPU interpreter, timed in alternating rounds),
with ratios to the first run. For the HR-NAS comparison (docs/hrnas_search.md):

    python benchmarks/trained_side_by_side.py runs/litehrnet_18 runs/hrnas_searched runs/hrnas_searched_cnn

Each RUN is a `hrkeras train` workdir: RUN/model.keras and RUN/history.json (its last evaluation). A RUN may
also be an architecture file from `hrkeras search` (ARCH.json) or a model name (litehrnet_18): built at --size,
untrained, for the parameters, MACs and latency alone (weights do not change float32 speed):

    python benchmarks/trained_side_by_side.py litehrnet_18 arch.json
"""
import argparse
import json
import os

import bench_common


def trained_run(workdir, size):
    """(model, OKS AP) of a training workdir: its model.keras and its last evaluation; of an architecture file or
    a model name: the untrained pose model at `size` (H, W), AP None."""
    import hrkeras
    from hrkeras.training.pose_model import load_keras_file

    if not os.path.isdir(workdir):
        name, kwargs = ("hrnas", {"arch": workdir}) if workdir.endswith(".json") else (workdir, {})
        return hrkeras.create_model(name, task="pose", input_shape=(*size, 3), **kwargs), None
    with open(os.path.join(workdir, "history.json")) as f:
        history = json.load(f)
    evaluated = [entry for entry in history if "val" in entry]
    if not evaluated:
        raise SystemExit(f"{workdir}/history.json holds no evaluation: train the run to its end first")
    return load_keras_file(os.path.join(workdir, "model.keras")), evaluated[-1]["val"]["AP"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", metavar="RUN",
                   help="hrkeras train workdirs, ARCH.json files or model names; ratios are to the first")
    p.add_argument("--size", type=int, nargs=2, default=(128, 96), metavar=("H", "W"),
                   help="the input of ARCH.json files and model names")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs-per-round", type=int, default=30)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--pause", type=float, default=3.0, help="seconds between rounds")
    args = p.parse_args()
    bench_common.set_tensorflow_threads(args.threads)
    import numpy as np

    from hrkeras.complexity import count_macs, count_params
    from hrkeras.convert.export import convert
    from hrkeras.convert.tflite_runner import TFLiteRunner
    from hrkeras.utils.timing import round_medians

    print(f"machine: {bench_common.machine()}")
    rows, runners = [], {}
    for workdir in args.runs:
        model, ap = trained_run(workdir, args.size)
        shape = tuple(model.input.shape[1:])
        runners[workdir] = TFLiteRunner(convert(model, "float32"), "cpu", threads=args.threads)
        rows.append((workdir, model.name, shape, ap, count_params(model), count_macs(model)))
    shapes = {row[2] for row in rows}
    if len(shapes) > 1:
        raise SystemExit(f"the runs' models take different inputs {sorted(shapes)}: compare models of one size")
    x = np.random.default_rng(0).standard_normal((1, *shapes.pop())).astype(np.float32)
    rounds = round_medians(runners, x, args.runs_per_round, args.rounds, args.pause)
    ms, lowest = ({k: float(f(m)) for k, m in rounds.items()} for f in (np.median, np.min))
    print(f"TFLite float32, batch 1, {args.threads} threads, {args.rounds} alternating rounds of {args.runs_per_round} "
          f"runs, {args.pause:g} s apart: the median of the rounds' medians (ms) and the lowest (low ms, what "
          "hrkeras search --budget-ms measures)")
    print(f"{'run':34s} {'model':20s} {'OKS AP':>7s} {'params':>10s} {'MMACs':>8s} {'ms':>7s} {'low ms':>7s}  ratios "
          "to the first (AP, MACs, ms)")
    first = rows[0]
    for workdir, name, _, ap, params, macs in rows:
        ap_text = "-" if ap is None else f"{ap:.3f}"
        ap_ratio = "-" if ap is None or first[3] is None else f"{ap / first[3]:.3f}"
        print(f"{workdir[-34:]:34s} {name[:20]:20s} {ap_text:>7s} {params:10,d} {macs / 1e6:8.2f} {ms[workdir]:7.2f} "
              f"{lowest[workdir]:7.2f}  {ap_ratio} {macs / first[5]:.3f} {ms[workdir] / ms[first[0]]:.3f}", flush=True)


if __name__ == "__main__":
    main()
