"""Backgrounds for the synthetic dataset: gradients, textures, clutter, and crops of
the public-domain photos bundled with scikit-image (read from the package, no network)."""
import functools

import numpy as np
from PIL import Image, ImageDraw

from hrkeras.training.data.synthetic_texture import Fill, fill_source, random_color

# skimage.data images stored inside the package; astronaut and camera are left out as they show people.
PHOTOS = ("brick", "chelsea", "coffee", "coins", "grass", "gravel", "hubble_deep_field",
          "immunohistochemistry", "moon", "page", "retina", "rocket", "text", "colorwheel", "clock")


@functools.lru_cache(maxsize=1)
def photos():
    """The bundled photos as PIL RGB images (an empty tuple when scikit-image is missing)."""
    try:
        import skimage.data
    except ImportError:
        return ()
    images = []
    for name in PHOTOS:
        array = np.asarray(getattr(skimage.data, name)())
        images.append(Image.fromarray(array[..., :3] if array.ndim == 3 else array).convert("RGB"))
    return tuple(images)


def _photo(rng, size):
    images = photos()
    image = images[rng.integers(len(images))]
    w, h = image.size
    aspect = size[0] / size[1]
    crop_h = rng.uniform(0.3, 1.0) * min(h, w / aspect)
    x0, y0 = rng.uniform(0, w - crop_h * aspect), rng.uniform(0, h - crop_h)
    image = image.resize(size, Image.BILINEAR, box=(x0, y0, x0 + crop_h * aspect, y0 + crop_h))
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    tint = rng.uniform(0.6, 1.2, 3)
    return Image.fromarray(np.clip(np.asarray(image, np.float32) * tint, 0, 255).astype(np.uint8))


def _gradient(rng, size):
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    t = (x * np.cos(a) + y * np.sin(a)) / np.hypot(w, h) + 0.5
    c1, c2 = np.asarray(random_color(rng), np.float32), np.asarray(random_color(rng), np.float32)
    return Image.fromarray((c1 * (1 - t[..., None]) + c2 * t[..., None]).clip(0, 255).astype(np.uint8))


def _texture(rng, size):
    pattern = ("stripes", "checks", "noise")[rng.integers(3)]
    c1 = np.asarray(random_color(rng))
    c2 = c1 + rng.uniform(0.2, 0.8) * (np.asarray(random_color(rng)) - c1)
    fill = Fill(tuple(int(c) for c in c1), tuple(int(c) for c in c2), pattern, float(rng.uniform(6, 60)),
                float(rng.uniform(0, 180)), int(rng.integers(2**31)))
    return fill_source(fill, size).crop((0, 0, *size))


def _clutter(rng, image):
    draw = ImageDraw.Draw(image)
    w, h = image.size
    for _ in range(rng.integers(0, 9)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(4, w / 4), rng.uniform(4, h / 4)
        color = random_color(rng)
        kind = rng.integers(3)
        if kind == 0:
            draw.rectangle((x - rx, y - ry, x + rx, y + ry), fill=color)
        elif kind == 1:
            draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=color)
        else:
            draw.line((x - rx, y - ry, x + rx, y + ry), fill=color, width=int(rng.integers(2, 10)))


def random_background(rng, size):
    """A PIL RGB background of `size` (W, H) drawn from `rng` (numpy Generator)."""
    kinds = [_gradient, _texture] + ([_photo] if photos() else [])
    p = [0.3, 0.2, 0.5][: len(kinds)]
    image = kinds[rng.choice(len(kinds), p=np.asarray(p) / sum(p))](rng, size).convert("RGB")
    if rng.random() < 0.7:
        _clutter(rng, image)
    return image
