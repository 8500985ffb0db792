"""A weights argument -> a local file: a path is used as it is, a tag is fetched into the cache."""
import os
import re
import warnings

from hrkeras.errors import InvalidFileError
from hrkeras.pretrained.cache import cache_dir as _cache_dir
from hrkeras.pretrained.checksum import check
from hrkeras.pretrained.download import download
from hrkeras.utils.file_lock import file_lock

_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_tag(weights):
    """True when `weights` names published weights ("coco") rather than a file.

    A string of letters, digits and underscores that is not an existing path is a tag.

    Example:
        >>> is_tag("coco_384x288"), is_tag("model.pth"), is_tag(None)
        (True, False, False)
    """
    return isinstance(weights, str) and bool(_TAG.match(weights)) and not os.path.exists(weights)


def cached_path(entry, cache_dir=None):
    """str, where `entry`'s file is (or will be) in the cache."""
    return os.path.join(_cache_dir(cache_dir), entry.cache_name)


def fetch(entry, cache_dir=None, progress=True):
    """The local file of a PretrainedEntry: the cached copy (checked, no network) or a fresh download.

    Processes that fetch the same file at once take turns (a lock file beside it): one downloads,
    the others then find it in the cache.

    Args:
        entry: PretrainedEntry, from hrkeras.pretrained.find_entry / list_pretrained.
        cache_dir: str | None, the cache folder (default: $HRKERAS_CACHE or ~/.cache/hrkeras/weights).
        progress: bool, draw a progress bar while downloading.

    Returns:
        str, path of the verified file.

    Example:
        >>> path = fetch(find_entry("litehrnet_18", "pose", "coco"))  # doctest: +SKIP
    """
    path = cached_path(entry, cache_dir)
    if not os.path.exists(path):
        with file_lock(path + ".lock"):
            if not os.path.exists(path):  # not fetched by another process while this one waited
                download(entry.url, path, sha256=entry.sha256, prefix=entry.sha256_prefix, progress=progress)
                if not (entry.sha256 or entry.sha256_prefix):
                    warnings.warn(f"{entry.url} has no published checksum; {path} was not verified", stacklevel=2)
                return path
    try:
        check(path, entry.sha256, entry.sha256_prefix, entry.url)
    except InvalidFileError as err:
        raise InvalidFileError(err.what, path, f"delete it to download it again, or put the file from "
                                               f"{entry.url} there") from None
    return path
