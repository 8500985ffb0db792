"""Segmentation pieces: mIoU, the loss, PyTorch's SGD, the datasets and the pipeline, slide inference."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import task_data  # noqa: E402


def test_iou_stats_hand_computed():
    from hrkeras.training.segmentation_eval import confusion_matrix, iou_stats

    labels = np.array([[0, 0, 1, 1], [2, 2, 255, 1]])
    preds = np.array([[0, 1, 1, 1], [2, 0, 0, 3]])  # class 3 is predicted once, never labelled
    confusion = confusion_matrix(labels, preds, 5)
    assert confusion.sum() == 7  # the ignored pixel does not count
    stats = iou_stats(confusion, ["a", "b", "c", "d", "e"])
    # a: tp 1, fp 1, fn 1 -> 1/3; b: tp 2, fp 1, fn 1 -> 2/4; c: tp 1, fn 1 -> 1/2; d: fp 1 -> 0; e absent
    assert stats["IoU.a"] == pytest.approx(1 / 3) and stats["IoU.b"] == pytest.approx(0.5)
    assert stats["IoU.c"] == pytest.approx(0.5) and stats["IoU.d"] == 0.0 and "IoU.e" not in stats
    assert stats["mIoU"] == pytest.approx((1 / 3 + 0.5 + 0.5 + 0.0) / 4)
    assert stats["aAcc"] == pytest.approx(4 / 7)
    assert stats["mAcc"] == pytest.approx((0.5 + 2 / 3 + 0.5) / 3)  # d has no labelled pixel
    with pytest.raises(ValueError, match="label value 7 is not a class of 5"):
        confusion_matrix(np.array([7]), np.array([0]), 5)


def _ce(logits, labels):
    logits = logits - logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, labels[..., None], -1)[..., 0]


def test_cross_entropy_ignore_weights_and_ohem():
    from hrkeras.training.segmentation_loss import SegmentationCrossEntropy

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 4, 3)).astype("float32") * 3
    labels = rng.integers(0, 3, (2, 4, 4)).astype("int32")  # label size = logit size: no resize effect
    labels[0, 0, :2] = 255
    valid = labels != 255
    ce = _ce(logits, np.where(valid, labels, 0))
    plain = float(SegmentationCrossEntropy(3)(labels, logits))
    assert plain == pytest.approx(ce[valid].mean(), rel=1e-5)
    weights = np.array([0.5, 1.0, 2.0])
    weighted = float(SegmentationCrossEntropy(3, class_weights=weights)(labels, logits))
    w = weights[np.where(valid, labels, 0)]
    assert weighted == pytest.approx((w * ce)[valid].sum() / w[valid].sum(), rel=1e-5)
    # OHEM: keep the pixels whose true-class probability is below max(thresh, the 5th smallest)
    prob = np.exp(-ce[valid])
    threshold = max(np.sort(prob)[5], 0.3)
    kept = prob < threshold
    ohem = float(SegmentationCrossEntropy(3, ohem=True, ohem_thresh=0.3, ohem_keep=5)(labels, logits))
    assert ohem == pytest.approx(ce[valid][kept].mean(), rel=1e-5)


def test_loss_resizes_logits_to_the_label():
    from hrkeras.training.segmentation_loss import SegmentationCrossEntropy

    logits = np.zeros((1, 2, 2, 2), "float32")
    logits[..., 1] = 10.0  # class 1 everywhere, at a quarter of the label size
    labels = np.ones((1, 8, 8), "int32")
    assert float(SegmentationCrossEntropy(2)(labels, logits)) < 1e-3


def test_torch_sgd_matches_the_pytorch_update_rule():
    import keras

    from hrkeras.training.optimizers import TorchSGD
    from hrkeras.training.schedules import WarmupPoly

    rates = WarmupPoly(0.1, total_steps=6, power=0.9)
    for nesterov in (False, True):
        w = keras.Variable(np.array([1.0, -2.0], "float32"))
        opt = TorchSGD(rates, momentum=0.9, nesterov=nesterov, weight_decay_l2=0.01)
        expected, buffer = np.array([1.0, -2.0]), None
        for step in range(4):
            grad = np.array([0.5, 0.25]) * (step + 1)
            opt.apply_gradients([(keras.ops.convert_to_tensor(grad.astype("float32")), w)])
            g = grad + 0.01 * expected  # torch.optim.SGD, written out
            buffer = g if buffer is None else 0.9 * buffer + g
            expected = expected - float(rates(step)) * (g + 0.9 * buffer if nesterov else buffer)
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-5)


def test_cityscapes_label_ids_map_to_train_ids(tmp_path):
    import tensorflow as tf

    from hrkeras.training.data.segmentation_pipeline import read_pair
    from hrkeras.training.data.segmentation_sets import load_cityscapes

    task_data.make_cityscapes(tmp_path, counts=(("val", 2),))
    data = load_cityscapes(str(tmp_path), "val")
    assert len(data) == 2 and data.classes[13] == "car" and data.labels[0].endswith("_gtFine_labelIds.png")
    _, train_ids = read_pair(tf.constant(data.images[0]), tf.constant(data.labels[0]), data.lut)
    from PIL import Image

    ids = np.asarray(Image.open(data.labels[0]))
    expected = {task_data.ROAD: 0, task_data.SKY: 10, task_data.CAR: 13, task_data.PERSON: 11,
                task_data.EGO: 255, task_data.OUT_OF_ROI: 255}
    for label_id, train_id in expected.items():
        assert (train_ids.numpy()[ids == label_id] == train_id).all()


def test_dataset_layout_errors_name_the_file(tmp_path):
    from hrkeras.errors import MissingFileError
    from hrkeras.training.data.segmentation_sets import load_cityscapes, load_folder

    task_data.make_cityscapes(tmp_path, counts=(("val", 2),))
    label = next((tmp_path / "gtFine" / "val" / "aachen").iterdir())
    label.unlink()
    with pytest.raises(MissingFileError, match="no gtFine label ids") as err:
        load_cityscapes(str(tmp_path), "val")
    assert str(label) in str(err.value)
    with pytest.raises(MissingFileError, match="no 'val' image folder"):
        load_folder(str(tmp_path), "val")
    (tmp_path / "images" / "val").mkdir(parents=True)
    (tmp_path / "annotations" / "val").mkdir(parents=True)
    (tmp_path / "images" / "val" / "a.jpg").write_bytes(b"")
    with pytest.raises(MissingFileError, match="no label map for a.jpg"):
        load_folder(str(tmp_path), "val")


def test_pipeline_warps_image_and_label_together(tmp_path):
    """Every crop pixel's label is the class of its colour: scale, crop, pad and flip moved both alike."""
    from hrkeras.training.data.segmentation_pipeline import SegmentationPipeline
    from hrkeras.training.data.segmentation_sets import load_cityscapes

    task_data.make_cityscapes(tmp_path, counts=(("train", 4),))
    pipeline = SegmentationPipeline(load_cityscapes(str(tmp_path), "train"), (48, 80), scale_range=(0.5, 1.5),
                                    mean=(0, 0, 0), std=(1, 1, 1), seed=3)
    colour_of = {0: task_data.COLOURS[task_data.ROAD], 10: task_data.COLOURS[task_data.SKY],
                 13: task_data.COLOURS[task_data.CAR], 11: task_data.COLOURS[task_data.PERSON]}
    for epoch in (0, 1):
        for images, labels in pipeline.train_dataset(4, epoch):
            images, labels = images.numpy(), labels.numpy()
            assert images.shape == (4, 48, 80, 3) and labels.shape == (4, 48, 80)
            assert (labels == 255).any() and set(np.unique(labels)) <= {0, 10, 11, 13, 255}
            # away from class borders (bilinear blends them), a pixel's colour is its class's (+-25 noise)
            for train_id, colour in colour_of.items():
                inside = labels == train_id
                for _ in range(2):
                    inside[:, 1:-1] &= inside[:, 2:] & inside[:, :-2]
                    inside[:, :, 1:-1] &= inside[:, :, 2:] & inside[:, :, :-2]
                inside[:, [0, 1, -2, -1]] = inside[:, :, [0, 1, -2, -1]] = False  # the next pixel may be cut off
                assert np.abs(images[inside] - colour).max(initial=0) <= 26
    first = [b[1].numpy() for b in pipeline.train_dataset(4, 0)]
    again = [b[1].numpy() for b in pipeline.train_dataset(4, 0)]
    np.testing.assert_array_equal(first, again)  # deterministic in (seed, epoch)


def test_cat_max_ratio_redraws_crops_that_one_class_fills(tmp_path):
    """mmseg's RandomCrop rule: with cat_max_ratio 0.75 a crop is drawn again while one class covers over 75% of
    it, so crops of a mostly-background image show the small object far more often than plain random crops."""
    from PIL import Image

    from hrkeras.training.data.segmentation_pipeline import SegmentationPipeline
    from hrkeras.training.data.segmentation_sets import SegmentationSet

    label = np.zeros((160, 160), np.uint8)
    label[100:140, 20:60] = 1   # a 40 x 40 object in a corner
    label[:8] = 255             # an ignored band does not count for either class
    Image.fromarray(np.zeros((160, 160, 3), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(label).save(tmp_path / "a_label.png")
    dataset = SegmentationSet([str(tmp_path / "a.png")] * 64, [str(tmp_path / "a_label.png")] * 64, ("bg", "obj"))

    def mixed_share(ratio):
        pipeline = SegmentationPipeline(dataset, (64, 64), scale_range=(1.0, 1.0), flip=False, seed=1,
                                        cat_max_ratio=ratio)
        crops = np.concatenate([labels.numpy() for _, labels in pipeline.train_dataset(16, 0)])
        valid = (crops != 255).sum((1, 2))
        return np.mean([(c == 0).sum() < 0.75 * v for c, v in zip(crops, valid)])

    plain, redrawn = mixed_share(1.0), mixed_share(0.75)
    assert plain < 0.3 and redrawn > 0.7, (plain, redrawn)
    with pytest.raises(ValueError, match="cat_max_ratio must be in"):
        SegmentationPipeline(dataset, (64, 64), cat_max_ratio=0.0)


@pytest.mark.parametrize("mode", ["whole", "slide"])
def test_predictor_gives_full_resolution_logits(mode):
    """A model that labels each pixel by its red channel (at a quarter resolution) segments a larger image
    right at the image's own resolution."""
    from hrkeras.training.segmentation_eval import SegmentationPredictor

    def model(batch):  # [N, 32, 32, 3] normalized -> [N, 8, 8, 2]
        red = batch[..., :1].reshape(len(batch), 8, 4, 8, 4, 1).mean((2, 4))
        return np.concatenate([-red, red], -1) * 10

    image = np.zeros((60, 90, 3), np.uint8)
    image[:, 40:] = 255
    predictor = SegmentationPredictor(model, (32, 32), mode, flip=True)
    logits = predictor.logits(image)
    assert logits.shape == (60, 90, 2)
    predicted = logits.argmax(-1)
    border = 6 if mode == "slide" else 12  # whole mode sees the image shrunk ~3x
    assert (predicted[:, : 40 - border] == 0).all() and (predicted[:, 40 + border:] == 1).all()


def test_a_narrower_head_is_built_counted_and_saved(tmp_path):
    """Segmenter(channels=C): the head's 1x1 conv has C filters (mmseg's FCNHead `channels`), fewer parameters
    than the reference head over the concatenated branches, and the width survives a .keras round trip."""
    import keras

    import hrkeras

    kwargs = dict(task="segmentation", input_shape=(64, 64, 3), num_classes=5, stage_modules=[1, 1, 1],
                  stage_blocks=[1, 1, 1], widths=[8, 16, 32, 64])
    reference = hrkeras.create_model("litehrnet_18", **kwargs)
    narrow = hrkeras.create_model("litehrnet_18", head_kwargs={"channels": 16}, **kwargs)
    assert reference.get_layer("last_layer_0").filters == 8 + 16 + 32 + 64
    assert narrow.get_layer("last_layer_0").filters == 16
    # 1x1 conv with bias + BN (4 per channel) + classifier, reference 120 vs 16 channels
    assert reference.count_params() - narrow.count_params() == (121 * 120 + 4 * 120 + 121 * 5) - (
        121 * 16 + 4 * 16 + 17 * 5)
    narrow.save(tmp_path / "narrow.keras")
    loaded = keras.models.load_model(tmp_path / "narrow.keras")
    assert loaded.get_config()["channels"] == 16
    x = np.random.default_rng(0).normal(size=(1, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(loaded(x), narrow(x), atol=1e-6)
