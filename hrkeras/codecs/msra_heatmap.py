"""MSRA Gaussian heatmap codec (mmpose `MSRAHeatmap` semantics).

Sizes are (height, width), as everywhere in hrkeras; keypoints are (x, y) input pixels.
Coordinates: heatmap pixel index i sits at input coordinate i * stride (stride =
input_size / heatmap_size per axis), as in mmpose; encode divides by the stride
and decode multiplies by it, so the two are consistent.
"""
import warnings

import numpy as np

from hrkeras.codecs import heatmap_refine
from hrkeras.errors import UsageError

DECODE_METHODS = ("dark", "quarter", "argmax")
SIZE_ORDER = "hw"  # get_config's marker: its sizes are (height, width); configs without it are (W, H)


def _size_pair(value, name):
    if len(value) != 2 or any(int(v) != v or v <= 0 for v in value):
        raise UsageError(f"{name} must be two positive integers (height, width), got {value!r}")
    return int(value[0]), int(value[1])


def _legacy_config(config):
    """A get_config() of hrkeras <= 0.1 (no size marker, sizes (W, H)) -> today's (H, W) config, with a warning."""
    config = dict(config)
    for key in ("input_size", "heatmap_size"):
        if key in config:
            config[key] = tuple(config[key])[::-1]
    warnings.warn(f"codec config without size_order (saved by hrkeras 0.1): assumed its sizes are (width, height) "
                  f"and read them as input_size={config.get('input_size')}, heatmap_size={config.get('heatmap_size')} "
                  "(height, width); save the model again to store them unambiguously.", stacklevel=3)
    return config


class MSRAHeatmap:
    """Keypoints <-> Gaussian heatmaps.

    Args:
        input_size: (height, width) of the model input, e.g. (256, 192).
        heatmap_size: (height, width) of the heatmaps, input_size / stride with one stride for both axes
            (hrkeras models: stride 4, e.g. (64, 48)).
        sigma: Gaussian std in heatmap pixels.
        unbiased: DARK encoding (exact float center, full Gaussian) and DARK decoding by default; otherwise
            the center is rounded to the nearest pixel and the Gaussian is zero outside the square window
            |dx|, |dy| <= 3 sigma, decoded with the quarter-pixel shift.
        blur_kernel_size: odd kernel of DARK's heatmap blur.
    """

    def __init__(self, input_size=(256, 192), heatmap_size=(64, 48), sigma=2.0, unbiased=False,
                 blur_kernel_size=11):
        self.input_size = _size_pair(input_size, "input_size")
        self.heatmap_size = _size_pair(heatmap_size, "heatmap_size")
        (height, width), (heat_h, heat_w) = self.input_size, self.heatmap_size
        if height * heat_w != width * heat_h:
            raise UsageError(
                f"heatmap_size {self.heatmap_size} is not input_size {self.input_size} divided by one stride; "
                "both are (height, width)",
                fix=f"for a {height}x{width} (HxW) input with stride 4 pass heatmap_size=({height // 4}, {width // 4})")
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma!r}.")
        if blur_kernel_size < 1 or blur_kernel_size % 2 != 1:
            raise ValueError(f"blur_kernel_size must be a positive odd integer, got {blur_kernel_size!r}.")
        self.sigma = float(sigma)
        self.unbiased = bool(unbiased)
        self.blur_kernel_size = int(blur_kernel_size)
        # (x, y) input px per heatmap px, the order of keypoint coordinates
        self.stride = np.array([width / heat_w, height / heat_h], np.float32)

    def get_config(self):
        """JSON-ready: sizes as [height, width] lists and the marker size_order="hw"."""
        return {
            "input_size": list(self.input_size), "heatmap_size": list(self.heatmap_size), "size_order": SIZE_ORDER,
            "sigma": self.sigma, "unbiased": self.unbiased, "blur_kernel_size": self.blur_kernel_size,
        }

    @classmethod
    def from_config(cls, config):
        """Inverse of get_config; a config without size_order (hrkeras 0.1, sizes (W, H)) is converted with a
        warning that says what it assumed."""
        config = dict(config)
        order = config.pop("size_order", None)
        if order is None:
            config = _legacy_config(config)
        elif order != SIZE_ORDER:
            raise UsageError(f"unknown codec size_order {order!r}", fix=f"use {SIZE_ORDER!r} (height, width)")
        return cls(**config)

    def encode(self, keypoints, visible):
        """keypoints [..., K, 2] (x, y) input px, visible [..., K] -> heatmaps [..., h, w, K], weights [..., K].

        TensorFlow ops (eager or inside tf.data). Weight is 1 where visible > 0 and the
        3-sigma window overlaps the heatmap, else 0 (with an all-zero heatmap).
        """
        import tensorflow as tf

        keypoints = tf.convert_to_tensor(keypoints, tf.float32)
        visible = tf.cast(tf.convert_to_tensor(visible), tf.float32)
        if keypoints.shape.rank is not None and keypoints.shape[-1] != 2:
            raise ValueError(f"keypoints must be [..., K, 2] (x, y), got shape {keypoints.shape}; "
                             "drop the visibility column and pass it as `visible`.")
        h, w = self.heatmap_size
        radius = 3.0 * self.sigma
        mu = keypoints / tf.constant(self.stride)
        center = mu if self.unbiased else tf.floor(mu + 0.5)
        size = tf.constant([w, h], tf.float32)
        overlaps = tf.reduce_all((center + radius >= 0.0) & (center - radius <= size - 1.0), axis=-1)
        weights = tf.cast((visible > 0) & overlaps, tf.float32)

        def profile(c, n):  # [..., K] centers -> [..., K, n] 1-D Gaussian along one axis
            d = tf.range(n, dtype=tf.float32) - c[..., None]
            g = tf.exp(-tf.square(d) / (2.0 * self.sigma ** 2))
            return g if self.unbiased else g * tf.cast(tf.abs(d) <= radius, tf.float32)

        gx = profile(center[..., 0], w) * weights[..., None]
        gy = profile(center[..., 1], h)
        heatmaps = tf.einsum("...ky,...kx->...yxk", gy, gx)
        return heatmaps, weights

    def decode(self, heatmaps, method=None):
        """heatmaps [N, h, w, K] -> keypoints [N, K, 2] input px, scores [N, K] (heatmap maxima).

        method: "dark", "quarter" or "argmax"; default "dark" if unbiased else "quarter".
        """
        method = method or ("dark" if self.unbiased else "quarter")
        if method not in DECODE_METHODS:
            raise ValueError(f"Unknown decode method {method!r}; use one of {DECODE_METHODS}.")
        heatmaps = np.asarray(heatmaps, np.float32)
        h, w = self.heatmap_size
        if heatmaps.ndim != 4 or heatmaps.shape[1:3] != (h, w):
            raise ValueError(f"heatmaps must be [N, {h}, {w}, K] (NHWC, heatmap_size={self.heatmap_size}), "
                             f"got shape {heatmaps.shape}; add a batch axis with heatmaps[None] if needed.")
        keypoints, scores = heatmap_refine.argmax(heatmaps)
        if method == "quarter":
            keypoints = heatmap_refine.quarter_offset(keypoints, heatmaps)
        elif method == "dark":
            keypoints = heatmap_refine.dark(keypoints, heatmaps, self.blur_kernel_size)
        return keypoints * self.stride, scores
