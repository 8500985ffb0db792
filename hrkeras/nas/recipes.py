"""Named searches: (training recipe on the HR-NAS supernet, SearchSettings). Names as the training recipes'."""
from hrkeras.nas.search import SearchSettings
from hrkeras.training.configs import PoseConfig
from hrkeras.training.recipes import _LIGHT

# The paper's COCO keypoint search (dingmyu/HR-NAS configs/keypoint_coco.yml, REFERENCE.md §2.7): 256x192,
# Adam 1e-3, 210 epochs, x0.1 at 170 and 200, batch 384, rho 1e-6 warmed up over 25 epochs, threshold 1e-3,
# the full supernet with 64-token transformers on its identity blocks. Shrinks every epoch until epoch 150.
COCO_SEARCH = (
    PoseConfig(name="hrnas_search_coco_256x192", model="hrnas_supernet", input_size=(256, 192), lr=1e-3,
               batch_size=384, epochs=210, milestones=(170, 200), model_kwargs={"use_transformer": True}),
    SearchSettings(rho=1e-6, warmup_steps=25 * (149813 // 384), threshold=1e-3, shrink_every=1, shrink_epochs=150),
)

# The synthetic pose search on a 2-core CPU (docs/hrnas_search.md). The official supernet row at 128x96 is
# ~1.5 GMACs (30x Lite-HRNet-18), 2/3 of it in the head block; this row keeps the official block counts at half
# the widths, expansion 2 (not 4), kernels 3/5/7 and 16-token transformers: 288.6 MMACs (5.8x Lite-HRNet-18's
# 49.7 M at 128x96), 3.73 M params. Measured on the 2-core machine with a training job beside it: 0.81 s a step
# of 16 (600 steps: ~8 min for the first epoch), ~150 s to trace. It shrinks after each of the first 4 epochs
# (geometrically to the budget: ~0.66x a shrink for Lite-HRNet-18's MACs), then trains the result. Run to
# Lite-HRNet-18's MACs, rho 1e-5 drove units dead faster than the path asked (288.6 -> 120.6 -> 52.7 -> 49.6
# MMACs, done after 3 shrinks); the steps fall far less than the MACs (kernel-launch bound: every block keeps
# its paths; docs/hrnas_search.md).
NARROW_STAGES = [[1, [1], [12]], [2, [2, 2], [10, 18]], [3, [2, 2, 3], [10, 18, 36]],
                 [4, [2, 2, 3, 4], [10, 18, 36, 72]], [4, [2, 2, 3, 4], [10, 18, 36, 72]]]
SYNTHETIC_SEARCH = (
    PoseConfig(name="hrnas_search_synthetic_128x96", model="hrnas_supernet", input_size=(128, 96),
               dataset="synthetic", train_split="train", val_split="val", batch_size=16, epochs=6, lr=4e-3,
               warmup_steps=100, milestones=(5,), unbiased=True, sigma=1.0, blur_kernel_size=3, val_interval=6,
               augment=_LIGHT,
               model_kwargs={"stages": NARROW_STAGES, "stem_channels": [16, 16], "expand_ratio": 2,
                             "use_transformer": True, "num_tokens": 16}),
    SearchSettings(rho=1e-5, warmup_steps=600, threshold=1e-3, shrink_every=1, shrink_epochs=4),
)

# The same search on a row twice as wide at 1/4 resolution (branches 20/30/48/72 instead of 10/18/36/72; 449.6
# MMACs, 4.35 M params): the narrow row's searched networks keep a 10-channel high-resolution branch, against
# Lite-HRNet-18's 40, and none of them reached its AP at its MACs (docs/hrnas_search.md).
WIDE_STAGES = [[1, [1], [20]], [2, [2, 2], [20, 30]], [3, [2, 2, 3], [20, 30, 48]],
               [4, [2, 2, 3, 4], [20, 30, 48, 72]], [4, [2, 2, 3, 4], [20, 30, 48, 72]]]
SYNTHETIC_WIDE_SEARCH = (
    SYNTHETIC_SEARCH[0].replace(name="hrnas_search_synthetic_wide_128x96",
                                model_kwargs={**SYNTHETIC_SEARCH[0].model_kwargs, "stages": WIDE_STAGES}),
    SYNTHETIC_SEARCH[1],
)

SEARCHES = {config.name: (config, settings)
            for config, settings in (COCO_SEARCH, SYNTHETIC_SEARCH, SYNTHETIC_WIDE_SEARCH)}


def get_search(name):
    """(config, settings) of the named search; a UsageError names the known ones."""
    from hrkeras.errors import UsageError

    if name not in SEARCHES:
        raise UsageError(f"unknown search config {name!r}", fix=f"known: {', '.join(sorted(SEARCHES))}")
    return SEARCHES[name]
