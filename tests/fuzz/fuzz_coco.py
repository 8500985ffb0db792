"""Fuzz target: COCO JSON (hrkeras.training.data.coco.load_instances), as a keypoints file and as detections.

The bytes are read as the annotation file, then as the detection-results file of a fixed annotation
file; the image folder holds the files the seeds name (0.png, 1.jpg). The dictionary fuzz_coco.dict
(COCO keys, JSON tokens) is passed to libFuzzer unless the command line names one.
"""
import json
import os
import sys
import warnings

import atheris

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from harness import fuzz, scratch_file, write  # noqa: E402

with atheris.instrument_imports(include=["hrkeras.training.data.coco", "hrkeras.training.data.json_values"]):
    from hrkeras.errors import InvalidFileError, UsageError
    from hrkeras.training.data.coco import load_instances

PATH = scratch_file(".json")
IMAGES = scratch_file("_images")
ANNOTATIONS = scratch_file("_annotations.json")


def setup():
    os.makedirs(IMAGES, exist_ok=True)
    for name in ("0.png", "1.jpg"):
        write(os.path.join(IMAGES, name), b"")
    images = [{"id": i, "file_name": name, "width": 48, "height": 64} for i, name in enumerate(["0.png", "1.jpg"])]
    write(ANNOTATIONS, json.dumps({"images": images, "annotations": []}).encode())


def check(data):
    write(PATH, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kwargs in ({"ann_file": PATH}, {"ann_file": ANNOTATIONS, "det_file": PATH, "det_score_threshold": 0.3}):
            try:
                for instance in load_instances(image_dir=IMAGES, **kwargs):
                    assert instance.bbox[2] > 0 and instance.bbox[3] > 0, instance
            except (InvalidFileError, UsageError):
                pass


if __name__ == "__main__":
    setup()
    if not any(arg.startswith("-dict=") for arg in sys.argv):
        sys.argv.append(f"-dict={os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fuzz_coco.dict')}")
    fuzz(check, (InvalidFileError, UsageError))
