"""Export: every graph converts to a TFLite model the mobile GPU can run whole; conversion modes."""
from collections import Counter

import numpy as np
import pytest
import keras
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

import hrkeras
from hrkeras.convert.export import convert, float_ops
from hrkeras.convert.gpu_compat import check_keras_layers, check_model, check_tflite
from hrkeras.convert.qat import quantize_model
from hrkeras.convert.tflite_runner import TFLiteRunner
from hrkeras.convert.untrained import calibrate_batch_norm
from hrkeras.models.families import FAMILIES
from test_qat import calibrate, images, tiny_pose_model

SMALL = (64, 64, 3)


@pytest.mark.parametrize("name,task", [
    ("litehrnet_18", "pose"),
    ("naive_litehrnet_18", "pose"),
    ("hrnet_w18_small", "classification"),
    ("hrnet_w18_small", "segmentation"),
    ("hrnet_w18_small", "pyramid"),
])
def test_tflite_is_gpu_compatible_and_matches_keras(name, task):
    keras.utils.set_random_seed(0)
    model = hrkeras.create_model(name, task=task, input_shape=SMALL)
    calibrate_batch_norm(model)
    flatbuffer = convert(model, "float32")
    report = check_tflite(flatbuffer)
    assert report.ok, str(report)
    assert not {"GATHER", "GATHER_ND", "FLEX"} & set(report.ops)

    x = np.random.default_rng(0).standard_normal((1, *SMALL)).astype("float32")
    interp = tf.lite.Interpreter(model_content=flatbuffer)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    expected = model(x, training=False)
    expected = list(expected.values()) if isinstance(expected, dict) else [expected]
    outputs = [interp.get_tensor(d["index"]) for d in interp.get_output_details()]
    for want in expected:
        want = keras.ops.convert_to_numpy(want)
        got = next(o for o in outputs if o.shape == want.shape)
        # Relative to the output range (BatchNorm statistics calibrated, so activations are O(1)).
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())


class _Rank5Shuffle(keras.layers.Layer):
    def call(self, x):
        n, h, w, c = x.shape
        x = keras.ops.reshape(x, (-1, h, w, 2, c // 2))
        return keras.ops.reshape(keras.ops.transpose(x, (0, 1, 2, 4, 3)), (-1, h, w, c))


class _Gather(keras.layers.Layer):
    def call(self, x):
        return keras.ops.take(x, np.array([1, 0, 3, 2]), axis=-1)


@pytest.mark.parametrize("layer,problem", [(_Rank5Shuffle, "rank 5"), (_Gather, "GATHER")])
def test_check_flags_what_the_gpu_rejects(layer, problem):
    inp = keras.Input((8, 8, 4))
    model = keras.Model(inp, layer()(keras.layers.Conv2D(4, 1)(inp)))
    report = check_model(model)
    assert not report.ok and problem in str(report)
    assert not check_keras_layers(model).ok  # unknown layer type


@pytest.mark.slow
@pytest.mark.parametrize("name,task", [
    (name, task) for family in FAMILIES.values() for name in family.variants for task in family.tasks
])
def test_every_variant_and_task_is_export_safe(name, task):
    """All layers of every task model are types whose lowering the tests above verify, rank <= 4, static."""
    model = hrkeras.create_model(name, task=task, input_shape=SMALL)
    report = check_keras_layers(model)
    assert report.ok, str(report)


# --- TFLite conversion modes (hrkeras.convert.export) ---


@pytest.fixture(scope="module")
def tiny():
    """A small pose model, its calibrated QAT copy and their float32 / qat flatbuffers (converted once)."""
    model = tiny_pose_model()
    qat = calibrate(quantize_model(model))
    return {"model": model, "qat": qat, "float32": convert(model, "float32"), "qat_tflite": convert(qat, "qat")}


def run_tflite(flatbuffer, x):
    interp = Interpreter(model_content=flatbuffer)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def conv_weights(flatbuffer):
    """(weight tensor details, name of the op producing it or None) of every CONV_2D / DEPTHWISE_CONV_2D."""
    interp = Interpreter(model_content=flatbuffer)
    tensors = {t["index"]: t for t in interp.get_tensor_details()}
    ops = interp._get_ops_details()
    producer = {out: op["op_name"] for op in ops for out in op["outputs"]}
    return [(tensors[op["inputs"][1]], producer.get(op["inputs"][1]))
            for op in ops if op["op_name"] in ("CONV_2D", "DEPTHWISE_CONV_2D")]


def io_dtypes(flatbuffer):
    interp = Interpreter(model_content=flatbuffer)
    return [d["dtype"] for d in interp.get_input_details() + interp.get_output_details()]


def test_float32_conversion_matches_keras(tiny):
    x = images(1, seed=5)
    want = tiny["model"](x).numpy()
    np.testing.assert_allclose(run_tflite(tiny["float32"], x), want, atol=1e-4 * np.abs(want).max())
    assert check_tflite(tiny["float32"]).ok


def test_float16_conversion_stores_float16_weights(tiny):
    flatbuffer = convert(tiny["model"], "float16")
    weights = conv_weights(flatbuffer)
    assert weights and all(producer == "DEQUANTIZE" for _, producer in weights)
    interp = Interpreter(model_content=flatbuffer)
    assert any(t["dtype"] == np.float16 for t in interp.get_tensor_details())
    x = images(1, seed=5)
    want = tiny["model"](x).numpy()
    np.testing.assert_allclose(run_tflite(flatbuffer, x), want, atol=1e-2 * np.abs(want).max())


def test_dynamic_range_conversion_has_int8_weights(tiny):
    flatbuffer = convert(tiny["model"], "dynamic")
    interp = Interpreter(model_content=flatbuffer)
    assert any(t["dtype"] == np.int8 for t in interp.get_tensor_details())
    assert io_dtypes(flatbuffer) == [np.float32, np.float32]


def test_every_op_runs_in_xnnpack(tiny):
    """Lite-HRNet's QAT int8 and float32 graphs have no op XNNPACK leaves to the builtin kernels
    (int8 AVERAGE_POOL_2D, RESIZE_NEAREST_NEIGHBOR, SPLIT_V, standalone RELU did): one partition each."""
    for flatbuffer in (tiny["qat_tflite"], tiny["float32"]):
        assert TFLiteRunner(flatbuffer).xnnpack_coverage() == (1, Counter())


def test_int8_post_training_quantization(tiny):
    seen = []
    flatbuffer = convert(tiny["model"], "int8", representative=[images(1, seed=s) for s in range(3)],
                         progress=seen.append)
    assert seen == [1, 2, 3]
    assert all(t["dtype"] == np.int8 for t, _ in conv_weights(flatbuffer))
    assert io_dtypes(flatbuffer) == [np.float32, np.float32] and not float_ops(flatbuffer)
    x = images(1, seed=5)
    want, got = tiny["model"](x).numpy(), run_tflite(flatbuffer, x)
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.9


def test_qat_conversion_is_all_int8_and_matches_the_qat_model(tiny):
    flatbuffer = tiny["qat_tflite"]
    weights = conv_weights(flatbuffer)
    assert weights and all(t["dtype"] == np.int8 and producer is None for t, producer in weights)
    assert io_dtypes(flatbuffer) == [np.float32, np.float32] and not float_ops(flatbuffer)
    assert check_tflite(flatbuffer).ok
    out = tiny["qat"].layers[-1]
    lsb = (float(out.range_max.numpy()) - float(out.range_min.numpy())) / 255
    x = images(1, seed=5)
    error = np.abs(run_tflite(flatbuffer, x) - tiny["qat"](x).numpy()) / lsb
    # Rounding differences (ties, fixed-point rescaling) of a few tensors grow through the net.
    assert error.mean() < 4 and error.max() < 32, (error.mean(), error.max())  # measured ~2.3 and ~11


def test_file_sizes_follow_the_weight_precision():
    """float16 ~1/2 and int8 ~1/4 of float32 on a weight-heavy model (~250k parameters)."""
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for k in range(3):
        x = keras.layers.Conv2D(96, 3, padding="same", name=f"conv{k}")(x)
        x = keras.layers.BatchNormalization(name=f"bn{k}")(x)
        x = keras.layers.ReLU(name=f"relu{k}")(x)
    model = keras.Model(inputs, x)
    qat = quantize_model(model)
    qat(np.random.default_rng(0).standard_normal((2, 32, 32, 3)).astype("float32"), training=True)
    size = len(convert(model, "float32"))
    assert 0.45 < len(convert(model, "float16")) / size < 0.55
    assert 0.24 < len(convert(model, "dynamic")) / size < 0.3
    assert 0.24 < len(convert(qat, "qat")) / size < 0.3


def test_conversion_names_ops_tflite_builtins_lack():
    class Erf(keras.layers.Layer):
        def call(self, x):
            return keras.ops.erf(x)

    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, Erf()(keras.layers.Conv2D(4, 1)(inputs)))
    with pytest.raises(ValueError, match="builtins lack: Erf"):
        convert(model, "float32")


def test_conversion_mode_errors(tiny):
    with pytest.raises(ValueError, match="mode must be one of"):
        convert(tiny["model"], "int4")
    with pytest.raises(ValueError, match="quantize_model"):
        convert(tiny["model"], "qat")
    with pytest.raises(ValueError, match="mode 'qat'"):
        convert(tiny["qat"], "float32")
    with pytest.raises(ValueError, match="representative"):
        convert(tiny["model"], "int8")
    with pytest.raises(ValueError, match="never set"):
        convert(quantize_model(tiny["model"]), "qat")
    with pytest.raises(ValueError, match=r"sample 0 has shape \(1, 32, 32, 3\), expected \(1, 64, 64, 3\)"):
        convert(tiny["model"], "int8", representative=[np.zeros((1, 32, 32, 3), "float32")])
