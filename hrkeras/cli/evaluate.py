"""`hrkeras evaluate --config NAME`: COCO keypoint AP (pycocotools) and PCK of a trained model."""
import os

import numpy as np

from hrkeras.training.configs import list_configs


def add_parser(sub):
    p = sub.add_parser("evaluate", help="COCO OKS AP / AR and PCK on a recipe's validation split")
    p.add_argument("--config", required=True, metavar="NAME", help=f"recipe: {', '.join(list_configs())}")
    p.add_argument("--weights", metavar="FILE",
                   help=".keras / .weights.h5 / official .pth (default: runs/CONFIG/model.keras)")
    p.add_argument("--data", metavar="DIR", help="dataset root (COCO layout)")
    p.add_argument("--det-file", metavar="JSON", help="person detections (COCO results) instead of ground-truth boxes")
    p.add_argument("--no-flip", action="store_true", help="disable flip test")
    p.add_argument("--decode", choices=("dark", "quarter", "argmax"), help="heatmap decoding (default: the recipe's)")
    p.set_defaults(func=run)


def pck_of(predictions, instances, threshold=0.2):
    """PCK@threshold (normalized by the box's longer side) of `predict_dataset` output over the
    instances' labeled joints."""
    from hrkeras.training.evaluation import pck

    chosen = [instances[i] for i in predictions["index"]]
    gt = np.stack([inst.keypoints for inst in chosen])
    sizes = np.array([max(inst.bbox[2:]) for inst in chosen])
    return pck(predictions["keypoints"], gt[..., :2], gt[..., 2] > 0, sizes, threshold)


def run(args):
    from hrkeras.training import datasets
    from hrkeras.training.configs import get_config
    from hrkeras.training.data import coco_meta
    from hrkeras.training.inference import TopDownPredictor, evaluate_coco, predict_dataset
    from hrkeras.training.pose_model import load_pose_model

    config = get_config(args.config).replace(det_file=args.det_file)
    weights = args.weights or os.path.join("runs", config.name, "model.keras")
    model = load_pose_model(config.model, weights, config.input_size)
    split = datasets.splits(config, args.data)["val"]
    instances = datasets.val_instances(config, split)
    pipeline = datasets.val_pipeline(config, instances)
    predictor = TopDownPredictor(model, pipeline.codec, coco_meta.flip_indices(), not args.no_flip,
                                 args.decode or config.decode)
    predictions = predict_dataset(predictor, pipeline.eval_dataset(32))
    stats, summary = evaluate_coco(predictions, split.ann_file)
    print(summary)
    if not args.det_file:
        print(f"PCK@0.2 (box size): {pck_of(predictions, instances):.4f}")
    print(f"{config.name} {weights}: OKS AP {stats['AP']:.4f}")
    return 0
