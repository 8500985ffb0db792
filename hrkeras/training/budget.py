"""Time-budgeted training: "train for 15 minutes". The step rate is measured on the first steps, the schedule
(warm-up, milestones, decay to the end) is stretched over the steps that fit in the rest of the budget, and the
plan is kept in the checkpoints, so a resumed run follows the schedule it started with. After the first epoch
the plan is laid again with that epoch's own pace: its steady step rate (the data pipeline, which the first
steps' prefetched batches hide, shares the CPU with them) and its per-epoch cost, what follows its last step
(the end of `fit`, the checkpoint; what precedes its first step, graph tracing among it, is paid once, and
later epochs' `fit` set-up, a second or two, is not counted).
"""
import math
import time

import keras

CALIBRATION_STEPS = 12   # timed steps, after...
WARMUP_STEPS = 3         # ...untimed ones (graph tracing, caches)


def fixed_plan(config, steps_per_epoch):
    """The recipe's own plan: config.epochs full epochs."""
    return {"total_steps": config.epochs * steps_per_epoch, "steps_per_epoch": steps_per_epoch,
            "epochs": config.epochs}


def budget_plan(config, steps_per_epoch, steps_per_second, seconds_left):
    """The steps that fit in `seconds_left` at `steps_per_second` (at least one), in epochs of steps_per_epoch
    (the last one shorter)."""
    total = max(int(steps_per_second * seconds_left), 1)
    return {"total_steps": total, "steps_per_epoch": steps_per_epoch, "epochs": math.ceil(total / steps_per_epoch),
            "steps_per_second": steps_per_second, "budget_minutes": config.time_budget_minutes}


def replan(plan, epochs_done, seconds_left, epoch_overhead, steps_per_second=None):
    """`plan` after its first `epochs_done` full epochs, now with `epoch_overhead` seconds of per-epoch cost
    (fit set-up, checkpoint) and the steady `steps_per_second` (None: the plan's) measured on them: the steps
    still to run are those that fit in `seconds_left` at that rate with that cost paid once per epoch (at least
    one: the run ends with an evaluated epoch)."""
    rate, per_epoch = steps_per_second or plan["steps_per_second"], plan["steps_per_epoch"]
    epoch_overhead = max(epoch_overhead, 0.0)
    full, rest = divmod(max(seconds_left, 0.0), per_epoch / rate + epoch_overhead)
    remaining = max(int(full) * per_epoch + int(max(rest - epoch_overhead, 0.0) * rate), 1)
    total = epochs_done * per_epoch + remaining
    return {**plan, "total_steps": total, "epochs": math.ceil(total / per_epoch), "steps_per_second": rate,
            "epoch_overhead_seconds": round(epoch_overhead, 3)}


def epoch_steps(plan, epoch):
    """Steps of epoch `epoch` (0-based) under `plan`."""
    return min(plan["steps_per_epoch"], plan["total_steps"] - epoch * plan["steps_per_epoch"])


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
