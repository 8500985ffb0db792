"""Model registry: variant name + task -> keras.Model (timm-style names), with weights.

The variants and their families are the table of `families.py` (which checkpoint
recognition reads too); this module builds them and loads their weights.
"""
from hrkeras.checkpoints.loader import load_checkpoint
from hrkeras.errors import UsageError
from hrkeras.models.families import get_family
from hrkeras.models.hrnas.hrnas_arch import load_arch
from hrkeras.models.hrnas.hrnas_variants import HRNAS_ARCH_MODEL
from hrkeras.models.tasks import FeaturePyramid, ImageClassifier, PoseEstimator, Segmenter
from hrkeras.pretrained import fetch, find_entry, is_tag

DEFAULT_INPUT_SHAPES = {
    "pose": (256, 192, 3),
    "classification": (224, 224, 3),
    "segmentation": (512, 1024, 3),
    "pyramid": (512, 512, 3),
    "backbone": (256, 192, 3),
}


def create_backbone(name, task="backbone", input_shape=None, **kwargs):
    """The backbone of variant `name`, configured as `task` needs it; input_shape: static (H, W, C), default
    per task (pose 256x192)."""
    family = get_family(name)
    if task not in family.task_options:
        raise ValueError(f"{name} supports tasks {list(family.tasks)}, not {task!r}")
    config = {**family.variants[name], **family.task_options[task], **kwargs}
    config["input_shape"] = tuple(input_shape or DEFAULT_INPUT_SHAPES[task])
    return family.backbone_cls(name=f"{name}_backbone", **config)


def create_model(name, task="pose", input_shape=None, num_keypoints=None, num_classes=None, weights=None,
                 head_kwargs=None, cache_dir=None, arch=None, **kwargs):
    """Build variant `name` for `task`, optionally with weights.

    Args:
        name: registry name, e.g. "litehrnet_18", "hrnet_w32" (see hrkeras.list_models()).
        task: "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        input_shape: static (H, W, C); defaults to the input size of the weights'
            tag, else per task (pose 256x192).
        num_keypoints: heatmap channels of pose models (default: the tag's, else 17).
        num_classes: classes of classification (1000) / segmentation (19) models.
        weights: a tag of published weights listed by hrkeras.list_pretrained
            for this model and task (e.g. "coco", "coco_384x288", "imagenet";
            downloaded once into the cache and checksummed), a PyTorch-layout
            checkpoint (.pth/.pt/.safetensors/.npz of the official repos, timm
            or mmpose; loaded strictly with hrkeras.load_checkpoint) or a Keras
            `.weights.h5` file.
        head_kwargs: extra arguments of the task head (e.g. classification
            `head_channels`, `num_features`).
        cache_dir: folder of downloaded weights (default: $HRKERAS_CACHE, else
            ~/.cache/hrkeras/weights).
        arch: with name "hrnas", an HR-NAS architecture (JSON path or dict,
            hrkeras.models.hrnas.hrnas_arch) to build compactly.
        **kwargs: backbone overrides (e.g. widths=..., or use_transformer=True for HR-NAS).

    Example:
        >>> model = create_model("litehrnet_18", weights="coco")  # doctest: +SKIP
        >>> model.input_shape  # doctest: +SKIP
        (None, 256, 192, 3)
    """
    if (name == HRNAS_ARCH_MODEL) != (arch is not None):
        raise UsageError(f"arch= goes with the model name {HRNAS_ARCH_MODEL!r} only",
                         fix=f'hrkeras.create_model("{HRNAS_ARCH_MODEL}", arch="arch.json", task=...)')
    row = name  # the variant row built; the model keeps `name`
    if arch is not None:  # the supernet's row with the architecture's blocks
        overrides, blocks = load_arch(arch)
        row, kwargs = "hrnas_supernet", {**overrides, **kwargs, "arch": blocks}
    family = get_family(row)
    if is_tag(weights):
        entry = find_entry(row, task, weights)
        weights = fetch(entry, cache_dir)  # before building: offline fails fast
        input_shape = input_shape or (*entry.input_size, 3)
        if task == "pose":
            num_keypoints = num_keypoints or entry.num_outputs
        elif task in ("classification", "segmentation"):
            num_classes = num_classes or entry.num_outputs
    backbone = create_backbone(row, task, input_shape, **kwargs)
    head_kwargs = dict(head_kwargs or {})
    if task == "backbone":
        model = backbone
    elif family.build_task is not None:
        model = family.build_task(task, backbone, num_keypoints or 17, num_classes, name, **head_kwargs)
    elif task == "pose":
        model = PoseEstimator(backbone, num_keypoints=num_keypoints or 17, head=family.pose_head, name=name,
                              **head_kwargs)
    elif task == "classification":
        model = ImageClassifier(backbone, num_classes=num_classes or 1000, name=name, **head_kwargs)
    elif task == "segmentation":
        align_corners = family.task_options["segmentation"].get("align_corners", False)
        model = Segmenter(backbone, num_classes=num_classes or 19, align_corners=align_corners, name=name,
                          **head_kwargs)
    else:
        model = FeaturePyramid(backbone, name=name, **head_kwargs)
    if weights is not None:
        load_weights(model, weights)
    return model


def load_weights(model, weights):
    """Keras `.weights.h5` via model.load_weights, anything else via load_checkpoint (strict)."""
    if str(weights).endswith(".weights.h5"):
        model.load_weights(weights)
    else:
        load_checkpoint(model, weights)
