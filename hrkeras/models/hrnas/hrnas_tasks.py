"""HR-NAS task models: the backbone plus the official pose, segmentation and classification heads."""
from keras.saving import register_keras_serializable

from hrkeras.models.tasks import Task

from .hrnas_heads import classification_head, dense_head, head_blocks


@register_keras_serializable(package="hrkeras")
class HRNASPoseEstimator(Task):
    """image [N,H,W,3] -> heatmaps [N,H/4,W/4,K] (official keypoint config: last_channel 90)."""

    TASK = "pose"

    def __init__(self, backbone, num_keypoints=17, last_channel=90, name=None, **kwargs):
        block = head_blocks(backbone)
        self._build(backbone, lambda xs: dense_head(xs, num_keypoints, last_channel, block),
                    num_keypoints=num_keypoints, last_channel=last_channel, name=name, model_kwargs=kwargs)


@register_keras_serializable(package="hrkeras")
class HRNASSegmenter(Task):
    """image [N,H,W,3] -> logits [N,H/4,W/4,num_classes] (upsample to the label size in the loss);
    classes, palette, preprocessing: as hrkeras.Segmenter's."""

    TASK = "segmentation"

    def __init__(self, backbone, num_classes=19, last_channel=90, classes=None, palette=None, preprocessing=None,
                 name=None, **kwargs):
        block = head_blocks(backbone)
        self._build(backbone, lambda xs: dense_head(xs, num_classes, last_channel, block),
                    num_classes=num_classes, last_channel=last_channel, classes=classes, palette=palette,
                    preprocessing=preprocessing, name=name, model_kwargs=kwargs)


@register_keras_serializable(package="hrkeras")
class HRNASClassifier(Task):
    """image [N,H,W,3] -> logits [N,num_classes] (official ImageNet config); classes, preprocessing: as
    hrkeras.ImageClassifier's."""

    TASK = "classification"

    def __init__(self, backbone, num_classes=1000, head_channels=(36, 72, 144, 320), last_channel=1600,
                 dropout=0.2, classes=None, preprocessing=None, name=None, **kwargs):
        block = head_blocks(backbone)
        name_ = f"features_{2 * len(backbone.get_config()['stages'])}"  # the module after the last stage
        self._build(backbone,
                    lambda xs: classification_head(xs, num_classes, head_channels, last_channel, dropout, block, name_),
                    num_classes=num_classes, head_channels=list(head_channels), last_channel=last_channel,
                    dropout=dropout, classes=classes, preprocessing=preprocessing, name=name, model_kwargs=kwargs)


TASKS = {"pose": HRNASPoseEstimator, "segmentation": HRNASSegmenter, "classification": HRNASClassifier}


def build_task(task, backbone, num_keypoints, num_classes, name, **head_kwargs):
    """The HR-NAS model of `task` on `backbone` (registry hook)."""
    if task == "pose":
        return HRNASPoseEstimator(backbone, num_keypoints=num_keypoints, name=name, **head_kwargs)
    return TASKS[task](backbone, num_classes=num_classes or (19 if task == "segmentation" else 1000), name=name,
                       **head_kwargs)
