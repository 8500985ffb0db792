"""HR-NAS task heads (official `HighResolutionNet` heads), named after its state dict."""
import keras
from keras import layers

from hrkeras.layers.resize import Resize

from .hrnas_layers import BlockFactory, conv_bn_act


def head_blocks(backbone):
    """BlockFactory of the head's search blocks, with the backbone's kernels, expansion, BN and arch."""
    c = backbone.get_config()
    return BlockFactory(c["kernel_sizes"], c["expand_ratio"], False, 0, (c["bn_momentum"], c["bn_epsilon"]),
                        c["arch"])


def dense_head(xs, num_outputs, last_channel, block):
    """Pose / segmentation: every branch bilinearly resized to 1/4 and concatenated, a search
    block (`transform`) to last_channel, a 1x1 conv with bias (`classifier`, init normal
    std 0.001 as the official heatmap init). xs: [N,H/2^(i+2),W/2^(i+2),C_i] -> [N,H/4,W/4,num_outputs]."""
    size = tuple(xs[0].shape[1:3])
    ups = [xs[0]] + [Resize(size, "bilinear", name=f"transform_up{i}")(x) for i, x in enumerate(xs[1:], 1)]
    x = layers.Concatenate(name="transform_concat")(ups)
    x = block("transform", x.shape[-1], 1, last_channel)(x)
    return layers.Conv2D(num_outputs, 1, name="classifier",
                         kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))(x)


def classification_head(xs, num_classes, head_channels, last_channel, dropout, block, name):
    """HRNet-style head of search blocks: per-branch `incre_modules` to head_channels, stride-2
    `downsamp_modules` merging high to low resolution, 1x1 ConvBNReLU to last_channel
    (`final_layer`), global average pool, dropout, Linear (`classifier.1`). `name`: the head's
    module, `features.{2 x stages}`. xs -> [N, num_classes]."""
    y = block(f"{name}_incre_modules_0", xs[0].shape[-1], 1, head_channels[0])(xs[0])
    for i, x in enumerate(xs[1:]):
        x = block(f"{name}_incre_modules_{i + 1}", x.shape[-1], 1, head_channels[i + 1])(x)
        y = block(f"{name}_downsamp_modules_{i}", y.shape[-1], 2, head_channels[i + 1])(y)
        y = layers.Add(name=f"{name}_incre_add{i + 1}")([x, y])
    y = conv_bn_act(y, last_channel, 1, f"{name}_final_layer", block.bn)
    y = layers.GlobalAveragePooling2D(name="global_pool")(y)
    y = layers.Dropout(dropout, name="classifier_0")(y)
    return layers.Dense(num_classes, name="classifier_1")(y)
