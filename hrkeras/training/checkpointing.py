"""Per-epoch training checkpoints, written atomically, and resumption.

workdir/checkpoints/epoch_NNN.weights.h5 holds the model and optimizer variables after epoch NNN
(1-based); workdir/checkpoints/latest.json names the newest complete one, with the run's config and
history, and is replaced only after that file is fully on disk; workdir/history.json follows it.
So a run killed at any moment, or stopped by a full disk, leaves a valid checkpoint behind, and
history.json never runs ahead of it (resuming rewrites history.json from latest.json).
"""
import json
import os

from hrkeras.errors import UsageError
from hrkeras.utils.atomic import write_json
from hrkeras.utils.keras_io import save_weights

LATEST = "latest.json"
HISTORY = "history.json"


def checkpoint_dir(workdir):
    return os.path.join(workdir, "checkpoints")


def read_latest(workdir):
    """The latest checkpoint record {"epoch", "weights", "config", "history"}, or None if there is none."""
    path = os.path.join(checkpoint_dir(workdir), LATEST)
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            record = json.load(f)
        record["weights"] = os.path.join(checkpoint_dir(workdir), record["weights"])
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"the checkpoint pointer is damaged ({err})", path,
                         f"delete {path} to start over, or restore it from a backup") from None
    if not os.path.exists(record["weights"]):
        raise UsageError(f"latest.json names {os.path.basename(record['weights'])}, which is missing", path,
                         f"delete {path} to start over")
    return record


def write_history(workdir, history):
    write_json(os.path.join(workdir, HISTORY), history, indent=1)


def save_checkpoint(model, workdir, epoch, extra=None, keep=2):
    """Write the weights + optimizer state after `epoch` (1-based), then point latest.json at them.

    Keeps the newest `keep` epoch files. A full disk raises DiskFullError with latest.json unchanged.
    """
    folder = checkpoint_dir(workdir)
    name = f"epoch_{epoch:03d}.weights.h5"
    save_weights(model, os.path.join(folder, name))
    write_json(os.path.join(folder, LATEST), {"epoch": epoch, "weights": name, **(extra or {})}, indent=1)
    old = sorted(n for n in os.listdir(folder) if n.startswith("epoch_") and n.endswith(".weights.h5"))
    for stale in old[:-keep]:
        os.remove(os.path.join(folder, stale))


def restore_checkpoint(model, record):
    """Load model and optimizer variables of a checkpoint record into a compiled model."""
    model.optimizer.build(model.trainable_variables)
    model.load_weights(record["weights"])
