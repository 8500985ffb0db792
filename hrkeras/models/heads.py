"""Task heads, built into the functional graph of a task model.

Names follow the reference checkpoints: `final_layer` (pose), `last_layer.{0,1,3}`
(HRNetV2 segmentation), `incre_modules` / `downsamp_modules` / `final_layer` /
`classifier` (HRNet-C), `reduction_conv` / `fpn_convs` (HRNetV2p).
"""
import keras
from keras import layers

from hrkeras.layers.conv import conv, conv_bn
from hrkeras.layers.resize import Resize
from hrkeras.models.hrnet.hrnet_layers import bottleneck


def heatmap_head(x, num_keypoints, name="final_layer"):
    """1x1 conv with bias: [N,H/4,W/4,C] -> heatmaps [N,H/4,W/4,K] (init normal std 0.001)."""
    return layers.Conv2D(
        num_keypoints, 1, name=name,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.001),
    )(x)


def concat_upsampled(xs, align_corners, name, interpolation="bilinear"):
    """HRNetV2 representation: every branch resized to branch 0, concatenated.

    xs: [N, H/2^i, W/2^i, C_i] -> [N, H, W, sum C_i].
    """
    size = tuple(xs[0].shape[1:3])
    ups = [xs[0]] + [
        Resize(size, interpolation, align_corners, name=f"{name}_up{i}")(x) for i, x in enumerate(xs[1:], 1)
    ]
    return layers.Concatenate(name=f"{name}_concat")(ups)


def segmentation_head(xs, num_classes, align_corners=False, channels=None):
    """HRNetV2: concat, 1x1 conv(bias)+BN+ReLU to `channels` (None: as many as the concat, the reference's),
    1x1 classifier -> [N, H/4, W/4, classes].

    The classifier starts at normal std 0.001 (HRNet-Semantic-Segmentation's init_weights): He-normal over
    its few outputs would start the logits at a std of ~10 and the loss far above log(classes).
    """
    x = concat_upsampled(xs, align_corners, "last_layer")
    x = conv_bn(x, channels or x.shape[-1], 1, "last_layer_0", "last_layer_1", act="relu", act_name="last_layer_2",
                use_bias=True)
    return layers.Conv2D(num_classes, 1, name="last_layer_3",
                         kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))(x)


def classification_head(xs, num_classes, head_channels=(32, 64, 128, 256), num_features=2048):
    """HRNet-C: per-branch Bottleneck to 4*head_channels, strided 3x3 conv merging
    high to low resolution, 1x1 conv to `num_features`, global average pool,
    classifier. xs: four branches -> logits [N, num_classes]."""
    y = None
    for i, x in enumerate(xs):
        x = bottleneck(x, head_channels[i], f"incre_modules_{i}_0")
        if y is not None:
            d = f"downsamp_modules_{i - 1}"
            y = conv_bn(y, x.shape[-1], 3, f"{d}_0", f"{d}_1", strides=2, act="relu", act_name=f"{d}_2",
                        use_bias=True)
            x = layers.Add(name=f"incre_modules_{i}_add")([x, y])
        y = x
    y = conv_bn(y, num_features, 1, "final_layer_0", "final_layer_1", act="relu", act_name="final_layer_2",
                use_bias=True)
    y = layers.GlobalAveragePooling2D(name="global_pool")(y)
    return layers.Dense(num_classes, name="classifier")(y)


def pyramid_head(xs, out_channels=256, num_outs=5):
    """HRNetV2p (HRFPN): concat of the upsampled branches, 1x1 reduction, average
    pooling to strides 4..4*2^(num_outs-1), 3x3 conv per level.

    xs: four branches -> {"P2": [N,H/4,W/4,out], ..., "P6": [N,H/64,W/64,out]}.
    """
    x = concat_upsampled(xs, False, "reduction")
    x = conv(x, out_channels, 1, "reduction_conv_conv", use_bias=True)
    outs = {}
    for i in range(num_outs):
        level = x if i == 0 else layers.AveragePooling2D(2 ** i, name=f"pool{i}")(x)
        outs[f"P{i + 2}"] = conv(level, out_channels, 3, f"fpn_convs_{i}_conv", use_bias=True)
    return outs
