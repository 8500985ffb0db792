"""sha256 of a file, checked against a full published hash or mmpose's 8-digit file-name prefix."""
import hashlib

from hrkeras.errors import InvalidFileError


def sha256_file(path, chunk=1 << 20):
    """str, hex sha256 of the file at `path`, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def check(path, sha256=None, prefix=None, url=None):
    """Raise InvalidFileError unless the file's sha256 is `sha256` and starts with `prefix`.

    Args:
        path: str, the file to check.
        sha256: str | None, the full expected hex digest.
        prefix: str | None, the expected first hex digits (mmpose file names carry 8).
        url: str | None, where the file came from, named in the error.

    Returns:
        str, the file's sha256 (computed only when something is expected, else None).
    """
    if not sha256 and not prefix:
        return None
    actual = sha256_file(path)
    expected = sha256 or prefix
    if (sha256 and actual != sha256.lower()) or (prefix and not actual.startswith(prefix.lower())):
        origin = f" of {url}" if url else ""
        raise InvalidFileError(f"sha256 {actual[:16]}... does not match the published {expected[:16]}...{origin}",
                               path, "the file is damaged or not the published one; it was not loaded")
    return actual
