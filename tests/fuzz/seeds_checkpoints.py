"""Write the seed corpora of the checkpoint fuzz targets (tests/fuzz/corpus/{torch_zip,torch_legacy,safetensors}).

Uses torch (to write real zip and legacy torch.save files; not needed to run the
fuzzers). Run once from the repository root and commit its output:

    python tests/fuzz/seeds_checkpoints.py
"""
import collections
import io
import json
import pathlib
import struct

import numpy as np
import torch

CORPUS = pathlib.Path(__file__).parent / "corpus"


def _state_dicts():
    torch.manual_seed(0)
    conv = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3))
    base = torch.randn(4, 3)
    views = {"t": base.t(), "slice": base[1:3], "half": base.half(), "bf16": base.bfloat16(),
             "long": torch.arange(4), "empty": torch.zeros(0, 3), "scalar": torch.tensor(1.5)}
    training = {"meta": {"epoch": 3, "env": "x" * 20}, "state_dict": conv.state_dict()}
    return {"module": conv.state_dict(), "views": views, "training": training, "empty": collections.OrderedDict()}


def _torch_bytes(obj, new_format):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=new_format)
    return buf.getvalue()


def _safetensors(tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _write(folder, name, data):
    assert len(data) < 64 * 1024, (folder, name, len(data))
    (CORPUS / folder).mkdir(parents=True, exist_ok=True)
    (CORPUS / folder / name).write_bytes(data)


def main():
    for name, obj in _state_dicts().items():
        _write("torch_zip", f"{name}.pth", _torch_bytes(obj, True))
        _write("torch_legacy", f"{name}.pth", _torch_bytes(obj, False))
    whole = _torch_bytes(_state_dicts()["views"], False)
    _write("torch_legacy", "truncated.pth", whole[: len(whole) - 20])
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((3, 2), dtype=np.float32)
    _write("safetensors", "mixed.safetensors", _safetensors({
        "w": ("F32", weights), "h": ("F16", weights.astype("<f2")), "i": ("I64", np.arange(3, dtype="<i8")),
        "b": ("BF16", (weights.view("<u4") >> 16).astype("<u2")), "flag": ("BOOL", np.array([True, False]))},
        {"format": "pt"}))
    _write("safetensors", "empty_tensor.safetensors", _safetensors({"e": ("F32", np.zeros((0, 4), "<f4")),
                                                                    "s": ("F64", np.array(2.0))}))
    _write("safetensors", "no_tensors.safetensors", _safetensors({}))


if __name__ == "__main__":
    main()
