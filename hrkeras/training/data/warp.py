"""TensorFlow side of the crop geometry: the affine matrix of `geometry.py` as TF ops,
the bilinear crop warp, and mmpose's RGB normalization. Usable in tf.data and eagerly.
"""
import math

import tensorflow as tf

MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def affine_matrix(center, scale, rotation, output_size):
    """center [2], scale [2] (crop w, h in image px), rotation degrees [] -> [2, 3] image->crop.

    Same convention as `geometry.affine_matrix`; output_size is (W, H).
    """
    center = tf.cast(center, tf.float32)
    s = output_size[0] / tf.cast(scale, tf.float32)[0]
    theta = tf.cast(rotation, tf.float32) * (math.pi / 180.0)
    cos, sin = tf.cos(theta) * s, tf.sin(theta) * s
    linear = tf.stack([tf.stack([cos, sin]), tf.stack([-sin, cos])])
    offset = tf.constant([output_size[0] * 0.5, output_size[1] * 0.5]) - tf.linalg.matvec(linear, center)
    return tf.concat([linear, offset[:, None]], axis=1)


def invert_affine(matrix):
    """[2, 3] affine -> its inverse [2, 3]."""
    linear_inv = tf.linalg.inv(matrix[:, :2])
    return tf.concat([linear_inv, -tf.linalg.matvec(linear_inv, matrix[:, 2])[:, None]], axis=1)


def compose_affine(outer, inner):
    """[2, 3] matrices -> outer after inner, [2, 3]."""
    bottom = tf.constant([[0.0, 0.0, 1.0]])
    return tf.matmul(outer, tf.concat([inner, bottom], axis=0))


def transform_points(points, matrix):
    """points [..., 2], matrix [2, 3] -> matrix @ [x, y, 1], [..., 2]."""
    return tf.linalg.matvec(matrix[:, :2], points) + matrix[:, 2]


def crop_image(image, matrix, output_size):
    """image [H, W, C] (uint8 or float), matrix [2, 3] image->crop -> float32 [outH, outW, C].

    Bilinear, zeros outside the image; pixel centers at integer coordinates (as cv2.warpAffine).
    """
    inverse = tf.reshape(invert_affine(tf.cast(matrix, tf.float32)), [6])
    transform = tf.concat([inverse, tf.zeros([2])], axis=0)[None]
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(image, tf.float32)[None], transforms=transform,
        output_shape=tf.constant([output_size[1], output_size[0]], tf.int32), fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")
    return out[0]


def normalize(images, mean=MEAN, std=STD):
    """images [..., 3] RGB 0..255 -> float32 (images - mean) / std."""
    return (tf.cast(images, tf.float32) - tf.constant(mean, tf.float32)) / tf.constant(std, tf.float32)
