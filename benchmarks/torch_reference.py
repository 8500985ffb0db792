"""PyTorch reference side of the benchmarks (runs in the reference venv, .venv-ref): mmpose 1.3.2's
HRNet / LiteHRNet + 1x1 heatmap head on THREADS threads, in one of PyTorch's CPU modes.

    .venv-ref/bin/python benchmarks/torch_reference.py train MODEL BATCH H W STEPS THREADS MODE
        -> "IMAGES_PER_S <float>": training steps (MSE, Adam)
    .venv-ref/bin/python benchmarks/torch_reference.py infer MODEL 1 H W RUNS THREADS MODE
        -> "MEDIAN_MS <float>": inference latency under torch.inference_mode, median of RUNS

MODE: eager | channels_last (model and input in NHWC memory) | compile (torch.compile, inductor: needs a
C++ compiler) | compile_channels_last. Compilation happens in the warm-up calls, which are not timed.
"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures"))
from make_checkpoint_fixtures import mmpose_hrnet_pose, mmpose_litehrnet_pose  # noqa: E402

CONFIGS = {
    "litehrnet_18": (mmpose_litehrnet_pose, dict(stage_modules=(2, 4, 2), stage_blocks=(2, 2, 2),
                                                 module_type="lite", widths=(40, 80, 160, 320))),
    "litehrnet_30": (mmpose_litehrnet_pose, dict(stage_modules=(3, 8, 3), stage_blocks=(2, 2, 2),
                                                 module_type="lite", widths=(40, 80, 160, 320))),
    "hrnet_w32": (mmpose_hrnet_pose, dict(stage1_blocks=4, stage1_channels=64, stage_modules=(1, 4, 3),
                                          stage_blocks=(4, 4, 4), widths=(32, 64, 128, 256))),
}


MODES = ("eager", "channels_last", "compile", "compile_channels_last")


def prepare(model, x, mode):
    """(callable model, input) for `mode`."""
    if mode not in MODES:
        raise SystemExit(f"MODE must be one of {MODES}, got {mode!r}")
    if "channels_last" in mode:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    return (torch.compile(model) if mode.startswith("compile") else model), x


def train(model, batch, height, width, steps, mode):
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    forward, x = prepare(model, torch.randn(batch, 3, height, width), mode)
    y = torch.rand(batch, 17, height // 4, width // 4)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(forward(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    began = time.perf_counter()
    for _ in range(steps):
        step()
    print(f"IMAGES_PER_S {steps * batch / (time.perf_counter() - began):.3f}")


def infer(model, batch, height, width, runs, mode):
    model.eval()
    forward, x = prepare(model, torch.randn(batch, 3, height, width), mode)
    times = []
    with torch.inference_mode():
        for i in range(runs + 3):
            began = time.perf_counter()
            forward(x)
            if i >= 3:
                times.append(time.perf_counter() - began)
    print(f"MEDIAN_MS {1000 * np.median(times):.3f}")


def main(task, name, batch, height, width, steps, threads, mode):
    torch.set_num_threads(threads)
    build, config = CONFIGS[name]
    {"train": train, "infer": infer}[task](build(config, 17), batch, height, width, steps, mode)


if __name__ == "__main__":
    task, name, *numbers, mode = sys.argv[1:]
    main(task, name, *(int(n) for n in numbers), mode)
