"""Errors a user can act on: what went wrong, the file it concerns, and the fix.

The CLI prints each as one line, `hrkeras <command>: error: <what> (<file>); <fix>`.
They subclass the built-in type a caller would catch (ValueError, OSError), so
`except ValueError` around a reader keeps working.

    raise InvalidFileError("truncated safetensors file: tensor 'w' ends past the data", path,
                           "download the file again")
"""
import os


class HrkerasError(Exception):
    """Base of hrkeras' user-facing errors.

    Args:
        what: str, what went wrong.
        path: str | os.PathLike | None, the file or folder it concerns.
        fix: str | None, what the user can do about it.
    """

    def __init__(self, what, path=None, fix=None):
        path = None if path is None else os.fspath(path)
        super().__init__(what, path, fix)
        self.what, self.path, self.fix = what, path, fix

    def __reduce__(self):  # OSError kinds keep only part of their arguments in `args`
        return type(self), (self.what, self.path, self.fix)

    def __str__(self):
        text = self.what
        if self.path is not None:
            text += f" ({self.path})"
        if self.fix:
            text += f"; {self.fix}"
        return text


class UsageError(HrkerasError, ValueError):
    """Arguments that cannot work together or do not fit the files they name."""


class InvalidFileError(HrkerasError, ValueError):
    """A file that is damaged, truncated, of another format, or hostile; it is never half-read."""


class CheckpointFormatError(InvalidFileError):
    """A checkpoint (.pth/.pt, .safetensors, .npz) that cannot be read safely as a state dict."""


class MissingFileError(HrkerasError, FileNotFoundError):
    """An input file or folder that does not exist."""


class RunExistsError(HrkerasError, FileExistsError):
    """A work folder that already holds a run, which a new run would overwrite."""


class DiskFullError(HrkerasError, OSError):
    """A write failed for lack of space (or a file-size limit); what was there before is intact."""


class DownloadError(MissingFileError):
    """A published file that could not be fetched (offline, refused, cut short); the fix says where to put it."""


class UnsupportedQuantizationError(HrkerasError, ValueError):
    """An int8 model whose quantization parameters the CPU interpreter's kernels (XNNPACK) cannot run."""
