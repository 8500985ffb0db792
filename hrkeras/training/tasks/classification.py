"""Image classification: random-resized crop + flip, cross-entropy (optional label smoothing), top-1 / top-5
after the standard resize and centre crop."""
import keras
import numpy as np

from hrkeras.errors import UsageError
from hrkeras.models.registry import create_model
from hrkeras.training.data import warp
from hrkeras.training.data.image_folder import ClassificationPipeline, ImageFolder, load_image_folder
from hrkeras.training.tasks import TaskData
from hrkeras.utils.forward import inference_function

TITLE = "classification evaluation (top-1 / top-5)"
METRIC = "top1"
REPORTED = ("top1", "top5")


def preprocessing(config):
    """The recipe's test-time image preparation, as an ImageClassifier carries it (JSON-ready)."""
    return {"mean": list(warp.MEAN), "std": list(warp.STD), "crop_fraction": config.test_crop_fraction}


def build_model(config, data=None):
    """The recipe's ImageClassifier, carrying its preprocessing; with the TaskData, the class names too."""
    head = {"classes": list(data.train.folder.classes) if data else None, "preprocessing": preprocessing(config),
            "head_channels": config.head_channels, "num_features": config.num_features}
    return create_model(config.model, task="classification", input_shape=(*config.input_size, 3),
                        num_classes=config.num_classes, head_kwargs=head, **config.model_kwargs)


def loss(config):
    return keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=config.label_smoothing)


def top_k_correct(logits, labels, k):
    """Number of rows whose label is among the k largest logits."""
    top = np.argsort(-np.asarray(logits), axis=1)[:, :k]
    return int((top == np.asarray(labels)[:, None]).any(axis=1).sum())


def evaluate(model, config, pipeline, batch_size=32):
    """Top-1 / top-5 accuracy of `model` (Keras model or batch -> logits callable) -> (stats, summary text)."""
    forward, correct1, correct5, total = inference_function(model), 0, 0, 0
    for images, labels in pipeline.eval_dataset(batch_size):
        logits = np.asarray(forward(images))
        labels = labels.numpy()
        correct1 += top_k_correct(logits, labels, 1)
        correct5 += top_k_correct(logits, labels, min(5, logits.shape[1]))
        total += len(labels)
    stats = {"top1": correct1 / total, "top5": correct5 / total}
    return stats, f"top-1 {stats['top1']:.4f}  top-5 {stats['top5']:.4f}  ({total} images)"


def _pipeline(config, folder):
    return ClassificationPipeline(folder, config.input_size, config.num_classes, config.crop_scale, config.crop_ratio,
                                  config.test_crop_fraction, seed=config.seed)


def _train_folder(config, data_root):
    if data_root is None:
        raise UsageError(f"config {config.name!r} trains on an image folder: pass the dataset folder",
                         fix="--data ROOT holding train/<class>/*.jpg and val/<class>/*.jpg")
    train = load_image_folder(data_root, config.train_split)
    if len(train.classes) != config.num_classes:
        raise UsageError(f"{config.name} trains {config.num_classes} classes but the data has {len(train.classes)} "
                         "class folders", train.source, "use a recipe with as many classes as the data")
    return train


def evaluation(config, data_root=None, classes=None):
    """model -> (stats, summary text): top-1 / top-5 on `config`'s validation split, labels numbered as
    `classes` (default: the training split's class folders)."""
    classes = classes or _train_folder(config, data_root).classes
    val = _pipeline(config, load_image_folder(data_root, config.val_split, classes))
    return lambda model: evaluate(model, config, val)


def calibration_images(config, count, data_root=None):
    """`count` centre crops [1, H, W, 3] (normalized, as tested) spread over `config`'s training images."""
    train = _train_folder(config, data_root)
    chosen = np.linspace(0, len(train) - 1, min(count, len(train))).astype(int)
    subset = ImageFolder([train.paths[i] for i in chosen], train.labels[chosen], train.classes, train.source)
    for images, _ in _pipeline(config, subset).eval_dataset(1):
        yield images.numpy()


def load_data(config, data_root=None, with_val=True):
    train = _train_folder(config, data_root)
    return TaskData(_pipeline(config, train), evaluation(config, data_root, train.classes) if with_val else None,
                    train.source)
