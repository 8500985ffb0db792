"""Per-epoch training checkpoints, written atomically, and resumption.

workdir/checkpoints/epoch_NNN.weights.h5 holds the model and optimizer
variables after epoch NNN (1-based); workdir/checkpoints/latest.json names the
newest complete one and is replaced only after that file is fully written, so
a run killed at any moment leaves a valid checkpoint behind.
"""
import json
import os

from hrkeras.utils.atomic import atomic_path

LATEST = "latest.json"


def checkpoint_dir(workdir):
    return os.path.join(workdir, "checkpoints")


def read_latest(workdir):
    """The latest checkpoint record {"epoch", "weights", ...}, or None if there is none."""
    path = os.path.join(checkpoint_dir(workdir), LATEST)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        record = json.load(f)
    record["weights"] = os.path.join(checkpoint_dir(workdir), record["weights"])
    if not os.path.exists(record["weights"]):
        raise FileNotFoundError(f"{path} names {record['weights']}, which is missing; delete {path} to start over")
    return record


def write_json(path, data):
    """Write `data` as JSON to `path` atomically."""
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(data, f, indent=1)


def save_checkpoint(model, workdir, epoch, extra=None, keep=2):
    """Write the weights + optimizer state after `epoch` (1-based), then point latest.json at them.

    Keeps the newest `keep` epoch files.
    """
    folder = checkpoint_dir(workdir)
    name = f"epoch_{epoch:03d}.weights.h5"
    with atomic_path(os.path.join(folder, name)) as tmp:
        model.save_weights(tmp)
    write_json(os.path.join(folder, LATEST), {"epoch": epoch, "weights": name, **(extra or {})})
    old = sorted(n for n in os.listdir(folder) if n.startswith("epoch_") and n.endswith(".weights.h5"))
    for stale in old[:-keep]:
        os.remove(os.path.join(folder, stale))


def restore_checkpoint(model, record):
    """Load model and optimizer variables of a checkpoint record into a compiled model."""
    model.optimizer.build(model.trainable_variables)
    model.load_weights(record["weights"])
