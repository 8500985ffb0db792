"""Reference cases written by tests/fixtures/make_checkpoint_fixtures.py, and how to check them."""
import json
from pathlib import Path

import keras
import numpy as np

import hrkeras

FIXTURES = Path(__file__).parent / "fixtures" / "checkpoints"
TOLERANCE = 1e-4  # max |keras - reference| / max |reference|


def case_names(folder):
    return sorted(p.name[: -len(".io.npz")] for p in Path(folder).glob("*.io.npz"))


def load_case(folder, name):
    """(io arrays, config dict, checkpoint path) of case `name`."""
    io = dict(np.load(Path(folder) / f"{name}.io.npz"))
    config = json.loads(str(io.pop("config")))
    return io, config, Path(folder) / config["checkpoint"]


def build(config, **kwargs):
    """The hrkeras model the case's checkpoint belongs to."""
    head = {k: config[k] for k in ("num_keypoints", "num_classes") if k in config}
    head_kwargs = {k: config[k] for k in ("head_channels", "num_features") if k in config}
    return hrkeras.create_model(config["model"], task=config["task"], input_shape=config["input_shape"],
                                head_kwargs=head_kwargs, **head, **config["overrides"], **kwargs)


def relative_error(actual, expected):
    return float(np.abs(np.asarray(actual) - expected).max() / np.abs(expected).max())


def feature_errors(model, io):
    """{keras layer: relative error} of the intermediate branch features recorded in `io`."""
    names = [k.split("/", 1)[1] for k in io if k.startswith("features/")]
    backbone = model.backbone
    probe = keras.Model(backbone.input, [backbone.get_layer(n).output for n in names])
    return {n: relative_error(out, io[f"features/{n}"]) for n, out in zip(names, probe(io["input"]))}


def parity(model, io):
    """(output relative error, {feature: relative error})."""
    return relative_error(model(io["input"]), io["output"]), feature_errors(model, io)
