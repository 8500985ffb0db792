"""`hrkeras predict` and `hrkeras evaluate` on a tiny saved model."""
import json

import numpy as np
from cli_check import error_line
from PIL import Image
from tiny_training import TINY_MODEL

from hrkeras.cli.main import main


def test_predict_writes_keypoints_and_drawing(tmp_path, tiny_model_file):
    image = tmp_path / "person.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 90, 3), np.uint8)).save(image)
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps({"person.jpg": [[10, 5, 40, 100], [50, 20, 30, 60]]}))
    out = tmp_path / "out"
    assert main(["predict", str(image), "--model", str(tiny_model_file), "--boxes", str(boxes), "--out", str(out)]) == 0
    result = json.loads((out / "person.json").read_text())
    assert len(result["keypoint_names"]) == 17 and len(result["persons"]) == 2
    for person, (x, y, w, h) in zip(result["persons"], [[10, 5, 40, 100], [50, 20, 30, 60]]):
        points = np.array(person["keypoints"])
        assert points.shape == (17, 3)
        # heatmap maxima lie inside the crop, which is the box padded by 1.25 (and widened to 1:1)
        side = max(w, h) * 1.25
        cx, cy = x + w / 2, y + h / 2
        assert np.all(np.abs(points[:, 0] - cx) <= side / 2 + 1) and np.all(np.abs(points[:, 1] - cy) <= side / 2 + 1)
    assert Image.open(out / "person_pose.jpg").size == (90, 120)


def test_predict_decodes_as_the_recipe(tmp_path):
    import hrkeras

    model_file = tmp_path / "tiny128x96.keras"
    hrkeras.create_model("litehrnet_18", input_shape=(128, 96, 3), **TINY_MODEL).save(model_file)
    image = tmp_path / "person.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 90, 3), np.uint8)).save(image)
    points = {}
    for extra in ([], ["--config", "litehrnet_18_synthetic_128x96"]):
        out = tmp_path / f"out{len(extra)}"
        assert main(["predict", str(image), "--model", str(model_file), "--out", str(out), *extra]) == 0
        points[len(extra)] = np.array(json.loads((out / "person.json").read_text())["persons"][0]["keypoints"])
    # same heatmaps and maxima; DARK moves the locations off quarter-offset decoding's quarter-pixel grid
    np.testing.assert_allclose(points[2][:, 2], points[0][:, 2])
    assert not np.allclose(points[2][:, :2], points[0][:, :2])


def test_predict_rejects_a_recipe_of_another_size(tmp_path, tiny_model_file, capsys):
    line = error_line(capsys, ["predict", "x.jpg", "--model", tiny_model_file, "--config",
                               "litehrnet_18_synthetic_128x96", "--out", tmp_path])
    assert ("--config litehrnet_18_synthetic_128x96: the codec decodes (128, 96) inputs to (32, 24) heatmaps "
            "(height, width), but the model takes (64, 64)") in line


def test_predict_rejects_unreadable_image(tmp_path, tiny_model_file, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    line = error_line(capsys, ["predict", bad, "--model", tiny_model_file, "--out", tmp_path / "o"])
    assert "cannot read the image" in line and str(bad) in line


def test_predict_rejects_weights_beside_a_keras_file(tmp_path, tiny_model_file, capsys):
    line = error_line(capsys, ["predict", "x.jpg", "--model", tiny_model_file, "--weights", "w.pth", "--out", tmp_path])
    assert "already holds its weights" in line


def test_evaluate_reports_coco_ap_and_pck(tmp_path, capsys):
    import hrkeras
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    make_synthetic_dataset(tmp_path / "coco", {"val2017": 3}, seed=1)
    weights = tmp_path / "tiny256.keras"
    hrkeras.create_model("litehrnet_18", input_shape=(256, 192, 3), **TINY_MODEL).save(weights)
    assert main(["evaluate", "--config", "litehrnet_18_coco_256x192", "--data", str(tmp_path / "coco"),
                 "--weights", str(weights)]) == 0
    out = capsys.readouterr().out
    assert "Average Precision  (AP) @[ IoU=0.50:0.95" in out
    ap = float(out.rsplit("OKS AP ", 1)[1].split()[0])
    pck = float(out.split("PCK@0.2 (box size): ", 1)[1].split()[0])
    assert 0.0 <= ap < 0.2 and 0.0 <= pck < 0.5  # an untrained model scores near zero
