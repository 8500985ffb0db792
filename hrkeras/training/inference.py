"""Top-down inference: person crops -> heatmaps (with flip test) -> keypoints in image pixels."""
import numpy as np
import tensorflow as tf

from hrkeras.codecs import flip_test_average
from hrkeras.training.data.geometry import crop_to_image
from hrkeras.training.evaluation import coco_keypoint_ap, pck, topdown_results
from hrkeras.utils.forward import inference_function


class TopDownPredictor:
    """A pose model with its codec.

    model: a Keras model, or any callable (e.g. a TFLite runner's `predict`), images [B, H, W, 3]
    (normalized) -> heatmaps [B, h, w, K]; codec: MSRAHeatmap; flip_indices [K]; decode: codec
    decode method (None: the codec's default).
    """

    def __init__(self, model, codec, flip_indices, flip_test=True, decode=None):
        self.model, self.codec, self.decode = model, codec, decode
        self.flip_indices = np.asarray(flip_indices)
        self.flip_test = flip_test
        self._forward = inference_function(model)

    def heatmaps(self, images):
        """images [B, H, W, 3] -> heatmaps [B, h, w, K] (float32 numpy), flip-averaged if flip_test."""
        images = tf.convert_to_tensor(images, tf.float32)
        if not self.flip_test:
            return np.asarray(self._forward(images), np.float32)
        both = np.asarray(self._forward(tf.concat([images, tf.reverse(images, axis=[2])], axis=0)), np.float32)
        n = images.shape[0]
        return flip_test_average(both[:n], both[n:], self.flip_indices)

    def keypoints(self, images, center, scale):
        """Crops + their boxes (center [B, 2], scale [B, 2]) -> keypoints [B, K, 2] image px, scores [B, K]."""
        keypoints, scores = self.codec.decode(self.heatmaps(images), self.decode)
        center, scale = np.asarray(center)[:, None], np.asarray(scale)[:, None]
        return crop_to_image(keypoints, center, scale, self.codec.input_size), scores


def predict_dataset(predictor, dataset):
    """Run over an eval dataset of (images, meta) -> arrays over all crops: index [N], image_id [N],
    keypoints [N, K, 2] image px, scores [N, K], box_scores [N] (an empty dict for no crops)."""
    parts = {"index": [], "image_id": [], "keypoints": [], "scores": [], "box_scores": []}
    for images, meta in dataset:
        keypoints, scores = predictor.keypoints(images, meta["center"].numpy(), meta["scale"].numpy())
        parts["index"].append(meta["index"].numpy())
        parts["image_id"].append(meta["image_id"].numpy())
        parts["keypoints"].append(keypoints)
        parts["scores"].append(scores)
        parts["box_scores"].append(meta["score"].numpy())
    return {k: np.concatenate(v) for k, v in parts.items()} if parts["index"] else {}


def evaluate_coco(predictions, ann_file):
    """COCO keypoint AP of `predict_dataset` output -> (stats dict, summary text)."""
    results = []
    if predictions:
        results = topdown_results(predictions["image_id"], predictions["keypoints"], predictions["scores"],
                                  predictions["box_scores"])
    return coco_keypoint_ap(results, ann_file, return_summary=True)


def pck_of(predictions, instances, threshold=0.2):
    """PCK@threshold (normalized by the box's longer side) of `predict_dataset` output over the
    instances' labeled joints."""
    chosen = [instances[i] for i in predictions["index"]]
    gt = np.stack([inst.keypoints for inst in chosen])
    sizes = np.array([max(inst.bbox[2:]) for inst in chosen])
    return pck(predictions["keypoints"], gt[..., :2], gt[..., 2] > 0, sizes, threshold)

