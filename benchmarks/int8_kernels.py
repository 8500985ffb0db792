"""XNNPACK int8 against float32, kernel by kernel, on Lite-HRNet-18's branch shapes at 256x192.

    python benchmarks/int8_kernels.py [--threads 2] [--runs 50]

Each row is a chain of 20 identical layers at one branch's shape (converted to TFLite float32 and
to post-training int8, both running entirely in XNNPACK), timed side by side: int8 speeds up the
1x1 convolutions, not the depthwise convolutions, products, additions and channel shuffles that make
up most of Lite-HRNet.
"""
import argparse
import sys

import numpy as np

import bench_common
from hrkeras.utils.timing import median_ms

BRANCHES = [(40, (64, 48)), (80, (32, 24)), (160, (16, 12)), (320, (8, 6))]
DEPTH = 20


def chain(kind, channels, size):
    """DEPTH layers of one kind on [1, H, W, C]."""
    import keras

    from hrkeras.layers.shuffle import ChannelSplit, ConcatShuffle

    inputs = keras.Input((*size, channels), batch_size=1)
    x = inputs
    gate = keras.layers.Activation("sigmoid")(inputs)  # Lite-HRNet's products are weightings like this
    for _ in range(DEPTH):
        if kind == "depthwise 3x3":
            x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
        elif kind == "conv 1x1 + ReLU":
            x = keras.layers.Conv2D(channels, 1, activation="relu")(x)
        elif kind == "multiply":
            x = keras.layers.Multiply()([x, gate])
        elif kind == "split + shuffle":
            x = ConcatShuffle()(ChannelSplit([channels // 2] * 2)(x))
        else:  # "add"
            x = keras.layers.Add()([x, inputs])
    return keras.Model(inputs, x)


def flatbuffers(model, size, channels):
    """(float32, post-training int8) TFLite bytes of `model`."""
    from hrkeras.convert import export

    samples = [np.random.default_rng(seed).standard_normal((1, *size, channels)).astype(np.float32)
               for seed in range(8)]
    return export.convert(model, "float32"), export.convert(model, "int8", representative=samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    bench_common.set_tensorflow_threads(args.threads)
    from hrkeras.convert.tflite_runner import TFLiteRunner

    print(f"{DEPTH} layers per row, batch 1, {args.threads} threads, median of {args.runs} runs (ms)")
    print(f"{'kernel':16s} {'shape':>12s} {'fp32':>7s} {'int8':>7s} {'int8/fp32':>9s}")
    for kind in ("depthwise 3x3", "conv 1x1 + ReLU", "add", "multiply", "split + shuffle"):
        for channels, size in BRANCHES:
            float32, int8 = flatbuffers(chain(kind, channels, size), size, channels)
            x = np.random.default_rng(0).standard_normal((1, *size, channels)).astype(np.float32)
            times = [median_ms(TFLiteRunner(f, threads=args.threads), x, args.runs) for f in (float32, int8)]
            shape = f"{size[0]}x{size[1]}x{channels}"
            print(f"{kind:16s} {shape:>12s} {times[0]:7.3f} {times[1]:7.3f} {times[1] / times[0]:9.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
