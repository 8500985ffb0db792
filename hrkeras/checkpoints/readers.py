"""Checkpoint file -> flat state dict {PyTorch key: numpy array (PyTorch layout)}.

Formats: PyTorch `.pth`/`.pt`/`.bin`/`.ckpt` (zip or legacy, read without torch),
`.safetensors`, and `.npz` (e.g. `np.savez(path, **{k: v.numpy() for k, v in sd.items()})`).
Every reader refuses hostile or damaged files with CheckpointFormatError.
"""
import os

import numpy as np

from hrkeras.errors import CheckpointFormatError

from .npz_format import read_npz
from .safe_pickle import Opaque
from .safe_zip import ZIP_MAGIC
from .safetensors_format import read_safetensors
from .torch_format import read_torch

TORCH_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".tar")
# Containers of the state dict in training checkpoints (mmengine/mmpose: "state_dict").
_CONTAINER_KEYS = ("state_dict", "model_state_dict", "model", "module", "net")
_MAX_NESTING = 8
_FORMATS = "use a PyTorch .pth/.pt, a .safetensors or an .npz state dict"


def _find_state_dict(obj, path, depth=0):
    """The {str: array} mapping inside a loaded checkpoint object."""
    if not isinstance(obj, dict):
        kind = f"{obj.module[:40]}.{obj.name[:40]} object" if isinstance(obj, Opaque) else type(obj).__name__
        raise CheckpointFormatError(f"holds a {kind}, not a state dict", path, _FORMATS)
    arrays = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, np.ndarray)}
    if arrays and len(arrays) >= len(obj) // 2:
        return arrays
    for key in _CONTAINER_KEYS:
        if isinstance(obj.get(key), dict) and depth < _MAX_NESTING:
            return _find_state_dict(obj[key], path, depth + 1)
    keys = sorted(k[:40] for k in obj if isinstance(k, str))[:10]
    raise CheckpointFormatError(
        f"no state dict found (top-level keys: {keys}); expected tensors at the top level or under one of "
        f"{list(_CONTAINER_KEYS)}", path, "save model.state_dict()")


def _starts_like_zip(path):
    with open(path, "rb") as f:
        return f.read(4) in ZIP_MAGIC


def read_state_dict(path):
    """{key: np.ndarray} of the checkpoint at `path` (format from its content and suffix).

    Raises:
        CheckpointFormatError: a file of another format, truncated, damaged or hostile.
        FileNotFoundError, OSError: the file is missing or cannot be read.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    lower = path.lower()
    if lower.endswith(".safetensors"):
        return read_safetensors(path)
    if lower.endswith(".npz"):
        return read_npz(path)
    if lower.endswith(".keras") or lower.endswith(".h5"):
        raise CheckpointFormatError("a Keras file, not a PyTorch checkpoint", path,
                                    "load it with keras.models.load_model / model.load_weights")
    if lower.endswith(TORCH_SUFFIXES) or _starts_like_zip(path):
        return _find_state_dict(read_torch(path), path)
    raise CheckpointFormatError("unknown checkpoint format", path, _FORMATS)
