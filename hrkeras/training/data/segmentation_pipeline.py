"""Segmentation tf.data pipelines (HRNet-Semantic-Segmentation's BaseDataset.gen_sample): random scale of the
image with its label map, pad to the crop, random crop (optionally redrawn while one class fills it, as
mmseg's RandomCrop `cat_max_ratio`), random flip, normalization.

The image is resized bilinearly and the label map by nearest neighbour with the same size, then both are
cut and flipped together; padding is the mean colour (0 after normalization) and the ignore label.
"""
import numpy as np
import tensorflow as tf

from hrkeras.training.data import warp
from hrkeras.training.data.options import prefetched

AUTOTUNE = tf.data.AUTOTUNE
CROP_TRIES = 10  # mmseg's RandomCrop: draws of a crop before the last one is taken as it is


def read_pair(image_path, label_path, lut=None):
    """-> image uint8 [h, w, 3], train labels uint8 [h, w] (stored values mapped through `lut` [256])."""
    image = tf.io.decode_image(tf.io.read_file(image_path), channels=3, expand_animations=False)
    label = tf.io.decode_png(tf.io.read_file(label_path), channels=1)[..., 0]
    if lut is not None:
        label = tf.gather(tf.constant(lut, tf.uint8), tf.cast(label, tf.int32))
    check = tf.debugging.assert_equal(tf.shape(image)[:2], tf.shape(label), message=(
        "an image and its label map differ in size: ") + image_path)
    with tf.control_dependencies([check]):
        return tf.identity(image), tf.identity(label)


def scaled_size(size, scale, base_size=None):
    """size [2] (height, width) of an image -> [2] int (height, width) scaled by `scale` (with base_size: its
    long side becomes round(base_size * scale), HRNet-Seg's multi_scale_aug)."""
    size = tf.cast(size, tf.float32)
    factor = scale if base_size is None else tf.round(base_size * scale) / tf.reduce_max(size)
    return tf.cast(tf.maximum(tf.round(size * factor), 1.0), tf.int32)


class SegmentationPipeline:
    """A SegmentationSet -> batches of (normalized crops [B, H, W, 3], labels int32 [B, H, W]).

    input_size (H, W): the crop; scale_range: random scale factors; base_size: long side before the scale
    (None: the image's own size); cat_max_ratio: a crop is drawn again (up to CROP_TRIES times) while one class
    covers more than this fraction of its labelled pixels (1.0: never); seed: with the epoch, fixes the order
    and the augmentation.
    """

    def __init__(self, dataset, input_size, scale_range=(0.5, 2.0), base_size=None, flip=True, ignore_index=255,
                 mean=warp.MEAN, std=warp.STD, seed=0, cat_max_ratio=1.0):
        if not len(dataset):
            raise ValueError("SegmentationPipeline needs at least one image; check the dataset root and split.")
        if not 0.0 < cat_max_ratio <= 1.0:
            raise ValueError(f"cat_max_ratio must be in (0, 1] (1: any crop), got {cat_max_ratio!r}")
        self.cat_max_ratio = float(cat_max_ratio)
        self.dataset, self.input_size = dataset, (int(input_size[0]), int(input_size[1]))
        self.scale_range, self.base_size, self.flip = tuple(scale_range), base_size, bool(flip)
        self.ignore_index, self.mean, self.std, self.seed = int(ignore_index), tuple(mean), tuple(std), int(seed)

    def __len__(self):
        return len(self.dataset)

    def epoch_order(self, epoch):
        return np.random.default_rng([self.seed, int(epoch)]).permutation(len(self))

    def _sample(self, epoch_key):
        crop_h, crop_w = self.input_size

        def sample(index, image_path, label_path):
            seeds = tf.random.experimental.stateless_split(tf.random.experimental.stateless_fold_in(epoch_key, index), 4)
            image, label = read_pair(image_path, label_path, self.dataset.lut)
            scale = tf.random.stateless_uniform([], seeds[0], *self.scale_range)
            size = scaled_size(tf.shape(image)[:2], scale, self.base_size)
            image = tf.image.resize(warp.normalize(image, self.mean, self.std), size, "bilinear")
            label = tf.image.resize(label[..., None], size, "nearest")[..., 0]
            pad_h, pad_w = tf.maximum(crop_h - size[0], 0), tf.maximum(crop_w - size[1], 0)
            image = tf.pad(image, [[0, pad_h], [0, pad_w], [0, 0]])
            label = tf.pad(label, [[0, pad_h], [0, pad_w]], constant_values=self.ignore_index)
            top, left = self._crop_offset(label, seeds[1], seeds[2])
            image, label = image[top:top + crop_h, left:left + crop_w], label[top:top + crop_h, left:left + crop_w]
            if self.flip:
                mirror = tf.random.stateless_uniform([], seeds[3]) < 0.5
                image = tf.where(mirror, image[:, ::-1], image)
                label = tf.where(mirror, label[:, ::-1], label)
            return tf.ensure_shape(image, [crop_h, crop_w, 3]), tf.ensure_shape(tf.cast(label, tf.int32),
                                                                                [crop_h, crop_w])
        return sample

    def _crop_offset(self, label, top_key, left_key):
        """(top, left) of the crop in a padded label map [h, w]: the first of CROP_TRIES draws in which no class
        covers more than cat_max_ratio of the labelled pixels (and two classes show), else the last draw."""
        crop_h, crop_w = self.input_size
        room = tf.shape(label) - tf.constant([crop_h, crop_w]) + 1
        tries = 1 if self.cat_max_ratio >= 1.0 else CROP_TRIES
        offsets, accepted = [], []
        for i in range(tries):
            keys = (top_key, left_key) if i == 0 else (tf.random.experimental.stateless_fold_in(top_key, i),
                                                      tf.random.experimental.stateless_fold_in(left_key, i))
            top = tf.random.stateless_uniform([], keys[0], 0, room[0], tf.int32)
            left = tf.random.stateless_uniform([], keys[1], 0, room[1], tf.int32)
            offsets.append(tf.stack([top, left]))
            if tries > 1:
                counts = tf.math.bincount(tf.cast(tf.reshape(label[top:top + crop_h, left:left + crop_w], [-1]),
                                                  tf.int32), minlength=256, maxlength=256)
                counts = tf.tensor_scatter_nd_update(counts, [[self.ignore_index]], [0])
                largest = tf.cast(tf.reduce_max(counts), tf.float32)
                total = tf.cast(tf.maximum(tf.reduce_sum(counts), 1), tf.float32)
                accepted.append(tf.logical_and(tf.math.count_nonzero(counts) > 1,
                                               largest < self.cat_max_ratio * total))
        if tries == 1:
            return offsets[0][0], offsets[0][1]
        accepted = tf.stack(accepted[:-1] + [tf.constant(True)])
        chosen = tf.gather(tf.stack(offsets), tf.argmax(tf.cast(accepted, tf.int32)))
        return chosen[0], chosen[1]

    def train_dataset(self, batch_size, epoch):
        """Shuffled and augmented as a function of (seed, epoch) only; the last partial batch is dropped."""
        order = self.epoch_order(epoch)
        dataset = tf.data.Dataset.from_tensor_slices((order.astype(np.int32), np.array(self.dataset.images)[order],
                                                      np.array(self.dataset.labels)[order]))
        epoch_key = tf.constant([self.seed, int(epoch)], tf.int64)
        dataset = dataset.map(self._sample(epoch_key), num_parallel_calls=AUTOTUNE, deterministic=True)
        return prefetched(dataset.batch(batch_size, drop_remainder=True))

    def eval_pairs(self):
        """(image uint8 [h, w, 3], train labels uint8 [h, w]) of every sample at full resolution, in order."""
        dataset = tf.data.Dataset.from_tensor_slices((np.array(self.dataset.images), np.array(self.dataset.labels)))
        return prefetched(dataset.map(lambda i, l: read_pair(i, l, self.dataset.lut), num_parallel_calls=AUTOTUNE,
                                      deterministic=True))
