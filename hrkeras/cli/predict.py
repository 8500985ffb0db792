"""`hrkeras predict IMAGE... --model M --out DIR`: keypoints as JSON + skeleton drawings (hrkeras.PoseInferencer).

    hrkeras predict photo.jpg --model runs/litehrnet_18_synthetic_128x96/model.keras --out predictions/
    hrkeras predict photo.jpg --model litehrnet_18_int8.tflite --out predictions/
"""
import json
import os

import numpy as np

from hrkeras.cli.args import add_command, image_side, refuse, score
from hrkeras.errors import InvalidFileError, UsageError
from hrkeras.utils.atomic import atomic_path, write_json

EXAMPLES = """examples:
  hrkeras predict photo.jpg --model runs/litehrnet_18_synthetic_128x96/model.keras --out predictions/
  hrkeras predict a.jpg b.jpg --model litehrnet_18_int8.tflite --boxes boxes.json --out predictions/"""


def add_parser(sub):
    p = add_command(sub, EXAMPLES, "predict",
                    help="top-down keypoints for images: skeleton drawings and JSON")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", required=True,
                   help="a .keras or .tflite file written by hrkeras, or a registry name (litehrnet_18, ...)")
    p.add_argument("--weights", help=".weights.h5 / official .pth checkpoint for a registry name, or a published "
                                     "tag (coco, coco_384x288; see hrkeras.list_pretrained())")
    p.add_argument("--input-size", type=image_side, nargs=2, metavar=("H", "W"), default=None,
                   help="input height and width for registry names (default: the --weights tag's, else 256 192)")
    p.add_argument("--boxes", metavar="JSON",
                   help='person boxes per image file name: {"a.jpg": [[x, y, w, h], ...]} (default: the whole image)')
    p.add_argument("--out", required=True, metavar="DIR", help="where the drawings and JSON go")
    p.add_argument("--threshold", type=score, default=0.3, help="draw joints scoring at least this (0..1)")
    p.add_argument("--no-flip", action="store_true", help="disable flip test")
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


def _inferencer(args):
    from hrkeras.inferencer import PoseInferencer
    from hrkeras.training.configs import get_config
    from hrkeras.training.pose_model import load_pose_model

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
    model = args.model if tflite else load_pose_model(args.model, args.weights, args.input_size)
    try:
        return PoseInferencer(model, flip_test=not args.no_flip, codec=codec, decode=decode)
    except UsageError as err:
        if config is None:
            raise
        raise UsageError(f"--config {config.name}: {err.what}", fix="pass the model's own recipe") from None


def run(args):
    boxes = read_boxes(args.boxes) if args.boxes else {}
    pose = _inferencer(args)
    os.makedirs(args.out, exist_ok=True)
    for path in args.images:
        name = os.path.basename(path)
        people = pose(path, boxes.get(name) or None)
        stem = os.path.splitext(name)[0]
        write_json(os.path.join(args.out, f"{stem}.json"), {
            "image": path, "keypoint_names": list(pose.setup.names), "persons": [p.as_dict() for p in people]})
        with atomic_path(os.path.join(args.out, f"{stem}_pose.jpg")) as tmp:
            pose.draw(path, people, args.threshold).save(tmp, quality=92)
        print(f"{path}: {len(people)} person(s) -> {args.out}/{stem}_pose.jpg, {stem}.json")
    return 0
