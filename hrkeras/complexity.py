"""Parameter and multiply-add counting.

`count_macs` counts the multiply-adds of convolutions, dense layers and
attention (projections and its two matmuls; one
multiply-add = 1, biases and element-wise ops not counted) from the static
output shapes of the graph. That is the convention of
`torch.utils.flop_counter` divided by two and of the HRNet papers'
`modelsummary.py`, whose "GFLOPs" are these MACs divided by 2^30
(HRNet-W32 pose: 7.645e9 / 2^30 = 7.12 "GFLOPs"). fvcore/mmcv counters add
BatchNorm, activation, pooling and upsampling elements and land ~0.5-10%
higher; Lite-HRNet's published FLOPs come from a modified torchstat that
reports module MACs plus such elements in 2^20 units (see docs/design.md).
"""
import numpy as np
from keras import layers

from hrkeras.utils.nested import leaf_layers


def count_params(model):
    """Parameters as PyTorch counts them: all weights except BatchNorm moving statistics (and masks).

    Equals `sum(p.numel() for p in torch_model.parameters())` of the reference.
    """
    skip, seen, total = set(), set(), 0
    for layer in leaf_layers(model):
        if isinstance(layer, layers.BatchNormalization):
            skip.update(id(v) for v in (layer.moving_mean, layer.moving_variance))
        skip.update(id(v) for v in getattr(layer, "unit_masks", ()))  # HR-NAS search masks
    for v in model.weights:
        if id(v) in skip or id(v) in seen:
            continue
        seen.add(id(v))
        total += int(np.prod(v.shape))
    return total


def layer_macs(layer):
    """Multiply-adds of one conv/dense layer (or a layer with `macs()`, e.g. attention) at its
    built output shape, else 0."""
    if hasattr(layer, "macs"):
        return layer.macs()
    if isinstance(layer, layers.DepthwiseConv2D):
        kernel = layer.kernel.shape  # [kh, kw, C, multiplier]
        return int(np.prod(layer.output.shape[1:])) * kernel[0] * kernel[1]
    if isinstance(layer, layers.Conv2D):
        kh, kw, cin, _ = layer.kernel.shape  # cin is already C_in / groups
        return int(np.prod(layer.output.shape[1:])) * kh * kw * cin
    if isinstance(layer, layers.Dense):
        return int(np.prod(layer.output.shape[1:])) * layer.kernel.shape[0]
    return 0


def count_macs(model, by_layer=False):
    """Conv + dense multiply-adds of one image through `model` (static input size).

    Returns the total, or with `by_layer=True` a dict layer name -> MACs.
    """
    macs = {layer.name: layer_macs(layer) for layer in leaf_layers(model)}
    macs = {k: v for k, v in macs.items() if v}
    return macs if by_layer else sum(macs.values())


def count_torchstat_flops(model):
    """Lite-HRNet's published "FLOPs" convention (the official repo's modified torchstat).

    torchstat hooks PyTorch modules and stores one value per module, so a module
    run several times counts once (its last call). Per module it counts conv
    multiply-adds + bias adds, 2 x BatchNorm elements, ReLU and adaptive-pool
    input elements; functional ops (interpolate, sigmoid, mul, shuffle) are
    invisible. In the reference forward Lite-HRNet's `fuse_layers[i][0]` runs
    twice and one ReLU module serves every branch of a fusion; both count once
    here. The published table is this value in 2^20 units: we get 205.6 / 320.0 /
    194.9 / 311.2 for Lite-HRNet-18 / 30 / Naive-18 / Wider-Naive-18 against
    205.2 / 319.2 / 194.8 / 311.1; the vendored torchstat is not public, so the
    last <= 0.25% stays unexplained.
    """
    total, shared_relu = 0, {}
    for layer in leaf_layers(model):
        if not isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D, layers.BatchNormalization,
                                  layers.GlobalAveragePooling2D, layers.ReLU)):
            continue
        out = int(np.prod(layer.output.shape[1:]))
        if isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D)):
            total += layer_macs(layer) + (out if layer.use_bias else 0)
        elif isinstance(layer, layers.BatchNormalization):
            total += 2 * out
        elif isinstance(layer, layers.GlobalAveragePooling2D):
            total += int(np.prod(layer.input.shape[1:]))
        elif isinstance(layer, layers.ReLU):
            module, _, index = layer.name.rpartition("_relu")
            if index.isdigit():  # fusion ReLU `{module}.relu{i}`: one torch module, last call kept
                shared_relu[module] = out
            else:
                total += out
    return total + sum(shared_relu.values())
