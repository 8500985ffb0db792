"""Top-down heatmap pose: MSRA heatmaps, joint-weighted MSE, COCO keypoint AP."""
import numpy as np

from hrkeras.models.registry import create_model
from hrkeras.training import datasets
from hrkeras.training.data import coco_meta
from hrkeras.training.inference import TopDownPredictor, evaluate_coco, pck_of, predict_dataset
from hrkeras.training.losses import KeypointMSE
from hrkeras.training.tasks import TaskData

TITLE = "COCO keypoint evaluation"
METRIC = "AP"
REPORTED = ("AP", "PCK@0.2")


def build_model(config, data=None):
    """The recipe's PoseEstimator, carrying its codec."""
    return create_model(config.model, task="pose", input_shape=(*config.input_size, 3),
                        num_keypoints=coco_meta.NUM_KEYPOINTS, head_kwargs={"codec": datasets.codec_config(config)},
                        **config.model_kwargs)


def loss(config):
    return KeypointMSE(config.ohkm_topk)


def evaluate(model, config, pipeline, ann_file, instances=None, batch_size=32):
    """COCO keypoint AP of `model` (Keras model or batch -> heatmaps callable) on a validation pipeline, and
    PCK@0.2 given its ground-truth `instances` -> (stats, summary text); flip test and decoding as `config`."""
    predictor = TopDownPredictor(model, pipeline.codec, coco_meta.flip_indices(), config.flip_test, config.decode)
    predictions = predict_dataset(predictor, pipeline.eval_dataset(batch_size))
    stats, summary = evaluate_coco(predictions, ann_file)
    if instances is not None and not config.det_file and predictions:
        stats["PCK@0.2"] = pck_of(predictions, instances)
    return stats, summary


def evaluation(config, data_root=None):
    """model -> (stats, summary text) on `config`'s validation split: COCO keypoint AP, and PCK@0.2 with
    ground-truth boxes."""
    split = datasets.splits(config, data_root)["val"]
    instances = datasets.val_instances(config, split)
    val = datasets.val_pipeline(config, instances)
    return lambda model: evaluate(model, config, val, split.ann_file, instances)


def calibration_images(config, count, data_root=None):
    """`count` unaugmented person crops [1, H, W, 3] (normalized) spread over `config`'s training split."""
    from hrkeras.training.data.coco import load_instances

    split = datasets.splits(config, data_root)["train"]
    instances = load_instances(split.ann_file, split.image_dir)
    chosen = [instances[i] for i in np.linspace(0, len(instances) - 1, min(count, len(instances))).astype(int)]
    for images, _ in datasets.val_pipeline(config, chosen).eval_dataset(1):
        yield images.numpy()


def load_data(config, data_root=None, with_val=True):
    train = datasets.splits(config, data_root)["train"]
    return TaskData(datasets.train_pipeline(config, train), evaluation(config, data_root) if with_val else None,
                    train.ann_file)
