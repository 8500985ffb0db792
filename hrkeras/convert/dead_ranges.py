"""Widen the activation ranges of a QAT model that XNNPACK's int8 convolutions would reject.

XNNPACK creates an int8 convolution (depthwise, fully connected) only when
input_scale * filter_scale[c] / output_scale < 256 for every output channel
(`xnnpack_limits`). A trained or untrained model breaks it where a convolution's
output is dead on the calibration data (e.g. all negative before a fused ReLU):
its range shrinks to FakeQuant's MIN_RANGE while the input's scale and the
weights stay large, and the interpreter then fails to prepare. Such a range is
widened (scaled about zero) until the ratio is at most REQUANTIZATION_TARGET.
Live outputs are far inside the bound and keep their ranges exactly.
"""
from keras import layers, ops

from hrkeras.convert.fold import call_nodes, is_relu
from hrkeras.convert.qat import MOVES
from hrkeras.convert.quantizers import (FakeQuant, QuantConcatenate, QuantConv2D, QuantDense, QuantDepthwiseConv2D,
                                        QuantGroupedConv2D, QuantReLU)

REQUANTIZING = (QuantConv2D, QuantGroupedConv2D, QuantDepthwiseConv2D, QuantDense)
# XNNPACK's bound is 256; the converter nudges ranges onto the int8 grid, so stay well inside it.
REQUANTIZATION_TARGET = 64.0
FLOAT32_ROUNDING = 1e-5  # a range widened once is stored in float32: not widened again for its round-off
WEIGHT_LEVELS = 127  # steps of a symmetric narrow-range weight grid, per side


def _producer(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer, layer._inbound_nodes[node_index]


def _holder(tensor):
    """The FakeQuant whose range `tensor` carries (through layers that keep their input's range), or None."""
    while True:
        layer, node = _producer(tensor)
        if isinstance(layer, FakeQuant):
            return layer
        if isinstance(layer, QuantConcatenate):
            return layer.quant
        if not isinstance(layer, MOVES + (layers.Concatenate,)):
            return None
        tensor = node.input_tensors[0]


def _source(tensor):
    """(FakeQuant of the input, max |weight|) of the int8 convolution computing `tensor` (a fused ReLU
    skipped), or None when no convolution computes it."""
    layer, node = _producer(tensor)
    if is_relu(layer) and not isinstance(layer, QuantReLU):
        layer, node = _producer(node.input_tensors[0])
    if isinstance(layer, QuantReLU):  # an identity depthwise conv with unit weights
        return _holder(node.input_tensors[0]), 1.0
    if isinstance(layer, REQUANTIZING):
        return _holder(node.input_tensors[0]), float(ops.max(ops.abs(layer.kernel)))
    return None


def _width(quant):
    return float(quant.range_max.numpy()) - float(quant.range_min.numpy())


def widen_dead_ranges(model):
    """Scale about zero every activation range of a calibrated QAT model (mutated) that is too narrow for
    the convolution computing it; returns the names of the FakeQuant layers widened, in graph order."""
    widened = []
    for node in call_nodes(model):
        layer = node.operation
        if isinstance(layer, QuantConcatenate):
            quant = layer.quant
            sources = [(_holder(x), 1.0) if r else _source(x)
                       for x, r in zip(node.input_tensors, layer.requantize or [False] * len(node.input_tensors))]
        elif isinstance(layer, FakeQuant) and not layer.fixed_range:
            quant, sources = layer, [_source(node.input_tensors[0])]
        else:
            continue
        # in_scale * filter_scale / out_scale <= target, each scale being its range over its int8 steps
        needed = max((_width(h) * w / WEIGHT_LEVELS / REQUANTIZATION_TARGET for h, w in filter(None, sources)
                      if h is not None), default=0.0)
        width = _width(quant)
        if needed > width * (1 + FLOAT32_ROUNDING):
            factor = needed / width
            quant.range_min.assign(quant.range_min * factor)
            quant.range_max.assign(quant.range_max * factor)
            widened.append(quant.name)
    return widened
