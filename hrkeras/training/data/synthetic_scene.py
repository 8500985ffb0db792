"""One synthetic image: background, 1-4 people and occluders, their COCO labels and person-parts map.

Layers are painted in order; a joint inside the image that a later layer covers is
labeled occluded (v=1), an uncovered one visible (v=2), one outside the image v=0 at (0, 0).
The parts map shows what is seen at each pixel: the part of the topmost figure, background under
occluders.
"""
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from hrkeras.training.data.person_parts import BACKGROUND
from hrkeras.training.data.synthetic_figure import paint_figure, sample_appearance
from hrkeras.training.data.synthetic_pose import keypoints, labeled, sample_pose
from hrkeras.training.data.synthetic_background import random_background
from hrkeras.training.data.synthetic_shapes import ellipse, paint, rotation
from hrkeras.training.data.synthetic_texture import fill_source, random_color, sample_fill


@dataclass(frozen=True)
class SceneConfig:
    """Image and person size ranges (px), people per image, occluder and back-view rates,
    and the smallest annotated person: visible px, visible fraction of its silhouette,
    labeled (v>0) and visible (v=2) joints."""

    width: tuple = (320, 480)
    height: tuple = (256, 360)
    person_height: tuple = (60, 250)
    max_people: int = 4
    occluder_prob: float = 0.4
    back_prob: float = 0.3
    min_area: int = 400
    min_visible_fraction: float = 0.35
    min_labeled: int = 3
    min_visible: int = 4


def _place(rng, size, heights):
    """Pelvis centers (x, y) for figures of `heights` px; some stand next to an earlier one."""
    w, h = size
    centers = []
    for height in heights:
        if centers and rng.random() < 0.4:
            x = centers[rng.integers(len(centers))][0] + rng.choice([-1, 1]) * rng.uniform(0.15, 0.5) * height
        else:
            x = rng.uniform(0.05, 0.95) * w
        margin = 0.5 * height * (0.6 if rng.random() < 0.2 else 1.0)
        y = rng.uniform(min(margin, h / 2), max(h - margin, h / 2))
        centers.append((x, y))
    return centers


def _occluder(rng, image, size, person_height):
    """Paint a random box / ellipse / bar; returns its mask bool [H, W]."""
    layer = Image.new("L", size, 0)
    center = rng.uniform(0, 1, 2) * size
    rx, ry = rng.uniform(0.05, 0.3, 2) * person_height
    angle = rng.uniform(-30, 30)
    if rng.random() < 0.5:
        shape = [ellipse(center, (rx, ry), angle)]
    else:
        shape = [np.array([(-rx, -ry), (rx, -ry), (rx, ry), (-rx, ry)]) @ rotation(angle).T + center]
    paint(image, layer, shape, fill_source(sample_fill(rng, random_color(rng), person_height), size))
    return np.asarray(layer) > 0


def _label(points, can_label, cover, size):
    """[17, 3] COCO keypoints from joints [17, 2], the labelable flags and the later-layer cover."""
    w, h = size
    inside = (points[:, 0] >= 0) & (points[:, 0] <= w - 1) & (points[:, 1] >= 0) & (points[:, 1] <= h - 1)
    v = np.where(inside & can_label, 2, 0)
    cols, rows = np.round(points).astype(int).clip(0, (w - 1, h - 1)).T
    v[(v == 2) & cover[rows, cols]] = 1
    xy = np.where(v[:, None] > 0, points, 0.0)
    return np.concatenate([xy, v[:, None]], axis=1)


def _box(mask, kps):
    """Tight [x, y, w, h] of the visible mask and the visible (v=2) joints."""
    ys, xs = np.nonzero(mask)
    vis = kps[kps[:, 2] == 2, :2]
    lo = np.vstack([[xs.min(), ys.min()], vis]).min(axis=0)
    hi = np.vstack([[xs.max() + 1, ys.max() + 1], vis]).max(axis=0)
    return [float(v) for v in (*lo, *(hi - lo))]


def annotate(layers, size, config=SceneConfig()):
    """COCO labels of the figures among `layers`: (mask bool [H, W], Pose or None for an
    occluder) in drawing order, on an image of `size` (W, H).

    Returns, for each figure that passes config's minimums, in drawing order, a dict:
    keypoints [17, 3] (x, y, v), bbox [x, y, w, h], area (visible px), num_keypoints.
    """
    people = []
    cover = np.zeros((size[1], size[0]), bool)
    for mask, pose in reversed(layers):
        if pose is not None:
            visible = mask & ~cover
            kps = _label(keypoints(pose), labeled(pose), cover, size)
            area = int(visible.sum())
            if (area >= max(config.min_area, config.min_visible_fraction * mask.sum(), 1)
                    and (kps[:, 2] > 0).sum() >= config.min_labeled
                    and (kps[:, 2] == 2).sum() >= config.min_visible):
                people.append({"keypoints": kps, "bbox": _box(visible, kps), "area": area,
                               "num_keypoints": int((kps[:, 2] > 0).sum())})
        cover |= mask
    return people[::-1]


def render_scene(rng, config=SceneConfig()):
    """Draw one image from `rng` (numpy Generator).

    Returns (PIL RGB image, people, parts): people as `annotate` gives them; parts uint8 [H, W] of
    `person_parts` labels.
    """
    size = (int(rng.integers(config.width[0], config.width[1] + 1)),
            int(rng.integers(config.height[0], config.height[1] + 1)))
    image = random_background(rng, size)
    count = int(rng.integers(1, config.max_people + 1))
    top = min(config.person_height[1], 0.95 * size[1])
    heights = np.sort(np.exp(rng.uniform(np.log(config.person_height[0]), np.log(top), count)))
    centers = _place(rng, size, heights)
    occluders = int(rng.integers(1, 3)) if rng.random() < config.occluder_prob else 0
    slots = rng.integers(0, count + 1, occluders)
    layers = []  # (mask, pose or None)
    parts = np.zeros((size[1], size[0]), np.uint8)
    for i in range(count + 1):
        for _ in range(int((slots == i).sum())):
            layers.append((_occluder(rng, image, size, heights.mean()), None))
            parts[layers[-1][0]] = BACKGROUND
        if i < count:
            pose = sample_pose(rng, centers[i], heights[i], config.back_prob)
            figure = paint_figure(image, pose, sample_appearance(rng, heights[i]))
            layers.append((figure > 0, pose))
            parts = np.where(figure > 0, figure, parts)
    people = annotate(layers, size, config)
    image = np.asarray(image.filter(ImageFilter.BoxBlur(rng.uniform(0.3, 0.8))), np.int16)
    noise = (rng.standard_normal(image.shape[:2], np.float32) * rng.uniform(1, 8)).astype(np.int16)
    return Image.fromarray((image + noise[..., None]).clip(0, 255).astype(np.uint8)), people, parts
