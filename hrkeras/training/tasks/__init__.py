"""A task is the set of pieces the one trainer combines: its model, loss, data and evaluation.

Each task module has `build_model(config, data=None)`, `loss(config)`, `load_data(config, data_root, with_val)`
-> TaskData, `evaluation(config, data_root)` -> model -> (stats, summary text) and
`calibration_images(config, count, data_root)` (normalized [1, H, W, 3] training views, for int8 export);
`TITLE` names its evaluation, `METRIC` the headline number of it and `REPORTED` the numbers an export reports. `evaluate` below is the one entry point of every evaluation outside
training (the CLI's evaluate, convert's and verify's accuracy reports).
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


def evaluate(model, config, data_root=None):
    """(stats dict, summary text) of `model` on `config`'s validation split, as training reports it.

    model: a Keras model, or any normalized batch [B, H, W, 3] -> outputs callable (a TFLiteRunner's predict).
    """
    return get_task(config).evaluation(config, data_root)(model)
