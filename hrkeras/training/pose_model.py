"""Load a pose model for inference: a registry name plus weights, or a saved .keras model."""
import keras

from hrkeras.models.registry import create_model


def load_pose_model(model, weights=None, input_size=None, num_keypoints=17):
    """model: registry name (e.g. "litehrnet_18") or a .keras file; weights: .keras, .weights.h5 or a
    PyTorch-layout checkpoint; input_size (W, H) for registry names (default 192x256)."""
    if str(model).endswith(".keras"):
        if weights is not None:
            raise ValueError(f"{model} already holds its weights; drop --weights {weights}")
        return keras.models.load_model(model)
    if weights is not None and str(weights).endswith(".keras"):
        return keras.models.load_model(weights)
    width, height = input_size or (192, 256)
    return create_model(model, task="pose", input_shape=(height, width, 3), num_keypoints=num_keypoints,
                        weights=weights)
