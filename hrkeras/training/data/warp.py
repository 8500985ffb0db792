"""The crop geometry's affine matrix (the only one: tf.data and inference both use it), the bilinear
crop warp, and mmpose's RGB normalization, as TF ops usable in tf.data and eagerly. Sizes are (height, width).
"""
import math

import tensorflow as tf

MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def affine_matrix(center, scale, rotation, output_size, dtype=tf.float32):
    """center [..., 2], scale [..., 2] (crop w, h in image px), rotation [...] degrees -> [..., 2, 3] image->crop.

    The one implementation of the crop geometry (see `geometry.py`); output_size is (height, width). The crop
    center is `center`; `scale[0]` image pixels span the output width; image content is turned by `rotation`
    degrees (counter-clockwise on screen).
    """
    height, width = output_size
    center, scale = tf.cast(center, dtype), tf.cast(scale, dtype)
    s = width / scale[..., 0]
    theta = tf.cast(rotation, dtype) * (math.pi / 180.0)
    cos, sin = tf.cos(theta) * s, tf.sin(theta) * s
    linear = tf.stack([tf.stack([cos, sin], -1), tf.stack([-sin, cos], -1)], -2)
    offset = tf.constant([width * 0.5, height * 0.5], dtype) - tf.linalg.matvec(linear, center)
    return tf.concat([linear, offset[..., None]], axis=-1)


def invert_affine(matrix):
    """[..., 2, 3] affine -> its inverse [..., 2, 3]."""
    linear_inv = tf.linalg.inv(matrix[..., :2])
    return tf.concat([linear_inv, -tf.linalg.matvec(linear_inv, matrix[..., 2])[..., None]], axis=-1)


def compose_affine(outer, inner):
    """[2, 3] matrices -> outer after inner, [2, 3]."""
    bottom = tf.constant([[0.0, 0.0, 1.0]])
    return tf.matmul(outer, tf.concat([inner, bottom], axis=0))


def transform_points(points, matrix):
    """points [..., K, 2], matrix [..., 2, 3] -> matrix @ [x, y, 1], [..., K, 2]."""
    points = tf.cast(points, matrix.dtype)
    return tf.linalg.matvec(matrix[..., None, :, :2], points) + matrix[..., None, :, 2]


def crop_image(image, matrix, output_size):
    """image [H, W, C] (uint8 or float), matrix [2, 3] image->crop -> float32 [height, width, C] of
    output_size (height, width).

    Bilinear, zeros outside the image; pixel centers at integer coordinates (as cv2.warpAffine).
    """
    inverse = tf.reshape(invert_affine(tf.cast(matrix, tf.float32)), [6])
    transform = tf.concat([inverse, tf.zeros([2])], axis=0)[None]
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(image, tf.float32)[None], transforms=transform,
        output_shape=tf.constant(output_size, tf.int32), fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")
    return out[0]


def normalize(images, mean=MEAN, std=STD):
    """images [..., 3] RGB 0..255 -> float32 (images - mean) / std."""
    return (tf.cast(images, tf.float32) - tf.constant(mean, tf.float32)) / tf.constant(std, tf.float32)
