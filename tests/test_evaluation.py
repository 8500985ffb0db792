"""COCO keypoint AP via pycocotools, mmpose-style rescoring + OKS-NMS, and PCK."""
import json

import numpy as np
import pytest

from hrkeras.training.data.coco_meta import OKS_SIGMAS, coco_category
from hrkeras.training.evaluation import (
    STAT_NAMES, coco_keypoint_ap, oks_nms, pairwise_oks, pck, rescore, topdown_results,
)

THRESHOLDS = np.linspace(0.5, 0.95, 10)


def person(rng, x0, y0, area, invisible=()):
    """A COCO person annotation with random joints in a box at (x0, y0); listed joints get v=0."""
    side = np.sqrt(area)
    xy = rng.uniform([x0, y0], [x0 + side, y0 + side], size=(17, 2)).round(1)
    v = np.where(np.isin(np.arange(17), invisible), 0, rng.integers(1, 3, size=17))
    xy[v == 0] = 0
    return {"keypoints": np.concatenate([xy, v[:, None]], axis=1).reshape(-1).tolist(),
            "num_keypoints": int((v > 0).sum()), "area": float(area), "bbox": [x0, y0, side, side],
            "iscrowd": 0, "category_id": 1}


def ground_truth(people):
    """people: {image_id: [annotation, ...]} -> COCO dict."""
    annotations = [dict(a, id=i + 1, image_id=image) for i, (image, a) in
                   enumerate((image, a) for image, anns in people.items() for a in anns)]
    images = [{"id": image, "file_name": f"{image}.jpg", "width": 640, "height": 480} for image in people]
    return {"images": images, "annotations": annotations, "categories": [coco_category()]}


def perfect_results(gt, score=1.0):
    return [{"image_id": a["image_id"], "category_id": 1, "score": score,
             "keypoints": [c if i % 3 != 2 else 1.0 for i, c in enumerate(a["keypoints"])]}
            for a in gt["annotations"] if a["num_keypoints"] > 0]


@pytest.fixture(scope="module")
def gt():
    rng = np.random.default_rng(0)
    return ground_truth({
        1: [person(rng, 10, 10, 20000), person(rng, 300, 50, 5000, invisible=range(5))],
        2: [person(rng, 100, 100, 8000, invisible=(9, 10, 15, 16)), person(rng, 400, 300, 3000, range(17))],
        7: [person(rng, 200, 150, 30000, invisible=(3,))],
    })


def test_perfect_predictions_score_one(gt, tmp_path):
    stats, summary = coco_keypoint_ap(perfect_results(gt), gt, return_summary=True)
    assert set(stats) == set(STAT_NAMES)
    assert all(value == pytest.approx(1.0) for value in stats.values()), stats
    assert "Average Precision" in summary
    path = tmp_path / "person_keypoints_val.json"
    path.write_text(json.dumps(gt))
    assert coco_keypoint_ap(perfect_results(gt), str(path)) == stats


def test_missed_person_lowers_recall(gt):
    results = [r for r in perfect_results(gt) if r["image_id"] != 7]
    stats = coco_keypoint_ap(results, gt)
    assert stats["AR"] == pytest.approx(3 / 4) and stats["APl"] < 1.0 and stats["APm"] == pytest.approx(1.0)


@pytest.mark.parametrize("shift", [4.0, 9.0, 15.0])
def test_shifted_prediction_matches_hand_oks(shift):
    gt = ground_truth({3: [person(np.random.default_rng(1), 50, 50, 10000)]})
    gt["annotations"][0]["keypoints"][2::3] = [2] * 17
    gt["annotations"][0]["num_keypoints"] = 17
    result = perfect_results(gt)
    result[0]["keypoints"][0::3] = [x + shift for x in result[0]["keypoints"][0::3]]
    oks = np.mean(np.exp(-shift**2 / (2 * 10000 * (2 * OKS_SIGMAS) ** 2)))
    assert np.abs(oks - THRESHOLDS).min() > 0.005  # away from a threshold, so AP is unambiguous
    stats = coco_keypoint_ap(result, gt)
    assert stats["AP"] == pytest.approx(np.mean(oks >= THRESHOLDS))
    assert stats["AR"] == pytest.approx(np.mean(oks >= THRESHOLDS))
    assert stats["AP50"] == pytest.approx(float(oks >= 0.5))
    assert stats["AP75"] == pytest.approx(float(oks >= 0.75))


def test_empty_results_and_unknown_images(gt):
    assert coco_keypoint_ap([], gt) == dict.fromkeys(STAT_NAMES, 0.0)
    stats, summary = coco_keypoint_ap([], gt, return_summary=True)
    assert stats["AP"] == 0.0 and "No results" in summary
    bad = perfect_results(gt)[:1]
    bad[0]["image_id"] = 99
    with pytest.raises(ValueError, match=r"\[99\]"):
        coco_keypoint_ap(bad, gt)
    with pytest.raises(ValueError, match="annotations"):
        coco_keypoint_ap(perfect_results(gt), {"images": []})


def test_rescore_by_confident_keypoints():
    scores = np.zeros((2, 17))
    scores[0, :4] = [0.9, 0.1, 0.5, 0.2]
    np.testing.assert_allclose(rescore(scores, [0.8, 0.9]), [0.8 * 0.7, 0.0])


def test_pairwise_oks_hand_formula():
    a = np.random.default_rng(2).uniform(0, 100, size=(17, 2))
    b = a + [3.0, 4.0]
    oks = pairwise_oks(np.stack([a, b]), [2000.0, 4000.0])
    expected = np.mean(np.exp(-25 / (2 * 3000 * (2 * OKS_SIGMAS) ** 2)))
    np.testing.assert_allclose(oks, [[1, expected], [expected, 1]])


def test_topdown_results_nms_per_image():
    rng = np.random.default_rng(3)
    base = rng.uniform(100, 200, size=(17, 2))
    keypoints = np.stack([base, base + 1.0, base + 300.0, base])
    keypoint_scores = np.full((4, 17), 0.5)
    keypoint_scores[1] = 0.4
    results = topdown_results([1, 1, 1, 2], keypoints, keypoint_scores, box_scores=[1.0, 1.0, 0.9, 0.6])
    assert [(r["image_id"], r["score"]) for r in results] == [(1, 0.5), (1, 0.45), (2, 0.3)]
    kept = np.array(results[1]["keypoints"]).reshape(17, 3)
    np.testing.assert_allclose(kept, np.concatenate([base + 300.0, np.full((17, 1), 0.5)], axis=1))
    assert len(topdown_results([1, 1, 1, 2], keypoints, keypoint_scores, [1, 1, 0.9, 0.6], nms_threshold=None)) == 4
    assert oks_nms(keypoints[:3], [0.1, 0.9, 0.5], [1e4] * 3) == [1, 2]


def test_topdown_results_perfect_round_trip(gt):
    people = [a for a in gt["annotations"] if a["num_keypoints"] > 0]
    keypoints = np.array([np.reshape(a["keypoints"], (17, 3))[:, :2] for a in people])
    results = topdown_results([a["image_id"] for a in people], keypoints, np.ones((len(people), 17)),
                              np.ones(len(people)), areas=[a["area"] for a in people])
    assert len(results) == len(people)
    assert coco_keypoint_ap(results, gt)["AP"] == pytest.approx(1.0)


def test_pck_hand_computed():
    gt = np.zeros((2, 3, 2))
    pred = gt + np.array([[[3, 0], [6, 0], [1, 0]], [[0, 3], [0, 3], [50, 0]]])
    visible = [[2, 2, 1], [2, 1, 0]]
    # instance 0 (norm 100): 0.03 hit, 0.06 miss, 0.01 hit; instance 1 (norm 50): 0.06 miss, 0.06 miss
    assert pck(pred, gt, visible, [100.0, 50.0], 0.05) == pytest.approx((1 / 2 + 0 / 2 + 1 / 1) / 3)
    assert pck(pred, gt, visible, [100.0, 50.0], 0.07) == pytest.approx(1.0)
    assert pck(pred, gt, visible, [100.0, 0.0], 0.05) == pytest.approx((1 + 0 + 1) / 3)  # norm 0: skipped
    per_axis = [[[3, 0.3]], [[3, 0.45]]]
    assert pck(per_axis, np.zeros((2, 1, 2)), [[1], [1]], [[100, 10], [100, 10]], 0.05) == pytest.approx(0.5)
    assert pck(pred, gt, np.zeros((2, 3)), [1.0, 1.0]) == 0.0
