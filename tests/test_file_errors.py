"""Damaged or foreign files: an InvalidFileError (or ValueError) naming the file and the fix, nothing else."""
import json
import pathlib
import warnings

import pytest

from hrkeras.convert import metadata
from hrkeras.convert.tflite_runner import load_tflite
from hrkeras.errors import InvalidFileError
from hrkeras.training.data import coco

SEEDS = pathlib.Path(__file__).parent / "fuzz" / "corpus"
TAGGED = (SEEDS / "tflite_metadata" / "tagged.tflite").read_bytes()  # a tiny model with hrkeras metadata


def _invalid_tflite(path):
    with pytest.raises(InvalidFileError) as caught:
        metadata.read(path)
    assert caught.value.path == str(path) and str(path) in str(caught.value) and "convert" in str(caught.value)
    return caught.value


def test_valid_tflite_reads(tmp_path):
    (tmp_path / "model.tflite").write_bytes(TAGGED)
    assert metadata.read(tmp_path / "model.tflite") == {"task": "pose", "input": {"size": [8, 8]}}


@pytest.mark.parametrize("length", [0, 6, 12, 100, len(TAGGED) // 2, len(TAGGED) - 1])
def test_truncated_tflite(tmp_path, length):
    path = tmp_path / "cut.tflite"
    path.write_bytes(TAGGED[:length])
    error = _invalid_tflite(path)
    assert "TFLite" in error.what or "truncated" in error.what


def test_foreign_file_renamed_tflite(tmp_path):
    path = tmp_path / "photo.tflite"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert "not a TFLite flatbuffer" in _invalid_tflite(path).what
    with pytest.raises(InvalidFileError, match="photo.tflite"):
        load_tflite(path)


@pytest.mark.parametrize("seed", ["not_json", "list_json"])
def test_metadata_not_a_json_object(tmp_path, seed):
    path = tmp_path / f"{seed}.tflite"
    path.write_bytes((SEEDS / "tflite_metadata" / f"{seed}.tflite").read_bytes())
    assert "hrkeras metadata" in _invalid_tflite(path).what


def _metadata_vector(data):
    """Byte position of the root table's metadata vector (its length field)."""
    from hrkeras.convert import flatbuffer_metadata as fb

    reader = fb._Reader(data)
    return reader.field(reader.table(reader.unpack("<I", 0, ""), ""), fb.MODEL_METADATA, "ref", "")


@pytest.mark.parametrize("where", ["metadata count", "name length"])
def test_huge_lengths_are_refused_fast(tmp_path, where):
    """A metadata vector (or name) claiming 2**32 - 1 entries is refused, not looped over."""
    data = bytearray(TAGGED)
    start = _metadata_vector(data) if where == "metadata count" else data.index(b"hrkeras") - 4
    assert int.from_bytes(data[start:start + 4], "little") in (3, 7)  # 3 entries; "hrkeras"
    data[start:start + 4] = (0xFFFFFFFF).to_bytes(4, "little")
    path = tmp_path / "huge.tflite"
    path.write_bytes(bytes(data))
    assert "past the end" in _invalid_tflite(path).what


def test_no_metadata_is_its_own_error(tmp_path):
    path = tmp_path / "plain.tflite"
    path.write_bytes((SEEDS / "tflite_metadata" / "plain.tflite").read_bytes())
    with pytest.raises(metadata.NoMetadataError, match="no hrkeras metadata.*plain.tflite.*write it"):
        metadata.read(path)


IMAGE = {"id": 0, "file_name": "0.png", "width": 32, "height": 32}
ANNOTATION = {"id": 1, "image_id": 0, "bbox": [1, 1, 10, 10], "keypoints": [5, 5, 2] + [0] * 48}


@pytest.mark.parametrize("content", [
    b"\xff\xfe not utf-8", b"[" * 100000, b'{"images": 5}', b"[1, 2]", b'"text"',
    json.dumps({"images": [IMAGE], "annotations": {"id": 1}}).encode(),
    json.dumps({"images": [{**IMAGE, "width": -3}], "annotations": []}).encode(),
    json.dumps({"images": [{**IMAGE, "height": 0}], "annotations": []}).encode(),
    json.dumps({"images": [{**IMAGE, "id": [0]}], "annotations": []}).encode(),
    json.dumps({"images": [IMAGE, IMAGE], "annotations": []}).encode(),
    json.dumps({"images": [{**IMAGE, "file_name": 7}], "annotations": []}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [{**ANNOTATION, "keypoints": ["5"] * 51}]}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [{**ANNOTATION, "keypoints": 3}]}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [{**ANNOTATION, "bbox": [1, 2, "x", 4]}]}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [{**ANNOTATION, "bbox": [1, 2]}]}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [{**ANNOTATION, "image_id": {"a": 1}}]}).encode(),
    json.dumps({"images": [IMAGE], "annotations": [7]}).encode(),
    b'{"images": [{"id": 0, "file_name": "0.png", "width": 1' + b"0" * 5000 + b', "height": 5}]}',
])
def test_malformed_coco_is_a_value_error_naming_the_file(tmp_path, content):
    (tmp_path / "0.png").write_bytes(b"")
    path = tmp_path / "bad_keypoints.json"
    path.write_bytes(content)
    with pytest.raises(InvalidFileError, match="bad_keypoints.json") as caught:
        coco.load_instances(str(path), str(tmp_path))
    assert caught.value.fix


@pytest.mark.parametrize("change", [
    {"keypoints": [float("nan")] * 51}, {"bbox": [1, 1, float("inf"), 10]}, {"area": "big"},
    {"bbox": [1e308, 1e308, 1e308, 1e308]}, {"keypoints": [10**400] * 51},
])
def test_bad_values_skip_the_instance_with_a_warning(tmp_path, change):
    (tmp_path / "0.png").write_bytes(b"")
    path = tmp_path / "keypoints.json"
    path.write_text(json.dumps({"images": [IMAGE], "annotations": [ANNOTATION, {**ANNOTATION, "id": 2, **change}]}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = coco.load_instances(str(path), str(tmp_path))
    assert [i.ann_id for i in loaded] == [1]
    assert any("annotation 2" in str(w.message) and "keypoints.json" in str(w.message) for w in caught)


@pytest.mark.parametrize("dets", [{"a": 1}, [{"image_id": 0, "category_id": 1, "bbox": "box", "score": 1}], [None]])
def test_malformed_detections_are_a_value_error_naming_the_file(tmp_path, dets):
    (tmp_path / "0.png").write_bytes(b"")
    (tmp_path / "gt.json").write_text(json.dumps({"images": [IMAGE], "annotations": []}))
    (tmp_path / "dets.json").write_text(json.dumps(dets))
    with pytest.raises(InvalidFileError, match="dets.json"):
        coco.load_instances(str(tmp_path / "gt.json"), str(tmp_path), det_file=str(tmp_path / "dets.json"))


def test_detection_without_a_numeric_score_is_skipped(tmp_path):
    (tmp_path / "0.png").write_bytes(b"")
    (tmp_path / "gt.json").write_text(json.dumps({"images": [IMAGE], "annotations": []}))
    dets = [{"image_id": 0, "category_id": 1, "bbox": [1, 1, 5, 5], "score": s} for s in (0.9, "high", None)]
    (tmp_path / "dets.json").write_text(json.dumps(dets))
    with pytest.warns(UserWarning, match=r"dets.json.*detection #1.*score not a finite number"):
        loaded = coco.load_instances(str(tmp_path / "gt.json"), str(tmp_path), det_file=str(tmp_path / "dets.json"))
    assert [i.ann_id for i in loaded] == [0]
