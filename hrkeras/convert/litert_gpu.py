"""LiteRT's GPU accelerator, compiled GPU-only (no CPU fallback).

A GPU-only compile fails when any op cannot run on the GPU, so a successful
compile proves the model runs entirely on the mobile GPU path. On a machine
without a GPU the accelerator (WebGPU over Vulkan) runs on SwiftShader, the
software Vulkan device shipped with Debian's chromium: `.ci/install_vulkan.sh`.
"""
import contextlib
import glob
import os
import sys
import tempfile

SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json"
_ICD_DIRS = ("/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d")
INSTALL_HINT = ("install a software Vulkan device with `.ci/install_vulkan.sh` "
                "(as root: apt-get install chromium libvulkan1), or run on a machine with a Vulkan GPU")


class GpuUnavailableError(RuntimeError):
    """No Vulkan/WebGPU device for LiteRT's GPU accelerator."""


class NotFullyAcceleratedError(ValueError):
    """The model has ops the GPU accelerator cannot run."""


def ensure_vulkan_icd():
    """Point the Vulkan loader at SwiftShader when no driver is configured or registered.

    Must run before the first GPU compile of the process (the loader's choice is cached).
    Mesa's lavapipe (lvp_icd*) does not count: LiteRT rejects it.
    """
    if "VK_ICD_FILENAMES" in os.environ or "VK_DRIVER_FILES" in os.environ:
        return
    drivers = [p for d in _ICD_DIRS for p in glob.glob(os.path.join(d, "*.json"))
               if not os.path.basename(p).startswith("lvp_icd")]
    if not drivers and os.path.exists(SWIFTSHADER_ICD):
        os.environ["VK_ICD_FILENAMES"] = SWIFTSHADER_ICD


@contextlib.contextmanager
def native_log():
    """Capture what native code writes to stderr (fd 2) in the block; the text is appended to the yielded list."""
    sys.stderr.flush()
    saved = os.dup(2)
    log = []
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield log
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            log.append(tmp.read().decode(errors="replace"))


def compile_gpu(model_bytes):
    """CompiledModel of a .tflite flatbuffer on the GPU accelerator only, in float32 precision.

    Raises GpuUnavailableError (with the fix) when no Vulkan device is found and
    NotFullyAcceleratedError (with the ops the GPU rejected) when an op cannot run on it.
    """
    from ai_edge_litert.compiled_model import CompiledModel, GpuOptions, HardwareAccelerator, Options

    ensure_vulkan_icd()
    options = Options(hardware_accelerators=HardwareAccelerator.GPU, gpu_options=GpuOptions(enforce_f32=True))
    with native_log() as log:
        try:
            return CompiledModel.from_buffer(bytes(model_bytes), options=options)
        except RuntimeError as e:
            error = e
    text = log[0]
    if "No adapters found" in text or "Failed to initialize WebGPU" in text:
        raise GpuUnavailableError(f"LiteRT's GPU accelerator found no Vulkan device; {INSTALL_HINT}. "
                                  f"(VK_ICD_FILENAMES={os.environ.get('VK_ICD_FILENAMES')!r})") from None
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "not supported by GPU" in line), None)
    if start is None:
        detail = "\n  ".join([str(error)] + [line for line in lines if "ERROR" in line][-5:])
    else:
        end = next((i for i in range(start, len(lines)) if "will run on the" in lines[i]), len(lines) - 1)
        detail = "\n  ".join(lines[start:end + 1])
    raise NotFullyAcceleratedError(f"the model does not run entirely on the GPU:\n  {detail}") from None
