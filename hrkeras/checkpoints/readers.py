"""Checkpoint file -> flat state dict {PyTorch key: numpy array (PyTorch layout)}.

Formats: PyTorch `.pth`/`.pt`/`.bin`/`.ckpt` (zip or legacy, read without torch),
`.safetensors`, and `.npz` (e.g. `np.savez(path, **{k: v.numpy() for k, v in sd.items()})`).
"""
import os
import zipfile

import numpy as np

from .safetensors_format import read_safetensors
from .torch_format import read_torch

TORCH_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".tar")
# Containers of the state dict in training checkpoints (mmengine/mmpose: "state_dict").
_CONTAINER_KEYS = ("state_dict", "model_state_dict", "model", "module", "net")


def _find_state_dict(obj, path):
    """The {str: array} mapping inside a loaded checkpoint object."""
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: holds a {type(obj).__name__}, not a state dict")
    arrays = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, np.ndarray)}
    if arrays and len(arrays) >= len(obj) // 2:
        return arrays
    for key in _CONTAINER_KEYS:
        if isinstance(obj.get(key), dict):
            return _find_state_dict(obj[key], path)
    raise ValueError(
        f"{path}: no state dict found (top-level keys: {sorted(map(str, obj))[:10]}); "
        f"expected tensors at the top level or under one of {list(_CONTAINER_KEYS)}"
    )


def read_state_dict(path):
    """{key: np.ndarray} of the checkpoint at `path` (format from its content and suffix)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    lower = path.lower()
    if lower.endswith(".safetensors"):
        return read_safetensors(path)
    if lower.endswith(".npz"):
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    if lower.endswith(".keras") or lower.endswith(".h5"):
        raise ValueError(f"{path} is a Keras file: load it with keras.models.load_model / model.load_weights")
    if lower.endswith(TORCH_SUFFIXES) or zipfile.is_zipfile(path):
        return _find_state_dict(read_torch(path), path)
    raise ValueError(
        f"{path}: unknown checkpoint format; use a PyTorch .pth/.pt, a .safetensors or an .npz state dict"
    )
