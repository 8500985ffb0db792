"""Load PyTorch-layout checkpoints into hrkeras models, all or nothing."""
import collections
import os
import warnings
from dataclasses import dataclass, field

from .describe import describe_checkpoint
from .keys import normalize_key, normalize_state_dict
from .mapping import slot_name, weight_slots
from .readers import read_state_dict

_SHOWN = 12  # names listed per category in error messages


class CheckpointMismatchError(ValueError):
    """The checkpoint does not fit the model; nothing was loaded."""


@dataclass
class LoadReport:
    loaded: int
    missing: list = field(default_factory=list)  # model weights the file lacks (Keras `layer.param`)
    unexpected: list = field(default_factory=list)  # file keys the model has no place for

    def __str__(self):
        return f"loaded {self.loaded} tensors; {len(self.missing)} missing, {len(self.unexpected)} unexpected"


def _listing(title, names):
    """Names under a title; long lists are summarized by module (`stage1.1.* (92)`) first."""
    if not names:
        return ""
    shown = "\n".join(f"    {n}" for n in names[:_SHOWN])
    more = ""
    if len(names) > _SHOWN:
        groups = collections.Counter(".".join((normalize_key(n) or n).replace("_", ".").split(".")[:2]) for n in names)
        summary = ", ".join(f"{g}.* ({c})" for g, c in groups.most_common(8))
        more = f"\n    ... and {len(names) - _SHOWN} more; by module: {summary}"
    return f"\n  {len(names)} {title}:\n{shown}{more}"


def _model_description(model):
    config = getattr(model, "_head_config", {})
    head = ", ".join(f"{k}={config[k]}" for k in ("num_keypoints", "num_classes") if k in config)
    return f"{model.name!r} ({type(model).__name__}{', ' + head if head else ''})"


def load_checkpoint(model, source, strict=True):
    """Copy the weights of a PyTorch checkpoint into `model`.

    Args:
        model: an hrkeras model (any task) or backbone.
        source: path of a .pth/.pt/.safetensors/.npz file, or a {key: array}
            state dict, in any layout of hrkeras.checkpoints.keys (official
            HRNet repos, timm, mmpose 0.x/1.x, Lite-HRNet); NCHW/OIHW arrays.
        strict: if True, every model weight must be in the file and every file
            tensor must have a place in the model. If False, missing and
            unexpected keys are allowed and reported (a warning and the returned
            report), e.g. ImageNet weights into a pose backbone.

    Shape mismatches always fail. On failure nothing is loaded and the error
    lists the offending names and what the file seems to be for.

    Returns:
        LoadReport.
    """
    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the state dict"
    state = read_state_dict(source) if isinstance(source, (str, os.PathLike)) else dict(source)
    slots = weight_slots(model)
    by_slot = {slot_name(k): (orig, arr) for k, (orig, arr) in normalize_state_dict(state).items()}

    missing = sorted(name for name in slots if name not in by_slot)
    unexpected = sorted(orig for name, (orig, _) in by_slot.items() if name not in slots)
    mismatched = [
        f"{orig}: file {tuple(arr.shape)}, model {slots[name].torch_shape}"
        for name, (orig, arr) in sorted(by_slot.items())
        if name in slots and tuple(arr.shape) != slots[name].torch_shape
    ]
    if mismatched or (strict and (missing or unexpected)):
        info = describe_checkpoint(state)
        hint = (
            f"\nThe file looks like {info}: hrkeras.create_model(**{info.create_model_kwargs()})"
            if info else "\nThe file's layout is not one hrkeras recognizes (hrkeras.checkpoints.keys lists them)."
        )
        relax = "" if mismatched else "\nPass strict=False to load the matching tensors anyway."
        raise CheckpointMismatchError(
            f"{label} does not fit model {_model_description(model)}; nothing was loaded."
            + _listing("shape mismatches (PyTorch layout)", mismatched)
            + _listing("model weights missing from the file (Keras layer.parameter)", missing)
            + _listing("unexpected keys in the file", unexpected)
            + hint + relax
        )
    # every conversion before the first assignment, so a failure leaves the model untouched
    converted = [(slots[name], slots[name].value(arr)) for name, (_, arr) in by_slot.items() if name in slots]
    for slot, value in converted:
        slot.variable.assign(value)
    report = LoadReport(len(converted), missing, unexpected)
    if missing or unexpected:
        warnings.warn(
            f"{label} -> {model.name}: {report}"
            + _listing("missing (left as initialized)", missing) + _listing("unexpected (ignored)", unexpected),
            stacklevel=2,
        )
    return report
