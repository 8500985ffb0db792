"""Fetch one URL into a file: progress on stderr, resume with HTTP Range, checksum, atomic rename.

The bytes go to `<path>.part`, which an interrupted download leaves behind; the next call asks the
server for the rest (Range) and starts over when the server answers with the whole file instead.
Only a file whose sha256 matches is renamed to `path` (hrkeras.utils.atomic: fsync + rename); a
mismatching one is deleted. urllib only.

    download("https://example.org/w.pth", "/cache/w.pth", prefix="6bace359")
"""
import http.client
import os
import re
import sys
import time
import urllib.error
import urllib.request

from hrkeras.errors import DownloadError, InvalidFileError
from hrkeras.pretrained.checksum import check
from hrkeras.utils.atomic import atomic_path

CHUNK = 1 << 20


class Progress:
    """A one-line progress bar on a stream (stderr), redrawn at most every `interval` seconds.

    Args:
        name: str, what is being downloaded.
        total: int | None, expected bytes in all (None: unknown).
        done: int, bytes already there (a resumed download).
        stream: a text stream, or None for no output.
    """

    def __init__(self, name, total, done=0, stream=sys.stderr, interval=0.2):
        self.name, self.total, self.done, self.stream, self.interval = name, total, done, stream, interval
        self._last = 0.0

    def update(self, n, final=False):
        self.done += n
        now = time.monotonic()
        if self.stream is None or (not final and now - self._last < self.interval):
            return
        self._last = now
        mb = f"{self.done / 1e6:.1f}" + (f"/{self.total / 1e6:.1f}" if self.total else "") + " MB"
        percent = f"{100 * self.done / self.total:3.0f}% " if self.total else ""
        width = 30
        bar = "#" * int(width * self.done / self.total) if self.total else ""
        self.stream.write(f"\r{self.name} [{bar:<{width}}] {percent}{mb}" + ("\n" if final else ""))
        self.stream.flush()


BY_HAND = "download the file by hand and put it at that path, or pass weights=<path of the file>"


def _open(url, offset, timeout):
    headers = {"User-Agent": "hrkeras"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _resumes(response, offset):
    """True when the server sends the rest from `offset` (206 with a matching Content-Range)."""
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return bool(offset) and response.status == 206 and match is not None and int(match.group(1)) == offset


def _stream(response, part, offset, url, progress):
    """Write the body to `part` (appending from `offset`, or from 0); return (bytes in the file, total)."""
    length = response.headers.get("Content-Length")
    total = offset + int(length) if length is not None else None
    bar = Progress(os.path.basename(part)[: -len(".part")], total, offset, sys.stderr if progress else None)
    with open(part, "ab" if offset else "wb") as f:
        try:
            while block := response.read(CHUNK):
                f.write(block)
                bar.update(len(block))
        except (OSError, http.client.HTTPException) as err:
            raise DownloadError(f"download of {url} stopped at {bar.done} of {total or '?'} bytes: {err}", part,
                                "run again to resume it") from err
    bar.update(0, final=True)
    if total is not None and bar.done < total:
        raise DownloadError(f"download of {url} stopped at {bar.done} of {total} bytes (connection closed)", part,
                            "run again to resume it")
    return bar.done, total


def download(url, path, sha256=None, prefix=None, progress=True, timeout=30):
    """Fetch `url` into `path`, verified and written atomically; resume `<path>.part` if there is one.

    Args:
        url: str, http(s) (or file) URL.
        path: str | os.PathLike, the file to create; its folder is created.
        sha256: str | None, the full expected hex sha256.
        prefix: str | None, the expected first hex digits of the sha256 (mmpose's file names carry 8).
        progress: bool, draw a progress bar on stderr.
        timeout: float, seconds to wait for the server on each connection and read.

    Returns:
        str, `path`.

    Raises:
        DownloadError: no connection, an HTTP error, or a transfer cut short (the partial file is kept).
        InvalidFileError: the sha256 does not match (the file is deleted).
    """
    path = os.fspath(path)
    part = path + ".part"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    try:
        response = _open(url, offset, timeout)
    except urllib.error.HTTPError as err:
        if not (err.code == 416 and offset):  # 416: nothing past `offset`, the partial file may be whole
            raise DownloadError(f"cannot download {url}: HTTP {err.code} {err.reason}", path,
                                BY_HAND) from err
        response = None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(f"cannot download {url}: {reason}", path, BY_HAND) from err
    if response is not None:
        with response:
            _stream(response, part, offset if _resumes(response, offset) else 0, url, progress)
    try:
        check(part, sha256, prefix, url)
    except InvalidFileError as err:
        os.remove(part)
        raise InvalidFileError(err.what + "; the download was deleted", path, "run again to download it anew, or "
                               f"download {url} by hand and put it at that path") from None
    with atomic_path(path) as tmp:
        os.replace(part, tmp)
    return path
