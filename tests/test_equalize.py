"""Per-channel range equalization: exact in float, even channel ranges, and what it does for int8."""
import numpy as np
import pytest
import keras

from hrkeras.convert import export
from hrkeras.convert.equalize import RANGE_FLOOR, EXPONENT, channel_ranges, equalize_ranges
from hrkeras.convert.fold import fold_batch_norm
from hrkeras.convert.tflite_runner import TFLiteRunner
from hrkeras.layers.shuffle import ChannelShuffle, ChannelSplit, ConcatShuffle
from test_qat import images, tiny_pose_model

L = keras.layers


def spread_model(seed=0):
    """Lite-HRNet's pattern in miniature: channels of very different ranges, a stream whose untouched half
    passes a split/shuffle block and is added twice (y = 2 x + F(x)), sigmoid weighting, and a head that
    needs every channel. [N,16,16,3] -> [N,16,16,4]."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    inputs = keras.Input((16, 16, 3))
    stem = L.Conv2D(8, 3, padding="same", name="stem")
    x = L.ReLU(name="stem_relu")(stem(inputs))
    for k in range(4):
        first, second = ChannelSplit([4, 4], name=f"split{k}")(x)
        second = L.DepthwiseConv2D(3, padding="same", name=f"dw{k}")(second)
        gate = L.Activation("sigmoid", name=f"gate{k}")(L.Conv2D(4, 1, name=f"gate_conv{k}")(second))
        second = L.Multiply(name=f"mul{k}")([second, gate])
        if k % 2:
            x = ConcatShuffle(name=f"shuffle{k}")([first, second])
        else:
            x = ChannelShuffle(2, name=f"shuffle{k}")(L.Concatenate(name=f"concat{k}")([first, second]))
        x = L.ReLU(name=f"relu{k}")(L.Add(name=f"fuse{k}")([x, x, L.Conv2D(8, 1, name=f"f{k}")(x)]))
    head = L.Conv2D(4, 1, name="head")
    model = keras.Model(inputs, head(x))
    # Stem channels span two orders of magnitude (widths); the head weighs them back to equal shares.
    widths = 10.0 ** (np.arange(8) % 4 * 0.67 - 1.0)
    kernel, bias = stem.get_weights()
    stem.set_weights([kernel * widths, rng.uniform(0.1, 0.5, 8) * widths])
    for layer in model.layers:
        if layer.name.startswith(("f", "gate_conv", "dw")):
            weights = layer.get_weights()
            layer.set_weights([rng.normal(0, 0.05, w.shape) for w in weights])
    kernel, bias = head.get_weights()
    head.set_weights([rng.normal(0, 1, kernel.shape) / widths[:, None] / 4, bias])
    return model


def by_layer(model, ranges):
    """layer name -> [C] channel ranges of its (first) output."""
    return {layer.name: ranges[id(layer.output)] for layer in model.layers if id(layer.output) in ranges}


def calibration(n=16, seed=3):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 16, 16, 3)).astype("float32")


def test_equalized_model_computes_the_same_function():
    folded = fold_batch_norm(spread_model())
    equalized = equalize_ranges(folded, calibration())
    x = calibration(8, seed=4)
    expected = np.asarray(folded(x))
    np.testing.assert_allclose(equalized(x), expected, atol=1e-5 * np.abs(expected).max())
    # The twice-added stream becomes one per-channel 1x1 depthwise conv per fusion; nothing else is added.
    added = {layer.name for layer in equalized.layers} - {layer.name for layer in folded.layers}
    assert added == {f"fuse{k}_scale0" for k in range(4)}


def test_channel_ranges_are_evened_out():
    folded = fold_batch_norm(spread_model())
    x = calibration()
    equalized = equalize_ranges(folded, x)
    before, after = by_layer(folded, channel_ranges(folded, x)), by_layer(equalized, channel_ranges(equalized, x))
    for name in ("stem", "fuse0"):
        assert before[name].max() / before[name].min() > 20  # the problem, as built
        r, top = before[name], before[name].max()  # widest channel at 1, the others at (r / top) ** (1 - EXPONENT)
        np.testing.assert_allclose(after[name], (np.maximum(r, RANGE_FLOOR * top) / top) ** -EXPONENT * r / top,
                                   rtol=1e-3)
        assert after[name].max() / after[name].min() < (r.max() / r.min()) ** 0.75
    assert np.allclose(after["head"], before["head"], rtol=1e-4)  # outputs keep their values


def test_int8_error_drops_after_equalization():
    folded = fold_batch_norm(spread_model())
    x, test = calibration(32), calibration(8, seed=5)
    expected = np.asarray(folded(test))

    def int8_error(model):
        runner = TFLiteRunner(export.convert(model, "int8", representative=(s[None] for s in x)))
        got = np.concatenate([runner(s[None]) for s in test])
        return np.abs(got - expected).max() / np.abs(expected).max()

    plain, equalized = int8_error(folded), int8_error(equalize_ranges(folded, x))
    assert equalized < plain / 1.5, (plain, equalized)  # measured: 0.19 -> 0.10


def test_lite_hrnet_pose_model_equalizes_exactly():
    folded = fold_batch_norm(tiny_pose_model())
    equalized = equalize_ranges(folded, images(8))
    x = images(4, seed=2)
    expected = np.asarray(folded(x))
    np.testing.assert_allclose(equalized(x), expected, atol=1e-5 * np.abs(expected).max())
    scales = [layer.name for layer in equalized.layers if layer.name.endswith("_scale0")]
    assert scales and all("fuse_layers_0_add" in name for name in scales)  # branch 0's 2 x0 + ... only


def test_needs_folded_batch_norm():
    with pytest.raises(ValueError, match="fold_batch_norm"):
        equalize_ranges(tiny_pose_model(), images(2))
