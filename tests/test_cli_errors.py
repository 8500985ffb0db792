"""Bad input to every command: one line `hrkeras <command>: error: <what> (<file>); <fix>`, exit status 1,
no traceback (unless --debug), refused before anything heavy runs."""
import json
import re

import pytest
from cli_check import error_line

from hrkeras.cli.main import main
from hrkeras.errors import UsageError

RECIPE = "litehrnet_18_synthetic_128x96"


@pytest.mark.parametrize("argv, expected", [
    (["train", "--config", RECIPE, "--epochs", "0"], "argument --epochs: must be above 0, got 0"),
    (["train", "--config", RECIPE, "--lr", "-1"], "argument --lr: must be above 0, got -1"),
    (["train", "--config", RECIPE, "--lr", "nan"], "argument --lr: must be above 0, got nan"),
    (["train", "--config", RECIPE, "--batch-size", "0"], "argument --batch-size: must be above 0, got 0"),
    (["train", "--config", RECIPE, "--epochs", "two"], "argument --epochs: 'two' is not an integer"),
    (["predict", "x.jpg", "--model", "litehrnet_18", "--input-size", "0", "0", "--out", "o"],
     "argument --input-size: must be above 0, got 0"),
    (["convert", "--model", "litehrnet_18", "--input-size", "96", "100", "--out", "a.tflite"],
     "argument --input-size: must be a multiple of 32"),
    (["import-weights", "a.pth", "b.keras", "--input-shape", "100", "100"], "must be a multiple of 32"),
    (["predict", "x.jpg", "--model", "litehrnet_18", "--threshold", "2", "--out", "o"], "must be between 0 and 1"),
    (["train"], "the following arguments are required: --config"),
    (["train", "--config", "litehrnet_18_synthetic"], "unknown training config 'litehrnet_18_synthetic'; did you"),
    (["predict", "x.jpg", "--model", "litehrnet18", "--out", "o"], "unknown model 'litehrnet18'; did you mean"),
    (["train", "--config", "litehrnet_18_coco_256x192", "--synthetic-images", "8", "8"],
     "--synthetic-images does not apply to litehrnet_18_coco_256x192, which trains on COCO"),
    (["train", "--config", RECIPE, "--strategy", "default", "--cpu-replicas", "2"],
     "--cpu-replicas does not apply with --strategy default"),
    (["convert", "--model", "litehrnet_18", "--epochs", "3", "--out", "a.tflite"],
     "--epochs does not apply to a float32 conversion"),
    (["convert", "--model", "litehrnet_18", "--qat", "--calibration-samples", "9", "--config", RECIPE,
      "--out", "a.tflite"], "--calibration-samples does not apply to a qat conversion"),
    (["convert", "--model", "litehrnet_18", "--data", "d", "--out", "a.tflite"], "--data does not apply without --config"),
    (["convert", "--model", "litehrnet_18", "--out", "a.onnx"], "--out must name a .tflite file"),
    (["verify", "a.tflite", "--weights", "w.pth"], "--weights does not apply without --keras"),
])
def test_bad_arguments_are_refused_in_one_line(argv, expected, capsys):
    line = error_line(capsys, argv)
    assert expected in line, line


def test_input_size_does_not_apply_to_a_keras_model(tmp_path, tiny_model_file, capsys):
    for command in (["predict", "x.jpg", "--out", tmp_path], ["convert", "--out", tmp_path / "a.tflite"]):
        line = error_line(capsys, [*command, "--model", tiny_model_file, "--input-size", "128", "96"])
        assert "--input-size does not apply to a .keras" in line and line.endswith("drop --input-size")


def test_resume_without_a_checkpoint_says_so(tmp_path, capsys):
    line = error_line(capsys, ["train", "--config", RECIPE, "--workdir", tmp_path / "run", "--resume"])
    assert f"nothing to resume: no checkpoint was saved in this work folder ({tmp_path / 'run'}" in line
    assert "drop --resume" in line


def test_an_existing_run_is_not_overwritten(tmp_path, capsys):
    checkpoints = tmp_path / "run" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "epoch_003.weights.h5").write_bytes(b"")
    (checkpoints / "latest.json").write_text(json.dumps({"epoch": 3, "weights": "epoch_003.weights.h5"}))
    line = error_line(capsys, ["train", "--config", RECIPE, "--workdir", tmp_path / "run"])
    assert f"already holds a run (epoch 3) ({tmp_path / 'run'}); pass --resume" in line
    (checkpoints / "latest.json").write_text("{\"epoch\": 3,")  # cut short
    line = error_line(capsys, ["train", "--config", RECIPE, "--workdir", tmp_path / "run", "--resume"])
    assert "the checkpoint pointer is damaged" in line and "latest.json" in line


def test_malformed_coco_json_is_named(tmp_path, tiny_model_file, capsys):
    (tmp_path / "coco" / "annotations").mkdir(parents=True)
    ann = tmp_path / "coco" / "annotations" / "person_keypoints_val2017.json"
    ann.write_text('{"images": [')
    line = error_line(capsys, ["evaluate", "--config", "litehrnet_18_coco_256x192", "--data", tmp_path / "coco",
                               "--weights", tiny_model_file])
    assert str(ann) in line and "not valid JSON" in line


@pytest.mark.parametrize("name, content, command, expected", [
    ("model.keras", b"not a zip", "predict", "not a Keras model: a .keras file is a zip archive"),
    ("model.keras", None, "predict", "no such Keras model file"),
    ("cut.tflite", b"\x1c\x00\x00\x00TFL3\x00\x00", "verify", ""),
    ("cut.safetensors", b"\x40\x00\x00\x00\x00\x00\x00\x00{\"w\": {\"dtype\": \"F32\"", "import-weights", ""),
])
def test_damaged_and_missing_files_are_named(tmp_path, capsys, name, content, command, expected):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    argv = {"predict": ["predict", "x.jpg", "--model", path, "--out", tmp_path / "o"],
            "verify": ["verify", path], "import-weights": ["import-weights", path, tmp_path / "out.keras"]}[command]
    line = error_line(capsys, argv)
    assert f"({path})" in line and expected in line, line
    assert not (tmp_path / "out.keras").exists()


def test_debug_shows_the_traceback(monkeypatch):
    with pytest.raises(UsageError, match="unknown training config"):
        main(["--debug", "train", "--config", "nope"])
    monkeypatch.setenv("HRKERAS_DEBUG", "1")
    with pytest.raises(UsageError):
        main(["train", "--config", "nope"])


def test_unexpected_errors_are_reported_as_internal(monkeypatch, capsys):
    from hrkeras.cli import train

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(train, "config_from_args", broken)
    line = error_line(capsys, ["train", "--config", RECIPE])
    assert "internal error ZeroDivisionError: division by zero; run it again with --debug" in line


@pytest.mark.parametrize("command", ["train", "search", "evaluate", "predict", "convert", "verify",
                                     "import-weights", "demo web"])
def test_every_command_help_ends_with_examples(command, capsys):
    assert main([*command.split(), "--help"]) == 0
    help_text = capsys.readouterr().out
    assert f"\nexamples:\n  hrkeras {command} " in help_text and ("--debug" in help_text or command == "demo")


def test_sizes_on_the_command_line_are_height_then_width():
    """Every flag of every (sub)command that takes a size or shape pair reads H then W (see test_public_api for
    the Python signatures)."""
    import argparse

    from hrkeras.cli.main import build_parser

    sizes, stack = {}, [("hrkeras", build_parser())]
    while stack:
        name, parser = stack.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend((f"{name} {sub}", p) for sub, p in action.choices.items())
            elif action.option_strings and (re.search(r"size|shape", action.dest) and action.nargs == 2
                                            or isinstance(action.metavar, tuple) and {"H", "W"} & set(action.metavar)):
                sizes[f"{name} {action.option_strings[0]}"] = action.metavar
    expected = {"hrkeras predict --input-size", "hrkeras convert --input-size", "hrkeras import-weights --input-shape"}
    assert expected <= set(sizes)
    assert all(metavar == ("H", "W") for metavar in sizes.values()), sizes
