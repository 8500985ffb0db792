"""HRNet building blocks (official names: BasicBlock, Bottleneck, branches).

Layers are named after the reference state-dict paths, e.g.
`stage2.0.branches.1.3.conv2` (as `stage2_0_branches_1_3_conv2`, see hrkeras.layers.conv).
"""
from keras import layers

from hrkeras.layers.conv import conv_bn


def basic_block(x, planes, name, strides=1):
    """ResNet BasicBlock (expansion 1): [N,H,W,C] -> [N,H/s,W/s,planes]."""
    shortcut = x
    if strides != 1 or x.shape[-1] != planes:
        shortcut = conv_bn(x, planes, 1, f"{name}_downsample_0", f"{name}_downsample_1", strides=strides)
    y = conv_bn(x, planes, 3, f"{name}_conv1", f"{name}_bn1", strides=strides, act="relu")
    y = conv_bn(y, planes, 3, f"{name}_conv2", f"{name}_bn2")
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_relu")(y)


def bottleneck(x, planes, name, strides=1):
    """ResNet Bottleneck (expansion 4): [N,H,W,C] -> [N,H/s,W/s,4*planes]."""
    shortcut = x
    if strides != 1 or x.shape[-1] != 4 * planes:
        shortcut = conv_bn(x, 4 * planes, 1, f"{name}_downsample_0", f"{name}_downsample_1", strides=strides)
    y = conv_bn(x, planes, 1, f"{name}_conv1", f"{name}_bn1", act="relu")
    y = conv_bn(y, planes, 3, f"{name}_conv2", f"{name}_bn2", strides=strides, act="relu")
    y = conv_bn(y, 4 * planes, 1, f"{name}_conv3", f"{name}_bn3")
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_relu")(y)


BLOCKS = {"basic": (basic_block, 1), "bottleneck": (bottleneck, 4)}


def make_layer(x, block, planes, num_blocks, name):
    """`num_blocks` blocks in sequence, named `{name}.{k}`."""
    fn, _ = BLOCKS[block]
    for k in range(num_blocks):
        x = fn(x, planes, f"{name}_{k}")
    return x


def conv3x3_unit(x, filters, strides, act, prefix):
    """HRNet transition / fuse unit: 3x3 conv (`{prefix}.0`) + BN (`{prefix}.1`) [+ ReLU]."""
    return conv_bn(x, filters, 3, f"{prefix}_0", f"{prefix}_1", strides=strides, act=act, act_name=f"{prefix}_2")


class ParallelModule:
    """The parallel multi-resolution convolutions of one HighResolutionModule.

    Branch b runs `num_blocks` blocks at its own resolution (`{name}.{b}.{k}`).
    xs: list of [N, H/2^b, W/2^b, C_b] -> same shapes.
    """

    def __init__(self, channels, num_blocks, name, block="basic"):
        self.channels = list(channels)
        self.num_blocks = num_blocks
        self.block = block
        self.name = name

    def __call__(self, xs):
        return [
            make_layer(x, self.block, c, self.num_blocks, f"{self.name}_{b}")
            for b, (x, c) in enumerate(zip(xs, self.channels))
        ]
