"""Common base of the backbones: a functional model image -> {"P2": ..., "P5": ...}."""
import keras


def check_input_shape(input_shape, multiple=32):
    """Validate a static (H, W, C) input shape; returns it as a tuple."""
    shape = tuple(input_shape)
    if len(shape) != 3 or any(d is None for d in shape):
        raise ValueError(
            f"input_shape must be a static (height, width, channels) tuple, got {input_shape}; "
            "exported models need fixed sizes, e.g. (256, 192, 3)"
        )
    h, w, _ = shape
    if h % multiple or w % multiple:
        raise ValueError(
            f"input height and width must be multiples of {multiple}, got {h}x{w}: the branches downsample "
            f"the image by up to {multiple} and fuse by exact 2x upsampling; resize or pad the image, e.g. to "
            f"{-(-h // multiple) * multiple}x{-(-w // multiple) * multiple}"
        )
    return shape


class Backbone(keras.Model):
    """Functional multi-resolution backbone.

    Maps an image [N, H, W, C] (normalized) to a dict of feature maps keyed by
    stride, "P{k}" = [N, H/2^k, W/2^k, C_k] (HRNet branches are P2..P5).
    Subclasses build the graph in `__init__` and pass their constructor
    arguments to `_set_config`, so `get_config`/`from_config` round-trip.
    """

    def _set_config(self, **config):
        self._ctor_config = config

    @property
    def pyramid_outputs(self):
        """Dict "P{k}" -> symbolic output tensor."""
        return dict(self.output)

    @property
    def branch_channels(self):
        """Channels of each output, highest resolution first."""
        return [t.shape[-1] for t in self.output.values()]

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, **self._ctor_config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
