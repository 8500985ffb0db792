"""Graph rewriting of functional models, and BatchNorm folding.

`walk` re-runs a functional model's layer graph on new tensors with nested
functional models (the backbone) inlined, letting a visitor decide what each
layer call becomes; `fold_batch_norm` uses it to merge every BatchNormalization
that directly follows a convolution into that convolution's kernel and bias.
"""
from collections import defaultdict

import keras
import numpy as np
from keras import layers, tree

CONVS = (layers.Conv2D, layers.DepthwiseConv2D)


def is_relu(layer):
    """A plain ReLU (layer or activation), which TFLite fuses into the op before it."""
    if isinstance(layer, layers.ReLU):
        return layer.max_value is None and not layer.negative_slope and not layer.threshold
    return isinstance(layer, layers.Activation) and layer.get_config()["activation"] == "relu"


def _is_functional(layer):
    return isinstance(layer, keras.Model) and hasattr(layer, "_nodes_by_depth")


def call_nodes(model):
    """The call nodes of a functional model in execution order (inputs excluded)."""
    by_depth = model._nodes_by_depth
    return [n for depth in sorted(by_depth, reverse=True) for n in by_depth[depth] if not n.is_input]


def walk(model, inputs, visit):
    """Run `model`'s graph on `inputs` (same structure as model.inputs), inlining nested functional models.

    visit(node, args, kwargs) -> outputs of the call of node.operation on the new
    tensors `args`/`kwargs`. Returns the outputs in the structure of model.output.
    """
    new = {id(x): y for x, y in zip(model.inputs, tree.flatten(inputs))}
    for node in call_nodes(model):
        args, kwargs = node.arguments.fill_in(new)
        layer = node.operation
        outputs = walk(layer, args[0], visit) if _is_functional(layer) else visit(node, args, kwargs)
        new.update({id(x): y for x, y in zip(node.outputs, tree.flatten(outputs))})
    return tree.pack_sequence_as(model.output, [new[id(x)] for x in tree.flatten(model.output)])


def consumers(model):
    """id(tensor) -> consuming nodes over the model and its nested functional models;
    a model output also counts as a consumer (None)."""
    uses = defaultdict(list)
    for node in call_nodes(model):
        for t in node.input_tensors:
            uses[id(t)].append(node)
        if _is_functional(node.operation):
            for k, v in consumers(node.operation).items():
                uses[k] += v
    for t in tree.flatten(model.output):
        uses[id(t)].append(None)
    return uses


def copy_layer(layer, args, kwargs, cls=None, **config):
    """Outputs of a fresh copy of `layer` (of class `cls` if given, `config` entries replaced) with its weights,
    called on args/kwargs. The copy may have more weights (sub-layers') after `layer`'s."""
    new = (cls or type(layer)).from_config({**layer.get_config(), **config})
    outputs = new(*args, **kwargs)
    for variable, value in zip(new.weights, layer.get_weights()):
        variable.assign(value)
    return outputs


def flat_model(model, visit, prepare=None):
    """A new functional model (same name) built by `walk` from a fresh input of model's shape,
    optionally transformed by `prepare` before the first layer."""
    inputs = keras.Input(batch_shape=model.input.shape, dtype=model.input.dtype, name=model.input.name)
    return keras.Model(inputs, walk(model, prepare(inputs) if prepare else inputs, visit), name=model.name)


def _folded_conv(conv, bn, args, kwargs):
    """conv followed by bn as one conv with a bias: returns the new conv's outputs."""
    kernel, *bias = [w.astype("float64") for w in conv.get_weights()]
    bias = bias[0] if bias else 0.0
    gamma = bn.gamma.numpy() if bn.scale else 1.0
    beta = bn.beta.numpy() if bn.center else 0.0
    scale = gamma / np.sqrt(bn.moving_variance.numpy().astype("float64") + bn.epsilon)
    new_bias = (bias - bn.moving_mean.numpy()) * scale + beta
    # Output channel k of a depthwise kernel [kh, kw, in, mult] is (k // mult, k % mult).
    kernel = kernel * scale.reshape(kernel.shape[2:] if isinstance(conv, layers.DepthwiseConv2D) else -1)
    new = type(conv).from_config({**conv.get_config(), "use_bias": True})
    outputs = new(*args, **kwargs)
    new.set_weights([kernel.astype(conv.kernel.dtype), new_bias.astype(conv.kernel.dtype)])
    return outputs


def _foldable(node, uses):
    """The BatchNormalization node folding into conv `node` (its only consumer), or None."""
    layer, out = node.operation, node.outputs[0]
    after = uses[id(out)]
    if not isinstance(layer, CONVS) or layer.get_config()["activation"] != "linear" or len(after) != 1:
        return None
    bn = after[0] and after[0].operation
    if isinstance(bn, layers.BatchNormalization) and bn.axis % len(out.shape) == len(out.shape) - 1:
        return after[0]
    return None


def fold_batch_norm(model):
    """Flat functional copy of `model` with every conv -> BatchNormalization pair
    (conv output used only by the BN) merged into one conv with a bias.

    Nested functional models are inlined; other layers are copied with their
    weights, so the result shares nothing with `model`. Inference outputs equal
    the model's up to float rounding. BatchNormalization layers that do not
    directly follow a convolution are kept.
    """
    uses = consumers(model)
    folded = set()

    def visit(node, args, kwargs):
        layer = node.operation
        if id(node) in folded:
            return args[0]
        bn_node = _foldable(node, uses)
        if bn_node is not None:
            folded.add(id(bn_node))
            return _folded_conv(layer, bn_node.operation, args, kwargs)
        return copy_layer(layer, args, kwargs)

    return flat_model(model, visit)
