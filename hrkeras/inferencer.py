"""Image in, keypoints out: a pose model (Keras or .tflite) with the preprocessing and codec it was trained with.

    pose = hrkeras.PoseInferencer("runs/litehrnet_18_synthetic_128x96/model.keras")  # or a .tflite file
    people = pose("photo.jpg")                 # one Pose per person box (default: the whole image)
    pose.draw("photo.jpg", people)             # a PIL image with the skeletons; a notebook shows it inline

`open_model` and `image_array` are what every inferencer shares (hrkeras.SegmentationInferencer and
hrkeras.ClassificationInferencer use them too): a Keras or .tflite model ready to run, and images as arrays.
"""
import dataclasses
import os
import warnings

import numpy as np
from PIL import Image, ImageDraw

from hrkeras.codecs import MSRAHeatmap
from hrkeras.errors import UsageError
from hrkeras.utils.forward import inference_function


@dataclasses.dataclass
class Pose:
    """One person: bbox [4] (x, y, w, h image px), keypoints [K, 2] (x, y image px), scores [K], names [K]."""

    bbox: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray
    names: tuple

    def as_dict(self):
        """{"bbox": [4], "keypoints": [[x, y, score], ...]} with plain floats (JSON-ready)."""
        points = np.concatenate([self.keypoints, self.scores[:, None]], axis=1).round(3)
        return {"bbox": [float(v) for v in self.bbox], "keypoints": points.tolist()}


@dataclasses.dataclass
class _Setup:
    """What decoding a model needs: input (H, W), codec, decode method, normalization, keypoint layout."""

    input_size: tuple
    codec: MSRAHeatmap
    decode: str
    mean: tuple
    std: tuple
    names: tuple
    skeleton: tuple
    flip_indices: np.ndarray


def _layout(num_keypoints):
    from hrkeras.training.data import coco_meta

    if num_keypoints == coco_meta.NUM_KEYPOINTS:
        return coco_meta.KEYPOINT_NAMES, coco_meta.SKELETON, coco_meta.flip_indices()
    return tuple(f"keypoint_{k}" for k in range(num_keypoints)), (), np.arange(num_keypoints)


def _check_codec(codec, input_size, heatmap_size):
    if codec.input_size != input_size or codec.heatmap_size != heatmap_size:
        raise UsageError(f"the codec decodes {codec.input_size} inputs to {codec.heatmap_size} heatmaps (height, "
                         f"width), but the model takes {input_size} and gives {heatmap_size}",
                         fix="pass the model's own codec (its training recipe)")


def _keras_setup(model, codec, decode):
    from hrkeras.training.data import warp

    (height, width), (heat_h, heat_w, k) = model.input.shape[1:3], model.output.shape[1:]
    stored = getattr(model, "_head_config", {}).get("codec")
    if codec is None and stored:
        stored = dict(stored)
        decode = decode or stored.pop("decode", None)
        codec = MSRAHeatmap.from_config(stored)
    elif codec is None:
        codec = MSRAHeatmap((height, width), (heat_h, heat_w))
        warnings.warn(f"{model.name} carries no codec (not trained by hrkeras, or saved by an older version); "
                      f"decoding as {codec.get_config()} with quarter-offset decoding. Pass codec= to override.",
                      stacklevel=3)
    _check_codec(codec, (height, width), (heat_h, heat_w))
    return _Setup((height, width), codec, decode, warp.MEAN, warp.STD, *_layout(k))


def _tflite_setup(info, codec, decode):
    """From the "hrkeras" metadata of a .tflite."""
    (height, width), (heat_h, heat_w) = info["input"]["size"], info["output"]["heatmap_size"]
    stored = info["output"]["codec"]
    if codec is None:
        codec = MSRAHeatmap((height, width), (heat_h, heat_w), stored["sigma"], stored["unbiased"],
                            stored.get("blur_kernel_size", 11))
    _check_codec(codec, (height, width), (heat_h, heat_w))
    names = tuple(info["keypoints"]["names"])
    flip = np.arange(len(names))
    for a, b in info["keypoints"]["flip_pairs"]:
        flip[a], flip[b] = b, a
    return _Setup((height, width), codec, decode or stored.get("decode"), tuple(info["input"]["mean"]),
                  tuple(info["input"]["std"]), names, tuple(map(tuple, info["keypoints"]["skeleton"])), flip)


def image_array(image):
    """A path, PIL image or [H, W, 3] array -> uint8 RGB array [H, W, 3]."""
    if isinstance(image, (str, os.PathLike)):
        from hrkeras.errors import InvalidFileError

        path = image
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB")
        except OSError as err:
            raise InvalidFileError(f"cannot read the image ({err})", path, "pass a JPEG or PNG file") from None
    if isinstance(image, Image.Image):
        image = image.convert("RGB")
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise UsageError(f"an image must be [H, W, 3] RGB, got shape {array.shape}", fix="convert it to RGB")
    return array.astype(np.uint8) if array.dtype != np.uint8 else array


def open_model(model, task, accelerator="cpu"):
    """A model of `task` ready to run, as every inferencer takes it -> (model, forward, info).

    model: keras.Model, the path of a .keras or .tflite file, or a TFLiteRunner. Returns the keras.Model or
    TFLiteRunner, forward (normalized float32 [B, H, W, 3] -> outputs [B, ...]) and the .tflite's "hrkeras"
    metadata (None for Keras models); UsageError when the model is of another task.
    """
    from hrkeras.convert import metadata
    from hrkeras.convert.tflite_runner import TFLiteRunner

    tflite_path = isinstance(model, (str, os.PathLike)) and os.fspath(model).endswith(".tflite")
    if tflite_path or isinstance(model, TFLiteRunner):
        info = metadata.read(model if tflite_path else model.model_bytes)
        model = TFLiteRunner(model, accelerator) if tflite_path else model
        found, forward = info.get("task"), model.predict
    else:
        if isinstance(model, (str, os.PathLike)):
            from hrkeras.training.pose_model import load_keras_file

            model = load_keras_file(os.fspath(model))
        info, forward = None, inference_function(model)
        found = getattr(model, "TASK", None) or task  # a plain keras.Model: taken as what it is given for
    if found != task:
        raise UsageError(f"this is a {found} model, not a {task} model",
                         fix=f"use hrkeras.{INFERENCERS.get(found, 'PoseInferencer')} for it")
    return model, forward, info


def carried(model, recipe, default, default_text):
    """(preprocessing, class names) a Keras segmentation or classification model carries. A model that carries
    no preprocessing takes `recipe` (its training recipe's), else `default` with a warning that says it is
    `default_text`; classes default to class_0, class_1, ..."""
    config = getattr(model, "_head_config", {})
    preprocessing = config.get("preprocessing") or recipe
    if preprocessing is None:
        preprocessing = default
        warnings.warn(f"{model.name} carries no preprocessing (not trained by hrkeras, or saved by an older "
                      f"version): {default_text}.", stacklevel=4)
    return preprocessing, config.get("classes") or [f"class_{i}" for i in range(model.output.shape[-1])]


INFERENCERS = {"pose": "PoseInferencer", "segmentation": "SegmentationInferencer",
               "classification": "ClassificationInferencer"}


class PoseInferencer:
    """A top-down pose model ready for images: crop each person box, normalize, run (with flip test),
    decode as in training, map back to image pixels.

    Args:
        model: keras.Model, the path of a .keras or .tflite file written by hrkeras, or a TFLiteRunner.
        flip_test: bool, average the heatmaps of the crop and of its mirror image.
        codec: MSRAHeatmap | None, overrides the codec the model carries (Keras: its config, stored by
            `hrkeras train`; .tflite: its metadata).
        decode: "dark" | "quarter" | "argmax" | None (the model's own).
        accelerator: "cpu" | "gpu", for .tflite files (LiteRT's CPU interpreter or its GPU accelerator).

    Example:
        >>> import hrkeras, numpy as np
        >>> pose = hrkeras.PoseInferencer(hrkeras.LiteHRNet18(input_shape=(128, 96, 3)))  # doctest: +SKIP
        >>> people = pose(np.zeros((240, 180, 3), np.uint8))                               # doctest: +SKIP
        >>> people[0].keypoints.shape, people[0].names[0]                                   # doctest: +SKIP
        ((17, 2), 'nose')
    """

    def __init__(self, model, flip_test=True, codec=None, decode=None, accelerator="cpu"):
        from hrkeras.training.inference import TopDownPredictor

        self.model, forward, info = open_model(model, "pose", accelerator)
        self.setup = _keras_setup(self.model, codec, decode) if info is None else _tflite_setup(info, codec, decode)
        self._predictor = TopDownPredictor(forward, self.setup.codec, self.setup.flip_indices, flip_test,
                                           self.setup.decode)

    def __call__(self, image, boxes=None):
        """image (path, PIL image or uint8 [H, W, 3]); boxes [[x, y, w, h], ...] (default: the whole image)
        -> [Pose] in image pixels, one per box."""
        import tensorflow as tf

        from hrkeras.training.data import warp
        from hrkeras.training.data.geometry import bbox_to_center_scale

        image = image_array(image)
        boxes = np.asarray([[0, 0, image.shape[1], image.shape[0]]] if boxes is None else boxes, np.float32)
        if boxes.ndim != 2 or boxes.shape[1] != 4 or not np.isfinite(boxes).all() or (boxes[:, 2:] <= 0).any():
            raise UsageError(f"boxes must be [[x, y, w, h], ...] with positive sizes, got {boxes.tolist()}")
        height, width = size = self.setup.input_size
        centers, scales = map(np.stack, zip(*(bbox_to_center_scale(b, width / height) for b in boxes)))
        pixels = tf.constant(image)
        crops = tf.stack([warp.normalize(warp.crop_image(pixels, warp.affine_matrix(c, s, 0.0, size), size),
                                         self.setup.mean, self.setup.std)
                          for c, s in zip(centers, scales)])
        keypoints, scores = self._predictor.keypoints(crops, centers, scales)
        return [Pose(box, k, s, self.setup.names) for box, k, s in zip(boxes, keypoints, scores)]

    def draw(self, image, poses, threshold=0.3):
        """A PIL image: `image` with each pose's limbs and joints scoring >= threshold, coloured by side as the
        mobile demos draw them (left blue, right red, the middle green)."""
        canvas = Image.fromarray(image_array(image))
        draw = ImageDraw.Draw(canvas)
        radius = max(2, round(max(canvas.size) / 200))
        for pose in poses:
            points, scores, sides = pose.keypoints, pose.scores, [_side(name) for name in pose.names]
            for a, b in self.setup.skeleton:
                if min(scores[a], scores[b]) >= threshold:
                    color = SIDE_COLORS[sides[a] if sides[a] == sides[b] else "center"]
                    draw.line([tuple(points[a]), tuple(points[b])], fill=color, width=radius)
            for side, (x, y), score in zip(sides, points, scores):
                if score >= threshold:
                    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=SIDE_COLORS[side])
        return canvas


SIDE_COLORS = {"left": (64, 160, 255), "right": (255, 80, 80), "center": (64, 255, 128)}  # = mobile/web/src/app.js


def _side(name):
    return "left" if name.startswith("left") else "right" if name.startswith("right") else "center"
