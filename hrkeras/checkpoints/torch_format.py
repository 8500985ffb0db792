"""Reader of PyTorch `torch.save` files without torch.

Both formats torch writes are read with numpy and a restricted unpickler that
builds nothing but containers and arrays (other pickled objects, e.g. the
`meta` of mmengine checkpoints, become inert placeholders; no code runs):
- the zip format (torch >= 1.6): `{archive}/data.pkl` + one entry per storage;
- the legacy format (torch < 1.6, e.g. the 2019 official HRNet releases):
  magic number, protocol, sys info, the object pickle, the storage keys, then
  every storage as int64 element count + raw bytes.
"""
import collections
import io
import pickle
import struct
import zipfile

import numpy as np

from .dtypes import bfloat16_to_float32

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2", "BFloat16Storage": "bf16",
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
}


class _Opaque:
    """Stands in for any pickled object that is not a tensor or a container."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Opaque()

    def __setstate__(self, state):
        pass

    def __setitem__(self, key, value):
        pass

    def append(self, value):
        pass

    def extend(self, values):
        pass


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


class _Storage:
    def __init__(self, dtype):
        self.dtype = dtype
        self.array = None

    def fill(self, raw):
        self.array = bfloat16_to_float32(np.frombuffer(raw, "<u2")) if self.dtype == "bf16" else \
            np.frombuffer(raw, self.dtype)


class _LazyTensor:
    """A tensor whose storage bytes may come later in the file (legacy format)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def materialize(self):
        data = self.storage.array
        if 0 in self.size:
            return np.zeros(self.size, data.dtype)
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], self.size, [s * data.itemsize for s in self.stride])
        return np.array(view)


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return _LazyTensor(storage, offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, load_storage):
        super().__init__(file)
        self._load_storage = load_storage

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        return _Opaque

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        return self._load_storage(*pid[1:])


def _materialize(obj):
    if isinstance(obj, _LazyTensor):
        return obj.materialize()
    if isinstance(obj, dict):
        return type(obj)((k, _materialize(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialize(v) for v in obj)
    return obj


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        pkl = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if not pkl:
            raise ValueError(f"{path}: a zip file, but not a PyTorch checkpoint (no data.pkl inside)")
        root = pkl[0][: -len("data.pkl")]
        byteorder = f"{root}byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).strip() != b"little":
            raise ValueError(f"{path}: big-endian PyTorch checkpoints are not supported")

        def load_storage(storage_type, key, location, numel):
            storage = _Storage(storage_type.dtype)
            storage.fill(archive.read(f"{root}data/{key}"))
            return storage

        obj = _Unpickler(io.BytesIO(archive.read(pkl[0])), load_storage).load()
    return _materialize(obj)


def _load_legacy(path):
    with open(path, "rb") as f:
        if pickle.load(f) != _LEGACY_MAGIC:
            raise ValueError(f"{path}: neither a zip nor a legacy PyTorch checkpoint (wrong magic number)")
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys info
        storages = {}

        def load_storage(storage_type, key, location, numel, view_metadata=None):
            if view_metadata is not None:
                raise ValueError(f"{path}: storage views of legacy checkpoints are not supported; "
                                 "re-save it with a current torch")
            return storages.setdefault(key, _Storage(storage_type.dtype))

        obj = _Unpickler(f, load_storage).load()
        for key in pickle.load(f):
            storage = storages[key]
            (numel,) = struct.unpack("<q", f.read(8))
            itemsize = 2 if storage.dtype == "bf16" else np.dtype(storage.dtype).itemsize
            storage.fill(f.read(numel * itemsize))
    return _materialize(obj)


def read_torch(path):
    """The object saved by `torch.save` at `path`, tensors as numpy arrays."""
    if zipfile.is_zipfile(path):
        return _load_zip(path)
    return _load_legacy(path)
