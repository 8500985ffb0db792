"""Zip archives (torch zip checkpoints, .npz) whose members are size-checked before they are read.

A member is read only if it is present, not encrypted, stored or deflated, of
the expected size when known, inside the file, and (deflated) not expanding
past a ratio and an absolute cap; members may not overlap (a zip bomb's trick).
"""
import contextlib
import io
import struct
import zipfile
import zlib

from hrkeras.errors import CheckpointFormatError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 16 << 30
FREE_EXPANSION = 16 << 20  # a deflated member this small may have any ratio
MAX_RATIO = 100  # larger deflated members expand at most this much
_DAMAGED = "download the file again"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, struct.error, ValueError,
               NotImplementedError, OSError, OverflowError, IndexError, KeyError)


class SafeZip:
    """A zip archive held in memory (`raw` bytes of the file at `path`)."""

    def __init__(self, raw, path, kind="zip archive"):
        self.path, self.size, self.kind = path, len(raw), kind
        self._compressed = self._expanded = 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.zip.infolist()
        except _ZIP_ERRORS as err:
            raise CheckpointFormatError(f"a truncated or damaged {kind} ({str(err)[:80]})", path, _DAMAGED) from None
        if len(infos) > MAX_MEMBERS:
            raise CheckpointFormatError(f"a {kind} of {len(infos)} members (at most {MAX_MEMBERS} are read)", path)
        self.names = list(dict.fromkeys(i.filename for i in infos))

    def _error(self, name, what, fix=_DAMAGED):
        return CheckpointFormatError(f"{self.kind} member {name[:80]!r} {what}", self.path, fix)

    def info(self, name, expected_size=None):
        """The checked ZipInfo of member `name`, counted against the archive's budget."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise self._error(name, "is missing") from None
        size, packed = info.file_size, info.compress_size
        if info.flag_bits & 1:
            raise self._error(name, "is encrypted", "use an unencrypted file")
        if expected_size is not None and size != expected_size:
            raise self._error(name, f"holds {size} bytes, {expected_size} expected")
        if size > MAX_MEMBER_BYTES:
            raise self._error(name, f"declares {size} bytes, more than {MAX_MEMBER_BYTES}")
        if not 0 <= info.header_offset <= info.header_offset + packed <= self.size:
            raise self._error(name, "ends past the end of the file (truncated)")
        if info.compress_type == zipfile.ZIP_STORED:
            if packed != size:
                raise self._error(name, f"is stored in {packed} bytes but declares {size}")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if size > FREE_EXPANSION and size > MAX_RATIO * packed:
                raise self._error(name, f"expands {packed} bytes to {size} (a zip bomb?); refused",
                                  "re-save it uncompressed (np.savez, torch.save)")
        else:
            raise self._error(name, f"uses compression method {info.compress_type} (hrkeras reads stored or "
                                    "deflated members)", "re-save it with numpy or torch")
        self._compressed += packed
        self._expanded += size
        if self._compressed > self.size or self._expanded > FREE_EXPANSION + MAX_RATIO * self.size:
            raise self._error(name, "overlaps other members or expands too far (a zip bomb?); refused")
        return info

    @contextlib.contextmanager
    def open(self, name, expected_size=None):
        """A file object of checked member `name`; read errors become CheckpointFormatError."""
        info = self.info(name, expected_size)
        try:
            with self.zip.open(info) as member:
                yield member
        except CheckpointFormatError:
            raise
        except _ZIP_ERRORS as err:
            raise self._error(name, f"is truncated or damaged ({str(err)[:80]})") from None

    def read(self, name, expected_size=None):
        """All bytes of checked member `name`."""
        with self.open(name, expected_size) as member:
            data = member.read()
        if len(data) != self.zip.getinfo(name).file_size:
            raise self._error(name, "is truncated")
        return data
