"""Fake-quantization layers for quantization-aware training (8 bit, TFLite's int8 scheme).

- FakeQuant: activations, per tensor, asymmetric; ranges are moving averages of
  the batch min/max in training and fixed in inference.
- QuantConv2D / QuantDepthwiseConv2D / QuantDense: the Keras layers with their
  kernels fake-quantized symmetric, narrow range [-127, 127]: per output channel
  for the convolutions, per tensor for Dense.
- QuantConcatenate / QuantConcatShuffle: Concatenate / ConcatShuffle with one
  range for their inputs and output.
- QuantResize: Resize whose bilinear align_corners path is TFLite's own
  RESIZE_BILINEAR(align_corners=True) (int8, same scale in and out) instead of
  the float model's interpolation convolutions.
- QuantAdaptiveAveragePool2D: its averaging kernel fake-quantized (exactly).
- QuantReLU: a ReLU fused into an identity int8 depthwise conv.

All map to TensorFlow's FakeQuantWithMinMaxVars(PerChannel) ops, which the
TFLite converter turns into int8 tensors and int8 kernels (TensorFlow backend).
"""
import keras
from keras import layers, ops
from keras.saving import register_keras_serializable

from hrkeras.layers.grouped import GroupedConv2D
from hrkeras.layers.pool import AdaptiveAveragePool2D
from hrkeras.layers.resize import Resize
from hrkeras.layers.shuffle import ConcatShuffle

NUM_BITS = 8
# Narrowest activation range: an all-zero tensor (a dead ReLU) would get a ~1e-9 scale,
# which XNNPACK's int8 kernels reject (scale ratios out of bounds).
MIN_RANGE = 1e-3


@register_keras_serializable(package="hrkeras")
class FakeQuant(layers.Layer):
    """8-bit fake quantization of activations: [...] -> same shape.

    In training the range [min, max] (always containing 0) follows the batch
    min/max: the first batch sets it, later ones update it by
    `range = momentum * range + (1 - momentum) * batch_range`. Under
    tf.distribute the replicas' updates are averaged. In inference the stored
    range is used; `calibrated` is 0 until a training-mode call has set it.
    Ranges are at least MIN_RANGE wide.
    `fixed_range=(min, max)` pins the range instead (the output grids of
    TFLite's int8 LOGISTIC and TANH).
    """

    def __init__(self, momentum=0.99, fixed_range=None, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.fixed_range = None if fixed_range is None else tuple(float(v) for v in fixed_range)

    def build(self, input_shape):
        low, high, calibrated = (*self.fixed_range, 1.0) if self.fixed_range else (0.0, 0.0, 0.0)

        def scalar(name, value):
            return self.add_weight(shape=(), initializer=keras.initializers.Constant(value), trainable=False,
                                   aggregation="mean", name=name)

        self.range_min = scalar("range_min", low)
        self.range_max = scalar("range_max", high)
        self.calibrated = scalar("calibrated", calibrated)

    def update_range(self, x):
        """Training step of the range: moving average of x's min/max (the first call takes them)."""
        x = ops.cast(x, "float32")
        batch_min = ops.minimum(ops.min(x), 0.0)
        batch_max = ops.maximum(ops.max(x), 0.0)
        m = self.momentum * self.calibrated  # 0 on the first batch
        low = m * self.range_min + (1.0 - m) * batch_min
        self.range_min.assign(low)
        self.range_max.assign(ops.maximum(m * self.range_max + (1.0 - m) * batch_max, low + MIN_RANGE))
        self.calibrated.assign(1.0)

    def fake_quantize(self, x):
        return keras.quantizers.fake_quant_with_min_max_vars(x, self.range_min, self.range_max, NUM_BITS)

    def call(self, x, training=None):
        if training and not self.fixed_range:
            self.update_range(x)
        return self.fake_quantize(x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "fixed_range": self.fixed_range}


def quantize_kernel(kernel, axis=-1):
    """Symmetric narrow-range 8-bit fake quantization, per channel along `axis` (per tensor: axis=None).

    Channel c uses the grid (max|kernel[..., c]| / 127) * {-127, ..., 127}.
    """
    reduce = None if axis is None else [a for a in range(kernel.ndim) if a != axis % kernel.ndim]
    bound = ops.maximum(ops.max(ops.abs(kernel), axis=reduce), 1e-12)
    return keras.quantizers.fake_quant_with_min_max_vars(kernel, -bound, bound, NUM_BITS, narrow_range=True, axis=axis)


def requantize(x):
    """Identity [N,H,W,C] -> [N,H,W,C] as a 1x1 depthwise conv with unit weights: an int8 op with its own
    output scale (the converter mis-scales two fake-quant ops in a row, or with only reshapes between)."""
    return ops.depthwise_conv(x, quantize_kernel(ops.ones((1, 1, x.shape[-1], 1), x.dtype)), 1, "valid")


@register_keras_serializable(package="hrkeras")
class QuantConcatenate(layers.Concatenate):
    """Concatenate whose inputs and output share one 8-bit range, tracked on the output like FakeQuant's.

    TFLite's int8 CONCATENATION needs equal input and output scales. Inputs
    flagged in `requantize` (those that already have a range) pass through
    `requantize` first; all are then fake-quantized to the shared range.
    """

    def __init__(self, momentum=0.99, requantize=None, **kwargs):
        super().__init__(**kwargs)
        self.quant = FakeQuant(momentum, name=f"{self.name}_quant")
        self.requantize = None if requantize is None else [bool(r) for r in requantize]

    def build(self, input_shape):
        super().build(input_shape)
        self.quant.build(None)

    def call(self, inputs, training=None):
        inputs = [requantize(x) if r else x for x, r in zip(inputs, self.requantize or [False] * len(inputs))]
        if training:
            self.quant.update_range(super().call(inputs))
        return super().call([self.quant.fake_quantize(x) for x in inputs])

    @property
    def inner_quants(self):
        return [self.quant]

    def get_config(self):
        return {**super().get_config(), "momentum": self.quant.momentum, "requantize": self.requantize}


@register_keras_serializable(package="hrkeras")
class QuantConcatShuffle(QuantConcatenate, ConcatShuffle):
    """ConcatShuffle whose inputs and output share one 8-bit range (QuantConcatenate's)."""


def fake_quants(model):
    """The activation FakeQuant layers of a QAT model (those inside layers, their `inner_quants`, included)."""
    for layer in model.layers:
        if isinstance(layer, FakeQuant):
            yield layer
        else:
            yield from getattr(layer, "inner_quants", ())


@register_keras_serializable(package="hrkeras")
class QuantConv2D(layers.Conv2D):
    """Conv2D with its kernel [kh, kw, in, out] fake-quantized per output channel."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, quantize_kernel(kernel))


@register_keras_serializable(package="hrkeras")
class QuantGroupedConv2D(GroupedConv2D):
    """GroupedConv2D with its kernel [kh, kw, in / groups, out] fake-quantized per output channel."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, quantize_kernel(kernel))


@register_keras_serializable(package="hrkeras")
class QuantDepthwiseConv2D(layers.DepthwiseConv2D):
    """DepthwiseConv2D with its kernel [kh, kw, in, mult] fake-quantized per output
    channel in * mult + m (TFLite's per-channel axis of depthwise weights)."""

    def build(self, input_shape):
        if self.data_format != "channels_last":
            raise ValueError(f"{self.name}: quantization supports channels_last only")
        super().build(input_shape)

    def call(self, inputs):
        shape = self.kernel.shape
        kernel = ops.reshape(self.kernel, (*shape[:2], 1, shape[2] * shape[3]))
        kernel = ops.reshape(quantize_kernel(kernel), shape)
        x = ops.depthwise_conv(inputs, kernel, self.strides, self.padding, self.data_format, self.dilation_rate)
        if self.use_bias:
            x = ops.add(x, self.bias)
        return x if self.activation is None else self.activation(x)


@register_keras_serializable(package="hrkeras")
class QuantDense(layers.Dense):
    """Dense with its kernel [in, units] fake-quantized per tensor (the converter cannot transpose
    per-channel weights into FULLY_CONNECTED's [units, in] layout)."""

    def call(self, inputs, training=None):
        x = ops.matmul(inputs, quantize_kernel(self.kernel, axis=None))
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return x if self.activation is None else self.activation(x)


@register_keras_serializable(package="hrkeras")
class QuantResize(Resize):
    """Resize for quantized graphs: bilinear align_corners runs as TensorFlow's
    ResizeBilinear(align_corners=True), the same interpolation as one TFLite op."""

    def call(self, x):
        if self.interpolation == "bilinear" and self.align_corners:
            import tensorflow as tf

            return tf.raw_ops.ResizeBilinear(images=x, size=self.size, align_corners=True)
        return super().call(x)


@register_keras_serializable(package="hrkeras")
class QuantAdaptiveAveragePool2D(AdaptiveAveragePool2D):
    """AdaptiveAveragePool2D with its constant kernel fake-quantized (exact: one
    int8 step per channel), so it converts to an int8 DEPTHWISE_CONV_2D."""

    def averaging_kernel(self, x):
        return quantize_kernel(super().averaging_kernel(x))


@register_keras_serializable(package="hrkeras")
class QuantReLU(layers.ReLU):
    """ReLU on `requantize(x)`: TFLite fuses it into that int8 DEPTHWISE_CONV_2D.
    For a ReLU that cannot fuse into its producer (the producer has other
    consumers): XNNPACK runs no standalone int8 RELU, which would split the graph."""

    def call(self, x):
        return super().call(requantize(x))
