"""`hrkeras convert` / `verify` of tiny segmentation and classification models: float32 and QAT int8 files
carry task, classes, palette and preprocessing, compile GPU-only on LiteRT's accelerator, report the
converted model's mIoU / top-1 beside the float model's, and run in the inferencers like the Keras model."""
import numpy as np
import pytest
import task_models

from hrkeras.cli.main import main

SEG_IMAGE = "leftImg8bit/val/aachen/aachen_000000_000019_leftImg8bit.png"
CLS_IMAGE = "val/square/0001.jpg"


@pytest.fixture
def tiny(tiny_tasks, monkeypatch):
    from hrkeras.training import recipes

    monkeypatch.setattr(recipes, "CONFIGS", {**recipes.CONFIGS, **tiny_tasks["configs"]})
    return tiny_tasks


def _accuracy(report, row):
    """The first number of a report row, e.g. row "mIoU tflite qat:"."""
    return float(report.split(f"{row}:", 1)[1].split()[1].rstrip(","))


def _convert(tiny, task, tmp_path, capsys, *mode):
    config = task_models.SEG_CONFIG if task == "segmentation" else task_models.CLS_CONFIG
    out = tmp_path / f"{task}.tflite"
    assert main(["convert", "--model", str(tiny["files"][task]), "--config", config, "--data", tiny["roots"][task],
                 *mode, "--out", str(out)]) == 0
    report = capsys.readouterr().out
    assert "fully accelerated (LiteRT GPU accelerator, GPU-only compile)" in report
    assert report.rstrip().endswith("PASS")
    return out, report


@pytest.mark.slow
def test_segmentation_float32_carries_its_metadata_and_runs_like_keras(tiny, tmp_path, capsys):
    import hrkeras
    from hrkeras.convert import metadata
    from hrkeras.training.data.segmentation_sets import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE

    out, report = _convert(tiny, "segmentation", tmp_path, capsys)
    assert _accuracy(report, "mIoU tflite float32") == pytest.approx(_accuracy(report, "mIoU keras float"), abs=1e-3)
    info = metadata.read(out)
    assert info["task"] == "segmentation" and info["quantization"] == "float32"
    assert info["classes"] == {"names": list(CITYSCAPES_CLASSES), "palette": [list(c) for c in CITYSCAPES_PALETTE]}
    assert info["input"]["size"] == [64, 64] and info["input"]["test_mode"] == "slide"
    assert info["output"] == {"size": [16, 16], "stride": 4, "layout": "NHWC", "values": "logits"}
    image = f"{tiny['roots']['segmentation']}/{SEG_IMAGE}"
    result = hrkeras.SegmentationInferencer(str(out))(image)  # prepared as the metadata says
    assert result.classes == CITYSCAPES_CLASSES and result.labels.shape == (64, 128)
    np.testing.assert_array_equal(result.palette, CITYSCAPES_PALETTE)
    # verify reads the task from the metadata: the Keras model to compare and the recipe's mIoU
    assert main(["verify", str(out), "--keras", str(tiny["files"]["segmentation"]), "--no-gpu",
                 "--config", task_models.SEG_CONFIG, "--data", tiny["roots"]["segmentation"]]) == 0
    checked = capsys.readouterr().out
    assert "Keras parity:" in checked and "ok" in checked.split("Keras parity:", 1)[1].splitlines()[0]
    assert _accuracy(checked, "mIoU tflite") == pytest.approx(_accuracy(report, "mIoU tflite float32"), abs=1e-4)


def test_classification_float32_carries_its_metadata_and_ranks_like_keras(tiny, tmp_path, capsys):
    import hrkeras
    from hrkeras.convert import metadata

    out, report = _convert(tiny, "classification", tmp_path, capsys)
    assert _accuracy(report, "top1 tflite float32") == _accuracy(report, "top1 keras float")
    info = metadata.read(out)
    assert info["task"] == "classification" and info["classes"] == {"names": ["disc", "square", "stripes"]}
    assert info["input"]["crop_fraction"] == 0.875 and info["output"] == {"layout": "NC", "values": "logits"}
    image = f"{tiny['roots']['classification']}/{CLS_IMAGE}"
    from_tflite = hrkeras.ClassificationInferencer(str(out))(image)
    from_keras = hrkeras.ClassificationInferencer(str(tiny["files"]["classification"]))(image)
    assert from_tflite.names == from_keras.names
    np.testing.assert_allclose(from_tflite.scores, from_keras.scores, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("task,metric", [("segmentation", "mIoU"), ("classification", "top1")])
def test_qat_int8_compiles_gpu_only_and_reports_both_accuracies(tiny, tmp_path, capsys, task, metric):
    import hrkeras
    from hrkeras.convert import metadata

    out, report = _convert(tiny, task, tmp_path, capsys, "--qat", "--epochs", "2",
                           "--workdir", str(tmp_path / "qat"))
    info = metadata.read(out)
    assert info["quantization"] == "qat" and info["task"] == task and len(info["classes"]["names"]) > 1
    assert "int8" in report.split("constants:", 1)[1].splitlines()[0]
    for row in (f"{metric} keras float", f"{metric} tflite qat"):
        assert 0.0 <= _accuracy(report, row) <= 1.0
    assert f"{metric} points)" in report
    inferencer = hrkeras.SegmentationInferencer if task == "segmentation" else hrkeras.ClassificationInferencer
    image = f"{tiny['roots'][task]}/{SEG_IMAGE if task == 'segmentation' else CLS_IMAGE}"
    assert inferencer(str(out), accelerator="gpu")(image) is not None  # the GPU-only compiled model runs


def test_metadata_of_a_model_without_carried_settings_takes_the_recipes(recwarn):
    """A Segmenter saved before models carried their preprocessing and palette: the recipe's preprocessing, and
    PASCAL VOC's colours (class 1 dark red, class 2 dark green, class 3 olive)."""
    from tiny_training import TINY_MODEL

    from hrkeras.convert.workflow import model_info
    from hrkeras.models.registry import create_model

    config = task_models.configs()[task_models.SEG_CONFIG]
    model = create_model("litehrnet_18", task="segmentation", input_shape=(64, 64, 3), num_classes=5, **TINY_MODEL)
    info = model_info(model, "float32", config)
    assert info["input"]["test_mode"] == config.test_mode == "slide" and not recwarn.list
    assert info["classes"]["names"] == [f"class_{i}" for i in range(5)]
    assert info["classes"]["palette"][:4] == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]
    with pytest.warns(UserWarning, match="carries no preprocessing"):
        assert model_info(model, "float32")["input"]["test_mode"] == "whole"
