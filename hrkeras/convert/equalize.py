"""Per-channel range equalization: an equivalent float model whose activations suit per-tensor int8.

Lite-HRNet's reference fusion adds branch 0 twice (y_0 = 2 x_0 + ...), and half
of the channels pass each ConditionalChannelWeighting block untouched, so the
channel ranges of branch 0 grow apart module after module (up to ~4000 beside
channels of ~1 in the last stage of a trained Lite-HRNet-18). One int8 scale
per tensor, sized for the widest channel, rounds the narrow ones to zero.

`equalize_ranges` rescales every channel c of every tensor by a factor s_c > 0
(stored value = s_c * reference value) wherever the network allows it exactly:
a conv's output channels (kernel and bias times s), and through the layers that
commute with a positive per-channel scale (ReLU, pooling, resizing, padding,
split, shuffle, concatenation, products). Consumers divide their kernel's input
channels by s. Free factors bring a tensor's widest channel to 1 and a channel
of range r to (r / widest) ** (1 - EXPONENT) (cross-layer equalization, Nagel
et al. 2019, "Data-Free Quantization"): full equalization (EXPONENT = 1) moves
the spread into the consumers' kernels, which are quantized per output channel
across all input channels; the square root balances the two. Where terms of an
Add arrive with different factors (the doubled x_0 above, an identity shortcut),
a 1x1 depthwise conv multiplies the term by the per-channel ratio (per-channel
int8 weights hold any ratio). Layers that do not commute (sigmoid, unfused
BatchNorm, ...) get factor-1 inputs, and the model outputs equal the original's
up to float rounding.
"""
import keras
import numpy as np
from keras import layers

from hrkeras.convert.fold import call_nodes, consumers, copy_layer, flat_model, is_relu
from hrkeras.layers.pool import AdaptiveAveragePool2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ChannelShuffle, ChannelSplit, ConcatShuffle

CONVS = (layers.Conv2D, layers.DepthwiseConv2D)
# Single-input layers with f(s * x) = s * f(x) per channel.
COMMUTES = (layers.ZeroPadding2D, layers.AveragePooling2D, AdaptiveAveragePool2D, layers.MaxPooling2D,
            layers.GlobalAveragePooling2D, Resize, layers.Dropout, layers.Identity)
# Channels whose range is below this fraction of the tensor's widest are scaled as if at it
# (1e-3 gives requantization scale ratios that XNNPACK's int8 kernels reject).
RANGE_FLOOR = 1e-2
# Post-training int8 AP of the synthetic Lite-HRNet-18 (float 0.647): 0.534 at 0.5, 0.532 at 0.75,
# 0.491 at 1.0, 0.000 unequalized.
EXPONENT = 0.5


def _commutes(layer):
    """Single-input layer with f(s * x) = s * f(x)."""
    linear = isinstance(layer, layers.Activation) and layer.get_config()["activation"] == "linear"
    return isinstance(layer, COMMUTES) or is_relu(layer) or linear


def _passes(layer):
    """Whether the layer carries per-channel factors through (multi-input ones included)."""
    if isinstance(layer, layers.Concatenate):
        return layer.axis in (-1, 3)
    return _commutes(layer) or isinstance(layer, (layers.Multiply, ChannelSplit, ChannelShuffle))


def channel_ranges(model, images, batch_size=8):
    """id(tensor) -> [C] per-channel max |x| (mean over batches) for every layer output of a flat model."""
    tensors = [t for node in call_nodes(model) for t in node.outputs]
    probe = keras.Model(model.input, tensors)
    images = np.asarray(images, "float32")
    sums, batches = None, 0
    for start in range(0, len(images), batch_size):
        outs = probe(images[start:start + batch_size], training=False)
        maxima = [np.abs(np.asarray(o)).reshape(-1, o.shape[-1]).max(0) for o in outs]
        sums = maxima if sums is None else [a + b for a, b in zip(sums, maxima)]
        batches += 1
    if not batches:
        raise ValueError("channel_ranges needs at least one calibration image")
    return {id(t): s / batches for t, s in zip(tensors, sums)}


def _equalizing(ranges):
    """[C] factors for channels of `ranges` [C]: the widest to 1, the others to (r / widest) ** (1 - EXPONENT)."""
    top = ranges.max()
    if top <= 0:
        return np.ones_like(ranges)
    return (np.maximum(ranges, RANGE_FLOOR * top) / top) ** -EXPONENT / top


class _Plan:
    """The factor of every tensor of a flat model, chosen lazily from the measured ranges."""

    def __init__(self, model, ranges):
        self.ranges = ranges
        self.uses = consumers(model)  # a model output lists None among its consumers
        self.producer = {id(t): (node, k) for node in call_nodes(model) for k, t in enumerate(node.outputs)}
        self.factors, self.add_factors, self.active = {}, {}, set()

    def is_output(self, t):
        return None in self.uses[id(t)]

    def settable(self, t):
        """Whether t's factor is a conv's free choice (through commuting single-input layers)."""
        node, _ = self.producer.get(id(t), (None, 0))
        if node is None:
            return False
        layer = node.operation
        return isinstance(layer, CONVS) or (_commutes(layer) and self.settable(node.input_tensors[0]))

    def demand(self, t):
        """The factor t's consumers need, or None when they accept any."""
        if self.is_output(t):
            return np.ones(t.shape[-1])
        for node in self.uses[id(t)]:
            layer = node.operation
            if isinstance(layer, layers.Add):
                return terms(node)[id(t)][1] * self.add_factor(node)
            if _commutes(layer):
                wanted = self.demand(node.outputs[0])
                if wanted is not None:
                    return wanted
            elif not (isinstance(layer, CONVS) or _passes(layer)):
                return np.ones(t.shape[-1])
        return None

    def add_factor(self, node):
        """An Add's output factor: that of a term no conv sets (a shortcut), else equalizing."""
        key = id(node)
        if key not in self.add_factors:
            fixed = [t for t, coef in terms(node).values() if coef == 1 and not self.settable(t)]
            self.add_factors[key] = (self.factor(fixed[0]) if fixed
                                     else _equalizing(self.ranges[id(node.outputs[0])]))
        return self.add_factors[key]

    def factor(self, t):
        """[C] factor of tensor t in the equalized model."""
        key = id(t)
        if key in self.factors:
            return self.factors[key]
        if key in self.active:
            raise ValueError(f"equalize_ranges: cyclic factor constraints at {t.name}")
        self.active.add(key)
        self.factors[key] = self._factor(t)
        self.active.discard(key)
        return self.factors[key]

    def _factor(self, t):
        node, k = self.producer.get(id(t), (None, 0))
        if node is None:
            return np.ones(t.shape[-1])
        layer, inputs = node.operation, node.input_tensors
        if isinstance(layer, CONVS):
            wanted = self.demand(t)
            return _equalizing(self.ranges[id(t)]) if wanted is None else wanted
        if _commutes(layer):
            return self.factor(inputs[0])
        if isinstance(layer, layers.Add):
            return self.add_factor(node)
        if not _passes(layer):
            return np.ones(t.shape[-1])
        if isinstance(layer, layers.Multiply):
            return np.prod([self.factor(x) for x in inputs], axis=0)
        if isinstance(layer, layers.Concatenate):
            joined = np.concatenate([self.factor(x) for x in inputs])
            return joined.reshape(len(inputs), -1).T.reshape(-1) if isinstance(layer, ConcatShuffle) else joined
        if isinstance(layer, ChannelSplit):
            start = sum(layer.sizes[:k])
            return self.factor(inputs[0])[start:start + layer.sizes[k]]
        return self.factor(inputs[0]).reshape(layer.groups, -1).T.reshape(-1)  # ChannelShuffle


def terms(node):
    """An Add's inputs as {id: (tensor, how many times it is added)}."""
    out = {}
    for t in node.input_tensors:
        out[id(t)] = (t, out[id(t)][1] + 1 if id(t) in out else 1)
    return out


def channel_scale(x, factors, name):
    """x [N,H,W,C] * factors [C], as a 1x1 depthwise conv (int8 per-channel weights hold any factor)."""
    layer = layers.DepthwiseConv2D(1, use_bias=False, name=name)
    y = layer(x)
    layer.set_weights([np.asarray(factors, "float32").reshape(1, 1, -1, 1)])
    return y


def _rescaled_conv(layer, x, s_in, s_out):
    """A copy of conv `layer` on x whose input channels carry s_in and output channels s_out."""
    kernel, *bias = [w.astype("float64") for w in layer.get_weights()]
    if isinstance(layer, layers.DepthwiseConv2D):
        kernel = kernel / s_in[:, None] * s_out.reshape(kernel.shape[2:])
    elif layer.groups > 1:  # kernel [kh, kw, C_in / groups, C_out]: entry (j, o) reads channel group(o) * C_in/groups + j
        per_group, out_per_group = kernel.shape[2], kernel.shape[3] // layer.groups
        channel = (np.arange(kernel.shape[3]) // out_per_group)[None, :] * per_group + np.arange(per_group)[:, None]
        kernel = kernel / s_in[channel] * s_out
    else:
        kernel = kernel / s_in[:, None] * s_out
    new = type(layer).from_config(layer.get_config())
    y = new(x)
    new.set_weights([kernel.astype("float32"), *[(b * s_out).astype("float32") for b in bias]])
    return y


def equalize_ranges(model, images):
    """Equalized copy of a flat, BatchNorm-folded functional model (`fold.fold_batch_norm`).

    images: float32 [N, H, W, 3] calibration inputs (a few dozen training crops).
    Returns a model with the same outputs up to float rounding in which, on
    `images`, the widest channel of every freely scaled tensor (conv and Add
    outputs) has range 1 and a channel of range r has (r / widest) ** (1 - EXPONENT).
    """
    if any(isinstance(n.operation, layers.BatchNormalization) for n in call_nodes(model)):
        raise ValueError("equalize_ranges needs BatchNorm folded into the convolutions: "
                         "pass fold_batch_norm(model)")
    plan = _Plan(model, channel_ranges(model, images))
    for node in call_nodes(model):  # in graph order, so that the lazy choices recurse only a few layers deep
        for t in node.outputs:
            plan.factor(t)

    def matched(x, t, wanted, name):
        """x (the new tensor of t) carrying factor `wanted` instead of t's own."""
        ratio = wanted / plan.factor(t)
        return x if np.allclose(ratio, 1.0, rtol=1e-6) else channel_scale(x, ratio, name)

    def visit(node, args, kwargs):
        layer, inputs = node.operation, node.input_tensors
        new = dict(zip((id(t) for t in inputs), args[0] if isinstance(args[0], list) else [args[0]]))
        if isinstance(layer, CONVS):
            return _rescaled_conv(layer, args[0], plan.factor(inputs[0]), plan.factor(node.outputs[0]))
        if isinstance(layer, layers.Add):
            out = plan.factor(node.outputs[0])
            parts = [matched(new[key], t, coef * out, f"{layer.name}_scale{k}")
                     for k, (key, (t, coef)) in enumerate(terms(node).items())]
            return parts[0] if len(parts) == 1 else layers.Add(name=layer.name)(parts)
        if not _passes(layer):  # give it its original values
            unscaled = [matched(new[id(t)], t, np.ones(t.shape[-1]), f"{layer.name}_unscale{k}")
                        for k, t in enumerate(inputs)]
            args = (unscaled if isinstance(args[0], list) else unscaled[0], *args[1:])
        return copy_layer(layer, args, kwargs)

    def visit_and_unscale_outputs(node, args, kwargs):
        """visit(), with the model's outputs brought back to their original values."""
        several = len(node.outputs) > 1
        outputs = visit(node, args, kwargs)
        outputs = [matched(x, t, np.ones(t.shape[-1]), f"{node.operation.name}_unscale_output{k}")
                   if plan.is_output(t) else x
                   for k, (x, t) in enumerate(zip(outputs if several else [outputs], node.outputs))]
        return outputs if several else outputs[0]

    return flat_model(model, visit_and_unscale_outputs)
