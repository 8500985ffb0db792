"""Checkpoint import against outputs of the reference implementations (committed
fixtures from tests/fixtures/make_checkpoint_fixtures.py; no torch needed)."""
import numpy as np
import pytest

import hrkeras
from checkpoint_cases import FIXTURES, TOLERANCE, build, case_names, load_case, parity
from hrkeras.checkpoints import CheckpointMismatchError, describe_checkpoint, load_checkpoint, read_state_dict
from hrkeras.checkpoints.describe import registry_variant, variant_config
from cli_check import error_line
from hrkeras.cli.main import main
from hrkeras.models.families import FAMILIES

CASES = case_names(FIXTURES)


def test_fixtures_cover_every_layout():
    layouts = {load_case(FIXTURES, c)[1]["layout"] for c in CASES}
    assert layouts == {"mmpose0", "mmpose1", "official_pose", "official_seg", "timm"}
    assert {load_case(FIXTURES, c)[2].suffix for c in CASES} == {".pth", ".npz", ".safetensors"}


@pytest.mark.parametrize("case", CASES)
def test_outputs_equal_reference(case):
    io, config, checkpoint = load_case(FIXTURES, case)
    model = build(config, weights=str(checkpoint))
    out_err, feat_errs = parity(model, io)
    assert out_err <= TOLERANCE
    assert len(feat_errs) >= 4 and max(feat_errs.values()) <= TOLERANCE, feat_errs


@pytest.mark.parametrize("case", CASES)
def test_describe_recognizes_configuration(case):
    _, config, checkpoint = load_case(FIXTURES, case)
    info = describe_checkpoint(checkpoint)
    assert info.task == config["task"]
    assert {k: info.config[k] for k in config["overrides"]} == config["overrides"]
    assert info.head.get("num_keypoints", info.head.get("num_classes")) == config.get(
        "num_keypoints", config.get("num_classes"))
    assert info.variant is None  # tiny configurations are not registry variants


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_registry_variants_are_told_apart(family):
    for name in FAMILIES[family].variants:
        config = {k: v for k, v in variant_config(family, name).items() if k != "input_shape"}
        assert registry_variant(family, config) == name


def _lite_case():
    return load_case(FIXTURES, "litehrnet_pose_official")


def test_wrong_variant_names_keys_and_the_right_model():
    io, config, checkpoint = _lite_case()
    model = build({**config, "overrides": {**config["overrides"], "stage_modules": [1, 1, 1]}})
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(CheckpointMismatchError) as err:
        load_checkpoint(model, checkpoint)
    message = str(err.value)
    assert "nothing was loaded" in message
    assert "92 unexpected keys in the file" in message and "backbone.stage1.1.fuse_layers.0.1.0.weight" in message
    assert "by module: stage1.1.* (92)" in message
    assert "'stage_modules': [1, 2, 1]" in message  # the configuration the file was made for
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_shape_mismatch_fails_even_when_not_strict():
    _, config, checkpoint = _lite_case()
    model = build({**config, "num_keypoints": 16})
    with pytest.raises(CheckpointMismatchError, match=r"keypoint_head\.final_layer\.weight: file \(17, 8, 1, 1\), "
                                                      r"model \(16, 8, 1, 1\)"):
        load_checkpoint(model, checkpoint, strict=False)


def test_non_strict_loads_a_classification_backbone_into_a_pose_model():
    io, config, checkpoint = load_case(FIXTURES, "hrnet_cls_timm")
    model = build({**config, "task": "pose", "num_keypoints": 17})
    with pytest.warns(UserWarning, match="unexpected"):
        report = load_checkpoint(model, checkpoint, strict=False)
    assert report.missing == ["final_layer.bias", "final_layer.weight"]
    assert "classifier.weight" in report.unexpected and "incre_modules.0.0.conv1.weight" in report.unexpected
    stage3 = {k: v for k, v in io.items() if k.startswith("features/stage3") or k == "input"}
    from checkpoint_cases import feature_errors

    assert max(feature_errors(model, stage3).values()) <= TOLERANCE


def test_torch_free_reader_equals_torch_load(tmp_path):
    torch = pytest.importorskip("torch")
    for case in CASES:
        checkpoint = load_case(FIXTURES, case)[2]
        if checkpoint.suffix != ".pth":
            continue
        obj = torch.load(checkpoint, map_location="cpu", weights_only=False)
        expected = obj.get("state_dict", obj)
        ours = read_state_dict(checkpoint)
        assert set(ours) == set(expected)
        assert all(np.array_equal(ours[k], expected[k].numpy()) for k in expected)
    # dtypes, non-contiguous views and shared storages, in both torch formats
    base = torch.randn(6, 4)
    sd = {"t": base.t(), "slice": base[2:4], "half": base.half(), "bf16": base.bfloat16(), "long": torch.arange(5)}
    for new_format in (True, False):
        path = tmp_path / f"x{new_format}.pth"
        torch.save(sd, path, _use_new_zipfile_serialization=new_format)
        ours = read_state_dict(path)
        for k, v in sd.items():
            assert np.array_equal(ours[k], v.float().numpy() if k == "bf16" else v.numpy()), k


def test_unreadable_files_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_state_dict(tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"\x80\x04K\x07." + bytes(100))
    with pytest.raises(ValueError, match="wrong magic number"):
        read_state_dict(junk)
    other = tmp_path / "weights.txt"
    other.write_text("hello")
    with pytest.raises(ValueError, match="unknown checkpoint format"):
        read_state_dict(other)


def test_import_weights_cli_writes_a_loadable_keras_model(tmp_path, capsys):
    import keras

    io, config, checkpoint = load_case(FIXTURES, "naive_litehrnet_pose_mmpose")
    out = tmp_path / "naive.keras"
    assert main(["import-weights", str(checkpoint), str(out), "--input-shape", "64", "64"]) == 0
    assert "not in the registry" in capsys.readouterr().out
    model = keras.models.load_model(out)
    assert isinstance(model, hrkeras.PoseEstimator)
    assert parity(model, io)[0] <= TOLERANCE
    assert [p.name for p in tmp_path.iterdir()] == ["naive.keras"]  # no temporary files left
    assert "must be a .keras file" in error_line(capsys, ["import-weights", checkpoint, tmp_path / "x.h5"])


def test_checkpoints_read_the_family_table_not_the_registry():
    """registry -> checkpoints (to load weights); checkpoints -> models.families (to recognize them), and the
    families import neither: no cycle, so no import hidden inside a function to dodge one."""
    import ast
    import pathlib

    import hrkeras

    def imports(path):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        return found

    root = pathlib.Path(hrkeras.__file__).parent
    by_checkpoints = set().union(*(imports(p) for p in (root / "checkpoints").glob("*.py")))
    assert "hrkeras.models.families" in by_checkpoints and "hrkeras.models.registry" not in by_checkpoints
    by_models = set().union(*(imports(p) for p in (root / "models").rglob("*.py")
                              if p.name not in ("registry.py", "constructors.py")))
    assert not {m for m in by_models if m.startswith(("hrkeras.checkpoints", "hrkeras.models.registry"))}
