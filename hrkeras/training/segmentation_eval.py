"""Segmentation inference at the label's full resolution and mIoU from a confusion matrix.

    predictor = SegmentationPredictor(model, (512, 1024), mode="slide", test_size=(1024, 2048), flip=True)
    logits = predictor.logits(image)          # [h, w, C] at the image's own size
    confusion += confusion_matrix(labels, logits.argmax(-1), C)
    stats = iou_stats(confusion, classes)     # {"mIoU", "aAcc", "mAcc", "IoU.road", ...}
"""
import math

import numpy as np
import tensorflow as tf

from hrkeras.training.data import warp
from hrkeras.utils.forward import inference_function


class SegmentationPredictor:
    """Logits of a model with a static input size for images of any size.

    model: a Keras model or a callable on a float32 batch [N, H, W, 3] (normalized) -> logits [N, h, w, C]
    (a TFLite runner's predict); input_size (H, W). mode "whole": the image is resized to input_size; "slide":
    input_size windows (stride 2/3 of it, as mmseg) cover the image resized to test_size (H, W; None: its own
    size) times each of `scales`, their logits averaged where they overlap. flip: also the mirrored image.
    """

    def __init__(self, model, input_size, mode="whole", test_size=None, scales=(1.0,), flip=False,
                 mean=warp.MEAN, std=warp.STD):
        if mode not in ("whole", "slide"):
            raise ValueError(f"test mode must be 'whole' or 'slide', got {mode!r}")
        self.model, self.input_size, self.mode = inference_function(model), tuple(int(v) for v in input_size), mode
        self.test_size, self.scales, self.flip = test_size, tuple(scales), bool(flip)
        self.mean, self.std = mean, std

    def _run(self, batch):
        out = self.model(batch)
        return np.asarray(out.numpy() if hasattr(out, "numpy") else out, np.float32)

    def _windows(self, image):
        """Logits [h, w, C] of a normalized image [h, w, 3] (any size) from input_size windows."""
        win_h, win_w = self.input_size
        h, w = image.shape[:2]
        pad = np.zeros((max(h, win_h), max(w, win_w), 3), np.float32)
        pad[:h, :w] = image
        stride_h, stride_w = math.ceil(win_h * 2 / 3), math.ceil(win_w * 2 / 3)
        tops = sorted({min(i * stride_h, pad.shape[0] - win_h) for i in range(math.ceil(pad.shape[0] / stride_h))})
        lefts = sorted({min(j * stride_w, pad.shape[1] - win_w) for j in range(math.ceil(pad.shape[1] / stride_w))})
        boxes = [(t, l) for t in tops for l in lefts]
        logits = self._run(np.stack([pad[t:t + win_h, l:l + win_w] for t, l in boxes]))
        logits = tf.image.resize(logits, (win_h, win_w), "bilinear").numpy()
        total = np.zeros(pad.shape[:2] + (logits.shape[-1],), np.float32)
        count = np.zeros(pad.shape[:2] + (1,), np.float32)
        for (t, l), window in zip(boxes, logits):
            total[t:t + win_h, l:l + win_w] += window
            count[t:t + win_h, l:l + win_w] += 1
        return (total / count)[:h, :w]

    def _once(self, image):
        """Logits [h, w, C] of one view (normalized float image [h, w, 3]) at the view's size."""
        h, w = image.shape[:2]
        if self.mode == "whole":
            resized = tf.image.resize(image, self.input_size, "bilinear").numpy()
            return tf.image.resize(self._run(resized[None]), (h, w), "bilinear").numpy()[0]
        return self._windows(image)

    def logits(self, image):
        """image uint8 [h, w, 3] RGB -> float32 logits [h, w, C] at the image's size."""
        h, w = image.shape[:2]
        normalized = warp.normalize(image, self.mean, self.std).numpy()
        total = 0.0
        scales = self.scales if self.mode == "slide" else (1.0,)
        for scale in scales:
            base = self.test_size or (h, w)
            size = (max(int(round(base[0] * scale)), 1), max(int(round(base[1] * scale)), 1))
            view = tf.image.resize(normalized, size, "bilinear").numpy() if size != (h, w) else normalized
            out = self._once(view)
            if self.flip:
                out = out + self._once(view[:, ::-1])[:, ::-1]
            total = total + (tf.image.resize(out, (h, w), "bilinear").numpy() if size != (h, w) else out)
        return total


def confusion_matrix(labels, predictions, num_classes, ignore_index=255):
    """int64 [C, C] (row: true class, column: predicted) over the pixels not labelled ignore_index."""
    labels, predictions = np.asarray(labels).ravel(), np.asarray(predictions).ravel()
    valid = labels != ignore_index
    if np.any(labels[valid] >= num_classes):
        raise ValueError(f"label value {int(labels[valid].max())} is not a class of {num_classes} (nor the ignore "
                         f"label {ignore_index}); check the label maps and the class list")
    index = labels[valid].astype(np.int64) * num_classes + predictions[valid].astype(np.int64)
    return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def iou_stats(confusion, classes=None):
    """{"mIoU", "mAcc", "aAcc", "IoU.<class>" ...} of a confusion matrix. A class that neither appears in the
    labels nor is predicted has no IoU: it is left out of the means (as mmseg does) and of the dict."""
    confusion = np.asarray(confusion, np.float64)
    tp = np.diag(confusion)
    truth, predicted = confusion.sum(1), confusion.sum(0)
    union = truth + predicted - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, tp / union, np.nan)
        acc = np.where(truth > 0, tp / truth, np.nan)
    names = classes or [str(i) for i in range(len(tp))]
    stats = {"mIoU": float(np.nanmean(iou)) if np.any(union > 0) else float("nan"),
             "mAcc": float(np.nanmean(acc)) if np.any(truth > 0) else float("nan"),
             "aAcc": float(tp.sum() / max(confusion.sum(), 1))}
    stats.update({f"IoU.{name}": float(v) for name, v in zip(names, iou) if not np.isnan(v)})
    return stats


def summary(stats, classes):
    """A table of per-class IoU and the means, as text."""
    width = max(len(c) for c in classes)
    rows = [f"{c:<{width}}  IoU {stats[f'IoU.{c}']:.4f}" if f"IoU.{c}" in stats else f"{c:<{width}}  IoU -  (absent)"
            for c in classes]
    rows.append(f"{'mean':<{width}}  mIoU {stats['mIoU']:.4f}  mAcc {stats['mAcc']:.4f}  aAcc {stats['aAcc']:.4f}")
    return "\n".join(rows)
