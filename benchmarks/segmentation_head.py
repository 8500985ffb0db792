"""What the segmentation head costs: Lite-HRNet-18's training step with the reference HRNetV2 head (a 1x1
conv as wide as the concatenated branches, 600 channels) beside narrower heads (Segmenter(channels=C),
mmseg's FCNHead `channels`), measured side by side in one run: MACs, parameters, s/step and the ratio.

    python benchmarks/segmentation_head.py [--model litehrnet_18] [--size 192 192] [--channels 128 64]
        [--batch 8] [--steps 5]
"""
import argparse

import numpy as np

import bench_common


def step_seconds(model, batch, steps):
    """Seconds per training step of `model` (compiled) on one random batch, after tracing and warm-up."""
    height, width = model.input_shape[1:3]
    classes = model.output_shape[-1]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, height, width, 3), np.float32)
    y = rng.integers(0, classes, (batch, height, width)).astype(np.int32)
    return bench_common.seconds_per_step(model, (x, y), steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="litehrnet_18")
    parser.add_argument("--size", type=int, nargs=2, default=(192, 192), metavar=("H", "W"))
    parser.add_argument("--channels", type=int, nargs="+", default=[128, 64],
                        help="head widths to compare with the reference head")
    parser.add_argument("--classes", type=int, default=7)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    bench_common.set_tensorflow_threads(args.threads)
    import keras

    import hrkeras
    from hrkeras.complexity import count_macs
    from hrkeras.training.segmentation_loss import SegmentationCrossEntropy
    from hrkeras.training.speedups import tune_for_cpu, use_fused_batch_norm

    tune_for_cpu()  # as the trainer does
    print(f"machine: {bench_common.machine()}")
    print(f"{args.model} segmentation, {args.size[0]}x{args.size[1]}, batch {args.batch}, {args.classes} classes, "
          f"Adam, {args.threads} threads")
    print(f"{'head':>10s} {'params':>10s} {'GMACs':>7s} {'s/step':>7s} {'speed-up':>8s}")
    reference = None
    for channels in [None, *args.channels]:
        model = hrkeras.create_model(args.model, task="segmentation", input_shape=(*args.size, 3),
                                     num_classes=args.classes, head_kwargs={"channels": channels})
        macs = count_macs(model) / 1e9
        use_fused_batch_norm(model)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=SegmentationCrossEntropy(args.classes))
        seconds = step_seconds(model, args.batch, args.steps)
        reference = reference or seconds
        label = "reference" if channels is None else str(channels)
        print(f"{label:>10s} {model.count_params():10,d} {macs:7.3f} {seconds:7.3f} {reference / seconds:7.2f}x",
              flush=True)


if __name__ == "__main__":
    main()
