"""The models are backend-agnostic: the same weights give the same outputs on the PyTorch and JAX backends."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import hrkeras

SCRIPT = textwrap.dedent("""
    import os, sys, numpy as np, keras, hrkeras
    assert keras.backend.backend() == os.environ["KERAS_BACKEND"]
    model = hrkeras.create_model(sys.argv[1], task=sys.argv[2], input_shape=(64, 64, 3))
    model.load_weights(sys.argv[3])
    x = np.load(sys.argv[4])
    np.save(sys.argv[5], keras.ops.convert_to_numpy(model(x, training=False)))
""")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_backend_matches_tensorflow(tmp_path, backend):
    rng = np.random.default_rng(0)
    for name, task in [("litehrnet_18", "pose"), ("hrnet_w18_small", "segmentation")]:
        model = hrkeras.create_model(name, task=task, input_shape=(64, 64, 3))
        for w in model.weights:
            low = 0.5 if "variance" in w.path else -0.2
            w.assign(rng.uniform(low, low + 1.0 if low > 0 else 0.4, w.shape).astype("float32"))
        weights, x, out = tmp_path / f"{name}.weights.h5", tmp_path / "x.npy", tmp_path / f"{name}.npy"
        model.save_weights(weights)
        np.save(x, rng.standard_normal((2, 64, 64, 3)).astype("float32"))
        env = {**os.environ, "KERAS_BACKEND": backend}
        subprocess.run([sys.executable, "-c", SCRIPT, name, task, str(weights), str(x), str(out)],
                       env=env, check=True, timeout=600)
        expected = np.asarray(model(np.load(x), training=False))
        np.testing.assert_allclose(np.load(out), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
