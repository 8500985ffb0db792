"""Keypoint codecs: targets for training and keypoints from predicted heatmaps."""
from hrkeras.codecs.flip import flip_heatmaps, flip_keypoints, flip_test_average
from hrkeras.codecs.msra_heatmap import MSRAHeatmap

__all__ = ["MSRAHeatmap", "flip_heatmaps", "flip_keypoints", "flip_test_average"]
