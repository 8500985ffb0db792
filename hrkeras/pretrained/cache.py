"""Where fetched weights live: ~/.cache/hrkeras/weights, or $HRKERAS_CACHE, or a folder passed in."""
import os

ENV = "HRKERAS_CACHE"
DEFAULT = os.path.join("~", ".cache", "hrkeras", "weights")


def cache_dir(folder=None):
    """The folder weights are cached in (not created here).

    Args:
        folder: str | os.PathLike | None, an explicit folder; None: $HRKERAS_CACHE, else ~/.cache/hrkeras/weights.

    Example:
        >>> cache_dir("/data/weights")
        '/data/weights'
    """
    folder = folder or os.environ.get(ENV) or DEFAULT
    return os.path.abspath(os.path.expanduser(os.fspath(folder)))
