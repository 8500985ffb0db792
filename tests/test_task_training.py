"""Segmentation and classification on the one trainer: small Cityscapes and image-folder datasets train,
evaluate and resume after SIGKILL; and training learns, for each of the three tasks (the loss falls and the
metric rises well above the untrained model's)."""
import os
import sys

import pytest

from test_training import assert_resumed_like_straight, history, kill_in_epoch_two_then_resume, run_tiny

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import task_data  # noqa: E402

METRIC = {"pose": "AP", "segmentation": "mIoU", "classification": "top1"}
LEARN_METRIC = {**METRIC, "pose": "PCK@0.2"}  # a tiny pose model's AP stays near 0 on so few steps


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    pose = tmp_path_factory.mktemp("synthetic")
    make_synthetic_dataset(pose, {"train": 24, "val": 6}, seed=0)
    return {"pose": pose,
            "segmentation": task_data.make_cityscapes(tmp_path_factory.mktemp("cityscapes")),
            "classification": task_data.make_image_folder(tmp_path_factory.mktemp("imagenet"))}


@pytest.mark.slow
@pytest.mark.parametrize("task", ["segmentation", "classification"])
def test_train_evaluate_and_resume_after_sigkill(tmp_path, roots, task):
    args = ("--task", task)
    straight = run_tiny(tmp_path / "straight", roots[task], *args)
    assert set(straight["val"]) >= {METRIC[task]}
    resumed = kill_in_epoch_two_then_resume(tmp_path / "killed", roots[task], *args)
    assert_resumed_like_straight(tmp_path / "straight", tmp_path / "killed", straight, resumed, METRIC[task])
    import keras

    import hrkeras  # noqa: F401  (registers the task models)

    model = keras.models.load_model(tmp_path / "killed" / "model.keras")
    classes = model.get_config()["classes"]  # the saved model names its classes
    assert classes == (list(task_data.SHAPES) if task == "classification" else
                       ["road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
                        "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
                        "motorcycle", "bicycle"])


@pytest.mark.slow
@pytest.mark.parametrize("task,gain", [("pose", 0.2), ("segmentation", 0.2), ("classification", 0.3)])
def test_training_learns(tmp_path, roots, task, gain):
    result = run_tiny(tmp_path / "run", roots[task], "--task", task, "--learn", timeout=900)
    losses = [e["loss"] for e in history(tmp_path / "run")]
    assert losses[-1] < 0.7 * result["untrained_loss"], (result["untrained_loss"], losses)
    metric = LEARN_METRIC[task]
    assert result["val"][metric] >= result["untrained"][metric] + gain, (result["untrained"], result["val"])
