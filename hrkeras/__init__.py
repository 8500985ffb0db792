"""hrkeras: HRNet, Lite-HRNet and HR-NAS in Keras 3.

    model = hrkeras.LiteHRNet18()            # pose heatmaps, 256x192 input
    model = hrkeras.create_model("hrnet_w32", task="classification")
    hrkeras.list_models()
    model = hrkeras.LiteHRNet18(weights="coco")   # published weights, fetched once (hrkeras.list_pretrained())
"""
from hrkeras.utils.tf_startup import quiet_tensorflow_startup as _quiet_tensorflow_startup

try:
    with _quiet_tensorflow_startup():  # TensorFlow's C++ start-up notices held back (HRKERAS_DEBUG=1 shows them)
        import keras  # noqa: F401  (first: with the TensorFlow backend, keras needs TensorFlow installed)
        import tensorflow  # noqa: F401  (data, training and convert use it under every Keras backend)
except ModuleNotFoundError as _missing:
    if _missing.name not in ("tensorflow", "keras"):
        raise
    raise ImportError(f"hrkeras needs Keras 3 with a backend, and {_missing.name} is not installed: pick the "
                      "TensorFlow build with an extra, pip install 'hrkeras[cpu]' (CPU) or 'hrkeras[gpu]' "
                      "(CUDA GPUs)") from None

from hrkeras.checkpoints import CheckpointMismatchError, describe_checkpoint, load_checkpoint, read_state_dict
from hrkeras.complexity import count_macs, count_params
from hrkeras.classification_inferencer import Classification, ClassificationInferencer
from hrkeras.inferencer import Pose, PoseInferencer
from hrkeras.models.backbone import Backbone
from hrkeras.models.constructors import (
    HRNetW18, HRNetW18Small, HRNetW18SmallV2, HRNetW30, HRNetW32, HRNetW40, HRNetW44, HRNetW48, HRNetW64,
    HRNASSupernet, LiteHRNet18, LiteHRNet30, NaiveLiteHRNet18, WiderNaiveLiteHRNet18,
)
from hrkeras.models.hrnas.hrnas_backbone import HRNASBackbone
from hrkeras.models.hrnet.hrnet_backbone import HRNetBackbone
from hrkeras.models.litehrnet.litehrnet_backbone import LiteHRNetBackbone
from hrkeras.models.families import list_models
from hrkeras.models.registry import create_backbone, create_model
from hrkeras.models.tasks import FeaturePyramid, ImageClassifier, PoseEstimator, Segmenter
from hrkeras.pretrained import list_pretrained
from hrkeras.segmentation_inferencer import Segmentation, SegmentationInferencer
from hrkeras.convert import quantizers as _quantizers  # noqa: F401  (QAT .keras files name its layers)
from hrkeras.training import losses as _losses, schedules as _schedules  # noqa: F401  (trained .keras files name them)
from hrkeras.training import optimizers as _optimizers, segmentation_loss as _segmentation_loss  # noqa: F401

__version__ = "0.1.0"
__all__ = [
    "Backbone", "CheckpointMismatchError", "Classification", "ClassificationInferencer", "FeaturePyramid",
    "HRNASBackbone", "HRNetBackbone", "ImageClassifier", "LiteHRNetBackbone",
    "Pose", "PoseEstimator", "PoseInferencer", "Segmentation", "SegmentationInferencer", "Segmenter",
    "count_macs", "count_params", "create_backbone",
    "create_model", "describe_checkpoint", "list_models", "list_pretrained", "load_checkpoint", "read_state_dict",
    "HRNetW18Small", "HRNetW18SmallV2", "HRNetW18", "HRNetW30", "HRNetW32", "HRNetW40", "HRNetW44", "HRNetW48",
    "HRNetW64", "LiteHRNet18", "LiteHRNet30", "NaiveLiteHRNet18", "WiderNaiveLiteHRNet18", "HRNASSupernet",
]
