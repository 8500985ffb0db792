"""Layer numerics against PyTorch's definitions (torch CPU is a test dependency)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
import keras

from hrkeras.layers.conv import conv
from hrkeras.layers.pool import AdaptiveAveragePool2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelShuffle, ChannelSplit, ConcatShuffle

RNG = np.random.default_rng(0)


def nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def nhwc(t):
    return t.numpy().transpose(0, 2, 3, 1)


@pytest.mark.parametrize("src,dst", [((6, 8), (12, 16)), ((3, 5), (24, 40)), ((8, 6), (64, 48)), ((2, 3), (12, 9))])
@pytest.mark.parametrize("mode,align", [("bilinear", True), ("bilinear", False), ("nearest", False)])
def test_resize_equals_torch_interpolate(src, dst, mode, align):
    x = RNG.standard_normal((2, *src, 5)).astype("float32")
    ours = keras.ops.convert_to_numpy(Resize(dst, mode, align)(x))
    kwargs = {"align_corners": align} if mode == "bilinear" else {}
    ref = nhwc(F.interpolate(nchw(x), size=dst, mode=mode, **kwargs))
    np.testing.assert_allclose(ours, ref, atol=2e-6)


def test_resize_rejects_fractional_nearest():
    with pytest.raises(ValueError, match="not an integer"):
        Resize((10, 10), "nearest")(np.zeros((1, 4, 4, 1), "float32"))


def test_channel_shuffle_equals_torch_definition():
    x = RNG.standard_normal((2, 3, 4, 12)).astype("float32")
    t = nchw(x)
    ref = nhwc(t.view(2, 2, 6, 3, 4).transpose(1, 2).contiguous().view(2, 12, 3, 4))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ChannelShuffle(2)(x)), ref)


@pytest.mark.parametrize("widths", [[6, 6], [4, 4, 4], [5, 7]])
def test_concat_shuffle_equals_torch_concatenate_then_shuffle(widths):
    parts = [RNG.standard_normal((2, 3, 4, c)).astype("float32") for c in widths]
    groups, total = len(widths), sum(widths)
    t = torch.cat([nchw(p) for p in parts], dim=1)
    ref = nhwc(t.view(2, groups, total // groups, 3, 4).transpose(1, 2).contiguous().view(2, total, 3, 4))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(ConcatShuffle()(parts)), ref)


def test_concat_shuffle_rejects_indivisible_widths():
    parts = [np.zeros((1, 2, 2, c), "float32") for c in (3, 4)]
    with pytest.raises(ValueError, match="7 channels do not split into 2 groups"):
        ConcatShuffle()(parts)


@pytest.mark.parametrize("training", [False, True])  # slices for export, one split in training
@pytest.mark.parametrize("sizes", [[3, 7], [5, 5], [2, 4, 8]])
def test_channel_split_follows_torch_split(sizes, training):
    x = RNG.standard_normal((1, 2, 2, sum(sizes))).astype("float32")
    parts = ChannelSplit(sizes)(x, training=training)
    refs = torch.split(nchw(x), sizes, dim=1)
    for p, r in zip(parts, refs, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(p), nhwc(r))


@pytest.mark.parametrize("src,dst", [((8, 6), (1, 1)), ((64, 48), (8, 6)), ((12, 9), (4, 3))])
def test_adaptive_average_pool_equals_torch(src, dst):
    x = RNG.standard_normal((2, *src, 5)).astype("float32")
    ours = keras.ops.convert_to_numpy(AdaptiveAveragePool2D(dst)(x))
    np.testing.assert_allclose(ours, nhwc(F.adaptive_avg_pool2d(nchw(x), dst)), atol=1e-6)


def test_adaptive_average_pool_rejects_non_divisors():
    with pytest.raises(ValueError, match="integer factors"):
        AdaptiveAveragePool2D((3, 3))(np.zeros((1, 8, 8, 1), "float32"))


@pytest.mark.parametrize("depthwise", [False, True])
@pytest.mark.parametrize("size", [(8, 6), (7, 5)])
def test_strided_conv_pads_like_pytorch(depthwise, size):
    """Stride-2 3x3 conv with padding=1 must match PyTorch on even and odd inputs."""
    x = RNG.standard_normal((1, *size, 4)).astype("float32")
    inp = keras.Input((*size, 4))
    model = keras.Model(inp, conv(inp, 4, 3, "c", strides=2, depthwise=depthwise))
    kernel = model.get_layer("c").get_weights()[0]  # [3, 3, in, out] or [3, 3, C, 1]
    if depthwise:
        weight = torch.from_numpy(kernel.transpose(2, 3, 0, 1).copy())  # [C, 1, 3, 3]
        ref = F.conv2d(nchw(x), weight, stride=2, padding=1, groups=4)
    else:
        weight = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
        ref = F.conv2d(nchw(x), weight, stride=2, padding=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), nhwc(ref), atol=1e-5)


def test_fusion_reproduces_litehrnet_reference_forward():
    """mmpose LiteHRModule: `y = out[0] if i == 0 else f[i][0](out[0]); for j: y += ...` (in place)."""
    from hrkeras.layers.fusion import FusionModule
    from hrkeras.models.hrnet.hrnet_layers import conv3x3_unit

    x0 = RNG.standard_normal((1, 4, 4, 2)).astype("float32")
    x1 = RNG.standard_normal((1, 2, 2, 4)).astype("float32")
    i0, i1 = keras.Input((4, 4, 2)), keras.Input((2, 2, 4))
    model = keras.Model([i0, i1], FusionModule([2, 4], conv3x3_unit, "f", reference_branch0=True)([i0, i1]))
    for w in model.weights:
        w.assign(RNG.uniform(0.5, 1.5, w.shape).astype("float32"))
    ours = [keras.ops.convert_to_numpy(t) for t in model([x0, x1])]

    def bn(t, name):
        g, b, m, v = (torch.from_numpy(np.asarray(a)) for a in model.get_layer(name).get_weights())
        return F.batch_norm(t, m, v, g, b, eps=1e-5)

    def kernel(name):
        return torch.from_numpy(model.get_layer(name).get_weights()[0].transpose(3, 2, 0, 1).copy())

    def f01(t):
        return F.interpolate(bn(F.conv2d(t, kernel("f_0_1_0")), "f_0_1_1"), scale_factor=2, mode="nearest")

    def f10(t):
        return bn(F.conv2d(t, kernel("f_1_0_0_0"), stride=2, padding=1), "f_1_0_0_1")

    out = [nchw(x0), nchw(x1)]
    fuse = [[None, f01], [f10, None]]
    result = []
    for i in range(2):
        y = out[0] if i == 0 else fuse[i][0](out[0])
        for j in range(2):
            if i == j:
                y += out[j]
            else:
                y += fuse[i][j](out[j])
        result.append(F.relu(y))
    for got, want in zip(ours, result):
        np.testing.assert_allclose(got, nhwc(want), rtol=1e-5, atol=1e-5)
