"""hrkeras.PoseInferencer: a photo in, 17 named keypoints out, alike for a Keras model and its .tflite."""
import numpy as np
import pytest
from skimage import data

import hrkeras
from hrkeras.cli.main import main


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()  # 512x512 RGB, public domain (NASA)


def test_keras_model_and_its_tflite_agree(tmp_path, tiny_model_file, astronaut):
    tflite = tmp_path / "tiny.tflite"
    assert main(["convert", "--model", str(tiny_model_file), "--no-gpu", "--out", str(tflite)]) == 0
    with pytest.warns(UserWarning, match="carries no codec"):  # saved without one: the default is named
        keras_pose = hrkeras.PoseInferencer(str(tiny_model_file))
    people = keras_pose(astronaut)
    tflite_people = hrkeras.PoseInferencer(str(tflite))(astronaut)
    assert len(people) == 1 and people[0].keypoints.shape == (17, 2) and people[0].names[0] == "nose"
    assert tflite_people[0].names == people[0].names
    np.testing.assert_allclose(tflite_people[0].keypoints, people[0].keypoints, atol=0.5)
    np.testing.assert_allclose(tflite_people[0].scores, people[0].scores, atol=1e-3)
    assert np.all(np.abs(people[0].keypoints - 256) <= 512 * 1.25 / 2 + 1)  # inside the padded whole-image crop


def test_boxes_and_drawing(tiny_model_file, astronaut):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pose = hrkeras.PoseInferencer(str(tiny_model_file), flip_test=False)
    boxes = [[150, 20, 200, 300], [0, 0, 100, 100]]
    people = pose(astronaut, boxes)
    assert [p.bbox.tolist() for p in people] == boxes
    side = 300 * 1.25  # the crop: the box padded by 1.25 and widened to the input's aspect ratio
    assert np.all(np.abs(people[0].keypoints - [250, 170]) <= side / 2 + 1)
    drawn = np.asarray(pose.draw(astronaut, people, threshold=0.0))
    assert drawn.shape == astronaut.shape and (drawn != astronaut).any()
    assert people[0].as_dict()["keypoints"][0][2] == pytest.approx(people[0].scores[0], abs=1e-3)
    with pytest.raises(ValueError, match=r"boxes must be \[\[x, y, w, h\], ...\] with positive sizes"):
        pose(astronaut, [[0, 0, -5, 10]])


def test_an_old_keras_file_with_a_width_height_codec_loads_and_says_what_it_assumed(tmp_path, astronaut):
    from tiny_training import TINY_MODEL

    from hrkeras.codecs import MSRAHeatmap

    old_codec = {"input_size": [32, 64], "heatmap_size": [8, 16], "sigma": 2.0, "unbiased": True,
                 "blur_kernel_size": 5, "decode": "dark"}  # as hrkeras 0.1 saved it: (W, H), no size_order
    model = hrkeras.create_model("litehrnet_18", input_shape=(64, 32, 3), head_kwargs={"codec": old_codec},
                                 **TINY_MODEL)
    model.save(tmp_path / "old.keras")
    with pytest.warns(UserWarning, match=r"\(width, height\).*input_size=\(64, 32\), heatmap_size=\(16, 8\)"):
        pose = hrkeras.PoseInferencer(str(tmp_path / "old.keras"), flip_test=False)
    codec = MSRAHeatmap((64, 32), (16, 8), unbiased=True, blur_kernel_size=5)
    assert pose.setup.codec.get_config() == codec.get_config() and pose.setup.decode == "dark"
    assert pose(astronaut[::4, ::4])[0].keypoints.shape == (17, 2)
