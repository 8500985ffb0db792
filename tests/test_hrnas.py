"""HR-NAS: supernet parity with the official code (state dicts, params, MACs) and the registry."""
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import hrkeras
from checkpoint_cases import TOLERANCE, case_names, feature_errors, load_case, relative_error
from hrkeras.complexity import count_macs, count_params
from hrkeras.models.hrnas import hrnas_arch

FIXTURES = Path(__file__).parent / "fixtures" / "hrnas"
CASES = case_names(FIXTURES)
HEAD_ARGS = ("last_channel", "head_channels")


def build(config):
    """The hrkeras model of a case: the supernet row, or for a searched official network
    `hrnas` with the architecture converted from the official lists."""
    head = {k: config[k] for k in ("num_keypoints", "num_classes") if k in config}
    kwargs = dict(task=config["task"], input_shape=config["input_shape"],
                  head_kwargs={k: config[k] for k in HEAD_ARGS if k in config}, **head, **config["overrides"])
    if "official_blocks" in config:
        o = config["overrides"]
        arch = hrnas_arch.arch_from_official(config["official_blocks"], o["stages"], config["task"],
                                             o["stem_channels"], config["official_tokens"])
        return hrkeras.create_model("hrnas", arch=arch, **kwargs)
    return hrkeras.create_model(config["model"], **kwargs)


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
    searched = [c for c in configs if "official_blocks" in c]
    assert searched and any(len(b[3]) < 3 for b in searched[0]["official_blocks"])
    assert 0 in searched[0]["official_tokens"] and max(searched[0]["official_tokens"]) > 0


def test_official_state_dict_imports_strictly_and_reproduces_outputs(case):
    io, config, model, report = case
    assert not report.missing and not report.unexpected
    out_err = relative_error(model(io["input"]), io["output"])
    assert out_err <= TOLERANCE, out_err
    if config["task"] != "classification":
        feature_errs = feature_errors(model, io)
        assert len(feature_errs) == len(config["overrides"]["stages"][-1][2])
        assert all(e <= TOLERANCE for e in feature_errs.values()), feature_errs


def test_a_checkpoint_missing_a_kernel_path_is_refused_by_name():
    """Per-path tensors merge only as paths 0, 1, ... (hrkeras.checkpoints.keys): a gap is named, nothing loads."""
    io, config, checkpoint = load_case(FIXTURES, "hrnas_pose_official")
    state = {k: v for k, v in hrkeras.read_state_dict(checkpoint).items() if not k.startswith("transform.ops.1.0.0.")}
    model = build(config)
    before = [w.numpy() for w in model.weights]
    with pytest.raises(ValueError, match=r"kernel paths \[0, 2\] of transform\.ops\.\*\.0\.0\.weight"):
        hrkeras.load_checkpoint(model, state)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, model.weights))


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
    # n tokens of dimension 64: q, k, v projections (3 n 64^2) and the two matmuls (2 n^2 64)
    tokens = config.get("official_tokens", [64])
    assert attention and set(attention.values()) == {3 * n * 64 ** 2 + 2 * n * n * 64 for n in tokens if n}


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


TINY = dict(stages=[[1, [1], [8]], [2, [0, 1], [8, 16]]], stem_channels=[8, 8], expand_ratio=2)


def _tiny(task, **kwargs):
    head = {"head_kwargs": {"head_channels": [8, 16], "last_channel": 16}} if task == "classification" else {}
    return hrkeras.create_model("hrnas_supernet", task=task, input_shape=(64, 32, 3), **head, **{**TINY, **kwargs})


def _compact_with_tokens():
    """A compact architecture from the tiny transformer supernet: some kernels, channels and tokens gone."""
    from hrkeras.models.hrnas import hrnas_arch

    supernet = _tiny("pose", use_transformer=True)
    rng = np.random.default_rng(0)
    keep = {block: {"hidden": [rng.random(len(h)) < 0.5 for h in entry["hidden"]],
                    **({"tokens": rng.random(len(entry["tokens"])) < 0.3} if "tokens" in entry else {})}
            for block, entry in hrnas_arch.importance(supernet).items()}
    arch = {"format": hrnas_arch.FORMAT, "backbone": {}, "blocks": hrnas_arch.compact_architecture(supernet, keep)}
    compact = hrkeras.create_model("hrnas", arch=arch, input_shape=(64, 32, 3), **TINY)
    hrnas_arch.transfer_weights(supernet, compact, keep)
    return compact


@pytest.fixture(scope="module")
def compact_model():
    """The compact architecture with tokens, BatchNorm statistics from random images (not to be mutated)."""
    from hrkeras.convert.untrained import calibrate_batch_norm

    return calibrate_batch_norm(_compact_with_tokens())


@pytest.mark.parametrize("which", ["pose_transformer", "compact", "classification"])
def test_tiny_models_run_gpu_only_on_litert(which, request):
    """GPU ops only (attention as BATCH_MATMUL + SOFTMAX, LayerNorm as MEAN / SQUARED_DIFFERENCE / RSQRT,
    grouped residual as a dense CONV_2D, Dropout no op); float32 and float16 run GPU-only, float32
    within 1e-4 of Keras. (QAT int8: test_compact_architecture_quantizes_to_int8_for_the_gpu.)"""
    from hrkeras.convert.untrained import calibrate_batch_norm
    from hrkeras.convert.export import convert
    from hrkeras.convert.verify import FLOAT_GPU_TOLERANCE, KERAS_TOLERANCE, verify

    if which == "compact":
        model = request.getfixturevalue("compact_model")
    else:
        model = calibrate_batch_norm({"pose_transformer": lambda: _tiny("pose", use_transformer=True),
                                      "classification": lambda: _tiny("classification")}[which]())
    x = np.random.default_rng(0).standard_normal((1, 64, 32, 3)).astype("float32")
    float32 = verify(convert(model, "float32"), keras_model=model, sample=x)
    assert float32.ok and float32.gpu_accelerated, str(float32)
    assert float32.keras_error <= KERAS_TOLERANCE and float32.gpu_vs_cpu <= FLOAT_GPU_TOLERANCE
    float16 = verify(convert(model, "float16"), sample=x)
    assert float16.ok and float16.gpu_accelerated and float16.constant_dtypes["float16"], str(float16)


# Mean |int8 - float| / output range of the TFLite int8 model on random inputs. Measured 0.005 for the
# transformer alone (int8 vs QAT Keras 0.004) and 0.016 for the compact network (vs QAT Keras 0.010, where
# conv paths quantized as before take part); the transformer with its coordinate map left out gives 0.046.
TRANSFORMER_INT8_TOLERANCE = 0.015
NETWORK_INT8_TOLERANCE = 0.03
# The full-size random supernet (4 images): 0.062 with transformers on and 0.062 off, i.e. from its depth.
SUPERNET_INT8_TOLERANCE = 0.1


def _qat(model, images, calibration=None):
    """QAT copy of `model` with its activation ranges set on `images` (training-mode calls on pairs)."""
    from hrkeras.convert.qat import quantize_model

    qat = quantize_model(model, calibration=calibration)
    for k in range(0, len(images), 2):
        qat(images[k:k + 2], training=True)
    return qat


def _int8_error(flatbuffer, model, images):
    """Mean |TFLite int8 (CPU) - Keras float| over `images`, as a fraction of the float output's range."""
    from hrkeras.convert.tflite_runner import TFLiteRunner
    from hrkeras.convert.verify import relative_error

    cpu = TFLiteRunner(flatbuffer, "cpu")
    got = np.concatenate([cpu(images[i:i + 1]) for i in range(len(images))])
    return relative_error(got, keras.ops.convert_to_numpy(model(images, training=False)), np.mean)


def test_transformer_quantizes_to_int8_for_the_gpu(tmp_path):
    """The lightweight transformer alone (its output before the residual add): attention, LayerNorm, the
    coordinate channels and learned queries all int8 (convert raises on float ops), converted after a .keras
    round trip; GPU-only on LiteRT and within the quantized tolerance of the CPU (verify's `ok`), within
    XNNPACK's limits, close to float."""
    from hrkeras.convert import xnnpack_limits
    from hrkeras.convert.export import convert
    from hrkeras.convert.untrained import calibrate_batch_norm
    from hrkeras.convert.verify import verify
    from hrkeras.models.hrnas.hrnas_transformer import LightweightTransformer

    inputs = keras.Input((16, 8, 16))
    block = keras.Model(inputs, LightweightTransformer(8, "t")(inputs))
    model = calibrate_batch_norm(keras.Model(inputs, block.get_layer("t_up").output))
    images = np.random.default_rng(1).standard_normal((8, 16, 8, 16)).astype("float32")
    qat = _qat(model, images)
    qat.save(tmp_path / "qat.keras")
    reloaded = keras.models.load_model(tmp_path / "qat.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(reloaded(images)), keras.ops.convert_to_numpy(qat(images)))
    int8 = convert(reloaded, "qat")
    report = verify(int8, sample=images[:1])
    assert report.ok and report.gpu_accelerated and report.constant_dtypes["int8"], str(report)
    assert {"BATCH_MATMUL", "SOFTMAX", "FULLY_CONNECTED", "RSQRT"} <= set(report.ops), str(report)
    assert not report.constant_dtypes["float32"] and not xnnpack_limits.rejections(int8)
    error = _int8_error(int8, model, images)
    assert error <= TRANSFORMER_INT8_TOLERANCE, error


def test_compact_architecture_quantizes_to_int8_for_the_gpu(compact_model):
    """Transformers on, some kernels, channels and tokens removed: `pw_bn` folds into the paths'
    merged projection, the grouped residual equalizes and quantizes per output channel; all-int8
    weights, GPU-only on LiteRT, within XNNPACK's limits, close to float. (GPU vs CPU is not asserted: on
    these random tiny networks it is ~0.05 of the output range with transformers off too.)"""
    from hrkeras.convert import xnnpack_limits
    from hrkeras.convert.equalize import equalize_ranges
    from hrkeras.convert.export import convert
    from hrkeras.convert.fold import fold_batch_norm
    from hrkeras.convert.verify import verify

    model = compact_model
    images = np.random.default_rng(1).standard_normal((4, 64, 32, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(model(images))
    folded = fold_batch_norm(model)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in folded.layers)
    assert relative_error(equalize_ranges(folded, images)(images), want) <= TOLERANCE
    int8 = convert(_qat(model, images, calibration=images), "qat")
    report = verify(int8, sample=images[:1])
    assert not report.static_problems and report.gpu_accelerated and report.constant_dtypes["int8"], str(report)
    assert {"BATCH_MATMUL", "SOFTMAX"} <= set(report.ops) and not report.constant_dtypes["float32"], str(report)
    assert not [r for r in xnnpack_limits.rejections(int8) if r.fatal]
    error = _int8_error(int8, model, images)
    assert error <= NETWORK_INT8_TOLERANCE, error


def test_masked_tokens_must_be_removed_before_quantizing():
    from hrkeras.convert.qat import quantize_model

    model = _tiny("pose", use_transformer=True)
    keep = {block: {"tokens": np.arange(len(entry["tokens"])) % 2 == 0}
            for block, entry in hrnas_arch.importance(model).items() if "tokens" in entry}
    hrnas_arch.apply_masks(model, keep)
    with pytest.raises(ValueError, match="masks tokens.*compact network"):
        quantize_model(model)


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


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(os.environ.get("HRNAS_SOURCE", "/nonexistent")),
                    reason="official HR-NAS source not given (HRNAS_SOURCE; see make_hrnas_fixtures.py)")
def test_committed_fixtures_are_what_the_script_makes(tmp_path):
    script = Path(__file__).parent / "fixtures" / "make_hrnas_fixtures.py"
    reference = Path(__file__).parents[1] / ".venv-ref" / "bin" / "python"  # torch (tests/fixtures/install_reference.sh)
    python = os.environ.get("HRKERAS_REFERENCE_PYTHON", str(reference) if reference.exists() else sys.executable)
    done = subprocess.run([python, str(script), "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    assert case_names(tmp_path) == CASES
    for case in CASES:
        fresh, committed = load_case(tmp_path, case)[0], load_case(FIXTURES, case)[0]
        for key in committed:
            scale = float(np.abs(committed[key]).max()) or 1.0
            np.testing.assert_allclose(fresh[key], committed[key], rtol=1e-5, atol=1e-5 * scale, err_msg=f"{case}: {key}")


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("HRKERAS_FULL_SUPERNET") != "1",
                    reason="14 min and 12.7 GB on a 2-core CPU, beyond CI's 40 minutes: HRKERAS_FULL_SUPERNET=1 runs it")
def test_full_pose_supernet_with_transformers_converts_for_the_gpu():
    """The official pose supernet, transformers on, 256x192: float32 (within 1e-4 of Keras), float16 and
    QAT int8 pass the mobile-GPU check and compile GPU-only on LiteRT; int8 within XNNPACK's limits."""
    from hrkeras.convert import xnnpack_limits
    from hrkeras.convert.export import convert
    from hrkeras.convert.untrained import calibrate_batch_norm
    from hrkeras.convert.verify import KERAS_TOLERANCE, verify

    model = calibrate_batch_norm(hrkeras.create_model("hrnas_supernet", task="pose", input_shape=(256, 192, 3),
                                                      use_transformer=True))
    images = np.random.default_rng(1).standard_normal((4, 256, 192, 3)).astype("float32")
    float32 = verify(convert(model, "float32"), keras_model=model, sample=images[:1])
    assert float32.ok and float32.gpu_accelerated and float32.keras_error <= KERAS_TOLERANCE, str(float32)
    float16 = verify(convert(model, "float16"), sample=images[:1])
    assert float16.ok and float16.gpu_accelerated and float16.constant_dtypes["float16"], str(float16)
    int8 = convert(_qat(model, images, calibration=images), "qat")
    report = verify(int8, sample=images[:1])
    assert not report.static_problems and report.gpu_accelerated and report.constant_dtypes["int8"], str(report)
    assert not [r for r in xnnpack_limits.rejections(int8) if r.fatal]
    error = _int8_error(int8, model, images)
    assert error <= SUPERNET_INT8_TOLERANCE, error


def test_one_token_attention_is_its_value_without_a_warning(recwarn):
    """A search may leave a transformer one token: its attention weight is 1, and Keras' softmax warning on a
    size-1 axis would only alarm."""
    from hrkeras.models.hrnas.hrnas_transformer import TokenAttention

    attention = TokenAttention(name="one")
    query, memory = np.random.default_rng(0).random((2, 2, 1, 8), np.float32)
    out = attention([query, memory])
    np.testing.assert_allclose(out, memory @ attention.in_proj.numpy()[:, 16:], rtol=1e-5, atol=1e-6)  # float32 matmul order
    assert not [w for w in recwarn.list if "softmax" in str(w.message)]
