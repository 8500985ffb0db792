"""Quantization-aware training: BatchNorm folding, fake-quant layers and QAT models (Keras side)."""
import numpy as np
import pytest
import keras

from hrkeras import LiteHRNetBackbone, PoseEstimator
from hrkeras.convert.fold import fold_batch_norm
from hrkeras.convert.qat import quantize_model
from hrkeras.convert.quantizers import (FakeQuant, QuantAdaptiveAveragePool2D, QuantConcatShuffle, QuantConv2D,
                                        QuantDense, QuantDepthwiseConv2D, QuantReLU, fake_quants)
from hrkeras.layers.shuffle import ConcatShuffle

SHAPE = (64, 64, 3)


def tiny_pose_model(seed=0):
    """A small Lite-HRNet pose model (nested backbone) with every layer kind of the real pose models:
    strided convs with padding, depthwise convs, BatchNorm, ReLU, sigmoid, n-ary Add (with a repeated
    input), Multiply, Concatenate, ChannelSplit/Shuffle, average pooling, nearest and align_corners
    resizes. BatchNorm statistics and the biased convs (SE and head) are randomized like a trained model's."""
    keras.utils.set_random_seed(seed)
    backbone = LiteHRNetBackbone(widths=(16, 32, 64, 128), stage_modules=(1, 1, 1), stage_blocks=(1, 1, 1),
                                 stem_channels=16, stem_out_channels=16, input_shape=SHAPE)
    model = PoseEstimator(backbone, num_keypoints=5, head="iterative")
    rng = np.random.default_rng(seed)
    for layer in [*backbone.layers, *model.layers]:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.2, beta.shape),
                               rng.normal(0, 0.2, mean.shape), rng.uniform(0.5, 2.0, var.shape)])
        elif isinstance(layer, keras.layers.Conv2D) and layer.use_bias:  # no dead (all-zero) ReLU outputs
            kernel, bias = layer.get_weights()
            layer.set_weights([rng.normal(0, 0.3, kernel.shape), rng.uniform(0.5, 1.5, bias.shape)])
    return model


def images(n, seed=1):
    return np.random.default_rng(seed).standard_normal((n, *SHAPE)).astype("float32")


def calibrate(qat_model, batches=3):
    """Set the activation ranges as the first training steps would."""
    for b in range(batches):
        qat_model(images(4, seed=10 + b), training=True)
    return qat_model


def test_fold_batch_norm_is_exact_and_flat():
    keras.config.set_dtype_policy("float64")
    try:
        model = tiny_pose_model()
        folded = fold_batch_norm(model)
        x = images(2).astype("float64")
        want, got = model(x).numpy(), folded(x).numpy()
    finally:
        keras.config.set_dtype_policy("float32")
    assert not [layer for layer in folded.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert not [layer for layer in folded.layers if isinstance(layer, keras.Model)]  # backbone inlined
    np.testing.assert_allclose(got, want, atol=1e-9 * np.abs(want).max())


def test_fold_batch_norm_float32_matches_to_1e5_of_range():
    model = tiny_pose_model()
    x = images(2)
    want, got = model(x).numpy(), fold_batch_norm(model)(x).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5 * np.abs(want).max())


def test_batch_norm_without_conv_is_kept_and_named_by_quantize_model():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.BatchNormalization(name="input_bn")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(4, 1)(x))
    folded = fold_batch_norm(model)
    assert isinstance(folded.get_layer("input_bn"), keras.layers.BatchNormalization)
    with pytest.raises(ValueError, match="input_bn.*BatchNormalization"):
        quantize_model(model)


def expected_fake_quant(x, low, high):
    """TensorFlow's FakeQuantWithMinMaxVars, 8 bit: zero-point nudging, round half up, clamp."""
    scale = (high - low) / 255
    zero = np.round(-low / scale)
    low, high = -zero * scale, (255 - zero) * scale
    return np.floor((np.clip(x, low, high) - low) / scale + 0.5) * scale + low


def test_fake_quant_moving_average_range_and_grid():
    layer = FakeQuant(momentum=0.9)
    first = np.array([[-1.0, 0.5, 2.0]], "float32")
    second = np.array([[-3.0, 0.2, 1.0]], "float32")
    layer(first, training=True)  # the first batch sets the range
    np.testing.assert_allclose([layer.range_min.numpy(), layer.range_max.numpy()], [-1.0, 2.0])
    layer(second, training=True)  # then 0.9 * range + 0.1 * batch range
    np.testing.assert_allclose([layer.range_min.numpy(), layer.range_max.numpy()], [-1.2, 1.9], rtol=1e-6)
    x = np.linspace(-2, 3, 101, dtype="float32")[None]
    np.testing.assert_allclose(layer(x).numpy(), expected_fake_quant(x, -1.2, 1.9), atol=1e-6)
    np.testing.assert_allclose(layer.range_max.numpy(), 1.9, rtol=1e-6)  # inference leaves the range
    positive = FakeQuant()
    positive(np.array([[0.5, 4.0]], "float32"), training=True)
    assert positive.range_min.numpy() == 0.0  # ranges always contain zero


def test_fixed_range_fake_quant_is_tflite_sigmoid_grid():
    layer = FakeQuant(fixed_range=(0.0, 255 / 256))
    x = np.random.default_rng(0).uniform(0, 1, (1, 64)).astype("float32")
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y * 256, np.minimum(np.floor(x * 256 + 0.5), 255), atol=1e-4)
    assert layer.range_max.numpy() == np.float32(255 / 256)


def test_kernels_are_fake_quantized_symmetric_narrow_range():
    # Output channel 0 spans [-1, 0.5] -> step 1/127; channel 1 spans [-0.1, 0.03] -> step 0.1/127.
    kernel = np.array([[[[0.5, -0.1], [-1.0, 0.03]]]], "float32")  # [1, 1, in=2, out=2]
    expected = np.array([[[[64 / 127, -0.1], [-1.0, 38 * 0.1 / 127]]]], "float32")
    conv = QuantConv2D(2, 1, use_bias=False)
    conv.build((None, 1, 1, 2))
    conv.set_weights([kernel])
    x = np.eye(2, dtype="float32").reshape(2, 1, 1, 2)  # one-hot inputs read out the kernel rows
    np.testing.assert_allclose(conv(x).numpy().reshape(2, 2), expected[0, 0], rtol=1e-6)

    dense = QuantDense(2, use_bias=False)  # per tensor: one step 1/127
    dense.build((None, 2))
    dense.set_weights([kernel[0, 0]])
    per_tensor = np.array([[64, -13], [-127, 4]], "float32") / 127
    np.testing.assert_allclose(dense(np.eye(2, dtype="float32")).numpy(), per_tensor, rtol=1e-6)

    # Depthwise [1, 1, in=2, mult=2]: output channel 2i+m has its own step max|k[..., i, m]| / 127.
    dw_kernel = np.array([[[[0.5, -0.1], [-1.0, 0.03]]]], "float32")
    dw_kernel = np.concatenate([dw_kernel, dw_kernel * [[[[1.0, 0.3]]]]], axis=0)  # [2, 1, 2, 2]
    dw = QuantDepthwiseConv2D((2, 1), depth_multiplier=2, use_bias=False)
    dw.build((None, 2, 1, 2))
    dw.set_weights([dw_kernel])
    bound = np.abs(dw_kernel).max(axis=(0, 1))
    want = np.round(dw_kernel / bound * 127) * bound / 127
    ones = np.zeros((2, 2, 1, 2), "float32")
    ones[0, 0], ones[1, 1] = 1, 1  # read kernel row 0 and row 1
    got = dw(ones).numpy().reshape(2, 2, 2)  # [row, in, mult]
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-6)


def test_quantize_model_structure():
    qat = quantize_model(tiny_pose_model())
    kinds = [type(layer) for layer in qat.layers]
    assert keras.layers.Conv2D not in kinds and keras.layers.DepthwiseConv2D not in kinds
    assert QuantConv2D in kinds and QuantDepthwiseConv2D in kinds
    assert isinstance(qat.layers[1], FakeQuant)  # right after the input
    assert isinstance(qat.layers[-1], FakeQuant)  # the output range
    names = {layer.name for layer in qat.layers}
    # conv -> ReLU: one range, after the ReLU (TFLite fuses the ReLU into the conv)
    assert "stem_conv1_relu_quant" in names and "stem_conv1_conv_quant" not in names
    # sigmoid outputs use the fixed grid of TFLite's int8 LOGISTIC
    sigmoid = qat.get_layer("stage0_0_layers_0_spatial_weighting_0_conv2_sigmoid_quant")
    assert sigmoid.fixed_range == (0.0, 255 / 256)
    # the fused branch-0 sum also feeds the next fusion: its ReLU cannot fuse into the Add
    assert isinstance(qat.get_layer("stage0_0_relu0"), QuantReLU)
    assert isinstance(qat.get_layer("stage0_0_layers_0_cross_resolution_weighting_pool0"), QuantAdaptiveAveragePool2D)
    # the stem joins two new ranges into one; a block's untouched half lends its range to the other half
    assert type(qat.get_layer("stem_concat_shuffle")) is QuantConcatShuffle
    assert type(qat.get_layer("stage1_0_layers_0_out0_concat_shuffle")) is ConcatShuffle


def test_qat_model_trains_with_fit_and_round_trips(tmp_path):
    qat = quantize_model(tiny_pose_model())
    qat.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    before = qat.get_layer("final_layer").get_weights()[0].copy()
    qat.fit(images(4), np.zeros((4, 16, 16, 5), "float32"), batch_size=2, epochs=1, verbose=0)
    assert all(float(q.calibrated.numpy()) == 1.0 for q in fake_quants(qat))  # fit set every range
    assert not np.allclose(qat.get_layer("final_layer").get_weights()[0], before)
    path = tmp_path / "qat.keras"
    qat.save(path)
    loaded = keras.models.load_model(path)
    x = images(1, seed=3)
    np.testing.assert_allclose(loaded(x).numpy(), qat(x).numpy(), atol=1e-6)
