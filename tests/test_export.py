"""Export safety: every graph converts to a TFLite model the mobile GPU can run whole."""
import numpy as np
import pytest
import keras
import tensorflow as tf

import hrkeras
from hrkeras.convert.gpu_compat import check_keras_layers, check_model, check_tflite, to_tflite
from hrkeras.models.registry import FAMILIES

SMALL = (64, 64, 3)


@pytest.mark.parametrize("name,task", [
    ("litehrnet_18", "pose"),
    ("naive_litehrnet_18", "pose"),
    ("hrnet_w18_small", "classification"),
    ("hrnet_w18_small", "segmentation"),
    ("hrnet_w18_small", "pyramid"),
])
def test_tflite_is_gpu_compatible_and_matches_keras(model_cache, name, task):
    model = model_cache(name, task, SMALL)
    flatbuffer = to_tflite(model)
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
        # Random-init nets reach activations in the thousands; compare relative to the output range.
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
