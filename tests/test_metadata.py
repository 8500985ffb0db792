"""hrkeras metadata inside the .tflite flatbuffer: round trip, and the file still runs (CPU and GPU-only)."""
import keras
import numpy as np
import pytest

from hrkeras.convert import metadata
from hrkeras.convert.export import convert
from hrkeras.convert.tflite_runner import TFLiteRunner


@pytest.fixture(scope="module")
def flatbuffer():
    inputs = keras.Input((32, 32, 3), batch_size=1)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    return convert(keras.Model(inputs, keras.layers.Conv2D(17, 1)(x)), "float32")


def _entries(buf):
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.Model.GetRootAs(buf, 0)
    return [model.Metadata(i).Name().decode() for i in range(model.MetadataLength())]


def test_round_trip_and_file_still_runs(flatbuffer, tmp_path):
    info = metadata.pose_info("litehrnet_18", (32, 32), "float32")
    path = tmp_path / "model.tflite"
    path.write_bytes(metadata.write(flatbuffer, info))
    assert metadata.read(path) == info
    assert metadata.read(path.read_bytes()) == info

    x = np.random.default_rng(0).standard_normal((1, 32, 32, 3), dtype=np.float32)
    before = TFLiteRunner(flatbuffer)(x)
    np.testing.assert_array_equal(TFLiteRunner(path)(x), before)
    gpu = TFLiteRunner(path, "gpu")
    assert gpu.fully_accelerated
    np.testing.assert_allclose(gpu(x), before, atol=1e-5)


def test_rewrite_replaces_entry_and_keeps_others(flatbuffer):
    once = metadata.write(flatbuffer, {"a": 1})
    twice = metadata.write(once, {"b": 2})
    assert metadata.read(twice) == {"b": 2}
    names = _entries(twice)
    assert names.count("hrkeras") == 1
    assert set(_entries(flatbuffer)) < set(names)


def test_pose_info_fields():
    info = metadata.pose_info("hrnet_w32", (256, 192), "int8")
    assert info["input"]["size"] == [256, 192] and info["input"]["color"] == "RGB"
    np.testing.assert_allclose(info["input"]["mean"], [123.675, 116.28, 103.53])
    np.testing.assert_allclose(info["input"]["std"], [58.395, 57.12, 57.375])
    assert info["output"]["heatmap_size"] == [64, 48] and info["output"]["stride"] == 4
    assert info["output"]["codec"]["sigma"] == 2.0 and info["output"]["codec"]["decode"] == "quarter"
    keypoints = info["keypoints"]
    assert len(keypoints["names"]) == 17 and len(keypoints["skeleton"]) == 19
    assert [1, 2] in keypoints["flip_pairs"] and len(keypoints["flip_pairs"]) == 8
    assert info["quantization"] == "int8" and info["hrkeras_version"]


def test_clear_errors(flatbuffer):
    with pytest.raises(ValueError, match="no hrkeras metadata"):
        metadata.read(flatbuffer)
    with pytest.raises(ValueError, match="not a TFLite flatbuffer"):
        metadata.read(b"\0" * 64)
    with pytest.raises(TypeError, match="must be a dict"):
        metadata.write(flatbuffer, [1])
    with pytest.raises(ValueError, match="quantization must be one of"):
        metadata.pose_info("litehrnet_18", (256, 192), "int4")
