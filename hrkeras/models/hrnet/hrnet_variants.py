"""HRNet variant table (official / timm configs) and published figures.

Published GFLOPs of the HRNet papers are conv + linear multiply-adds divided by
2^30 (HRNet-Image-Classification `modelsummary.py`; the pose README numbers
reproduce the same way), so they are compared in that unit.
"""


def _wide(c):
    return dict(widths=(c, 2 * c, 4 * c, 8 * c))


HRNET_VARIANTS = {
    "hrnet_w18_small": dict(widths=(16, 32, 64, 128), stage1_blocks=1, stage1_channels=32,
                            stage_modules=(1, 1, 1), stage_blocks=(2, 2, 2)),
    "hrnet_w18_small_v2": dict(widths=(18, 36, 72, 144), stage1_blocks=2, stage1_channels=64,
                               stage_modules=(1, 3, 2), stage_blocks=(2, 2, 2)),
    **{f"hrnet_w{c}": _wide(c) for c in (18, 30, 32, 40, 44, 48, 64)},
}

_CLS = "HRNet-Image-Classification README (ImageNet, 224x224)"
_POSE = "deep-high-resolution-net.pytorch README (COCO, 256x192)"
_SEG = "HRNet-Semantic-Segmentation README (Cityscapes, 1024x2048)"

# variant -> list of (task, input_shape, params in millions, GFLOPs in 2^30 MACs, source)
HRNET_PUBLISHED = {
    "hrnet_w18_small": [("classification", (224, 224, 3), 13.2, 1.49, _CLS),
                        ("segmentation", (1024, 2048, 3), 1.5, 31.1, _SEG)],
    "hrnet_w18_small_v2": [("classification", (224, 224, 3), 15.6, 2.42, _CLS),
                           ("segmentation", (1024, 2048, 3), 3.9, 71.6, _SEG)],
    "hrnet_w18": [("classification", (224, 224, 3), 21.3, 3.99, _CLS)],
    "hrnet_w30": [("classification", (224, 224, 3), 37.7, 7.55, _CLS)],
    "hrnet_w32": [("classification", (224, 224, 3), 41.2, 8.31, _CLS),
                  ("pose", (256, 192, 3), 28.5, 7.1, _POSE)],
    "hrnet_w40": [("classification", (224, 224, 3), 57.6, 11.8, _CLS)],
    "hrnet_w44": [("classification", (224, 224, 3), 67.1, 13.9, _CLS)],
    "hrnet_w48": [("classification", (224, 224, 3), 77.5, 16.1, _CLS),
                  ("pose", (256, 192, 3), 63.6, 14.6, _POSE),
                  ("segmentation", (1024, 2048, 3), 65.8, 696.2, _SEG)],
    "hrnet_w64": [("classification", (224, 224, 3), 128.1, 26.9, _CLS)],
}
