"""A JSON dict stored inside the .tflite flatbuffer (its `metadata` table, entry "hrkeras").

The model stays a plain TFLite file: interpreters and the GPU accelerator ignore
metadata entries they do not know, and apps read this one to preprocess and decode.
"""
import json
import os

import flatbuffers
import numpy as np

from hrkeras.convert import flatbuffer_metadata
from hrkeras.convert.export import MODES as QUANTIZATION_MODES
from hrkeras.convert.tflite_runner import TFLITE_FIX, load_tflite
from hrkeras.errors import InvalidFileError, UsageError

NAME = "hrkeras"


def write(tflite_bytes, info):
    """Flatbuffer bytes with `info` (a JSON-serializable dict) as the "hrkeras" metadata entry (replaced if present)."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    if not isinstance(info, dict):
        raise TypeError(f"metadata must be a dict, got {type(info).__name__}")
    data = json.dumps(info, sort_keys=True).encode()
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(load_tflite(tflite_bytes)))
    model.metadata = model.metadata or []
    entry = next((m for m in model.metadata if m.name.decode() == NAME), None)
    if entry is None:
        entry = schema.MetadataT(name=NAME, buffer=len(model.buffers))
        model.metadata.append(entry)
        model.buffers.append(schema.BufferT())
    model.buffers[entry.buffer].data = np.frombuffer(data, np.uint8)
    builder = _AlignedBuilder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


class _AlignedBuilder(flatbuffers.Builder):
    """Aligns byte vectors (weight buffers) to 16 bytes, as the schema asks (force_align: 16)."""

    def StartVector(self, elemSize, numElems, alignment):
        return super().StartVector(elemSize, numElems, 16 if elemSize == 1 else alignment)


class NoMetadataError(UsageError):
    """A valid .tflite without the "hrkeras" metadata entry (not written by hrkeras convert)."""


def read(model):
    """The "hrkeras" metadata dict of a .tflite path or bytes.

    NoMetadataError if the file has none; InvalidFileError (naming the file) if the file is truncated,
    not a TFLite flatbuffer, or its metadata is not a JSON object.
    """
    path = model if isinstance(model, (str, os.PathLike)) else None
    buf = load_tflite(model)
    try:
        data = flatbuffer_metadata.metadata_entry(buf, NAME.encode())
    except flatbuffer_metadata.Damaged as err:
        raise InvalidFileError(f"truncated or damaged .tflite: {err}", path, TFLITE_FIX) from None
    if data is None:
        raise NoMetadataError("this .tflite has no hrkeras metadata", path,
                              "write it with hrkeras.convert.metadata.write (`hrkeras convert` does) "
                              "or pass the model's settings explicitly")
    try:
        info = json.loads(data)
    except (ValueError, RecursionError) as err:  # also bad UTF-8 and over-long integers
        raise InvalidFileError(f"the hrkeras metadata of this .tflite is not JSON ({err})", path,
                               TFLITE_FIX) from None
    if not isinstance(info, dict):
        raise InvalidFileError(f"the hrkeras metadata of this .tflite is a JSON {type(info).__name__}, "
                               "not an object", path, TFLITE_FIX)
    return info


def _common(model_name, task, input_size, quantization, mean, std):
    """The fields every task shares: version, model, task, quantization, input (size (H, W), normalization)."""
    from hrkeras import __version__

    if quantization not in QUANTIZATION_MODES:
        raise ValueError(f"quantization must be one of {QUANTIZATION_MODES}, got {quantization!r}")
    height, width = (int(s) for s in input_size)
    return {
        "hrkeras_version": __version__,
        "model": model_name,
        "task": task,
        "quantization": quantization,
        "input": {"size": [height, width], "layout": "NHWC", "color": "RGB", "pixel_range": [0, 255],
                  "mean": [float(v) for v in mean], "std": [float(v) for v in std]},
    }


def pose_info(model_name, input_size, quantization, codec=None):
    """Metadata dict of a COCO top-down pose model.

    input_size: (H, W). codec: the MSRAHeatmap used in training (default sigma 2, stride 4).
    Preprocessing: RGB, (pixel - mean) / std with pixels in 0..255.
    """
    from hrkeras.codecs import MSRAHeatmap
    from hrkeras.training.data import coco_meta, warp

    info = _common(model_name, "pose", input_size, quantization, warp.MEAN, warp.STD)
    height, width = info["input"]["size"]
    codec = codec or MSRAHeatmap((height, width), (height // 4, width // 4))
    if codec.input_size != (height, width):
        raise UsageError(f"the codec is for {codec.input_size} inputs and the model takes {(height, width)} "
                         "(height, width)", fix="pass the codec of the model's training recipe")
    heat_h, heat_w = codec.heatmap_size
    flip = coco_meta.flip_indices()
    info["output"] = {"heatmap_size": [heat_h, heat_w], "stride": width // heat_w, "layout": "NHWC",
                      "codec": {"name": "msra_heatmap", "sigma": codec.sigma, "unbiased": codec.unbiased,
                                "decode": "dark" if codec.unbiased else "quarter",
                                "blur_kernel_size": codec.blur_kernel_size}}
    info["keypoints"] = {"names": list(coco_meta.KEYPOINT_NAMES),
                         "skeleton": [list(p) for p in coco_meta.SKELETON],
                         "flip_pairs": [[i, int(j)] for i, j in enumerate(flip) if i < j]}
    return info


def segmentation_info(model_name, input_size, quantization, output_size, classes, palette, preprocessing):
    """Metadata dict of a segmentation model: input_size (H, W), output_size (H, W) of the logits; classes [C]
    names, palette [C] RGB triples, preprocessing {"mean", "std", "mode"} (as a Segmenter carries it)."""
    info = _common(model_name, "segmentation", input_size, quantization, preprocessing["mean"], preprocessing["std"])
    info["input"]["test_mode"] = preprocessing["mode"]
    height, width = (int(s) for s in output_size)
    info["output"] = {"size": [height, width], "stride": info["input"]["size"][1] // width, "layout": "NHWC",
                      "values": "logits"}
    info["classes"] = {"names": list(classes), "palette": [[int(c) for c in rgb] for rgb in palette]}
    return info


def classification_info(model_name, input_size, quantization, classes, preprocessing):
    """Metadata dict of a classification model: input_size (H, W); classes [C] names; preprocessing
    {"mean", "std", "crop_fraction"} (as an ImageClassifier carries it)."""
    info = _common(model_name, "classification", input_size, quantization, preprocessing["mean"],
                   preprocessing["std"])
    info["input"]["crop_fraction"] = float(preprocessing["crop_fraction"])
    info["output"] = {"layout": "NC", "values": "logits"}
    info["classes"] = {"names": list(classes)}
    return info
