"""Named training recipes (mmpose-style names: model, dataset, input size).

The paper recipes reproduce the published schedules on COCO; the synthetic
recipes train on the project's embedded dataset in minutes on a CPU.

    config = get_config("litehrnet_18_coco_256x192")
    config = get_config("litehrnet_18_synthetic_128x96").replace(epochs=2)
"""
import dataclasses
import difflib
import json

from hrkeras.errors import UsageError
from hrkeras.training.data.augment import Augmentation


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """One training recipe. Sizes are (W, H); batch_size is the global batch."""

    name: str
    model: str
    input_size: tuple
    model_kwargs: dict = dataclasses.field(default_factory=dict)  # backbone overrides, e.g. stage_modules
    dataset: str = "coco"                   # "coco" (needs a data root) or "synthetic"
    train_split: str = "train2017"
    val_split: str = "val2017"
    synthetic_images: tuple = (4000, 500)   # (train, val) images of the synthetic dataset
    synthetic_seed: int = 0
    sigma: float = 2.0
    unbiased: bool = False                  # DARK encoding (decode then defaults to "dark")
    batch_size: int = 64
    epochs: int = 210
    lr: float = 2e-3
    warmup_steps: int = 500
    warmup_ratio: float = 1e-3
    lr_schedule: str = "step"               # "step": x gamma at each milestone epoch; "cosine": to lr * min_lr_ratio
    milestones: tuple = (170, 200)
    gamma: float = 0.1
    min_lr_ratio: float = 0.0
    ohkm_topk: int = None                   # online hard keypoint mining (mmpose uses 8)
    augment: Augmentation = Augmentation()
    flip_test: bool = True
    decode: str = None                      # None: the codec's default ("quarter", or "dark" if unbiased)
    blur_kernel_size: int = 11              # DARK's heatmap blur (mmpose: 11 for sigma 2 at 64x48 maps)
    det_file: str = None                    # person detections for evaluation (None: ground-truth boxes)
    val_interval: int = 10                  # evaluate every N epochs (and after the last)
    seed: int = 0

    @property
    def heatmap_size(self):
        return (self.input_size[0] // 4, self.input_size[1] // 4)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """JSON-ready dict (tuples as lists), as stored in checkpoints."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


_LIGHT = Augmentation(rotation_prob=0.3, rotation_factor=30.0, scale_factor=0.25)


def _paper(name, model, input_size, lr, batch_size, **kw):
    return TrainConfig(name=name, model=model, input_size=input_size, lr=lr, batch_size=batch_size, **kw)


_CONFIGS = [
    # Lite-HRNet (HRNet/Lite-HRNet configs; mmpose td-hm_litehrnet-*_8xb64-210e): Adam 2e-3,
    # 500-step linear warm-up, x0.1 at epochs 170 and 200 of 210, batch 8 x 64.
    _paper("litehrnet_18_coco_256x192", "litehrnet_18", (192, 256), 2e-3, 512),
    _paper("litehrnet_18_coco_384x288", "litehrnet_18", (288, 384), 2e-3, 256, sigma=3.0),
    _paper("litehrnet_30_coco_256x192", "litehrnet_30", (192, 256), 2e-3, 512),
    _paper("litehrnet_30_coco_384x288", "litehrnet_30", (288, 384), 2e-3, 256, sigma=3.0),
    _paper("naive_litehrnet_18_coco_256x192", "naive_litehrnet_18", (192, 256), 2e-3, 512),
    # HRNet (deep-high-resolution-net w32_256x192_adam_lr1e-3; mmpose td-hm_hrnet-w32_8xb64-210e):
    # Adam 1e-3, same steps.
    _paper("hrnet_w32_coco_256x192", "hrnet_w32", (192, 256), 1e-3, 512),
    _paper("hrnet_w32_coco_384x288", "hrnet_w32", (288, 384), 1e-3, 256, sigma=3.0),
    _paper("hrnet_w48_coco_256x192", "hrnet_w48", (192, 256), 1e-3, 256),
    _paper("hrnet_w48_coco_384x288", "hrnet_w48", (288, 384), 1e-3, 256, sigma=3.0),
    # The embedded default: the synthetic dataset on a 2-core CPU (600 steps an epoch at 128x96, ~0.21 s a
    # step + ~40 s of graph tracing: ~17 min in all). Small batches and light augmentation learn fastest in
    # so few steps; the last epoch at a tenth of the rate adds ~6 AP points (a cosine schedule scored lower).
    # Adam 8e-3 scored best of 4e-3 / 6e-3 / 8e-3 / 1.2e-2 (README). sigma scales with the heatmap as in the
    # papers' recipes (2 at 64x48, 3 at 96x72): 1 at 32x24, +6 AP points over 2. DARK's blur kernel is 3,
    # chosen on a separate synthetic split (mmpose's 11, made for sigma 2 at 64x48, scored 1.1-1.7 points lower).
    # 7 epochs, not 8 (AP 0.752 in 19.1 min), keep the whole command clear of 20 minutes on a slow day.
    TrainConfig(
        name="litehrnet_18_synthetic_128x96", model="litehrnet_18", input_size=(96, 128), dataset="synthetic",
        train_split="train", val_split="val", batch_size=16, epochs=7, lr=8e-3, warmup_steps=100,
        milestones=(6,), unbiased=True, sigma=1.0, blur_kernel_size=3, val_interval=7, augment=_LIGHT,
    ),
    TrainConfig(
        name="hrnet_w32_synthetic_128x96", model="hrnet_w32", input_size=(96, 128), dataset="synthetic",
        train_split="train", val_split="val", batch_size=16, epochs=5, lr=1e-3, warmup_steps=100,
        milestones=(4,), unbiased=True, val_interval=5, augment=_LIGHT,
    ),
]
CONFIGS = {c.name: c for c in _CONFIGS}


def list_configs():
    return sorted(CONFIGS)


def get_config(name):
    """The named recipe; a ValueError names close matches."""
    if name not in CONFIGS:
        close = difflib.get_close_matches(name, list_configs(), n=3)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UsageError(f"unknown training config {name!r}", fix=f"{hint}known: {', '.join(list_configs())}")
    return CONFIGS[name]
