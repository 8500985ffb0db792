"""What model a state dict is for: family, backbone configuration, task, head size.

Read from the key names and shapes alone, so a file can be matched to a
registry variant (`hrkeras import-weights` without --model, and the hint in
mismatch errors).
"""
import inspect
import os
import re
from dataclasses import dataclass, field

from hrkeras.models.families import FAMILIES

from .keys import normalize_state_dict
from .readers import read_state_dict


@dataclass
class CheckpointInfo:
    family: str  # "hrnet" | "litehrnet"
    task: str  # "pose" | "classification" | "segmentation" | "backbone"
    config: dict  # backbone arguments read from the weights
    head: dict = field(default_factory=dict)  # num_keypoints / num_classes / head sizes
    variant: str = None  # registry name whose configuration equals `config`

    def create_model_kwargs(self):
        """Arguments of hrkeras.create_model that build this model."""
        kwargs = dict(name=self.variant or next(iter(FAMILIES[self.family].variants)), task=self.task)
        kwargs.update({k: v for k, v in self.head.items() if k in ("num_keypoints", "num_classes")})
        head_kwargs = {k: v for k, v in self.head.items() if k not in ("num_keypoints", "num_classes")}
        if head_kwargs:
            kwargs["head_kwargs"] = head_kwargs
        if not self.variant:
            kwargs.update(self.config)
        return kwargs

    def __str__(self):
        head = ", ".join(f"{k}={v}" for k, v in self.head.items())
        what = self.variant or f"a {self.family} not in the registry ({self.config})"
        return f"{what}, task {self.task!r}" + (f" ({head})" if head else "")


def _count(keys, pattern):
    """Number of distinct integers captured by `pattern` (a regex with one group) in `keys`."""
    rx = re.compile(pattern)
    return len({m.group(1) for k in keys if (m := rx.match(k))})


def _hrnet(shapes):
    keys = list(shapes)
    n_stages = _count(keys, r"stage(\d+)\.")
    config = dict(
        stem_channels=shapes["conv1.weight"][0],
        stage1_channels=shapes["layer1.0.conv1.weight"][0],
        stage1_blocks=_count(keys, r"layer1\.(\d+)\."),
        stage_modules=[_count(keys, rf"stage{s}\.(\d+)\.") for s in range(2, n_stages + 2)],
        stage_blocks=[_count(keys, rf"stage{s}\.0\.branches\.0\.(\d+)\.") for s in range(2, n_stages + 2)],
        widths=[shapes[f"stage{n_stages + 1}.0.branches.{b}.0.conv1.weight"][0] for b in range(n_stages + 1)],
    )
    if "classifier.weight" in shapes:
        head = dict(num_classes=shapes["classifier.weight"][0],
                    head_channels=[shapes[f"incre_modules.{i}.0.conv1.weight"][0] for i in range(n_stages + 1)],
                    num_features=shapes["final_layer.0.weight"][0])
        return "classification", config, head
    if "last_layer.3.weight" in shapes:
        return "segmentation", config, dict(num_classes=shapes["last_layer.3.weight"][0])
    if "final_layer.weight" in shapes:
        return "pose", config, dict(num_keypoints=shapes["final_layer.weight"][0])
    return "backbone", config, {}


def _reduce_ratio(shapes, widths, n_stages):
    """CrossResolutionWeighting squeezes sum(C_i / 2) to int(sum / ratio) channels;
    the ratio consistent with every stage (8 in all published configs)."""
    for ratio in (8, 4, 16, 2, 32, 1):
        if all(shapes[f"stage{s}.0.layers.0.cross_resolution_weighting.conv1.conv.weight"][0]
               == int(sum(widths[: s + 2]) / 2 / ratio) for s in range(n_stages)):
            return ratio
    raise KeyError("cross_resolution_weighting ratio")


def _litehrnet(shapes):
    keys = list(shapes)
    n_stages = _count(keys, r"stage(\d+)\.")
    last = n_stages - 1
    naive = any(".branch2." in k for k in keys)
    if naive:
        widths = [2 * shapes[f"stage{last}.0.layers.{b}.0.branch2.0.conv.weight"][0] for b in range(n_stages + 1)]
        blocks = [_count(keys, rf"stage{s}\.0\.layers\.0\.(\d+)\.") for s in range(n_stages)]
        reduce_ratio = 8
    else:
        widths = [2 * shapes[f"stage{last}.0.layers.0.depthwise_convs.{b}.conv.weight"][0]
                  for b in range(n_stages + 1)]
        blocks = [_count(keys, rf"stage{s}\.0\.layers\.(\d+)\.") for s in range(n_stages)]
        reduce_ratio = _reduce_ratio(shapes, widths, n_stages)
    stem = shapes["stem.conv1.conv.weight"][0]
    config = dict(
        widths=widths,
        stage_modules=[_count(keys, rf"stage{s}\.(\d+)\.") for s in range(n_stages)],
        stage_blocks=blocks,
        module_type="naive" if naive else "lite",
        reduce_ratio=reduce_ratio,
        stem_channels=stem,
        stem_out_channels=shapes["stem.branch1.1.conv.weight"][0] + shapes["stem.linear_conv.conv.weight"][0],
        stem_expand_ratio=shapes["stem.expand_conv.conv.weight"][0] / stem,
    )
    if config["stem_expand_ratio"].is_integer():
        config["stem_expand_ratio"] = int(config["stem_expand_ratio"])
    if "final_layer.weight" in shapes:
        return "pose", config, dict(num_keypoints=shapes["final_layer.weight"][0])
    return "backbone", config, {}


def variant_config(family, name):
    """Full backbone configuration of registry variant `name` (class defaults + its row), lists for tuples."""
    fam = FAMILIES[family]
    params = inspect.signature(fam.backbone_cls.__init__).parameters
    config = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
    config.update(fam.variants[name])
    return {k: list(v) if isinstance(v, tuple) else v for k, v in config.items()}


def registry_variant(family, config):
    """The registry variant whose configuration agrees with `config` on every key `config` has, or None."""
    for name in FAMILIES[family].variants:
        full = variant_config(family, name)
        if all(full.get(k) == v for k, v in config.items()):
            return name
    return None


def describe_checkpoint(source):
    """CheckpointInfo of a checkpoint path or {key: array} state dict, or None if unrecognized."""
    state = read_state_dict(source) if isinstance(source, (str, os.PathLike)) else source
    shapes = {k: tuple(arr.shape) for k, (_, arr) in normalize_state_dict(state).items()}
    try:
        if "layer1.0.conv1.weight" in shapes:
            family, (task, config, head) = "hrnet", _hrnet(shapes)
        elif "stem.conv1.conv.weight" in shapes:
            family, (task, config, head) = "litehrnet", _litehrnet(shapes)
        else:
            return None
    except (KeyError, IndexError, ZeroDivisionError):
        return None  # an unfamiliar layout (or 0-d/empty tensors where layers belong); the loader lists the keys
    return CheckpointInfo(family, task, config, head, registry_variant(family, config))
