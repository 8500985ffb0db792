"""Channel split and shuffle in 4-D (the mobile GPU rejects rank-5 tensors)."""
from keras import layers, ops
from keras.saving import register_keras_serializable


def _shuffle(x, groups, name):
    """[N, H, W, C] -> [N, H*W, groups, C/groups] -> swap last two -> [N, H, W, C]."""
    _, h, w, c = x.shape
    if c % groups:
        raise ValueError(f"{name}: {c} channels do not split into {groups} groups")
    x = ops.reshape(x, (-1, h * w, groups, c // groups))
    return ops.reshape(ops.transpose(x, (0, 1, 3, 2)), (-1, h, w, c))


@register_keras_serializable(package="hrkeras")
class ChannelShuffle(layers.Layer):
    """ShuffleNet channel shuffle, PyTorch channel order, in rank <= 4.

    Output channel k*groups + g is input channel g*(C/groups) + k.
    [N, H, W, C] -> reshape [N, H*W, groups, C/groups] -> swap last two -> [N, H, W, C].
    """

    def __init__(self, groups=2, **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)

    def call(self, x):
        return _shuffle(x, self.groups, self.name)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


@register_keras_serializable(package="hrkeras")
class ConcatShuffle(layers.Concatenate):
    """Concatenate on channels, then ChannelShuffle with one group per input.

    [[N, H, W, C_0], [N, H, W, C_1], ...] -> [N, H, W, sum(C_i)]. Equal widths C
    (Lite-HRNet's blocks) are stacked as planes [N, G, H*W, C] and transposed to
    [N, H*W, C, G]: two contiguous copies and one 2-D transpose, which XNNPACK
    runs ~2x faster (int8 and float) than a channel concatenation followed by
    the [N, H*W, G, C] transpose of ChannelShuffle.
    """

    def __init__(self, **kwargs):
        kwargs.pop("axis", None)
        super().__init__(axis=-1, **kwargs)

    def call(self, inputs):
        groups = len(inputs)
        _, h, w, c = inputs[0].shape
        if any(x.shape[-1] != c for x in inputs):
            return _shuffle(ops.concatenate(inputs, axis=-1), groups, self.name)
        x = ops.concatenate([ops.reshape(x, (-1, 1, h * w, c)) for x in inputs], axis=1)
        return ops.reshape(ops.transpose(x, (0, 2, 3, 1)), (-1, h, w, groups * c))


@register_keras_serializable(package="hrkeras")
class ChannelSplit(layers.Layer):
    """Split channels into consecutive groups (PyTorch `split`/`chunk` order).

    [N, H, W, sum(sizes)] -> [[N, H, W, sizes[0]], [N, H, W, sizes[1]], ...].
    Equal groups export as one SPLIT, unequal ones as slices (XNNPACK runs
    SPLIT and STRIDED_SLICE in int8, not SPLIT_V or SLICE). In training,
    unequal groups run as one split too: its gradient is one concatenation,
    where each slice's would be a zero-padded full-size tensor.
    """

    def __init__(self, sizes, **kwargs):
        super().__init__(**kwargs)
        self.sizes = [int(s) for s in sizes]

    def call(self, x, training=False):
        if x.shape[-1] != sum(self.sizes):
            raise ValueError(f"{self.name}: {x.shape[-1]} channels cannot split into {self.sizes}")
        if len(set(self.sizes)) == 1:
            return ops.split(x, len(self.sizes), axis=-1)
        starts = [sum(self.sizes[:i]) for i in range(len(self.sizes))]
        if training:
            return ops.split(x, starts[1:], axis=-1)
        return [x[..., a:a + s] for a, s in zip(starts, self.sizes)]

    def compute_output_shape(self, input_shape):
        return [(*input_shape[:-1], s) for s in self.sizes]

    def get_config(self):
        return {**super().get_config(), "sizes": self.sizes}
