"""XNNPACK's limits on int8 quantization parameters: found in a file, caught by verify, kept by the QAT export.

The files with out-of-bounds scales are built here from TensorFlow fake-quant ops (not by hrkeras'
converter, which widens such ranges), so each rule is checked against what the interpreter really does.
"""
import keras
import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

import hrkeras
from hrkeras.convert import export
from hrkeras.convert.dead_ranges import widen_dead_ranges
from hrkeras.convert.qat import quantize_model
from hrkeras.convert.quantizers import fake_quants
from hrkeras.convert.tflite_runner import TFLiteRunner
from hrkeras.convert.untrained import calibrate_batch_norm
from hrkeras.convert.verify import cpu_runner, verify
from hrkeras.convert.xnnpack_limits import _bad_scale, rejections
from hrkeras.errors import UnsupportedQuantizationError

RNG = np.random.default_rng(0)
KERNEL = RNG.uniform(-0.5, 0.5, (1, 1, 3, 4)).astype(np.float32)


def _int8_file(graph):
    """An all-int8 .tflite of graph(x) on [1, 8, 8, 3], its ranges set by fake-quant ops."""
    fn = tf.function(graph).get_concrete_function(tf.TensorSpec([1, 8, 8, 3], tf.float32))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], tf.Module())
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


def _fq(x, low, high):
    return tf.quantization.fake_quant_with_min_max_vars(x, low, high)


def _conv(x, kernel=KERNEL):
    bound = np.abs(kernel).max(axis=(0, 1, 2))
    kernel = tf.quantization.fake_quant_with_min_max_vars_per_channel(kernel, -bound, bound, narrow_range=True)
    return tf.nn.conv2d(x, kernel, 1, "VALID")


def _dead_conv(x):
    """A ReLU conv whose output range [0, 1e-3] is dead beside an input range of +-1000: the requantization
    scale input * filter / output is about 2e4, XNNPACK's bound 256."""
    x = _fq(x, -1000.0, 1000.0)
    return _fq(tf.nn.relu(_conv(x)), 0.0, 1e-3)


def _add_of_tiny_range(x):
    """An ADD whose first input's range is 1/2000 of the output's (XNNPACK's lowest ratio: 1/1024)."""
    x = _fq(x, -1.0, 1.0)
    tiny = _fq(_conv(x), -5e-4, 5e-4)
    wide = _fq(_conv(x), -1.0, 1.0)
    return _fq(tiny + wide, -1.0, 1.0)


def test_dead_conv_output_fails_the_interpreter_and_is_found_first():
    flatbuffer = _int8_file(_dead_conv)
    interpreter = Interpreter(model_content=flatbuffer, num_threads=2)
    with pytest.raises(RuntimeError, match="failed to prepare"):
        interpreter.allocate_tensors()
    [rejection] = rejections(flatbuffer)
    assert rejection.fatal and rejection.op.startswith("CONV_2D") and "< 256" in str(rejection)
    with pytest.raises(UnsupportedQuantizationError, match="XNNPACK cannot prepare 1 int8 op") as caught:
        verify(flatbuffer, check_gpu=False)
    assert rejection.tensor in str(caught.value) and "hrkeras convert" in caught.value.fix


def test_interpreter_prepare_failure_is_an_unsupported_quantization_error():
    """What the scan misses, the interpreter run still catches (here the scan's findings are withheld)."""
    with pytest.raises(UnsupportedQuantizationError, match="cannot prepare the model: .*failed to prepare"):
        cpu_runner(_int8_file(_dead_conv), "dead.tflite", 2, rejected=[])


def test_add_outside_the_ratio_runs_outside_xnnpack_and_is_noted():
    flatbuffer = _int8_file(_add_of_tiny_range)
    [rejection] = rejections(flatbuffer)
    assert not rejection.fatal and rejection.op.startswith("ADD") and "2^-10" in str(rejection)
    assert TFLiteRunner(flatbuffer).xnnpack_coverage()[1]["ADD"] == 1
    report = verify(flatbuffer, check_gpu=False)
    assert any(note.startswith("outside XNNPACK: ADD") for note in report.notes)


def _dead_relu_qat_model():
    """A calibrated QAT model whose first ReLU conv is dead (bias -1e4) on inputs of magnitude 1000."""
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 1, activation="relu", bias_initializer=keras.initializers.Constant(-1e4),
                            name="dead")(inputs)
    qat = quantize_model(keras.Model(inputs, keras.layers.Conv2D(2, 1, name="head")(x)))
    qat(1000 * RNG.standard_normal((2, 8, 8, 3)).astype(np.float32), training=True)
    return qat


def test_qat_export_widens_only_the_dead_range():
    qat = _dead_relu_qat_model()
    before = {q.name: (float(q.range_min.numpy()), float(q.range_max.numpy())) for q in fake_quants(qat)}
    dead = "dead_quant"
    assert before[dead] == before["head_quant"] == (0.0, np.float32(1e-3))  # both outputs dead: 0 everywhere
    flatbuffer = export.convert(qat, "qat")
    after = {q.name: (float(q.range_min.numpy()), float(q.range_max.numpy())) for q in fake_quants(qat)}
    assert [name for name in before if after[name] != before[name]] == [dead]
    assert after[dead][0] == 0.0 and after[dead][1] > 100 * before[dead][1]
    assert widen_dead_ranges(qat) == []  # already inside the bound
    assert rejections(flatbuffer) == []
    x = 1000 * RNG.standard_normal((1, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(TFLiteRunner(flatbuffer)(x), qat(x, training=False), atol=1e-3)


@pytest.mark.parametrize("calibrated", [False, True])
def test_untrained_litehrnet_qat_file_passes_the_xnnpack_checks(calibrated):
    """Untrained Lite-HRNet-18, with BatchNorm's default statistics (activations in the thousands) or
    calibrated ones: the QAT export prepares and runs in XNNPACK."""
    keras.utils.set_random_seed(0)
    model = hrkeras.create_model("litehrnet_18", input_shape=(64, 64, 3))
    if calibrated:
        calibrate_batch_norm(model)
    x = RNG.standard_normal((2, 64, 64, 3)).astype(np.float32)
    qat = quantize_model(model)
    qat(x, training=True)
    flatbuffer = export.convert(qat, "qat")
    assert [r for r in rejections(flatbuffer) if r.fatal] == []
    report = verify(flatbuffer, check_gpu=False)
    assert report.xnnpack_fallback == {} and report.ok


def test_scales_that_are_not_normal_positive_floats_are_found():
    assert _bad_scale([0.5, 1e-3]) is None
    assert _bad_scale([0.5, 0.0]) == 0.0
    assert _bad_scale([1e-40]) > 0  # a float32 denormal
    assert np.isnan(_bad_scale([np.nan]))
