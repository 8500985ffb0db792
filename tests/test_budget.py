"""Time-budgeted training: the plan, the schedule laid over it, the re-plan after each epoch with its own cost
(the pace moves, the schedule's position does not), the recipe's evaluations laid over the plan, a run
that ends on time after SIGKILL and resume, and a step count (--steps) planned as a budget of as many steps."""
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
    from hrkeras.training.budget import budget_plan, epoch_steps, stretch
    from hrkeras.training.configs import get_config
    from hrkeras.training.schedules import build_schedule

    config = get_config("litehrnet_18_synthetic_128x96").replace(time_budget_minutes=10, warmup_steps=0, lr=1.0)
    plan = budget_plan(config, steps_per_epoch=100, steps_per_second=2.5, seconds_left=300)
    assert (plan["total_steps"], plan["epochs"]) == (750, 8)
    assert [epoch_steps(plan, e) for e in (0, 6, 7)] == [100, 100, 50]
    schedule = build_schedule(config, 100)  # 700 steps, milestone at 600 ...
    schedule.lay_over(stretch(plan), plan["anchor_step"], plan["anchor_position"])  # ... laid over 750: at 643
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

    assert config().time_budget_minutes == 17
    assert (config("--epochs", "2").epochs, config("--epochs", "2").time_budget_minutes) == (2, None)
    both = config("--epochs", "2", "--time-budget", "5")
    assert (both.epochs, both.time_budget_minutes) == (2, 5)
    assert qat_config(get_config("litehrnet_18_synthetic_128x96"), 2).time_budget_minutes is None
    steps = config("--steps", "2000")  # a step count drops the recipe's budget too
    assert (steps.steps, steps.epochs, steps.time_budget_minutes) == (2000, 7, None)
    assert qat_config(steps, 2).steps is None


def test_a_step_count_is_planned_as_a_budget_of_as_many_steps_would_be():
    """--steps N reproduces a budgeted run that got N steps (its plan before any re-plan) on any machine."""
    from hrkeras.training.budget import budget_plan, evaluation_due, fixed_plan, position, stretch
    from hrkeras.training.configs import get_config
    from hrkeras.training.schedules import build_schedule

    config = get_config("litehrnet_18_synthetic_128x96").replace(warmup_steps=0, lr=1.0)
    budgeted = budget_plan(config, steps_per_epoch=100, steps_per_second=2.5, seconds_left=300)  # 750 steps
    stepped = fixed_plan(config.replace(time_budget_minutes=None, steps=750), 100)
    keys = ("total_steps", "epochs", "schedule_steps", "anchor_step", "anchor_position")
    assert [stepped[k] for k in keys] == [budgeted[k] for k in keys] == [750, 8, 700, 0, 0.0]
    assert position(stepped, 750) == pytest.approx(700)
    assert [e for e in range(8) if evaluation_due(stepped, e, 7)] == [7]
    schedule = build_schedule(config.replace(time_budget_minutes=None, steps=750), 100)  # the milestone: step 643
    schedule.lay_over(stretch(stepped), stepped["anchor_step"], stepped["anchor_position"])
    assert [float(schedule(s)) for s in (642, 643)] == pytest.approx([1.0, 0.1])


def test_a_step_count_with_a_time_budget_or_below_one_is_refused(tmp_path):
    from hrkeras.errors import UsageError
    from hrkeras.training.configs import get_config
    from hrkeras.training.trainer import train

    config = get_config("litehrnet_18_synthetic_128x96").replace(steps=100)
    with pytest.raises(UsageError, match="time budget or a number of steps, not both") as e:
        train(config, str(tmp_path / "run"))
    assert "drop --steps or --time-budget" in str(e.value)
    with pytest.raises(UsageError, match="steps must be a positive integer, got 0"):
        train(config.replace(steps=0, time_budget_minutes=None), str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.slow
def test_a_run_of_n_steps_trains_n_steps_over_the_whole_schedule(tmp_path):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    root = tmp_path / "synthetic"
    make_synthetic_dataset(root, {"train": 24, "val": 6}, seed=0)  # 56 people: epochs of 14 steps at batch 4
    result = run_tiny(tmp_path / "run", root, "--steps", "20")  # the schedule of 3 epochs (42 steps) over 20
    assert (result["steps"], result["epochs"], result["plan"]["schedule_steps"]) == (20, 2, 42)
    assert [e["epoch"] for e in history(tmp_path / "run")] == [1, 2]
    assert "val" in history(tmp_path / "run")[-1]  # evaluated at the end of the schedule
    from hrkeras.training.budget import position

    assert position(result["plan"], 20) == pytest.approx(42)


def test_a_replan_moves_the_schedules_pace_not_its_position():
    from hrkeras.training.budget import budget_plan, position, replan, stretch
    from hrkeras.training.configs import get_config
    from hrkeras.training.schedules import build_schedule

    config = get_config("litehrnet_18_synthetic_128x96").replace(time_budget_minutes=10, warmup_steps=0, lr=1.0)
    first = budget_plan(config, steps_per_epoch=100, steps_per_second=2.5, seconds_left=300)  # 700 over 750
    # after 2 epochs the machine has 120 s left at the same pace: 3 epochs of 40 s, 500 steps in all
    again = replan(first, 2, 120.0, 0.0)
    assert (again["total_steps"], again["epochs"], again["anchor_step"]) == (500, 5, 200)
    assert position(again, 200) == pytest.approx(position(first, 200)) == pytest.approx(200 * 700 / 750)
    assert position(again, 500) == pytest.approx(700)  # the schedule ends on the new last step
    schedule = build_schedule(config, 100)
    schedule.lay_over(stretch(again), again["anchor_step"], again["anchor_position"])
    # the milestone (schedule position 600) moves from step 643 to step 442: 186.7 + 242 x 513.3 / 300 >= 600
    assert [float(schedule(s)) for s in (200, 441, 442, 499)] == pytest.approx([1.0, 1.0, 0.1, 0.1])
    from hrkeras.training.schedules import Stretched

    assert Stretched.from_config(schedule.get_config()).get_config() == schedule.get_config()


def test_the_recipes_evaluations_are_laid_over_the_plan():
    from hrkeras.training.budget import budget_plan, evaluation_due, fixed_plan
    from hrkeras.training.configs import get_config

    config = get_config("litehrnet_18_synthetic_128x96").replace(epochs=7)
    fixed = fixed_plan(config.replace(time_budget_minutes=None), 100)
    assert [e for e in range(7) if evaluation_due(fixed, e, 2)] == [1, 3, 5]  # every 2nd epoch
    stretched = budget_plan(config, 100, 2.5, 300)  # 7 epochs' schedule over 750 steps, 8 epochs
    # every 2nd epoch of the schedule: positions 200, 400, 600 at steps 214, 429, 643
    assert [e for e in range(8) if evaluation_due(stretched, e, 2)] == [2, 4, 6]
    # the recipe's val_interval = its epochs: its one evaluation, at the end, however many epochs fit
    assert [e for e in range(8) if evaluation_due(stretched, e, 7)] == [7]


def test_replan_pays_each_epochs_own_cost():
    from hrkeras.training.budget import replan

    plan = {"total_steps": 750, "steps_per_epoch": 100, "epochs": 8, "steps_per_second": 2.5, "schedule_steps": 700,
            "anchor_step": 0, "anchor_position": 0.0}
    # 260 s left, epochs of 40 s of steps + 10 s of checkpoint and set-up: 5 full epochs (250 s), and the 10 s
    # left pay only a 7th epoch's own cost
    again = replan(plan, 1, 260.0, 10.0)
    assert (again["total_steps"], again["epochs"], again["epoch_overhead_seconds"]) == (600, 6, 10.0)
    # 275 s: 5 epochs, then (25 s - 10 s) x 2.5 = 37 steps
    assert replan(plan, 1, 275.0, 10.0)["total_steps"] == 100 + 537
    assert replan(plan, 2, 0.0, 10.0)["total_steps"] == 201  # out of time: one more step, evaluated
    assert replan(plan, 1, 300.0, -1.0)["total_steps"] == 100 + 750  # a faster epoch than measured: no credit
    slower = replan(plan, 1, 260.0, 10.0, steps_per_second=2.0)  # the last epoch's steady pace: 50 s an epoch
    # 4 epochs of 60 s, then 20 s: 10 s of an epoch's own cost and 20 steps
    assert (slower["total_steps"], slower["steps_per_second"]) == (100 + 400 + 20, 2.0)


def test_a_stalled_epoch_does_not_shrink_the_plan_two_do():
    from hrkeras.training.budget import replan, replan_after_epoch

    plan = {"total_steps": 750, "steps_per_epoch": 100, "epochs": 8, "steps_per_second": 2.5, "schedule_steps": 700,
            "anchor_step": 0, "anchor_position": 0.0}
    first = replan_after_epoch(plan, 1, 260.0, 2.5, 10.0)
    assert first["total_steps"] == replan(plan, 1, 260.0, 10.0, 2.5)["total_steps"] == 600
    stalled = replan_after_epoch(first, 2, 160.0, 2.5, 50.0)  # a 40 s stall after epoch 2: median of 10 and 50
    assert stalled["epoch_overhead_seconds"] == 30.0
    recovered = replan_after_epoch(stalled, 3, 110.0, 2.5, 10.0)  # 10, 50, 10: the stall is an outlier
    assert recovered["epoch_overhead_seconds"] == 10.0 and recovered["paces"] == [[2.5, 10.0], [2.5, 50.0],
                                                                                   [2.5, 10.0]]
    slower = replan_after_epoch(replan_after_epoch(recovered, 4, 60.0, 1.0, 10.0), 5, 10.0, 1.0, 10.0)
    assert slower["steps_per_second"] == 1.0  # the machine slowed down for good: the last two of three epochs


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    from hrkeras.training.data.synthetic import make_synthetic_dataset

    root = tmp_path_factory.mktemp("synthetic")
    make_synthetic_dataset(root, {"train": 160, "val": 6}, seed=0)  # epochs of ~90 steps: little per-epoch cost
    return root


@pytest.mark.slow
def test_a_budget_ends_on_time_after_sigkill_and_resume(tmp_path, data_root):
    from hrkeras.training.budget import position

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
    killed = json.loads(latest.read_text())["plan"]
    # re-planned after the first epoch with its pace and cost, from its last step on, and the budget's clock
    # saved with the plan
    assert killed["budget_minutes"] == budget and killed["epoch_overhead_seconds"] >= 0
    assert killed["anchor_step"] == killed["steps_per_epoch"] and 0 < killed["elapsed_seconds"] < budget * 60
    resumed = run_tiny(workdir, data_root, "--time-budget", str(budget), "--epochs", "3", "--resume")
    final = resumed["plan"]
    # the resumed run went on with the killed run's plan and budget (its clock, not a new one), re-planning after
    # its epochs, and its last step came within a tiny epoch's misestimate of the budget's end (the wall clock
    # of a loaded machine may still move an epoch's pace by a few seconds)
    assert final["anchor_step"] > killed["anchor_step"] and final["elapsed_seconds"] > killed["elapsed_seconds"]
    last_step = killed["elapsed_seconds"] + resumed["seconds_to_last_step"]
    assert budget * 60 - 30 < last_step < budget * 60 + 30, (last_step, killed, final)
    assert position(final, final["total_steps"]) == pytest.approx(final["schedule_steps"])  # the schedule ends
    epochs = [e["epoch"] for e in history(workdir)]
    assert epochs == list(range(1, final["epochs"] + 1))
    import keras

    model = keras.models.load_model(workdir / "model.keras")
    assert int(model.optimizer.iterations.numpy()) == final["total_steps"]
    assert np.isfinite([e["loss"] for e in history(workdir)]).all()
