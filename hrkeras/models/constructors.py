"""The public constructors, one per registry variant: `hrkeras.LiteHRNet18()` is
`hrkeras.create_model("litehrnet_18")`.

Each takes the task (pose by default) and create_model's keyword arguments: input_shape (H, W, C),
num_keypoints, num_classes, weights (a checkpoint file), head_kwargs and backbone overrides.
"""
from hrkeras.models.registry import create_model

__all__ = [
    "HRNetW18Small", "HRNetW18SmallV2", "HRNetW18", "HRNetW30", "HRNetW32", "HRNetW40", "HRNetW44",
    "HRNetW48", "HRNetW64", "LiteHRNet18", "LiteHRNet30", "NaiveLiteHRNet18", "WiderNaiveLiteHRNet18",
    "HRNASSupernet",
]


def HRNetW18Small(task="pose", **kwargs):
    """HRNet-W18-Small (HRNet-Image-Classification): widths 16/32/64/128, one module per stage.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW18Small(task="classification")
        >>> model.output.shape  # ImageNet logits of a 224x224 image
        (None, 1000)
    """
    return create_model("hrnet_w18_small", task=task, **kwargs)


def HRNetW18SmallV2(task="pose", **kwargs):
    """HRNet-W18-Small-v2: widths 18/36/72/144, 1/3/2 modules in stages 2-4.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW18SmallV2(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w18_small_v2", task=task, **kwargs)


def HRNetW18(task="pose", **kwargs):
    """HRNet-W18: widths 18/36/72/144.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW18(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w18", task=task, **kwargs)


def HRNetW30(task="pose", **kwargs):
    """HRNet-W30: widths 30/60/120/240.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW30(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w30", task=task, **kwargs)


def HRNetW32(task="pose", **kwargs):
    """HRNet-W32: widths 32/64/128/256 (the COCO pose and ImageNet workhorse).

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW32(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w32", task=task, **kwargs)


def HRNetW40(task="pose", **kwargs):
    """HRNet-W40: widths 40/80/160/320.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW40(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w40", task=task, **kwargs)


def HRNetW44(task="pose", **kwargs):
    """HRNet-W44: widths 44/88/176/352.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW44(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w44", task=task, **kwargs)


def HRNetW48(task="pose", **kwargs):
    """HRNet-W48: widths 48/96/192/384 (the Cityscapes segmentation model).

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW48(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w48", task=task, **kwargs)


def HRNetW64(task="pose", **kwargs):
    """HRNet-W64: widths 64/128/256/512.

    Sun et al., CVPR 2019; Wang et al., TPAMI 2020.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNetW64(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnet_w64", task=task, **kwargs)


def LiteHRNet18(task="pose", **kwargs):
    """Lite-HRNet-18: conditional channel weighting blocks, 2/4/2 modules in stages 2-4.

    Yu et al., CVPR 2021.

    Args:
        task: str, "pose" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.LiteHRNet18(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("litehrnet_18", task=task, **kwargs)


def LiteHRNet30(task="pose", **kwargs):
    """Lite-HRNet-30: conditional channel weighting blocks, 3/8/3 modules in stages 2-4.

    Yu et al., CVPR 2021.

    Args:
        task: str, "pose" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.LiteHRNet30(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("litehrnet_30", task=task, **kwargs)


def NaiveLiteHRNet18(task="pose", **kwargs):
    """Naive Lite-HRNet-18: shuffle blocks instead of channel weighting, widths 30/60/120/240.

    Yu et al., CVPR 2021.

    Args:
        task: str, "pose" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.NaiveLiteHRNet18(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("naive_litehrnet_18", task=task, **kwargs)


def WiderNaiveLiteHRNet18(task="pose", **kwargs):
    """Wider naive Lite-HRNet-18: shuffle blocks, Lite-HRNet-18's widths 40/80/160/320.

    Yu et al., CVPR 2021.

    Args:
        task: str, "pose" | "segmentation" | "pyramid" | "backbone".
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3), weights="coco" (a tag of
            hrkeras.list_pretrained()) or weights="file.pth".

    Example:
        >>> import hrkeras
        >>> model = hrkeras.WiderNaiveLiteHRNet18(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("wider_naive_litehrnet_18", task=task, **kwargs)


def HRNASSupernet(task="pose", use_transformer=False, **kwargs):
    """The HR-NAS supernet of the official code: search blocks with 3/5/7 kernel paths over 1..4 branches, and
    lightweight transformers when `use_transformer` (hrkeras.create_model("hrnas", arch=...) builds a searched one).

    Ding et al., CVPR 2021.

    Args:
        task: str, "pose" | "classification" | "segmentation" | "backbone".
        use_transformer: bool, a LightweightTransformer beside the kernel paths of every block that keeps its shape.
        **kwargs: hrkeras.create_model's arguments, e.g. input_shape=(256, 192, 3).

    Example:
        >>> import hrkeras
        >>> model = hrkeras.HRNASSupernet(input_shape=(256, 192, 3))
        >>> model.output.shape  # heatmaps at 1/4 resolution, 17 COCO keypoints
        (None, 64, 48, 17)
    """
    return create_model("hrnas_supernet", task=task, use_transformer=use_transformer, **kwargs)
