"""Reader of .npz state dicts (np.savez / np.savez_compressed) without np.load.

Each member's .npy header is read with numpy's header parsers and checked (a
numeric dtype, a shape whose bytes equal the member's) before its data is read.
"""
import math

import numpy as np

from hrkeras.errors import CheckpointFormatError

from .safe_zip import ZIP_MAGIC, SafeZip
from .tensors import MAX_DIMS, MAX_INT

_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
_FIX = "re-save it with np.savez(path, **{name: array})"


def _read_npy(archive, name, path):
    with archive.open(name) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version not in _HEADERS:
                raise ValueError(f".npy format version {version}")
            shape, fortran_order, dtype = _HEADERS[version](member, max_header_size=10000)
        except ValueError as err:
            raise CheckpointFormatError(f".npz member {name[:80]!r} has no valid .npy header ({str(err)[:80]})",
                                        path, _FIX) from None
        if dtype.hasobject or dtype.kind not in "biufc" or dtype.fields or dtype.shape:
            raise CheckpointFormatError(f".npz member {name[:80]!r} holds dtype {str(dtype)[:40]}, not numbers",
                                        path, _FIX)
        if len(shape) > MAX_DIMS or any(type(n) is not int or not 0 <= n < MAX_INT for n in shape):
            raise CheckpointFormatError(f".npz member {name[:80]!r} has an invalid shape", path, _FIX)
        nbytes = math.prod(shape) * dtype.itemsize
        declared = archive.zip.getinfo(name).file_size
        if declared != member.tell() + nbytes:
            raise CheckpointFormatError(
                f".npz member {name[:80]!r} holds {declared - member.tell()} data bytes, its header says {nbytes}",
                path, "download the file again")
        data = member.read(nbytes)
    if len(data) != nbytes:
        raise CheckpointFormatError(f".npz member {name[:80]!r} is truncated", path, "download the file again")
    array = np.frombuffer(data, dtype)
    array = array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)
    return array.copy()


def read_npz(path):
    """{name: np.ndarray} of the .npz file at `path`."""
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(ZIP_MAGIC):
        what = "an empty file" if not raw else "not an .npz archive (no zip signature)"
        raise CheckpointFormatError(what, path, _FIX)
    archive = SafeZip(raw, path, ".npz archive")
    arrays = {}
    for name in archive.names:
        if not name.endswith(".npy"):
            raise CheckpointFormatError(f".npz member {name[:80]!r} is not a .npy array", path, _FIX)
        arrays[name[: -len(".npy")]] = _read_npy(archive, name, path)
    return arrays
