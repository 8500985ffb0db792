"""Lite-HRNet backbone (Lite-HRNet-18/30 and the naive variants)."""
import keras
from keras.saving import register_keras_serializable

from hrkeras.layers.fusion import FusionModule, Transition
from hrkeras.models.backbone import Backbone, check_input_shape

from .litehrnet_layers import LiteParallelModule, dwsep_unit, stem


@register_keras_serializable(package="hrkeras")
class LiteHRNetBackbone(Backbone):
    """Lite-HRNet: shuffle-block stem, then stages of Lite-HR modules.

    A module = LiteParallelModule (ConditionalChannelWeighting blocks, or shuffle
    units for module_type="naive") + FusionModule with depthwise-separable
    downsampling. The IterativeHead of the reference backbone belongs to the
    pose task here (`hrkeras.models.tasks`), so all four branches are exposed.

    Args:
        widths: branch widths, e.g. (40, 80, 160, 320).
        stage_modules / stage_blocks: modules per stage and blocks per module.
        module_type: "lite" (conditional channel weighting) or "naive".
        reduce_ratio: channel reduction of CrossResolutionWeighting.
        stem_channels / stem_out_channels / stem_expand_ratio: stem configuration.
        input_shape: static (H, W, C), H and W multiples of 32.

    Output: {"P2": [N,H/4,W/4,C0], ..., "P5": [N,H/32,W/32,C3]}.
    """

    def __init__(self, widths=(40, 80, 160, 320), stage_modules=(2, 4, 2), stage_blocks=(2, 2, 2),
                 module_type="lite", reduce_ratio=8, stem_channels=32, stem_out_channels=32,
                 stem_expand_ratio=1, input_shape=(256, 192, 3), **kwargs):
        input_shape = check_input_shape(input_shape)
        # === Functional model ===
        inputs = keras.Input(shape=input_shape, name="image")
        xs = [stem(inputs, stem_channels, stem_out_channels, stem_expand_ratio)]
        channels = [stem_out_channels]
        for s, (num_modules, num_blocks) in enumerate(zip(stage_modules, stage_blocks)):
            stage_channels = list(widths[: s + 2])
            xs = Transition(channels, stage_channels, dwsep_unit, f"transition{s}")(xs)
            for m in range(num_modules):
                name = f"stage{s}_{m}"
                xs = LiteParallelModule(stage_channels, num_blocks, module_type, reduce_ratio, f"{name}_layers")(xs)
                xs = FusionModule(stage_channels, dwsep_unit, f"{name}_fuse_layers", reference_branch0=True)(xs)
            channels = stage_channels
        outputs = {f"P{i + 2}": x for i, x in enumerate(xs)}
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self._set_config(
            widths=list(widths), stage_modules=list(stage_modules), stage_blocks=list(stage_blocks),
            module_type=module_type, reduce_ratio=reduce_ratio, stem_channels=stem_channels,
            stem_out_channels=stem_out_channels, stem_expand_ratio=stem_expand_ratio,
            input_shape=list(input_shape),
        )
