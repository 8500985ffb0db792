"""Fuzz target: .tflite files (hrkeras.convert.metadata.read on a file, load_tflite on bytes)."""
import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from harness import fuzz, scratch_file, write  # noqa: E402

with atheris.instrument_imports(include=["hrkeras.convert.metadata", "hrkeras.convert.flatbuffer_metadata",
                                         "hrkeras.convert.tflite_runner"]):
    from hrkeras.convert import metadata
    from hrkeras.convert.tflite_runner import load_tflite
    from hrkeras.errors import InvalidFileError

PATH = scratch_file(".tflite")


def check(data):
    try:
        load_tflite(data)
    except InvalidFileError:
        pass
    info = metadata.read(write(PATH, data))
    assert isinstance(info, dict)


if __name__ == "__main__":
    fuzz(check, (InvalidFileError, metadata.NoMetadataError))
