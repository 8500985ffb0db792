"""Time-budgeted training: "train for 15 minutes". The step rate is measured on the first steps, the schedule
(warm-up, milestones, decay to the end) is stretched over the steps that fit in the rest of the budget, and the
plan is kept in the checkpoints, so a resumed run goes on with the schedule and the budget it started with.

After every epoch but the last, the plan is laid again over what is left of the budget with the epochs' own
pace: each epoch's steady step rate (the data pipeline, which the first steps' prefetched batches hide, shares
the CPU with them) and its per-epoch cost, the rest of its wall time between two re-plans (fit's set-up, the
first batches, the end of `fit`, the checkpoint; not a mid-run evaluation, whose time is simply spent), each
the median of the last PACE_EPOCHS epochs': one epoch that a stall of the machine slowed does not shrink the
plan, two do. So the run uses the time on a machine faster than its first steps and ends on time on one that
slows down.

A re-plan moves the schedule's pace from the current step on, never its position: the schedule position is
`anchor_position + (step - anchor_step) * stretch`, with the anchor at the re-plan's step, so the learning rate
stays continuous and the schedule's `schedule_steps` end on the plan's last step.
"""
import math
import statistics
import time

import keras

CALIBRATION_STEPS = 12   # timed steps, after...
WARMUP_STEPS = 3         # ...untimed ones (graph tracing, caches)
PACE_EPOCHS = 3          # a re-plan's pace: the median of the last epochs'


def fixed_plan(config, steps_per_epoch):
    """The recipe's own plan: config.epochs full epochs, the schedule at one position a step; or with
    config.steps that many steps (in epochs of steps_per_epoch, the last one shorter), the schedule laid over
    them."""
    schedule = config.epochs * steps_per_epoch
    total = config.steps or schedule
    return {"total_steps": total, "steps_per_epoch": steps_per_epoch, "epochs": math.ceil(total / steps_per_epoch),
            "schedule_steps": schedule, "anchor_step": 0, "anchor_position": 0.0}


def budget_plan(config, steps_per_epoch, steps_per_second, seconds_left):
    """The steps that fit in `seconds_left` at `steps_per_second` (at least one), in epochs of steps_per_epoch
    (the last one shorter), with the recipe's schedule (config.epochs epochs) laid over them."""
    total = max(int(steps_per_second * seconds_left), 1)
    return {**fixed_plan(config.replace(steps=total), steps_per_epoch), "steps_per_second": steps_per_second,
            "budget_minutes": config.time_budget_minutes}


def stretch(plan):
    """Schedule positions per step from the plan's anchor on: the rest of the schedule over the rest of the steps."""
    return (plan["schedule_steps"] - plan["anchor_position"]) / max(plan["total_steps"] - plan["anchor_step"], 1)


def position(plan, step):
    """The schedule position (a float step of the recipe's schedule) at optimizer step `step` under `plan`."""
    return plan["anchor_position"] + (step - plan["anchor_step"]) * stretch(plan)


def replan(plan, epochs_done, seconds_left, epoch_overhead, steps_per_second=None):
    """`plan` after its first `epochs_done` full epochs, now with `epoch_overhead` seconds of per-epoch cost
    and the steady `steps_per_second` (None: the plan's) measured on the last one: the steps still to run are
    those that fit in `seconds_left` at that rate with that cost paid once per epoch (at least one: the run ends
    with an evaluated epoch). The schedule goes on from where it is at that step."""
    rate, per_epoch = steps_per_second or plan["steps_per_second"], plan["steps_per_epoch"]
    epoch_overhead = max(epoch_overhead, 0.0)
    full, rest = divmod(max(seconds_left, 0.0), per_epoch / rate + epoch_overhead)
    remaining = max(int(full) * per_epoch + int(max(rest - epoch_overhead, 0.0) * rate), 1)
    done = epochs_done * per_epoch
    total = done + remaining
    return {**plan, "total_steps": total, "epochs": math.ceil(total / per_epoch), "anchor_step": done,
            "anchor_position": position(plan, done), "steps_per_second": rate,
            "epoch_overhead_seconds": round(epoch_overhead, 3)}


def replan_after_epoch(plan, epochs_done, seconds_left, steps_per_second, epoch_overhead):
    """`replan` with the median pace of the last PACE_EPOCHS epochs, the one just measured (its steady
    `steps_per_second`, its `epoch_overhead` seconds) included; the plan keeps each epoch's ("paces")."""
    paces = plan.get("paces", []) + [[round(steps_per_second, 4), round(max(epoch_overhead, 0.0), 2)]]
    rates, overheads = zip(*paces[-PACE_EPOCHS:])
    again = replan(plan, epochs_done, seconds_left, statistics.median(overheads), statistics.median(rates))
    return {**again, "paces": paces}


def epoch_steps(plan, epoch):
    """Steps of epoch `epoch` (0-based) under `plan`."""
    return min(plan["steps_per_epoch"], plan["total_steps"] - epoch * plan["steps_per_epoch"])


def evaluation_due(plan, epoch, val_interval):
    """Whether epoch `epoch` (0-based) carried the schedule past a multiple of `val_interval` of its epochs: the
    recipe's evaluations, laid over the plan with the schedule (every val_interval-th epoch of a fixed plan)."""
    every = val_interval * plan["steps_per_epoch"]
    start, end = epoch * plan["steps_per_epoch"], epoch * plan["steps_per_epoch"] + epoch_steps(plan, epoch)
    # 1e-6: a float position a hair under a multiple it reaches in exact arithmetic
    return math.floor(position(plan, end) / every + 1e-6) > math.floor(position(plan, start) / every + 1e-6)


class StepTimes(keras.callbacks.Callback):
    """The end time of each training step (time.perf_counter)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())

    def rate(self, skip=WARMUP_STEPS):
        """Steps per second after the first `skip` steps (all of them when there are too few)."""
        skip = min(skip, max(len(self.times) - 2, 0))
        return (len(self.times) - 1 - skip) / max(self.times[-1] - self.times[skip], 1e-9)


def measure_steps_per_second(model, batches):
    """Training steps per second of the compiled `model` on `batches` (repeated as needed). The weights and the
    optimizer state change: restore them afterwards."""
    timer = StepTimes()
    steps = WARMUP_STEPS + CALIBRATION_STEPS
    model.fit(batches.repeat().take(steps), steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer],
              shuffle=False)
    return timer.rate(WARMUP_STEPS - 1)
