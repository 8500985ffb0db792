"""The named recipes of every task: the papers' schedules on their datasets, and synthetic recipes that train
on the embedded data in minutes on a CPU. Names: model, dataset, input size H x W."""
from hrkeras.training.configs import ClassificationConfig, PoseConfig, SegmentationConfig
from hrkeras.training.data.augment import Augmentation

_LIGHT = Augmentation(rotation_prob=0.3, rotation_factor=30.0, scale_factor=0.25)
_SCALE_FLIP = Augmentation(rotation_prob=0.0, scale_factor=0.25)


def _pose(name, model, input_size, lr, batch_size, **kw):
    return PoseConfig(name=name, model=model, input_size=input_size, lr=lr, batch_size=batch_size, **kw)


# HRNet-Semantic-Segmentation, experiments/cityscapes/seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484:
# SGD 0.01 (momentum 0.9, weight decay 5e-4 on every parameter), poly 0.9 by iteration, 484 epochs of batch 12
# (4 GPUs x 3), long side 2048 then random scale 0.5-2 (BASE_SIZE 2048, SCALE_FACTOR 16), crop 512x1024, flip;
# ignore label 255; cross-entropy with the Cityscapes class weights of its dataset class; OHEM (thresh 0.9,
# keep 131072) is the repo's USE_OHEM option. Test on the whole 1024x2048 image.
CITYSCAPES_CLASS_WEIGHTS = (0.8373, 0.918, 0.866, 1.0345, 1.0166, 0.9969, 0.9754, 1.0489, 0.8786, 1.0023, 0.9539,
                            0.9843, 1.1116, 0.9037, 1.0865, 1.0955, 1.0865, 1.1529, 1.0507)


def _cityscapes(name, model, **kw):
    return SegmentationConfig(
        name=name, model=model, input_size=(512, 1024), dataset="cityscapes", num_classes=19, optimizer="sgd",
        lr=0.01, momentum=0.9, weight_decay=5e-4, lr_schedule="poly", power=0.9, epochs=484, batch_size=12,
        base_size=2048, class_weights=CITYSCAPES_CLASS_WEIGHTS, test_mode="slide", test_size=(1024, 2048),
        val_interval=50, **kw)


# The synthetic person parts (person_parts.CLASSES): (pixel frequency of background / of the class) ** 0.25,
# measured on 1000 training images (0.910, 0.0066, 0.033, 0.0092, 0.0085, 0.0143, 0.018).
PARTS_CLASS_WEIGHTS = (1.0, 3.4, 2.3, 3.2, 3.2, 2.8, 2.7)

_CONFIGS = [
    # Lite-HRNet (HRNet/Lite-HRNet configs; mmpose td-hm_litehrnet-*_8xb64-210e): Adam 2e-3,
    # 500-step linear warm-up, x0.1 at epochs 170 and 200 of 210, batch 8 x 64.
    _pose("litehrnet_18_coco_256x192", "litehrnet_18", (256, 192), 2e-3, 512),
    _pose("litehrnet_18_coco_384x288", "litehrnet_18", (384, 288), 2e-3, 256, sigma=3.0),
    _pose("litehrnet_30_coco_256x192", "litehrnet_30", (256, 192), 2e-3, 512),
    _pose("litehrnet_30_coco_384x288", "litehrnet_30", (384, 288), 2e-3, 256, sigma=3.0),
    _pose("naive_litehrnet_18_coco_256x192", "naive_litehrnet_18", (256, 192), 2e-3, 512),
    # HRNet (deep-high-resolution-net w32_256x192_adam_lr1e-3; mmpose td-hm_hrnet-w32_8xb64-210e):
    # Adam 1e-3, same steps.
    _pose("hrnet_w32_coco_256x192", "hrnet_w32", (256, 192), 1e-3, 512),
    _pose("hrnet_w32_coco_384x288", "hrnet_w32", (384, 288), 1e-3, 256, sigma=3.0),
    _pose("hrnet_w48_coco_256x192", "hrnet_w48", (256, 192), 1e-3, 256),
    _pose("hrnet_w48_coco_384x288", "hrnet_w48", (384, 288), 1e-3, 256, sigma=3.0),
    # The embedded default: the synthetic dataset on a 2-core CPU (600 steps an epoch at 128x96, 0.15-0.4 s a
    # step by the machine). Small batches and light augmentation learn fastest in so few steps; the last
    # epoch at a tenth of the rate adds ~6 AP points (a cosine schedule scored lower). Adam 1.2e-2 without
    # rotations (scale and flip only): +0.032 AP over Adam 8e-3 with rotations at 2000 steps, -0.004 at 5500 (two
    # seeds each; docs/training.md); sigma 2 and 8 epochs had preferred 8e-3 with rotations. sigma scales with the
    # heatmap as in the papers' recipes (2 at 64x48, 3 at 96x72): 1 at 32x24, +6 AP points over 2. DARK's blur
    # kernel is 3, chosen on a separate synthetic split (mmpose's 11, made for sigma 2 at 64x48, scored 1.1-1.7
    # points lower).
    # The schedule of 7 epochs (4200 steps) is laid over a 17-minute time budget: the whole command ends within
    # 20 minutes on a slower machine too, whose start-up and final evaluation are slower as well (one whose steps
    # take 400 ms gets ~2300 steps; docs/training.md), and the steps gained count most there.
    PoseConfig(
        name="litehrnet_18_synthetic_128x96", model="litehrnet_18", input_size=(128, 96), dataset="synthetic",
        train_split="train", val_split="val", batch_size=16, epochs=7, time_budget_minutes=17, lr=1.2e-2,
        warmup_steps=100, milestones=(6,), unbiased=True, sigma=1.0, blur_kernel_size=3, val_interval=7,
        augment=_SCALE_FLIP,
    ),
    PoseConfig(
        name="hrnet_w32_synthetic_128x96", model="hrnet_w32", input_size=(128, 96), dataset="synthetic",
        train_split="train", val_split="val", batch_size=16, epochs=5, lr=1e-3, warmup_steps=100,
        milestones=(4,), unbiased=True, val_interval=5, augment=_LIGHT,
    ),
    # Segmentation on Cityscapes: HRNetV2-W48 and the small variants as the HRNet-Semantic-Segmentation repo
    # trains them; Lite-HRNet on the same pipeline (its paper's Cityscapes schedule is not in the stored sources).
    _cityscapes("hrnet_w48_cityscapes_512x1024", "hrnet_w48"),
    _cityscapes("hrnet_w18_small_v2_cityscapes_512x1024", "hrnet_w18_small_v2"),
    _cityscapes("hrnet_w18_small_cityscapes_512x1024", "hrnet_w18_small"),
    _cityscapes("litehrnet_18_cityscapes_512x1024", "litehrnet_18"),
    # The embedded person-parts set (7 classes as PASCAL-Person-Part) on a 2-core CPU, for a time budget: the
    # schedule of 6 epochs (2250 steps) laid over what fits in 15 minutes. A 128-wide head (1.7x faster steps
    # than the HRNetV2 head on all 600 concatenated channels, benchmarks/segmentation_head.py); crops redrawn
    # while one class fills 75% of them (mmseg's cat_max_ratio) and OHEM, for the thin, rare limbs. See
    # docs/training.md.
    SegmentationConfig(
        name="litehrnet_18_synthetic_parts_192x192", model="litehrnet_18", input_size=(192, 192),
        head_channels=128, optimizer="adam", lr=4e-3, warmup_steps=100, lr_schedule="poly", power=0.9,
        batch_size=8, epochs=6, time_budget_minutes=15, scale_range=(0.75, 1.25), cat_max_ratio=0.75, ohem=True,
        ohem_thresh=0.7, ohem_keep=100000, test_mode="slide", val_interval=6,
    ),
    # The same data on HRNetV2-W18-Small (v1), the default of the task: on this CPU its step takes ~0.2 s against
    # ~0.5 s for Lite-HRNet-18 or HRNetV2-W18-Small-v2 (dense 3x3 convolutions run faster here than depthwise
    # ones), so 15 minutes give it ~4100 steps (11 epochs). Cross-entropy weighted by the fourth root of each
    # class's inverse pixel frequency (background 1; the people cover 9% of the pixels), without OHEM (its
    # top-k over the batch's 295k pixels cost ~0.1 s a step). Test: sliding window at scales 1 and 1.25 with
    # flip, HRNet-Semantic-Segmentation's multi-scale + flip protocol (+2.9 mIoU points over one pass here, for
    # ~1 min more). Evaluated at the end of the schedule only (val_interval = its epochs): an evaluation inside
    # the budget would take its time from the steps. See docs/training.md.
    SegmentationConfig(
        name="hrnet_w18_small_synthetic_parts_192x192", model="hrnet_w18_small", input_size=(192, 192),
        head_channels=128, optimizer="adam", lr=4e-3, warmup_steps=100, lr_schedule="poly", power=0.9,
        batch_size=8, epochs=11, time_budget_minutes=15, scale_range=(0.75, 1.25), cat_max_ratio=0.75,
        class_weights=PARTS_CLASS_WEIGHTS, test_mode="slide", test_scales=(1.0, 1.25), test_flip=True,
        val_interval=11,
    ),
    # HRNet-Image-Classification cls_hrnet_w18_sgd_lr5e-2_wd1e-4_bs32_x100: SGD 0.05 (momentum 0.9, nesterov,
    # weight decay 1e-4), x0.1 at epochs 30, 60 and 90 of 100, batch 4 x 32; random-resized crop 224 and flip;
    # test: resize 256, centre crop 224.
    *(ClassificationConfig(
        name=f"{model}_imagenet_224", model=model, input_size=(224, 224), num_classes=1000, optimizer="sgd",
        lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4, lr_schedule="step", milestones=(30, 60, 90),
        epochs=100, batch_size=128, train_split="train", val_split="val", val_interval=5)
      for model in ("hrnet_w18_small", "hrnet_w18_small_v2", "hrnet_w18", "hrnet_w30", "hrnet_w32", "hrnet_w40",
                    "hrnet_w44", "hrnet_w48", "hrnet_w64")),
]
CONFIGS = {c.name: c for c in _CONFIGS}
