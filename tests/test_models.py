"""Task models of both families: shapes, registry, config and .keras round trips, errors."""
import numpy as np
import pytest
import keras

import hrkeras

SMALL = (64, 64, 3)
X = np.random.default_rng(0).standard_normal((2, *SMALL)).astype("float32")


@pytest.mark.parametrize("name,task,expected", [
    ("litehrnet_18", "pose", {"out": (2, 16, 16, 17)}),
    ("naive_litehrnet_18", "pose", {"out": (2, 16, 16, 17)}),
    ("litehrnet_18", "segmentation", {"out": (2, 16, 16, 19)}),
    ("litehrnet_18", "backbone", {"P2": (2, 16, 16, 40), "P5": (2, 2, 2, 320)}),
    ("hrnet_w18_small", "pose", {"out": (2, 16, 16, 17)}),
    ("hrnet_w18_small", "classification", {"out": (2, 1000)}),
    ("hrnet_w18_small", "segmentation", {"out": (2, 16, 16, 19)}),
    ("hrnet_w18_small", "backbone", {"P2": (2, 16, 16, 16), "P3": (2, 8, 8, 32), "P5": (2, 2, 2, 128)}),
    ("hrnet_w18_small", "pyramid", {"P2": (2, 16, 16, 256), "P6": (2, 1, 1, 256)}),
])
def test_forward_shapes(model_cache, name, task, expected):
    y = model_cache(name, task, SMALL)(X, training=False)
    shapes = {k: tuple(v.shape) for k, v in y.items()} if isinstance(y, dict) else {"out": tuple(y.shape)}
    for key, shape in expected.items():
        assert shapes[key] == shape
    for v in (y.values() if isinstance(y, dict) else [y]):
        assert np.isfinite(keras.ops.convert_to_numpy(v)).all()


def test_hrnet_pose_backbone_is_single_scale(model_cache):
    """HRNetV1 pose: the last stage-4 module fuses only branch 0 (28.5M params, not 29.3M)."""
    model = model_cache("hrnet_w18_small", "pose", SMALL)
    assert list(model.backbone.output) == ["P2"]
    assert "stage4_0_fuse_layers_1_0_0_0" not in [l.name for l in model.backbone.layers]


def test_notebook_api():
    model = hrkeras.LiteHRNet18(input_shape=SMALL, num_keypoints=5)
    assert isinstance(model, keras.Model) and model.output.shape == (None, 16, 16, 5)
    assert "litehrnet_18" in hrkeras.list_models() and "hrnet_w18_small_v2" in hrkeras.list_models()
    assert len(hrkeras.list_models()) == 14
    for public in ("HRNetW18Small", "HRNetW18SmallV2", "HRNetW30", "HRNetW64", "LiteHRNet30",
                   "NaiveLiteHRNet18", "WiderNaiveLiteHRNet18"):
        assert callable(getattr(hrkeras, public))


def test_backbone_exposes_strides(model_cache):
    backbone = model_cache("litehrnet_18", "backbone", SMALL)
    assert list(backbone.pyramid_outputs) == ["P2", "P3", "P4", "P5"]
    assert backbone.branch_channels == [40, 80, 160, 320]


def test_unknown_model_suggests_names():
    with pytest.raises(ValueError, match="did you mean litehrnet_18"):
        hrkeras.create_model("litehrnet18")


def test_unsupported_task_is_named():
    with pytest.raises(ValueError, match="supports tasks"):
        hrkeras.create_model("litehrnet_18", task="classification")


@pytest.mark.parametrize("shape", [(250, 192, 3), (None, None, 3)])
def test_bad_input_shape_explains_fix(shape):
    with pytest.raises(ValueError, match="multiples of 32|static"):
        hrkeras.create_model("litehrnet_18", input_shape=shape)


def _randomize(model, seed=1):
    """Non-default weights everywhere (BN statistics included), so round trips are meaningful."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.path
                 else rng.normal(0, 0.1, w.shape).astype("float32"))


@pytest.mark.parametrize("name,task", [("litehrnet_18", "pose"), ("hrnet_w18_small", "segmentation")])
def test_config_round_trip(name, task):
    model = hrkeras.create_model(name, task=task, input_shape=SMALL)
    _randomize(model)
    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert clone.get_config() == model.get_config()
    np.testing.assert_allclose(clone(X), model(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,task", [("litehrnet_18", "pose"), ("hrnet_w18_small", "classification")])
def test_keras_save_load_round_trip(tmp_path, name, task):
    model = hrkeras.create_model(name, task=task, input_shape=SMALL)
    _randomize(model)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(X)), keras.ops.convert_to_numpy(model(X)))
