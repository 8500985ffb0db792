"""Reader of the safetensors format (Hugging Face hub weights, e.g. timm's HRNets).

Layout: 8-byte little-endian header length, a JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian tensor bytes. Read with numpy alone (no torch).
"""
import json
import struct

import numpy as np

from .dtypes import bfloat16_to_float32

_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U8": "u1", "BOOL": "?",
}


def read_safetensors(path):
    """{name: np.ndarray} of a .safetensors file (BF16 widened to float32)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (header_len,) = struct.unpack("<Q", raw[:8])
    try:
        header = json.loads(raw[8:8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a safetensors file (its header is not JSON: {err})") from None
    data = memoryview(raw)[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = info["dtype"]
        if dtype == "BF16":
            array = bfloat16_to_float32(np.frombuffer(data[begin:end], dtype="<u2"))
        elif dtype in _DTYPES:
            array = np.frombuffer(data[begin:end], dtype=_DTYPES[dtype])
        else:
            raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}, which hrkeras does not read")
        tensors[name] = array.reshape(info["shape"]).copy()
    return tensors
