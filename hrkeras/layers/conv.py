"""Convolution + BatchNorm helpers with PyTorch-exact padding and names.

Every helper builds plain Keras layers into the functional graph (no composite
layers), named after the module paths of the reference PyTorch code with "."
replaced by "_" (`stage2.0.branches.1.3.conv2` -> `stage2_0_branches_1_3_conv2`;
PyTorch parameter names cannot hold dots, which Keras' torch backend needs), so
checkpoint import, BatchNorm folding (QAT) and channel masking (HR-NAS) find
each convolution and its BatchNorm by name.
"""
import keras
from keras import layers

# PyTorch BatchNorm2d defaults (momentum 0.1 there == 0.9 here).
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def conv_initializer():
    """He-normal, fan-out (torchvision/timm convention for ReLU networks)."""
    return keras.initializers.VarianceScaling(2.0, "fan_out", "truncated_normal")


def conv(x, filters, kernel_size, name, strides=1, depthwise=False, use_bias=False):
    """Conv2D / DepthwiseConv2D with PyTorch padding (k // 2 on every side).

    Keras "same" padding with stride 2 pads only bottom/right on even inputs,
    which shifts outputs by a pixel against PyTorch; strided convolutions
    therefore get an explicit symmetric ZeroPadding2D and "valid" padding.

    x: [N, H, W, C] -> [N, ceil(H / strides), ceil(W / strides), filters].
    """
    pad = kernel_size // 2
    padding = "same" if pad else "valid"
    if strides > 1 and pad:
        x = layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
        padding = "valid"
    common = dict(
        kernel_size=kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        name=name,
    )
    if depthwise:
        if filters != x.shape[-1]:
            raise ValueError(f"{name}: a depthwise conv keeps its {x.shape[-1]} channels, got filters={filters}")
        return layers.DepthwiseConv2D(depthwise_initializer=conv_initializer(), **common)(x)
    return layers.Conv2D(filters, kernel_initializer=conv_initializer(), **common)(x)


def batch_norm(x, name):
    """BatchNormalization with PyTorch's momentum and epsilon."""
    return layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)(x)


def activation(x, act, name):
    """act: None, "relu" or "sigmoid"."""
    if act is None:
        return x
    if act == "relu":
        return layers.ReLU(name=name)(x)
    return layers.Activation(act, name=name)(x)


def conv_bn(x, filters, kernel_size, conv_name, bn_name, strides=1, depthwise=False, act=None, act_name=None,
            use_bias=False):
    """conv -> BN -> optional activation (mmcv ConvModule order)."""
    x = conv(x, filters, kernel_size, conv_name, strides=strides, depthwise=depthwise, use_bias=use_bias)
    x = batch_norm(x, bn_name)
    return activation(x, act, act_name or f"{bn_name}_{act}")


def conv_module(x, filters, kernel_size, name, strides=1, depthwise=False, act="relu"):
    """mmcv ConvModule naming: `{name}.conv`, `{name}.bn`."""
    return conv_bn(
        x, filters, kernel_size, f"{name}_conv", f"{name}_bn",
        strides=strides, depthwise=depthwise, act=act, act_name=f"{name}_{act}",
    )
