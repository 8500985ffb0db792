"""HR-NAS: supernet parity with the official code (state dicts, params, MACs) and the registry."""
import json
from pathlib import Path

import keras
import numpy as np
import pytest

import hrkeras
from checkpoint_cases import TOLERANCE, case_names, feature_errors, load_case, relative_error
from hrkeras.complexity import count_macs, count_params

FIXTURES = Path(__file__).parent / "fixtures" / "hrnas"
CASES = case_names(FIXTURES)
HEAD_ARGS = ("last_channel", "head_channels")


def build(config):
    head = {k: config[k] for k in ("num_keypoints", "num_classes") if k in config}
    return hrkeras.create_model(config["model"], task=config["task"], input_shape=config["input_shape"],
                                head_kwargs={k: config[k] for k in HEAD_ARGS if k in config},
                                **head, **config["overrides"])


@pytest.fixture(scope="module", params=CASES)
def case(request):
    io, config, checkpoint = load_case(FIXTURES, request.param)
    model = build(config)
    report = hrkeras.load_checkpoint(model, checkpoint)
    return io, config, model, report


def test_cases_cover_every_task_and_the_transformer():
    configs = [load_case(FIXTURES, c)[1] for c in CASES]
    assert {c["task"] for c in configs} == {"pose", "segmentation", "classification"}
    assert any(c["overrides"]["use_transformer"] for c in configs)


def test_official_state_dict_imports_strictly_and_reproduces_outputs(case):
    io, config, model, report = case
    assert not report.missing and not report.unexpected
    out_err = relative_error(model(io["input"]), io["output"])
    assert out_err <= TOLERANCE, out_err
    if config["task"] != "classification":
        feature_errs = feature_errors(model, io)
        assert len(feature_errs) == len(config["overrides"]["stages"][-1][2])
        assert all(e <= TOLERANCE for e in feature_errs.values()), feature_errs


def test_params_and_macs_equal_the_official_code(case):
    """Parameters (without the never-run `bns`) exactly; MACs incl. attention = FlopCounter / 2."""
    _, config, model, _ = case
    assert count_params(model) == config["official_params"]
    assert count_macs(model) == config["official_macs"]


def test_transformer_keys_and_attention_macs(case):
    io, config, model, _ = case
    if not config["overrides"]["use_transformer"]:
        pytest.skip("transformers off")
    macs = count_macs(model, by_layer=True)
    attention = {k: v for k, v in macs.items() if k.endswith(("self_attn", "multihead_attn"))}
    # 64 tokens of dimension 64: q, k, v projections and the two matmuls
    assert attention and set(attention.values()) == {3 * 64 ** 3 + 2 * 64 ** 3}


def test_registry_row_and_tasks():
    assert "hrnas_supernet" in hrkeras.list_models()
    small = dict(stages=[[1, [1], [8]], [2, [1, 1], [8, 16]]], stem_channels=[8, 8], expand_ratio=2)
    x = np.random.default_rng(0).standard_normal((1, 64, 64, 3)).astype("float32")
    for task, shape in [("pose", (1, 16, 16, 17)), ("segmentation", (1, 16, 16, 19)), ("classification", (1, 1000)),
                        ("backbone", None)]:
        head = {"head_kwargs": {"head_channels": [8, 16]}} if task == "classification" else {}
        model = hrkeras.create_model("hrnas_supernet", task=task, input_shape=(64, 64, 3), use_transformer=True,
                                     **head, **small)
        y = model(x, training=False)
        if shape:
            assert tuple(y.shape) == shape and np.isfinite(keras.ops.convert_to_numpy(y)).all()
        else:
            assert {k: tuple(v.shape) for k, v in y.items()} == {"P2": (1, 16, 16, 8), "P3": (1, 8, 8, 16)}


def test_config_round_trip_with_transformer(case):
    io, config, model, _ = case
    clone = model.__class__.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    assert relative_error(clone(io["input"]), io["output"]) <= TOLERANCE


@pytest.mark.parametrize("task", ["pose", "classification"])
def test_tiny_supernet_converts_for_the_mobile_gpu(task):
    """Transformers off (as released): GPU ops only, Dropout leaves no op, float32 equals Keras."""
    from hrkeras.convert.gpu_compat import check_tflite, to_tflite
    from hrkeras.convert.tflite_runner import TFLiteRunner

    small = dict(stages=[[1, [1], [8]], [2, [1, 1], [8, 16]]], stem_channels=[8, 8], expand_ratio=2)
    head = {"head_kwargs": {"head_channels": [8, 16], "last_channel": 16}} if task == "classification" else {}
    model = hrkeras.create_model("hrnas_supernet", task=task, input_shape=(64, 32, 3), **head, **small)
    flatbuffer = to_tflite(model)
    report = check_tflite(flatbuffer)
    assert report.ok, str(report)
    x = np.random.default_rng(0).standard_normal((1, 64, 32, 3)).astype("float32")
    assert relative_error(TFLiteRunner(flatbuffer)(x), keras.ops.convert_to_numpy(model(x))) <= TOLERANCE


# official supernet (configs/*.yml, commit 003c3b6): params without the 89,856 never-run BN params
# (with them: +89,856 pose/seg, +95,904 cls), MACs = FlopCounter / 2
OFFICIAL = [
    ("pose", (256, 192, 3), False, 10_110_053, 5_796_631_296),
    ("pose", (256, 192, 3), True, 12_841_657, 6_003_905_280),
    ("segmentation", (512, 1024, 3), False, 10_110_235, 61_836_632_064),
    ("segmentation", (512, 1024, 3), True, 12_841_839, 62_043_906_048),
    ("classification", (224, 224, 3), False, 13_243_868, 2_422_799_760),
    ("classification", (224, 224, 3), True, 15_975_472, 2_630_073_744),
]


@pytest.mark.slow
@pytest.mark.parametrize("task,shape,use_transformer,params,macs", OFFICIAL)
def test_full_supernet_equals_the_official_code(task, shape, use_transformer, params, macs):
    model = hrkeras.create_model("hrnas_supernet", task=task, input_shape=shape, use_transformer=use_transformer)
    assert count_params(model) == params
    assert count_macs(model) == macs
