"""Synthetic keypoint dataset: determinism, COCO validity, visibility semantics, manifest."""
import json
import os

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from hrkeras.training.data.coco_meta import KEYPOINT_NAMES
from hrkeras.training.data.synthetic import make_synthetic_dataset
from hrkeras.training.data.synthetic_figure import render_figure, sample_appearance
from hrkeras.training.data.synthetic_pose import Pose, keypoints
from hrkeras.training.data.synthetic_scene import SceneConfig, annotate

SPLITS = {"train": 12, "val": 4}


def _files(root):
    """{relative path: bytes} of everything a generation wrote."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = open(path, "rb").read()
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("syn") / "a", SPLITS, seed=0, workers=1)


def test_same_seed_same_bytes_any_worker_count_other_seed_differs(dataset, tmp_path):
    twice = make_synthetic_dataset(tmp_path / "b", SPLITS, seed=0, workers=2)
    other = make_synthetic_dataset(tmp_path / "c", SPLITS, seed=1, workers=1)
    reference = _files(dataset.root)
    assert len(reference) == 2 + 2 + sum(SPLITS.values())  # 2 JSON, the manifest and lock file, the images
    assert _files(twice.root) == reference
    changed = _files(other.root)
    images = [k for k in reference if k.endswith(".jpg")]
    assert all(changed[k] != reference[k] for k in images)
    assert changed[os.path.join("annotations", "person_keypoints_val.json")] != reference[
        os.path.join("annotations", "person_keypoints_val.json")]


def test_val_split_does_not_depend_on_train_count(dataset, tmp_path):
    more_train = make_synthetic_dataset(tmp_path, {"train": 5, "val": SPLITS["val"]}, seed=0, workers=1)
    ours, theirs = _files(dataset.root), _files(more_train.root)
    val = [k for k in ours if k.startswith("val") or k.endswith("_val.json")]
    assert len(val) == SPLITS["val"] + 1
    assert all(ours[k] == theirs[k] for k in val)
    first = os.path.join("{}", "000000000001.jpg")
    assert ours[first.format("train")] != ours[first.format("val")]  # splits draw from different streams


def test_annotations_are_valid_coco_keypoints(dataset):
    for split, count in SPLITS.items():
        coco = COCO(dataset.ann_files[split])
        assert len(coco.imgs) == count and len(coco.anns) >= count  # 1-4 people per image, most labeled
        assert coco.loadCats(1)[0]["keypoints"] == list(KEYPOINT_NAMES)
        for image in coco.imgs.values():
            with Image.open(os.path.join(dataset.image_dirs[split], image["file_name"])) as jpeg:
                assert jpeg.format == "JPEG" and jpeg.size == (image["width"], image["height"])
        for ann in coco.anns.values():
            w, h = coco.imgs[ann["image_id"]]["width"], coco.imgs[ann["image_id"]]["height"]
            kps = np.asarray(ann["keypoints"], np.float64).reshape(17, 3)
            v = kps[:, 2]
            assert set(v) <= {0, 1, 2} and ann["num_keypoints"] == int((v > 0).sum()) >= 3
            assert np.all(kps[v == 0, :2] == 0)
            assert np.all((kps[v > 0, :2] >= 0) & (kps[v > 0, :2] <= [w - 1, h - 1]))
            x, y, bw, bh = ann["bbox"]
            assert 0 <= x and 0 <= y and x + bw <= w and y + bh <= h
            seen = kps[v == 2, :2]
            assert np.all((seen >= [x, y]) & (seen <= [x + bw, y + bh]))
            assert 0 < ann["area"] <= bw * bh and ann["iscrowd"] == 0 and ann["category_id"] == 1


def test_ground_truth_as_results_scores_ap_one(dataset):
    coco = COCO(dataset.ann_files["val"])
    results = [{"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0}
               for a in coco.anns.values()]
    evaluation = COCOeval(coco, coco.loadRes(results), "keypoints")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)


def _front_pose(x, y, height=120.0, **kwargs):
    return Pose(center=(x, y), height=height, **kwargs)


def test_joints_under_later_layers_are_occluded_outside_unlabeled():
    rng = np.random.default_rng(0)
    size = (200, 160)
    image = np.zeros((size[1], size[0], 3), np.uint8)
    behind = _front_pose(90, 80, shoulder=(60.0, 10.0))
    front = _front_pose(120, 85, facing=-1)
    cut = _front_pose(175, 120, hip=(40.0, 5.0))  # legs leave the image at the bottom and right
    layers = [(render_figure(image, p, sample_appearance(rng, p.height)), p) for p in (behind, front, cut)]
    box = np.zeros(image.shape[:2], bool)
    box[70:100, 150:190] = True  # an occluder over part of `cut`'s torso and arm
    layers.append((box, None))
    people = annotate(layers, size, SceneConfig(min_area=1, min_visible_fraction=0, min_labeled=0, min_visible=0))
    assert len(people) == 3
    cover = [layers[1][0] | layers[2][0] | box, layers[2][0] | box, box]
    for pose, person, later in zip((behind, front, cut), people, cover):
        xy, kps = keypoints(pose), person["keypoints"]
        inside = np.all((xy >= 0) & (xy <= [size[0] - 1, size[1] - 1]), axis=1)
        covered = later[np.round(xy[:, 1]).astype(int).clip(0, size[1] - 1),
                        np.round(xy[:, 0]).astype(int).clip(0, size[0] - 1)]
        face = np.isin(np.arange(17), [0, 1, 2]) & (pose.facing < 0)
        expected = np.where(~inside | face, 0, np.where(covered, 1, 2))
        np.testing.assert_array_equal(kps[:, 2], expected)
        np.testing.assert_allclose(kps[:, :2], np.where(expected[:, None] > 0, xy, 0))
    all_v = np.concatenate([p["keypoints"][:, 2] for p in people])
    assert {0, 1, 2} <= set(all_v)  # the case exercises every flag
    assert people[0]["area"] == int((layers[0][0] & ~cover[0]).sum())


def test_small_or_hidden_figures_are_not_annotated():
    image = np.zeros((160, 200, 3), np.uint8)
    pose = _front_pose(100, 80)
    mask = render_figure(image, pose, sample_appearance(np.random.default_rng(1), pose.height))
    assert len(annotate([(mask, pose)], (200, 160))) == 1
    assert annotate([(mask, pose), (np.ones_like(mask), None)], (200, 160)) == []
    assert annotate([(mask, pose)], (200, 160), SceneConfig(min_area=int(mask.sum()) + 1)) == []


def test_manifest_reuse_and_regeneration(tmp_path):
    first = make_synthetic_dataset(tmp_path, {"train": 3, "val": 2}, seed=0, workers=1)
    assert first.generated == ("train", "val")
    stamp = os.stat(os.path.join(first.image_dirs["val"], "000000000001.jpg")).st_mtime_ns
    again = make_synthetic_dataset(tmp_path, {"train": 3, "val": 2}, seed=0, workers=1)
    assert again.generated == () and again.ann_files == first.ann_files
    assert os.stat(os.path.join(first.image_dirs["val"], "000000000001.jpg")).st_mtime_ns == stamp
    fewer = make_synthetic_dataset(tmp_path, {"train": 2, "val": 2}, seed=0, workers=1)
    assert fewer.generated == ("train",)
    assert sorted(os.listdir(fewer.image_dirs["train"])) == ["000000000001.jpg", "000000000002.jpg"]
    assert make_synthetic_dataset(tmp_path, {"train": 2, "val": 2}, seed=5, workers=1).generated == ("train", "val")
    os.remove(first.ann_files["val"])  # as if interrupted before the JSON was written
    assert make_synthetic_dataset(tmp_path, {"train": 2, "val": 2}, seed=5, workers=1).generated == ("val",)
    manifest = json.load(open(os.path.join(tmp_path, "synthetic_manifest.json")))
    assert manifest["splits"] == {"train": 2, "val": 2} and manifest["params"]["seed"] == 5


@pytest.mark.parametrize("kwargs,message", [
    ({"splits": {"../x": 3}}, "split name"),
    ({"splits": {"train": -1}}, "non-negative int"),
    ({"splits": {}}, "non-empty dict"),
    ({"seed": -2}, "seed"),
])
def test_bad_arguments_name_the_problem(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_synthetic_dataset(tmp_path, **kwargs)


def test_default_cache_has_a_folder_per_size(tmp_path, monkeypatch):
    """A run of another size generates beside a running job's images, never over them."""
    from hrkeras.training.configs import PoseConfig
    from hrkeras.training.datasets import splits

    monkeypatch.setenv("HRKERAS_SYNTHETIC_ROOT", str(tmp_path))
    config = PoseConfig(name="t", model="litehrnet_18", input_size=(64, 48), dataset="synthetic",
                        synthetic_images=(3, 2))
    big = splits(config)
    before = _files(big["train"].image_dir)
    small = splits(config.replace(synthetic_images=(1, 2)))
    assert small["train"].image_dir != big["train"].image_dir
    assert _files(big["train"].image_dir) == before and len(before) == 3
    assert len(os.listdir(small["train"].image_dir)) == 1


def test_generation_waits_for_a_process_generating_the_same_root(tmp_path):
    import threading

    from hrkeras.utils.file_lock import file_lock

    done = threading.Event()
    worker = threading.Thread(target=lambda: (make_synthetic_dataset(tmp_path, {"val": 1}, workers=1), done.set()))
    with file_lock(os.path.join(tmp_path, ".lock")):  # another process is generating here
        worker.start()
        assert not done.wait(1.0)
    worker.join(60)
    assert done.is_set() and os.listdir(os.path.join(tmp_path, "val")) == ["000000000001.jpg"]
