"""The COCO person keypoint layout: names, left/right pairs, skeleton, OKS sigmas."""
import numpy as np

KEYPOINT_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)

# 0-based joint index pairs (the COCO JSON `skeleton` field is 1-based).
SKELETON = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)

# Per-keypoint OKS falloff constants of pycocotools' COCOeval.
OKS_SIGMAS = np.array(
    [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]
) / 10.0

UPPER_BODY = tuple(range(11))
LOWER_BODY = tuple(range(11, 17))


def flip_indices(names=KEYPOINT_NAMES):
    """Index of each joint's mirror image ("left_x" <-> "right_x"; unpaired joints map to themselves)."""
    swap = {"left": "right", "right": "left"}
    index = {name: i for i, name in enumerate(names)}
    result = []
    for name in names:
        side, _, rest = name.partition("_")
        result.append(index[f"{swap[side]}_{rest}"] if side in swap else index[name])
    return np.array(result, dtype=np.int32)


def coco_category(names=KEYPOINT_NAMES, skeleton=SKELETON):
    """The `categories` entry of a COCO keypoints JSON (skeleton 1-based)."""
    return {
        "id": 1, "name": "person", "supercategory": "person",
        "keypoints": list(names), "skeleton": [[a + 1, b + 1] for a, b in skeleton],
    }
