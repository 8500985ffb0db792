"""HR-NAS's lightweight transformer (paper Fig. 2), in rank <= 4 tensors.

Projector: bilinear resize to a fixed 8x8 grid, two coordinate channels,
1x1 conv + BN to n tokens whose embedding is their 8x8 map (dimension 64);
one post-norm encoder layer (single-head self-attention, feed-forward), one
decoder layer with n learned queries, reverse projection 1x1 conv + BN to C
channels, bilinear upsampling back to HxW and a residual add. Layer names
follow the official state dict (`transformer.input_proj`, `encoder.self_attn`, ...).
"""
import warnings

import numpy as np
from keras import layers, ops
from keras.saving import register_keras_serializable

from hrkeras.layers.resize import Resize

GRID = (8, 8)  # projector resolution; token dimension = 64
LN_EPSILON = 1e-5
# The transformer's BatchNorms keep PyTorch's defaults whatever the network uses.
TORCH_BN = dict(momentum=0.9, epsilon=1e-5)


def coordinate_grid(height, width):
    """[height, width, 2]: x and y pixel coordinates, each standardized to mean 0, std 1."""
    y, x = np.meshgrid(np.arange(height, dtype="float64"), np.arange(width, dtype="float64"), indexing="ij")
    grid = np.stack([x, y], axis=-1)
    return ((grid - grid.mean(axis=(0, 1))) / grid.std(axis=(0, 1))).astype("float32")


@register_keras_serializable(package="hrkeras")
class CoordinateChannels(layers.Layer):
    """Appends the standardized (x, y) coordinates: [N,h,w,C] -> [N,h,w,C+2]."""

    def build(self, input_shape):
        self._grid = coordinate_grid(input_shape[1], input_shape[2])[None]

    def call(self, x):
        coords = x[..., :1] * 0.0 + ops.cast(self._grid, x.dtype)  # [N,h,w,2] without a broadcast op
        return ops.concatenate([x, coords], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], input_shape[3] + 2)


@register_keras_serializable(package="hrkeras")
class LearnedQueries(layers.Layer):
    """The decoder's n learned queries (`query_embed.weight`), batched like `x`: [N,n,E] -> [N,n,E]."""

    def __init__(self, num_queries, dim, **kwargs):
        super().__init__(**kwargs)
        self.num_queries = num_queries
        self.dim = dim

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.num_queries, self.dim), initializer="glorot_uniform",
                                          name="embeddings")

    def call(self, x):
        return x * 0.0 + self.embeddings[None]

    def torch_weights(self):
        """{PyTorch parameter: (variable, transpose)} for checkpoint import."""
        return {"weight": (self.embeddings, ())}

    def get_config(self):
        return {**super().get_config(), "num_queries": self.num_queries, "dim": self.dim}


@register_keras_serializable(package="hrkeras")
class TokenAttention(layers.Layer):
    """Single-head scaled dot-product attention with PyTorch's packed, bias-free input projection.

    [query [N,L,E], memory [N,S,E]] -> softmax(q k^T / sqrt(E)) v: [N,L,E] (the output
    projection is the separate Dense `{name}_out_proj`). Weight `in_proj` [E, 3E] = q|k|v.
    """

    def build(self, input_shape):
        dim = input_shape[0][-1]
        self.in_proj = self.add_weight(shape=(dim, 3 * dim), initializer="glorot_uniform", name="in_proj")
        # 1 = the memory token takes part, 0 = masked (equals removing it); not a parameter
        self.token_mask = self.add_weight(shape=(input_shape[1][1],), initializer="ones", trainable=False,
                                          name="token_mask")

    @property
    def unit_masks(self):
        """Mask variables (not parameters: `count_params` skips them)."""
        return [self.token_mask]

    def call(self, inputs):
        query, memory = inputs
        dim = self.in_proj.shape[0]
        q = ops.matmul(query, self.in_proj[:, :dim]) * (dim ** -0.5)
        k = ops.matmul(memory, self.in_proj[:, dim:2 * dim])
        v = ops.matmul(memory, self.in_proj[:, 2 * dim:])
        scores = ops.matmul(q, ops.transpose(k, (0, 2, 1)))  # [N,L,S]
        # masked keys: exp(score - 1e4 - max) is exactly 0 in float32 (and 1e4 fits float16)
        scores = scores + (ops.cast(self.token_mask, scores.dtype) - 1.0) * 1e4
        with warnings.catch_warnings():  # a search may leave one token: its weight 1 is what is meant
            warnings.filterwarnings("ignore", "You are using a softmax over axis -1 of a tensor of shape")
            return ops.matmul(ops.softmax(scores, axis=-1), v)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def torch_weights(self):
        return {"in_proj_weight": (self.in_proj, (1, 0))}

    def macs(self):
        """Projections (L + 2S) E^2 plus the two attention matmuls 2 L S E."""
        (_, length, dim), (_, source, _) = self.input[0].shape, self.input[1].shape
        return (length + 2 * source) * dim * dim + 2 * length * source * dim


def _feed_forward(x, name):
    """Post-norm feed-forward E -> E -> E (ReLU), residual, LayerNorm `norm2`: [N,L,E] -> [N,L,E]."""
    dim = x.shape[-1]
    y = layers.Dense(dim, use_bias=False, name=f"{name}_linear1")(x)
    y = layers.ReLU(name=f"{name}_relu")(y)
    y = layers.Dense(dim, use_bias=False, name=f"{name}_linear2")(y)
    y = layers.Add(name=f"{name}_ffn_add")([x, y])
    return layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm2")(y)


def _attention(query, memory, residual, name, attn):
    """out_proj(attention(query, memory)) + residual, LayerNorm `norm1`: [N,L,E]."""
    y = TokenAttention(name=f"{name}_{attn}")([query, memory])
    y = layers.Dense(y.shape[-1], use_bias=False, name=f"{name}_{attn}_out_proj")(y)
    y = layers.Add(name=f"{name}_{attn}_add")([residual, y])
    return layers.LayerNormalization(epsilon=LN_EPSILON, name=f"{name}_norm1")(y)


class LightweightTransformer:
    """x [N,H,W,C] -> x + T(x) [N,H,W,C] with `num_tokens` tokens of dimension 64."""

    def __init__(self, num_tokens, name):
        self.num_tokens = num_tokens
        self.name = name

    def __call__(self, x):
        n, name = self.num_tokens, self.name
        size, channels = tuple(x.shape[1:3]), x.shape[-1]
        t = Resize(GRID, "bilinear", name=f"{name}_down")(x)
        t = CoordinateChannels(name=f"{name}_coords")(t)
        t = layers.Conv2D(n, 1, use_bias=False, name=f"{name}_input_proj")(t)
        t = layers.BatchNormalization(name=f"{name}_input_norm", **TORCH_BN)(t)
        t = layers.Reshape((GRID[0] * GRID[1], n), name=f"{name}_flatten")(t)
        tokens = layers.Permute((2, 1), name=f"{name}_tokens")(t)  # [N, n, 64]
        # encoder: self-attention
        memory = _attention(tokens, tokens, tokens, f"{name}_encoder", "self_attn")
        memory = _feed_forward(memory, f"{name}_encoder")
        # decoder: learned queries attend to the memory; its residual is the memory (official code)
        queries = LearnedQueries(n, memory.shape[-1], name=f"{name}_query_embed")(memory)
        t = _attention(queries, memory, memory, f"{name}_decoder", "multihead_attn")
        t = _feed_forward(t, f"{name}_decoder")
        t = layers.Permute((2, 1), name=f"{name}_untokens")(t)
        t = layers.Reshape((*GRID, n), name=f"{name}_unflatten")(t)
        t = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_reverse_proj")(t)
        t = layers.BatchNormalization(name=f"{name}_reverse_norm", **TORCH_BN)(t)
        t = Resize(size, "bilinear", name=f"{name}_up")(t)
        return layers.Add(name=f"{name}_add")([t, x])
