"""The one walker over a model's layers that steps into nested models (a task model's backbone)."""
import keras


def leaf_layers(model):
    """Yields the layers of `model` in graph order; a nested keras.Model is walked into, not yielded."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from leaf_layers(layer)
        else:
            yield layer
