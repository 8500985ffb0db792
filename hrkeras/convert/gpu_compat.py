"""Mobile-GPU compatibility check of TFLite models (and of Keras models via conversion).

The TFLite GPU delegate / LiteRT GPU accelerator rejects tensors of rank > 4
("Tensor dimensions must be less than 5"), dynamic dimensions and ops outside
its set; TensorFlow's `Analyzer(gpu_compatibility=True)` is too lenient (it
passes rank-5 RESHAPE/TRANSPOSE). This check reads the flatbuffer through the
interpreter and flags every tensor and op that would break full delegation.
"""
from collections import Counter
from dataclasses import dataclass, field

# Builtin ops our graphs use that the GPU delegate executes (quantized variants included).
GPU_OPS = frozenset({
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE", "DIV",
    "FULLY_CONNECTED", "HARD_SWISH", "LOGISTIC", "MAX_POOL_2D", "MEAN", "MUL", "PAD", "QUANTIZE", "RELU",
    "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "SLICE", "SOFTMAX", "SPLIT", "SPLIT_V",
    "STRIDED_SLICE", "SUB", "TANH", "TRANSPOSE",
    # HR-NAS's lightweight transformer (attention matmuls, LayerNorm); run GPU-only in tests/test_hrnas.py
    "BATCH_MATMUL", "NEG", "RSQRT", "SQUARED_DIFFERENCE",
})
GATHER_OPS = frozenset({"GATHER", "GATHER_ND"})


@dataclass
class GpuCompatReport:
    """Result of a check: op histogram and a list of human-readable problems."""

    ops: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def __str__(self):
        ops = ", ".join(f"{k} x{v}" for k, v in sorted(self.ops.items()))
        if self.ok:
            return f"mobile-GPU compatible: {sum(self.ops.values())} ops ({ops})"
        return "not mobile-GPU compatible:\n  " + "\n  ".join(self.problems) + f"\nops: {ops}"


def _interpreter(model):
    """An interpreter over a .tflite path or flatbuffer bytes (LiteRT if installed, else TensorFlow)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    if isinstance(model, (bytes, bytearray)):
        return Interpreter(model_content=bytes(model))
    return Interpreter(model_path=str(model))


def check_tflite(model):
    """Check a TFLite model (path or bytes): rank <= 4, static shapes, GPU ops only, no gather."""
    interp = _interpreter(model)
    report = GpuCompatReport()
    for t in interp.get_tensor_details():
        sig = list(t.get("shape_signature", t["shape"]))
        if len(sig) > 4:
            report.problems.append(f"tensor {t['name']!r} has rank {len(sig)} > 4 (shape {sig})")
        if any(d < 0 for d in sig):
            report.problems.append(f"tensor {t['name']!r} has a dynamic dimension (shape {sig})")
    for op in interp._get_ops_details():
        name = op["op_name"]
        report.ops[name] += 1
        if name in GATHER_OPS:
            report.problems.append(f"op {name} (#{op['index']}): gathers are not run by the GPU delegate")
        elif name not in GPU_OPS:
            report.problems.append(f"op {name} (#{op['index']}) is not in the mobile-GPU op set")
    return report


def check_model(model):
    """Convert a Keras model to TFLite (float32, batch 1: hrkeras.convert.export.convert) and check it;
    returns a GpuCompatReport."""
    from hrkeras.convert.export import convert

    return check_tflite(convert(model, "float32"))


def check_keras_layers(model):
    """Fast structural pre-check of a Keras model without converting it.

    Every layer must be of a type whose TFLite lowering is covered by
    `check_model` on the reference graphs (KERAS_LAYERS), with static outputs
    of rank <= 4. Returns a GpuCompatReport whose `ops` counts layer types.
    """
    from hrkeras.utils.nested import leaf_layers

    report = GpuCompatReport()
    for layer in leaf_layers(model):
        kind = type(layer).__name__
        report.ops[kind] += 1
        if kind not in KERAS_LAYERS:
            report.problems.append(f"layer {layer.name!r}: {kind} has no verified mobile-GPU lowering")
        for t in _flat(layer.output):
            shape = list(t.shape[1:])
            if len(shape) + 1 > 4:
                report.problems.append(f"layer {layer.name!r} outputs rank {len(shape) + 1} > 4")
            if any(d is None for d in shape):
                report.problems.append(f"layer {layer.name!r} has a dynamic output shape {t.shape}")
    return report


KERAS_LAYERS = frozenset({
    "InputLayer", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "ReLU", "Activation", "Add",
    "Multiply", "Concatenate", "ZeroPadding2D", "AveragePooling2D", "GlobalAveragePooling2D", "Dense",
    "Resize", "ChannelShuffle", "ConcatShuffle", "ChannelSplit", "AdaptiveAveragePool2D",
    "Dropout",  # identity at inference: no op in the flatbuffer (HR-NAS classifier, tests/test_hrnas.py)
    "GroupedConv2D",  # HR-NAS residual: one dense CONV_2D (tests/test_hrnas.py)
    # HR-NAS's lightweight transformer (tests/test_hrnas.py)
    "CoordinateChannels", "LearnedQueries", "TokenAttention", "LayerNormalization", "Reshape", "Permute",
})


def _flat(x):
    if isinstance(x, dict):
        return list(x.values())
    return list(x) if isinstance(x, (list, tuple)) else [x]
