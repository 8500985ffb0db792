"""The quantization parameters that XNNPACK (the CPU interpreter's delegate) rejects in an int8 .tflite.

Read in XNNPACK's and LiteRT's sources:
- src/operators/convolution-nhwc.c, fully-connected-nc.c (XNNPACK): an int8 convolution, depthwise
  convolution or fully-connected op is created only if, for every output channel c,
  input_scale * filter_scale[c] / output_scale < 256. Otherwise the runtime cannot be created and
  the interpreter fails in allocate_tensors ("failed to create XNNPACK runtime ... Node number N
  (TfLiteXNNPackDelegate) failed to prepare").
- tflite/delegates/xnnpack/xnnpack_delegate.cc (LiteRT): every scale (biases' too) must be a normal positive
  float, ADD/SUB need input_scale / output_scale in [2^-10, 2^8) for both inputs, MUL needs
  input1_scale * input2_scale / output_scale in [2^-16, 2^8). Ops outside these are not delegated:
  they run on the slower builtin kernels and cut the XNNPACK graph.
"""
import math
from dataclasses import dataclass

import numpy as np

REQUANTIZED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
REQUANTIZATION_MAX = 256.0
ADD_RATIO = (2.0 ** -10, 2.0 ** 8)
MUL_RATIO = (2.0 ** -16, 2.0 ** 8)
QUANTIZED = (np.int8, np.uint8)
SCALED = (*QUANTIZED, np.int32)  # int32: biases, scaled by input_scale * filter_scale


@dataclass
class Rejection:
    """One op whose quantization parameters XNNPACK rejects."""

    op: str  # e.g. "CONV_2D #12"
    tensor: str  # the output tensor's name
    problem: str
    fatal: bool  # True: the interpreter cannot prepare; False: the op runs outside XNNPACK

    def __str__(self):
        return f"{self.op} -> {self.tensor!r}: {self.problem}"


def _scales(tensor):
    return np.asarray(tensor["quantization_parameters"]["scales"], np.float64)


def _quantized(tensor):
    return tensor["dtype"] in QUANTIZED and _scales(tensor).size > 0


def _bad_scale(scales):
    """The first scale that is not a normal positive float32, or None."""
    for s in np.asarray(scales, np.float32):
        if not (s > 0 and np.isfinite(s) and s >= np.finfo(np.float32).tiny):
            return float(s)
    return None


def _requantization(op, tensors):
    """The fatal rule of XNNPACK's int8 convolutions: max over channels of in * filter / out < 256."""
    source, weights, out = (tensors[i] for i in (op["inputs"][0], op["inputs"][1], op["outputs"][0]))
    if not (_quantized(source) and _quantized(weights) and _quantized(out)):
        return None
    ratio = _scales(source)[0] * _scales(weights) / _scales(out)[0]
    worst = int(np.argmax(ratio))
    if ratio[worst] < REQUANTIZATION_MAX:
        return None
    return (f"requantization scale input {_scales(source)[0]:.3g} x filter {_scales(weights)[worst]:.3g} "
            f"(output channel {worst}) / output {_scales(out)[0]:.3g} = {ratio[worst]:.4g}, XNNPACK needs < 256: "
            "the output range is far narrower than one input step times the weights (a dead output)")


def _ratio(op, tensors):
    """The delegate's scale-ratio rules of int8 ADD, SUB and MUL (outside them the op is not delegated)."""
    ins = [tensors[i] for i in op["inputs"][:2]]
    out = tensors[op["outputs"][0]]
    if not all(_quantized(t) for t in (*ins, out)):
        return None
    s_out = _scales(out)[0]
    if op["op_name"] == "MUL":
        checks, (low, high) = [("input product", _scales(ins[0])[0] * _scales(ins[1])[0])], MUL_RATIO
    else:
        checks, (low, high) = [(f"input {k}", _scales(t)[0]) for k, t in enumerate(ins)], ADD_RATIO
    for what, scale in checks:
        ratio = scale / s_out
        if not low <= ratio < high:
            return (f"{what} scale {scale:.3g} / output scale {s_out:.3g} = {ratio:.3g}, outside XNNPACK's "
                    f"[2^{math.log2(low):.0f}, 2^{math.log2(high):.0f})")
    return None


def rejections(model_content):
    """[Rejection] for every op of an int8 .tflite (bytes) whose quantization XNNPACK rejects."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_content=bytes(model_content),
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    found = []
    for op in interpreter._get_ops_details():
        name = f"{op['op_name']} #{op['index']}"
        used = [tensors[i] for i in (*op["inputs"], *op["outputs"]) if i >= 0]
        out = tensors[op["outputs"][0]]["name"] if len(op["outputs"]) else "?"
        bad = next(((t, s) for t in used if t["dtype"] in SCALED
                    for s in [_bad_scale(_scales(t))] if s is not None), None)
        if bad is not None:
            found.append(Rejection(name, bad[0]["name"], f"scale {bad[1]:.3g} is not a normal positive float", False))
        elif op["op_name"] in REQUANTIZED and (problem := _requantization(op, tensors)):
            found.append(Rejection(name, out, problem, True))
        elif op["op_name"] in ("ADD", "SUB", "MUL") and (problem := _ratio(op, tensors)):
            found.append(Rejection(name, out, problem, False))
    return found
