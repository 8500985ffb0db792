"""Image classification data in the ImageNet / torchvision ImageFolder layout: ROOT/SPLIT/CLASS/IMAGE, classes
sorted by folder name; tf.data pipelines with random-resized crop + flip (train) and resize + centre crop (test).
"""
import dataclasses
import os

import numpy as np
import tensorflow as tf

from hrkeras.errors import MissingFileError
from hrkeras.training.data import IMAGE_EXTENSIONS, warp
from hrkeras.training.data.options import prefetched

AUTOTUNE = tf.data.AUTOTUNE


@dataclasses.dataclass
class ImageFolder:
    """paths and labels [N] of a split; classes: folder names, index = label."""

    paths: list
    labels: np.ndarray
    classes: tuple
    source: str

    def __len__(self):
        return len(self.paths)


def load_image_folder(root, split, classes=None):
    """ROOT/SPLIT/<class>/* -> ImageFolder; `classes` (e.g. the training split's) fixes the label order."""
    folder = os.path.join(root, split)
    fix = f"pass the dataset root holding {split}/<class>/*.jpg (the ImageNet layout)"
    if not os.path.isdir(folder):
        raise MissingFileError(f"no '{split}' folder", folder, fix)
    found = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    classes = tuple(classes or found)
    if not classes:
        raise MissingFileError("no class folders", folder, fix)
    paths, labels = [], []
    for label, name in enumerate(classes):
        directory = os.path.join(folder, name)
        if not os.path.isdir(directory):
            continue  # a class without validation images
        files = sorted(f for f in os.listdir(directory) if f.lower().endswith(IMAGE_EXTENSIONS))
        paths += [os.path.join(directory, f) for f in files]
        labels += [label] * len(files)
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise MissingFileError(f"class folders not in the training split: {', '.join(unknown[:5])}", folder,
                               "give every split the same class folders")
    if not paths:
        raise MissingFileError("no images in the class folders", folder, fix)
    return ImageFolder(paths, np.array(labels, np.int32), classes, folder)


def _decode(path):
    return tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)


def centre_crop(image, input_size, crop_fraction=0.875, mean=warp.MEAN, std=warp.STD):
    """The standard test view: uint8 [h, w, 3] -> normalized float32 [H, W, 3], the short side resized to
    input / crop_fraction (256 for 224 at 0.875), then the centre input_size (H, W) cut out."""
    height, width = input_size
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    short = tf.cast(tf.round(min(height, width) / crop_fraction), tf.float32)
    size = tf.cast(tf.round(shape * short / tf.reduce_min(shape)), tf.int32)
    size = tf.maximum(size, [height, width])
    image = tf.image.resize(image, size, "bilinear")
    top, left = (size[0] - height) // 2, (size[1] - width) // 2
    return warp.normalize(image[top:top + height, left:left + width], mean, std)


class ClassificationPipeline:
    """ImageFolder -> batches of (normalized images [B, H, W, 3], labels).

    input_size (H, W); crop_scale / crop_ratio: the random-resized crop's area fraction and aspect range;
    test_crop_fraction: the centre crop's share of the resized short side (0.875: 256 -> 224); num_classes:
    training labels come one-hot [B, C] (for label smoothing), test labels as int32 [B].
    """

    def __init__(self, folder, input_size, num_classes, crop_scale=(0.08, 1.0), crop_ratio=(3 / 4, 4 / 3),
                 test_crop_fraction=0.875, mean=warp.MEAN, std=warp.STD, seed=0):
        self.folder, self.input_size, self.num_classes = folder, tuple(int(v) for v in input_size), int(num_classes)
        self.crop_scale, self.crop_ratio, self.test_crop_fraction = crop_scale, crop_ratio, test_crop_fraction
        self.mean, self.std, self.seed = mean, std, int(seed)

    def __len__(self):
        return len(self.folder)

    def _train_sample(self, epoch_key):
        def sample(index, path, label):
            seeds = tf.random.experimental.stateless_split(tf.random.experimental.stateless_fold_in(epoch_key, index), 2)
            image = _decode(path)
            begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
                tf.shape(image), tf.zeros([1, 0, 4]), seeds[0], area_range=self.crop_scale,
                aspect_ratio_range=self.crop_ratio, max_attempts=10, use_image_if_no_bounding_boxes=True)
            image = tf.image.resize(tf.slice(image, begin, size), self.input_size, "bilinear")
            image = tf.where(tf.random.stateless_uniform([], seeds[1]) < 0.5, image[:, ::-1], image)
            return warp.normalize(image, self.mean, self.std), tf.one_hot(label, self.num_classes)
        return sample

    def train_dataset(self, batch_size, epoch):
        order = np.random.default_rng([self.seed, int(epoch)]).permutation(len(self))
        dataset = tf.data.Dataset.from_tensor_slices((order.astype(np.int32), np.array(self.folder.paths)[order],
                                                      self.folder.labels[order]))
        epoch_key = tf.constant([self.seed, int(epoch)], tf.int64)
        dataset = dataset.map(self._train_sample(epoch_key), num_parallel_calls=AUTOTUNE, deterministic=True)
        return prefetched(dataset.batch(batch_size, drop_remainder=True))

    def test_image(self, image):
        """uint8 [h, w, 3] -> normalized [H, W, 3] (centre_crop)."""
        return centre_crop(image, self.input_size, self.test_crop_fraction, self.mean, self.std)

    def eval_dataset(self, batch_size):
        dataset = tf.data.Dataset.from_tensor_slices((np.array(self.folder.paths), self.folder.labels))
        dataset = dataset.map(lambda p, l: (tf.ensure_shape(self.test_image(_decode(p)), [*self.input_size, 3]), l),
                              num_parallel_calls=AUTOTUNE, deterministic=True)
        return prefetched(dataset.batch(batch_size))
