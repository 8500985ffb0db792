"""Fuzz target: torch.save files, legacy format (hrkeras.checkpoints.read_state_dict)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from harness import fuzz_checkpoint_reader  # noqa: E402

if __name__ == "__main__":
    fuzz_checkpoint_reader(".pth")
