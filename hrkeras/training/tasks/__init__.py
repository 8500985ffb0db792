"""A task is the set of pieces the one trainer combines: its model, loss, data and evaluation.

Each task module has `build_model(config, data=None)`, `loss(config)` and `load_data(config, data_root, with_val)`
-> TaskData; `TITLE` names its evaluation and `METRIC` the headline number of it.
"""
import dataclasses
import importlib


@dataclasses.dataclass
class TaskData:
    """train: has len() (samples) and train_dataset(batch_size, epoch) -> (inputs, targets[, weights]) batches,
    deterministic in (seed, epoch); evaluate(model) -> (stats dict, summary text) on the validation split, or
    None; source: what to name when the training set is too small."""

    train: object
    evaluate: object
    source: str


def get_task(config):
    """The module of `config.task` ("pose", "segmentation" or "classification")."""
    if config.task not in ("pose", "segmentation", "classification"):
        raise ValueError(f"{config.name}: unknown task {config.task!r}")
    return importlib.import_module(f"hrkeras.training.tasks.{config.task}")
