import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools  # noqa: E402

import pytest  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end test over many full-size models (run once in CI)")


@functools.lru_cache(maxsize=None)
def _cached_model(name, task, input_shape):
    import hrkeras

    return hrkeras.create_model(name, task=task, input_shape=input_shape)


@pytest.fixture
def model_cache():
    """Build each (name, task, input_shape) once per worker; tests must not mutate the models."""
    return _cached_model
