"""Load a model for inference (any task): a registry name plus weights, or a saved .keras model."""
import os
import zipfile

import keras

from hrkeras.errors import InvalidFileError, MissingFileError, UsageError
from hrkeras.models.registry import create_model
from hrkeras.pretrained import is_tag


def load_keras_file(path):
    """keras.models.load_model(path), with errors that tell a missing, damaged or foreign file apart."""
    if not os.path.isfile(path):
        raise MissingFileError("no such Keras model file", path, "check the path")
    if not zipfile.is_zipfile(path):
        raise InvalidFileError("not a Keras model: a .keras file is a zip archive and this one is not (truncated, "
                               "or another format renamed)", path, "save the model again with model.save(...)")
    try:
        return keras.models.load_model(path)
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as err:
        raise InvalidFileError(f"cannot load the Keras model ({type(err).__name__}: {err})", path,
                               "save the model again with model.save(...) and 'import hrkeras' before loading"
                               ) from None


def load_model(model, weights=None, input_size=None, task="pose", num_outputs=None):
    """model: registry name (e.g. "litehrnet_18") or a .keras file; weights: .keras, .weights.h5, a
    PyTorch-layout checkpoint or a tag of hrkeras.list_pretrained() ("coco"); input_size (H, W) for registry
    names (default: the tag's, else 256x192); task and num_outputs (keypoints or classes; None: the
    registry's) for registry names."""
    if str(model).endswith(".keras"):
        if weights is not None:
            raise UsageError(f"{model} already holds its weights", fix=f"drop --weights {weights}")
        return load_keras_file(model)
    if weights is not None and str(weights).endswith(".keras"):
        return load_keras_file(weights)
    if weights is not None and not is_tag(weights) and not os.path.isfile(weights):
        raise MissingFileError("no such weights file", weights, "check the path")
    if input_size is None and is_tag(weights):
        input_shape = None  # the published input size of the tag
    else:
        input_shape = (*(input_size or (256, 192)), 3)
    outputs = {"num_keypoints" if task == "pose" else "num_classes": num_outputs}
    return create_model(model, task=task, input_shape=input_shape, weights=weights, **outputs)
