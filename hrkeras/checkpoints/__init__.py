"""Checkpoint import: PyTorch-layout weights (official repos, timm, mmpose) into hrkeras models."""
from .describe import CheckpointInfo, describe_checkpoint
from .loader import CheckpointMismatchError, LoadReport, load_checkpoint
from .readers import read_state_dict

__all__ = ["CheckpointInfo", "CheckpointMismatchError", "LoadReport", "describe_checkpoint", "load_checkpoint",
           "read_state_dict"]
