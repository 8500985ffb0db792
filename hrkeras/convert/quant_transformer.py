"""Int8 forms of HR-NAS's lightweight transformer layers for QAT (see `qat.quantize_model`).

Each keeps the float layer's weights and fake-quantizes every intermediate
tensor TFLite's int8 graph gets, with FakeQuant sub-layers (`inner_quants`);
the layer's output gets its range from a FakeQuant after it, like any layer.

- QuantCoordinateConv2D: CoordinateChannels followed by a 1x1 conv, as
  conv(x) + a constant map (the coordinate channels' part of the conv), so no
  concatenation has to share one range between features and coordinates.
- QuantTokenAttention: the q, k, v projections (FULLY_CONNECTED, the 1/sqrt(E)
  folded into q's weights), both matmuls (BATCH_MATMUL) and the softmax on
  TFLite's int8 output grid (scale 1/256); with learned queries, q k^T as one
  FULLY_CONNECTED of the memory.
- QuantLayerNormalization: mean, centering, variance, rsqrt, normalization and
  the per-feature affine step (a 1x1 depthwise conv with per-channel weights).
- QuantLearnedQueries: the queries as a constant (no op, no range of its own:
  the attention folds them into its weights).
"""
import keras
from keras import layers, ops
from keras.saving import register_keras_serializable

from hrkeras.convert.quantizers import NUM_BITS, FakeQuant, QuantConv2D, quantize_kernel
from hrkeras.models.hrnas.hrnas_transformer import LearnedQueries, TokenAttention, coordinate_grid

SOFTMAX_RANGE = (0.0, 255 / 256)  # TFLite's int8 SOFTMAX output grid


def _quants(momentum, name, parts, fixed=None):
    """{part: FakeQuant named `{name}_{part}_quant`}; `fixed` = {part: (min, max)}."""
    fixed = fixed or {}
    return {p: FakeQuant(momentum, fixed.get(p), name=f"{name}_{p}_quant") for p in parts}


class _InnerQuants:
    """Mixin: FakeQuant sub-layers `self.quants` ({part: FakeQuant}) built with the layer."""

    def _build_quants(self):
        for quant in self.quants.values():
            quant.build(None)

    @property
    def inner_quants(self):
        return list(self.quants.values())


@register_keras_serializable(package="hrkeras")
class QuantCoordinateConv2D(_InnerQuants, QuantConv2D):
    """1x1 Conv2D over CoordinateChannels(x) taking x: [N,h,w,C] -> [N,h,w,F].

    Its kernel [1, 1, C + 2, F] (the float layer's) splits into the part on x,
    a per-channel int8 conv with the bias, and the part on the two coordinate
    channels, which only ever sees the fixed grid: a constant [1,h,w,F] map
    added after the conv, 8-bit with its own range.
    """

    def __init__(self, momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.quants = _quants(momentum, self.name, ["conv"])

    def build(self, input_shape):
        super().build((*input_shape[:3], input_shape[3] + 2))
        self.input_spec = None
        self._grid = coordinate_grid(input_shape[1], input_shape[2])[None]
        self._grid_bound = abs(self._grid).max(axis=(0, 1, 2))[None]  # [1, 2]
        self._build_quants()

    def call(self, x, training=None):
        channels = x.shape[-1]
        y = ops.conv(x, quantize_kernel(self.kernel[:, :, :channels]), 1, "valid")
        if self.use_bias:
            y = ops.add(y, self.bias)
        y = self.quants["conv"](y, training=training)
        weights = self.kernel[0, 0, channels:]  # [2, F]
        coords = ops.matmul(ops.cast(self._grid, y.dtype), weights)  # [1,h,w,F]
        # max |coords|, reached at a corner of the grid (symmetric about 0), from the weights alone: the
        # converter folds reductions of weights, not of the folded map
        bound = ops.max(ops.matmul(ops.cast(self._grid_bound, y.dtype), ops.abs(weights)))
        return y + keras.quantizers.fake_quant_with_min_max_vars(coords, -bound, bound, NUM_BITS)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], self.filters)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


@register_keras_serializable(package="hrkeras")
class QuantTokenAttention(_InnerQuants, TokenAttention):
    """TokenAttention [query [N,L,E], memory [N,S,E]] -> [N,L,E] with int8 q, k, v, scores and
    probabilities (in_proj fake-quantized per tensor for each of q, k, v). Its token mask must
    keep every token: quantize the compact network (hrnas_arch), where masked tokens are gone.

    constant_query: the query is the same for every image (QuantLearnedQueries); then
    q k^T = (M Wk q^T)^T is one FULLY_CONNECTED of the memory M with the constant weights
    Wk q^T [E, L] and a transpose (the GPU runs no FULLY_CONNECTED on a constant input).
    """

    def __init__(self, momentum=0.99, constant_query=False, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.constant_query = bool(constant_query)
        parts = ["v", "scores", "probs"] if constant_query else ["q", "k", "v", "scores", "probs"]
        self.quants = _quants(momentum, self.name, parts, {"probs": SOFTMAX_RANGE})

    def build(self, input_shape):
        super().build(input_shape)
        self._build_quants()

    def call(self, inputs, training=None):
        query, memory = inputs
        dim = self.in_proj.shape[0]
        w_q, w_k, w_v = (self.in_proj[:, k * dim:(k + 1) * dim] for k in range(3))

        def project(x, weights, part):
            return self.quants[part](ops.matmul(x, quantize_kernel(weights, axis=None)), training=training)

        v = project(memory, w_v, "v")
        if self.constant_query:
            q = ops.matmul(query[0], w_q) * (dim ** -0.5)  # [L, E]
            scores = project(memory, ops.matmul(w_k, ops.transpose(q)), "scores")  # [N, S, L]
            scores = ops.transpose(scores, (0, 2, 1))
        else:
            q, k = project(query, w_q * (dim ** -0.5), "q"), project(memory, w_k, "k")
            scores = self.quants["scores"](ops.matmul(q, ops.transpose(k, (0, 2, 1))), training=training)
        probs = self.quants["probs"](ops.softmax(scores, axis=-1), training=training)
        return ops.matmul(probs, v)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "constant_query": self.constant_query}


@register_keras_serializable(package="hrkeras")
class QuantLayerNormalization(_InnerQuants, layers.LayerNormalization):
    """LayerNormalization over the last axis of [N,L,E] in int8 steps: mean, x - mean, (x - mean)^2,
    variance, variance + eps', rsqrt, normalized, then gamma/beta as a 1x1 depthwise conv on [N,L,1,E].
    eps' = max(eps, one step of the variance's range): a variance rounded to 0 stays finite."""

    def __init__(self, momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.quants = _quants(momentum, self.name, ["mean", "centered", "square", "variance", "shifted", "rsqrt",
                                                      "normalized"])

    def build(self, input_shape):
        axes = [a % len(input_shape) for a in (self.axis if isinstance(self.axis, (list, tuple)) else [self.axis])]
        if axes != [2] or len(input_shape) != 3 or self.rms_scaling:
            raise ValueError(f"{self.name}: quantization supports LayerNormalization (no rms_scaling) over the last "
                             f"axis of a rank-3 tensor, got axis {self.axis} on shape {input_shape}")
        super().build(input_shape)
        self._build_quants()

    def call(self, x, training=None):
        def q(part, t):
            return self.quants[part](t, training=training)

        centered = q("centered", x - q("mean", ops.mean(x, axis=-1, keepdims=True)))
        variance = q("variance", ops.mean(q("square", centered * centered), axis=-1, keepdims=True))
        step = (self.quants["variance"].range_max - self.quants["variance"].range_min) / (2 ** NUM_BITS - 1)
        shifted = q("shifted", variance + ops.maximum(step, self.epsilon))
        y = q("normalized", centered * q("rsqrt", ops.rsqrt(shifted)))
        dim = y.shape[-1]
        gamma = self.gamma if self.scale else ops.ones((dim,), y.dtype)
        kernel = ops.reshape(quantize_kernel(ops.reshape(gamma, (1, 1, 1, dim))), (1, 1, dim, 1))
        y = ops.depthwise_conv(ops.expand_dims(y, 2), kernel, 1, "valid")
        if self.center:
            y = y + self.beta
        return ops.squeeze(y, 2)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


@register_keras_serializable(package="hrkeras")
class QuantLearnedQueries(LearnedQueries):
    """LearnedQueries [N,n,E] -> [N,n,E] computed from the weights alone (the converter folds it to a
    constant), not as `x * 0 + queries`, which would be two int8 ops on a zero range. Its only
    consumer is a QuantTokenAttention with constant_query."""

    def call(self, x):
        return ops.broadcast_to(self.embeddings[None], (ops.shape(x)[0], self.num_queries, self.dim))
