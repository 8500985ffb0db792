"""Surface fills for the synthetic dataset: solid colours, stripes, checks and noise."""
import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image

PATTERNS = ("solid", "stripes", "checks", "noise")


@dataclass(frozen=True)
class Fill:
    """A surface: `pattern` of `color` and `color2` with a `period` in px turned by `angle`
    degrees; `seed` fixes the "noise" pattern."""

    color: tuple
    color2: tuple = (0, 0, 0)
    pattern: str = "solid"
    period: float = 8.0
    angle: float = 0.0
    seed: int = 0


def random_color(rng, saturation=(0.0, 1.0), value=(0.1, 1.0), hue=(0.0, 1.0)):
    """(r, g, b) ints drawn uniformly in the given HSV ranges."""
    rgb = colorsys.hsv_to_rgb(rng.uniform(*hue) % 1.0, rng.uniform(*saturation), rng.uniform(*value))
    return tuple(int(round(c * 255)) for c in rgb)


def sample_fill(rng, color, scale, p=(0.55, 0.2, 0.1, 0.15)):
    """A Fill around base `color`, its pattern drawn with probabilities `p` over PATTERNS;
    pattern periods are proportional to `scale` (px)."""
    pattern = PATTERNS[rng.choice(len(PATTERNS), p=p)]
    if pattern == "solid":
        return Fill(color)
    return Fill(
        color, random_color(rng), pattern, period=max(float(scale * rng.uniform(0.03, 0.1)), 2.0),
        angle=float(rng.choice([0.0, 90.0, rng.uniform(0, 180)])), seed=int(rng.integers(2**31)),
    )


class Texture:
    """A patterned Fill over an image of `size` (W, H); `crop(box)` draws only the box."""

    def __init__(self, fill, size):
        self.fill = fill
        if fill.pattern == "noise":
            rng = np.random.default_rng(fill.seed)
            cells = (int(size[0] / fill.period) + 2, int(size[1] / fill.period) + 2)
            self.noise = Image.fromarray((rng.random(cells[::-1]) * 255).astype(np.uint8))

    def crop(self, box):
        """PIL RGB pixels of `box` (x0, y0, x1, y1) in image px."""
        f, (x0, y0, x1, y1) = self.fill, box
        if f.pattern == "noise":
            p = f.period
            t = self.noise.resize((x1 - x0, y1 - y0), Image.BICUBIC, box=(x0 / p, y0 / p, x1 / p, y1 / p))
        else:
            a = np.deg2rad(f.angle)
            x, y = np.arange(x0, x1, dtype=np.float32)[None], np.arange(y0, y1, dtype=np.float32)[:, None]
            t = np.floor((x * np.cos(a) + y * np.sin(a)) / f.period)
            if f.pattern == "checks":
                t = t + np.floor((y * np.cos(a) - x * np.sin(a)) / f.period)
            t = Image.fromarray((t % 2 * 255).astype(np.uint8))
        return Image.composite(Image.new("RGB", t.size, f.color2), Image.new("RGB", t.size, f.color), t)


def fill_source(fill, size):
    """What `synthetic_shapes.paint` takes: the colour of a solid Fill, else a Texture
    over an image of `size` (W, H)."""
    return fill.color if fill.pattern == "solid" else Texture(fill, size)
