"""The embedded default datasets, deterministic by seed: synthetic COCO-format person keypoints, and the
same scenes as person-parts segmentation in the folder layout (images/, annotations/, classes.txt).

    data = make_synthetic_dataset("data/synthetic", {"train": 4000, "val": 500}, seed=0)
    data.ann_files["val"]   # data/synthetic/annotations/person_keypoints_val.json
    data.image_dirs["val"]  # data/synthetic/val (000000000001.jpg, ...)
    parts = make_synthetic_parts("data/parts", {"train": 3000, "val": 300})
    parts.image_dirs["val"]  # data/parts/images/val (000000000001.jpg, ...); labels in data/parts/annotations/val

Each image is drawn from its own random stream (seed, split, index), so a split does not
depend on the others' sizes nor on the worker count. A manifest of the parameters and
counts makes a repeated call a no-op; it is written after the JSON, which is written after
the images, so an interrupted run is redone by the next call. Processes generating into one
root take turns (a lock file in it); runs of other sizes use their own root (`cache_root`),
since regenerating a root at another size rewrites the images a running job reads.
"""
import importlib.util
import json
import multiprocessing
import os
import re
import zlib
from dataclasses import asdict, dataclass

import numpy as np

from PIL import Image

from hrkeras.training.data import person_parts
from hrkeras.training.data.coco_meta import coco_category
from hrkeras.training.data.synthetic_scene import SceneConfig, render_scene
from hrkeras.utils.atomic import write_bytes, write_json
from hrkeras.utils.file_lock import file_lock

GENERATOR_VERSION = 1
MANIFEST = "synthetic_manifest.json"
DEFAULT_SPLITS = {"train": 4000, "val": 500}
_IMAGE_NAME = re.compile(r"^\d{12}\.jpg$")


@dataclass(frozen=True)
class SyntheticDataset:
    """Where a generated dataset lies. ann_files / image_dirs: split -> path;
    generated: the splits this call (re)wrote."""

    root: str
    ann_files: dict
    image_dirs: dict
    generated: tuple


def cache_root(base, splits, seed):
    """The folder under `base` for the set of these split sizes and seed, e.g. base/train4000_val500_seed0."""
    return os.path.join(base, "_".join(f"{name}{count}" for name, count in splits.items()) + f"_seed{seed}")


def image_rng(seed, split, index):
    """The random stream of image `index` (0-based) of `split`."""
    return np.random.default_rng([seed, zlib.crc32(split.encode()), index])


def _render(task):
    """Worker: draw one image, save it as JPEG (and its parts map as PNG); -> (width, height, people)."""
    seed, split, index, config, path, label_path, quality = task
    image, people, parts = render_scene(image_rng(seed, split, index), config)
    image.save(path, "JPEG", quality=quality)
    if label_path:
        Image.fromarray(parts).save(label_path, "PNG")
    return image.size[0], image.size[1], people


def _coco(split, results, params):
    images, annotations = [], []
    for index, (width, height, people) in enumerate(results):
        image_id = index + 1
        images.append({"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": width, "height": height})
        for person in people:
            kps = person["keypoints"]
            flat = [v for x, y, vis in kps for v in (round(float(x), 2), round(float(y), 2), int(vis))]
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id, "category_id": 1, "keypoints": flat,
                "num_keypoints": person["num_keypoints"], "bbox": [round(v, 2) for v in person["bbox"]],
                "area": float(person["area"]), "iscrowd": 0,
            })
    info = {"description": f"hrkeras synthetic person keypoints, split {split}", **params}
    return {"info": info, "images": images, "annotations": annotations, "categories": [coco_category()]}


def _generate(root, split, count, params, config, workers):
    parts = params.get("layout") == "parts"
    image_dir = os.path.join(root, "images", split) if parts else os.path.join(root, split)
    label_dir = os.path.join(root, "annotations", split) if parts else None
    for folder in (image_dir, label_dir):
        if folder:
            os.makedirs(folder, exist_ok=True)
    names = [f"{i + 1:012d}.jpg" for i in range(count)]
    tasks = [(params["seed"], split, i, config, os.path.join(image_dir, n),
              os.path.join(label_dir, n[:-4] + ".png") if parts else None, params["jpeg_quality"])
             for i, n in enumerate(names)]
    if workers <= 1:
        results = [_render(t) for t in tasks]
    else:
        # fork: workers only use numpy and PIL, and skip re-importing TensorFlow through hrkeras.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(workers) as pool:
            results = pool.map(_render, tasks, chunksize=8)
    for stale in set(os.listdir(image_dir)) - set(names):
        if _IMAGE_NAME.match(stale):
            os.remove(os.path.join(image_dir, stale))
            if parts and os.path.exists(os.path.join(label_dir, stale[:-4] + ".png")):
                os.remove(os.path.join(label_dir, stale[:-4] + ".png"))
    if parts:
        write_bytes(os.path.join(root, "classes.txt"), "".join(f"{c}\n" for c in person_parts.CLASSES).encode())
    else:
        write_json(os.path.join(root, "annotations", f"person_keypoints_{split}.json"), _coco(split, results, params),
                   separators=(",", ":"))


def _check(splits, seed, workers):
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not isinstance(splits, dict) or not splits:
        raise ValueError(f"splits must be a non-empty dict like {DEFAULT_SPLITS}, got {splits!r}")
    for name, count in splits.items():
        if not (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_\-]+", name)):
            raise ValueError(f"split name {name!r} must be letters, digits, '_' or '-' (it names a folder)")
        if not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"split {name!r}: image count must be a non-negative int, got {count!r}")
    if not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be a non-negative int (0 or 1: no subprocesses), got {workers!r}")


def make_synthetic_dataset(root, splits=None, seed=0, config=SceneConfig(), workers=2, jpeg_quality=90):
    """Write (or find up to date) the synthetic pose dataset under `root`:
    root/annotations/person_keypoints_{split}.json and root/{split}/{image_id:012d}.jpg.

    splits: {name: image count}, default {"train": 4000, "val": 500}; config: SceneConfig;
    workers: processes drawing images. Returns a SyntheticDataset.
    """
    return _make(root, "coco", splits, seed, config, workers, jpeg_quality)


# Person-parts scenes show fewer, larger people, as PASCAL-Person-Part's person-centred photos do.
PARTS_SCENE = SceneConfig(person_height=(100, 300), max_people=3)


def make_synthetic_parts(root, splits=None, seed=0, config=PARTS_SCENE, workers=2, jpeg_quality=90):
    """Write (or find up to date) the synthetic person-parts segmentation set under `root` in the folder
    layout: root/images/{split}/{id:012d}.jpg, root/annotations/{split}/{id:012d}.png (uint8 labels of
    `person_parts.CLASSES`) and root/classes.txt. The scenes of make_synthetic_dataset, drawn with `config`.

    Returns a SyntheticDataset whose ann_files are the label folders.
    """
    return _make(root, "parts", splits, seed, config, workers, jpeg_quality)


def _make(root, layout, splits, seed, config, workers, jpeg_quality):
    splits = dict(DEFAULT_SPLITS if splits is None else splits)
    _check(splits, seed, workers)
    root = os.path.abspath(os.fspath(root))
    params = {"generator_version": GENERATOR_VERSION, "seed": int(seed), "config": asdict(config),
              "jpeg_quality": int(jpeg_quality), "photo_backgrounds": importlib.util.find_spec("skimage") is not None}
    if layout == "parts":
        params["layout"] = layout  # absent for the pose set, whose manifests predate it
    with file_lock(os.path.join(root, ".lock")):  # one process generates; the others then find it done
        return _bring_up_to_date(root, layout, splits, params, config, workers)


def _bring_up_to_date(root, layout, splits, params, config, workers):
    manifest_path = os.path.join(root, MANIFEST)
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("params") != json.loads(json.dumps(params)):
        manifest = {"params": params, "splits": {}}
    if layout == "parts":
        ann_files = {s: os.path.join(root, "annotations", s) for s in splits}
        image_dirs = {s: os.path.join(root, "images", s) for s in splits}
    else:
        ann_files = {s: os.path.join(root, "annotations", f"person_keypoints_{s}.json") for s in splits}
        image_dirs = {s: os.path.join(root, s) for s in splits}
    generated = []
    for split, count in splits.items():
        if manifest["splits"].get(split) == count and os.path.exists(ann_files[split]):
            continue
        manifest["splits"].pop(split, None)
        write_json(manifest_path, manifest, separators=(",", ":"))
        _generate(root, split, int(count), params, config, workers)
        manifest["splits"][split] = int(count)
        write_json(manifest_path, manifest, separators=(",", ":"))
        generated.append(split)
    return SyntheticDataset(root, ann_files, image_dirs, tuple(generated))
