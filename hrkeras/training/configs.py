"""Training recipes: one dataclass per task over the fields every task shares; the named rows live in
`recipes.py` (mmpose / mmseg-style names: model, dataset, input size H x W).

    config = get_config("litehrnet_18_coco_256x192")
    config = get_config("litehrnet_18_synthetic_128x96").replace(epochs=2, time_budget_minutes=None)
    config.task     # "pose"
"""
import dataclasses
import difflib
import json
from typing import ClassVar

from hrkeras.errors import UsageError
from hrkeras.training.data.augment import Augmentation


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What every task's recipe holds. input_size is (H, W); batch_size is the global batch.

    optimizer "adam" (Keras Adam) or "sgd" (PyTorch's SGD: momentum, L2 weight decay on the gradient);
    lr_schedule "step" (x gamma at each milestone epoch), "cosine" (to lr * min_lr_ratio) or "poly"
    (lr * (1 - step / total) ** power, HRNet-Semantic-Segmentation), each after a linear warm-up.
    time_budget_minutes: the training steps are those that fit in the budget at the pace measured on the
    first steps, then on each epoch; the schedule of `epochs` is laid over them, its milestones and its
    evaluations (every val_interval of its epochs) at the same fractions of the run.
    steps: train this many steps, the schedule of `epochs` laid over them as over a budget's (a budgeted run's
    steps, reproduced on any machine).
    """

    task: ClassVar[str] = None
    name: str
    model: str
    input_size: tuple
    model_kwargs: dict = dataclasses.field(default_factory=dict)  # backbone overrides, e.g. stage_modules
    dataset: str = "synthetic"
    train_split: str = "train"
    val_split: str = "val"
    batch_size: int = 64
    epochs: int = 210
    optimizer: str = "adam"
    lr: float = 2e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    warmup_steps: int = 0
    warmup_ratio: float = 1e-3
    lr_schedule: str = "step"
    milestones: tuple = ()
    gamma: float = 0.1
    min_lr_ratio: float = 0.0
    power: float = 0.9
    val_interval: int = 10                  # evaluate every N epochs of the schedule (and after the last)
    seed: int = 0
    time_budget_minutes: float = None       # train for this long instead of `epochs` (hrkeras.training.budget)
    steps: int = None                       # or this many steps

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    @property
    def laid_over(self):
        """Whether the schedule of `epochs` is laid over other steps: a time budget's or `steps`."""
        return bool(self.time_budget_minutes or self.steps)

    def to_dict(self):
        """JSON-ready dict (tuples as lists) with the task, as stored in checkpoints."""
        return {"task": self.task, **json.loads(json.dumps(dataclasses.asdict(self)))}


@dataclasses.dataclass(frozen=True)
class PoseConfig(TrainConfig):
    """Top-down heatmap pose (COCO keypoints or the embedded synthetic set)."""

    task: ClassVar[str] = "pose"
    dataset: str = "coco"                   # "coco" (needs a data root) or "synthetic"
    train_split: str = "train2017"
    val_split: str = "val2017"
    warmup_steps: int = 500
    milestones: tuple = (170, 200)
    synthetic_images: tuple = (4000, 500)   # (train, val) images of the synthetic dataset
    synthetic_seed: int = 0
    sigma: float = 2.0
    unbiased: bool = False                  # DARK encoding (decode then defaults to "dark")
    ohkm_topk: int = None                   # online hard keypoint mining (mmpose uses 8)
    augment: Augmentation = Augmentation()
    flip_test: bool = True
    decode: str = None                      # None: the codec's default ("quarter", or "dark" if unbiased)
    blur_kernel_size: int = 11              # DARK's heatmap blur (mmpose: 11 for sigma 2 at 64x48 maps)
    det_file: str = None                    # person detections for evaluation (None: ground-truth boxes)

    @property
    def heatmap_size(self):
        """(H, W) of the heatmaps: a quarter of the input."""
        return (self.input_size[0] // 4, self.input_size[1] // 4)


@dataclasses.dataclass(frozen=True)
class SegmentationConfig(TrainConfig):
    """Semantic segmentation (HRNet-Semantic-Segmentation's recipe and data pipeline).

    dataset: "synthetic_parts" (the embedded person-parts set), "cityscapes" or "folder" (images/, annotations/,
    classes.txt). Training: random scale in scale_range, pad, crop input_size (redrawn while one class covers
    more than cat_max_ratio of it, up to 10 times, as mmseg's RandomCrop), flip. Loss: cross-entropy
    over the logits resized to the label (ignore_index skipped, optional class_weights), or with `ohem` only
    the pixels whose true-class probability is under ohem_thresh, at least ohem_keep of them.
    Test: "whole" resizes the image to input_size; "slide" runs input_size windows over the image resized to
    test_size (H, W) at each of test_scales; test_flip averages with the mirrored image.
    """

    task: ClassVar[str] = "segmentation"
    dataset: str = "synthetic_parts"
    num_classes: int = 7
    head_channels: int = None               # the head's 1x1 conv width (None: the concatenated branches')
    ignore_index: int = 255
    class_weights: tuple = None
    ohem: bool = False
    ohem_thresh: float = 0.9
    ohem_keep: int = 131072
    scale_range: tuple = (0.5, 2.0)
    base_size: int = None                   # long side an image is scaled to before the random scale
    cat_max_ratio: float = 1.0
    flip: bool = True
    test_mode: str = "whole"
    test_size: tuple = None
    test_scales: tuple = (1.0,)
    test_flip: bool = False
    synthetic_images: tuple = (3000, 300)
    synthetic_seed: int = 0


@dataclasses.dataclass(frozen=True)
class ClassificationConfig(TrainConfig):
    """Image classification on an image-folder layout (ROOT/train/<class>/*.jpg, ROOT/val/<class>/...).

    Training: random-resized crop (area in crop_scale, aspect in crop_ratio) and flip; test: resize the short
    side to input / test_crop_fraction, centre crop (the standard 256 -> 224). label_smoothing as in
    keras.losses.CategoricalCrossentropy.
    """

    task: ClassVar[str] = "classification"
    dataset: str = "folder"
    num_classes: int = 1000
    head_channels: tuple = (32, 64, 128, 256)   # HRNet-C's head (ImageClassifier): Bottleneck planes per branch...
    num_features: int = 2048                    # ...and the last 1x1 conv's width
    label_smoothing: float = 0.0
    crop_scale: tuple = (0.08, 1.0)
    crop_ratio: tuple = (3 / 4, 4 / 3)
    test_crop_fraction: float = 0.875


def list_configs(task=None):
    from hrkeras.training.recipes import CONFIGS

    return sorted(name for name, c in CONFIGS.items() if task in (None, c.task))


def get_config(name):
    """The named recipe; a UsageError names close matches."""
    from hrkeras.training.recipes import CONFIGS

    if name not in CONFIGS:
        close = difflib.get_close_matches(name, list_configs(), n=3)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UsageError(f"unknown training config {name!r}", fix=f"{hint}known: {', '.join(list_configs())}")
    return CONFIGS[name]
