"""Static-size resizing that converts to mobile-GPU ops and matches PyTorch.

- nearest, integer factor: copies concatenated on channels / columns and
  reshaped (equals PyTorch nearest; CONCATENATION and RESHAPE run in XNNPACK
  in int8 and float, RESIZE_NEAREST_NEIGHBOR in neither);
- bilinear, align_corners=False: RESIZE_BILINEAR (half-pixel, equals PyTorch);
- bilinear, align_corners=True: two 1x1 convolutions with fixed interpolation
  matrices over transposed 4-D tensors, exact and gather-free (TensorFlow's
  own align_corners resize is not reachable through keras.ops).
"""
import numpy as np
from keras import layers, ops
from keras.saving import register_keras_serializable


def interpolation_matrix(src, dst, align_corners):
    """[dst, src] weights of 1-D linear interpolation (PyTorch semantics)."""
    out = np.zeros((dst, src), dtype="float64")
    for o in range(dst):
        if align_corners:
            pos = o * (src - 1) / (dst - 1) if dst > 1 else 0.0
        else:
            pos = max((o + 0.5) * src / dst - 0.5, 0.0)
        lo = min(int(np.floor(pos)), src - 1)
        hi = min(lo + 1, src - 1)
        frac = pos - lo
        out[o, lo] += 1.0 - frac
        out[o, hi] += frac
    return out


def _prime_factors(n):
    """[2, 2, 3] for 12; [] for 1."""
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@register_keras_serializable(package="hrkeras")
class Resize(layers.Layer):
    """Resize [N, H, W, C] -> [N, size[0], size[1], C] to a static size.

    Args:
        size: (height, width) of the output.
        interpolation: "nearest" (integer upscale factors only) or "bilinear".
        align_corners: PyTorch's flag for bilinear interpolation.
    """

    def __init__(self, size, interpolation="nearest", align_corners=False, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
        self.size = tuple(int(s) for s in size)
        self.interpolation = interpolation
        self.align_corners = bool(align_corners)

    def build(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        if h is None or w is None:
            raise ValueError(f"{self.name}: Resize needs a static input size, got {input_shape}")
        if self.interpolation == "nearest" and (self.size[0] % h or self.size[1] % w):
            raise ValueError(
                f"{self.name}: nearest resize {h}x{w} -> {self.size[0]}x{self.size[1]} is not an integer "
                "upscale; use input sizes that are multiples of 32"
            )
        if self.interpolation == "bilinear" and self.align_corners:
            # 1x1 conv kernels [1, 1, src, dst] applying the interpolation matrices.
            self._kernel_h = interpolation_matrix(h, self.size[0], True).T[None, None].astype("float32")
            self._kernel_w = interpolation_matrix(w, self.size[1], True).T[None, None].astype("float32")

    def call(self, x):
        if self.interpolation == "nearest":
            return self._repeat(x)
        if not self.align_corners:
            return ops.image.resize(x, self.size, interpolation=self.interpolation)
        dtype = x.dtype
        x = ops.transpose(x, (0, 2, 3, 1))  # [N, W, C, H]
        x = ops.conv(x, ops.cast(self._kernel_h, dtype))  # [N, W, C, h]
        x = ops.transpose(x, (0, 3, 2, 1))  # [N, h, C, W]
        x = ops.conv(x, ops.cast(self._kernel_w, dtype))  # [N, h, C, w]
        return ops.transpose(x, (0, 1, 3, 2))  # [N, h, w, C]

    def _repeat(self, x):
        """Nearest upscale by integer factors: [N,h,w,C] -> [N,h*fh,w*fw,C], in steps of prime
        factors (XNNPACK leaves a CONCATENATION of 8 inputs to the builtin kernel)."""
        _, h, w, c = x.shape
        for f in _prime_factors(self.size[1] // w):  # [N,h,w,f*C] holds each pixel f times in a row
            x = ops.reshape(ops.concatenate([x] * f, axis=-1), (-1, h, x.shape[2] * f, c))
        for f in _prime_factors(self.size[0] // h):  # [N,h,f*W,C] holds each row f times
            x = ops.reshape(ops.concatenate([x] * f, axis=2), (-1, x.shape[1] * f, self.size[1], c))
        return x

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[3])

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, interpolation=self.interpolation, align_corners=self.align_corners)
        return config
