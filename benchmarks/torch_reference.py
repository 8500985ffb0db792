"""PyTorch reference side of the benchmarks (runs in the reference venv, .venv-ref): mmpose 1.3.2's
HRNet / LiteHRNet + 1x1 heatmap head, eager, on THREADS threads.

    .venv-ref/bin/python benchmarks/torch_reference.py train MODEL BATCH H W STEPS THREADS
        -> "IMAGES_PER_S <float>": training steps (MSE, Adam)
    .venv-ref/bin/python benchmarks/torch_reference.py infer MODEL 1 H W RUNS THREADS
        -> "MEDIAN_MS <float>": inference latency under torch.no_grad, median of RUNS
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


def train(model, batch, height, width, steps):
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randn(batch, 3, height, width)
    y = torch.rand(batch, 17, height // 4, width // 4)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    began = time.perf_counter()
    for _ in range(steps):
        step()
    print(f"IMAGES_PER_S {steps * batch / (time.perf_counter() - began):.3f}")


def infer(model, batch, height, width, runs):
    model.eval()
    x = torch.randn(batch, 3, height, width)
    times = []
    with torch.no_grad():
        for i in range(runs + 3):
            began = time.perf_counter()
            model(x)
            if i >= 3:
                times.append(time.perf_counter() - began)
    print(f"MEDIAN_MS {1000 * np.median(times):.3f}")


def main(mode, name, batch, height, width, steps, threads):
    torch.set_num_threads(threads)
    build, config = CONFIGS[name]
    {"train": train, "infer": infer}[mode](build(config, 17), batch, height, width, steps)


if __name__ == "__main__":
    mode, name, *numbers = sys.argv[1:]
    main(mode, name, *(int(n) for n in numbers))
