"""Static adaptive average pooling that every int8 runtime path accelerates."""
from keras import layers, ops
from keras.saving import register_keras_serializable


@register_keras_serializable(package="hrkeras")
class AdaptiveAveragePool2D(layers.Layer):
    """PyTorch's adaptive_avg_pool2d to `size` when it divides the input exactly.

    [N, H, W, C] -> [N, size[0], size[1], C], each output the mean of an
    fh x fw = (H/size[0]) x (W/size[1]) block, computed as a stride-(fh, fw)
    depthwise conv with a constant 1/(fh*fw) kernel: XNNPACK runs int8
    DEPTHWISE_CONV_2D but not int8 AVERAGE_POOL_2D, which would cut the int8
    graph in pieces. The kernel is exact in float and in per-channel int8.
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = tuple(int(s) for s in size)

    def build(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        if h is None or w is None or h % self.size[0] or w % self.size[1]:
            raise ValueError(f"{self.name}: adaptive pooling {h}x{w} -> {self.size[0]}x{self.size[1]} needs a static "
                             "size with integer factors; use input sizes that are multiples of 32")
        self.factors = (h // self.size[0], w // self.size[1])

    def averaging_kernel(self, x):
        """[fh, fw, C, 1] filled with 1/(fh*fw)."""
        fh, fw = self.factors
        return ops.full((fh, fw, x.shape[-1], 1), 1.0 / (fh * fw), dtype=x.dtype)

    def call(self, x):
        return ops.depthwise_conv(x, self.averaging_kernel(x), self.factors, "valid")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "size": self.size}
