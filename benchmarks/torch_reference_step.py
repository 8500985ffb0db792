"""PyTorch reference side of benchmarks/train_throughput.py (runs in the reference venv, .venv-ref).

    .venv-ref/bin/python benchmarks/torch_reference_step.py MODEL BATCH H W STEPS THREADS
prints "IMAGES_PER_S <float>": mmpose 1.3.2's HRNet / LiteHRNet + 1x1 heatmap head, MSE, Adam, eager.
"""
import os
import sys
import time

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


def main(name, batch, height, width, steps, threads):
    torch.set_num_threads(threads)
    build, config = CONFIGS[name]
    model = build(config, 17).train()
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


if __name__ == "__main__":
    name, *numbers = sys.argv[1:]
    main(name, *(int(n) for n in numbers))
