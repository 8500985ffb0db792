"""Time-budgeted training: the plan, the schedule laid over it, the re-plan with each epoch's own cost, and a
resumed run that keeps its plan after SIGKILL."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from test_training import SCRIPT, history, run_tiny


def test_plan_and_schedule_over_the_budget():
    from hrkeras.training.budget import budget_plan, epoch_steps
    from hrkeras.training.configs import get_config
    from hrkeras.training.schedules import build_schedule

    config = get_config("litehrnet_18_synthetic_128x96").replace(time_budget_minutes=10, warmup_steps=0, lr=1.0)
    plan = budget_plan(config, steps_per_epoch=100, steps_per_second=2.5, seconds_left=300)
    assert (plan["total_steps"], plan["epochs"]) == (750, 8)
    assert [epoch_steps(plan, e) for e in (0, 6, 7)] == [100, 100, 50]
    schedule = build_schedule(config, 100)  # 700 steps, milestone at 600 ...
    schedule.stretch.assign(700 / plan["total_steps"])  # ... laid over 750: at 643
    assert [float(schedule(s)) for s in (0, 642, 643, 749)] == pytest.approx([1.0, 1.0, 0.1, 0.1])
    from hrkeras.training.schedules import Stretched

    assert Stretched.from_config(schedule.get_config()).get_config() == schedule.get_config()
    assert budget_plan(config, 100, 0.001, 60)["total_steps"] == 1  # never an empty run


def test_the_main_recipe_is_budgeted_and_an_epoch_count_overrides_it():
    """The README's main command trains for its recipe's budget; --epochs N asks for N epochs instead (with
    --time-budget too, the schedule of N epochs is laid over that budget); QAT fine-tunes its epochs."""
    from cli_check import train_config

    from hrkeras.convert.workflow import qat_config
    from hrkeras.training.configs import get_config

    def config(*flags):
        return train_config("--config", "litehrnet_18_synthetic_128x96", *flags)

    assert config().time_budget_minutes == 15
    assert (config("--epochs", "2").epochs, config("--epochs", "2").time_budget_minutes) == (2, None)
    both = config("--epochs", "2", "--time-budget", "5")
    assert (both.epochs, both.time_budget_minutes) == (2, 5)
    assert qat_config(get_config("litehrnet_18_synthetic_128x96"), 2).time_budget_minutes is None


def test_replan_pays_each_epochs_own_cost():
    from hrkeras.training.budget import replan

    plan = {"total_steps": 750, "steps_per_epoch": 100, "epochs": 8, "steps_per_second": 2.5}
    # 260 s left, epochs of 40 s of steps + 10 s of checkpoint and set-up: 5 full epochs (250 s), and the 10 s
    # left pay only a 7th epoch's own cost
    again = replan(plan, 1, 260.0, 10.0)
    assert (again["total_steps"], again["epochs"], again["epoch_overhead_seconds"]) == (600, 6, 10.0)
    # 275 s: 5 epochs, then (25 s - 10 s) x 2.5 = 37 steps
    assert replan(plan, 1, 275.0, 10.0)["total_steps"] == 100 + 537
    assert replan(plan, 2, 0.0, 10.0)["total_steps"] == 201  # out of time: one more step, evaluated
    assert replan(plan, 1, 300.0, -1.0)["total_steps"] == 100 + 750  # a faster epoch than measured: no credit
    slower = replan(plan, 1, 260.0, 10.0, steps_per_second=2.0)  # the first epoch's steady pace: 50 s an epoch
    # 4 epochs of 60 s, then 20 s: 10 s of an epoch's own cost and 20 steps
    assert (slower["total_steps"], slower["steps_per_second"]) == (100 + 400 + 20, 2.0)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    root = tmp_path_factory.mktemp("synthetic")
    make_synthetic_dataset(root, {"train": 160, "val": 6}, seed=0)  # epochs of ~90 steps: little per-epoch cost
    return root


@pytest.mark.slow
def test_a_budget_is_planned_and_survives_sigkill(tmp_path, data_root):
    budget = 2.0  # minutes: the tiny model's set-up and graph tracing (15-60 s on a 2-core machine, by its load;
    # the budget includes them), then a few hundred steps
    workdir = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, SCRIPT, str(workdir), str(data_root), "--time-budget", str(budget),
                             "--epochs", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = workdir / "checkpoints" / "latest.json"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:  # killed once the first epoch has re-planned the run
        if latest.exists() and "epoch_overhead_seconds" in json.loads(latest.read_text())["plan"]:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_plan = json.loads(latest.read_text())["plan"]
    # the plan: the steps that fit in what is left of the budget at the rate of the first steps, re-planned after
    # the first epoch with its measured cost (checkpoint, fit set-up). The wall clock is not checked: on a loaded
    # machine the steps after the measurement may run slower than it
    assert killed_plan["budget_minutes"] == budget and killed_plan["epoch_overhead_seconds"] > 0
    assert 10 < killed_plan["total_steps"] < killed_plan["steps_per_second"] * budget * 60
    resumed = run_tiny(workdir, data_root, "--time-budget", str(budget), "--epochs", "3", "--resume")
    assert resumed["plan"] == killed_plan  # measured once, before the kill
    epochs = [e["epoch"] for e in history(workdir)]
    assert epochs == list(range(1, killed_plan["epochs"] + 1))
    import keras

    model = keras.models.load_model(workdir / "model.keras")
    assert int(model.optimizer.iterations.numpy()) == killed_plan["total_steps"]
    assert np.isfinite([e["loss"] for e in history(workdir)]).all()
