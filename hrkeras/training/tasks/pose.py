"""Top-down heatmap pose: MSRA heatmaps, joint-weighted MSE, COCO keypoint AP."""
from hrkeras.models.registry import create_model
from hrkeras.training import datasets
from hrkeras.training.data import coco_meta
from hrkeras.training.inference import TopDownPredictor, evaluate_coco, pck_of, predict_dataset
from hrkeras.training.losses import KeypointMSE
from hrkeras.training.tasks import TaskData

TITLE = "COCO keypoint evaluation"
METRIC = "AP"


def build_model(config, data=None):
    """The recipe's PoseEstimator, carrying its codec."""
    return create_model(config.model, task="pose", input_shape=(*config.input_size, 3),
                        num_keypoints=coco_meta.NUM_KEYPOINTS, head_kwargs={"codec": datasets.codec_config(config)},
                        **config.model_kwargs)


def loss(config):
    return KeypointMSE(config.ohkm_topk)


def evaluate(model, config, pipeline, ann_file, instances=None, flip_test=None, decode=None, batch_size=32):
    """COCO keypoint AP of `model` on a validation pipeline, and PCK@0.2 given its ground-truth `instances`
    -> (stats, summary text)."""
    predictor = TopDownPredictor(model, pipeline.codec, coco_meta.flip_indices(),
                                 config.flip_test if flip_test is None else flip_test, decode or config.decode)
    predictions = predict_dataset(predictor, pipeline.eval_dataset(batch_size))
    stats, summary = evaluate_coco(predictions, ann_file)
    if instances is not None and not config.det_file and predictions:
        stats["PCK@0.2"] = pck_of(predictions, instances)
    return stats, summary


def load_data(config, data_root=None, with_val=True):
    data = datasets.splits(config, data_root)
    evaluate_fn = None
    if with_val:
        instances = datasets.val_instances(config, data["val"])
        val = datasets.val_pipeline(config, instances)
        evaluate_fn = lambda model: evaluate(model, config, val, data["val"].ann_file, instances)  # noqa: E731
    return TaskData(datasets.train_pipeline(config, data["train"]), evaluate_fn, data["train"].ann_file)
