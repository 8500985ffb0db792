"""Heatmap losses (mmpose KeypointMSELoss / KeypointOHKMMSELoss).

Targets come as (heatmaps, target weights): the data pipeline yields
`(images, heatmaps [B,h,w,K], weights [B,K])`, and Keras passes the weights to
the loss as `sample_weight`.
"""
import keras
from keras import ops
from keras.saving import register_keras_serializable


@register_keras_serializable(package="hrkeras")
class KeypointMSE(keras.losses.Loss):
    """Joint-weighted heatmap MSE: mean over B*K of weight * mean_hw (pred - target)^2.

    With `topk`, online hard keypoint mining: per sample, only the `topk` joints
    with the largest weighted loss count (mean over B*topk).
    y_true, y_pred: [B, h, w, K]; sample_weight: [B, K].
    """

    def __init__(self, topk=None, name="keypoint_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.topk = topk

    def call(self, y_true, y_pred):
        """Per-joint losses [B, K]."""
        return ops.mean(ops.square(ops.cast(y_pred, "float32") - ops.cast(y_true, "float32")), axis=(1, 2))

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.topk is None:
            return super().__call__(y_true, y_pred, sample_weight)
        with keras.name_scope(self.name):
            losses = self.call(y_true, y_pred)
            if sample_weight is not None:
                losses = losses * ops.cast(sample_weight, losses.dtype)
            hardest, _ = ops.top_k(losses, self.topk)
            return mean_of(hardest)

    def get_config(self):
        return {**super().get_config(), "topk": self.topk}


class _Mean(keras.losses.Loss):
    """Keras' reduction (mean, scaled for tf.distribute) of already computed losses."""

    def call(self, y_true, y_pred):
        return y_pred


_MEAN = _Mean(name="mean")


def mean_of(values):
    """Keras' mean of already computed per-sample losses (scaled for tf.distribute, as a Loss reduces)."""
    return _MEAN(values, values)
