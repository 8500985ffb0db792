"""hrkeras: HRNet, Lite-HRNet and HR-NAS in Keras 3.

    model = hrkeras.LiteHRNet18()            # pose heatmaps, 256x192 input
    model = hrkeras.create_model("hrnet_w32", task="classification")
    hrkeras.list_models()
"""
from hrkeras.checkpoints import CheckpointMismatchError, describe_checkpoint, load_checkpoint, read_state_dict
from hrkeras.complexity import count_macs, count_params
from hrkeras.models.backbone import Backbone
from hrkeras.models.hrnas.hrnas_backbone import HRNASBackbone
from hrkeras.models.hrnet.hrnet_backbone import HRNetBackbone
from hrkeras.models.litehrnet.litehrnet_backbone import LiteHRNetBackbone
from hrkeras.models.registry import create_backbone, create_model, list_models
from hrkeras.models.tasks import FeaturePyramid, ImageClassifier, PoseEstimator, Segmenter
from hrkeras.convert import quantizers as _quantizers  # noqa: F401  (QAT .keras files name its layers)
from hrkeras.training import losses as _losses, schedules as _schedules  # noqa: F401  (trained .keras files name them)

__version__ = "0.1.0"


def _constructor(variant, public_name):
    def build(task="pose", **kwargs):
        return create_model(variant, task=task, **kwargs)

    build.__name__ = build.__qualname__ = public_name
    build.__doc__ = (
        f"`{variant}` (task='pose' by default; see hrkeras.create_model for task, "
        "input_shape, num_keypoints, num_classes, weights)."
    )
    return build


_PUBLIC_NAMES = {
    "hrnet_w18_small": "HRNetW18Small",
    "hrnet_w18_small_v2": "HRNetW18SmallV2",
    "hrnet_w18": "HRNetW18",
    "hrnet_w30": "HRNetW30",
    "hrnet_w32": "HRNetW32",
    "hrnet_w40": "HRNetW40",
    "hrnet_w44": "HRNetW44",
    "hrnet_w48": "HRNetW48",
    "hrnet_w64": "HRNetW64",
    "litehrnet_18": "LiteHRNet18",
    "litehrnet_30": "LiteHRNet30",
    "naive_litehrnet_18": "NaiveLiteHRNet18",
    "wider_naive_litehrnet_18": "WiderNaiveLiteHRNet18",
}
globals().update({public: _constructor(variant, public) for variant, public in _PUBLIC_NAMES.items()})
