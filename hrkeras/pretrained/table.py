"""The published weights hrkeras can fetch by name: one PretrainedEntry per (model, task, tag).

Every URL, file name, hash and figure below is copied from the page named in the entry's `source`
(read 2026-11-29): the mmpose model zoo pages `configs/body_2d_keypoint/topdown_heatmap/{coco,mpii}/*.md`
of open-mmlab/mmpose, the timm model cards and file pages on the Hugging Face hub (`timm/<name>`) and
timm's results/results-imagenet.csv.

    >>> [e.tag for e in list_pretrained("litehrnet_18")]
    ['coco', 'coco_384x288', 'mpii']
"""
import re
from dataclasses import asdict, dataclass

from hrkeras.errors import UsageError

# Normalization of both sources, in 0..255 pixel units of an RGB image: mmpose's PoseDataPreprocessor
# (mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True) and timm's
# pretrained_cfg (mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225) of [0, 1] RGB) are the same.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)

_MMPOSE_NAME = re.compile(r"-([0-9a-f]{8})_\d{8}\.pth$")  # tools/misc/publish_model.py: -{sha256[:8]}_{date}


@dataclass(frozen=True)
class PretrainedEntry:
    """One published checkpoint and how it expects to be used.

    Args:
        model: str, registry name (hrkeras.list_models()).
        task: str, "pose" | "classification" | ...
        tag: str, the name users pass as `weights=`, e.g. "coco".
        source: str, who publishes the file and the page it is listed on.
        url: str, the download address as that page publishes it.
        input_size: tuple[int, int], (height, width) the weights were trained and evaluated at.
        metric: str, what `accuracy` measures (dataset, split, protocol).
        accuracy: float, the published figure.
        sha256: str | None, full sha256 of the file where the source publishes it (Hugging Face LFS).
        num_outputs: int, keypoints (pose) or classes (classification) of the checkpoint's head.
        mean: tuple[float, float, float], per-channel mean subtracted from RGB pixels in 0..255.
        std: tuple[float, float, float], per-channel divisor after the mean.
        color: str, channel order the weights expect.

    Example:
        >>> entry = find_entry("litehrnet_18", "pose", "coco")
        >>> entry.file_name, entry.input_size, entry.sha256_prefix
        ('litehrnet18_coco_256x192-6bace359_20211230.pth', (256, 192), '6bace359')
    """

    model: str
    task: str
    tag: str
    source: str
    url: str
    input_size: tuple
    metric: str
    accuracy: float
    sha256: str = None
    num_outputs: int = None
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    color: str = "RGB"

    @property
    def file_name(self):
        """str, the file name the source publishes (last part of the URL)."""
        return self.url.rsplit("/", 1)[-1]

    @property
    def cache_name(self):
        """str, the name of the file in the cache: the published one, with the hub repo before it for
        Hugging Face files (every timm repo names its file model.safetensors)."""
        if "huggingface.co/" not in self.url:
            return self.file_name
        repo = self.url.split("huggingface.co/", 1)[1].split("/resolve/")[0]
        return f"{repo.replace('/', '--')}--{self.file_name}"

    @property
    def sha256_prefix(self):
        """str | None, the first 8 hex digits of the sha256 that mmpose puts in its file names."""
        match = _MMPOSE_NAME.search(self.url)
        return match.group(1) if match else None

    def as_dict(self):
        """dict of every field plus file_name, cache_name and sha256_prefix."""
        return {**asdict(self), "file_name": self.file_name, "cache_name": self.cache_name,
                "sha256_prefix": self.sha256_prefix}


_ZOO = "mmpose model zoo, configs/body_2d_keypoint/topdown_heatmap/{}.md (open-mmlab/mmpose)"
_LITE_ZOO, _HRNET_ZOO = _ZOO.format("coco/litehrnet_coco"), _ZOO.format("coco/hrnet_coco")
_LITE_MPII, _HRNET_MPII = _ZOO.format("mpii/litehrnet_mpii"), _ZOO.format("mpii/hrnet_mpii")
_COCO_AP = "COCO val2017 keypoint AP, person boxes of a detector with 56.4 human AP, flip test"
_MPII_PCKH = "MPII val PCKh@0.5 (Mean), flip test"
_MM = "https://download.openmmlab.com/mmpose"
_MM1 = f"{_MM}/v1/body_2d_keypoint/topdown_heatmap/coco"


def _timm(name):
    return (f"timm on the Hugging Face hub: model card and file page of timm/{name} (URL, sha256, "
            "normalization); accuracy from timm's results/results-imagenet.csv (huggingface/pytorch-image-models)")


_IN1K_TOP1 = "ImageNet-1k val top-1 (%), 224x224 center crop (crop_pct {}, bilinear resize)"
_HF = "https://huggingface.co/timm/{}/resolve/main/model.safetensors"


def _pose(model, tag, size, url, ap, source):
    return PretrainedEntry(model, "pose", tag, source, url, size, _COCO_AP, ap, num_outputs=17)


def _mpii(model, url, pckh, source):
    return PretrainedEntry(model, "pose", "mpii", source, url, (256, 256), _MPII_PCKH, pckh, num_outputs=16)


def _cls(model, timm_name, top1, sha256, crop_pct=0.875):
    return PretrainedEntry(model, "classification", "imagenet", _timm(timm_name), _HF.format(timm_name), (224, 224),
                           _IN1K_TOP1.format(crop_pct), top1, sha256=sha256, num_outputs=1000)


ENTRIES = (
    _pose("litehrnet_18", "coco", (256, 192),
          f"{_MM}/top_down/litehrnet/litehrnet18_coco_256x192-6bace359_20211230.pth", 0.642, _LITE_ZOO),
    _pose("litehrnet_18", "coco_384x288", (384, 288),
          f"{_MM}/top_down/litehrnet/litehrnet18_coco_384x288-8d4dac48_20211230.pth", 0.676, _LITE_ZOO),
    _pose("litehrnet_30", "coco", (256, 192),
          f"{_MM}/top_down/litehrnet/litehrnet30_coco_256x192-4176555b_20210626.pth", 0.676, _LITE_ZOO),
    _pose("litehrnet_30", "coco_384x288", (384, 288),
          f"{_MM}/top_down/litehrnet/litehrnet30_coco_384x288-a3aef5c4_20210626.pth", 0.700, _LITE_ZOO),
    _pose("hrnet_w32", "coco", (256, 192),
          f"{_MM1}/td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth", 0.749, _HRNET_ZOO),
    _pose("hrnet_w32", "coco_384x288", (384, 288),
          f"{_MM1}/td-hm_hrnet-w32_8xb64-210e_coco-384x288-ca5956af_20220909.pth", 0.761, _HRNET_ZOO),
    _pose("hrnet_w48", "coco", (256, 192),
          f"{_MM1}/td-hm_hrnet-w48_8xb32-210e_coco-256x192-0e67c616_20220913.pth", 0.756, _HRNET_ZOO),
    _pose("hrnet_w48", "coco_384x288", (384, 288),
          f"{_MM1}/td-hm_hrnet-w48_8xb32-210e_coco-384x288-c161b7de_20220915.pth", 0.767, _HRNET_ZOO),
    _mpii("litehrnet_18", f"{_MM}/top_down/litehrnet/litehrnet18_mpii_256x256-cabd7984_20210623.pth", 0.859,
          _LITE_MPII),
    _mpii("litehrnet_30", f"{_MM}/top_down/litehrnet/litehrnet30_mpii_256x256-faae8bd8_20210622.pth", 0.869,
          _LITE_MPII),
    _mpii("hrnet_w32", f"{_MM}/top_down/hrnet/hrnet_w32_mpii_256x256-6c4f923f_20200812.pth", 0.900, _HRNET_MPII),
    _mpii("hrnet_w48", f"{_MM}/top_down/hrnet/hrnet_w48_mpii_256x256-92cab7bd_20200812.pth", 0.901, _HRNET_MPII),
    _cls("hrnet_w18_small_v2", "hrnet_w18_small_v2.ms_in1k", 75.094,
         "cd7436f6de68d589ac0d05b90e49199c9ad28669381a25250e9667aa9e5b670e"),
    _cls("hrnet_w18", "hrnet_w18.ms_aug_in1k", 78.110,  # timm's default hrnet_w18 weights
         "f9e3c451448c037d4dd549c96f3013d2926b492f69f27c74bbcc909e053e677c", crop_pct=0.95),
    _cls("hrnet_w32", "hrnet_w32.ms_in1k", 78.452, None),  # no sha256 found in the stored hub pages
    _cls("hrnet_w44", "hrnet_w44.ms_in1k", 78.890,
         "43df38c066d1f0922c59d530d8bd705048c5399c110906485bafc40a62130e33"),
)


def list_pretrained(model=None, task=None):
    """The published weights hrkeras can fetch, optionally of one model and/or task.

    Args:
        model: str | None, a registry name such as "litehrnet_18".
        task: str | None, "pose", "classification", ...

    Returns:
        list[PretrainedEntry], in table order (entry.as_dict() gives a plain dict).

    Example:
        >>> [(e.model, e.tag) for e in list_pretrained(task="classification")][:2]
        [('hrnet_w18_small_v2', 'imagenet'), ('hrnet_w18', 'imagenet')]
    """
    return [e for e in ENTRIES if model in (None, e.model) and task in (None, e.task)]


def find_entry(model, task, tag):
    """The entry of `tag` for `model` and `task`; an unknown tag raises UsageError naming the known ones.

    Args:
        model: str, registry name.
        task: str, the task the model is built for.
        tag: str, e.g. "coco", "coco_384x288", "imagenet".
    """
    for entry in ENTRIES:
        if (entry.model, entry.task, entry.tag) == (model, task, tag):
            return entry
    tags = [e.tag for e in list_pretrained(model, task)]
    known = f"tags for {model} ({task}): {', '.join(tags)}" if tags else f"no published weights for {model} ({task})"
    raise UsageError(f"unknown weights {tag!r} for {model} ({task}); {known}",
                     fix="pass one of those tags or the path of a checkpoint file; hrkeras.list_pretrained() "
                         "lists all")
