"""The model families and their variant tables: which backbone class builds a variant, which tasks it
supports and the backbone options each task needs (timm-style names).

`registry.py` builds models from it and `checkpoints/describe.py` matches checkpoints against it; it imports
neither, so the two can depend on it without depending on each other.
"""
import difflib
from dataclasses import dataclass, field

from hrkeras.errors import UsageError
from hrkeras.models.hrnas.hrnas_backbone import HRNASBackbone
from hrkeras.models.hrnas.hrnas_tasks import build_task as hrnas_task
from hrkeras.models.hrnas.hrnas_variants import HRNAS_PUBLISHED, HRNAS_VARIANTS
from hrkeras.models.hrnet.hrnet_backbone import HRNetBackbone
from hrkeras.models.hrnet.hrnet_variants import HRNET_PUBLISHED, HRNET_VARIANTS
from hrkeras.models.litehrnet.litehrnet_backbone import LiteHRNetBackbone
from hrkeras.models.litehrnet.litehrnet_variants import LITEHRNET_PUBLISHED, LITEHRNET_VARIANTS


@dataclass
class Family:
    backbone_cls: type
    variants: dict
    published: dict
    task_options: dict  # task -> backbone kwargs
    pose_head: str
    build_task: object = None  # task(task, backbone, num_keypoints, num_classes, name, **head_kwargs), own heads
    tasks: tuple = field(init=False)

    def __post_init__(self):
        self.tasks = tuple(self.task_options)


FAMILIES = {
    "hrnet": Family(
        HRNetBackbone, HRNET_VARIANTS, HRNET_PUBLISHED,
        task_options={
            "pose": dict(multiscale_output=False),
            "classification": {},
            "segmentation": dict(interpolation="bilinear", align_corners=False),
            "pyramid": {},
            "backbone": {},
        },
        pose_head="simple",
    ),
    "litehrnet": Family(
        LiteHRNetBackbone, LITEHRNET_VARIANTS, LITEHRNET_PUBLISHED,
        task_options={"pose": {}, "segmentation": {}, "pyramid": {}, "backbone": {}},
        pose_head="iterative",
    ),
    "hrnas": Family(
        HRNASBackbone, HRNAS_VARIANTS, HRNAS_PUBLISHED,
        task_options={
            "pose": dict(bn_momentum=0.1, bn_epsilon=1e-5),  # official keypoint config
            "segmentation": dict(bn_momentum=0.01, bn_epsilon=1e-3),
            "classification": dict(bn_momentum=0.01, bn_epsilon=1e-3),
            "backbone": {},
        },
        pose_head="hrnas",
        build_task=hrnas_task,
    ),
}


def list_models():
    """All registered variant names, e.g. ['hrnet_w18', ..., 'litehrnet_18', ...]."""
    return sorted(name for family in FAMILIES.values() for name in family.variants)


def get_family(name):
    """Family of a variant name; raises a ValueError naming close matches."""
    for family in FAMILIES.values():
        if name in family.variants:
            return family
    close = difflib.get_close_matches(name, list_models(), n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise UsageError(f"unknown model {name!r}", fix=f"{hint}hrkeras.list_models() or 'hrkeras models' lists all")
