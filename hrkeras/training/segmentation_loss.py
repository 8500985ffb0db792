"""Segmentation cross-entropy (HRNet-Semantic-Segmentation's CrossEntropy and OhemCrossEntropy).

The model's logits [B, H/4, W/4, C] are resized bilinearly to the label map [B, H, W] inside the loss, as
the reference does; pixels labelled `ignore_index` do not count.
"""
import keras
from keras import ops
from keras.saving import register_keras_serializable

from hrkeras.training.losses import mean_of


@register_keras_serializable(package="hrkeras")
class SegmentationCrossEntropy(keras.losses.Loss):
    """Pixel cross-entropy: sum(w_y * CE) / sum(w_y) over the valid pixels of the batch (torch's weighted
    mean), w = class_weights or 1. With `ohem`, only the pixels whose probability of their true class is below
    max(ohem_thresh, the ohem_keep-th smallest such probability) count.

    y_true: int [B, H, W]; y_pred: logits [B, h, w, C].
    """

    def __init__(self, num_classes, ignore_index=255, class_weights=None, ohem=False, ohem_thresh=0.9,
                 ohem_keep=131072, name="segmentation_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes, self.ignore_index = int(num_classes), int(ignore_index)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]
        self.ohem, self.ohem_thresh, self.ohem_keep = bool(ohem), float(ohem_thresh), int(ohem_keep)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with keras.name_scope(self.name):
            labels = ops.reshape(ops.cast(y_true, "int32"), [-1])
            logits = ops.image.resize(ops.cast(y_pred, "float32"), tuple(y_true.shape[1:3]), interpolation="bilinear")
            logits = ops.reshape(logits, [-1, self.num_classes])
            valid = ops.not_equal(labels, self.ignore_index)
            safe = ops.where(valid, labels, 0)
            ce = keras.losses.sparse_categorical_crossentropy(safe, logits, from_logits=True)  # [P]
            counted = ops.cast(valid, "float32")
            weight = 1.0
            if self.class_weights is not None:
                weight = ops.take(ops.convert_to_tensor(self.class_weights, "float32"), safe)
            if self.ohem:  # the reference: a plain mean of the kept pixels' (weighted) losses
                counted = counted * self._hard(ops.exp(-ce), valid)
                value = ops.sum(counted * weight * ce) / ops.maximum(ops.sum(counted), 1.0)
            else:  # torch's weighted mean
                value = ops.sum(counted * weight * ce) / ops.maximum(ops.sum(counted * weight), 1e-12)
            return mean_of(ops.reshape(value, [1]))

    def _hard(self, prob, valid):
        """1 for the pixels OHEM keeps, else 0; prob [P]: each pixel's probability of its true class."""
        prob = ops.where(valid, prob, 2.0)  # ignored pixels sort last
        keep = min(self.ohem_keep + 1, int(prob.shape[0]))
        smallest = -ops.top_k(-prob, keep)[0]
        count = ops.sum(ops.cast(valid, "int32"))
        kth = ops.take(smallest, ops.clip(ops.minimum(count, self.ohem_keep + 1) - 1, 0, keep - 1))
        return ops.cast(prob < ops.maximum(kth, self.ohem_thresh), "float32")

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "ignore_index": self.ignore_index,
                "class_weights": self.class_weights, "ohem": self.ohem, "ohem_thresh": self.ohem_thresh,
                "ohem_keep": self.ohem_keep}
