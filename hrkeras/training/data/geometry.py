"""Top-down crop geometry (mmpose 1.x conventions).

A person box becomes a (center, scale) pair: `scale` is the crop's [w, h] in image
pixels, padded by 1.25 and widened or heightened to the model's aspect ratio. The
crop is a similarity transform: rotate by `rotation` degrees about the center and
scale so that `scale` maps onto the model input.
"""
import numpy as np


def bbox_to_center_scale(bbox_xywh, aspect_ratio, padding=1.25):
    """[x, y, w, h] box -> center [2], scale [2] (w / h == aspect_ratio = input W / input H)."""
    x, y, w, h = np.asarray(bbox_xywh, dtype=np.float64)
    center = np.array([x + w * 0.5, y + h * 0.5])
    w, h = w * padding, h * padding
    if w > h * aspect_ratio:
        h = w / aspect_ratio
    else:
        w = h * aspect_ratio
    return center, np.array([w, h])


def affine_matrix(center, scale, rotation, output_size):
    """2x3 matrix mapping image points to the crop of `output_size` = (W, H).

    The crop center is `center`; `scale[0]` image pixels span the output width;
    image content is turned by `rotation` degrees (counter-clockwise on screen).
    """
    s = output_size[0] / scale[0]
    theta = np.deg2rad(rotation)
    cos, sin = np.cos(theta), np.sin(theta)
    linear = s * np.array([[cos, sin], [-sin, cos]])
    offset = np.array([output_size[0] * 0.5, output_size[1] * 0.5]) - linear @ np.asarray(center, np.float64)
    return np.concatenate([linear, offset[:, None]], axis=1)


def invert_affine(matrix):
    """Inverse of a 2x3 affine matrix."""
    linear_inv = np.linalg.inv(matrix[:, :2])
    return np.concatenate([linear_inv, -(linear_inv @ matrix[:, 2])[:, None]], axis=1)


def transform_points(points, matrix):
    """points [..., 2] -> matrix @ [x, y, 1]."""
    points = np.asarray(points, dtype=np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def crop_to_image(points, center, scale, input_size):
    """Points in crop (input) pixels -> image pixels, for unrotated crops.

    points [..., 2]; input_size (W, H).
    """
    return np.asarray(points) / np.asarray(input_size, np.float64) * scale + center - scale * 0.5
