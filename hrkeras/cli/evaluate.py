"""`hrkeras evaluate --config NAME`: COCO keypoint AP (pycocotools) and PCK of a trained model."""
import os

from hrkeras.cli.args import add_command
from hrkeras.training.configs import list_configs

EXAMPLES = """examples:
  hrkeras evaluate --config litehrnet_18_synthetic_128x96               # runs/<config>/model.keras
  hrkeras evaluate --config hrnet_w32_coco_256x192 --data /data/coco --weights pose_hrnet_w32_256x192.pth"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "evaluate",
                    help="COCO OKS AP / AR and PCK on a recipe's validation split")
    p.add_argument("--config", required=True, metavar="NAME", help=f"recipe: {', '.join(list_configs())}")
    p.add_argument("--weights", metavar="FILE|TAG",
                   help=".keras / .weights.h5 / official .pth, or a published tag such as coco "
                        "(default: runs/CONFIG/model.keras)")
    p.add_argument("--data", metavar="DIR", help="dataset root (COCO layout)")
    p.add_argument("--det-file", metavar="JSON", help="person detections (COCO results) instead of ground-truth boxes")
    p.add_argument("--no-flip", action="store_true", help="disable flip test")
    p.add_argument("--decode", choices=("dark", "quarter", "argmax"), help="heatmap decoding (default: the recipe's)")
    p.set_defaults(func=run)


def run(args):
    from hrkeras.errors import MissingFileError
    from hrkeras.pretrained import is_tag
    from hrkeras.training.configs import get_config
    from hrkeras.training.inference import evaluate_pose
    from hrkeras.training.pose_model import load_pose_model

    config = get_config(args.config).replace(det_file=args.det_file)
    weights = args.weights or os.path.join("runs", config.name, "model.keras")
    if not is_tag(weights) and not os.path.exists(weights):
        raise MissingFileError("no model to evaluate", weights,
                               f"train one with 'hrkeras train --config {config.name}' or pass --weights FILE")
    model = load_pose_model(config.model, weights, config.input_size)
    stats, summary = evaluate_pose(model, config, args.data, flip_test=not args.no_flip, decode=args.decode)
    print(summary)
    if "PCK@0.2" in stats:
        print(f"PCK@0.2 (box size): {stats['PCK@0.2']:.4f}")
    print(f"{config.name} {weights}: OKS AP {stats['AP']:.4f}")
    return 0
