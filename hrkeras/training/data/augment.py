"""Top-down box augmentation (HRNet / mmpose 1.x recipe) as stateless TF ops.

Order as mmpose 1.x: flip -> half-body -> shift / scale / rotation -> aspect-ratio fix.
Scale and rotation follow HRNet: s * clip(1 + 0.35 N, 0.65, 1.35) and, with probability
0.6, clip(45 N, -90, 90) degrees. A flip mirrors keypoints to W - 1 - x and the box center
to W - x (mmpose's RandomFlip). Every draw comes from one per-sample seed [2].
"""
import dataclasses

import tensorflow as tf

from hrkeras.codecs import flip_keypoints
from hrkeras.training.data import coco_meta


@dataclasses.dataclass(frozen=True)
class Augmentation:
    """Probabilities and ranges; set a probability or factor to 0 to switch a step off."""

    flip_prob: float = 0.5
    half_body_prob: float = 0.3
    half_body_min_keypoints: int = 9
    half_body_min_upper: int = 2
    half_body_min_lower: int = 3
    half_body_upper_prob: float = 0.7
    half_body_padding: float = 1.5
    upper_body: tuple = coco_meta.UPPER_BODY
    scale_factor: float = 0.35
    rotation_factor: float = 45.0
    rotation_prob: float = 0.6
    shift_factor: float = 0.0
    shift_prob: float = 0.3


def fix_aspect_ratio(scale, aspect_ratio):
    """scale [2] (w, h) -> grown in w or h so that w / h == aspect_ratio."""
    w, h = scale[0], scale[1]
    wider = w > h * aspect_ratio
    return tf.stack([tf.where(wider, w, h * aspect_ratio), tf.where(wider, w / aspect_ratio, h)])


def half_body_box(keypoints, visible, upper_mask, use_upper, padding):
    """Box around the visible upper (or lower) joints: center = their mean [2], scale [2] = extent * padding."""
    selected = (visible > 0) & tf.where(use_upper, upper_mask, ~upper_mask)
    points = tf.boolean_mask(keypoints, selected)
    center = tf.reduce_mean(points, axis=0)
    scale = (tf.reduce_max(points, axis=0) - tf.reduce_min(points, axis=0)) * padding
    return center, scale


def choose_half_body(aug, visible, upper_mask, draw_apply, draw_upper):
    """-> (apply [] bool, use_upper [] bool) following mmpose's RandomHalfBody rules."""
    labeled = visible > 0
    num_upper = tf.reduce_sum(tf.cast(labeled & upper_mask, tf.int32))
    num_lower = tf.reduce_sum(tf.cast(labeled & ~upper_mask, tf.int32))
    upper_ok, lower_ok = num_upper >= aug.half_body_min_upper, num_lower >= aug.half_body_min_lower
    use_upper = ~lower_ok | (upper_ok & (draw_upper < aug.half_body_upper_prob))
    apply = ((num_upper + num_lower >= aug.half_body_min_keypoints) & (draw_apply < aug.half_body_prob)
             & (upper_ok | lower_ok))
    return apply, use_upper


def random_box(aug, seed, center, scale, keypoints, visible, image_width, flip_indices, aspect_ratio):
    """Draw one sample's augmentation.

    seed [2] int; center, scale [2] float32; keypoints [K, 2], visible [K] float32; image_width [].
    Returns center [2], scale [2] (w / h == aspect_ratio), rotation [] degrees, flip [] bool,
    keypoints [K, 2] and visible [K] (mirrored and swapped when flipped).
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    uniform = tf.random.stateless_uniform([5], seeds[0])
    normal = tf.random.stateless_normal([4], seeds[1])

    flip = uniform[0] < aug.flip_prob
    flipped = flip_keypoints(tf.concat([keypoints, visible[:, None]], axis=1), image_width, flip_indices)
    keypoints = tf.where(flip, flipped[:, :2], keypoints)
    visible = tf.where(flip, flipped[:, 2], visible)
    center = tf.where(flip, tf.stack([image_width - center[0], center[1]]), center)

    upper_mask = tf.reduce_any(tf.range(tf.shape(visible)[0])[:, None] == tf.constant(aug.upper_body)[None], 1)
    apply, use_upper = choose_half_body(aug, visible, upper_mask, uniform[1], uniform[2])
    half_center, half_scale = half_body_box(keypoints, visible, upper_mask, use_upper, aug.half_body_padding)
    apply &= tf.reduce_max(half_scale) > 0.0
    center = tf.where(apply, half_center, center)
    scale = tf.where(apply, half_scale, scale)

    shift = tf.clip_by_value(normal[2:], -1.0, 1.0) * aug.shift_factor * scale
    center += tf.where(uniform[3] < aug.shift_prob, shift, tf.zeros_like(shift))
    scale *= tf.clip_by_value(1.0 + normal[0] * aug.scale_factor, 1.0 - aug.scale_factor, 1.0 + aug.scale_factor)
    rotation = tf.clip_by_value(normal[1] * aug.rotation_factor, -2.0 * aug.rotation_factor,
                                2.0 * aug.rotation_factor)
    rotation = tf.where(uniform[4] < aug.rotation_prob, rotation, 0.0)
    return center, fix_aspect_ratio(scale, aspect_ratio), rotation, flip, keypoints, visible
