"""Keras model -> TFLite flatbuffer: float32, float16, dynamic-range, int8 (post-training) and QAT int8.

Every model is converted at batch 1 with static shapes and TFLite builtin ops
only. Quantized models (int8, qat) keep float32 input and output: the graph
starts with QUANTIZE and ends with DEQUANTIZE, so every runtime feeds the same
normalized float image and reads float heatmaps; every op in between runs in
int8, convolutions with int8 per-channel weights.
"""
import re
import warnings

import numpy as np

from hrkeras.convert.dead_ranges import widen_dead_ranges
from hrkeras.convert.quantizers import fake_quants

MODES = ("float32", "float16", "dynamic", "int8", "qat")


def _check(model, mode, representative):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if any(d is None for d in model.input.shape[1:]):
        raise ValueError(f"TFLite export needs a static input shape, got {model.input.shape}; "
                         "build the model with input_shape=(H, W, 3)")
    quants = list(fake_quants(model))
    if mode == "qat":
        if not quants:
            raise ValueError("mode 'qat' converts models made by hrkeras.convert.quantize_model; "
                             "use mode 'int8' to quantize a float model after training")
        unset = [q.name for q in quants if float(q.calibrated.numpy()) == 0.0]
        if unset:
            raise ValueError(f"{len(unset)} activation ranges of the QAT model were never set (e.g. {unset[0]!r}): "
                             "fine-tune it with fit(), or call it with training=True on a few batches")
    elif quants:
        raise ValueError(f"the model has FakeQuant layers: convert QAT models with mode 'qat', not {mode!r}")
    if mode == "int8" and representative is None:
        raise ValueError("mode 'int8' needs representative data: an iterable of float32 [1,H,W,3] images")


def _calibration(representative, shape, progress):
    """The converter's representative_dataset: yields [float32 [1, *shape]] per sample."""
    def samples():
        for i, x in enumerate(representative):
            x = np.asarray(x, dtype="float32")
            if x.shape != (1, *shape):
                raise ValueError(f"representative sample {i} has shape {x.shape}, expected {(1, *shape)}")
            yield [x]
            if progress is not None:
                progress(i + 1)

    return samples


def _unsupported_ops(error):
    """TensorFlow op names that a converter error lists as needing TF Select (Flex) or custom ops."""
    lists = re.findall(r"(?:TF Select|Custom) ops: ([\w, ]+)", str(error))
    return sorted({op.strip() for found in lists for op in found.split(",") if op.strip()})


def float_ops(flatbuffer):
    """Names of the ops of a TFLite model that read float32 tensors, QUANTIZE/DEQUANTIZE excluded."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_content=flatbuffer)
    dtypes = {t["index"]: t["dtype"] for t in interp.get_tensor_details()}
    return sorted({
        op["op_name"] for op in interp._get_ops_details()
        if op["op_name"] not in ("QUANTIZE", "DEQUANTIZE")
        and any(dtypes[i] == np.float32 for i in op["inputs"] if i >= 0)
    })


def convert(model, mode, representative=None, progress=None):
    """TFLite flatbuffer (bytes) of a Keras model at batch 1.

    mode: "float32"; "float16" (float16 weights, float compute); "dynamic"
    (int8 weights, float activations); "int8" (full-integer post-training
    quantization calibrated on `representative`, an iterable of float32
    [1,H,W,3] arrays; `progress(done)` is called after each sample); "qat" (a
    quantize_model model with trained ranges -> all-int8, no calibration data; the ranges of dead
    convolution outputs, which XNNPACK would reject, are widened in the model first: widen_dead_ranges).
    int8 and qat models take and return float32 (QUANTIZE/DEQUANTIZE at the edges).
    Raises ValueError naming the TensorFlow ops that TFLite builtins lack.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    _check(model, mode, representative)
    if mode == "qat":
        widen_dead_ranges(model)
    spec = tf.TensorSpec([1, *model.input.shape[1:]], "float32")
    fn = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    # Frozen: weights become constants, fake-quant ranges fixed, no variable ops. The converter saves the
    # trackable it gets as a SavedModel: an empty tf.Module, as the Keras model's object graph took 85% of the
    # conversion time (Lite-HRNet-18: 33 s -> 4.6 s, same flatbuffer).
    frozen = convert_variables_to_constants_v2(fn)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], tf.Module())
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if mode != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.representative_dataset = _calibration(representative, spec.shape[1:], progress)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Statistics for quantized inputs were expected")
            flatbuffer = converter.convert()
    except Exception as error:  # the converter raises several error types
        ops = _unsupported_ops(error)
        if not ops:
            raise
        raise ValueError(f"the model uses TensorFlow ops that TFLite builtins lack: {', '.join(ops)}; "
                         "replace the layers that make them (Flex/select TF ops are not allowed)") from error
    leftover = float_ops(flatbuffer) if mode == "qat" else []
    if leftover:
        raise ValueError(f"the QAT model converted with float ops {leftover}: a layer output without a "
                         "FakeQuant range; build the QAT model with quantize_model")
    return flatbuffer
