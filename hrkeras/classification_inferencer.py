"""Image in, the most likely classes out: a classification model (Keras or .tflite) with the preprocessing and
class names it was trained with.

    classify = hrkeras.ClassificationInferencer("runs/hrnet_w18_small_imagenet_224/model.keras")  # or .tflite
    result = classify("photo.jpg")       # the top 5 classes, best first
    result.names[0], result.scores[0]    # ('tabby', 0.83): softmax probabilities
"""
import dataclasses

import numpy as np

from hrkeras.inferencer import carried, image_array, open_model
from hrkeras.training.data import warp


@dataclasses.dataclass
class Classification:
    """The top k: names [k], indices [k] (output channels) and scores [k] (softmax probabilities), best first."""

    names: tuple
    indices: np.ndarray
    scores: np.ndarray

    def as_dict(self):
        """{"top": [{"class", "index", "score"}, ...]} with plain values (JSON-ready)."""
        return {"top": [{"class": n, "index": int(i), "score": round(float(s), 6)}
                        for n, i, s in zip(self.names, self.indices, self.scores)]}


@dataclasses.dataclass
class _Settings:
    """input_size (H, W); crop_fraction: the centre crop's share of the resized short side; classes [C]."""

    input_size: tuple
    mean: tuple
    std: tuple
    crop_fraction: float
    classes: tuple


def carried_settings(model, info=None, recipe=None):
    """From a Keras model's config, or the "hrkeras" metadata `info` of a .tflite; `recipe`: the preprocessing
    for a Keras model that carries none (else hrkeras' defaults, with a warning)."""
    if info is not None:
        return _Settings(tuple(info["input"]["size"]), tuple(info["input"]["mean"]), tuple(info["input"]["std"]),
                         info["input"]["crop_fraction"], tuple(info["classes"]["names"]))
    preprocessing, classes = carried(model, recipe, {"mean": warp.MEAN, "std": warp.STD, "crop_fraction": 0.875},
                                     "normalizing with hrkeras' mean and std, centre crop 0.875")
    return _Settings(tuple(model.input.shape[1:3]), tuple(preprocessing["mean"]), tuple(preprocessing["std"]),
                     preprocessing["crop_fraction"], tuple(classes))


def softmax(logits):
    """Probabilities over the last axis of float logits."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class ClassificationInferencer:
    """A classification model ready for images of any size: short side resized, centre crop, normalize (as it
    was evaluated), run, softmax, the top k.

    Args:
        model: keras.Model, the path of a .keras or .tflite file written by hrkeras, or a TFLiteRunner.
        top_k: how many classes a result lists (at most the model's).
        accelerator: "cpu" | "gpu", for .tflite files.
    """

    def __init__(self, model, top_k=5, accelerator="cpu"):
        self.model, self._forward, info = open_model(model, "classification", accelerator)
        self.setup = carried_settings(self.model, info)
        self.top_k = min(int(top_k), len(self.setup.classes))

    def __call__(self, image):
        """image (path, PIL image or uint8 [H, W, 3]) -> Classification of the top_k classes."""
        import tensorflow as tf

        from hrkeras.training.data.image_folder import centre_crop

        view = centre_crop(tf.constant(image_array(image)), self.setup.input_size, self.setup.crop_fraction,
                           self.setup.mean, self.setup.std)
        scores = softmax(np.asarray(self._forward(view[None]), np.float64)[0])
        top = np.argsort(-scores, kind="stable")[:self.top_k]
        return Classification(tuple(self.setup.classes[i] for i in top), top, scores[top])
