"""Polygon primitives and masked painting on PIL images (synthetic dataset drawing).

Points are image pixels (x, y), y down; a shape is a list of polygons [n, 2].
"""
import functools

import numpy as np
from PIL import Image, ImageDraw


def rotation(degrees):
    """2x2 matrix turning (x, y) vectors by `degrees` (clockwise on screen, y down)."""
    t = np.deg2rad(degrees)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@functools.lru_cache(maxsize=None)
def _circle(n):
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


def ellipse(center, radii, angle=0.0, n=20):
    """Polygon [n, 2] of an ellipse with semi-axes `radii` (rx, ry) turned by `angle` degrees."""
    return (_circle(n) * radii) @ rotation(angle).T + np.asarray(center, np.float64)


def capsule(p0, p1, r0, r1):
    """Tapered limb from p0 (radius r0) to p1 (radius r1) with round ends: list of 3 polygons."""
    p0, p1 = np.asarray(p0, np.float64), np.asarray(p1, np.float64)
    d = p1 - p0
    length = np.hypot(*d)
    normal = np.array([-d[1], d[0]]) / length if length > 1e-6 else np.array([1.0, 0.0])
    quad = np.stack([p0 + normal * r0, p1 + normal * r1, p1 - normal * r1, p0 - normal * r0])
    return [quad, ellipse(p0, (r0, r0), n=12), ellipse(p1, (r1, r1), n=12)]


def paint(image, layer, shape, fill, shade=1.0, label=255):
    """Fill the union of `shape`'s polygons on `image` and mark it with `label` on `layer`.

    image: PIL RGB; layer: PIL "L" map of the same size (the figure's silhouette: nonzero inside, the part
    label of the last paint over each pixel);
    fill: (r, g, b), or a texture: anything with `crop(box)` -> PIL RGB of the box, like a
    PIL image of the image's size or a `synthetic_texture.Texture`; shade: brightness factor.
    """
    points = np.concatenate(shape)
    (x0, y0), (x1, y1) = points.min(axis=0).tolist(), points.max(axis=0).tolist()
    box = (max(int(x0) - 1, 0), max(int(y0) - 1, 0), min(int(x1) + 2, image.size[0]), min(int(y1) + 2, image.size[1]))
    if box[2] <= box[0] or box[3] <= box[1]:
        return
    x0, y0 = box[:2]
    mask = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    draw = ImageDraw.Draw(mask)
    for polygon in shape:
        draw.polygon((polygon - (x0, y0)).ravel().tolist(), fill=255)
    if hasattr(fill, "crop"):
        image.paste(fill.crop(box), box, mask)
        if shade != 1.0:
            strength = min(abs(1.0 - shade), 1.0)
            tint = (0, 0, 0) if shade < 1.0 else (255, 255, 255)
            image.paste(tint, box, mask.point(lambda v: int(v * strength)))
    else:
        image.paste(tuple(min(int(c * shade), 255) for c in fill), box, mask)
    layer.paste(label, box, mask)
