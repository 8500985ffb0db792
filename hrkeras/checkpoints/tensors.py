"""Storages and tensor views of torch.save files, checked before numpy sees them.

A view (offset, size, stride) is refused unless every element it reaches lies
inside its storage and it has no more elements than the storage: state dicts
hold no broadcast views, and `as_strided` must never read past the data.
"""
import math

import numpy as np

from hrkeras.errors import CheckpointFormatError

from .dtypes import bfloat16_to_float32

STORAGE_DTYPES = {
    "DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2", "BFloat16Storage": "bf16",
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
}
MAX_INT = 1 << 62  # sizes, strides, offsets and element counts stay below
MAX_DIMS = 32
MAX_DEPTH = 100  # nesting of containers in a checkpoint object
RESAVE = "re-save the state dict with torch.save(model.state_dict(), path) from a trusted copy"
TRUNCATED = "download the file again"


def refuse(what, fix=RESAVE):
    """A CheckpointFormatError without a path (the unpickler adds it)."""
    return CheckpointFormatError(what, None, fix)


def check_int(value, what):
    if type(value) is not int or not 0 <= value < MAX_INT:
        raise refuse(f"{what} is not an integer in [0, 2**62)")
    return value


class StorageType:
    """`torch.FloatStorage` and its kin: the element type of a storage."""

    def __init__(self, name):
        self.name, self.dtype = name, STORAGE_DTYPES[name]
        self.itemsize = 2 if self.dtype == "bf16" else np.dtype(self.dtype).itemsize


class Storage:
    """One storage: element type, element count (from the pickle), data once read."""

    def __init__(self, storage_type, numel):
        if not isinstance(storage_type, StorageType):
            raise refuse("a storage of an element type hrkeras does not read")
        self.type, self.numel, self.array = storage_type, check_int(numel, "a storage's element count"), None

    @property
    def nbytes(self):
        return self.numel * self.type.itemsize

    def fill(self, raw, path, key):
        if len(raw) != self.nbytes:
            raise CheckpointFormatError(
                f"storage {key[:40]!r} holds {len(raw)} bytes, its pickle says {self.nbytes}", path, TRUNCATED)
        dtype = self.type.dtype
        self.array = bfloat16_to_float32(np.frombuffer(raw, "<u2")) if dtype == "bf16" else np.frombuffer(raw, dtype)


class LazyTensor:
    """A checked view of a storage whose bytes may come later in the file (legacy format)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def materialize(self, path):
        data = self.storage.array
        if data is None:
            raise CheckpointFormatError("truncated: a tensor's storage has no data in the file", path, TRUNCATED)
        if 0 in self.size:
            return np.zeros(self.size, data.dtype)
        strides = [s * data.itemsize if n > 1 else 0 for n, s in zip(self.size, self.stride)]
        return np.array(np.lib.stride_tricks.as_strided(data[self.offset:], self.size, strides))


def rebuild_tensor(storage, offset, size, stride, *unused):
    """torch._utils._rebuild_tensor(_v2), checked against the storage."""
    if not isinstance(storage, Storage):
        raise refuse("a tensor whose storage is not a storage")
    check_int(offset, "a tensor's storage offset")
    if type(size) not in (tuple, list) or type(stride) not in (tuple, list) or len(size) != len(stride) \
            or len(size) > MAX_DIMS:
        raise refuse(f"a tensor's size and stride are not two sequences of at most {MAX_DIMS} equal lengths")
    size = tuple(check_int(n, "a tensor's size") for n in size)
    stride = tuple(check_int(s, "a tensor's stride") for s in stride)
    numel = math.prod(size)
    if numel:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.numel:
            raise refuse(f"a tensor view (offset {offset}, size {size}, stride {stride}) reaches element {last} "
                         f"of a storage of {storage.numel} elements")
        if numel > storage.numel:
            raise refuse(f"a tensor view of {numel} elements over a storage of {storage.numel}: a broadcast "
                         "view, which state dicts do not hold")
    elif offset > storage.numel:
        raise refuse(f"an empty tensor at offset {offset} of a storage of {storage.numel} elements")
    return LazyTensor(storage, offset, size, stride)


def rebuild_parameter(data, *unused):
    """torch._utils._rebuild_parameter(_with_state): the tensor itself."""
    return data


def materialize(obj, path):
    """`obj` with every LazyTensor replaced by its numpy array (shared objects built once)."""
    done = {}

    def walk(x, depth):
        if id(x) in done:
            return done[id(x)]
        if depth > MAX_DEPTH:
            raise CheckpointFormatError(f"objects nested deeper than {MAX_DEPTH} levels", path, RESAVE)
        if isinstance(x, LazyTensor):
            out = done[id(x)] = x.materialize(path)
        elif isinstance(x, dict):
            out = done[id(x)] = type(x)()
            for k, v in x.items():
                out[k] = walk(v, depth + 1)
        elif type(x) is list:
            out = done[id(x)] = []
            out.extend(walk(v, depth + 1) for v in x)
        elif type(x) is tuple:
            out = done[id(x)] = tuple(walk(v, depth + 1) for v in x)
        else:
            return x
        return out

    return walk(obj, 0)
