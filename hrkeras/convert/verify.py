"""Verify a .tflite model: mobile-GPU static check, GPU-only run vs the CPU interpreter, Keras parity."""
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from hrkeras.convert import gpu_compat, metadata, xnnpack_limits
from hrkeras.convert.litert_gpu import GpuUnavailableError, NotFullyAcceleratedError
from hrkeras.convert.tflite_runner import TFLiteRunner, load_tflite
from hrkeras.errors import UnsupportedQuantizationError

FLOAT_GPU_TOLERANCE = 1e-3  # GPU (float32 math) vs CPU interpreter, fraction of the output range
# Quantized models: the CPU rounds every activation to int8, the GPU computes in float with the dequantized
# weights, so single pixels differ a lot (0.1-0.3 of the range on Lite-HRNet-18 heatmaps whose peaks agree);
# they are judged on the mean error (0.003-0.013 measured on ten training crops).
QUANTIZED_GPU_TOLERANCE = 0.02
KERAS_TOLERANCE = 1e-4  # float32 models vs the Keras model


@dataclass
class VerifyReport:
    """What verify() found. Errors are max |a - b| as a fraction of the reference output's range."""

    path: str  # the file checked; None for a conversion that was not written
    file_size: int
    ops: Counter
    constant_dtypes: Counter
    io: str
    static_problems: list
    metadata: dict = None
    gpu_accelerated: bool = False
    gpu_problem: str = None
    gpu_vs_cpu: float = None  # max error; the mean error for quantized models
    gpu_vs_cpu_max: float = None
    gpu_tolerance: float = FLOAT_GPU_TOLERANCE
    keras_error: float = None
    gpu_checked: bool = True
    xnnpack_partitions: int = None
    xnnpack_fallback: Counter = None  # op types the CPU interpreter runs outside XNNPACK
    # {"keras float": {"AP", "PCK@0.2"}, "tflite int8": {...}} on validation data (segmentation: mIoU, aAcc;
    # classification: top1, top5), the headline number first
    accuracy: dict = None
    notes: list = field(default_factory=list)  # how the checks were made, where it matters to the verdict

    @property
    def quantized(self):
        return bool(self.constant_dtypes["int8"] + self.constant_dtypes["uint8"])

    @property
    def float32(self):
        return not self.quantized and not self.constant_dtypes["float16"]

    @property
    def ok(self):
        """Static check passed, fully accelerated GPU run matching the CPU and, for float32, Keras parity."""
        gpu_ok = not self.gpu_checked or (
            self.gpu_accelerated and self.gpu_vs_cpu is not None and self.gpu_vs_cpu <= self.gpu_tolerance)
        keras_ok = self.keras_error is None or not self.float32 or self.keras_error <= KERAS_TOLERANCE
        return not self.static_problems and gpu_ok and keras_ok

    def __str__(self):
        md = self.metadata
        md_line = "none" if md is None else (
            f"hrkeras ({md.get('model', '?')}, {md.get('quantization', '?')}, "
            f"input {'x'.join(map(str, md.get('input', {}).get('size', '?')))})")
        if self.static_problems:
            static = "FAILED\n    " + "\n    ".join(self.static_problems)
        else:
            static = "passed (rank <= 4, static shapes, GPU op set)"
        if not self.gpu_checked:
            gpu = "skipped"
        elif self.gpu_accelerated:
            gpu = "fully accelerated (LiteRT GPU accelerator, GPU-only compile)"
        else:
            gpu = "FAILED: " + (self.gpu_problem or "not fully accelerated").replace("\n", "\n    ")
        rows = [
            ("metadata", md_line),
            (f"ops ({sum(self.ops.values())})", histogram(self.ops)),
            ("constants", f"{histogram(self.constant_dtypes)} tensors"),
            ("I/O", self.io),
            ("mobile GPU", f"static check {static}"),
            ("CPU run", self._cpu_line()),
            ("GPU run", gpu),
            ("GPU vs CPU", self._gpu_line()),
            ("Keras parity", self._keras_line()),
            *self._accuracy_rows(),
            *(("note", note) for note in self.notes),
            ("result", "PASS" if self.ok else "FAIL"),
        ]
        lines = [f"hrkeras verify: {self.path or 'the converted model, not written'} ({self.file_size / 1e6:.2f} MB)"]
        width = max(len(label) for label, _ in rows) + 2
        lines += [f"  {label + ':':<{width}}{value}" for label, value in rows]
        return "\n".join(lines)

    def _cpu_line(self):
        if not self.xnnpack_fallback:
            return f"every op in XNNPACK ({self.xnnpack_partitions} partition(s))"
        return (f"{sum(self.xnnpack_fallback.values())} ops on builtin kernels outside XNNPACK "
                f"({histogram(self.xnnpack_fallback)}), graph cut into {self.xnnpack_partitions} partitions")

    def _gpu_line(self):
        if not self.quantized or self.gpu_vs_cpu is None:
            return _error_line(self.gpu_vs_cpu, self.gpu_tolerance)
        return f"mean {_error_line(self.gpu_vs_cpu, self.gpu_tolerance)}, max {self.gpu_vs_cpu_max:.2e}"

    def _keras_line(self):
        if self.keras_error is None:
            return "not checked (no Keras model given)"
        if self.float32:
            return _error_line(self.keras_error, KERAS_TOLERANCE)
        return f"{self.keras_error:.2e} of output range (reported only: reduced-precision weights)"


    def _accuracy_rows(self):
        """One row per evaluated model: its numbers, with the headline number's change against the first."""
        rows, base = [], None
        for name, stats in (self.accuracy or {}).items():
            headline = next(iter(stats))
            line = ", ".join(f"{key} {value:.4f}" for key, value in stats.items())
            if base is not None:
                line += f" ({100 * (stats[headline] - base):+.2f} {headline} points)"
            base = stats[headline] if base is None else base
            rows.append((f"{headline} {name}", line))
        return rows


def histogram(counter):
    return ", ".join(f"{k} x{v}" for k, v in sorted(counter.items()))


def _error_line(error, tolerance):
    if error is None:
        return "not run"
    return f"{error:.2e} of output range (tolerance {tolerance:.0e}) {'ok' if error <= tolerance else 'TOO LARGE'}"


def relative_error(x, reference, reduce=np.max):
    """reduce(|x - reference|) / (max - min of reference)."""
    reference = np.asarray(reference, np.float32)
    spread = max(float(reference.max() - reference.min()), 1e-12)
    return float(reduce(np.abs(np.asarray(x, np.float32) - reference)) / spread)


def _tensor_summary(buf):
    """(dtype Counter of the constant tensors: weights, biases, shapes; 'in -> out' dtypes/shapes) of subgraph 0."""
    from tensorflow.lite.python import schema_py_generated as schema

    names = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    model = schema.Model.GetRootAs(buf, 0)
    graph = model.Subgraphs(0)
    constants = Counter()
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        if tensor.Buffer() and model.Buffers(tensor.Buffer()).DataLength():
            constants[names[tensor.Type()]] += 1

    def describe(index):
        tensor = graph.Tensors(index)
        return f"{names[tensor.Type()]} {tensor.ShapeAsNumpy().tolist()}"

    inputs = ", ".join(describe(i) for i in graph.InputsAsNumpy())
    outputs = ", ".join(describe(i) for i in graph.OutputsAsNumpy())
    return constants, f"{inputs} -> {outputs}"


XNNPACK_FIX = ("convert the model again with hrkeras convert (its QAT export widens dead ranges), or fine-tune "
               "or calibrate it on real images so that no convolution output is dead")


def cpu_runner(buf, path, threads, rejected):
    """The CPU interpreter (XNNPACK) on the model, or UnsupportedQuantizationError naming the op and tensor
    whose quantization XNNPACK cannot prepare: from `rejected` (xnnpack_limits.rejections), else the
    interpreter's own message."""
    fatal = [r for r in rejected if r.fatal]
    if fatal:
        raise UnsupportedQuantizationError(
            f"XNNPACK cannot prepare {len(fatal)} int8 op(s): " + "; ".join(map(str, fatal)), path, XNNPACK_FIX)
    try:
        return TFLiteRunner(buf, "cpu", threads=threads)
    except RuntimeError as e:
        if "failed to prepare" not in str(e):
            raise
        raise UnsupportedQuantizationError(f"the CPU interpreter cannot prepare the model: {e}", path,
                                           XNNPACK_FIX) from e


def verify(model_path, keras_model=None, threads=2, seed=0, check_gpu=True, sample=None):
    """Check a .tflite (path or bytes) and run it; returns a VerifyReport (print it; `.ok` is the verdict).

    One normalized input [1,H,W,3] (`sample`, e.g. a real crop: quantized models clip inputs far outside
    their calibrated ranges; default x ~ N(0, 1)) goes through the CPU interpreter, the GPU-only compiled
    model (unless check_gpu=False) and, if given, `keras_model`.
    Raises UnsupportedQuantizationError when XNNPACK cannot prepare the model (`xnnpack_limits`).
    """
    buf = load_tflite(model_path)
    try:  # first: a truncated or damaged file is an InvalidFileError naming it
        md = metadata.read(model_path)
    except metadata.NoMetadataError:
        md = None
    constants, io = _tensor_summary(buf)
    static = gpu_compat.check_tflite(buf)
    path = "<bytes>" if isinstance(model_path, (bytes, bytearray)) else str(model_path)
    report = VerifyReport(path, len(buf), static.ops, constants, io, static.problems, md, gpu_checked=check_gpu)
    if report.quantized:
        report.gpu_tolerance = QUANTIZED_GPU_TOLERANCE

    rejected = xnnpack_limits.rejections(buf)
    cpu = cpu_runner(buf, path, threads, rejected)
    report.notes += [f"outside XNNPACK: {r}" for r in rejected if not r.fatal]
    x = np.random.default_rng(seed).standard_normal(cpu.input_shape, dtype=np.float32) if sample is None else \
        np.asarray(sample, np.float32)
    y_cpu = cpu(x)
    report.xnnpack_partitions, report.xnnpack_fallback = cpu.xnnpack_coverage()
    try:
        gpu = TFLiteRunner(buf, "gpu") if check_gpu else None
    except (GpuUnavailableError, NotFullyAcceleratedError) as e:
        report.gpu_problem = str(e)
    else:
        if gpu is not None:
            report.gpu_accelerated = gpu.fully_accelerated
            y_gpu = gpu(x)
            report.gpu_vs_cpu = relative_error(y_gpu, y_cpu, np.mean if report.quantized else np.max)
            report.gpu_vs_cpu_max = relative_error(y_gpu, y_cpu)
    if keras_model is not None:
        y_keras = np.asarray(keras_model(x, training=False))
        if y_keras.shape != y_cpu.shape:
            raise ValueError(f"the Keras model's output {y_keras.shape} does not match the TFLite output "
                             f"{y_cpu.shape}; pass the Keras model this file was converted from")
        report.keras_error = relative_error(y_cpu, y_keras)
    return report
