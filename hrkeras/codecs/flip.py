"""Horizontal flips: keypoints of a mirrored image (training and tests), and the flip test's heatmaps mapped
back to the original (numpy)."""
import numpy as np


def _check_indices(flip_indices, num_keypoints):
    flip_indices = np.asarray(flip_indices, np.int64)
    if sorted(flip_indices.tolist()) != list(range(num_keypoints)):
        raise ValueError(f"flip_indices must be a permutation of range({num_keypoints}) (one entry per "
                         f"keypoint), got {flip_indices.tolist()}; see coco_meta.flip_indices().")
    return flip_indices


def flip_heatmaps(heatmaps, flip_indices, shift=True):
    """heatmaps [N, h, w, K] of mirrored images -> [N, h, w, K] aligned with the originals.

    Mirrors the width axis, swaps left/right joints (out[..., k] = in[..., flip_indices[k]])
    and, with shift, moves the maps one pixel right (column 0 is kept) like mmpose's
    shift_heatmap. With x -> W - 1 - x image flips and index = coordinate / stride, the
    shifted maps sit one input pixel right of the unflipped prediction (exact alignment
    would need a shift of 1 - 1 / stride heatmap px).
    """
    heatmaps = np.asarray(heatmaps)
    flip_indices = _check_indices(flip_indices, heatmaps.shape[-1])
    flipped = heatmaps[:, :, ::-1, :][..., flip_indices]
    if shift:
        flipped = np.concatenate([flipped[:, :, :1], flipped[:, :, :-1]], axis=2)
    return flipped


def flip_test_average(heatmaps, flipped_heatmaps, flip_indices, shift=True):
    """Mean of heatmaps [N, h, w, K] and the mirrored images' heatmaps mapped back by `flip_heatmaps`."""
    return 0.5 * (np.asarray(heatmaps) + flip_heatmaps(flipped_heatmaps, flip_indices, shift))


def flip_keypoints(keypoints, image_width, flip_indices):
    """keypoints [..., K, D] (x, y, extra columns) -> keypoints of the mirrored image, a tf.Tensor.

    x -> image_width - 1 - x (pixel i lands on pixel width - 1 - i); joints swapped with
    flip_indices; other columns (y, visibility, score) follow their joint. TF ops, so the
    training pipeline (tf.data) and eager callers share it; np.asarray gives numpy.
    """
    import tensorflow as tf

    keypoints = tf.convert_to_tensor(keypoints)
    flipped = tf.gather(keypoints, _check_indices(flip_indices, keypoints.shape[-2]), axis=-2)
    mirrored_x = tf.cast(image_width, flipped.dtype) - 1 - flipped[..., :1]
    return tf.concat([mirrored_x, flipped[..., 1:]], axis=-1)
