"""`hrkeras evaluate` and `hrkeras predict` on tiny segmentation and classification models (Keras files): the
numbers of the CLI match the inferencers', the files written have the image's shape, top-5 comes sorted."""
import json

import numpy as np
import pytest
import task_models
from cli_check import error_line
from PIL import Image

from hrkeras.cli.main import main


@pytest.fixture(scope="module")
def inferencers(tiny_tasks):
    """{task: the task's inferencer on the saved model}, loaded once."""
    import hrkeras

    return {"segmentation": hrkeras.SegmentationInferencer(str(tiny_tasks["files"]["segmentation"])),
            "classification": hrkeras.ClassificationInferencer(str(tiny_tasks["files"]["classification"]))}


@pytest.fixture
def tiny(tiny_tasks, monkeypatch):
    """tiny_tasks, its recipes registered."""
    from hrkeras.training import recipes

    monkeypatch.setattr(recipes, "CONFIGS", {**recipes.CONFIGS, **tiny_tasks["configs"]})
    return tiny_tasks


def _val_pairs(tiny):
    from hrkeras.training.data.segmentation_pipeline import read_pair
    from hrkeras.training.tasks.segmentation import dataset_split

    val = dataset_split(tiny["configs"][task_models.SEG_CONFIG], tiny["roots"]["segmentation"], "val")
    return [(image, read_pair(image, label, val.lut)[1].numpy()) for image, label in zip(val.images, val.labels)]


def _headline(out, label):
    """The number after the last `label` in `hrkeras evaluate`'s output, e.g. _headline(out, "mIoU")."""
    return float(out.rsplit(f"{label} ", 1)[1].split()[0])


def test_evaluate_segmentation_reports_the_miou_of_the_inferencer(tiny, inferencers, capsys):
    from hrkeras.training.segmentation_eval import confusion_matrix, iou_stats

    assert main(["evaluate", "--config", task_models.SEG_CONFIG, "--data", tiny["roots"]["segmentation"],
                 "--weights", str(tiny["files"]["segmentation"])]) == 0
    out = capsys.readouterr().out
    assert "road" in out and "IoU" in out  # the per-class table
    miou, accuracy = _headline(out, "mIoU"), _headline(out, "pixel accuracy")
    # the same numbers from SegmentationInferencer, which prepares images from what the model file carries
    segment = inferencers["segmentation"]
    confusion = sum(confusion_matrix(labels, segment(image).labels, 19) for image, labels in _val_pairs(tiny))
    stats = iou_stats(confusion)
    assert miou == pytest.approx(stats["mIoU"], abs=1e-4) and accuracy == pytest.approx(stats["aAcc"], abs=1e-4)


def test_single_pass_evaluates_segmentation_as_the_inferencer_does(tiny, capsys, monkeypatch):
    from hrkeras.training import recipes

    config = tiny["configs"][task_models.SEG_CONFIG]
    tested = config.replace(name="tiny_seg_flip_two_scales", test_flip=True, test_scales=(1.0, 1.5))
    monkeypatch.setitem(recipes.CONFIGS, tested.name, tested)
    argv = ["evaluate", "--config", tested.name, "--data", tiny["roots"]["segmentation"],
            "--weights", str(tiny["files"]["segmentation"])]
    scores = []
    for extra in ([], ["--single-pass"]):
        assert main(argv + extra) == 0
        scores.append(_headline(capsys.readouterr().out, "mIoU"))
    assert main(["evaluate", "--config", config.name, *argv[3:]]) == 0
    one_pass = _headline(capsys.readouterr().out, "mIoU")
    assert scores[1] == one_pass  # --single-pass: the one-pass test, the inferencer's (the test above)
    assert scores[0] != one_pass  # the flip and the second scale change the figure
    line = error_line(capsys, ["evaluate", "--config", task_models.CLS_CONFIG, "--single-pass"])
    assert "--single-pass does not apply to a classification recipe" in line


def test_evaluate_classification_reports_the_top1_of_the_inferencer(tiny, inferencers, capsys):
    from hrkeras.training.data.image_folder import load_image_folder

    assert main(["evaluate", "--config", task_models.CLS_CONFIG, "--data", tiny["roots"]["classification"],
                 "--weights", str(tiny["files"]["classification"])]) == 0
    out = capsys.readouterr().out
    top1, top5 = _headline(out, "top-1"), _headline(out, "top-5")
    assert top5 == 1.0  # 3 classes
    import tensorflow as tf

    classify = inferencers["classification"]
    val = load_image_folder(tiny["roots"]["classification"], "val")
    # decoded as the evaluation decodes them (PIL's JPEG decoder differs from TensorFlow's by a few levels)
    images = [tf.io.decode_jpeg(tf.io.read_file(path)).numpy() for path in val.paths]
    hits = [classify(image).indices[0] == label for image, label in zip(images, val.labels)]
    assert top1 == pytest.approx(np.mean(hits), abs=1e-4)


def test_evaluate_refuses_pose_options_for_other_tasks(tiny, capsys):
    line = error_line(capsys, ["evaluate", "--config", task_models.CLS_CONFIG, "--no-flip"])
    assert "--no-flip does not apply to a classification recipe" in line


def test_predict_segmentation_writes_the_drawing_and_the_label_png(tiny, inferencers, tmp_path, capsys):
    image, _ = _val_pairs(tiny)[0]
    assert main(["predict", image, "--model", str(tiny["files"]["segmentation"]), "--out", str(tmp_path)]) == 0
    stem = image.rsplit("/", 1)[1].rsplit(".", 1)[0]
    assert f"{stem}_segmentation.png" in capsys.readouterr().out
    width, height = Image.open(image).size
    with Image.open(tmp_path / f"{stem}_labels.png") as labels:
        assert labels.mode == "P" and labels.size == (width, height)
        palette = np.asarray(labels.getpalette()[:3 * 19]).reshape(19, 3)
        values = np.asarray(labels)
    model = inferencers["segmentation"]
    np.testing.assert_array_equal(palette, model.setup.palette)  # Cityscapes' colours, carried by the model
    np.testing.assert_array_equal(values, model(image).labels)
    with Image.open(tmp_path / f"{stem}_segmentation.png") as drawn:  # enlarged for a readable legend
        assert drawn.mode == "RGB" and drawn.size[0] / width == drawn.size[1] / height >= 512 / max(width, height)


def test_predict_classification_prints_and_writes_the_top5(tiny, tmp_path, capsys):
    image = f"{tiny['roots']['classification']}/val/disc/0000.jpg"
    assert main(["predict", image, "--model", str(tiny["files"]["classification"]), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    with open(tmp_path / "0000.json") as f:
        top = json.load(f)["top"]
    scores = [entry["score"] for entry in top]
    assert len(top) == 3 and scores == sorted(scores, reverse=True) and sum(scores) == pytest.approx(1, abs=1e-5)
    assert sorted(entry["class"] for entry in top) == ["disc", "square", "stripes"]
    assert f"1. {top[0]['class']}  {top[0]['score']:.4f}" in out

