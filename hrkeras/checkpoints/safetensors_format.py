"""Reader of the safetensors format (Hugging Face hub weights, e.g. timm's HRNets).

Layout: 8-byte little-endian header length, a JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian tensor bytes. Read with numpy alone (no torch); every
size in the header is checked against the file before anything is built.
"""
import json
import math
import struct

import numpy as np

from hrkeras.errors import CheckpointFormatError

from .dtypes import bfloat16_to_float32
from .tensors import MAX_DIMS, MAX_INT

_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U8": "u1", "BOOL": "?",
}
MAX_HEADER = 100 << 20  # the format's own limit
_DAMAGED = "download the file again"
_FIX = "save it with safetensors.torch.save_file"


def _header(raw, path):
    if len(raw) < 8:
        what = "an empty file" if not raw else "not a safetensors file (shorter than its 8-byte header length)"
        raise CheckpointFormatError(what, path, _FIX)
    (length,) = struct.unpack("<Q", raw[:8])
    if length > MAX_HEADER:
        raise CheckpointFormatError(f"not a safetensors file (header length {length} > {MAX_HEADER})", path, _FIX)
    if 8 + length > len(raw):
        raise CheckpointFormatError("truncated safetensors file: its header ends past the end of the file",
                                    path, _DAMAGED)
    try:
        header = json.loads(raw[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise CheckpointFormatError(f"not a safetensors file (its header is not JSON: {str(err)[:80]})",
                                    path, _FIX) from None
    if type(header) is not dict:
        raise CheckpointFormatError("not a safetensors file (its header is not a JSON object)", path, _FIX)
    return header, memoryview(raw)[8 + length:]


def _tensor(name, info, data, path):
    label = f"tensor {name[:80]!r}"

    def bad(what, fix=_FIX):
        return CheckpointFormatError(f"safetensors {label} {what}", path, fix)

    if type(info) is not dict:
        raise bad("is not described by a JSON object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if type(dtype) is not str or dtype not in _DTYPES:
        raise bad(f"has dtype {str(dtype)[:20]}, which hrkeras does not read")
    if type(shape) is not list or len(shape) > MAX_DIMS or any(type(n) is not int or not 0 <= n < MAX_INT
                                                               for n in shape):
        raise bad(f"has no valid shape (a list of at most {MAX_DIMS} non-negative integers)")
    if type(offsets) is not list or len(offsets) != 2 or any(type(o) is not int or not 0 <= o < MAX_INT
                                                             for o in offsets) or offsets[0] > offsets[1]:
        raise bad("has no valid data_offsets [begin, end]")
    begin, end = offsets
    if end > len(data):
        raise CheckpointFormatError(f"truncated safetensors file: {label} ends past the data (byte {end} of "
                                    f"{len(data)})", path, _DAMAGED)
    itemsize = np.dtype(_DTYPES[dtype]).itemsize
    if end - begin != math.prod(shape) * itemsize:
        raise bad(f"has {end - begin} bytes for shape {shape} of {dtype} ({math.prod(shape) * itemsize} expected)")
    array = np.frombuffer(data[begin:end], dtype=_DTYPES[dtype]).reshape(shape)
    return bfloat16_to_float32(array) if dtype == "BF16" else array.copy()


def read_safetensors(path):
    """{name: np.ndarray} of a .safetensors file (BF16 widened to float32)."""
    with open(path, "rb") as f:
        raw = f.read()
    header, data = _header(raw, path)
    metadata = header.pop("__metadata__", {})
    if type(metadata) is not dict:
        raise CheckpointFormatError("safetensors __metadata__ is not a JSON object", path, _FIX)
    return {name: _tensor(name, info, data, path) for name, info in header.items()}
