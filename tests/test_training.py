"""Trainer: loss, schedule, checkpoints, SIGKILL + resume, tf.distribute (1 vs 2 replicas, multi-worker)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "fixtures", "tiny_training.py")


def run_tiny(workdir, data_root, *args, env=None, timeout=600):
    proc = subprocess.run([sys.executable, SCRIPT, str(workdir), str(data_root), *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.rsplit("RESULT ", 1)[1].splitlines()[0])


def history(workdir):
    with open(os.path.join(workdir, "history.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    root = tmp_path_factory.mktemp("synthetic")
    make_synthetic_dataset(root, {"train": 24, "val": 6}, seed=0)
    return root


def test_schedule_warmup_then_steps():
    from hrkeras.training.schedules import WarmupMultiStep

    s = WarmupMultiStep(1.0, steps_per_epoch=10, milestones=(2, 3), gamma=0.1, warmup_steps=4, warmup_ratio=0.2)
    got = [float(s(step)) for step in (0, 2, 4, 19, 20, 29, 30)]
    np.testing.assert_allclose(got, [0.2, 0.6, 1.0, 1.0, 0.1, 0.1, 0.01], rtol=1e-6)
    assert WarmupMultiStep(**s.get_config()).get_config() == s.get_config()


def test_schedule_warmup_then_cosine():
    from hrkeras.training.schedules import WarmupCosine

    s = WarmupCosine(1.0, total_steps=10, min_ratio=0.1, warmup_steps=2, warmup_ratio=0.5)
    got = [float(s(step)) for step in (0, 1, 5, 10, 20)]
    # step 1: warm-up 0.75 x (0.1 + 0.9 * (1 + cos(0.1 pi)) / 2); step 5: 0.1 + 0.9 / 2; from step 10: 0.1
    np.testing.assert_allclose(got, [0.5, 0.75 * 0.977975, 0.55, 0.1, 0.1], rtol=1e-5)
    assert WarmupCosine(**s.get_config()).get_config() == s.get_config()


def test_recipe_schedule_by_name():
    from hrkeras.training.configs import get_config
    from hrkeras.training.schedules import WarmupCosine, WarmupPoly, build_schedule

    config = get_config("litehrnet_18_synthetic_128x96").replace(lr_schedule="cosine", epochs=3,
                                                                time_budget_minutes=None)  # not the recipe's budget
    schedule = build_schedule(config, steps_per_epoch=10)
    assert isinstance(schedule, WarmupCosine) and schedule.total_steps == 30
    poly = build_schedule(config.replace(lr_schedule="poly", warmup_steps=0, lr=1.0), steps_per_epoch=10)
    assert isinstance(poly, WarmupPoly)
    np.testing.assert_allclose([float(poly(s)) for s in (0, 15, 30, 40)], [1.0, 0.5 ** 0.9, 0.0, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="unknown lr_schedule 'linear'; use 'step', 'cosine' or 'poly'"):
        build_schedule(config.replace(lr_schedule="linear"), steps_per_epoch=10)


def test_seed_flag_sets_the_runs_seed_and_keeps_the_dataset():
    """--seed N changes the run (weights, order, augmentation: config.seed), not the synthetic data."""
    from cli_check import train_config

    def config(*flags):
        return train_config("--config", "litehrnet_18_synthetic_128x96", *flags)

    default, seeded = config(), config("--seed", "3")
    assert (default.seed, seeded.seed) == (0, 3)
    assert seeded.replace(seed=0) == default  # the synthetic_seed and everything else stay
    with pytest.raises(SystemExit):
        config("--seed", "-1")


def test_keypoint_mse_weights_and_ohkm():
    from hrkeras.training.losses import KeypointMSE

    y_true = np.zeros((2, 2, 2, 3), "float32")
    y_pred = np.zeros((2, 2, 2, 3), "float32")
    y_pred[0, :, :, 0] = 1.0   # sample 0 joint 0: per-joint loss 1
    y_pred[0, 0, 0, 1] = 2.0   # sample 0 joint 1: 4 / 4 = 1
    y_pred[1, :, :, 2] = 3.0   # sample 1 joint 2: 9
    weights = np.array([[1, 0, 1], [1, 1, 1]], "float32")
    # mean over B*K of weight * loss = (1 + 0 + 0 + 0 + 0 + 9) / 6
    assert float(KeypointMSE()(y_true, y_pred, weights)) == pytest.approx(10 / 6)
    # hardest joint per sample: sample 0 -> 1 (joint 1 is weighted out), sample 1 -> 9
    assert float(KeypointMSE(topk=1)(y_true, y_pred, weights)) == pytest.approx(5.0)


def test_train_writes_checkpoints_and_resumes(tmp_path, data_root):
    import keras

    from hrkeras.training import checkpointing
    from hrkeras.training.trainer import train

    sys.path.insert(0, os.path.dirname(SCRIPT))
    from tiny_training import tiny_config

    workdir = tmp_path / "run"
    first = train(tiny_config(epochs=1), str(workdir), data_root=str(data_root), verbose=0)
    assert checkpointing.read_latest(str(workdir))["epoch"] == 1
    assert set(first["val"]) >= {"AP", "AP50", "AR"}
    with pytest.raises(FileExistsError, match="--resume"):
        train(tiny_config(epochs=2), str(workdir), data_root=str(data_root), verbose=0)
    with pytest.raises(ValueError, match="another configuration"):
        train(tiny_config(epochs=2, lr=0.1), str(workdir), data_root=str(data_root), resume=True, verbose=0)
    train(tiny_config(epochs=2), str(workdir), data_root=str(data_root), resume=True, verbose=0)
    assert [e["epoch"] for e in history(workdir)] == [1, 2]
    model = keras.models.load_model(workdir / "model.keras")
    fresh = subprocess.run([sys.executable, "-c", "import hrkeras, keras, sys; keras.models.load_model(sys.argv[1])",
                            str(workdir / "model.keras")], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr[-2000:]  # loads with `import hrkeras` alone
    assert model.output.shape[1:] == (16, 16, 17)
    assert int(model.optimizer.iterations.numpy()) == 2 * first["steps_per_epoch"]  # resumed optimizer kept counting
    import hrkeras  # the saved model carries the recipe's codec: it decodes as trained, with no recipe given

    setup = hrkeras.PoseInferencer(str(workdir / "model.keras")).setup
    assert (setup.codec.sigma, setup.codec.unbiased, setup.codec.blur_kernel_size) == (1.0, True, 3)


def kill_in_epoch_two_then_resume(workdir, data_root, *args):
    """Start a tiny run, SIGKILL it early in its second epoch, resume it; -> the resumed run's result."""
    proc = subprocess.Popen([sys.executable, SCRIPT, str(workdir), str(data_root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = workdir / "checkpoints" / "latest.json"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if latest.exists() and json.loads(latest.read_text())["epoch"] == 1:
            time.sleep(1.0)  # into epoch 2
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert json.loads(latest.read_text())["epoch"] in (1, 2)
    return run_tiny(workdir, data_root, *args, "--resume")


def assert_resumed_like_straight(straight_dir, resumed_dir, straight, resumed, metric):
    assert [e["epoch"] for e in history(resumed_dir)] == [1, 2, 3]
    np.testing.assert_allclose([e["loss"] for e in history(resumed_dir)],
                               [e["loss"] for e in history(straight_dir)], rtol=1e-5)
    assert resumed["val"][metric] == pytest.approx(straight["val"][metric], abs=1e-6)


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted_run(tmp_path, data_root):
    reference = run_tiny(tmp_path / "straight", data_root)
    resumed = kill_in_epoch_two_then_resume(tmp_path / "killed", data_root)
    assert_resumed_like_straight(tmp_path / "straight", tmp_path / "killed", reference, resumed, "AP")


@pytest.mark.slow
def test_two_replicas_train_like_one(tmp_path, data_root):
    common = ("--epochs", "1", "--batch-size", "8")
    one = run_tiny(tmp_path / "one", data_root, *common, "--strategy", "default")
    two = run_tiny(tmp_path / "two", data_root, *common, "--cpu-replicas", "2")
    assert two["replicas"] == 2 and one["replicas"] == 1
    losses_one = [e["loss"] for e in history(tmp_path / "one")]
    losses_two = [e["loss"] for e in history(tmp_path / "two")]
    # Same global batch and data; BatchNorm statistics are per replica (as in the reference
    # trainers), so the losses agree closely but not bitwise.
    np.testing.assert_allclose(losses_two, losses_one, rtol=0.02)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_multi_worker_two_local_processes(tmp_path, data_root):
    cluster = {"worker": [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]}
    procs = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        procs.append(subprocess.Popen(
            [sys.executable, SCRIPT, str(tmp_path / f"worker{index}"), str(data_root), "--epochs", "1",
             "--strategy", "multiworker"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env))
    outputs = [p.communicate(timeout=900)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    chief = json.loads(outputs[0].rsplit("RESULT ", 1)[1].splitlines()[0])
    assert chief["replicas"] == 2
    assert (tmp_path / "worker0" / "checkpoints" / "latest.json").exists()
    assert not (tmp_path / "worker1" / "checkpoints").exists()
