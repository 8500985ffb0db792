"""Layer numerics against PyTorch's definitions (torch CPU is a test dependency)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
import keras

from hrkeras.layers.conv import conv
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelShuffle, ChannelSplit

RNG = np.random.default_rng(0)


def nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def nhwc(t):
    return t.numpy().transpose(0, 2, 3, 1)


@pytest.mark.parametrize("src,dst", [((6, 8), (12, 16)), ((3, 5), (24, 40)), ((8, 6), (64, 48))])
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


def test_channel_split_follows_torch_split():
    x = RNG.standard_normal((1, 2, 2, 10)).astype("float32")
    parts = ChannelSplit([3, 7])(x)
    refs = torch.split(nchw(x), [3, 7], dim=1)
    for p, r in zip(parts, refs):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(p), nhwc(r))


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
