"""Top-down crop geometry (mmpose 1.x conventions).

A person box becomes a (center, scale) pair: `scale` is the crop's [w, h] in image
pixels, padded by 1.25 and widened or heightened to the model's aspect ratio. The
crop is a similarity transform: rotate by `rotation` degrees about the center and
scale so that `scale` maps onto the model input; its matrix is `warp.affine_matrix`,
the one implementation that the tf.data pipelines and inference share.
"""
import numpy as np


def bbox_to_center_scale(bbox_xywh, aspect_ratio, padding=1.25):
    """[x, y, w, h] box -> center [2], scale [2] (w / h == aspect_ratio = input width / input height)."""
    x, y, w, h = np.asarray(bbox_xywh, dtype=np.float64)
    center = np.array([x + w * 0.5, y + h * 0.5])
    w, h = w * padding, h * padding
    if w > h * aspect_ratio:
        h = w / aspect_ratio
    else:
        w = h * aspect_ratio
    return center, np.array([w, h])


def crop_to_image(points, center, scale, input_size):
    """Points in crop (input) pixels -> image pixels, for unrotated crops (the inverse of `warp.affine_matrix`).

    points [..., K, 2] (x, y); center, scale [..., 2] (or [..., 1, 2]) of each crop; input_size (height, width).
    Returns float64 numpy [..., K, 2].
    """
    import tensorflow as tf

    from hrkeras.training.data import warp

    boxes = np.shape(points)[:-2] + (2,)
    center, scale = np.reshape(center, boxes), np.reshape(scale, boxes)
    to_image = warp.invert_affine(warp.affine_matrix(center, scale, 0.0, input_size, tf.float64))
    return warp.transform_points(points, to_image).numpy()
