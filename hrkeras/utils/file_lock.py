"""An exclusive lock on a file, so that processes writing the same thing (a download, a generated dataset) take
turns.

Unix only (fcntl.flock); elsewhere the lock is a no-op. The lock file stays in the cache (it is empty).

    with file_lock("/cache/w.pth.lock"):
        ...
"""
import contextlib
import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


@contextlib.contextmanager
def file_lock(path):
    """Hold an exclusive lock on `path` (created if needed) for the duration of the block.

    Args:
        path: str, the lock file.
    """
    if fcntl is None:
        yield
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
