"""Heatmap maxima and their sub-pixel refinement (numpy, NHWC heatmaps [N, h, w, K])."""
import numpy as np


def argmax(heatmaps):
    """heatmaps [N, h, w, K] -> locations [N, K, 2] (x, y) heatmap px float32, maxima [N, K]."""
    n, h, w, k = heatmaps.shape
    flat = heatmaps.transpose(0, 3, 1, 2).reshape(n, k, h * w)
    index = flat.argmax(axis=-1)
    scores = np.take_along_axis(flat, index[..., None], axis=-1)[..., 0]
    locations = np.stack([index % w, index // w], axis=-1).astype(np.float32)
    return locations, scores.astype(np.float32)


def _sample(maps, x, y):
    """maps [N, K, h, w], integer x, y [N, K] (clipped to the map) -> values [N, K]."""
    h, w = maps.shape[2:]
    flat = np.clip(y, 0, h - 1) * w + np.clip(x, 0, w - 1)
    return np.take_along_axis(maps.reshape(*maps.shape[:2], h * w), flat[..., None], axis=-1)[..., 0]


def quarter_offset(locations, heatmaps):
    """Move each integer maximum 0.25 px toward its higher neighbour, per axis.

    locations [N, K, 2] from `argmax`. Border rule of mmpose's refine_keypoints: x moves
    only if 1 < x < w - 1 and y > 0; y only if 1 < y < h - 1 and x > 0.
    """
    maps = heatmaps.transpose(0, 3, 1, 2)
    h, w = maps.shape[2:]
    x, y = locations[..., 0].astype(np.int64), locations[..., 1].astype(np.int64)
    dx = np.where((x > 1) & (x < w - 1) & (y > 0), _sample(maps, x + 1, y) - _sample(maps, x - 1, y), 0.0)
    dy = np.where((y > 1) & (y < h - 1) & (x > 0), _sample(maps, x, y + 1) - _sample(maps, x, y - 1), 0.0)
    return locations + 0.25 * np.sign(np.stack([dx, dy], axis=-1)).astype(np.float32)


def gaussian_blur(maps, kernel_size):
    """Zero-padded Gaussian blur of maps [N, K, h, w], each rescaled to keep its maximum.

    sigma follows OpenCV's rule for the kernel size: 0.3 * ((kernel_size - 1) / 2 - 1) + 0.8
    (2.0 for 11).
    """
    radius = kernel_size // 2
    sigma = 0.3 * ((kernel_size - 1) * 0.5 - 1) + 0.8
    taps = np.exp(-np.arange(-radius, radius + 1) ** 2 / (2 * sigma ** 2))
    taps /= taps.sum()

    def band(n):  # [n, n] convolution matrix; entries beyond the border are the zero padding
        offset = np.arange(n)[None, :] - np.arange(n)[:, None]
        return np.where(np.abs(offset) <= radius, taps[np.clip(offset + radius, 0, kernel_size - 1)], 0.0)

    h, w = maps.shape[2:]
    blurred = band(h) @ maps @ band(w).T
    old_max, new_max = maps.max(axis=(2, 3), keepdims=True), blurred.max(axis=(2, 3), keepdims=True)
    return blurred * np.divide(old_max, new_max, out=np.ones_like(new_max), where=new_max != 0)


def dark(locations, heatmaps, kernel_size):
    """DARK refinement: Newton step on the log of the blurred heatmap at each maximum.

    locations [N, K, 2] from `argmax`; maxima closer than 2 px to the border stay put.
    """
    maps = gaussian_blur(heatmaps.transpose(0, 3, 1, 2).astype(np.float64), kernel_size)
    maps = np.log(np.maximum(maps, 1e-10))
    h, w = maps.shape[2:]
    x, y = locations[..., 0].astype(np.int64), locations[..., 1].astype(np.int64)

    def at(ox, oy):
        return _sample(maps, x + ox, y + oy)

    dx = 0.5 * (at(1, 0) - at(-1, 0))
    dy = 0.5 * (at(0, 1) - at(0, -1))
    dxx = 0.25 * (at(2, 0) - 2 * at(0, 0) + at(-2, 0))
    dyy = 0.25 * (at(0, 2) - 2 * at(0, 0) + at(0, -2))
    dxy = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
    det = dxx * dyy - dxy ** 2
    valid = (x > 1) & (x < w - 2) & (y > 1) & (y < h - 2) & (det != 0)
    safe_det = np.where(valid, det, 1.0)
    offset = -np.stack([dyy * dx - dxy * dy, dxx * dy - dxy * dx], axis=-1) / safe_det[..., None]
    return locations + np.where(valid[..., None], offset, 0.0).astype(np.float32)
