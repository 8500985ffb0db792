"""Semantic segmentation: random scale / crop / flip of image and label map, pixel cross-entropy (optional
class weights and OHEM), mIoU at the label's full resolution."""
import os

import numpy as np

from hrkeras.errors import UsageError
from hrkeras.models.registry import create_model
from hrkeras.training.data import person_parts, warp
from hrkeras.training.data.segmentation_pipeline import SegmentationPipeline
from hrkeras.training.data.segmentation_sets import load_cityscapes, load_folder
from hrkeras.training.data.synthetic import cache_root, make_synthetic_parts
from hrkeras.training.segmentation_eval import SegmentationPredictor, confusion_matrix, iou_stats, summary
from hrkeras.training.segmentation_loss import SegmentationCrossEntropy
from hrkeras.training.tasks import TaskData

TITLE = "segmentation evaluation (mIoU)"
METRIC = "mIoU"
REPORTED = ("mIoU", "aAcc")
DEFAULT_PARTS_ROOT = os.path.join(os.path.expanduser("~"), ".cache", "hrkeras", "synthetic_parts")
DATASETS = ("synthetic_parts", "cityscapes", "folder")


def dataset_split(config, data_root, role):
    """The SegmentationSet of `config`'s train or val split (generating the synthetic set on first use)."""
    split = config.train_split if role == "train" else config.val_split
    if config.dataset == "synthetic_parts":
        counts = dict(zip((config.train_split, config.val_split), config.synthetic_images))
        root = data_root or cache_root(os.environ.get("HRKERAS_SYNTHETIC_PARTS_ROOT", DEFAULT_PARTS_ROOT), counts,
                                       config.synthetic_seed)
        make_synthetic_parts(root, counts, seed=config.synthetic_seed)
        return load_folder(root, split, palette=person_parts.PALETTE)
    if config.dataset not in DATASETS:
        raise UsageError(f"{config.name}: unknown segmentation dataset {config.dataset!r}", fix=f"use one of {DATASETS}")
    if data_root is None:
        raise UsageError(f"config {config.name!r} trains on {config.dataset}: pass the dataset folder",
                         fix="--data ROOT (Cityscapes: leftImg8bit/ and gtFine/; folder: images/, annotations/, "
                             "classes.txt)")
    return load_cityscapes(data_root, split) if config.dataset == "cityscapes" else load_folder(data_root, split)


def preprocessing(config):
    """The recipe's test-time image preparation, as a Segmenter carries it (JSON-ready)."""
    return {"mean": list(warp.MEAN), "std": list(warp.STD), "mode": config.test_mode}


def build_model(config, data=None):
    """The recipe's Segmenter, carrying its preprocessing; with the TaskData, the dataset's class names and
    palette too."""
    dataset = data.train.dataset if data else None
    head = {"classes": list(dataset.classes) if dataset else None, "preprocessing": preprocessing(config),
            "palette": [list(c) for c in dataset.palette] if dataset and dataset.palette else None,
            "channels": config.head_channels}
    return create_model(config.model, task="segmentation", input_shape=(*config.input_size, 3),
                        num_classes=config.num_classes, head_kwargs=head, **config.model_kwargs)


def loss(config):
    return SegmentationCrossEntropy(config.num_classes, config.ignore_index, config.class_weights, config.ohem,
                                    config.ohem_thresh, config.ohem_keep)


def predictor(model, config, flip=None):
    """The recipe's test-time predictor for `model` (a Keras model or any batch -> logits callable)."""
    return SegmentationPredictor(model, config.input_size, config.test_mode, config.test_size, config.test_scales,
                                 config.test_flip if flip is None else flip)


def evaluate(model, config, pipeline, flip=None):
    """mIoU of `model` over a pipeline's validation pairs -> (stats, summary text)."""
    run = predictor(model, config, flip)
    confusion = np.zeros((config.num_classes, config.num_classes), np.int64)
    for image, labels in pipeline.eval_pairs():
        prediction = run.logits(image.numpy()).argmax(-1)
        confusion += confusion_matrix(labels.numpy(), prediction, config.num_classes, config.ignore_index)
    classes = list(pipeline.dataset.classes)
    stats = iou_stats(confusion, classes)
    return stats, summary(stats, classes)


def _pipeline(config, dataset, train):
    return SegmentationPipeline(dataset, config.input_size, config.scale_range if train else (1.0, 1.0),
                                config.base_size, config.flip and train, config.ignore_index, seed=config.seed,
                                cat_max_ratio=config.cat_max_ratio if train else 1.0)


def check_classes(config, dataset):
    if len(dataset.classes) != config.num_classes:
        raise UsageError(f"{config.name} trains {config.num_classes} classes but the dataset lists "
                         f"{len(dataset.classes)}", dataset.source, "use a recipe with as many classes as the data")


def evaluation(config, data_root=None):
    """model -> (stats, summary text): mIoU on `config`'s validation split."""
    val_set = dataset_split(config, data_root, "val")
    check_classes(config, val_set)
    val = _pipeline(config, val_set, train=False)
    return lambda model: evaluate(model, config, val)


def calibration_images(config, count, data_root=None):
    """`count` crops [1, H, W, 3] (normalized, unscaled, unflipped) of `config`'s training images."""
    crops = _pipeline(config, dataset_split(config, data_root, "train"), train=False).train_dataset(1, 0)
    for images, _ in crops.take(count):
        yield images.numpy()


def load_data(config, data_root=None, with_val=True):
    train_set = dataset_split(config, data_root, "train")
    check_classes(config, train_set)
    return TaskData(_pipeline(config, train_set, train=True), evaluation(config, data_root) if with_val else None,
                    train_set.source)
