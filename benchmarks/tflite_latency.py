"""Inference latency (batch 1, 2 threads) of the pose models as TFLite float32 and int8 (XNNPACK),
side by side in one run with Keras (`tf.function`) and the PyTorch reference (mmpose 1.3.2) in its best
CPU mode (eager, channels_last, torch.compile, and torch.compile of the channels-last model: every mode's
figure is printed, with the CPU).

    python benchmarks/tflite_latency.py [--models litehrnet_18 litehrnet_30 hrnet_w32] [--runs 30] [--rounds 5]

Keras, TFLite float32 and TFLite int8 are timed in alternating rounds (the median of the rounds'
medians), so that a machine whose speed drifts during the run weighs on all three alike.

int8 is the QAT conversion (all-int8 kernels); its weights do not change its speed, so the
models are untrained: seeded, their BatchNorm statistics set on random images (trained-like
activations, as `hrkeras convert` does for an untrained architecture), the ranges calibrated on
random images; the export widens dead ranges XNNPACK would reject and the file is checked against
XNNPACK's limits before it is timed. The reference runs in .venv-ref (tests/fixtures/install_reference.sh).
Targets (issue 5): Lite-HRNet-18 float32 <= 0.25x the reference and int8 <= 0.6x float32;
HRNet-W32 float32 <= 1.1x the reference and int8 < 1x; Lite-HRNet-18 <= 0.15x HRNet-W32.
"""
import sys

import numpy as np

import bench_common
from hrkeras.utils.timing import interleaved_ms


def int8_model(model, threads):
    """TFLiteRunner of the QAT int8 conversion of an untrained `model`, checked against XNNPACK's limits."""
    from hrkeras.convert import export
    from hrkeras.convert.qat import quantize_model
    from hrkeras.convert.verify import cpu_runner
    from hrkeras.convert.xnnpack_limits import rejections

    images = np.random.default_rng(1).standard_normal((8, *model.input.shape[1:])).astype(np.float32)
    qat = quantize_model(model)
    qat(images, training=True)  # sets the activation ranges (as QAT's first step would)
    flatbuffer = export.convert(qat, "qat")
    return cpu_runner(flatbuffer, f"{model.name} int8", threads, rejections(flatbuffer))


def measure(name, height, width, runs, rounds, threads, ref_modes):
    """{"keras", "tflite float32", "tflite int8", "torch"} median ms of one model, and the reference's
    (best mode, {mode: ms or why not})."""
    import keras
    import tensorflow as tf

    import hrkeras
    from hrkeras.convert import export
    from hrkeras.convert.tflite_runner import TFLiteRunner
    from hrkeras.convert.untrained import calibrate_batch_norm

    keras.utils.set_random_seed(0)
    model = calibrate_batch_norm(hrkeras.create_model(name, input_shape=(height, width, 3)))
    x = np.random.default_rng(0).standard_normal((1, height, width, 3)).astype(np.float32)
    forward = tf.function(lambda t: model(t, training=False))
    times = interleaved_ms({
        "keras": lambda t: forward(t).numpy(),
        "tflite float32": TFLiteRunner(export.convert(model, "float32"), threads=threads),
        "tflite int8": int8_model(model, threads),
    }, x, runs, rounds)
    times["torch"], mode, found = bench_common.best_reference("infer", name, 1, height, width, runs, threads,
                                                              "MEDIAN_MS", ref_modes, min)
    return times, mode, found


def main():
    parser = bench_common.parser(__doc__, ["litehrnet_18", "litehrnet_30", "hrnet_w32"])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bench_common.set_tensorflow_threads(args.threads)
    h, w = args.size
    print(f"machine: {bench_common.machine()}")
    print(f"inference latency, batch 1, {h}x{w}, {args.threads} threads, median of {args.rounds} rounds' medians "
          f"of {args.runs} runs (ms); torch ref = the reference's best mode (median of {args.runs} runs)")
    print(f"{'model':14s} {'torch ref':>9s} {'keras':>8s} {'tfl fp32':>8s} {'tfl int8':>8s} "
          f"{'fp32/ref':>8s} {'int8/fp32':>9s} {'int8/ref':>8s}  ref mode")
    results = {}
    for name in args.models:
        r, mode, found = measure(name, h, w, args.runs, args.rounds, args.threads, args.ref_modes)
        results[name] = r
        ref = r["torch"] or float("nan")
        print(f"{name:14s} {ref:9.1f} {r['keras']:8.1f} {r['tflite float32']:8.1f} {r['tflite int8']:8.1f} "
              f"{r['tflite float32'] / ref:8.2f} {r['tflite int8'] / r['tflite float32']:9.2f} "
              f"{r['tflite int8'] / ref:8.2f}  {mode or '-'}", flush=True)
        print(f"  reference modes: {bench_common.describe(found, 'ms', mode)}", flush=True)
    if {"litehrnet_18", "hrnet_w32"} <= results.keys():
        for kind in ("tflite float32", "tflite int8"):
            ratio = results["litehrnet_18"][kind] / results["hrnet_w32"][kind]
            print(f"Lite-HRNet-18 / HRNet-W32 ({kind}): {ratio:.3f}")


if __name__ == "__main__":
    sys.exit(main())
