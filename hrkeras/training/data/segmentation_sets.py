"""Segmentation datasets on disk -> lists of (image, label map) files, class names and the label mapping.

- folder layout (ADE20K / LIP style; the synthetic person-parts set): ROOT/images/SPLIT/NAME.(jpg|png),
  ROOT/annotations/SPLIT/NAME.png with one uint8 class index per pixel, ROOT/classes.txt with a class name
  per line (line i names label i); 255 is ignored.
- Cityscapes: ROOT/leftImg8bit/SPLIT/CITY/X_leftImg8bit.png with ROOT/gtFine/SPLIT/CITY/X_gtFine_labelIds.png,
  the 34 label ids mapped to the 19 train ids (the rest to 255) as cityscapesScripts' labels.py defines them.
"""
import dataclasses
import glob
import os

import numpy as np

from hrkeras.errors import InvalidFileError, MissingFileError
from hrkeras.training.data import IMAGE_EXTENSIONS

IGNORE = 255
CITYSCAPES_CLASSES = ("road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
                      "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle",
                      "bicycle")
CITYSCAPES_PALETTE = ((128, 64, 128), (244, 35, 232), (70, 70, 70), (102, 102, 156), (190, 153, 153),
                      (153, 153, 153), (250, 170, 30), (220, 220, 0), (107, 142, 35), (152, 251, 152), (70, 130, 180),
                      (220, 20, 60), (255, 0, 0), (0, 0, 142), (0, 0, 70), (0, 60, 100), (0, 80, 100), (0, 0, 230),
                      (119, 11, 32))


def default_palette(num_classes):
    """[num_classes, 3] uint8 colours for models and datasets without a palette: PASCAL VOC's scheme (the
    bits of the class index spread over the high bits of R, G and B; class 0 black)."""
    index = np.arange(num_classes)
    palette = np.zeros((num_classes, 3), np.int64)
    for bit in range(8):
        for channel in range(3):
            palette[:, channel] |= ((index >> (3 * bit + channel)) & 1) << (7 - bit)
    return palette.astype(np.uint8)


# label id -> train id for the ids that are trained (road 7 ... bicycle 33); every other id is ignored.
CITYSCAPES_TRAIN_IDS = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
                        26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}


@dataclasses.dataclass
class SegmentationSet:
    """images / labels: paired file paths; classes: names (index = train label); lut: uint8 [256] mapping the
    stored label values to train labels (None: stored as train labels); palette: RGB per class or None."""

    images: list
    labels: list
    classes: tuple
    lut: np.ndarray = None
    palette: tuple = None
    source: str = ""

    def __len__(self):
        return len(self.images)


def _require_dir(path, what, fix):
    if not os.path.isdir(path):
        raise MissingFileError(f"no {what} folder", path, fix)


def read_classes(path):
    """Class names of a classes.txt (one per line, blank lines ignored)."""
    if not os.path.isfile(path):
        raise MissingFileError("no class list", path, "write classes.txt with one class name per line (line i "
                               "names label value i)")
    with open(path, encoding="utf-8") as f:
        names = tuple(line.strip() for line in f if line.strip())
    if not 1 <= len(names) <= IGNORE:
        raise InvalidFileError(f"a class list needs 1 to {IGNORE} names, this one has {len(names)}", path,
                               "one class name per line")
    return names


def load_folder(root, split, classes=None, palette=None):
    """The folder layout's `split` (see the module docstring) -> SegmentationSet."""
    image_dir, label_dir = os.path.join(root, "images", split), os.path.join(root, "annotations", split)
    layout = f"the folder layout: {root}/images/{split}/NAME.jpg with {root}/annotations/{split}/NAME.png"
    _require_dir(image_dir, f"'{split}' image", f"pass the dataset root in {layout}")
    _require_dir(label_dir, f"'{split}' label", f"pass the dataset root in {layout}")
    images = sorted(p for p in glob.glob(os.path.join(image_dir, "*")) if p.lower().endswith(IMAGE_EXTENSIONS))
    if not images:
        raise MissingFileError("no images (.jpg, .jpeg, .png) in the split's folder", image_dir, f"use {layout}")
    labels = [os.path.join(label_dir, os.path.splitext(os.path.basename(p))[0] + ".png") for p in images]
    for image, label in zip(images, labels):
        if not os.path.isfile(label):
            raise MissingFileError(f"no label map for {os.path.basename(image)}", label,
                                   "add the PNG label map of the same name, or remove the image")
    classes = tuple(classes) if classes else read_classes(os.path.join(root, "classes.txt"))
    return SegmentationSet(images, labels, classes, palette=palette, source=label_dir)


def cityscapes_lut():
    """uint8 [256]: Cityscapes label id -> train id (255 for every id not trained)."""
    lut = np.full(256, IGNORE, np.uint8)
    for label_id, train_id in CITYSCAPES_TRAIN_IDS.items():
        lut[label_id] = train_id
    return lut


def load_cityscapes(root, split):
    """Cityscapes' `split` ("train", "val") -> SegmentationSet with the label-id -> train-id mapping."""
    image_dir, label_dir = os.path.join(root, "leftImg8bit", split), os.path.join(root, "gtFine", split)
    fix = f"pass the Cityscapes root, holding leftImg8bit/{split}/CITY/ and gtFine/{split}/CITY/"
    _require_dir(image_dir, f"Cityscapes leftImg8bit/{split}", fix)
    _require_dir(label_dir, f"Cityscapes gtFine/{split}", fix)
    images = sorted(glob.glob(os.path.join(image_dir, "*", "*_leftImg8bit.png")))
    if not images:
        raise MissingFileError("no *_leftImg8bit.png images in the city folders", image_dir, fix)
    labels = []
    for image in images:
        city, name = os.path.basename(os.path.dirname(image)), os.path.basename(image)
        label = os.path.join(label_dir, city, name.replace("_leftImg8bit.png", "_gtFine_labelIds.png"))
        if not os.path.isfile(label):
            raise MissingFileError(f"no gtFine label ids for {name}", label,
                                   "unpack gtFine_trainvaltest.zip beside leftImg8bit/")
        labels.append(label)
    return SegmentationSet(images, labels, CITYSCAPES_CLASSES, cityscapes_lut(), CITYSCAPES_PALETTE, label_dir)
