"""Training throughput (images/s) of hrkeras (Keras 3 on TensorFlow) beside the PyTorch reference
(mmpose 1.3.2 modules) doing the same step: batch 8 at 256x192, heatmap MSE, Adam, 2 threads.

    python benchmarks/train_throughput.py [--models litehrnet_18 hrnet_w32] [--steps 10] [--ref-modes ...]

The reference runs in .venv-ref (tests/fixtures/install_reference.sh); without it only our side runs.
It is timed in each of its CPU modes (eager, channels_last, torch.compile, and torch.compile of the
channels-last model) and hrkeras is compared with the best; every mode's figure, or why it has none, is
printed with the machine's CPU.
"""
import sys

import numpy as np

import bench_common


def keras_images_per_s(name, batch, height, width, steps):
    import keras

    import hrkeras
    from hrkeras.training.losses import KeypointMSE
    from hrkeras.training.speedups import tune_for_cpu, use_fused_adam, use_fused_batch_norm

    tune_for_cpu()  # as the trainer does
    model = hrkeras.create_model(name, input_shape=(height, width, 3))
    use_fused_batch_norm(model)
    optimizer = keras.optimizers.Adam(1e-3)
    use_fused_adam(optimizer)
    model.compile(optimizer=optimizer, loss=KeypointMSE())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, height, width, 3), np.float32)
    y = rng.random((batch, height // 4, width // 4, 17), np.float32)
    w = np.ones((batch, 17), np.float32)
    return batch / bench_common.seconds_per_step(model, (x, y, w), steps)


def main():
    parser = bench_common.parser(__doc__, ["litehrnet_18", "hrnet_w32"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    bench_common.set_tensorflow_threads(args.threads)
    h, w = args.size
    print(f"machine: {bench_common.machine()}")
    print(f"training step: batch {args.batch}, {h}x{w}, MSE, Adam, {args.threads} threads; images/s; "
          f"torch ref = the reference's best mode")
    print(f"{'model':14s} {'hrkeras':>9s} {'torch ref':>9s} {'ratio':>6s}  ref mode")
    for name in args.models:
        ours = keras_images_per_s(name, args.batch, h, w, args.steps)
        ref, mode, found = bench_common.best_reference("train", name, args.batch, h, w, args.steps, args.threads,
                                                       "IMAGES_PER_S", args.ref_modes, max)
        ratio = f"{ours / ref:6.2f}" if ref else "     -"
        print(f"{name:14s} {ours:9.1f} {ref or float('nan'):9.1f} {ratio}  {mode or '-'}", flush=True)
        print(f"  reference modes: {bench_common.describe(found, 'images/s', mode)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
