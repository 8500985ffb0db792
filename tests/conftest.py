import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end test over many full-size models (run once in CI)")


def pytest_terminal_summary(terminalreporter):
    """What each fuzz target ran (tests/test_fuzz.py records it; also under pytest-xdist)."""
    lines = [value for report in terminalreporter.stats.get("passed", []) if report.when == "call"
             for name, value in report.user_properties if name == "fuzz"]
    if lines:
        terminalreporter.section("fuzzing")
        for line in sorted(lines):
            terminalreporter.line(line)


@functools.lru_cache(maxsize=None)
def _cached_model(name, task, input_shape):
    import hrkeras

    return hrkeras.create_model(name, task=task, input_shape=input_shape)


@pytest.fixture
def model_cache():
    """Build each (name, task, input_shape) once per worker; tests must not mutate the models."""
    return _cached_model


@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory):
    """A tiny Lite-HRNet pose model (64x64 input) saved as .keras."""
    import hrkeras

    from tiny_training import TINY_MODEL

    model = hrkeras.create_model("litehrnet_18", input_shape=(64, 64, 3), **TINY_MODEL)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def tiny_tasks(tmp_path_factory):
    """A tiny segmentation and a tiny classification model saved as .keras, their datasets and recipes:
    {"roots", "files", "configs"}: {task: root}, {task: path}, {name: recipe} (tests/fixtures/task_models.py)."""
    import task_models

    from hrkeras.training import recipes

    configs = task_models.configs()
    roots = task_models.make_roots(tmp_path_factory)
    files = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipes, "CONFIGS", {**recipes.CONFIGS, **configs})
        for task, name in (("segmentation", task_models.SEG_CONFIG), ("classification", task_models.CLS_CONFIG)):
            files[task] = tmp_path_factory.mktemp(task) / f"{task}.keras"
            task_models.make_model(task, configs[name], roots[task]).save(files[task])
    return {"roots": roots, "files": files, "configs": configs}
