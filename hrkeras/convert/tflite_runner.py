"""Run a .tflite model with LiteRT: the CPU interpreter (XNNPACK) or the GPU accelerator (GPU only)."""
import os
from collections import Counter

import numpy as np

from hrkeras.convert import litert_gpu
from hrkeras.errors import InvalidFileError

ACCELERATORS = ("cpu", "gpu")
TFLITE_FIX = "convert the model again with hrkeras convert (or copy the whole file again)"


def load_tflite(model):
    """Flatbuffer bytes of a .tflite path or bytes; a clear error for anything else.

    InvalidFileError (naming the file) for bytes that are not a TFLite flatbuffer or are cut short
    before its root table.
    """
    path = None
    if isinstance(model, (str, os.PathLike)):
        path = model
        if not os.path.isfile(model):
            raise FileNotFoundError(f"TFLite model not found: {os.fspath(model)!r}")
        with open(model, "rb") as f:
            model = f.read()
    if not isinstance(model, (bytes, bytearray)):
        raise TypeError(f"expected a .tflite path or flatbuffer bytes, got {type(model).__name__}")
    if bytes(model[4:8]) != b"TFL3":
        raise InvalidFileError(f"not a TFLite flatbuffer (no 'TFL3' identifier; {len(model)} bytes)", path,
                               "pass a .tflite file written by hrkeras convert or tf.lite.TFLiteConverter")
    if not 8 <= int.from_bytes(model[:4], "little") < len(model):
        raise InvalidFileError("truncated or damaged .tflite (its root table lies outside the file)", path,
                               TFLITE_FIX)
    return bytes(model)


class TFLiteRunner:
    """A single-input, single-output .tflite model (path or bytes) on "cpu" or "gpu".

    cpu: LiteRT interpreter with XNNPACK on `threads` threads.
    gpu: LiteRT's GPU accelerator compiled without CPU fallback, float32 precision;
    fails (NotFullyAcceleratedError) when an op cannot run on the GPU.
    Int8/uint8 model inputs and outputs are quantized/dequantized here, so callers
    always pass and get float32.
    """

    def __init__(self, model, accelerator="cpu", threads=2):
        from ai_edge_litert.interpreter import Interpreter

        if accelerator not in ACCELERATORS:
            raise ValueError(f"accelerator must be one of {ACCELERATORS}, got {accelerator!r}")
        self.model_bytes = load_tflite(model)
        self.accelerator = accelerator
        interpreter = Interpreter(model_content=self.model_bytes, num_threads=threads)
        inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(f"TFLiteRunner runs single-input single-output models; this one has "
                             f"{len(inputs)} inputs and {len(outputs)} outputs")
        self._input, self._output = inputs[0], outputs[0]
        self.input_shape = tuple(int(d) for d in self._input["shape"])
        self.output_shape = tuple(int(d) for d in self._output["shape"])
        if accelerator == "cpu":
            interpreter.allocate_tensors()
            self._interpreter = interpreter
        else:
            self._gpu = litert_gpu.compile_gpu(self.model_bytes)
            self._gpu_in = self._gpu.create_input_buffers(0)
            self._gpu_out = self._gpu.create_output_buffers(0)

    def xnnpack_coverage(self):
        """(partitions, Counter of op types left to the builtin kernels) of the CPU interpreter.

        XNNPACK replaces each run of ops it supports by one DELEGATE node; every
        other op (found backwards from the delegates' inputs and the model's
        outputs) runs on TFLite's slower builtin kernels and cuts the graph.
        """
        if self.accelerator != "cpu":
            raise ValueError("xnnpack_coverage needs the cpu accelerator")
        nodes = self._interpreter._get_ops_details()
        delegates = [n for n in nodes if n["op_name"] == "DELEGATE"]
        produced = {int(t) for n in delegates for t in n["outputs"]}
        needed = {int(t) for n in delegates for t in n["inputs"]} | {self._output["index"]}
        fallback, changed = set(), True
        while changed:
            changed = False
            for n in nodes:
                outs = {int(t) for t in n["outputs"]}
                if n["op_name"] != "DELEGATE" and n["index"] not in fallback and outs & needed and not outs & produced:
                    fallback.add(n["index"])
                    needed |= {int(t) for t in n["inputs"]}
                    changed = True
        return len(delegates), Counter(n["op_name"] for n in nodes if n["index"] in fallback)

    @property
    def fully_accelerated(self):
        """True when every op runs on the GPU (always False on the CPU interpreter)."""
        return self.accelerator == "gpu" and self._gpu.is_fully_accelerated()

    def __call__(self, x):
        """x float32 [1,H,W,C] (normalized) -> float32 output, e.g. heatmaps [1,h,w,K]."""
        x = np.asarray(x, np.float32)
        if x.shape != self.input_shape:
            raise ValueError(f"input must have shape {self.input_shape}, got {x.shape}; "
                             "use predict() for a batch")
        q = _quantize(x, self._input)
        if self.accelerator == "cpu":
            self._interpreter.set_tensor(self._input["index"], q)
            self._interpreter.invoke()
            y = self._interpreter.get_tensor(self._output["index"])
        else:
            self._gpu_in[0].write(q)
            self._gpu.run_by_index(0, self._gpu_in, self._gpu_out)
            y = self._gpu_out[0].read(int(np.prod(self.output_shape)), self._output["dtype"])
        return _dequantize(y.reshape(self.output_shape), self._output)

    def predict(self, images):
        """images float32 [B,H,W,C] -> [B, *output_shape[1:]], one batch-1 run per image."""
        images = np.asarray(images, np.float32)
        if images.ndim != len(self.input_shape) or not len(images):
            raise ValueError(f"images must be [B, {', '.join(map(str, self.input_shape[1:]))}], got {images.shape}")
        return np.concatenate([self(image[None]) for image in images])


def _quantize(x, detail):
    """float32 -> the tensor's dtype with its (scale, zero_point) (unchanged for float inputs)."""
    dtype = np.dtype(detail["dtype"])
    if dtype.kind == "f":
        return x.astype(dtype)
    scale, zero_point = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantize(y, detail):
    if np.dtype(detail["dtype"]).kind == "f":
        return y.astype(np.float32)
    scale, zero_point = detail["quantization"]
    return ((y.astype(np.float32) - zero_point) * scale).astype(np.float32)
