"""Parameter and multiply-add counting.

`count_macs` counts the multiply-adds of convolutions and dense layers (one
multiply-add = 1, biases and element-wise ops not counted) from the static
output shapes of the graph. That is the convention of
`torch.utils.flop_counter` divided by two and of the HRNet papers'
`modelsummary.py`, whose "GFLOPs" are these MACs divided by 2^30
(HRNet-W32 pose: 7.645e9 / 2^30 = 7.12 "GFLOPs"). fvcore/mmcv counters add
BatchNorm, activation, pooling and upsampling elements and land ~0.5-10%
higher; Lite-HRNet's published FLOPs come from a modified torchstat that
reports module MACs plus such elements in 2^20 units (see the README).
"""
import numpy as np
from keras import layers


def _layers(model):
    return [l for l in model._flatten_layers(include_self=False) if not l._flatten_layers(include_self=False)]


def count_params(model):
    """Parameters as PyTorch counts them: all weights except BatchNorm moving statistics.

    Equals `sum(p.numel() for p in torch_model.parameters())` of the reference.
    """
    skip, seen, total = set(), set(), 0
    for layer in _layers(model):
        if isinstance(layer, layers.BatchNormalization):
            skip.update(id(v) for v in (layer.moving_mean, layer.moving_variance))
    for v in model.weights:
        if id(v) in skip or id(v) in seen:
            continue
        seen.add(id(v))
        total += int(np.prod(v.shape))
    return total


def layer_macs(layer):
    """Multiply-adds of one conv/dense layer at its built output shape, else 0."""
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
    macs = {layer.name: layer_macs(layer) for layer in _layers(model)}
    macs = {k: v for k, v in macs.items() if v}
    return macs if by_layer else sum(macs.values())
