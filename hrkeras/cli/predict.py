"""`hrkeras predict IMAGE... --model M --weights W --out DIR`: keypoints as JSON + skeleton drawings."""
import json
import os

import numpy as np
from PIL import Image, ImageDraw

from hrkeras.cli.args import image_side, refuse, score
from hrkeras.errors import InvalidFileError, UsageError
from hrkeras.utils.atomic import atomic_path


def add_parser(sub):
    p = sub.add_parser("predict", help="top-down keypoints for images: skeleton drawings and JSON")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", required=True, help="registry name (litehrnet_18, hrnet_w32, ...) or a .keras file")
    p.add_argument("--weights", help=".keras / .weights.h5 / official .pth checkpoint")
    p.add_argument("--input-size", type=image_side, nargs=2, metavar=("W", "H"), default=None,
                   help="model input for registry names (default 192 256)")
    p.add_argument("--boxes", metavar="JSON",
                   help='person boxes per image file name: {"a.jpg": [[x, y, w, h], ...]} (default: the whole image)')
    p.add_argument("--out", required=True, metavar="DIR", help="where the drawings and JSON go")
    p.add_argument("--threshold", type=score, default=0.3, help="draw joints scoring at least this (0..1)")
    p.add_argument("--no-flip", action="store_true", help="disable flip test")
    p.add_argument("--config", help="decode as this training recipe does (its sigma, DARK and blur kernel); "
                                    "default: quarter-offset decoding")
    p.set_defaults(func=run)


def draw_skeleton(image, persons, skeleton, threshold):
    """Draw each person's limbs and joints ([K, 3] x, y, score) scoring >= threshold on a PIL image."""
    draw = ImageDraw.Draw(image)
    radius = max(2, round(max(image.size) / 200))
    for person in persons:
        points = np.asarray(person["keypoints"])
        for a, b in skeleton:
            if min(points[a, 2], points[b, 2]) >= threshold:
                draw.line([tuple(points[a, :2]), tuple(points[b, :2])], fill=(0, 255, 0), width=radius)
        for k, (x, y, score) in enumerate(points):
            if score >= threshold:
                color = (255, 64, 64) if k % 2 else (64, 128, 255)  # COCO: odd = left joints
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=color)
    return image


def predict_image(predictor, image, boxes):
    """image uint8 [H, W, 3], boxes [[x, y, w, h], ...] -> persons [{"bbox", "keypoints" [K, 3]}]."""
    import tensorflow as tf

    from hrkeras.training.data import warp
    from hrkeras.training.data.geometry import bbox_to_center_scale

    input_size = predictor.codec.input_size
    centers, scales = zip(*(bbox_to_center_scale(b, input_size[0] / input_size[1]) for b in boxes))
    crops = [warp.normalize(warp.crop_image(tf.constant(image), warp.affine_matrix(
        tf.constant(c, tf.float32), tf.constant(s, tf.float32), 0.0, input_size), input_size))
        for c, s in zip(centers, scales)]
    keypoints, scores = predictor.keypoints(tf.stack(crops), np.stack(centers), np.stack(scales))
    return [{"bbox": [float(v) for v in box],
             "keypoints": np.concatenate([k, s[:, None]], axis=1).round(3).tolist()}
            for box, k, s in zip(boxes, keypoints, scores)]


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


def _codec(config, input_size, heatmap_size):
    """The recipe's codec (checked against the model's sizes), or the default MSRAHeatmap for no recipe."""
    from hrkeras.codecs import MSRAHeatmap

    if config is None:
        return MSRAHeatmap(input_size, heatmap_size)
    from hrkeras.training.datasets import codec as recipe_codec

    codec = recipe_codec(config)
    if (codec.input_size, codec.heatmap_size) != (input_size, heatmap_size):
        raise UsageError(f"--config {config.name} decodes {codec.input_size} inputs (W, H) with "
                         f"{codec.heatmap_size} heatmaps, but the model takes {input_size} and gives {heatmap_size}",
                         fix="pass the model's own recipe")
    return codec


def run(args):
    from hrkeras.training.configs import get_config
    from hrkeras.training.data import coco_meta
    from hrkeras.training.inference import TopDownPredictor
    from hrkeras.training.pose_model import load_pose_model

    if str(args.model).endswith(".keras") or str(args.weights or "").endswith(".keras"):
        refuse(args, "to a .keras model, which has its own input size", "input_size")
    config = get_config(args.config) if args.config else None  # an unknown name fails before the model loads
    boxes = read_boxes(args.boxes) if args.boxes else {}
    model = load_pose_model(args.model, args.weights, args.input_size)
    height, width = model.input.shape[1:3]
    heat_h, heat_w = model.output.shape[1:3]
    codec = _codec(config, (width, height), (heat_w, heat_h))
    predictor = TopDownPredictor(model, codec, coco_meta.flip_indices(), flip_test=not args.no_flip,
                                 decode=config.decode if config else None)
    os.makedirs(args.out, exist_ok=True)
    for path in args.images:
        try:
            image = Image.open(path).convert("RGB")
        except OSError as e:
            raise InvalidFileError(f"cannot read the image ({e})", path, "pass a JPEG or PNG file") from None
        name = os.path.basename(path)
        person_boxes = boxes.get(name) or [[0.0, 0.0, float(image.width), float(image.height)]]
        persons = predict_image(predictor, np.asarray(image), person_boxes)
        stem = os.path.splitext(name)[0]
        with atomic_path(os.path.join(args.out, f"{stem}.json")) as tmp, open(tmp, "w") as f:
            json.dump({"image": path, "keypoint_names": list(coco_meta.KEYPOINT_NAMES), "persons": persons}, f)
        with atomic_path(os.path.join(args.out, f"{stem}_pose.jpg")) as tmp:
            draw_skeleton(image, persons, coco_meta.SKELETON, args.threshold).save(tmp, quality=92)
        print(f"{path}: {len(persons)} person(s) -> {args.out}/{stem}_pose.jpg, {stem}.json")
    return 0
