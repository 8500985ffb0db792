"""Image in, a class per pixel out: a segmentation model (Keras or .tflite) with the preprocessing, class names
and palette it was trained with.

    seg = hrkeras.SegmentationInferencer("runs/hrnet_w18_small_synthetic_parts_192x192/model.keras")  # or .tflite
    result = seg("photo.jpg")              # result.labels: uint8 [H, W] at the image's own size
    seg.draw("photo.jpg", result)          # a PIL image: the mask blended over the photo, with a legend
    result.label_image().save("labels.png")  # the label map as a palette PNG (pixel value = class index)
"""
import dataclasses

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from hrkeras.inferencer import carried, image_array, open_model
from hrkeras.training.data import warp
from hrkeras.training.data.segmentation_sets import default_palette

DRAW_MIN_SIDE = 512  # drawings of smaller images are enlarged to this long side (at least)


@dataclasses.dataclass
class Segmentation:
    """labels uint8 [H, W] (class index per pixel), classes [C] names, palette uint8 [C, 3] RGB."""

    labels: np.ndarray
    classes: tuple
    palette: np.ndarray

    def label_image(self):
        """A PIL "P" image: pixel value = class index, coloured by the palette (viewers show the colours)."""
        image = Image.fromarray(self.labels, "P")
        image.putpalette(self.palette.ravel().tolist())
        return image

    def areas(self):
        """{class name: share of the pixels} of the classes present, largest first."""
        counts = np.bincount(self.labels.ravel(), minlength=len(self.classes))
        order = np.argsort(-counts, kind="stable")
        return {self.classes[i]: float(counts[i] / self.labels.size) for i in order if counts[i]}


@dataclasses.dataclass
class _Settings:
    """input_size (H, W); mode "whole" | "slide" (SegmentationPredictor); classes [C]; palette uint8 [C, 3]."""

    input_size: tuple
    mean: tuple
    std: tuple
    mode: str
    classes: tuple
    palette: np.ndarray


def carried_settings(model, info=None, recipe=None):
    """From a Keras model's config, or the "hrkeras" metadata `info` of a .tflite; `recipe`: the preprocessing
    for a Keras model that carries none (else hrkeras' defaults, with a warning)."""
    if info is not None:
        return _Settings(tuple(info["input"]["size"]), tuple(info["input"]["mean"]), tuple(info["input"]["std"]),
                         info["input"]["test_mode"], tuple(info["classes"]["names"]),
                         np.asarray(info["classes"]["palette"], np.uint8))
    preprocessing, classes = carried(model, recipe, {"mean": warp.MEAN, "std": warp.STD, "mode": "whole"},
                                     "normalizing with hrkeras' mean and std, the whole image resized to the input")
    palette = getattr(model, "_head_config", {}).get("palette") or default_palette(model.output.shape[-1])
    return _Settings(tuple(model.input.shape[1:3]), tuple(preprocessing["mean"]), tuple(preprocessing["std"]),
                     preprocessing["mode"], tuple(classes), np.asarray(palette, np.uint8))


class SegmentationInferencer:
    """A segmentation model ready for images of any size: normalize, run (the whole image resized to the
    input, or input-size windows slid over it, as the model was evaluated), logits back to the image's size,
    argmax.

    Args:
        model: keras.Model, the path of a .keras or .tflite file written by hrkeras, or a TFLiteRunner.
        flip: bool, also run the mirrored image and average the logits.
        accelerator: "cpu" | "gpu", for .tflite files.
    """

    def __init__(self, model, flip=False, accelerator="cpu"):
        from hrkeras.training.segmentation_eval import SegmentationPredictor

        self.model, forward, info = open_model(model, "segmentation", accelerator)
        self.setup = carried_settings(self.model, info)
        self._predictor = SegmentationPredictor(forward, self.setup.input_size, self.setup.mode, flip=flip,
                                                mean=self.setup.mean, std=self.setup.std)

    def __call__(self, image):
        """image (path, PIL image or uint8 [H, W, 3]) -> Segmentation with labels [H, W]."""
        logits = self._predictor.logits(image_array(image))
        return Segmentation(logits.argmax(-1).astype(np.uint8), self.setup.classes, self.setup.palette)

    def draw(self, image, result, alpha=0.5, min_side=DRAW_MIN_SIDE):
        """A PIL image: `image` with the class colours blended in at `alpha`, and a legend of the classes
        present (largest first) in the top-left corner; images with a long side under `min_side` are drawn
        enlarged (an integer factor, the mask by nearest neighbour) so that the legend stays readable."""
        pixels, labels = image_array(image), result.labels
        factor = max(1, -(-min_side // max(pixels.shape[:2])))
        if factor > 1:
            pixels, labels = (np.repeat(np.repeat(a, factor, axis=0), factor, axis=1) for a in (pixels, labels))
        blended = pixels.astype(np.float32) * (1 - alpha) + result.palette[labels].astype(np.float32) * alpha
        canvas = Image.fromarray(blended.round().astype(np.uint8))
        _legend(canvas, result)
        return canvas


def _legend(canvas, result):
    """Draw a swatch and the name of each class present (as many as fit), on a dark panel, sized to the image."""
    size = max(12, round(max(canvas.size) / 48))
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        font = ImageFont.load_default(size)
    pad, line = max(2, size // 4), size + max(2, size // 4)
    names = list(result.areas())[:max(0, (canvas.size[1] - pad) // line)]
    if not names:
        return
    index = {name: i for i, name in enumerate(result.classes)}
    draw = ImageDraw.Draw(canvas, "RGBA")
    width = max(draw.textlength(name, font=font) for name in names) + size + 3 * pad
    draw.rectangle([0, 0, width, pad + line * len(names)], fill=(0, 0, 0, 160))
    for row, name in enumerate(names):
        top = pad + row * line
        draw.rectangle([pad, top, pad + size, top + size], fill=tuple(int(c) for c in result.palette[index[name]]),
                       outline=(255, 255, 255))
        draw.text((2 * pad + size, top), name, fill=(255, 255, 255), font=font)
