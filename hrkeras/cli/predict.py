"""`hrkeras predict IMAGE... --model M --out DIR`, by the model's task: keypoints as JSON + skeleton drawings
(hrkeras.PoseInferencer), the class mask blended over the image + the label PNG (hrkeras.SegmentationInferencer),
or the top-5 classes printed and as JSON (hrkeras.ClassificationInferencer).

    hrkeras predict photo.jpg --model runs/litehrnet_18_synthetic_128x96/model.keras --out predictions/
    hrkeras predict photo.jpg --model litehrnet_18_int8.tflite --out predictions/
"""
import json
import os

import numpy as np

from hrkeras.cli.args import add_command, image_side, refuse, score
from hrkeras.errors import InvalidFileError, UsageError
from hrkeras.utils.atomic import atomic_path, write_json

THRESHOLD = 0.3
EXAMPLES = """examples:
  hrkeras predict photo.jpg --model runs/litehrnet_18_synthetic_128x96/model.keras --out predictions/
  hrkeras predict a.jpg b.jpg --model litehrnet_18_int8.tflite --boxes boxes.json --out predictions/
  hrkeras predict photo.jpg --model parts_int8.tflite --out predictions/     # segmentation: mask + labels
  hrkeras predict photo.jpg --model runs/hrnet_w18_small_imagenet_224/model.keras --out predictions/  # top-5"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "predict",
                    help="run a model on images: keypoints (pose), class masks (segmentation) or the top-5 "
                         "classes (classification)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", required=True,
                   help="a .keras or .tflite file written by hrkeras (any task), or a registry name (litehrnet_18, "
                        "...: pose)")
    p.add_argument("--weights", help=".weights.h5 / official .pth checkpoint for a registry name, or a published "
                                     "tag (coco, coco_384x288; see hrkeras.list_pretrained())")
    p.add_argument("--input-size", type=image_side, nargs=2, metavar=("H", "W"), default=None,
                   help="input height and width for registry names (default: the --weights tag's, else 256 192)")
    p.add_argument("--boxes", metavar="JSON",
                   help='person boxes per image file name: {"a.jpg": [[x, y, w, h], ...]} (default: the whole image)')
    p.add_argument("--out", required=True, metavar="DIR", help="where the drawings, label PNGs and JSON go")
    p.add_argument("--threshold", type=score, help=f"draw joints scoring at least this (0..1; default {THRESHOLD})")
    p.add_argument("--no-flip", action="store_true", help="disable flip test (pose)")
    p.add_argument("--config", help="decode as this training recipe does (its sigma, DARK and blur kernel); "
                                    "default: as the model file says (a registry model: quarter offset)")
    p.set_defaults(func=run)


def read_boxes(path):
    """{image file name: [[x, y, w, h], ...]} from a JSON file, checked."""
    fix = 'write {"image.jpg": [[x, y, w, h], ...]} with positive widths and heights'
    try:
        with open(path, encoding="utf-8") as f:
            boxes = json.load(f)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidFileError(f"--boxes is not JSON ({err})", path, fix) from None
    if not isinstance(boxes, dict):
        raise InvalidFileError("--boxes must map image file names to lists of boxes", path, fix)
    for name, entries in boxes.items():
        if not isinstance(entries, list) or not all(
                isinstance(b, list) and len(b) == 4 and all(isinstance(v, (int, float)) for v in b)
                and np.isfinite(b).all() and b[2] > 0 and b[3] > 0 for b in entries):
            raise InvalidFileError(f"--boxes entry {name!r} is not a list of [x, y, w, h] boxes", path, fix)
    return boxes


POSE_ONLY = ("weights", "input_size", "boxes", "threshold", "no_flip", "config")


def _task_model(args):
    """(task, the model to give its inferencer): a .tflite's task from its metadata, a .keras file's from the
    model (loaded once); a registry name is a pose model."""
    from hrkeras.convert import metadata
    from hrkeras.training.pose_model import load_keras_file

    name = str(args.model)
    if name.endswith(".tflite"):
        return metadata.read(args.model).get("task", "pose"), args.model
    if name.endswith(".keras") and args.weights is None:
        model = load_keras_file(name)
        return getattr(model, "TASK", None) or "pose", model
    return "pose", args.model


def _pose_inferencer(args, model):
    from hrkeras.inferencer import PoseInferencer
    from hrkeras.training.configs import get_config
    from hrkeras.training.pose_model import load_model

    tflite = str(args.model).endswith(".tflite")
    if tflite or str(args.model).endswith(".keras") or str(args.weights or "").endswith(".keras"):
        refuse(args, "to a .keras or .tflite model, which has its own input size", "input_size")
    if tflite:
        refuse(args, "to a .tflite model, which holds its weights", "weights")
    config = get_config(args.config) if args.config else None  # an unknown name fails before the model loads
    codec, decode = None, None
    if config is not None:
        from hrkeras.training.datasets import codec as recipe_codec

        codec, decode = recipe_codec(config), config.decode
    if isinstance(model, str) and not tflite:
        model = load_model(args.model, args.weights, args.input_size)
    try:
        return PoseInferencer(model, flip_test=not args.no_flip, codec=codec, decode=decode)
    except UsageError as err:
        if config is None:
            raise
        raise UsageError(f"--config {config.name}: {err.what}", fix="pass the model's own recipe") from None


def _predict_pose(args, model):
    boxes = read_boxes(args.boxes) if args.boxes else {}
    pose = _pose_inferencer(args, model)
    for path, stem in _images(args):
        people = pose(path, boxes.get(os.path.basename(path)) or None)
        write_json(os.path.join(args.out, f"{stem}.json"), {
            "image": path, "keypoint_names": list(pose.setup.names), "persons": [p.as_dict() for p in people]})
        with atomic_path(os.path.join(args.out, f"{stem}_pose.jpg")) as tmp:
            pose.draw(path, people, THRESHOLD if args.threshold is None else args.threshold).save(tmp, quality=92)
        print(f"{path}: {len(people)} person(s) -> {args.out}/{stem}_pose.jpg, {stem}.json")


def _predict_segmentation(args, model):
    from hrkeras.segmentation_inferencer import SegmentationInferencer

    segment = SegmentationInferencer(model)
    for path, stem in _images(args):
        result = segment(path)
        with atomic_path(os.path.join(args.out, f"{stem}_segmentation.png")) as tmp:
            segment.draw(path, result).save(tmp, format="PNG")
        with atomic_path(os.path.join(args.out, f"{stem}_labels.png")) as tmp:
            result.label_image().save(tmp, format="PNG")
        shares = ", ".join(f"{name} {share:.0%}" for name, share in list(result.areas().items())[:5])
        print(f"{path}: {shares} -> {args.out}/{stem}_segmentation.png, {stem}_labels.png")


def _predict_classification(args, model):
    from hrkeras.classification_inferencer import ClassificationInferencer

    classify = ClassificationInferencer(model)
    for path, stem in _images(args):
        result = classify(path)
        write_json(os.path.join(args.out, f"{stem}.json"), {"image": path, **result.as_dict()})
        print(f"{path}: -> {args.out}/{stem}.json")
        for rank, (name, score) in enumerate(zip(result.names, result.scores), 1):
            print(f"  {rank}. {name}  {score:.4f}")


def _images(args):
    """(path, file stem) of each image, the output folder made first."""
    os.makedirs(args.out, exist_ok=True)
    return [(path, os.path.splitext(os.path.basename(path))[0]) for path in args.images]


def run(args):
    task, model = _task_model(args)
    if task != "pose":
        refuse(args, f"to a {task} model (they concern pose)", *POSE_ONLY)
    predict = {"pose": _predict_pose, "segmentation": _predict_segmentation,
               "classification": _predict_classification}.get(task)
    if predict is None:
        raise UsageError(f"{args.model} is a {task} model; predict runs pose, segmentation and classification "
                         "models", fix="pass a model of one of those tasks")
    predict(args, model)
    return 0
