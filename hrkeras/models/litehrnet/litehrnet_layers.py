"""Lite-HRNet blocks (names from the paper and the reference state dict).

Stem, ConditionalChannelWeighting (= CrossResolutionWeighting + per-branch
depthwise conv + SpatialWeighting), ShuffleUnit (naive variants), the
depthwise-separable unit used by transitions and fusion, and IterativeHead.
"""
from keras import layers

from hrkeras.layers.conv import conv_bn, conv_module
from hrkeras.layers.pool import AdaptiveAveragePool2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelSplit, ConcatShuffle


def halves(x, name):
    """[N,H,W,C] -> two [N,H,W,C/2] (first half, second half)."""
    c = x.shape[-1]
    return ChannelSplit([c // 2, c - c // 2], name=name)(x)


def concat_shuffle(parts, name):
    """Concatenate on channels, then channel_shuffle(groups=2)."""
    return ConcatShuffle(name=f"{name}_concat_shuffle")(parts)


def dwsep_unit(x, filters, strides, act, prefix):
    """dw3x3 (`.0`) + BN (`.1`) + pw1x1 (`.2`) + BN (`.3`) [+ ReLU]: transitions and fusion."""
    x = conv_bn(x, x.shape[-1], 3, f"{prefix}_0", f"{prefix}_1", strides=strides, depthwise=True)
    return conv_bn(x, filters, 1, f"{prefix}_2", f"{prefix}_3", act=act, act_name=f"{prefix}_4")


def stem(x, stem_channels, out_channels, expand_ratio, name="stem"):
    """3x3 s2 conv, then a stride-2 shuffle block: [N,H,W,3] -> [N,H/4,W/4,out_channels]."""
    x = conv_module(x, stem_channels, 3, f"{name}_conv1", strides=2)
    branch_channels = stem_channels // 2
    mid_channels = int(round(stem_channels * expand_ratio))
    if stem_channels == out_channels:
        inc_channels, linear_channels = out_channels - branch_channels, branch_channels
    else:
        inc_channels, linear_channels = out_channels - stem_channels, stem_channels
    x1, x2 = halves(x, f"{name}_split")
    x1 = conv_module(x1, branch_channels, 3, f"{name}_branch1_0", strides=2, depthwise=True, act=None)
    x1 = conv_module(x1, inc_channels, 1, f"{name}_branch1_1")
    x2 = conv_module(x2, mid_channels, 1, f"{name}_expand_conv")
    x2 = conv_module(x2, mid_channels, 3, f"{name}_depthwise_conv", strides=2, depthwise=True, act=None)
    x2 = conv_module(x2, linear_channels, 1, f"{name}_linear_conv")
    return concat_shuffle([x1, x2], name)


class CrossResolutionWeighting:
    """Channel weights computed from all resolutions jointly.

    Every branch is average-pooled to the smallest resolution, concatenated, 1x1 conv+BN+ReLU (C/ratio),
    1x1 conv+BN+Sigmoid (C), split per branch, nearest-upsampled back and
    multiplied in. xs: [N, H/2^i, W/2^i, C_i] -> same shapes.
    """

    def __init__(self, channels, ratio, name):
        self.channels = list(channels)
        self.ratio = ratio
        self.name = name

    def __call__(self, xs):
        n = len(xs)
        pooled = [
            AdaptiveAveragePool2D(xs[-1].shape[1:3], name=f"{self.name}_pool{i}")(x) if i < n - 1 else x
            for i, x in enumerate(xs)
        ]
        total = sum(self.channels)
        w = layers.Concatenate(name=f"{self.name}_concat")(pooled)
        w = conv_module(w, int(total / self.ratio), 1, f"{self.name}_conv1")
        # Split before the sigmoid: the int8 converter rejects a slice of the sigmoid's fixed-scale output.
        w = conv_module(w, total, 1, f"{self.name}_conv2", act=None)
        weights = ChannelSplit(self.channels, name=f"{self.name}_split")(w)
        outs = []
        for i, (x, a) in enumerate(zip(xs, weights)):
            a = layers.Activation("sigmoid", name=f"{self.name}_conv2_sigmoid{i}")(a)
            if i < n - 1:
                a = Resize(x.shape[1:3], "nearest", name=f"{self.name}_up{i}")(a)
            outs.append(layers.Multiply(name=f"{self.name}_mul{i}")([x, a]))
        return outs


def spatial_weighting(x, name, ratio=4):
    """SE-style weighting (convs with bias, no BN): [N,H,W,C] -> [N,H,W,C]."""
    c = x.shape[-1]
    w = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(x)
    w = layers.Conv2D(int(c / ratio), 1, name=f"{name}_conv1_conv")(w)
    w = layers.ReLU(name=f"{name}_conv1_relu")(w)
    w = layers.Conv2D(c, 1, name=f"{name}_conv2_conv")(w)
    w = layers.Activation("sigmoid", name=f"{name}_conv2_sigmoid")(w)
    return layers.Multiply(name=f"{name}_mul")([x, w])


class ConditionalChannelWeighting:
    """Lite-HRNet's block replacing the 1x1 convs of a shuffle block.

    Each branch is split in half; the second halves go through
    CrossResolutionWeighting, a depthwise 3x3 + BN and SpatialWeighting, are
    concatenated with the untouched first halves and channel-shuffled.
    xs: [N, H/2^i, W/2^i, C_i] -> same shapes.
    """

    def __init__(self, channels, reduce_ratio, name):
        self.channels = list(channels)
        self.reduce_ratio = reduce_ratio
        self.name = name

    def __call__(self, xs):
        parts = [halves(x, f"{self.name}_split{i}") for i, x in enumerate(xs)]
        x2 = CrossResolutionWeighting(
            [c // 2 for c in self.channels], self.reduce_ratio, f"{self.name}_cross_resolution_weighting"
        )([p[1] for p in parts])
        outs = []
        for i, ((x1, _), y) in enumerate(zip(parts, x2)):
            c = y.shape[-1]
            y = conv_module(y, c, 3, f"{self.name}_depthwise_convs_{i}", depthwise=True, act=None)
            y = spatial_weighting(y, f"{self.name}_spatial_weighting_{i}")
            outs.append(concat_shuffle([x1, y], f"{self.name}_out{i}"))
        return outs


def shuffle_unit(x, name):
    """ShuffleNetV2 unit, stride 1 (naive Lite-HRNet): [N,H,W,C] -> [N,H,W,C]."""
    c = x.shape[-1] // 2
    x1, x2 = halves(x, f"{name}_split")
    x2 = conv_module(x2, c, 1, f"{name}_branch2_0")
    x2 = conv_module(x2, c, 3, f"{name}_branch2_1", depthwise=True, act=None)
    x2 = conv_module(x2, c, 1, f"{name}_branch2_2")
    return concat_shuffle([x1, x2], name)


class LiteParallelModule:
    """The per-module blocks: "lite" = ConditionalChannelWeighting blocks across
    all branches (`{name}.{k}`); "naive" = shuffle units per branch (`{name}.{b}.{k}`)."""

    def __init__(self, channels, num_blocks, module_type, reduce_ratio, name):
        if module_type not in ("lite", "naive"):
            raise ValueError(f"module_type must be 'lite' or 'naive', got {module_type!r}")
        self.channels = list(channels)
        self.num_blocks = num_blocks
        self.module_type = module_type
        self.reduce_ratio = reduce_ratio
        self.name = name

    def __call__(self, xs):
        for k in range(self.num_blocks):
            if self.module_type == "lite":
                xs = ConditionalChannelWeighting(self.channels, self.reduce_ratio, f"{self.name}_{k}")(xs)
            else:
                xs = [shuffle_unit(x, f"{self.name}_{b}_{k}") for b, x in enumerate(xs)]
        return xs


class IterativeHead:
    """Lite-HRNet's head: from the lowest resolution up, add the bilinearly
    (align_corners=True) upsampled previous output, then a depthwise-separable
    conv projecting to the next branch's width.

    xs: [N, H/2^i, W/2^i, C_i], i = 0..n-1 -> same list, C_i' = C_{i-1} (C_0 kept).
    """

    def __init__(self, channels, name="head_layer"):
        self.channels = list(channels)
        self.name = name

    def __call__(self, xs):
        rev = list(reversed(self.channels))
        ys, last = [], None
        for i, x in enumerate(reversed(xs)):
            prefix = f"{self.name}_projects_{i}"
            if last is not None:
                up = Resize(x.shape[1:3], "bilinear", align_corners=True, name=f"{prefix}_up")(last)
                x = layers.Add(name=f"{prefix}_add")([x, up])
            out = rev[i + 1] if i + 1 < len(rev) else rev[i]
            x = conv_module(x, x.shape[-1], 3, f"{prefix}_depthwise_conv", depthwise=True, act=None)
            x = conv_module(x, out, 1, f"{prefix}_pointwise_conv")
            ys.append(x)
            last = x
        return list(reversed(ys))
