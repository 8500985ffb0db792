"""COCO loading and the top-down tf.data pipeline, on tiny images and JSON files written per test."""
import json
import warnings

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from hrkeras.codecs.msra_heatmap import MSRAHeatmap
from hrkeras.training.data import augment, coco, coco_meta, geometry, topdown, warp

LEFT_WRIST, RIGHT_WRIST = coco_meta.KEYPOINT_NAMES.index("left_wrist"), coco_meta.KEYPOINT_NAMES.index("right_wrist")


def keypoints_with(points):
    """{joint: (x, y)} -> COCO keypoint list [51], those joints visible (v=2), the rest unlabeled."""
    kps = np.zeros((17, 3))
    for joint, xy in points.items():
        kps[joint] = (*xy, 2)
    return kps.ravel().tolist()


def annotation(ann_id, image_id, bbox, points=None, **extra):
    points = {LEFT_WRIST: (max(bbox[0], 0) + 1, max(bbox[1], 0) + 1)} if points is None else points
    return {"id": ann_id, "image_id": image_id, "bbox": list(bbox), "keypoints": keypoints_with(points),
            "num_keypoints": len(points), "area": bbox[2] * bbox[3], "iscrowd": 0, **extra}


def write_coco(tmp_path, images, annotations, ext="png"):
    """images: {image_id: uint8 [H, W, 3] array} saved as <id>.<ext>. Returns (ann_file, image_dir)."""
    image_dir = tmp_path / "images"
    image_dir.mkdir(exist_ok=True)
    entries = []
    for image_id, pixels in images.items():
        Image.fromarray(pixels).save(image_dir / f"{image_id}.{ext}")
        entries.append({"id": image_id, "file_name": f"{image_id}.{ext}", "width": pixels.shape[1],
                        "height": pixels.shape[0]})
    ann_file = tmp_path / "person_keypoints.json"
    ann_file.write_text(json.dumps({"images": entries, "annotations": annotations,
                                    "categories": [coco_meta.coco_category()]}))
    return str(ann_file), str(image_dir)


def marked_image(width, height, points):
    """Black image with 3x3 bright squares at integer points [(x, y)]."""
    pixels = np.zeros((height, width, 3), np.uint8)
    for x, y in points:
        pixels[y - 1:y + 2, x - 1:x + 2] = 255
    return pixels


def batches(dataset):
    return [tuple(tf.nest.map_structure(lambda t: t.numpy(), b)) for b in dataset]


def heatmap_peak(heatmap):
    """heatmap [h, w] -> (x, y) of its maximum."""
    y, x = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return x, y


def bright_spot(image):
    """Normalized crop [H, W, 3] (or raw [H, W]) -> (x, y) centroid of its pixels above half the maximum."""
    channel = image[..., 0] * warp.STD[0] + warp.MEAN[0] if image.ndim == 3 else image
    weight = np.where(channel > channel.max() / 2, channel, 0.0)
    ys, xs = np.indices(channel.shape)
    return np.array([(xs * weight).sum(), (ys * weight).sum()]) / weight.sum()


# ---------------------------------------------------------------- loading


def test_load_ground_truth_boxes_skips_crowd_and_unlabeled_and_clips(tmp_path):
    anns = [annotation(1, 0, (10, 10, 20, 30)), annotation(2, 0, (5, 5, 10, 10), iscrowd=1),
            annotation(3, 0, (5, 5, 10, 10), points={}), annotation(4, 0, (-10, 50, 40, 30))]
    ann_file, image_dir = write_coco(tmp_path, {0: np.zeros((64, 48, 3), np.uint8)}, anns)
    loaded = coco.load_instances(ann_file, image_dir)
    assert [i.ann_id for i in loaded] == [1, 4]
    np.testing.assert_allclose(loaded[0].bbox, [10, 10, 20, 30])
    np.testing.assert_allclose(loaded[1].bbox, [0, 50, 30, 13])  # x clipped at 0, y2 at H - 1 = 63
    assert loaded[0].keypoints.shape == (17, 3) and loaded[0].keypoints[LEFT_WRIST, 2] == 2
    assert loaded[0].image_size == (64, 48) and loaded[0].score == 1.0 and loaded[0].image_id == 0
    assert [i.ann_id for i in coco.load_instances(ann_file, image_dir, all_boxes=True)] == [1, 2, 3, 4]


def test_load_detection_boxes(tmp_path):
    ann_file, image_dir = write_coco(tmp_path, {7: np.zeros((40, 50, 3), np.uint8)}, [])
    dets = [{"image_id": 7, "category_id": 1, "bbox": [1, 2, 10, 20], "score": 0.9},
            {"image_id": 7, "category_id": 2, "bbox": [1, 2, 10, 20], "score": 0.9},
            {"image_id": 7, "category_id": 1, "bbox": [1, 2, 10, 20], "score": 0.1},
            {"image_id": 8, "category_id": 1, "bbox": [1, 2, 10, 20], "score": 0.9}]
    det_file = tmp_path / "dets.json"
    det_file.write_text(json.dumps(dets))
    with pytest.warns(UserWarning, match=r"detection #3.*image_id not in.*\(8\)"):
        with pytest.warns(UserWarning, match="skipped 1 of 2"):
            loaded = coco.load_instances(ann_file, image_dir, det_file=str(det_file), det_score_threshold=0.5)
    assert len(loaded) == 1 and loaded[0].ann_id == 0 and loaded[0].score == pytest.approx(0.9)
    assert not loaded[0].keypoints.any() and loaded[0].area == pytest.approx(200)


def test_bad_instances_warn_naming_file_annotation_and_image(tmp_path):
    anns = [annotation(11, 0, (5, 5, 10, 10)), annotation(12, 0, (5, 5, 10, 10), points={3: (60, 5)}),
            annotation(13, 0, (100, 100, 10, 10), {LEFT_WRIST: (5, 5)}), annotation(14, 1, (5, 5, 10, 10))]
    ann_file, image_dir = write_coco(tmp_path, {0: np.zeros((32, 32, 3), np.uint8),
                                                1: np.zeros((32, 32, 3), np.uint8)}, anns)
    (tmp_path / "images" / "1.png").unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = coco.load_instances(ann_file, image_dir)
    messages = [str(w.message) for w in caught]
    assert [i.ann_id for i in loaded] == [11]
    assert any("annotation 12" in m and "outside" in m and "0.png" in m and ann_file in m for m in messages)
    assert any("annotation 13" in m and "empty box" in m for m in messages)
    assert any("annotation 14" in m and "not found" in m and "1.png" in m for m in messages)
    assert any("skipped 3 of 4" in m for m in messages)


def test_structural_problems_raise_value_error(tmp_path):
    ann_file, image_dir = write_coco(tmp_path, {0: np.zeros((8, 8, 3), np.uint8)}, [{"id": 1, "image_id": 0}])
    with pytest.raises(ValueError, match=r"person_keypoints.json.*annotations\[0\].*bbox"):
        coco.load_instances(ann_file, image_dir)
    (tmp_path / "broken.json").write_text('{"images": [')
    with pytest.raises(ValueError, match="broken.json is not valid JSON"):
        coco.load_instances(str(tmp_path / "broken.json"), image_dir)
    ann_file, _ = write_coco(tmp_path, {0: np.zeros((8, 8, 3), np.uint8)}, [annotation(1, 0, (1, 1, 4, 4))])
    with pytest.raises(ValueError, match="None of the images"), pytest.warns(UserWarning, match="not found"):
        coco.load_instances(ann_file, str(tmp_path / "elsewhere"))


# ---------------------------------------------------------------- geometry


def test_affine_matrix_maps_the_box_onto_the_crop():
    rng = np.random.default_rng(0)
    centers, scales, rotations = rng.uniform(0, 600, (5, 2)), rng.uniform(20, 400, (5, 2)), rng.uniform(-90, 90, 5)
    size = (256, 192)  # (height, width)
    batched = warp.affine_matrix(centers, scales, rotations, size, tf.float64).numpy()
    for center, scale, rotation, matrix in zip(centers, scales, rotations, batched):
        np.testing.assert_allclose(warp.affine_matrix(center, scale, rotation, size, tf.float64).numpy(), matrix)
        theta = np.deg2rad(rotation)
        edge = center + scale[0] / 2 * np.array([np.cos(theta), np.sin(theta)])  # the box's right edge, turned
        got = warp.transform_points(np.stack([center, edge]), tf.constant(matrix)).numpy()
        np.testing.assert_allclose(got, [[96, 128], [192, 128]], atol=1e-9)  # crop center, middle of right side
        np.testing.assert_allclose(warp.invert_affine(tf.constant(matrix)).numpy()[:, :2] @ matrix[:, :2], np.eye(2),
                                   atol=1e-12)
    points = rng.uniform(-50, 250, (5, 3, 2))
    crops = warp.transform_points(points, warp.affine_matrix(centers, scales, 0.0, size, tf.float64)).numpy()
    np.testing.assert_allclose(geometry.crop_to_image(crops, centers, scales, size), points, atol=1e-9)


def test_crop_rotated_90_degrees_moves_marked_pixel():
    image = marked_image(64, 64, [(37, 32)])  # 5 px right of the center (32, 32)
    matrix = warp.affine_matrix([32.0, 32.0], [32.0, 32.0], 90.0, (32, 32))
    crop = warp.crop_image(image, matrix, (32, 32)).numpy()[..., 0]
    np.testing.assert_allclose(bright_spot(crop), (16, 11), atol=1e-3)  # counter-clockwise: right -> above


# ---------------------------------------------------------------- pipeline


def make_pipeline(tmp_path, images, anns, input_size=(32, 32), heatmap_size=(8, 8), ext="png", **kwargs):
    ann_file, image_dir = write_coco(tmp_path, images, anns, ext)
    codec = MSRAHeatmap(input_size, heatmap_size, sigma=1.0)
    return topdown.TopDownPipeline(coco.load_instances(ann_file, image_dir), codec, **kwargs), codec


def test_unaugmented_keypoint_lands_where_geometry_says(tmp_path):
    keypoint, bbox = (30, 22), (14, 6, 40, 40)
    pipeline, codec = make_pipeline(tmp_path, {0: marked_image(64, 48, [keypoint])},
                                    [annotation(1, 0, bbox, {LEFT_WRIST: keypoint})], input_size=(48, 32),
                                    heatmap_size=(12, 8))  # (height, width)
    (images, heatmaps, weights), = batches(pipeline.train_dataset(1, epoch=0))
    assert images.shape[1:3] == (48, 32) and heatmaps.shape[1:3] == (12, 8)
    center, scale = geometry.bbox_to_center_scale(bbox, 32 / 48)
    np.testing.assert_allclose(scale[0] / scale[1], 32 / 48)
    expected = (np.array(keypoint) - center) * 32 / scale[0] + [16, 24]  # unrotated: scale, then shift to the crop center
    np.testing.assert_allclose(bright_spot(images[0]), expected, atol=0.3)
    assert heatmap_peak(heatmaps[0, ..., LEFT_WRIST]) == tuple(np.floor(expected / codec.stride + 0.5).astype(int))
    assert weights[0].tolist() == [float(k == LEFT_WRIST) for k in range(17)]
    np.testing.assert_allclose(images[0, 0, 0], -np.array(warp.MEAN) / warp.STD, rtol=1e-5)


def test_targets_decode_back_to_the_annotation_through_a_non_square_crop(tmp_path):
    """train targets -> codec.decode -> crop_to_image (the evaluation path) lands on the labeled keypoints."""
    points = {k: (20 + 3 * k, 12 + 5 * k) for k in range(17)}
    pipeline, codec = make_pipeline(tmp_path, {0: np.zeros((120, 90, 3), np.uint8)},
                                    [annotation(1, 0, (15, 8, 60, 90), points)], input_size=(64, 32),
                                    heatmap_size=(16, 8))  # (height, width)
    (_, heatmaps, _), = batches(pipeline.train_dataset(1, epoch=0))
    (_, meta), = batches(pipeline.eval_dataset(1))
    decoded, _ = codec.decode(heatmaps, method="argmax")
    back = geometry.crop_to_image(decoded, meta["center"], meta["scale"], codec.input_size)
    pixel = meta["scale"][0] / [32, 64]  # one crop pixel in image pixels along x and y
    assert np.all(np.abs(back[0] - np.array(list(points.values()))) <= 2.0 * pixel + 1e-6)


def test_flip_mirrors_crop_and_swaps_joints(tmp_path):
    # box -> center (20, 16), scale (32, 32) = input size: the crop is a pixel-exact copy of the image.
    images = {0: marked_image(64, 48, [(10, 20)])}
    anns = [annotation(1, 0, (7.2, 3.2, 25.6, 25.6), {LEFT_WRIST: (10, 20)})]
    plain, _ = make_pipeline(tmp_path, images, anns)
    flip_only = augment.Augmentation(flip_prob=1.0, half_body_prob=0.0, scale_factor=0.0, rotation_prob=0.0)
    flipped = topdown.TopDownPipeline(plain_instances(tmp_path), plain.codec, augment=flip_only)
    (image, _, weights), = batches(plain.train_dataset(1, 0))
    (image_f, heatmaps_f, weights_f), = batches(flipped.train_dataset(1, 0))
    np.testing.assert_allclose(bright_spot(image[0]), (6, 20), atol=1e-3)
    np.testing.assert_allclose(image_f, image[:, :, ::-1], atol=1e-4)
    assert weights[0, LEFT_WRIST] == 1 and weights_f[0].tolist() == [float(k == RIGHT_WRIST) for k in range(17)]
    # mirrored keypoint (63 - 10, 20) sits at crop x = 31 - 6 = 25 -> heatmap (round(25 / 4), 20 / 4)
    assert heatmap_peak(heatmaps_f[0, ..., RIGHT_WRIST]) == (6, 5)


def plain_instances(tmp_path):
    return coco.load_instances(str(tmp_path / "person_keypoints.json"), str(tmp_path / "images"))


def test_augmented_image_and_heatmaps_stay_aligned(tmp_path):
    points = {k: (12 + (k % 5) * 14, 10 + (k // 5) * 16) for k in range(17)}  # wrists at (68, 26), (12, 42)
    images = {0: marked_image(80, 80, [points[RIGHT_WRIST]])}
    aug = augment.Augmentation(half_body_prob=0.5, shift_factor=0.1)
    pipeline, codec = make_pipeline(tmp_path, images, [annotation(1, 0, (5, 5, 70, 70), points)],
                                    input_size=(64, 48), heatmap_size=(16, 12), augment=aug)
    checked = 0
    for epoch in range(8):
        (image, heatmaps, _), = batches(pipeline.train_dataset(1, epoch))
        # the marked right wrist is the left wrist after a flip
        visible = [k for k in (LEFT_WRIST, RIGHT_WRIST) if heatmaps[0, ..., k].max() > 0.99]
        if not visible:
            continue  # cropped away
        spot = bright_spot(image[0]) / codec.stride
        assert min(np.abs(spot - heatmap_peak(heatmaps[0, ..., k])).max() for k in visible) <= 1.0
        checked += 1
    assert checked >= 4


def test_same_seed_and_epoch_replay_and_epochs_reorder(tmp_path):
    images = {i: np.full((40, 40, 3), 20 * i, np.uint8) for i in range(6)}
    anns = [annotation(i, i, (10, 10, 20, 20)) for i in range(6)]
    plain, _ = make_pipeline(tmp_path, images, anns, seed=3)
    for epoch in (0, 1):
        got = [int(round((b[0][j, 16, 16, 0] * warp.STD[0] + warp.MEAN[0]) / 20))
               for b in batches(plain.train_dataset(3, epoch)) for j in range(3)]
        assert got == plain.epoch_order(epoch).tolist()
    assert plain.epoch_order(0).tolist() != plain.epoch_order(1).tolist()
    runs = [batches(topdown.TopDownPipeline(plain_instances(tmp_path), plain.codec, augment=augment.Augmentation(),
                                            seed=3).train_dataset(2, 5))
            for _ in range(2)]
    for first, second in zip(*runs):
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)


def test_corrupt_images_are_skipped_with_a_warning_naming_them(tmp_path):
    images = {i: np.full((40, 40, 3), 50, np.uint8) for i in range(5)}
    pipeline, _ = make_pipeline(tmp_path, images, [annotation(i, i, (10, 10, 20, 20)) for i in range(5)], ext="jpg")
    truncated = (tmp_path / "images" / "1.jpg").read_bytes()
    (tmp_path / "images" / "1.jpg").write_bytes(truncated[:len(truncated) * 2 // 3])
    (tmp_path / "images" / "3.jpg").write_bytes(b"not an image")
    with pytest.warns(UserWarning) as caught:
        train = batches(pipeline.train_dataset(3, epoch=0))
        evaluation = batches(pipeline.eval_dataset(2))
    messages = " ".join(str(w.message) for w in caught)
    assert "1.jpg" in messages and "3.jpg" in messages
    assert len(train) == 1 and train[0][0].shape == (3, 32, 32, 3)
    assert np.concatenate([meta["index"] for _, meta in evaluation]).tolist() == [0, 2, 4]
    assert evaluation[-1][0].shape[0] == 1  # partial last batch kept


def test_eval_meta(tmp_path):
    pipeline, _ = make_pipeline(tmp_path, {5: np.zeros((40, 60, 3), np.uint8)},
                                [annotation(9, 5, (10, 10, 20, 10))])
    (images, meta), = batches(pipeline.eval_dataset(4))
    center, scale = geometry.bbox_to_center_scale((10, 10, 20, 10), 1.0)
    np.testing.assert_allclose(meta["center"][0], center)
    np.testing.assert_allclose(meta["scale"][0], scale)
    assert meta["image_id"].tolist() == [5] and meta["area"].tolist() == [200] and meta["score"].tolist() == [1]


# ---------------------------------------------------------------- half body


def test_half_body_selection_and_box():
    aug = augment.Augmentation()
    upper_mask = tf.constant([k in coco_meta.UPPER_BODY for k in range(17)])
    keypoints = tf.constant([(10.0 * k, 5.0 * k) for k in range(17)])
    visible = tf.ones([17])

    def choose(vis, draw_apply, draw_upper):
        apply, upper = augment.choose_half_body(aug, tf.constant(vis, tf.float32), upper_mask, draw_apply, draw_upper)
        return bool(apply), bool(upper)

    assert choose(np.ones(17), 0.1, 0.5) == (True, True)     # upper preferred with p 0.7
    assert choose(np.ones(17), 0.1, 0.9) == (True, False)
    assert choose(np.ones(17), 0.5, 0.5)[0] is False         # p 0.3
    assert choose(np.r_[np.ones(8), np.zeros(9)], 0.1, 0.5)[0] is False  # 8 visible joints are too few
    lower_short = np.r_[np.ones(11), 1, 1, 0, 0, 0, 0]       # 2 lower joints < 3: upper even if lower drawn
    assert choose(lower_short, 0.1, 0.9) == (True, True)
    center, scale = augment.half_body_box(keypoints, visible, upper_mask, tf.constant(False), 1.5)
    np.testing.assert_allclose(center, [135.0, 67.5])        # mean of joints 11..16
    np.testing.assert_allclose(scale, [75.0, 37.5])          # extent (50, 25) * 1.5


def test_random_box_statistics():
    aug = augment.Augmentation()
    keypoints, visible = tf.random.stateless_uniform([17, 2], [0, 1], 0, 100), tf.ones([17])
    draws = [augment.random_box(aug, tf.constant([0, i]), tf.constant([50.0, 50.0]), tf.constant([60.0, 80.0]),
                                keypoints, visible, 100.0, coco_meta.flip_indices(), 0.75) for i in range(300)]
    rotation = np.array([float(d[2]) for d in draws])
    flips = np.array([bool(d[3]) for d in draws])
    assert 0.4 < flips.mean() < 0.6 and 0.5 < (rotation != 0).mean() < 0.7
    assert np.abs(rotation).max() <= 90 and np.abs(rotation).max() > 45
    whole = [d[1].numpy() for d in draws if np.allclose(d[0], [50, 50]) and not d[3]]  # no half body, no flip
    heights = np.array([s[1] for s in whole]) / 80.0
    assert heights.min() >= 0.65 - 1e-6 and heights.max() <= 1.35 + 1e-6 and heights.std() > 0.2
    np.testing.assert_allclose([s[0] / s[1] for s in whole], 0.75, rtol=1e-5)
