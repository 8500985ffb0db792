"""Writes the seed corpora of fuzz_tflite_metadata and fuzz_coco (run once; commit what it writes).

    PYTHONPATH=. python tests/fuzz/seeds_files.py

tflite_metadata: a tiny converted model with hrkeras metadata, without it, with non-JSON metadata,
and cut short at a few points. coco: a small keypoints file (two images, three annotations) and a
detection-results file, whose image file names the fuzz target creates.
"""
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
CORPUS = pathlib.Path(__file__).parent / "corpus"


def tiny_tflite():
    import keras

    from hrkeras.convert.export import convert

    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3), batch_size=1)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    return convert(keras.Model(inputs, keras.layers.Conv2D(2, 1)(x)), "float32")


def tflite_seeds():
    from hrkeras.convert import metadata

    plain = tiny_tflite()
    tagged = metadata.write(plain, {"task": "pose", "input": {"size": [8, 8]}})
    not_json = tagged.replace(b'{"input"', b'\xff"input"', 1)
    assert not_json != tagged
    as_list = metadata.write(plain, {"a": [1, 2]}).replace(b'{"a": [1, 2]}', b"[1, 2, 3, 4 ]")  # same length
    seeds = {"tagged.tflite": tagged, "plain.tflite": plain, "not_json.tflite": not_json, "list_json.tflite": as_list}
    for fraction in (0.25, 0.5, 0.9):
        seeds[f"tagged_cut_{int(fraction * 100)}.tflite"] = tagged[:int(len(tagged) * fraction)]
    return seeds


def keypoints(points):
    values = [0] * 51
    for k, (x, y) in points.items():
        values[3 * k:3 * k + 3] = [x, y, 2]
    return values


def coco_seeds():
    images = [{"id": 0, "file_name": "0.png", "width": 48, "height": 64},
              {"id": 1, "file_name": "1.jpg", "width": 32, "height": 32}]
    annotations = [
        {"id": 1, "image_id": 0, "bbox": [10, 10, 20, 30], "keypoints": keypoints({0: (15, 12), 9: (20, 30)}),
         "num_keypoints": 2, "area": 600.0, "iscrowd": 0, "category_id": 1},
        {"id": 2, "image_id": 0, "bbox": [-10, 50, 40, 30.5], "keypoints": keypoints({5: (1, 60)}),
         "num_keypoints": 1, "area": 1200, "iscrowd": 0},
        {"id": 3, "image_id": 1, "bbox": [5, 5, 10, 10], "keypoints": keypoints({}), "iscrowd": 1},
    ]
    dets = [{"image_id": 0, "category_id": 1, "bbox": [1, 2, 10, 20], "score": 0.9},
            {"image_id": 1, "category_id": 1, "bbox": [3, 4, 5, 6], "score": 0.2},
            {"image_id": 7, "category_id": 2, "bbox": [0, 0, 1, 1], "score": 1}]
    return {"keypoints.json": json.dumps({"images": images, "annotations": annotations,
                                          "categories": [{"id": 1, "name": "person"}]}),
            "one_annotation.json": json.dumps({"images": images[:1], "annotations": annotations[:1]}),
            "detections.json": json.dumps(dets), "empty.json": json.dumps({"images": [], "annotations": []})}


def main():
    for name, seeds in (("tflite_metadata", tflite_seeds()), ("coco", coco_seeds())):
        folder = CORPUS / name
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, data in seeds.items():
            data = data.encode() if isinstance(data, str) else data
            assert len(data) < 64 * 1024, (file_name, len(data))
            (folder / file_name).write_bytes(data)
        print(f"{folder}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
