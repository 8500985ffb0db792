"""Grouped convolution that runs on LiteRT's GPU accelerator."""
import numpy as np
from keras import layers, ops
from keras.saving import register_keras_serializable


@register_keras_serializable(package="hrkeras")
class GroupedConv2D(layers.Conv2D):
    """Grouped Conv2D whose graph runs one dense convolution with the block-diagonal kernel.

    Weights, parameter count and MACs are the grouped convolution's; LiteRT's GPU
    accelerator computes grouped CONV_2D wrongly (measured: 0.5 of the output range),
    while the block-diagonal kernel is folded to a constant of an ordinary CONV_2D.
    """

    def build(self, input_shape):
        super().build(input_shape)
        c_in, group_in, group_out = input_shape[-1], input_shape[-1] // self.groups, self.filters // self.groups
        rows, cols = np.arange(c_in)[:, None] // group_in, np.arange(self.filters)[None, :] // group_out
        self._block_mask = (rows == cols).astype("float32")[None, None]  # [1,1,C_in,C_out]

    def convolution_op(self, inputs, kernel):
        dense = ops.concatenate([kernel] * self.groups, axis=2) * ops.cast(self._block_mask, kernel.dtype)
        return super().convolution_op(inputs, dense)
