"""What an app does with a pose .tflite, in Python: the reference the browser (and Android) demos are tested against.

From the file's "hrkeras" metadata alone (mobile/METADATA.md): crop the person box top-down (the whole image by
default), run the model on LiteRT, decode the heatmaps with the codec the metadata names, map back to the image.
No flip test (the demos do not flip).
"""
import numpy as np

from hrkeras.convert import metadata


def codec_of(info):
    """The MSRAHeatmap a pose model's metadata describes, and its decode method."""
    from hrkeras.codecs import MSRAHeatmap

    height, width = info["input"]["size"]
    heat_h, heat_w = info["output"]["heatmap_size"]
    codec = info["output"]["codec"]
    return (MSRAHeatmap((width, height), (heat_w, heat_h), sigma=codec["sigma"], unbiased=codec["unbiased"],
                        blur_kernel_size=codec["blur_kernel_size"]), codec["decode"])


def keypoints(model, image, box=None, accelerator="cpu", runner=None):
    """model: .tflite path or bytes; image: uint8 [H, W, 3] RGB; box: [x, y, w, h] (default the whole image).

    Returns keypoints [K, 2] image px (float64) and scores [K] (float32).
    """
    import tensorflow as tf

    from hrkeras.convert.tflite_runner import TFLiteRunner
    from hrkeras.training.data import warp
    from hrkeras.training.data.geometry import bbox_to_center_scale, crop_to_image

    info = metadata.read(model)
    codec, method = codec_of(info)
    runner = runner or TFLiteRunner(model, accelerator)
    image = np.asarray(image)
    box = box if box is not None else [0.0, 0.0, float(image.shape[1]), float(image.shape[0])]
    input_size = codec.input_size
    center, scale = bbox_to_center_scale(box, input_size[0] / input_size[1])
    matrix = warp.affine_matrix(tf.constant(center, tf.float32), tf.constant(scale, tf.float32), 0.0, input_size)
    crop = warp.normalize(warp.crop_image(tf.constant(image), matrix, input_size),
                          info["input"]["mean"], info["input"]["std"])
    heatmaps = runner(np.asarray(crop)[None])
    points, scores = codec.decode(heatmaps, method)
    return crop_to_image(points[0], center, scale, input_size), scores[0]
