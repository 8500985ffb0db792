"""HR-NAS supernet backbone (official `HighResolutionNet` without its task head)."""
import keras
from keras.saving import register_keras_serializable

from hrkeras.models.backbone import Backbone, check_input_shape

from .hrnas_layers import BlockFactory, FuseModule, ParallelModule, stem

# Official dense-task supernet: (branches, blocks per branch, channels per branch) per stage.
SUPERNET_STAGES = (
    (1, (1,), (24,)),
    (2, (2, 2), (18, 36)),
    (3, (2, 2, 3), (18, 36, 72)),
    (4, (2, 2, 3, 4), (18, 36, 72, 144)),
    (4, (2, 2, 3, 4), (18, 36, 72, 144)),
)


@register_keras_serializable(package="hrkeras")
class HRNASBackbone(Backbone):
    """HR-NAS: 3x3 stride-2 stem convs, then per stage a FuseModule
    (`features.{2s}`) and a ParallelModule (`features.{2s+1}`) of search blocks.

    Args:
        stages: (num_branches, blocks per branch, channels per branch) per stage.
        stem_channels: channels of the two stem convs.
        expand_ratio / kernel_sizes: hidden width (x C_in) and depthwise kernels of each path.
        use_transformer: a lightweight transformer of `num_tokens` tokens on every
            stride-1 block with identity shortcut.
        bn_momentum / bn_epsilon: PyTorch-style BatchNorm settings of the network
            (the transformers' BNs keep PyTorch's defaults).
        arch: block name (also of the task head's blocks) -> {"kernel_sizes",
            "hidden_channels", "num_tokens"}: a compact architecture
            (`hrkeras.models.hrnas.hrnas_arch`); blocks not named keep the supernet's choice.
        input_shape: static (H, W, C), H and W multiples of 32.

    Output: {"P2": [N,H/4,W/4,C0], ..., "P5": [N,H/32,W/32,C3]}.
    """

    def __init__(self, stages=SUPERNET_STAGES, stem_channels=(24, 24), expand_ratio=4, kernel_sizes=(3, 5, 7),
                 use_transformer=False, num_tokens=64, bn_momentum=0.1, bn_epsilon=1e-5, arch=None,
                 input_shape=(256, 192, 3), **kwargs):
        input_shape = check_input_shape(input_shape)
        bn = (bn_momentum, bn_epsilon)
        arch = {name: dict(choice) for name, choice in (arch or {}).items()}
        block = BlockFactory(kernel_sizes, expand_ratio, use_transformer, num_tokens, bn, arch)
        # === Functional model ===
        inputs = keras.Input(shape=input_shape, name="image")
        xs = [stem(inputs, stem_channels, bn)]
        for s, (_, num_blocks, channels) in enumerate(stages):
            xs = FuseModule(channels, block, f"features_{2 * s}_fuse_layers")(xs)
            xs = ParallelModule(num_blocks, block, f"features_{2 * s + 1}")(xs)
        outputs = {f"P{i + 2}": x for i, x in enumerate(xs)}
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self._set_config(
            stages=[[n, list(b), list(c)] for n, b, c in stages], stem_channels=list(stem_channels),
            expand_ratio=expand_ratio, kernel_sizes=list(kernel_sizes), use_transformer=use_transformer,
            num_tokens=num_tokens, bn_momentum=bn_momentum, bn_epsilon=bn_epsilon, arch=arch or None,
            input_shape=list(input_shape),
        )
