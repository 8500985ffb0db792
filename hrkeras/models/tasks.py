"""Task models: a backbone (nested functional model) plus a head.

Each task is a functional keras.Model whose config holds the serialized
backbone and the head's arguments, so `get_config`/`from_config` and `.keras`
save/load round-trip.
"""
import keras
from keras.saving import register_keras_serializable

from hrkeras.models.heads import classification_head, heatmap_head, pyramid_head, segmentation_head
from hrkeras.models.litehrnet.litehrnet_layers import IterativeHead


class Task(keras.Model):
    """Base of the task models: `self.backbone` + head, config = backbone + head args. TASK names the task
    ("pose", "segmentation", "classification", "pyramid") for the tools that read a saved model."""

    TASK = None

    def _build(self, backbone, outputs_fn, **config):
        inputs = keras.Input(shape=backbone.input.shape[1:], name="image")
        features = backbone(inputs)
        outputs = outputs_fn(list(features.values()))
        super().__init__(inputs=inputs, outputs=outputs, name=config.pop("name", None),
                         **config.pop("model_kwargs"))
        self.backbone = backbone
        self._head_config = config

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            **self._head_config,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)


@register_keras_serializable(package="hrkeras")
class PoseEstimator(Task):
    """Top-down heatmap pose model: image [N,H,W,3] -> heatmaps [N,H/4,W/4,K].

    head="simple": 1x1 conv on branch 0 (HRNetV1, SimpleBaseline without deconv);
    head="iterative": Lite-HRNet's IterativeHead over all branches, then 1x1 conv.
    codec: the heatmap codec the model was trained with (MSRAHeatmap.get_config() plus "decode"), carried in
    the config so that a saved model decodes as in training (hrkeras.PoseInferencer reads it); None: unknown.
    """

    def __init__(self, backbone, num_keypoints=17, head="simple", codec=None, name=None, **kwargs):
        if head not in ("simple", "iterative"):
            raise ValueError(f"head must be 'simple' or 'iterative', got {head!r}")

        def outputs(xs):
            if head == "iterative":
                xs = IterativeHead([x.shape[-1] for x in xs])(xs)
            return heatmap_head(xs[0], num_keypoints)

        self._build(backbone, outputs, num_keypoints=num_keypoints, head=head, codec=codec, name=name,
                    model_kwargs=kwargs)

    TASK = "pose"


@register_keras_serializable(package="hrkeras")
class Segmenter(Task):
    """HRNetV2 segmentation: image [N,H,W,3] -> logits [N,H/4,W/4,num_classes]
    (upsample to the label size in the loss, as the reference does).

    Carried in its config, so that a saved model labels and prepares images by itself (None: unknown):
    classes: the class names it was trained on; palette: an RGB triple per class for drawing;
    preprocessing: {"mean", "std" (per RGB channel, pixels 0..255), "mode" ("whole" | "slide")}.
    channels: width of the head's 1x1 conv (None: the concatenated branches' width, as HRNetV2 and mmseg's
    Lite-HRNet FCN head; a narrower head is mmseg's FCNHead `channels`).
    """

    TASK = "segmentation"

    def __init__(self, backbone, num_classes=19, align_corners=False, classes=None, palette=None, preprocessing=None,
                 channels=None, name=None, **kwargs):
        self._build(
            backbone, lambda xs: segmentation_head(xs, num_classes, align_corners, channels),
            num_classes=num_classes, align_corners=align_corners, classes=classes, palette=palette,
            preprocessing=preprocessing, channels=channels, name=name, model_kwargs=kwargs,
        )


@register_keras_serializable(package="hrkeras")
class ImageClassifier(Task):
    """HRNet-C classification: image [N,H,W,3] -> logits [N,num_classes].

    head_channels / num_features: Bottleneck planes of the incre modules and
    width of the last 1x1 conv (the papers' 32..256 and 2048). classes: class names, as Segmenter's;
    preprocessing: {"mean", "std", "crop_fraction" (the centre crop's share of the resized short side)}.
    """

    TASK = "classification"

    def __init__(self, backbone, num_classes=1000, head_channels=(32, 64, 128, 256), num_features=2048,
                 classes=None, preprocessing=None, name=None, **kwargs):
        self._build(backbone, lambda xs: classification_head(xs, num_classes, head_channels, num_features),
                    num_classes=num_classes, head_channels=list(head_channels), num_features=num_features,
                    classes=classes, preprocessing=preprocessing, name=name, model_kwargs=kwargs)


@register_keras_serializable(package="hrkeras")
class FeaturePyramid(Task):
    """HRNetV2p feature pyramid for detection: image -> {"P2": [N,H/4,W/4,C], ..., "P6": [N,H/64,W/64,C]}."""

    TASK = "pyramid"

    def __init__(self, backbone, out_channels=256, num_outs=5, name=None, **kwargs):
        self._build(backbone, lambda xs: pyramid_head(xs, out_channels, num_outs),
                    out_channels=out_channels, num_outs=num_outs, name=name, model_kwargs=kwargs)
