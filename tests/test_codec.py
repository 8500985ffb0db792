"""MSRAHeatmap encode/decode and the flip-test helpers."""
import json

import numpy as np
import pytest
import tensorflow as tf

from hrkeras.codecs import MSRAHeatmap, flip_heatmaps, flip_keypoints, flip_test_average

STRIDE = 4.0  # input (256, 192) / heatmap (64, 48), (height, width)


def encode(codec, keypoints, visible=None):
    keypoints = np.asarray(keypoints, np.float32)
    visible = np.full(len(keypoints), 2) if visible is None else visible
    heatmaps, weights = codec.encode(keypoints, visible)
    return heatmaps.numpy(), weights.numpy()


def peak(heatmap):
    """(x, y) of a [h, w] map's maximum."""
    y, x = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return x, y


def test_encode_shapes_and_integer_peak():
    heatmaps, weights = encode(MSRAHeatmap(), np.zeros((17, 2)) + [40.0, 32.0])
    assert heatmaps.shape == (64, 48, 17) and heatmaps.dtype == np.float32
    assert weights.shape == (17,) and weights.dtype == np.float32
    assert peak(heatmaps[..., 3]) == (10, 8)
    assert heatmaps[8, 10, 3] == pytest.approx(1.0)
    assert heatmaps[8, 11, 3] == pytest.approx(np.exp(-1 / 8))
    assert heatmaps[9, 11, 3] == pytest.approx(np.exp(-2 / 8))


@pytest.mark.parametrize("x, expected", [(41.96, 10), (42.0, 11), (42.1, 11), (-2.4, -1)])
def test_encode_rounds_center_to_nearest_pixel(x, expected):
    heatmaps, _ = encode(MSRAHeatmap(), [[x, 40.0]])
    row = heatmaps[10, :, 0]
    assert row[max(expected, 0)] == pytest.approx(np.exp(-(max(expected, 0) - expected) ** 2 / 8))
    assert peak(heatmaps[..., 0]) == (max(expected, 0), 10)


@pytest.mark.parametrize("sigma", [2.0, 1.5])
def test_encode_window_cut_at_three_sigma(sigma):
    heatmaps, _ = encode(MSRAHeatmap(sigma=sigma), [[80.0, 120.0]])  # heatmap (20, 30)
    inside = int(np.floor(3 * sigma))
    for dx, dy in [(inside, 0), (-inside, 0), (0, inside), (inside, inside)]:
        assert heatmaps[30 + dy, 20 + dx, 0] == pytest.approx(np.exp(-(dx * dx + dy * dy) / (2 * sigma**2)))
    for dx, dy in [(inside + 1, 0), (-inside - 1, 0), (0, inside + 1), (0, -inside - 1)]:
        assert heatmaps[30 + dy, 20 + dx, 0] == 0.0
    assert np.count_nonzero(heatmaps) == (2 * inside + 1) ** 2


def test_encode_weights_invisible_and_outside():
    # heatmap centers: x=-7 (window ends at -1), x=-6 (touches pixel 0), x=47+7, y=63+6, visible=0
    keypoints = [[-28.0, 40.0], [-24.0, 40.0], [216.0, 40.0], [40.0, 276.0], [40.0, 40.0]]
    heatmaps, weights = encode(MSRAHeatmap(), keypoints, visible=[2, 1, 2, 2, 0])
    np.testing.assert_array_equal(weights, [0, 1, 0, 1, 0])
    assert heatmaps[10, 0, 1] == pytest.approx(np.exp(-36 / 8))
    assert heatmaps[63, 10, 3] == pytest.approx(np.exp(-36 / 8))
    for k in (0, 2, 4):
        assert not heatmaps[..., k].any()


def test_encode_unbiased_uses_exact_center_without_cut():
    heatmaps, weights = encode(MSRAHeatmap(unbiased=True), [[41.2, 30.4]])  # heatmap (10.3, 7.6)
    ys, xs = np.mgrid[:64, :48]
    expected = np.exp(-((xs - 10.3) ** 2 + (ys - 7.6) ** 2) / 8)
    np.testing.assert_allclose(heatmaps[..., 0], expected, atol=1e-6)
    assert peak(heatmaps[..., 0]) == (10, 8) and heatmaps[8, 20, 0] > 0  # 9.7 px away: no 3-sigma cut
    assert weights[0] == 1.0


def test_encode_in_tf_data_graph_mode_matches_eager_and_batch():
    codec = MSRAHeatmap()
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(-20, 210, size=(3, 17, 2)).astype(np.float32)
    visible = rng.integers(0, 3, size=(3, 17)).astype(np.int32)
    dataset = tf.data.Dataset.from_tensor_slices((keypoints, visible)).map(codec.encode)
    batched_heatmaps, batched_weights = codec.encode(keypoints, visible)
    for i, (heatmaps, weights) in enumerate(dataset):
        eager_heatmaps, eager_weights = codec.encode(keypoints[i], visible[i])
        np.testing.assert_allclose(heatmaps.numpy(), eager_heatmaps.numpy())
        np.testing.assert_array_equal(weights.numpy(), eager_weights.numpy())
        np.testing.assert_allclose(batched_heatmaps[i].numpy(), heatmaps.numpy())
        np.testing.assert_array_equal(batched_weights[i].numpy(), weights.numpy())
    assert batched_weights.numpy().sum() > 0


def test_encode_rejects_visibility_column():
    with pytest.raises(ValueError, match="visible"):
        MSRAHeatmap().encode(np.zeros((17, 3), np.float32), np.ones(17))


def test_decode_argmax_and_scores():
    heatmaps = np.zeros((2, 64, 48, 2), np.float32)
    heatmaps[0, 3, 5, 0], heatmaps[0, 60, 1, 1] = 0.7, 0.4
    heatmaps[1, ..., 1] = -0.5
    heatmaps[1, 0, 47, 0], heatmaps[1, 63, 0, 1] = 0.9, -0.1
    keypoints, scores = MSRAHeatmap().decode(heatmaps, method="argmax")
    np.testing.assert_allclose(keypoints, [[[20, 12], [4, 240]], [[188, 0], [0, 252]]])
    np.testing.assert_allclose(scores, [[0.7, 0.4], [0.9, -0.1]], rtol=1e-6)


def test_decode_quarter_moves_toward_higher_neighbour():
    heatmaps = np.zeros((1, 64, 48, 3), np.float32)
    heatmaps[0, 10, 20, 0], heatmaps[0, 10, 21, 0], heatmaps[0, 9, 20, 0] = 1.0, 0.5, 0.3  # right, up
    heatmaps[0, 10, 20, 1], heatmaps[0, 10, 19, 1], heatmaps[0, 11, 20, 1] = 1.0, 0.5, 0.3  # left, down
    heatmaps[0, 5, 1, 2], heatmaps[0, 5, 2, 2], heatmaps[0, 6, 1, 2] = 1.0, 0.9, 0.5  # mmpose: x = 1 stays
    keypoints, _ = MSRAHeatmap().decode(heatmaps, method="quarter")
    np.testing.assert_allclose(keypoints[0] / STRIDE, [[20.25, 9.75], [19.75, 10.25], [1.0, 5.25]])


@pytest.mark.parametrize("method, tolerance, sigma, kernel", [
    ("dark", 0.02, 2.0, 11), ("quarter", 0.25, 2.0, 11),
    ("dark", 0.02, 1.0, 3),  # the synthetic recipe's codec
])
def test_decode_recovers_subpixel_center(method, tolerance, sigma, kernel):
    codec = MSRAHeatmap(unbiased=True, sigma=sigma, blur_kernel_size=kernel)
    truth = np.array([[10.3, 7.6], [30.8, 50.1], [20.5, 33.45]])
    heatmaps, _ = encode(codec, truth * STRIDE)
    keypoints, scores = codec.decode(heatmaps[None], method=method)
    assert np.abs(keypoints[0] / STRIDE - truth).max() <= tolerance + 1e-6
    np.testing.assert_allclose(scores[0], heatmaps.max(axis=(0, 1)))
    if method == "dark":
        assert codec.decode(heatmaps[None])[0] == pytest.approx(keypoints)  # dark is the unbiased default


def test_round_trip_biased_within_half_stride():
    codec = MSRAHeatmap()
    truth = np.random.default_rng(1).uniform([4, 4], [184, 248], size=(17, 2))
    heatmaps, _ = encode(codec, truth)
    for method in ("quarter", "dark", "argmax"):
        keypoints, _ = codec.decode(heatmaps[None], method=method)
        assert np.abs(keypoints[0] - truth).max() <= 0.5 * STRIDE + 1e-4


def test_decode_rejects_bad_input():
    with pytest.raises(ValueError, match="heatmaps must be"):
        MSRAHeatmap().decode(np.zeros((64, 48, 17)))
    with pytest.raises(ValueError, match="decode method"):
        MSRAHeatmap().decode(np.zeros((1, 64, 48, 17)), method="udp")


def test_config_round_trip_and_validation():
    codec = MSRAHeatmap(input_size=(384, 288), heatmap_size=(96, 72), sigma=3, unbiased=True)
    clone = MSRAHeatmap.from_config(json.loads(json.dumps(codec.get_config())))
    assert clone.get_config() == codec.get_config() and clone.heatmap_size == (96, 72)
    assert clone.get_config()["size_order"] == "hw"
    with pytest.raises(ValueError, match="blur_kernel_size"):
        MSRAHeatmap(blur_kernel_size=10)
    with pytest.raises(ValueError, match="heatmap_size"):
        MSRAHeatmap(heatmap_size=(48,))
    with pytest.raises(ValueError, match="size_order"):
        MSRAHeatmap.from_config({**codec.get_config(), "size_order": "wh"})


def test_sizes_are_height_width_and_a_mixed_order_is_refused():
    codec = MSRAHeatmap((256, 192), (64, 48))
    heatmaps, _ = encode(codec, [[180.0, 20.0]])  # x near the right edge of a 192-wide input
    assert heatmaps.shape[:2] == (64, 48) and peak(heatmaps[..., 0]) == (45, 5)
    with pytest.raises(ValueError, match=r"heatmap_size \(48, 64\) is not input_size \(256, 192\).*\(height, width\)"):
        MSRAHeatmap((256, 192), (48, 64))  # heatmap in (W, H): one argument in the old order


def test_old_configs_in_width_height_are_converted_with_a_warning():
    old = {"input_size": [192, 256], "heatmap_size": [48, 64], "sigma": 2.0, "unbiased": False,
           "blur_kernel_size": 11}  # MSRAHeatmap.get_config() of hrkeras 0.1: (W, H), no size_order
    with pytest.warns(UserWarning, match=r"assumed .*\(width, height\).*input_size=\(256, 192\)"):
        codec = MSRAHeatmap.from_config(old)
    assert (codec.input_size, codec.heatmap_size) == ((256, 192), (64, 48))


def test_flip_heatmaps_hand_example():
    y, x, k = np.mgrid[:3, :4, :3]
    heatmaps = (100 * k + 10 * y + x)[None].astype(np.float32)  # [1, 3, 4, 3]
    flipped = flip_heatmaps(heatmaps, [0, 2, 1], shift=False)
    shifted = flip_heatmaps(heatmaps, [0, 2, 1])
    np.testing.assert_array_equal(flipped[0, 1, :, 0], [13, 12, 11, 10])
    np.testing.assert_array_equal(flipped[0, 2, :, 1], [223, 222, 221, 220])  # joint 1 <- joint 2
    np.testing.assert_array_equal(shifted[0, 1, :, 0], [13, 13, 12, 11])
    np.testing.assert_array_equal(shifted[0, 0, :, 2], [103, 103, 102, 101])


def test_flip_twice_without_shift_is_identity():
    heatmaps = np.random.default_rng(2).random((2, 5, 6, 17))
    indices = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    once = flip_heatmaps(heatmaps, indices, shift=False)
    assert not np.allclose(once, heatmaps)
    np.testing.assert_array_equal(flip_heatmaps(once, indices, shift=False), heatmaps)


def test_flip_keypoints_hand_example():
    keypoints = [[1.0, 2.0, 0.9], [3.0, 4.0, 0.8], [5.0, 6.0, 0.7]]
    np.testing.assert_allclose(flip_keypoints(keypoints, 10, [0, 2, 1]), [[8, 2, 0.9], [4, 6, 0.7], [6, 4, 0.8]])
    with pytest.raises(ValueError, match="permutation"):
        flip_keypoints(keypoints, 10, [0, 1, 1])


def test_flip_test_realigns_mirrored_prediction():
    """Exact for integer input px; in general the shifted map sits one input px right of the original."""
    codec = MSRAHeatmap()
    truth = np.random.default_rng(3).integers([30, 30], [160, 220], size=(8, 2)).astype(np.float32)
    indices = [0, 2, 1, 4, 3, 6, 5, 7]
    heatmaps, _ = encode(codec, truth)
    mirrored, _ = encode(codec, flip_keypoints(truth, 192, indices))
    expected, _ = codec.decode(heatmaps[None], method="argmax")
    realigned, _ = codec.decode(flip_heatmaps(mirrored[None], indices), method="argmax")
    np.testing.assert_array_equal(realigned, expected)
    averaged = flip_test_average(heatmaps[None], mirrored[None], indices)
    np.testing.assert_array_equal(codec.decode(averaged, method="argmax")[0], expected)


def test_recipe_codec_follows_its_config():
    from hrkeras.training import datasets
    from hrkeras.training.configs import get_config

    codec = datasets.codec(get_config("litehrnet_18_synthetic_128x96").replace(sigma=1.5, blur_kernel_size=5))
    assert (codec.sigma, codec.blur_kernel_size, codec.heatmap_size, codec.unbiased) == (1.5, 5, (32, 24), True)
    assert codec.input_size == (128, 96)
