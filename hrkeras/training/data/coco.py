"""COCO keypoint annotations (or a COCO detection-results file) -> person instances for top-down.

Boxes are clipped to the image as mmpose does ([x1, y1, x2, y2] clipped to [0, W-1] x [0, H-1]).
Bad instances (labeled keypoints outside the image, empty boxes, missing image files) are
skipped with a warning naming the file, the annotation and the image, as are non-finite numbers,
repeated annotation ids and detections without a usable score. A file that is not JSON or not shaped
like COCO (wrong types, missing keys, non-numeric boxes) is an InvalidFileError (a ValueError) naming
the file and the fix; an image folder holding none of the images is a UsageError.
"""
import collections
import dataclasses
import json
import math
import os
import reprlib
import warnings

import numpy as np

from hrkeras.errors import InvalidFileError, UsageError
from hrkeras.training.data.json_values import key as _key, number as _number, numbers as _numbers

FORMAT_HELP = ("a COCO keypoints file needs images[{id, file_name, width, height}] and "
               "annotations[{id, image_id, bbox, keypoints}] (https://cocodataset.org/#format-data)")
MAX_DETAILED_WARNINGS = 20
MAX_IMAGE_SIDE = 2**31 - 1


@dataclasses.dataclass(frozen=True, eq=False)
class Instance:
    """One person box. bbox [4] float32 x, y, w, h (clipped); keypoints [K, 3] float32 x, y, v;
    area: the annotation's area (detections: box area); score: 1 or the detection score;
    ann_id: annotation id, or the position in the detection file; image_size (height, width)."""

    image_path: str
    image_id: int
    bbox: np.ndarray
    keypoints: np.ndarray
    area: float
    score: float
    ann_id: int
    image_size: tuple


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, RecursionError) as err:  # bad JSON or UTF-8, nesting too deep, integers too long
        raise InvalidFileError(f"{os.path.basename(path)} is not valid JSON ({err})", path,
                               f"re-download or regenerate the {what}") from None


def _invalid(path, what, fix=FORMAT_HELP):
    """InvalidFileError whose text starts with the file's name: 'x.json: images[3] lacks [...] (path); fix'."""
    return InvalidFileError(f"{os.path.basename(path)}: {what}", path, fix)


def _require(entry, keys, path, where, help_text):
    if not isinstance(entry, dict):
        raise _invalid(path, f"{where} is {type(entry).__name__}, not an object", help_text)
    missing = [k for k in keys if k not in entry]
    if missing:
        raise _invalid(path, f"{where} lacks {missing}", help_text)


def _require_list(entry, key, path, help_text=FORMAT_HELP):
    if not isinstance(entry[key], list):
        raise _invalid(path, f"{key} is {type(entry[key]).__name__}, not a list", help_text)


def _clip_box(bbox, width, height):
    """Finite [x, y, w, h] -> clipped [x1, y1, w, h] float32 (mmpose: corners clipped to [0, W-1] x [0, H-1])."""
    x, y, w, h = (float(v) for v in bbox)
    x1, x2 = np.clip([x, x + w], 0, width - 1)
    y1, y2 = np.clip([y, y + h], 0, height - 1)
    return np.array([x1, y1, x2 - x1, y2 - y1], np.float32)


class _Skips:
    """Collects skipped instances: a warning for each of the first few, a summary at the end."""

    def __init__(self, source):
        self.source, self.reasons = source, collections.Counter()

    def add(self, reason, what, image_path, detail=""):
        self.reasons[reason] += 1
        if sum(self.reasons.values()) <= MAX_DETAILED_WARNINGS:
            warnings.warn(f"{self.source}: skipping {what} (image {image_path}): {reason}{detail}.", stacklevel=3)

    def summarize(self, kept):
        total = sum(self.reasons.values())
        if total:
            detail = ", ".join(f"{n} {reason}" for reason, n in self.reasons.items())
            warnings.warn(f"{self.source}: skipped {total} of {total + kept} instances ({detail}).", stacklevel=3)


def _images(coco, path):
    _require(coco, ["images"], path, "the top level", FORMAT_HELP)
    _require_list(coco, "images", path)
    images = {}
    for i, image in enumerate(coco["images"]):
        where = f"images[{i}]"
        _require(image, ["id", "file_name", "width", "height"], path, where, FORMAT_HELP)
        key = _key(image["id"])
        if key is None or key in images:
            raise _invalid(path, f"{where} has id {reprlib.repr(image['id'])}, "
                           f"{'used before' if key is not None else 'not an integer'}", "give each image its own id")
        if not isinstance(image["file_name"], str) or not image["file_name"]:
            raise _invalid(path, f"{where} has file_name {reprlib.repr(image['file_name'])}", FORMAT_HELP)
        for side in ("width", "height"):
            size = _number(image[side])
            if size is None or not 1 <= size <= MAX_IMAGE_SIDE:
                raise _invalid(path, f"{where} has {side} {reprlib.repr(image[side])}",
                               "image width and height are positive pixel counts")
        images[key] = image
    return images


def _keypoint_problem(keypoints, width, height):
    """-> None, or (reason, detail) for skipping the instance."""
    if not np.all(np.isfinite(keypoints)):
        return "keypoint values not finite", ""
    labeled = keypoints[:, 2] > 0
    if not np.all(np.isin(keypoints[:, 2], (0, 1, 2))):
        return "keypoint visibility not in {0, 1, 2}", ""
    x, y = keypoints[labeled, 0], keypoints[labeled, 1]
    if not np.all((x >= 0) & (x <= width) & (y >= 0) & (y <= height)):
        return "labeled keypoints outside the image", f" ({width}x{height})"
    return None


def _gt_instances(coco, images, ann_file, num_keypoints, all_boxes):
    _require(coco, ["annotations"], ann_file, "the top level", FORMAT_HELP)
    _require_list(coco, "annotations", ann_file)
    seen = set()
    for i, ann in enumerate(coco["annotations"]):
        where = f"annotations[{i}]"
        _require(ann, ["id", "image_id", "bbox", "keypoints"], ann_file, where, FORMAT_HELP)
        ann_id = _key(ann["id"])
        if ann_id is None:
            raise _invalid(ann_file, f"{where} has id {reprlib.repr(ann['id'])}, not an integer")
        keypoints = _numbers(ann["keypoints"])
        if keypoints is None:
            raise _invalid(ann_file, f"annotation {ann_id} has keypoints {reprlib.repr(ann['keypoints'])}, "
                           "not a list of numbers")
        if keypoints.size != 3 * num_keypoints:
            raise _invalid(ann_file, f"annotation {ann_id} has {keypoints.size} keypoint values, expected "
                           f"3 * num_keypoints = {3 * num_keypoints}", "pass the dataset's num_keypoints")
        with np.errstate(over="ignore"):
            keypoints = keypoints.astype(np.float32).reshape(num_keypoints, 3)
        labeled = _number(ann.get("num_keypoints"))  # when absent or not a number: count them
        labeled = np.count_nonzero(keypoints[:, 2]) if labeled is None else labeled
        repeated = ann_id in seen
        seen.add(ann_id)
        if not all_boxes and (ann.get("iscrowd", 0) or labeled == 0):
            continue
        image = images.get(_key(ann["image_id"]))
        if image is None:
            raise _invalid(ann_file, f"annotation {ann_id} refers to image_id {reprlib.repr(ann['image_id'])}, "
                           "which is not in images")
        area = _number(ann.get("area", 0.0))
        if repeated:
            problem = "annotation id used before", ""
        elif area is None or not math.isfinite(area):
            problem = "area not a finite number", f" ({reprlib.repr(ann.get('area'))})"
        else:
            problem = _keypoint_problem(keypoints, image["width"], image["height"])
        yield image, ann["bbox"], keypoints, area, 1.0, ann_id, problem


def _det_instances(det_file, images, num_keypoints, threshold):
    dets = _read_json(det_file, "detection results")
    help_text = "a detection-results file is a list of {image_id, category_id, bbox, score}"
    if not isinstance(dets, list):
        raise _invalid(det_file, f"is a JSON {type(dets).__name__}, not a list of detections", help_text)
    for i, det in enumerate(dets):
        _require(det, ["image_id", "category_id", "bbox", "score"], det_file, f"detection #{i}", help_text)
        score = _number(det["score"])
        scored = score is not None and math.isfinite(score)
        if det["category_id"] != 1 or (scored and score < threshold):
            continue
        image = images.get(_key(det["image_id"]))
        problem = None
        if image is None:
            problem = "image_id not in the annotation file", f" ({reprlib.repr(det['image_id'])})"
        elif not scored:
            problem = "score not a finite number", f" ({reprlib.repr(det['score'])})"
        yield image, det["bbox"], np.zeros((num_keypoints, 3), np.float32), None, score, i, problem


def load_instances(ann_file, image_dir, det_file=None, det_score_threshold=0.0, num_keypoints=17,
                   all_boxes=False):
    """Person instances of a COCO keypoints file (ground-truth boxes) or of a detection-results file.

    Ground truth skips crowd boxes and boxes without labeled keypoints unless all_boxes=True.
    With det_file, person detections scoring >= det_score_threshold are used (keypoints zero);
    ann_file then supplies the image list. Returns a list of Instance.
    """
    coco = _read_json(ann_file, "annotation file")
    images = _images(coco, ann_file)
    source = det_file or ann_file
    skips = _Skips(source)
    if det_file is None:
        rows = _gt_instances(coco, images, ann_file, num_keypoints, all_boxes)
    else:
        rows = _det_instances(det_file, images, num_keypoints, det_score_threshold)
    instances, exists = [], {}
    for image, bbox, keypoints, area, score, ann_id, problem in rows:
        what = f"annotation {ann_id}" if det_file is None else f"detection #{ann_id}"
        path = os.path.join(image_dir, image["file_name"]) if image is not None else "?"
        if problem:
            skips.add(problem[0], what, path, problem[1])
            continue
        box = _numbers(bbox)
        if box is None or box.size != 4:
            raise _invalid(source, f"{what} has bbox {reprlib.repr(bbox)}", "a bbox is [x, y, width, height]")
        if not np.all(np.isfinite(box)):
            skips.add("bbox values not finite", what, path, f" (bbox {list(bbox)})")
            continue
        box = _clip_box(box, image["width"], image["height"])
        area = float(box[2] * box[3]) if area is None else area
        if not (box[2] > 0 and box[3] > 0):
            skips.add("empty box after clipping to the image", what, path, f" (bbox {list(bbox)})")
            continue
        if path not in exists:
            exists[path] = os.path.isfile(path)
        if not exists[path]:
            skips.add("image file not found", what, path)
            continue
        instances.append(Instance(path, image["id"], box, keypoints, area, score, ann_id,
                                  (int(image["height"]), int(image["width"]))))
    if exists and not any(exists.values()):
        raise UsageError(f"None of the images of {ann_file} exists under this folder", image_dir,
                         "pass the image folder of this split (COCO layout: ROOT/<split>/<file_name>)")
    skips.summarize(len(instances))
    return instances
