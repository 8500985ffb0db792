"""Atomic file writes: a temporary file beside the target, flushed to disk, then renamed over it.

A crash, a kill or a full disk leaves the target as it was (old content or absent), never half
written. Temporary files of processes that died are swept by the next write into the same folder.
A full disk (or a file-size limit) raises DiskFullError naming the target.
"""
import contextlib
import errno
import json
import os
import re

from hrkeras.errors import DiskFullError

NO_SPACE = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_TEMP = re.compile(r"^\..+\.tmp(\d+)(\..*)?$")  # .{stem}.tmp{pid}{.suffix}


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_stale_temps(folder):
    """Remove the temporary files that writers killed before their rename left in `folder`."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TEMP.match(name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))


def _fsync(path, directory=False):
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_no_space(err):
    """True for an OSError of a full disk, a quota or a file-size limit."""
    return isinstance(err, OSError) and err.errno in NO_SPACE


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path (same folder, same suffix) that replaces `path` if the block succeeds.

        with atomic_path("model.keras") as tmp:
            model.save(tmp)

    The file and its folder are fsynced around the rename. OSErrors of a full disk become DiskFullError.
    """
    path = os.fspath(path)
    folder, base = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    sweep_stale_temps(folder)
    stem, dot, suffix = base.partition(".")
    tmp = os.path.join(folder, f".{stem}.tmp{os.getpid()}{dot}{suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(folder, directory=True)
    except OSError as err:
        if is_no_space(err):
            raise DiskFullError(f"no space left on the device while writing {base}", folder,
                                f"{base} was left as it was; free space and run again") from err
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_bytes(path, data):
    """Write `data` (bytes) to `path` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def write_json(path, data, **dump_kwargs):
    """Write `data` as JSON (json.dumps with `dump_kwargs`) to `path` atomically."""
    write_bytes(path, json.dumps(data, **dump_kwargs).encode())
