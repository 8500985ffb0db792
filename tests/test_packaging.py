"""The wheel: every package in it, importable from a fresh virtual environment (no -e), and an import
without TensorFlow that names the extras to install."""
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _dependencies(folder, skip):
    """A folder of links to this environment's installed packages, less hrkeras itself and `skip`."""
    folder.mkdir()
    site = pathlib.Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.lower().startswith(("hrkeras", "__editable__", *skip)) and entry.suffix != ".pth":
            (folder / entry.name).symlink_to(entry)
    return folder


def _fresh_python(tmp_path, wheel, dependencies):
    """A new venv holding only the wheel, with `dependencies` on its path (their .pth files unread)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", purelib,
                    str(wheel)], check=True)
    (pathlib.Path(purelib) / "deps.pth").write_text(f"{dependencies}\n")
    return python, pathlib.Path(purelib)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    for name in ("hrkeras", "setup.py", "README.md"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(source)], check=True, cwd=source)
    return next(out.glob("hrkeras-*.whl"))


def test_the_wheel_holds_every_package(wheel, tmp_path):
    import zipfile

    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "hrkeras").rglob("*.py")}
    names = zipfile.ZipFile(wheel).namelist()
    assert {p for p in packages if f"{p}/__init__.py" not in names} == set()


def test_the_wheel_builds_a_model_in_a_fresh_environment(wheel, tmp_path):
    python, purelib = _fresh_python(tmp_path, wheel, _dependencies(tmp_path / "deps", skip=()))
    code = ("import hrkeras; m = hrkeras.LiteHRNet18(input_shape=(64, 64, 3)); "
            "print(hrkeras.__file__, m.output.shape)")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-3000:]
    where, shape = done.stdout.split(" ", 1)
    assert where.startswith(str(purelib)) and "(None, 16, 16, 17)" in shape


def test_an_import_without_tensorflow_names_the_extras(wheel, tmp_path):
    python, _ = _fresh_python(tmp_path, wheel, _dependencies(tmp_path / "deps", skip=("tensorflow",)))
    done = subprocess.run([str(python), "-c", "import hrkeras"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert ("ImportError: hrkeras needs Keras 3 with a backend, and tensorflow is not installed: pick the "
            "TensorFlow build with an extra, pip install 'hrkeras[cpu]' (CPU) or 'hrkeras[gpu]'") in done.stderr


NOTEBOOK = """
import sys, warnings
import numpy as np
from skimage import data
import hrkeras
from hrkeras.convert.untrained import calibrate_batch_norm
from hrkeras.convert.workflow import export_model

warnings.simplefilter("ignore")  # an untrained model carries no codec: the default is assumed, and said
model = calibrate_batch_norm(hrkeras.LiteHRNet18(input_shape=(128, 96, 3)))
people = hrkeras.PoseInferencer(model)(data.astronaut())
assert export_model(model, "lite18.tflite", check_gpu=False, accuracy=False).ok
tflite_people = hrkeras.PoseInferencer("lite18.tflite")(data.astronaut())
hrkeras.PoseInferencer("lite18.tflite").draw(data.astronaut(), tflite_people).save("skeleton.png")
print(len(people[0].names), people[0].names[0], np.abs(people[0].keypoints - tflite_people[0].keypoints).max())
"""


@pytest.mark.slow
def test_photo_to_skeleton_from_the_wheel_with_keras_and_tflite(wheel, tmp_path):
    python, _ = _fresh_python(tmp_path, wheel, _dependencies(tmp_path / "deps", skip=()))
    done = subprocess.run([str(python), "-c", NOTEBOOK], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    count, first, gap = done.stdout.split()[-3:]
    assert (count, first) == ("17", "nose") and float(gap) <= 0.5
    assert (tmp_path / "skeleton.png").stat().st_size > 0
