"""Draw one synthetic person: appearance (skin, hair, clothes) and the painting of a Pose.

Front-facing figures show a face (eyes, nose, mouth) and a neckline; back-facing ones show
hair over the whole head, so the person's left and right can be told from the image.
"""
from dataclasses import dataclass

import numpy as np
from PIL import Image

from hrkeras.training.data.person_parts import HEAD, LOWER_ARM, LOWER_LEG, TORSO, UPPER_ARM, UPPER_LEG
from hrkeras.training.data.synthetic_pose import skeleton
from hrkeras.training.data.synthetic_shapes import capsule, ellipse, paint, rotation
from hrkeras.training.data.synthetic_texture import Fill, fill_source, random_color, sample_fill

SKIN_TONES = ((255, 224, 196), (241, 194, 160), (224, 172, 125), (198, 134, 86), (141, 85, 54), (92, 56, 38))
HAIR_COLORS = ((25, 20, 18), (70, 45, 30), (120, 80, 45), (200, 170, 110), (150, 60, 30), (160, 160, 160))


@dataclass(frozen=True)
class Appearance:
    """Colours and clothes. sleeve: covered fraction of the arm from the shoulder;
    leg_cover: covered fraction of the leg from the hip; hair None = bald (front only);
    light: light direction in degrees (limb shading)."""

    skin: tuple
    shirt: Fill
    trousers: Fill
    shoes: tuple
    hair: tuple | None
    sleeve: float = 0.5
    leg_cover: float = 1.0
    light: float = 0.0


def _jitter(rng, color, amount=12):
    return tuple(int(np.clip(c + rng.normal(0, amount), 0, 255)) for c in color)


def sample_appearance(rng, height):
    """A random Appearance for a figure `height` px tall (texture periods scale with it)."""
    trousers = random_color(rng, (0.0, 0.8), (0.1, 0.8))
    if rng.random() < 0.35:
        trousers = random_color(rng, (0.4, 0.8), (0.2, 0.6), hue=(0.58, 0.68))  # denim-like
    return Appearance(
        skin=_jitter(rng, SKIN_TONES[rng.integers(len(SKIN_TONES))]),
        shirt=sample_fill(rng, random_color(rng, (0.0, 0.95), (0.15, 1.0)), height),
        trousers=sample_fill(rng, trousers, height, p=(0.75, 0.1, 0.1, 0.05)),
        shoes=random_color(rng, (0.0, 0.7), (0.05, 0.6)),
        hair=None if rng.random() < 0.05 else _jitter(rng, HAIR_COLORS[rng.integers(len(HAIR_COLORS))]),
        sleeve=float(rng.choice([0.0, rng.uniform(0.15, 0.45), 1.0], p=(0.2, 0.4, 0.4))),
        leg_cover=float(rng.choice([rng.uniform(0.25, 0.55), 1.0], p=(0.3, 0.7))),
        light=float(rng.uniform(0, 360)),
    )


def _shade(appearance, p0, p1, distal):
    d = np.asarray(p1) - np.asarray(p0)
    cos = np.cos(np.arctan2(d[1], d[0]) - np.deg2rad(appearance.light))
    return (0.86 + 0.12 * cos) * (0.92 if distal else 1.0)


def _limb(image, layer, app, points, radii, cover, cloth, labels):
    """Two-segment limb through points[0..2] with radii[0..2], skin then `cloth` over
    the first `cover` fraction of its length; segment i is part labels[i]."""
    lengths = [np.hypot(*(points[i + 1] - points[i])) for i in range(2)]
    for i in range(2):
        paint(image, layer, capsule(points[i], points[i + 1], radii[i], radii[i + 1]), app.skin,
              _shade(app, points[i], points[i + 1], i == 1), labels[i])
    covered = cover * sum(lengths)
    for i in range(2):
        if covered <= 0:
            break
        t = min(covered / max(lengths[i], 1e-6), 1.0)
        end = points[i] + t * (points[i + 1] - points[i])
        r_end = radii[i] + t * (radii[i + 1] - radii[i])
        paint(image, layer, capsule(points[i], end, radii[i] * 1.15, r_end * 1.15), cloth,
              _shade(app, points[i], points[i + 1], i == 1), labels[i])
        covered -= lengths[i]


def _unit(v):
    return v / max(np.hypot(*v), 1e-6)


def _angle(start, end):
    """Direction of start -> end in degrees (as `ellipse` turns)."""
    return float(np.degrees(np.arctan2(end[1] - start[1], end[0] - start[0])))


def _torso(p, r, up):
    """Shirt polygon [10, 2]: neck, shoulders, armpits, waist and hips; r: half arm width."""
    s_l, s_r, h_l, h_r = p["left_shoulder"], p["right_shoulder"], p["left_hip"], p["right_hip"]
    out, hip_out = _unit(s_l - s_r), _unit(h_l - h_r)
    neck = 0.4 * r * out + 0.3 * r * up
    return np.stack([
        p["neck"] + neck, s_l + 0.6 * r * out + r * up, s_l + r * out - 2.4 * r * up,
        0.4 * s_l + 0.6 * h_l + 0.5 * r * out, h_l + 1.4 * r * hip_out,
        h_r - 1.4 * r * hip_out, 0.4 * s_r + 0.6 * h_r - 0.5 * r * out,
        s_r - r * out - 2.4 * r * up, s_r - 0.6 * r * out + r * up, p["neck"] - neck + 0.6 * r * up,
    ])


def paint_figure(image, pose, appearance):
    """Draw `pose` on PIL RGB `image` in place; returns its person parts: uint8 [H, W], 0 outside the
    silhouette, else the `person_parts` label seen at each pixel (neck with the head, hands and feet with
    the lower arms and legs, the pelvis and the skin of the neckline with the torso)."""
    layer = Image.new("L", image.size, 0)
    p, h, b, app = skeleton(pose), pose.height, pose.body, appearance
    g = b.girth
    shirt, trousers = fill_source(app.shirt, image.size), fill_source(app.trousers, image.size)
    up = _unit(p["neck"] - p["pelvis"])
    sides = ("right", "left") if pose.near == "left" else ("left", "right")
    for s in sides:
        pts = [p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"]]
        _limb(image, layer, app, pts, np.array([0.045, 0.032, 0.022]) * h * g, app.leg_cover, trousers,
              (UPPER_LEG, LOWER_LEG))
        foot = ellipse(p[f"{s}_foot"], (0.04 * h, 0.022 * h), _angle(p[f"{s}_ankle"], p[f"{s}_foot"]))
        paint(image, layer, [foot], app.shoes, label=LOWER_LEG)
    hip_mid = (p["left_hip"] + p["right_hip"]) / 2
    pelvis = np.stack([p["left_hip"] + up * 0.07 * h, p["right_hip"] + up * 0.07 * h, hip_mid - up * 0.05 * h])
    paint(image, layer, [pelvis] + capsule(p["left_hip"], p["right_hip"], 0.045 * h * g, 0.045 * h * g), trousers,
          label=TORSO)
    paint(image, layer, capsule(p["neck"] + up * 0.01 * h, p["head"], 0.024 * h, 0.024 * h), app.skin, 0.9, HEAD)
    paint(image, layer, [_torso(p, 0.03 * h * g, up)], shirt, label=TORSO)
    _head(image, layer, pose, app, p, up)
    for s in sides:
        pts = [p[f"{s}_shoulder"], p[f"{s}_elbow"], p[f"{s}_wrist"]]
        _limb(image, layer, app, pts, np.array([0.027, 0.022, 0.016]) * h * g, app.sleeve, shirt,
              (UPPER_ARM, LOWER_ARM))
        hand = ellipse(p[f"{s}_hand"], (0.03 * h, 0.02 * h * g), _angle(p[f"{s}_wrist"], p[f"{s}_hand"]))
        paint(image, layer, [hand], app.skin, 0.95, LOWER_ARM)
    return np.asarray(layer)


def _head(image, layer, pose, app, p, up):
    """Ears, head and hair; for a front view also the neckline, eyes, nose and mouth."""
    h, b = pose.height, pose.body
    a, c = b.head_w * h / 2, b.head_h * h / 2
    angle = pose.rotation + pose.lean + pose.head_tilt
    ears = [[ellipse(p[f"{s}_ear"], (0.2 * a, 0.3 * c), angle)] for s in ("left", "right")]
    head = ellipse(p["head"], (a, c), angle, n=28)
    if pose.facing < 0:
        paint(image, layer, [head], app.skin, label=HEAD)
        paint(image, layer, [ellipse(p["head"], (a * 1.06, c * 1.05), angle, n=28)], app.hair or (40, 30, 25),
              label=HEAD)
        for ear in ears:
            paint(image, layer, ear, app.skin, 0.85, label=HEAD)
        return
    neckline = np.stack([p["neck"] - up * 0.06 * h, p["neck"] + (p["left_shoulder"] - p["neck"]) * 0.3,
                         p["neck"] + (p["right_shoulder"] - p["neck"]) * 0.3])
    paint(image, layer, [neckline], app.skin, 0.9, TORSO)
    for ear in ears:
        paint(image, layer, ear, app.skin, 0.85, label=HEAD)
    paint(image, layer, [head], app.skin, label=HEAD)
    if app.hair is not None:
        cap = ellipse(p["head"], (a * 1.06, c * 1.05), angle, n=28)
        local = (cap - p["head"]) @ rotation(angle)
        paint(image, layer, [cap[local[:, 1] < -0.35 * c]], app.hair, label=HEAD)
    for s in ("left", "right"):
        paint(image, layer, [ellipse(p[f"{s}_eye"], (max(0.24 * a, 0.8), max(0.16 * c, 0.6)), angle, n=10)],
              (245, 245, 245), label=HEAD)
        paint(image, layer, [ellipse(p[f"{s}_eye"], (max(0.12 * a, 0.5), max(0.1 * c, 0.5)), angle, n=8)],
              (30, 25, 25), label=HEAD)
    paint(image, layer, [ellipse(p["nose"], (0.14 * a, 0.12 * c), angle, n=8)], app.skin, 0.7, label=HEAD)
    mouth = p["head"] + (p["nose"] - p["head"]) * 1.9
    paint(image, layer, [ellipse(mouth, (0.32 * a, 0.07 * c), angle, n=10)], (140, 40, 45), label=HEAD)


def render_figure(image, pose, appearance):
    """Draw one figure on `image` (uint8 [H, W, 3], modified in place).

    Returns its silhouette bool [H, W]; `synthetic_pose.keypoints(pose)` gives its joints.
    """
    canvas = Image.fromarray(image)
    mask = paint_figure(canvas, pose, appearance) > 0
    image[...] = np.asarray(canvas)
    return mask
