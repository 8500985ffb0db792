"""HR-NAS variant table and the official code's figures.

The official repository (dingmyu/HR-NAS) publishes no result table and no
weights; "published" here is its supernet as measured by running it (commit
003c3b6, CPU torch): parameters without the per-kernel distillation BNs that
never run in forward (`InvertedResidualChannels.bns`), MACs = torch
FlopCounter / 2, transformers off as shipped.
"""

# `create_model(HRNAS_ARCH_MODEL, arch=...)` builds a compact architecture on the supernet's row.
HRNAS_ARCH_MODEL = "hrnas"

HRNAS_VARIANTS = {
    "hrnas_supernet": {},
}

_SRC = "official code run here (transformers off; 89,856 never-run BN params excluded)"

# variant -> list of (task, input_shape, params in millions, GMACs, source)
HRNAS_PUBLISHED = {
    "hrnas_supernet": [
        ("pose", (256, 192, 3), 10.110053, 5.796631296, _SRC),
        ("segmentation", (512, 1024, 3), 10.110235, 61.836632064, _SRC),
        ("classification", (224, 224, 3), 13.243868, 2.42279976, _SRC),
    ],
}
