"""Lite-HRNet variant table (official configs) and published figures.

The paper's FLOPs column comes from a modified torchstat that reports module
MACs plus BN/ReLU/upsample elements in 2^20 units; see `hrkeras.complexity`
and docs/design.md for how our plain conv MACs relate to it.
"""

LITEHRNET_VARIANTS = {
    "litehrnet_18": dict(stage_modules=(2, 4, 2)),
    "litehrnet_30": dict(stage_modules=(3, 8, 3)),
    "naive_litehrnet_18": dict(widths=(30, 60, 120, 240), module_type="naive"),
    "wider_naive_litehrnet_18": dict(module_type="naive"),
}

_SRC = "Lite-HRNet README (COCO, 256x192)"

# variant -> list of (task, input_shape, params in millions, MFLOPs as published, source)
LITEHRNET_PUBLISHED = {
    "litehrnet_18": [("pose", (256, 192, 3), 1.1, 205.2, _SRC)],
    "litehrnet_30": [("pose", (256, 192, 3), 1.8, 319.2, _SRC)],
    "naive_litehrnet_18": [("pose", (256, 192, 3), 0.7, 194.8, _SRC)],
    "wider_naive_litehrnet_18": [("pose", (256, 192, 3), 1.3, 311.1, _SRC)],
}
