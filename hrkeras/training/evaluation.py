"""Keypoint metrics: COCO OKS AP/AR (pycocotools), mmpose's top-down rescoring + OKS-NMS, and PCK."""
import contextlib
import copy
import io
import json

import numpy as np

from hrkeras.training.data.coco_meta import OKS_SIGMAS

STAT_NAMES = ("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl")


def _load_ground_truth(ground_truth):
    from pycocotools.coco import COCO

    if isinstance(ground_truth, dict):
        dataset = copy.deepcopy(ground_truth)
    else:
        with open(ground_truth, encoding="utf-8") as f:
            dataset = json.load(f)
    missing = {"images", "annotations", "categories"} - set(dataset)
    if missing:
        source = "dict" if isinstance(ground_truth, dict) else str(ground_truth)
        raise ValueError(f"COCO ground truth ({source}) lacks {sorted(missing)}; "
                         "pass a COCO keypoints annotation file or its dict.")
    coco = COCO()
    coco.dataset = dataset
    coco.createIndex()
    return coco


def coco_keypoint_ap(results, ground_truth, sigmas=None, return_summary=False):
    """COCO keypoint AP/AR of `results` against `ground_truth` (annotation file path or COCO dict).

    results: [{"image_id", "category_id", "keypoints": [x, y, v] * K, "score"}].
    sigmas [K]: OKS constants (COCO's by default). Returns {name: value} for STAT_NAMES, or
    (stats, pycocotools' summary text) with return_summary. Empty results score 0.
    """
    from pycocotools.cocoeval import COCOeval

    if not results:
        stats = dict.fromkeys(STAT_NAMES, 0.0)
        return (stats, "No results to evaluate: every AP and AR is 0.") if return_summary else stats
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        coco = _load_ground_truth(ground_truth)
        unknown = sorted({r["image_id"] for r in results} - set(coco.getImgIds()))
        if unknown:
            raise ValueError(f"Results name image ids {unknown[:10]} that are not in the ground truth; "
                             "evaluate against the annotation file the predictions were made for.")
        keys = ("image_id", "category_id", "keypoints", "score")
        detections = coco.loadRes([{key: r[key] for key in keys} for r in results])
        evaluator = COCOeval(coco, detections, iouType="keypoints")
        evaluator.params.kpt_oks_sigmas = np.asarray(OKS_SIGMAS if sigmas is None else sigmas, np.float64)
        evaluator.evaluate()
        evaluator.accumulate()
        summary = io.StringIO()
        with contextlib.redirect_stdout(summary):
            evaluator.summarize()
    stats = {name: float(value) for name, value in zip(STAT_NAMES, evaluator.stats)}
    return (stats, summary.getvalue()) if return_summary else stats


def rescore(keypoint_scores, box_scores, threshold=0.2):
    """mmpose 'bbox_keypoint' score: box score x mean of the keypoint scores above threshold (0 if none).

    keypoint_scores [N, K], box_scores [N] -> [N].
    """
    keypoint_scores = np.asarray(keypoint_scores, np.float64)
    confident = keypoint_scores > threshold
    total = np.where(confident, keypoint_scores, 0.0).sum(axis=-1)
    count = confident.sum(axis=-1)
    return np.asarray(box_scores, np.float64) * np.where(count > 0, total / np.maximum(count, 1), 0.0)


def pairwise_oks(keypoints, areas, sigmas=None):
    """OKS between all pairs of instances, as mmpose's OKS-NMS computes it (all joints count).

    keypoints [M, K, 2], areas [M] -> [M, M]; the scale of a pair is the mean of its two areas.
    """
    sigmas = np.asarray(OKS_SIGMAS if sigmas is None else sigmas, np.float64)
    keypoints, areas = np.asarray(keypoints, np.float64), np.asarray(areas, np.float64)
    squared = ((keypoints[:, None] - keypoints[None]) ** 2).sum(axis=-1)
    scale = (areas[:, None] + areas[None]) / 2 + np.spacing(1)
    return np.exp(-squared / (2 * scale[..., None] * (2 * sigmas) ** 2)).mean(axis=-1)


def oks_nms(keypoints, scores, areas, threshold=0.9, sigmas=None):
    """Greedy OKS non-maximum suppression: keypoints [M, K, 2], scores [M], areas [M] -> kept indices.

    Highest score first; drops the others whose OKS with a kept instance exceeds threshold.
    """
    oks = pairwise_oks(keypoints, areas, sigmas)
    order = list(np.argsort(-np.asarray(scores), kind="stable"))
    keep = []
    while order:
        best, order = order[0], order[1:]
        keep.append(int(best))
        order = [i for i in order if oks[best, i] <= threshold]
    return keep


def topdown_results(image_ids, keypoints, keypoint_scores, box_scores, areas=None,
                    keypoint_score_threshold=0.2, nms_threshold=0.9, sigmas=None, category_id=1):
    """Top-down predictions -> COCO results list, rescored and OKS-NMSed per image like mmpose.

    image_ids [N], keypoints [N, K, 2] image px, keypoint_scores [N, K], box_scores [N],
    areas [N] (default: area of each prediction's keypoint extent, mmpose's default).
    nms_threshold None skips NMS. Keypoint scores become the results' third column.
    """
    image_ids = np.asarray(image_ids)
    keypoints = np.asarray(keypoints, np.float64)
    keypoint_scores = np.asarray(keypoint_scores, np.float64)
    if keypoints.ndim != 3 or keypoints.shape[-1] != 2 or keypoint_scores.shape != keypoints.shape[:2]:
        raise ValueError(f"keypoints must be [N, K, 2] with keypoint_scores [N, K], got {keypoints.shape} "
                         f"and {keypoint_scores.shape}.")
    if areas is None:
        extent = keypoints.max(axis=1) - keypoints.min(axis=1)
        areas = extent[:, 0] * extent[:, 1]
    areas = np.asarray(areas, np.float64)
    scores = rescore(keypoint_scores, box_scores, keypoint_score_threshold)
    results = []
    for image_id in np.unique(image_ids):
        members = np.flatnonzero(image_ids == image_id)
        if nms_threshold is not None:
            members = members[oks_nms(keypoints[members], scores[members], areas[members], nms_threshold, sigmas)]
        for i in members:
            triplets = np.concatenate([keypoints[i], keypoint_scores[i][:, None]], axis=-1)
            results.append({"image_id": int(image_id), "category_id": category_id,
                            "keypoints": triplets.reshape(-1).tolist(), "score": float(scores[i])})
    return results


def pck(pred, gt, visible, normalize, threshold=0.05):
    """Percentage of correct keypoints, averaged over joints as mmpose's keypoint_pck_accuracy does.

    pred, gt [N, K, 2]; visible [N, K]; normalize [N] or [N, 2] (per-axis). A joint is correct
    when ||(pred - gt) / normalize|| < threshold. Each joint's accuracy is taken over the
    instances where it is visible (and normalize > 0); joints never visible are skipped.
    Returns a float in [0, 1] (0 when nothing is visible).
    """
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    normalize = np.asarray(normalize, np.float64)
    if normalize.ndim == 1:
        normalize = np.stack([normalize, normalize], axis=-1)
    if pred.shape != gt.shape or normalize.shape != (pred.shape[0], 2):
        raise ValueError(f"pck needs pred and gt [N, K, 2] and normalize [N] or [N, 2], got {pred.shape}, "
                         f"{gt.shape} and {np.shape(normalize)}.")
    valid = (np.asarray(visible) > 0) & np.all(normalize > 0, axis=-1)[:, None]
    safe = np.where(normalize > 0, normalize, 1.0)[:, None, :]
    correct = (np.linalg.norm((pred - gt) / safe, axis=-1) < threshold) & valid
    counts = valid.sum(axis=0)
    seen = counts > 0
    return float((correct.sum(axis=0)[seen] / counts[seen]).mean()) if seen.any() else 0.0
