"""`hrkeras evaluate --config NAME`: a trained model on its recipe's validation split, as training evaluates it:
COCO keypoint AP (pycocotools) and PCK (pose), mIoU with per-class IoU and pixel accuracy (segmentation),
top-1 / top-5 (classification)."""
import os

from hrkeras.cli.args import add_command, refuse
from hrkeras.training.configs import list_configs

EXAMPLES = """examples:
  hrkeras evaluate --config litehrnet_18_synthetic_128x96               # runs/<config>/model.keras
  hrkeras evaluate --config hrnet_w32_coco_256x192 --data /data/coco --weights pose_hrnet_w32_256x192.pth
  hrkeras evaluate --config hrnet_w18_small_synthetic_parts_192x192     # mIoU, per-class IoU
  hrkeras evaluate --config hrnet_w18_small_synthetic_parts_192x192 --single-pass   # as on a device
  hrkeras evaluate --config hrnet_w18_small_imagenet_224 --data /data/imagenet --weights model.keras"""

HEADLINES = {"pose": "OKS AP {AP:.4f}", "segmentation": "mIoU {mIoU:.4f}  pixel accuracy {aAcc:.4f}",
             "classification": "top-1 {top1:.4f}  top-5 {top5:.4f}"}


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "evaluate",
                    help="accuracy on a recipe's validation split: OKS AP / PCK, mIoU or top-1 / top-5")
    p.add_argument("--config", required=True, metavar="NAME", help=f"recipe: {', '.join(list_configs())}")
    p.add_argument("--weights", metavar="FILE|TAG",
                   help=".keras / .weights.h5 / official .pth, or a published tag such as coco "
                        "(default: runs/CONFIG/model.keras)")
    p.add_argument("--data", metavar="DIR", help="dataset root (the recipe's layout: COCO, Cityscapes, a "
                                                 "segmentation folder or an image folder)")
    p.add_argument("--det-file", metavar="JSON", help="pose: person detections (COCO results) instead of "
                                                      "ground-truth boxes")
    p.add_argument("--no-flip", action="store_true", help="pose: disable flip test")
    p.add_argument("--decode", choices=("dark", "quarter", "argmax"),
                   help="pose: heatmap decoding (default: the recipe's)")
    p.add_argument("--single-pass", action="store_true",
                   help="segmentation: one pass at scale 1 without flip (what an exported model computes) "
                        "instead of the recipe's test")
    p.set_defaults(func=run)


def run(args):
    from hrkeras.errors import MissingFileError
    from hrkeras.pretrained import is_tag
    from hrkeras.training.configs import get_config
    from hrkeras.training.pose_model import load_model
    from hrkeras.training.tasks import evaluate

    config = get_config(args.config)
    if config.task == "pose":
        config = config.replace(det_file=args.det_file, flip_test=not args.no_flip,
                                decode=args.decode or config.decode)
    else:
        refuse(args, f"to a {config.task} recipe (they concern pose)", "det_file", "no_flip", "decode")
    if config.task == "segmentation":
        config = config.replace(test_scales=(1.0,), test_flip=False) if args.single_pass else config
    else:
        refuse(args, f"to a {config.task} recipe (it concerns segmentation)", "single_pass")
    weights = args.weights or os.path.join("runs", config.name, "model.keras")
    if not is_tag(weights) and not os.path.exists(weights):
        raise MissingFileError("no model to evaluate", weights,
                               f"train one with 'hrkeras train --config {config.name}' or pass --weights FILE")
    model = load_model(config.model, weights, config.input_size, config.task, getattr(config, "num_classes", None))
    stats, summary = evaluate(model, config, args.data)
    print(summary)
    if "PCK@0.2" in stats:
        print(f"PCK@0.2 (box size): {stats['PCK@0.2']:.4f}")
    print(f"{config.name} {weights}: {HEADLINES[config.task].format(**stats)}")
    return 0
