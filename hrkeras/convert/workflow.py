"""`hrkeras convert` as a library call: a pose, segmentation or classification model -> (QAT fine-tuning |
post-training quantization) -> a TFLite file with its metadata -> verification and an accuracy report.

    report = export_model(model, "pose_int8.tflite", mode="qat", config=get_config(...), qat_epochs=2)
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
    tenth of the rate, as the recipes end); `epochs` of them, whatever time budget or steps the recipe trains for."""
    return config.replace(name=f"{config.name}_qat", epochs=epochs, lr=config.lr * QAT_LR_FACTOR, warmup_steps=0,
                          milestones=(epochs - 1,) if epochs > 1 else (), val_interval=epochs,
                          time_budget_minutes=None, steps=None)


def quantization_aware_training(model, config, workdir, epochs=2, data_root=None, resume=False):
    """Fine-tune `quantize_model(model)` (channel ranges equalized on training views) with the trainer on
    `config`'s data -> the trained QAT model."""
    from hrkeras.convert.qat import quantize_model
    from hrkeras.training.trainer import train

    images = np.concatenate(list(calibration_images(config, EQUALIZE_SAMPLES, data_root)))
    result = train(qat_config(config, epochs), workdir, data_root, resume=resume,
                   model_fn=lambda: quantize_model(model, calibration=images))
    return keras.models.load_model(result["model"])


def calibration_images(config, count=200, data_root=None):
    """`count` normalized training views [1, H, W, 3] of `config`'s task (int8 calibration)."""
    from hrkeras.training.tasks import get_task

    return get_task(config).calibration_images(config, count, data_root)


def accuracy_of(model, config, data_root=None):
    """The task's reported numbers (pose: AP, PCK@0.2; segmentation: mIoU, aAcc; classification: top1,
    top5) on `config`'s validation split, of a Keras model or a TFLiteRunner."""
    from hrkeras.training.tasks import evaluate, get_task

    stats, _ = evaluate(model if isinstance(model, keras.Model) else model.predict, config, data_root)
    return {k: stats[k] for k in get_task(config).REPORTED if k in stats}


def model_info(model, quantization, config=None):
    """The "hrkeras" metadata of a Keras task model: its name (the registry variant, or "hrnas" for a searched
    network: never the recipe's model, which an --arch retrain shares with the hand-designed one), what it carries
    (classes, palette, preprocessing), the recipe's preprocessing where the model carries none and its codec for
    pose models, when `config` is given."""
    from hrkeras.training.tasks import get_task

    name = model.name
    task = getattr(model, "TASK", None) or "pose"
    size = model.input.shape[1:3]
    recipe = get_task(config).preprocessing(config) if config is not None and task != "pose" else None
    if task == "segmentation":
        from hrkeras.segmentation_inferencer import carried_settings

        setup = carried_settings(model, recipe=recipe)
        preprocessing = {"mean": setup.mean, "std": setup.std, "mode": setup.mode}
        return metadata.segmentation_info(name, size, quantization, model.output.shape[1:3], setup.classes,
                                          setup.palette, preprocessing)
    if task == "classification":
        from hrkeras.classification_inferencer import carried_settings

        setup = carried_settings(model, recipe=recipe)
        preprocessing = {"mean": setup.mean, "std": setup.std, "crop_fraction": setup.crop_fraction}
        return metadata.classification_info(name, size, quantization, setup.classes, preprocessing)
    if task != "pose":
        raise UsageError(f"{model.name} is a {task} model: hrkeras converts pose, segmentation and classification "
                         "models")
    codec = None
    if config is not None:
        from hrkeras.training.datasets import codec as recipe_codec

        codec = recipe_codec(config)
    return metadata.pose_info(name, size, quantization, codec)


def publish(out, data, verified, keep_unverified=False):
    """Write a converted model to `out` only if it `verified`; else to `out`.unverified when
    `keep_unverified`, or nowhere. Returns the path written, or None."""
    path = os.fspath(out) if verified else os.fspath(out) + UNVERIFIED
    if verified or keep_unverified:
        write_bytes(path, data)
        return path
    return None


def export_model(model, out, mode="float32", config=None, data_root=None, workdir=None, qat_epochs=2,
                 calibration_samples=200, check_gpu=True, accuracy=True, resume=False, keep_unverified=False):
    """Convert a Keras pose, segmentation or classification model to `out` (.tflite) with its metadata
    (model_info) and verify it; the file is written (atomically) only if it passes, or as `out`.unverified
    when it fails and `keep_unverified`.

    mode: float32 | float16 | dynamic | int8 (post-training, calibrated on `config`'s training views) |
    qat (fine-tuned `qat_epochs` epochs with the trainer in `workdir`, then converted to int8;
    `resume` continues the QAT run already in `workdir`).
    config: the training recipe (data, input size, pose codec); needed by int8, qat and the accuracy report.
    Returns the VerifyReport, with the float and converted models' accuracy (the task's REPORTED numbers)
    when `accuracy` and a config; its `path` is the file written, or None.
    """
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if config is None and (mode in ("int8", "qat") or accuracy):
        raise UsageError(f"mode {mode!r} and the accuracy report need the training recipe",
                         fix="pass config (--config NAME), e.g. litehrnet_18_synthetic_128x96")
    height, width = model.input.shape[1:3]
    task = getattr(model, "TASK", None) or "pose"
    if config is not None and config.task != task:
        raise UsageError(f"the model is a {task} model but config {config.name!r} is a {config.task} recipe",
                         fix=f"pass a {task} recipe (hrkeras.training.configs.list_configs('{task}'))")
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
    flatbuffer = metadata.write(flatbuffer, model_info(model, mode, config))
    sample = next(calibration_images(config, 1, data_root)) if config is not None else None
    report = verify(flatbuffer, keras_model=source, check_gpu=check_gpu, sample=sample)
    if accuracy and config is not None:
        from hrkeras.convert.tflite_runner import TFLiteRunner

        report.accuracy = {"keras float": accuracy_of(model, config, data_root),
                           f"tflite {mode}": accuracy_of(TFLiteRunner(flatbuffer), config, data_root)}
    report.path = publish(out, flatbuffer, report.ok, keep_unverified)
    return report
