"""HRNet backbone (HRNetV1/V2 and HRNet-C trunks), built functionally."""
import keras
from keras.saving import register_keras_serializable

from hrkeras.layers.conv import conv_bn
from hrkeras.layers.fusion import FusionModule, Transition
from hrkeras.models.backbone import Backbone, check_input_shape

from .hrnet_layers import BLOCKS, ParallelModule, conv3x3_unit, make_layer


@register_keras_serializable(package="hrkeras")
class HRNetBackbone(Backbone):
    """HRNet: stem, stage 1 bottlenecks, stages 2-4 of HighResolutionModules.

    Each HighResolutionModule = ParallelModule (BasicBlocks per branch) +
    FusionModule; transitions add a branch at half the resolution per stage.

    Args:
        widths: branch widths (C, 2C, 4C, 8C).
        stage1_blocks / stage1_channels: Bottlenecks of stage 1 and their planes.
        stage_modules / stage_blocks: modules and blocks per branch of stages 2-4.
        stem_channels: width of the first stem conv (the second is always 64).
        multiscale_output: False makes the last module fuse only branch 0
            (HRNetV1 pose); outputs are then {"P2"} only.
        interpolation / align_corners: fuse upsampling ("nearest" in pose and
            classification code; "bilinear", align_corners=False in segmentation,
            whose configs all set ALIGN_CORNERS: False).
        input_shape: static (H, W, C), H and W multiples of 32.

    Output: {"P2": [N,H/4,W/4,C], "P3": [N,H/8,W/8,2C], "P4": ..., "P5": [N,H/32,W/32,8C]}.
    """

    def __init__(self, widths=(32, 64, 128, 256), stage1_blocks=4, stage1_channels=64,
                 stage_modules=(1, 4, 3), stage_blocks=(4, 4, 4), stem_channels=64,
                 multiscale_output=True, interpolation="nearest", align_corners=False,
                 input_shape=(256, 192, 3), **kwargs):
        input_shape = check_input_shape(input_shape)
        # === Functional model ===
        inputs = keras.Input(shape=input_shape, name="image")
        x = conv_bn(inputs, stem_channels, 3, "conv1", "bn1", strides=2, act="relu", act_name="relu1")
        x = conv_bn(x, 64, 3, "conv2", "bn2", strides=2, act="relu", act_name="relu2")
        x = make_layer(x, "bottleneck", stage1_channels, stage1_blocks, "layer1")
        xs, channels = [x], [stage1_channels * BLOCKS["bottleneck"][1]]
        last_stage = len(stage_modules) - 1
        for s, (num_modules, num_blocks) in enumerate(zip(stage_modules, stage_blocks)):
            stage_channels = list(widths[: s + 2])
            xs = Transition(channels, stage_channels, conv3x3_unit, f"transition{s + 1}")(xs)
            for m in range(num_modules):
                name = f"stage{s + 2}_{m}"
                xs = ParallelModule(stage_channels, num_blocks, f"{name}_branches")(xs)
                single = not multiscale_output and s == last_stage and m == num_modules - 1
                xs = FusionModule(
                    stage_channels, conv3x3_unit, f"{name}_fuse_layers",
                    num_outputs=1 if single else None,
                    interpolation=interpolation, align_corners=align_corners,
                )(xs)
            channels = stage_channels
        outputs = {f"P{i + 2}": x for i, x in enumerate(xs)}
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self._set_config(
            widths=list(widths), stage1_blocks=stage1_blocks, stage1_channels=stage1_channels,
            stage_modules=list(stage_modules), stage_blocks=list(stage_blocks),
            stem_channels=stem_channels, multiscale_output=multiscale_output,
            interpolation=interpolation, align_corners=align_corners, input_shape=list(input_shape),
        )
