"""The trainer of every task: a recipe, a tf.distribute strategy, one Keras `fit` per epoch.

The task (hrkeras.training.tasks) brings the model, loss, data and evaluation. Each epoch's batches depend
only on (seed, epoch), and every epoch ends with an atomic checkpoint of model + optimizer, so
`resume=True` after a kill replays the interrupted epoch exactly and continues the schedule.
"""
import os
import time

import keras
import numpy as np
import tensorflow as tf

from hrkeras.errors import DiskFullError, RunExistsError, UsageError
from hrkeras.training import checkpointing
from hrkeras.training.budget import (StepTimes, budget_plan, epoch_steps, evaluation_due, fixed_plan,
                                    measure_steps_per_second, replan_after_epoch, stretch)
from hrkeras.training.distribute import is_chief, make_strategy
from hrkeras.training.optimizers import build_optimizer
from hrkeras.training.schedules import build_schedule
from hrkeras.training.speedups import tune_for_cpu, use_fused_batch_norm
from hrkeras.training.tasks import get_task
from hrkeras.utils.keras_io import save_model


def build_model(config, schedule, model_fn=None, data=None):
    """The recipe's model (or `model_fn()`'s), compiled with its optimizer on `schedule` and its task's loss
    (call inside strategy.scope()); data: the TaskData, for what the model carries of it (class names)."""
    task = get_task(config)
    model = model_fn() if model_fn else task.build_model(config, data)
    use_fused_batch_norm(model)
    model.compile(optimizer=build_optimizer(config, schedule), loss=task.loss(config))
    return model


def _plan(model, config, record, train_pipe, steps_per_epoch, started):
    """The run's plan: the recipe's epochs, the checkpoint's (a resumed budgeted run), or the budget's, measured
    now on epoch 0's first batches (the model then gets its initial weights and optimizer state back; the
    traced graph is kept)."""
    if not config.time_budget_minutes:
        plan = fixed_plan(config, steps_per_epoch)
        if config.steps:
            print(f"{plan['total_steps']} steps in {plan['epochs']} epochs, the schedule of {config.epochs} epochs "
                  f"({plan['schedule_steps']} steps) laid over them", flush=True)
        return plan
    if record and "plan" in record:  # a plan saved before re-plans kept an anchor: the fixed plan's (step 0)
        plan = {**fixed_plan(config, steps_per_epoch), **record["plan"]}
    else:
        initial = model.get_weights()
        rate = measure_steps_per_second(model, train_pipe.train_dataset(config.batch_size, 0))
        model.set_weights(initial)
        for variable in model.optimizer.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))
        plan = budget_plan(config, steps_per_epoch, rate, config.time_budget_minutes * 60 - (time.time() - started))
        print(f"time budget {config.time_budget_minutes:g} min: {rate:.2f} steps/s measured, {plan['total_steps']} "
              f"steps in {plan['epochs']} epochs", flush=True)
    return plan


def _lay_over(schedule, config, plan):
    """Lay the recipe's schedule (config.epochs epochs) over a time budget's planned steps or config.steps."""
    if config.laid_over:
        schedule.lay_over(stretch(plan), plan["anchor_step"], plan["anchor_position"])


class _Progbar(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, numbering epochs out of the whole run rather than one `fit` call."""

    def __init__(self, total_epochs):
        super().__init__()
        self.total_epochs = total_epochs

    def set_params(self, params):
        super().set_params(params)
        self.epochs = self.total_epochs


def _multi_worker_compat(model):
    """Work around Keras 3.15's `fit` under MultiWorkerMirroredStrategy (tensorflow/tensorflow#72388).

    - fit first reduces one input batch (a tuple of PerReplica values) with strategy.reduce to build the
      model symbolically, which the collective reduce rejects: the functional model is built already, so
      build the optimizer and skip that step;
    - fit reduces the step's logs with strategy.reduce("MEAN", v, axis=0), which fails on scalars: return
      each log as a [1] tensor, which that reduction averages over the workers into a scalar.
    """
    model.optimizer.build(model.trainable_variables)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
    train_step = model.train_step
    model.train_step = lambda data: {k: tf.reshape(v, [1]) for k, v in train_step(data).items()}


def _resume_record(workdir, config, resume):
    """The checkpoint record to continue from, or None for a fresh run; UsageError if neither applies."""
    record = checkpointing.read_latest(workdir)
    pointer = os.path.join(checkpointing.checkpoint_dir(workdir), checkpointing.LATEST)
    if record is None:
        if resume:
            raise UsageError("nothing to resume: no checkpoint was saved in this work folder", pointer,
                             "drop --resume to start a new run (a run saves its first checkpoint after epoch 1)")
        return None
    if not resume:
        raise RunExistsError(f"the work folder already holds a run (epoch {record['epoch']})", workdir,
                             "pass --resume to continue it or choose another --workdir")
    saved, current = record.get("config", {}), config.to_dict()
    changed = sorted(k for k in set(saved) | set(current) if k != "epochs" and saved.get(k) != current.get(k))
    if changed:
        raise UsageError(f"the run was trained with another configuration ({saved.get('name')}; "
                         f"{', '.join(changed)} differ)", workdir, "resume with the same config and overrides "
                         "(only --epochs may change), or choose another --workdir")
    return record


def _check_numbers(config):
    """UsageError for a recipe that cannot train (the CLI refuses these values while parsing)."""
    steps = 1 if config.steps is None else config.steps
    for field, value in (("epochs", config.epochs), ("batch_size", config.batch_size), ("steps", steps)):
        if not isinstance(value, int) or value < 1:
            raise UsageError(f"{field} must be a positive integer, got {value!r}",
                             fix=f"pass --{field.replace('_', '-')} 1 or more")
    if not np.isfinite(config.lr) or config.lr <= 0:
        raise UsageError(f"the learning rate must be a positive number, got {config.lr!r}", fix="pass --lr above 0")
    if config.steps and config.time_budget_minutes:
        raise UsageError(f"a run trains for a time budget or a number of steps, not both (got {config.steps} steps "
                         f"and {config.time_budget_minutes:g} min)", fix="drop --steps or --time-budget")


def _save_epoch(model, workdir, epoch, config, history, plan, search=None):
    """Checkpoint, then history.json; a full disk keeps the last checkpoint and says how to go on."""
    extra = {"config": config.to_dict(), "history": history, "plan": plan}
    if search is not None:
        extra["search"] = search.state()
    try:
        checkpointing.save_checkpoint(model, workdir, epoch, extra)
        checkpointing.write_history(workdir, history)
    except DiskFullError as err:
        record = checkpointing.read_latest(workdir)
        intact = f"epoch {record['epoch']}'s checkpoint is intact" if record else "no checkpoint was saved yet"
        raise DiskFullError(f"no space left on the device while saving epoch {epoch}'s checkpoint", err.path,
                            f"{intact}; free space and run again with --resume") from err


def train(config, workdir, data_root=None, strategy="auto", devices=None, resume=False, mixed_precision=False,
          verbose="auto", model_fn=None, search=None):
    """Train `config` (a recipe of any task) into `workdir` (checkpoints/, logs/, model.keras, history.json).

    model_fn: builds the model to train instead of the recipe's (e.g. a QAT model of a trained one);
    it is called inside the strategy's scope.
    search: an HR-NAS search hook (hrkeras.nas.search.Search): it builds the model of the checkpoint's
    architecture, adds its penalty to the loss and may replace the model by a smaller one after an epoch.

    Returns {"epochs", "steps_per_epoch", "steps", "replicas", "train_seconds" (the epochs' fit and evaluation),
    "val": the last evaluation's stats or None, "model": path, "plan": the steps' plan (a time budget's with its
    measured rate), "seconds_to_last_step": from the call to the end of the last step (what a budget bounds)}.
    """
    started = time.time()
    _check_numbers(config)
    record = _resume_record(workdir, config, resume)
    tune_for_cpu()
    if mixed_precision:
        keras.mixed_precision.set_global_policy(
            "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16")
    keras.utils.set_random_seed(config.seed)  # same initial weights on every worker and every run
    strategy = make_strategy(strategy, devices)
    chief = is_chief(strategy)
    task = get_task(config)
    data = task.load_data(config, data_root, with_val=chief)
    train_pipe = data.train
    steps_per_epoch = len(train_pipe) // config.batch_size
    if steps_per_epoch == 0:
        raise UsageError(f"{len(train_pipe)} training samples make no batch of {config.batch_size}",
                         data.source, "lower --batch-size")
    if config.batch_size % strategy.num_replicas_in_sync:
        raise UsageError(f"the global batch of {config.batch_size} does not split evenly over "
                         f"{strategy.num_replicas_in_sync} replicas", fix="pass a --batch-size that it divides")
    if config.time_budget_minutes and isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        raise UsageError("a time budget is measured on one machine; multi-worker runs need a fixed schedule",
                         fix="drop the time budget (--time-budget) or train on one worker")
    schedule = build_schedule(config, steps_per_epoch)
    if search is not None:
        if config.laid_over:
            raise UsageError("a search follows its epochs' schedule", fix="drop --time-budget and --steps")
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            raise UsageError("a search rebuilds its model between epochs, which multi-worker runs do not support",
                             fix="search on one machine (one or more GPUs)")
        search.resume(record.get("search") if record else None)
        model_fn = lambda: search.build(data)  # noqa: E731
    with strategy.scope():
        model = build_model(config, schedule, model_fn, data)
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
            _multi_worker_compat(model)
    plan = _plan(model, config, record, train_pipe, steps_per_epoch, started)
    _lay_over(schedule, config, plan)
    budgeted = bool(config.time_budget_minutes)
    # the budget's time zero on this process's clock: a resumed run goes on with what its checkpoint had spent
    budget_origin = started - (plan.get("elapsed_seconds", 0.0) if record else 0.0)
    if record:
        checkpointing.restore_checkpoint(model, record)
        checkpointing.write_history(workdir, record.get("history", []))  # it may lag the checkpoint by one epoch
    if search is not None:
        search.attach(model)
    start = record["epoch"] if record else 0
    os.makedirs(workdir, exist_ok=True)
    callbacks = [_Progbar(plan["epochs"])]
    if chief:
        callbacks.append(keras.callbacks.TensorBoard(os.path.join(workdir, "logs"), write_graph=False))
    shard = tf.data.Options()
    shard.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    history = record["history"] if record else []
    val_writer = tf.summary.create_file_writer(os.path.join(workdir, "logs", "val")) if chief else None
    stats, began, trained = None, time.time(), None
    epoch, paced = start, time.perf_counter()  # paced: where the pace of the epoch being run is measured from
    while epoch < plan["epochs"]:
        timer = StepTimes() if budgeted else None
        batches = train_pipe.train_dataset(config.batch_size, epoch).with_options(shard)
        # A fixed step count: exhausting the iterator would advance the optimizer step counter once more.
        logs = model.fit(batches, initial_epoch=epoch, epochs=epoch + 1, steps_per_epoch=epoch_steps(plan, epoch),
                         shuffle=False, callbacks=callbacks + [timer] * budgeted, verbose=verbose).history
        trained = time.time()
        entry = {"epoch": epoch + 1, **{k: np.asarray(v[-1], np.float64).item() for k, v in logs.items()}}
        last, evaluating = epoch + 1 == plan["epochs"], time.perf_counter()
        if chief and (last or evaluation_due(plan, epoch, config.val_interval)):
            stats, summary = data.evaluate(model)
            entry["val"] = stats
            print(f"epoch {epoch + 1}: {task.TITLE} on {config.val_split}\n{summary}", flush=True)
            with val_writer.as_default(step=epoch + 1):
                for name, value in stats.items():
                    tf.summary.scalar(f"{config.task}/{name}", value)
        if search is not None:
            with strategy.scope():
                model, entry["search"] = search.end_epoch(
                    model, epoch + 1, lambda fn: build_model(config, schedule, fn, data))
        history.append(entry)
        evaluated = time.perf_counter() - evaluating
        if budgeted and not last:  # the epoch's pace, and its own cost: its wall time since the last re-plan
            # (the checkpoint before it, fit's set-up and end) beyond its steps and any evaluation
            rate = timer.rate()
            overhead = time.perf_counter() - paced - epoch_steps(plan, epoch) / rate - evaluated
            plan = replan_after_epoch(plan, epoch + 1, config.time_budget_minutes * 60 -
                                      (time.time() - budget_origin), rate, overhead)
            _lay_over(schedule, config, plan)
            callbacks[0].total_epochs, paced = plan["epochs"], time.perf_counter()
        if budgeted:
            plan = {**plan, "elapsed_seconds": round(time.time() - budget_origin, 1)}
        if chief:  # the checkpoint (with the history and the plan) comes last: a kill before it replays this epoch
            _save_epoch(model, workdir, epoch + 1, config, history, plan, search)
        epoch += 1
    seconds = time.time() - began
    model_path = os.path.join(workdir, "model.keras")
    if chief:
        try:
            save_model(model, model_path)
        except DiskFullError as err:
            raise DiskFullError("no space left on the device while writing model.keras", err.path,
                                "every epoch's checkpoint is saved; free space and run again with --resume, "
                                "which only writes model.keras") from err
    return {"epochs": plan["epochs"], "steps_per_epoch": steps_per_epoch, "steps": plan["total_steps"],
            "replicas": strategy.num_replicas_in_sync, "train_seconds": seconds, "val": stats, "model": model_path,
            "plan": plan, "seconds_to_last_step": trained and trained - started}
