"""Fuzz target: torch.save files, legacy format (hrkeras.checkpoints.read_state_dict)."""
import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from harness import fuzz, scratch_file, write  # noqa: E402

with atheris.instrument_imports(include=["hrkeras.checkpoints"]):
    from hrkeras.checkpoints import read_state_dict
    from hrkeras.errors import CheckpointFormatError

PATH = scratch_file(".pth")

if __name__ == "__main__":
    fuzz(lambda data: read_state_dict(write(PATH, data)), CheckpointFormatError)
