"""Where each PyTorch parameter goes in a Keras model, and how it is transposed.

A layer named `stage2_0_branches_1_3_conv2` receives the module
`stage2.0.branches.1.3.conv2` (hrkeras names layers after the reference
module paths with "." -> "_"):

| Keras layer          | PyTorch parameter -> Keras variable                        |
|----------------------|------------------------------------------------------------|
| Conv2D               | weight [O, I, kh, kw] -> kernel [kh, kw, I, O]; bias        |
| DepthwiseConv2D      | weight [C, 1, kh, kw] -> depthwise_kernel [kh, kw, C, 1]; bias |
| Dense                | weight [O, I] -> kernel [I, O]; bias                        |
| BatchNormalization   | weight -> gamma, bias -> beta, running_mean -> moving_mean, running_var -> moving_variance |
| LayerNormalization   | weight -> gamma, bias -> beta                               |
| other (`torch_weights()`) | the layer's own {parameter: (variable, transpose)}      |
"""
from dataclasses import dataclass

import numpy as np
from keras import layers

from hrkeras.utils.nested import leaf_layers

_CONV_PERM = (2, 3, 1, 0)  # OIHW -> HWIO
_DEPTHWISE_PERM = (2, 3, 0, 1)  # C1HW -> HWC1


@dataclass
class Slot:
    """One Keras variable and the PyTorch tensor that fills it."""

    variable: object
    perm: tuple  # transpose applied to the PyTorch array, () for vectors

    @property
    def torch_shape(self):
        shape = tuple(self.variable.shape)
        if not self.perm:
            return shape
        return tuple(shape[self.perm.index(i)] for i in range(len(shape)))

    def value(self, array):
        array = np.asarray(array)
        return (array.transpose(self.perm) if self.perm else array).astype(self.variable.dtype)


def _layer_slots(layer):
    if hasattr(layer, "torch_weights"):
        return {param: Slot(var, perm) for param, (var, perm) in layer.torch_weights().items()}
    if isinstance(layer, layers.LayerNormalization):
        return {"weight": Slot(layer.gamma, ()), "bias": Slot(layer.beta, ())}
    if isinstance(layer, layers.BatchNormalization):
        return {"weight": Slot(layer.gamma, ()), "bias": Slot(layer.beta, ()),
                "running_mean": Slot(layer.moving_mean, ()), "running_var": Slot(layer.moving_variance, ())}
    if isinstance(layer, layers.DepthwiseConv2D):
        slots = {"weight": Slot(layer.kernel, _DEPTHWISE_PERM)}
    elif isinstance(layer, layers.Conv2D):
        slots = {"weight": Slot(layer.kernel, _CONV_PERM)}
    elif isinstance(layer, layers.Dense):
        slots = {"weight": Slot(layer.kernel, (1, 0))}
    else:
        raise NotImplementedError(
            f"layer {layer.name!r} ({type(layer).__name__}) has weights but no PyTorch mapping")
    if layer.use_bias:
        slots["bias"] = Slot(layer.bias, ())
    return slots


def slot_name(torch_key):
    """`stage2.0.fuse_layers.1.0.0.0.weight` -> `stage2_0_fuse_layers_1_0_0_0.weight`."""
    module, _, param = torch_key.rpartition(".")
    return f"{module.replace('.', '_')}.{param}"


def weight_slots(model):
    """{`{keras layer}.{PyTorch parameter}`: Slot} for every variable of `model`."""
    return {
        f"{layer.name}.{param}": slot
        for layer in leaf_layers(model) if layer.weights
        for param, slot in _layer_slots(layer).items()
    }
