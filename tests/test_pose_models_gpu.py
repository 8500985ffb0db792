"""The three pose models in float32, float16 and QAT int8, run GPU-only on LiteRT's accelerator.

At the synthetic recipe's 128x96 (the size the README converts): the same ops as at 256x192 in less
time, which keeps the test suite within its 20 minutes.
"""
import numpy as np
import pytest

import hrkeras
from hrkeras.convert.export import convert
from hrkeras.convert.qat import quantize_model
from hrkeras.convert.untrained import calibrate_batch_norm
from hrkeras.convert.verify import FLOAT_GPU_TOLERANCE, KERAS_TOLERANCE, verify

SHAPE = (128, 96, 3)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["litehrnet_18", "litehrnet_30", "hrnet_w32"])
def test_pose_model_runs_fully_accelerated(name):
    model = hrkeras.create_model(name, input_shape=SHAPE)
    calibrate_batch_norm(model)  # trained-like activations (random-init ones reach ~1e3)
    images = np.random.default_rng(1).standard_normal((4, *SHAPE)).astype("float32")
    sample = images[:1]

    float32 = verify(convert(model, "float32"), keras_model=model, sample=sample)
    assert float32.ok and float32.gpu_accelerated, str(float32)
    assert float32.keras_error <= KERAS_TOLERANCE and float32.gpu_vs_cpu <= FLOAT_GPU_TOLERANCE

    float16 = verify(convert(model, "float16"), sample=sample)
    assert float16.ok and float16.gpu_accelerated and float16.constant_dtypes["float16"], str(float16)

    qat = quantize_model(model, calibration=images)
    for k in range(2):  # the first training steps set the activation ranges
        qat(images[2 * k:2 * k + 2], training=True)
    int8 = verify(convert(qat, "qat"), sample=sample)
    # GPU vs CPU of an untrained int8 net on noise is not judged: 3.8e-2 of the range on average for
    # Lite-HRNet-18 at 256x192, 3.5e-3 for the QAT-trained synthetic model on a real crop (README).
    assert not int8.static_problems and int8.gpu_accelerated and int8.constant_dtypes["int8"], str(int8)
    assert not int8.constant_dtypes["float32"]  # every weight int8 (biases int32)
