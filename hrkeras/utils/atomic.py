"""Atomic file writes: write to a temporary file beside the target, then rename."""
import contextlib
import os


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path with the same suffix as `path` in the same folder;
    it replaces `path` only if the block succeeds (a crash leaves `path` as it was).

        with atomic_path("model.keras") as tmp:
            model.save(tmp)
    """
    path = os.fspath(path)
    folder, base = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, dot, suffix = base.partition(".")
    tmp = os.path.join(folder, f".{stem}.tmp{os.getpid()}{dot}{suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
