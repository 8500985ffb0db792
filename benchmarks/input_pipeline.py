"""Images/s of the top-down training input pipeline (decode, augment, warp, heatmaps).

    python benchmarks/input_pipeline.py --data /data/coco --split train2017
    python benchmarks/input_pipeline.py                      # synthetic dataset in a temp dir
    python benchmarks/input_pipeline.py --fixture coco-size  # 640x480 noise JPEGs in a temp dir

The data layout is COCO's: ROOT/annotations/person_keypoints_{split}.json, ROOT/{split}/<file_name>.
"""
import argparse
import itertools
import json
import os
import tempfile
import time

import numpy as np
from PIL import Image

from hrkeras.codecs.msra_heatmap import MSRAHeatmap
from hrkeras.training.data import coco, coco_meta
from hrkeras.training.data.augment import Augmentation
from hrkeras.training.data.topdown import TopDownPipeline


def coco_size_fixture(root, count, seed=0):
    """count 640x480 noise JPEGs, two random person boxes each -> COCO layout under root, split "train"."""
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(root, "train"), exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    images, anns = [], []
    for i in range(count):
        name = f"{i:012d}.jpg"
        Image.fromarray(rng.integers(0, 256, (480, 640, 3), np.uint8)).save(os.path.join(root, "train", name))
        images.append({"id": i, "file_name": name, "width": 640, "height": 480})
        for j in range(2):
            x, y, w, h = rng.uniform(0, 300), rng.uniform(0, 200), rng.uniform(40, 300), rng.uniform(80, 270)
            kps = np.stack([rng.uniform(x, x + w, 17), rng.uniform(y, y + h, 17), np.full(17, 2.0)], 1)
            anns.append({"id": 2 * i + j, "image_id": i, "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
                         "keypoints": kps.ravel().tolist(), "num_keypoints": 17})
    with open(os.path.join(root, "annotations", "person_keypoints_train.json"), "w") as f:
        json.dump({"images": images, "annotations": anns, "categories": [coco_meta.coco_category()]}, f)


def images_per_second(pipeline, batch_size, warmup, batches):
    """Training images/s over `batches` batches after `warmup` batches, running through epochs 0, 1, ..."""
    stream = itertools.chain.from_iterable(pipeline.train_dataset(batch_size, e) for e in itertools.count())
    for _ in range(warmup):
        next(stream)
    start = time.perf_counter()
    for _ in range(batches):
        next(stream)
    return batches * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="dataset root (COCO layout); default: a generated fixture")
    parser.add_argument("--split", default="train")
    parser.add_argument("--fixture", choices=("synthetic", "coco-size"), default="synthetic")
    parser.add_argument("--fixture-images", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=20, help="timed batches")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches first")
    parser.add_argument("--input-size", type=int, nargs=2, default=(256, 192), metavar=("H", "W"))
    parser.add_argument("--no-augment", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root, split = args.data, args.split
        if root is None and args.fixture == "synthetic":
            from hrkeras.training.data.synthetic import make_synthetic_dataset
            root, split = tmp, "train"
            make_synthetic_dataset(root, {split: args.fixture_images})
        elif root is None:
            root, split = tmp, "train"
            coco_size_fixture(root, args.fixture_images)
        start = time.perf_counter()
        instances = coco.load_instances(os.path.join(root, "annotations", f"person_keypoints_{split}.json"),
                                        os.path.join(root, split))
        print(f"{len(instances)} instances loaded in {time.perf_counter() - start:.1f} s")
        h, w = args.input_size
        codec = MSRAHeatmap((h, w), (h // 4, w // 4), sigma=2.0)
        pipeline = TopDownPipeline(instances, codec, augment=None if args.no_augment else Augmentation())
        rate = images_per_second(pipeline, args.batch_size, args.warmup, args.batches)
        print(f"train batches ({'no ' if args.no_augment else ''}augmentation, batch {args.batch_size}, "
              f"{h}x{w}): {rate:.1f} images/s on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
