"""Untrained models made comparable: BatchNorm statistics of a random batch instead of the defaults.

A randomly initialized network with BatchNorm's default statistics (mean 0, variance 1) grows its
activations layer after layer to the thousands, where float32 round-off alone exceeds any parity
tolerance, so a converted untrained model would fail verification for nothing. Trained networks keep
activations near unit scale; so does an untrained one whose BatchNorms normalize what they really see.
"""
import keras
import numpy as np

from hrkeras.utils.nested import leaf_layers


RANDOM_IMAGES = 8
NOTE = (f"untrained weights: BatchNorm statistics set from {RANDOM_IMAGES} random images before conversion, so "
        "the comparisons measure the conversion, not float32 round-off of activations in the thousands")


def calibrate_batch_norm(model, images=RANDOM_IMAGES, seed=0):
    """Set every BatchNorm's moving mean/variance to its statistics on one batch (mutates `model`).

    Args:
        model: keras.Model with a static input shape.
        images: int (that many standard-normal images) or an array [N, H, W, C].
        seed: int, for the random images.
    Returns the model.
    """
    if isinstance(images, int):
        images = np.random.default_rng(seed).standard_normal((images, *model.input.shape[1:]), dtype=np.float32)
    norms = [layer for layer in leaf_layers(model) if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0
    model(images, training=True)
    for layer, momentum in zip(norms, momenta):
        layer.momentum = momentum
    return model
