"""`hrkeras convert` as a library call: a pose model -> (QAT fine-tuning | post-training quantization)
-> a TFLite file with its metadata -> verification and an accuracy report.

    report = export_pose_model(model, "pose_int8.tflite", mode="qat", config=get_config(...), qat_epochs=2)
    print(report)
"""
import os
import tempfile

import keras
import numpy as np

from hrkeras.convert import export, metadata
from hrkeras.convert.verify import verify
from hrkeras.errors import UsageError
from hrkeras.utils.atomic import write_bytes

MODES = export.MODES
QAT_LR_FACTOR = 0.05  # QAT starts from trained weights: a small constant fraction of the recipe's rate
UNVERIFIED = ".unverified"  # suffix of a converted model kept although it failed verification
EQUALIZE_SAMPLES = 64  # training crops measuring the channel ranges that equalize_ranges evens out


def qat_config(config, epochs):
    """The recipe's fine-tuning variant for quantization-aware training (the last of several epochs at a
    tenth of the rate, as the recipes end)."""
    return config.replace(name=f"{config.name}_qat", epochs=epochs, lr=config.lr * QAT_LR_FACTOR, warmup_steps=0,
                          milestones=(epochs - 1,) if epochs > 1 else (), val_interval=epochs)


def quantization_aware_training(model, config, workdir, epochs=2, data_root=None, resume=False):
    """Fine-tune `quantize_model(model)` (channel ranges equalized on training crops) with the pose trainer
    on `config`'s data -> the trained QAT model."""
    from hrkeras.convert.qat import quantize_model
    from hrkeras.training.trainer import train

    images = np.concatenate(list(calibration_images(config, EQUALIZE_SAMPLES, data_root)))
    result = train(qat_config(config, epochs), workdir, data_root, resume=resume,
                   model_fn=lambda: quantize_model(model, calibration=images))
    return keras.models.load_model(result["model"])


def calibration_images(config, count=200, data_root=None):
    """`count` unaugmented crops [1, H, W, 3] spread over `config`'s training split (int8 calibration)."""
    from hrkeras.training import datasets
    from hrkeras.training.data.coco import load_instances

    split = datasets.splits(config, data_root)["train"]
    instances = load_instances(split.ann_file, split.image_dir)
    chosen = [instances[i] for i in np.linspace(0, len(instances) - 1, min(count, len(instances))).astype(int)]
    for images, _ in datasets.val_pipeline(config, chosen).eval_dataset(1):
        yield images.numpy()


def pose_accuracy(model, config, data_root=None):
    """{"AP", "PCK@0.2"} on `config`'s validation split of a Keras model or a TFLiteRunner."""
    from hrkeras.training.inference import evaluate_pose

    stats, _ = evaluate_pose(model if isinstance(model, keras.Model) else model.predict, config, data_root)
    return {k: stats[k] for k in ("AP", "PCK@0.2") if k in stats}


def publish(out, data, verified, keep_unverified=False):
    """Write a converted model to `out` only if it `verified`; else to `out`.unverified when
    `keep_unverified`, or nowhere. Returns the path written, or None."""
    path = os.fspath(out) if verified else os.fspath(out) + UNVERIFIED
    if verified or keep_unverified:
        write_bytes(path, data)
        return path
    return None


def export_pose_model(model, out, mode="float32", config=None, data_root=None, workdir=None, qat_epochs=2,
                      calibration_samples=200, check_gpu=True, accuracy=True, resume=False, keep_unverified=False):
    """Convert a Keras pose model to `out` (.tflite) and verify it; the file is written (atomically) only
    if it passes, or as `out`.unverified when it fails and `keep_unverified`.

    mode: float32 | float16 | dynamic | int8 (post-training, calibrated on `config`'s training crops) |
    qat (fine-tuned `qat_epochs` epochs with the trainer in `workdir`, then converted to int8;
    `resume` continues the QAT run already in `workdir`).
    config: the training recipe (data, input size, codec); needed by int8, qat and the accuracy report.
    Returns the VerifyReport, with the float and converted models' accuracy when `accuracy` and a config;
    its `path` is the file written, or None.
    """
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if config is None and (mode in ("int8", "qat") or accuracy):
        raise UsageError(f"mode {mode!r} and the accuracy report need the training recipe",
                         fix="pass config (--config NAME), e.g. litehrnet_18_synthetic_128x96")
    height, width = model.input.shape[1:3]
    if config is not None and tuple(config.input_size) != (height, width):
        raise UsageError(f"the model takes {height}x{width} images but config {config.name!r} crops "
                         f"{config.input_size[0]}x{config.input_size[1]}", fix="pass a matching config or model")
    source, representative = model, None
    if mode == "qat":
        workdir = workdir or tempfile.mkdtemp(prefix="hrkeras_qat_")
        source = quantization_aware_training(model, config, workdir, qat_epochs, data_root, resume)
    elif mode == "int8":
        from hrkeras.convert.equalize import equalize_ranges
        from hrkeras.convert.fold import fold_batch_norm

        images = np.concatenate(list(calibration_images(config, EQUALIZE_SAMPLES, data_root)))
        source = equalize_ranges(fold_batch_norm(model), images)
        representative = calibration_images(config, calibration_samples, data_root)
    progress = None
    if representative is not None:
        print("int8 calibration")
        progress = keras.utils.Progbar(calibration_samples, unit_name="crop").update
    flatbuffer = export.convert(source, mode, representative=representative, progress=progress)
    codec = None
    if config is not None:
        from hrkeras.training.datasets import codec as recipe_codec

        codec = recipe_codec(config)
    info = metadata.pose_info(getattr(config, "model", model.name), (height, width), mode, codec)
    flatbuffer = metadata.write(flatbuffer, info)
    sample = next(calibration_images(config, 1, data_root)) if config is not None else None
    report = verify(flatbuffer, keras_model=source, check_gpu=check_gpu, sample=sample)
    if accuracy and config is not None:
        from hrkeras.convert.tflite_runner import TFLiteRunner

        report.accuracy = {"keras float": pose_accuracy(model, config, data_root),
                           f"tflite {mode}": pose_accuracy(TFLiteRunner(flatbuffer), config, data_root)}
    report.path = publish(out, flatbuffer, report.ok, keep_unverified)
    return report
