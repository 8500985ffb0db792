"""TensorFlow's C++ start-up notices kept off the terminal while hrkeras imports it.

Importing TensorFlow prints INFO lines from C++ (the oneDNN notice, the CPU-feature notice) and absl's
notice that logs go to stderr before its initialization. They are written to file descriptor 2 directly,
some before TensorFlow reads TF_CPP_MIN_LOG_LEVEL, so only the descriptor can hold them back.
`quiet_tensorflow_startup()` sets TF_CPP_MIN_LOG_LEVEL=1 (INFO hidden) unless it is set, and around the
import captures descriptor 2 and writes back every line but those notices: warnings and errors still show.
HRKERAS_DEBUG=1, or TF_CPP_MIN_LOG_LEVEL=0, leaves TensorFlow's output as it is.
"""
import contextlib
import os
import re
import sys
import tempfile

_NOTICE = re.compile(rb"I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "           # an INFO line of TensorFlow's C++ log
                     rb"|WARNING: All log messages before absl::InitializeLog\(\) "
                     rb"|To enable the following instructions: ")  # second line of the CPU-feature notice


def debug_requested():
    """True when HRKERAS_DEBUG is set to anything but "" or "0"."""
    return os.environ.get("HRKERAS_DEBUG", "") not in ("", "0")


@contextlib.contextmanager
def quiet_tensorflow_startup():
    """Run the `with` body (the first import of TensorFlow) with its start-up notices held back."""
    if debug_requested() or "tensorflow" in sys.modules:
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (a detached process): nothing to print to anyway
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().splitlines(keepends=True) if not _NOTICE.match(line)]
            if kept:
                os.write(2, b"".join(kept))
