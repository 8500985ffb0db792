"""Quantization-aware training (QAT) models for all-int8 TFLite export.

`quantize_model` folds BatchNorm into the convolutions, swaps Conv2D /
DepthwiseConv2D / Dense / Concatenate / Resize / AdaptiveAveragePool2D for
their quantizing forms and places an activation FakeQuant wherever TFLite's
int8 graph gets a new tensor range: after the input and after every layer that
computes new values. The range of an output whose only consumer is a ReLU
(fused into the op by TFLite) or a Concatenate is set there instead; a ReLU
that cannot fuse into its producer fuses into an identity depthwise conv
(QuantReLU). A Concatenate's (ConcatShuffle's) inputs and output share one
range (TFLite's int8 CONCATENATION requires it): when one input already has a
range the others join it (its FakeQuant is shared), otherwise inputs that
already have a range are requantized by an identity 1x1 depthwise conv into
the concatenation's.
Layers that only move values (split, shuffle, padding, reshape, transpose,
resize, average/max pooling) keep their input's range: TFLite's int8 kernels
for them require equal input and output scales.
HR-NAS's lightweight transformer quantizes with the forms of `quant_transformer`
(attention, LayerNorm, learned queries; CoordinateChannels and the 1x1 conv
after it become one QuantCoordinateConv2D).
"""
import numpy as np
from keras import layers

from hrkeras.convert.equalize import equalize_ranges
from hrkeras.convert.fold import consumers, copy_layer, flat_model, fold_batch_norm, is_relu
from hrkeras.convert.quant_transformer import (QuantCoordinateConv2D, QuantLayerNormalization, QuantLearnedQueries,
                                               QuantTokenAttention)
from hrkeras.convert.quantizers import (FakeQuant, QuantAdaptiveAveragePool2D, QuantConcatenate, QuantConcatShuffle,
                                        QuantConv2D, QuantDense, QuantDepthwiseConv2D, QuantGroupedConv2D, QuantReLU,
                                        QuantResize)
from hrkeras.layers.grouped import GroupedConv2D
from hrkeras.layers.pool import AdaptiveAveragePool2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelShuffle, ChannelSplit, ConcatShuffle
from hrkeras.models.hrnas.hrnas_transformer import CoordinateChannels, LearnedQueries, TokenAttention

QUANT_CLASSES = {
    layers.Conv2D: QuantConv2D,
    GroupedConv2D: QuantGroupedConv2D,
    layers.DepthwiseConv2D: QuantDepthwiseConv2D,
    layers.Dense: QuantDense,
    Resize: QuantResize,
    AdaptiveAveragePool2D: QuantAdaptiveAveragePool2D,
    TokenAttention: QuantTokenAttention,
    layers.LayerNormalization: QuantLayerNormalization,
    LearnedQueries: QuantLearnedQueries,
}
# Quantized forms with FakeQuant sub-layers, made with quantize_model's momentum.
INNER_QUANTS = (QuantTokenAttention, QuantLayerNormalization, QuantCoordinateConv2D)
# Layers computing new values: a FakeQuant follows them.
COMPUTES = (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense, layers.Add, layers.Subtract, layers.Multiply,
            layers.GlobalAveragePooling2D, AdaptiveAveragePool2D, layers.ReLU, layers.Activation, TokenAttention,
            layers.LayerNormalization)
# Layers whose TFLite int8 kernels keep the input's scale.
MOVES = (ChannelShuffle, ChannelSplit, Resize, layers.ZeroPadding2D, layers.Reshape, layers.Permute, layers.Flatten,
         layers.AveragePooling2D, layers.MaxPooling2D, layers.Dropout, layers.Identity)
# Output grids of TFLite's int8 kernels for these activations (scale 1/256 or 1/128).
FIXED_RANGES = {"sigmoid": (0.0, 255 / 256), "tanh": (-1.0, 127 / 128)}
# Ops with a fused-activation field in TFLite.
FUSES_RELU = (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense, layers.Add, layers.Multiply)


def _fixed_range(layer):
    return FIXED_RANGES.get(layer.get_config()["activation"]) if isinstance(layer, layers.Activation) else None


def _range_holder(tensor):
    """The FakeQuant layer whose range a QAT-graph tensor carries (through layers keeping their input's
    range), or None (a fixed range, or one inside a QuantConcatenate)."""
    while True:
        layer, node_index, _ = tensor._keras_history
        if isinstance(layer, FakeQuant):
            return None if layer.fixed_range else layer
        if not isinstance(layer, MOVES + (layers.Concatenate,)) or isinstance(layer, QuantConcatenate):
            return None
        tensor = layer._inbound_nodes[node_index].input_tensors[0]


def _check_coordinate_conv(coords, conv):
    """Raise ValueError unless `conv`, CoordinateChannels' only consumer, is a 1x1 stride-1 Conv2D."""
    if type(conv) is not layers.Conv2D or conv.kernel_size != (1, 1) or conv.strides != (1, 1):
        raise ValueError(f"quantize_model: {coords.name!r} (CoordinateChannels) has an int8 form only as the "
                         "input of one 1x1 stride-1 Conv2D")


def _binary_chain(layer, inputs, fake_quant):
    """An n-ary Add/Multiply as binary ones with a FakeQuant on each partial result (TFLite's are binary).

    Repeats of the first input go last: the converter mis-scales `x + x` (same-scale constraint error).
    """
    x, *rest = inputs
    inputs = [x, *sorted(rest, key=lambda t: t is x)]
    for k, y in enumerate(inputs[1:-1]):
        x = fake_quant(type(layer)(name=f"{layer.name}_{k}")([x, y]), f"{layer.name}_{k}")
    return type(layer)(name=layer.name)([x, inputs[-1]])


def quantize_model(model, momentum=0.99, calibration=None):
    """QAT copy of a float model: [N,H,W,3] -> same outputs, fake-quantized to int8.

    calibration: float32 [N,H,W,3] training crops; when given, the folded model's
    channel ranges are equalized on them first (`equalize.equalize_ranges`), which
    Lite-HRNet needs (its branch-0 channel ranges span three orders of magnitude).

    The result is a flat functional model (BatchNorm folded, backbone inlined)
    that trains with `fit` (the first training batch sets the activation
    ranges, later ones move them with `momentum`), saves to .keras and converts
    with `export.convert(model, "qat")`. Raises ValueError for layers it cannot
    quantize (e.g. a BatchNormalization that does not follow a convolution).
    """
    folded = fold_batch_norm(model)
    if calibration is not None:
        folded = equalize_ranges(folded, calibration)
    uses = consumers(folded)

    def fake_quant(x, name, fixed_range=None):
        return FakeQuant(momentum, fixed_range, name=f"{name}_quant")(x)

    def only_consumer(tensor):
        after = uses[id(tensor)]
        return after[0].operation if len(after) == 1 and after[0] is not None else None

    def takes_concat_range(tensor):
        """Whether `tensor` gets its range from the Concatenate that is its only consumer."""
        producer = tensor._keras_history.operation
        return (isinstance(only_consumer(tensor), layers.Concatenate) and isinstance(producer, COMPUTES)
                and not _fixed_range(producer))

    def fuses_relu(tensor):
        """Whether TFLite fuses the ReLU that is `tensor`'s only consumer into its producer."""
        return isinstance(tensor._keras_history.operation, FUSES_RELU) and is_relu(only_consumer(tensor))

    def visit(node, args, kwargs):
        layer = node.operation
        if isinstance(layer, layers.Concatenate):
            requantize = [not takes_concat_range(t) for t in node.input_tensors]
            holder = _range_holder(args[0][requantize.index(True)]) if sum(requantize) == 1 else None
            if holder is not None:  # the others join that range: no requantizing op
                inputs = [x if r else holder(x) for x, r in zip(args[0], requantize)]
                return copy_layer(layer, (inputs,), {})
            quant = QuantConcatShuffle if isinstance(layer, ConcatShuffle) else QuantConcatenate
            return quant(momentum, requantize, axis=layer.axis, name=layer.name)(*args, **kwargs)
        if isinstance(layer, CoordinateChannels):  # joins the 1x1 conv after it (QuantCoordinateConv2D)
            _check_coordinate_conv(layer, only_consumer(node.outputs[0]))
            return args[0]
        if isinstance(layer, LearnedQueries):  # a constant folded into the attention (constant_query)
            return copy_layer(layer, args, kwargs, QuantLearnedQueries)
        if not isinstance(layer, COMPUTES + MOVES):
            raise ValueError(
                f"quantize_model: layer {layer.name!r} ({type(layer).__name__}) has no quantized form; "
                "BatchNormalization is supported only directly after a Conv2D/DepthwiseConv2D"
            )
        cls = next((q for base, q in QUANT_CLASSES.items() if type(layer) is base), None)
        if isinstance(node.input_tensors[0]._keras_history.operation, CoordinateChannels):
            cls = QuantCoordinateConv2D
        if isinstance(layer, TokenAttention) and not np.all(layer.token_mask.numpy() == 1):
            raise ValueError(f"quantize_model: {layer.name!r} masks tokens; quantize the compact network without "
                             "them (hrkeras.create_model('hrnas', arch=...) with the weights transferred)")
        if is_relu(layer) and not fuses_relu(node.input_tensors[0]):
            outputs = QuantReLU(name=layer.name)(*args, **kwargs)
        elif isinstance(layer, (layers.Add, layers.Multiply)) and len(args[0]) > 2:
            outputs = _binary_chain(layer, args[0], fake_quant)
        else:
            extra = {"momentum": momentum} if cls in INNER_QUANTS else {}
            if cls is QuantTokenAttention:
                extra["constant_query"] = isinstance(node.input_tensors[0]._keras_history.operation, LearnedQueries)
            outputs = copy_layer(layer, args, kwargs, cls, **extra)
        out = node.outputs[0]
        if isinstance(layer, MOVES) or fuses_relu(out) or takes_concat_range(out):
            return outputs
        return fake_quant(outputs, layer.name, _fixed_range(layer))

    inputs_name = model.input.name
    return flat_model(folded, visit, lambda x: fake_quant(x, inputs_name))
