"""Top-down tf.data pipelines: one person crop per element (mmpose GetBBoxCenterScale,
RandomFlip, RandomHalfBody, RandomBBoxTransform, TopdownAffine, GenerateTarget).

Each sample is one affine warp of the decoded image straight to the model input size; the
keypoints go through the same matrix and the codec turns them into heatmaps.

Unreadable images (missing, corrupt, truncated, or not the annotated size) are skipped with a
warning naming the file: each element's read + decode runs in a one-element inner dataset with
ignore_errors(); when that comes out empty, a stand-in element takes its place, which warns
(Python code runs only on this failure path) and is filtered out. Nothing is scanned up front
and good images pay only for the tiny inner dataset.
"""
import warnings

import numpy as np
import tensorflow as tf

from hrkeras.training.data import augment as augment_lib
from hrkeras.training.data import coco_meta, geometry, warp
from hrkeras.training.data.options import prefetched

AUTOTUNE = tf.data.AUTOTUNE


def _columns(instances, aspect_ratio):
    """Instances -> dict of numpy arrays [N, ...] (the tf.data source)."""
    boxes = [geometry.bbox_to_center_scale(i.bbox, aspect_ratio) for i in instances]
    keypoints = np.stack([i.keypoints for i in instances]).astype(np.float32)
    return {
        "index": np.arange(len(instances), dtype=np.int32),
        "path": np.array([i.image_path for i in instances]),
        "image_size": np.array([i.image_size for i in instances], np.float32),
        "center": np.array([c for c, _ in boxes], np.float32),
        "scale": np.array([s for _, s in boxes], np.float32),
        "keypoints": keypoints[..., :2],
        "visible": np.minimum(keypoints[..., 2], 1.0),
        "image_id": np.array([i.image_id for i in instances], np.int64),
        "score": np.array([i.score for i in instances], np.float32),
        "area": np.array([i.area for i in instances], np.float32),
    }


def _warn_unreadable(path, image_size):
    h, w = image_size.numpy().astype(int)
    warnings.warn(f"Skipping {path.numpy().decode()}: it cannot be read or decoded as a {h}x{w} (HxW) image (missing, "
                  "corrupt, truncated or resized file); replace the file or remove its annotations.")
    return False


def _decode(element):
    image = tf.io.decode_image(tf.io.read_file(element["path"]), channels=3, expand_animations=False)
    size = tf.cast(element["image_size"], tf.int32)
    check = tf.debugging.assert_equal(tf.shape(image)[:2], size, message="image size differs from the annotation")
    with tf.control_dependencies([check]):
        return {**element, "image": tf.identity(image), "ok": tf.constant(True)}


def _unreadable(element):
    ok = tf.py_function(_warn_unreadable, [element["path"], element["image_size"]], tf.bool)
    return {**element, "image": tf.zeros([0, 0, 3], tf.uint8), "ok": tf.reshape(ok, [])}


def _read_one(element):
    """One element -> a one-element dataset: decoded, or the flagged stand-in."""
    decoded = tf.data.Dataset.from_tensors(element).map(_decode).ignore_errors()
    return decoded.concatenate(tf.data.Dataset.from_tensors(element).map(_unreadable)).take(1)


def with_images(dataset):
    """Adds "image" uint8 [H, W, 3] to each element dict; drops (and names) unreadable images. Keeps order."""
    dataset = dataset.interleave(_read_one, num_parallel_calls=AUTOTUNE, deterministic=True)
    return dataset.filter(lambda element: element["ok"])


class TopDownPipeline:
    """Instances -> batches of person crops.

    codec: any object with encode(keypoints [K, 2] input px, visible [K]) -> (heatmaps [h, w, K],
    weights [K]) in TF ops, and its input_size (height, width): the crops are made at that size.
    augment: Augmentation or None. flip_indices [K]. mean, std: RGB normalization. seed: with the epoch,
    fixes order and augmentation.
    """

    def __init__(self, instances, codec, *, augment=None, flip_indices=None, mean=warp.MEAN, std=warp.STD, seed=0):
        if not instances:
            raise ValueError("TopDownPipeline needs at least one instance; check the annotation file and split.")
        self.codec, self.augment, self.seed = codec, augment, int(seed)
        self.input_size = tuple(codec.input_size)
        self.aspect_ratio = self.input_size[1] / self.input_size[0]
        self.mean, self.std = tuple(mean), tuple(std)
        self.columns = _columns(instances, self.aspect_ratio)
        num_keypoints = self.columns["visible"].shape[1]
        self.flip_indices = np.asarray(coco_meta.flip_indices() if flip_indices is None else flip_indices, np.int32)
        if self.flip_indices.shape != (num_keypoints,):
            raise ValueError(f"flip_indices has {self.flip_indices.size} entries but instances have {num_keypoints} "
                             "keypoints; pass the dataset's flip_indices.")

    def __len__(self):
        return len(self.columns["index"])

    def epoch_order(self, epoch):
        """Instance indices [N] in the order of epoch `epoch`."""
        return np.random.default_rng([self.seed, int(epoch)]).permutation(len(self))

    def _crop(self, element, center, scale, rotation, flip=None):
        """-> normalized crop [H, W, 3], image->crop matrix [2, 3] for keypoints (after any flip)."""
        matrix = warp.affine_matrix(center, scale, rotation, self.input_size)
        image_matrix = matrix
        if flip is not None:
            width = element["image_size"][1]
            mirror = tf.stack([tf.stack([-1.0, 0.0, width - 1.0]), tf.constant([0.0, 1.0, 0.0])])
            image_matrix = tf.where(flip, warp.compose_affine(matrix, mirror), matrix)
        crop = warp.crop_image(element["image"], image_matrix, self.input_size)
        return warp.normalize(crop, self.mean, self.std), matrix

    def _train_sample(self, epoch_key):
        def sample(element):
            center, scale, keypoints, visible = (element[k] for k in ("center", "scale", "keypoints", "visible"))
            rotation, flip = tf.constant(0.0), None
            if self.augment is not None:
                seed = tf.random.experimental.stateless_fold_in(epoch_key, element["index"])
                center, scale, rotation, flip, keypoints, visible = augment_lib.random_box(
                    self.augment, seed, center, scale, keypoints, visible, element["image_size"][1],
                    self.flip_indices, self.aspect_ratio)
            image, matrix = self._crop(element, center, scale, rotation, flip)
            heatmaps, weights = self.codec.encode(warp.transform_points(keypoints, matrix), visible)
            return image, heatmaps, weights
        return sample

    def train_dataset(self, batch_size, epoch):
        """-> (images [B, H, W, 3] float32, heatmaps [B, h, w, K], weights [B, K]); shuffled and
        augmented as a function of (seed, epoch) only; the last partial batch is dropped."""
        order = self.epoch_order(epoch)
        dataset = tf.data.Dataset.from_tensor_slices({k: v[order] for k, v in self.columns.items()})
        epoch_key = tf.constant([self.seed, int(epoch)], tf.int64)
        dataset = with_images(dataset).map(self._train_sample(epoch_key), num_parallel_calls=AUTOTUNE,
                                           deterministic=True)
        return prefetched(dataset.batch(batch_size, drop_remainder=True))

    def _eval_sample(self, element):
        image, _ = self._crop(element, element["center"], element["scale"], 0.0)
        return image, {k: element[k] for k in ("center", "scale", "image_id", "score", "area", "index")}

    def eval_dataset(self, batch_size):
        """-> (images [B, H, W, 3], meta {center [B, 2], scale [B, 2], image_id, score, area, index [B]})
        in instance order, unaugmented, last partial batch kept."""
        dataset = with_images(tf.data.Dataset.from_tensor_slices(self.columns))
        dataset = dataset.map(self._eval_sample, num_parallel_calls=AUTOTUNE, deterministic=True)
        return prefetched(dataset.batch(batch_size))
