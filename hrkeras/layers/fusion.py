"""Transition and FusionModule shared by HRNet and Lite-HRNet.

Both families exchange information between resolutions the same way and differ
only in the strided unit (HRNet: 3x3 conv + BN; Lite-HRNet: depthwise 3x3 + BN +
pointwise 1x1 + BN), which is passed in as `unit(x, filters, strides, act, prefix)`.
"""
from keras import layers

from .conv import conv_bn
from .resize import Resize


class Transition:
    """Adapts the branches of one stage to the next (and adds new branches).

    Existing branch i whose width changes: `unit` (stride 1) at `{name}.{i}`.
    New branch i: a chain of stride-2 units from the last previous branch at
    `{name}.{i}.{k}`. xs: list of [N, H/2^i, W/2^i, C_i].
    """

    def __init__(self, in_channels, out_channels, unit, name):
        self.in_channels = list(in_channels)
        self.out_channels = list(out_channels)
        self.unit = unit
        self.name = name

    def __call__(self, xs):
        outs = []
        n_in = len(self.in_channels)
        for i, c_out in enumerate(self.out_channels):
            prefix = f"{self.name}_{i}"
            if i < n_in:
                same = c_out == self.in_channels[i]
                outs.append(xs[i] if same else self.unit(xs[i], c_out, 1, "relu", prefix))
                continue
            x = xs[-1]
            steps = i + 1 - n_in
            for k in range(steps):
                filters = c_out if k == steps - 1 else self.in_channels[-1]
                x = self.unit(x, filters, 2, "relu", f"{prefix}_{k}")
            outs.append(x)
        return outs


class FusionModule:
    """Multi-resolution fusion: y_i = ReLU(sum_j F_ij(x_j)).

    F_ii = identity; j > i: 1x1 conv + BN + upsample by 2^(j-i) (`{name}.{i}.{j}.{0,1}`);
    j < i: (i - j) stride-2 units, ReLU on all but the last (`{name}.{i}.{j}.{k}`).

    Args:
        channels: widths of the branches.
        unit: strided unit `unit(x, filters, strides, act, prefix)`.
        name: prefix of the fuse layers, e.g. "stage2.0.fuse_layers".
        num_outputs: branches produced (1 for HRNet pose's last module).
        interpolation / align_corners: upsampling of the j > i path.
        reference_branch0: Lite-HRNet's reference forward adds branch 0 twice and,
            through an in-place `+=`, feeds the pre-activation sum of row 0 to the
            other rows (`y = out[0]; y += out[0]; ...`). Official weights were
            trained that way, so the graph reproduces it:
            y_0 = 2 x_0 + sum_{j>0} F_0j(x_j);  y_i = 2 F_i0(y_0) + sum_{j>0} F_ij(x_j).
    """

    def __init__(self, channels, unit, name, num_outputs=None, interpolation="nearest",
                 align_corners=False, reference_branch0=False):
        self.channels = list(channels)
        self.unit = unit
        self.name = name
        self.num_outputs = len(self.channels) if num_outputs is None else num_outputs
        self.interpolation = interpolation
        self.align_corners = align_corners
        self.reference_branch0 = reference_branch0
        self.act_name = name.removesuffix("_fuse_layers") + "_relu"

    def path(self, x, i, j, size):
        """F_ij applied to x: [N, H_j, W_j, C_j] -> [N, H_i, W_i, C_i]."""
        prefix = f"{self.name}_{i}_{j}"
        if j > i:
            x = conv_bn(x, self.channels[i], 1, f"{prefix}_0", f"{prefix}_1")
            return Resize(size, self.interpolation, self.align_corners, name=f"{prefix}_resize")(x)
        for k in range(i - j):
            last = k == i - j - 1
            filters = self.channels[i] if last else self.channels[j]
            x = self.unit(x, filters, 2, None if last else "relu", f"{prefix}_{k}")
        return x

    def __call__(self, xs):
        outs = []
        row0 = None
        for i in range(self.num_outputs):
            size = tuple(xs[i].shape[1:3])
            terms = []
            for j, x in enumerate(xs):
                if j == 0 and self.reference_branch0 and i > 0:
                    x = row0
                terms.append(x if i == j else self.path(x, i, j, size))
            if self.reference_branch0:
                terms.insert(0, terms[0])
            y = layers.Add(name=f"{self.name}_{i}_add")(terms)
            row0 = y if i == 0 else row0
            outs.append(layers.ReLU(name=f"{self.act_name}{i}")(y))
        return outs
