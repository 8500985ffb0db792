"""HR-NAS search space: SearchBlock, FuseModule, ParallelModule and the stem.

Layer names follow the official state dict (dingmyu/HR-NAS `models/hrnet.py`,
`models/mobilenet_base.py`) with "." -> "_": a block at `features.4.branches.1.0`
has `..._ops_{p}_1_{0,1}` (kxk depthwise conv, BN of kernel path p), `..._pw_bn`,
`..._residual` and `..._transformer_*`. The kernel paths' 1x1 convolutions run
merged: `..._expand_{0,1}` (1x1 expand conv, BN) holds every path's `ops.{p}.0.*`
and `..._project` every path's `ops.{p}.2`, concatenated in path order
(hrkeras.checkpoints.keys merges the official tensors on import).
"""
import math
from dataclasses import dataclass

from keras import layers

from hrkeras.layers.conv import conv
from hrkeras.layers.grouped import GroupedConv2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelSplit

from .hrnas_transformer import LightweightTransformer


@dataclass(frozen=True)
class BlockChoice:
    """What one SearchBlock keeps: depthwise kernel sizes, hidden channels per kernel, transformer tokens."""

    kernel_sizes: tuple
    hidden_channels: tuple
    num_tokens: int = 0


def conv_bn_act(x, filters, kernel_size, name, bn, strides=1, depthwise=False, act=True):
    """The official ConvBNReLU (`{name}.0` conv, `{name}.1` BN): [N,H,W,C] -> [N,H/s,W/s,filters]."""
    x = conv(x, filters, kernel_size, f"{name}_0", strides=strides, depthwise=depthwise)
    x = batch_norm(x, f"{name}_1", bn)
    return layers.ReLU(name=f"{name}_relu")(x) if act else x


def batch_norm(x, name, bn):
    """BatchNorm with PyTorch-style settings bn = (momentum, eps)."""
    return layers.BatchNormalization(momentum=1.0 - bn[0], epsilon=bn[1], name=name)(x)


class SearchBlock:
    """The paper's search block (Fig. 3c): x [N,H,W,C_in] -> [N,H/s,W/s,C_out].

    Sum over kept kernels k of 1x1 expand + BN-ReLU, kxk depthwise (stride s) +
    BN-ReLU, 1x1 project; then a shared BN (`pw_bn`), plus the residual: identity
    when s == 1 and C_in == C_out (through the lightweight transformer when it
    has tokens), else a strided 1x1 conv grouped by gcd(C_in, C_out). No
    activation after the sum. A block with no kernel left is its residual path.

    The paths' expand convs (and BNs) run as one conv over their concatenated
    outputs, split for the depthwise convs, and the sum of their projections as
    one conv over the concatenated depthwise outputs: the same function in
    about half the kernels (a training step of a searched network, launch-bound
    on a CPU, takes ~0.7x the time; docs/hrnas_search.md).
    """

    def __init__(self, out_channels, stride, choice, bn, name):
        self.out_channels = out_channels
        self.stride = stride
        self.choice = choice
        self.bn = bn
        self.name = name

    def _paths(self, x):
        """The summed kernel paths before `pw_bn`: [N,H,W,C_in] -> [N,H/s,W/s,C_out]."""
        name, hidden = self.name, self.choice.hidden_channels
        y = conv_bn_act(x, sum(hidden), 1, f"{name}_expand", self.bn)
        parts = ChannelSplit(hidden, name=f"{name}_split")(y) if len(hidden) > 1 else [y]
        parts = [conv_bn_act(part, h, k, f"{name}_ops_{p}_1", self.bn, strides=self.stride, depthwise=True,
                             act=False)
                 for p, (part, k, h) in enumerate(zip(parts, self.choice.kernel_sizes, hidden))]
        y = parts[0] if len(parts) == 1 else layers.Concatenate(name=f"{name}_paths")(parts)
        y = layers.ReLU(name=f"{name}_paths_relu")(y)
        return conv(y, self.out_channels, 1, f"{name}_project")

    def __call__(self, x):
        name, c_in = self.name, x.shape[-1]
        identity = self.stride == 1 and c_in == self.out_channels
        if identity:
            shortcut = x
            if self.choice.num_tokens:
                shortcut = LightweightTransformer(self.choice.num_tokens, f"{name}_transformer")(x)
        else:
            shortcut = GroupedConv2D(self.out_channels, 1, strides=self.stride, groups=math.gcd(c_in, self.out_channels),
                                     use_bias=False, name=f"{name}_residual")(x)
        if not self.choice.kernel_sizes:
            return shortcut
        y = batch_norm(self._paths(x), f"{name}_pw_bn", self.bn)
        return layers.Add(name=f"{name}_add")([shortcut, y])


def stem(x, channels, bn, name="downsamples"):
    """Two 3x3 stride-2 ConvBNReLU: [N,H,W,3] -> [N,H/4,W/4,channels[1]]."""
    for i, c in enumerate(channels):
        x = conv_bn_act(x, c, 3, f"{name}_{i}", bn, strides=2)
    return x


class ParallelModule:
    """Per-branch chains of stride-1 search blocks (`{name}.branches.{b}.{k}`);
    xs: [N,H/2^(b+2),W/2^(b+2),C_b] -> same shapes."""

    def __init__(self, num_blocks, block, name):
        self.num_blocks = list(num_blocks)
        self.block = block
        self.name = name

    def __call__(self, xs):
        outs = []
        for b, (x, n) in enumerate(zip(xs, self.num_blocks)):
            for k in range(n):
                x = self.block(f"{self.name}_branches_{b}_{k}", x.shape[-1], 1)(x)
            outs.append(x)
        return outs


class FuseModule:
    """Fusion of neighbouring branches, then new branches (official defaults only_fuse_neighbor,
    directly_downsample). y_i = ReLU(sum_{|j-i|<=1} F_ij(x_j)) with F_ii a block, F_ij (j < i)
    a stride-2 block, F_ij (j > i) a block then nearest x2 upsampling; new branch b
    (when the number of branches grows) = stride-2 block on the fused branch b-1, no ReLU.

    `block(name, in_channels, stride, out_channels)` returns the SearchBlock called `name`
    (a BlockFactory). xs: [N,H/2^(i+2),W/2^(i+2),C_i] -> one tensor per out_channels.
    """

    def __init__(self, out_channels, block, name):
        self.out_channels = list(out_channels)
        self.block = block
        self.name = name

    def _unit(self, name, x, out, stride):
        return self.block(name, x.shape[-1], stride, out)(x)

    def __call__(self, xs):
        n_in, outs = len(xs), []
        rows = n_in if len(self.out_channels) > n_in else len(self.out_channels)
        for i in range(rows):
            out, size, terms = self.out_channels[i], tuple(xs[i].shape[1:3]), []
            for j in range(max(0, i - 1), min(n_in, i + 2)):
                prefix = f"{self.name}_{i}_{j}"
                if j > i:
                    y = self._unit(f"{prefix}_0", xs[j], out, 1)
                    terms.append(Resize(size, "nearest", name=f"{prefix}_1")(y))
                elif j == i:
                    terms.append(self._unit(prefix, xs[j], out, 1))
                else:
                    terms.append(self._unit(f"{prefix}_0", xs[j], out, 2))
            y = terms[0] if len(terms) == 1 else layers.Add(name=f"{self.name}_{i}_add")(terms)
            outs.append(layers.ReLU(name=f"{self.name}_relu{i}")(y))
        for b in range(rows, len(self.out_channels)):
            outs.append(self._unit(f"{self.name}_{b}_0", outs[b - 1], self.out_channels[b], 2))
        return outs


class BlockFactory:
    """Builds the SearchBlock called `name`: the supernet's choice (every kernel with
    expand_ratio * C_in hidden channels; `num_tokens` tokens on identity blocks when
    use_transformer) unless `arch` (block name -> {"kernel_sizes", "hidden_channels",
    "num_tokens"}) overrides it."""

    def __init__(self, kernel_sizes, expand_ratio, use_transformer, num_tokens, bn, arch=None):
        self.kernel_sizes = tuple(kernel_sizes)
        self.expand_ratio = expand_ratio
        self.num_tokens = num_tokens if use_transformer else 0
        self.bn = bn
        self.arch = arch or {}

    def __call__(self, name, in_channels, stride, out_channels=None):
        out_channels = in_channels if out_channels is None else out_channels
        choice = self.arch.get(name)
        if choice is not None:
            choice = BlockChoice(tuple(choice["kernel_sizes"]), tuple(choice["hidden_channels"]),
                                 choice.get("num_tokens", 0))
        else:
            tokens = self.num_tokens if stride == 1 and in_channels == out_channels else 0
            hidden = int(round(in_channels * self.expand_ratio))
            choice = BlockChoice(self.kernel_sizes, (hidden,) * len(self.kernel_sizes), tokens)
        return SearchBlock(out_channels, stride, choice, self.bn, name)
