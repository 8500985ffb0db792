"""TFLite runner and verify(): GPU-only LiteRT accelerator (SwiftShader Vulkan here) vs the CPU interpreter.

The GPU tests need a Vulkan device; on a machine without a GPU run `.ci/install_vulkan.sh`
(CI does). Without one they fail with that fix in the message; they never skip.
"""
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import hrkeras
from hrkeras.convert import metadata
from hrkeras.convert.export import convert
from hrkeras.convert.gpu_compat import check_tflite
from hrkeras.convert.litert_gpu import NotFullyAcceleratedError
from hrkeras.convert.tflite_runner import TFLiteRunner
from hrkeras.convert.untrained import calibrate_batch_norm
from hrkeras.convert.verify import relative_error, verify


@pytest.fixture(scope="module")
def pose():
    """(Keras Lite-HRNet-18 at 64x64, its float32 .tflite bytes)."""
    model = hrkeras.create_model("litehrnet_18", input_shape=(64, 64, 3))
    calibrate_batch_norm(model)
    return model, convert(model, "float32")


def _tiny_net():
    inputs = keras.Input((16, 16, 3), batch_size=1)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
    x = keras.layers.Add()([x, keras.layers.Conv2D(8, 1)(x)])
    return keras.Model(inputs, keras.layers.Conv2D(4, 1)(x))


def _rank5_net():
    """Channel shuffle through a rank-5 reshape/transpose: the mobile GPU rejects it."""
    inputs = keras.Input((8, 8, 4), batch_size=1)
    x = keras.layers.Reshape((8, 8, 2, 2))(inputs)
    x = keras.layers.Permute((1, 2, 4, 3))(x)
    x = keras.layers.Reshape((8, 8, 4))(x)
    return keras.Model(inputs, keras.layers.Conv2D(4, 1)(x))


def _int8_tflite(model, io_type):
    """Full-integer post-training quantization (calibrated on random normal inputs)."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    spec = tf.TensorSpec([1, *model.input.shape[1:]], tf.float32)
    fn = convert_variables_to_constants_v2(tf.function(lambda x: model(x)).get_concrete_function(spec))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    rng = np.random.default_rng(1)
    converter.representative_dataset = lambda: ([rng.standard_normal(spec.shape, dtype=np.float32)]
                                                for _ in range(16))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = io_type
    return converter.convert()


def test_pose_model_runs_entirely_on_gpu_and_matches_cpu(pose):
    model, flatbuffer = pose
    gpu, cpu = TFLiteRunner(flatbuffer, "gpu"), TFLiteRunner(flatbuffer, "cpu")
    assert gpu.fully_accelerated and not cpu.fully_accelerated
    images = np.random.default_rng(0).standard_normal((2, 64, 64, 3), dtype=np.float32)
    on_gpu, on_cpu = gpu.predict(images), cpu.predict(images)
    assert on_gpu.shape == (2, 16, 16, 17)
    assert relative_error(on_gpu, on_cpu) < 1e-4
    assert relative_error(on_cpu, model(images, training=False)) < 1e-4


def test_verify_report_lists_checks(pose, tmp_path):
    model, flatbuffer = pose
    path = tmp_path / "pose.tflite"
    path.write_bytes(metadata.write(flatbuffer, metadata.pose_info("litehrnet_18", (64, 64), "float32")))
    report = verify(path, keras_model=model)
    text = str(report)
    assert report.ok, text
    assert report.gpu_accelerated and report.gpu_vs_cpu < 1e-4 and report.keras_error < 1e-4
    for expected in ("pose.tflite", " MB)", "hrkeras (litehrnet_18, float32, input 64x64)", "CONV_2D x",
                     "float32 x", "float32 [1, 64, 64, 3] -> float32 [1, 16, 16, 17]", "static check passed",
                     "every op in XNNPACK (1 partition(s))", "fully accelerated", "GPU vs CPU:", "Keras parity:", "PASS"):
        assert expected in text, f"{expected!r} missing from:\n{text}"


def test_rank5_model_fails_static_check_and_gpu_only_compile():
    flatbuffer = convert(_rank5_net(), "float32")
    static = check_tflite(flatbuffer)
    assert not static.ok and "rank 5 > 4" in str(static)
    with pytest.raises(NotFullyAcceleratedError, match="Tensor dimensions must be less than 5"):
        TFLiteRunner(flatbuffer, "gpu")
    text = str(verify(flatbuffer))
    assert "static check FAILED" in text and "does not run entirely on the GPU" in text
    assert "metadata:     none" in text and text.endswith("FAIL")


@pytest.mark.parametrize("io_type", [tf.int8, tf.float32], ids=["int8_io", "float_io"])
@pytest.mark.filterwarnings("ignore:Statistics for quantized inputs")
def test_int8_model_runs_on_gpu(io_type):
    model = _tiny_net()
    flatbuffer = _int8_tflite(model, io_type)
    gpu, cpu = TFLiteRunner(flatbuffer, "gpu"), TFLiteRunner(flatbuffer, "cpu")
    assert gpu.fully_accelerated
    x = np.random.default_rng(2).standard_normal((1, 16, 16, 3), dtype=np.float32)
    assert relative_error(gpu(x), cpu(x)) < 0.05
    assert relative_error(cpu(x), model(x)) < 0.2  # int8 I/O (de)quantized right; accuracy is judged elsewhere
    report = verify(flatbuffer, keras_model=model)
    assert report.ok and report.quantized, str(report)
    assert "int8 x" in str(report) and "reported only" in str(report)


_COMPILE = "import sys; from hrkeras.convert.litert_gpu import compile_gpu; compile_gpu(open(sys.argv[1], 'rb').read())"


def _compile_in_subprocess(tmp_path):
    """Compile a tiny model GPU-only in a fresh process (the Vulkan loader's choice is per process)."""
    path = tmp_path / "tiny.tflite"
    path.write_bytes(convert(_tiny_net(), "float32"))
    return subprocess.run([sys.executable, "-c", _COMPILE, str(path)], capture_output=True, text=True,
                          timeout=120)


def test_finds_swiftshader_without_env_var(tmp_path, monkeypatch):
    monkeypatch.delenv("VK_ICD_FILENAMES", raising=False)
    result = _compile_in_subprocess(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]


def test_missing_vulkan_device_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("VK_ICD_FILENAMES", str(tmp_path / "no_such_icd.json"))
    result = _compile_in_subprocess(tmp_path)
    assert result.returncode != 0
    assert "GpuUnavailableError" in result.stderr and ".ci/install_vulkan.sh" in result.stderr
