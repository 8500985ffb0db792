"""Reader of PyTorch `torch.save` files without torch.

Both formats torch writes are read from memory with numpy and the restricted
unpickler of safe_pickle.py (other pickled objects, e.g. the `meta` of mmengine
checkpoints, become inert placeholders; no code runs):
- the zip format (torch >= 1.6): `{archive}/data.pkl` + one member per storage;
- the legacy format (torch < 1.6, e.g. the 2019 official HRNet releases):
  magic number, protocol, sys info, the object pickle, the storage keys, then
  every storage as int64 element count + raw bytes.
Every pickle, member and storage size is checked before it is used.
"""
import io
import struct

from hrkeras.errors import CheckpointFormatError

from .safe_pickle import unpickle
from .safe_zip import ZIP_MAGIC, SafeZip
from .tensors import RESAVE, TRUNCATED, Storage, StorageType, materialize, refuse

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_FOREIGN_FIX = "use a PyTorch .pth/.pt (torch.save), a .safetensors or an .npz state dict"


def _storage_pid(pid, length):
    """(storage type, key, numel) of a persistent id ('storage', type, key, location, numel[, view])."""
    if type(pid) is not tuple or len(pid) != length or pid[0] != "storage":
        raise refuse(f"a persistent id that is not a storage reference of {length} fields")
    if type(pid[2]) is not str:
        raise refuse("a storage whose key is not a string")
    return pid[1], pid[2], pid[4]


def _shared(storages, key, storage_type, numel):
    """The storage under `key`, created on first use; later uses must agree on type and size."""
    storage = storages.get(key)
    if storage is None:
        storage = storages[key] = Storage(storage_type, numel)
    elif not isinstance(storage_type, StorageType) or storage_type.name != storage.type.name \
            or storage.numel != numel:
        raise refuse(f"storage {key[:40]!r} referenced with two element types or sizes")
    return storage


def _load_zip(raw, path):
    archive = SafeZip(raw, path)
    pkl = [n for n in archive.names if n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1)]
    if len(pkl) != 1:
        raise CheckpointFormatError("a zip archive, but not a PyTorch checkpoint (no single data.pkl inside)",
                                    path, _FOREIGN_FIX)
    root = pkl[0][: -len("data.pkl")]
    if f"{root}byteorder" in archive.names and archive.read(f"{root}byteorder").strip() not in (b"little", b""):
        raise CheckpointFormatError("a big-endian PyTorch checkpoint, which hrkeras does not read", path, RESAVE)
    storages = {}

    def load_storage(pid):
        storage_type, key, numel = _storage_pid(pid, 5)
        storage = _shared(storages, key, storage_type, numel)
        if storage.array is None:
            storage.fill(archive.read(f"{root}data/{key}", storage.nbytes), path, key)
        return storage

    obj = unpickle(io.BytesIO(archive.read(pkl[0])), path, "data.pkl", load_storage)
    return materialize(obj, path)


def _legacy_header(f, path):
    try:
        magic = unpickle(f, path, "the first pickle")
    except CheckpointFormatError:
        raise CheckpointFormatError("not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)",
                                    path, _FOREIGN_FIX) from None
    if type(magic) is not int or magic != _LEGACY_MAGIC:
        raise CheckpointFormatError("a plain pickle, not a torch.save checkpoint (wrong magic number)", path,
                                    "re-save the state dict with torch.save(model.state_dict(), path)")
    protocol = unpickle(f, path, "the protocol pickle")
    sys_info = unpickle(f, path, "the sys info pickle")
    if type(protocol) is not int or type(sys_info) is not dict:
        raise CheckpointFormatError("a damaged legacy torch.save header (protocol, sys info)", path, TRUNCATED)
    if sys_info.get("little_endian") is False:
        raise CheckpointFormatError("a big-endian PyTorch checkpoint, which hrkeras does not read", path, RESAVE)


def _load_legacy(raw, path):
    f = io.BytesIO(raw)
    _legacy_header(f, path)
    storages = {}

    def load_storage(pid):
        storage_type, key, numel = _storage_pid(pid, 6)
        if pid[5] is not None:
            raise refuse("a storage view (legacy format), which hrkeras does not read; "
                         "re-save it with a current torch")
        return _shared(storages, key, storage_type, numel)

    obj = unpickle(f, path, "the object pickle", load_storage)
    if f.tell() == len(raw):
        raise CheckpointFormatError("truncated: the file ends after the object pickle", path, TRUNCATED)
    keys = unpickle(f, path, "the storage key list")
    if type(keys) is not list or any(type(k) is not str for k in keys):
        raise CheckpointFormatError("the storage key list is not a list of strings", path, RESAVE)
    pos, view = f.tell(), memoryview(raw)
    for key in keys:
        storage = storages.get(key)
        if storage is None or storage.array is not None:
            raise CheckpointFormatError(f"the storage key list names {key[:40]!r}, which no tensor uses "
                                        "or which it lists twice", path, RESAVE)
        if pos + 8 > len(raw):
            raise CheckpointFormatError(f"truncated: the file ends before storage {key[:40]!r}", path, TRUNCATED)
        (numel,) = struct.unpack_from("<q", raw, pos)
        if numel != storage.numel:
            raise CheckpointFormatError(f"storage {key[:40]!r} says {numel} elements, its pickle "
                                        f"{storage.numel}", path, TRUNCATED)
        pos += 8
        if pos + storage.nbytes > len(raw):
            raise CheckpointFormatError(f"truncated: storage {key[:40]!r} ends past the end of the file",
                                        path, TRUNCATED)
        storage.fill(view[pos:pos + storage.nbytes], path, key)
        pos += storage.nbytes
    missing = [k for k, s in storages.items() if s.array is None]
    if missing:
        raise CheckpointFormatError(f"truncated: {len(missing)} storages have no data (e.g. {missing[0][:40]!r})",
                                    path, TRUNCATED)
    return materialize(obj, path)


def read_torch(path):
    """The object saved by `torch.save` at `path`, tensors as numpy arrays.

    Raises:
        CheckpointFormatError: not a torch.save file, truncated, or holding what a state dict does not.
        OSError: the file cannot be read.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if not raw:
        raise CheckpointFormatError("an empty file, not a PyTorch checkpoint", path, TRUNCATED)
    if raw[:4] in ZIP_MAGIC:
        return _load_zip(raw, path)
    return _load_legacy(raw, path)
