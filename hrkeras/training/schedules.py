"""Learning-rate schedules of the recipes: linear warm-up, then steps (the HRNet / Lite-HRNet papers;
mmpose LinearLR + MultiStepLR), a cosine (mmpose LinearLR + CosineAnnealingLR by iteration) or a poly decay
(HRNet-Semantic-Segmentation's adjust_learning_rate, by iteration)."""
import math

import keras
from keras import ops
from keras.saving import register_keras_serializable


def _warmup(step, warmup_steps, warmup_ratio):
    """Factor rising linearly from `warmup_ratio` at step 0 to 1 at `warmup_steps`."""
    if not warmup_steps:
        return 1.0
    return warmup_ratio + (1.0 - warmup_ratio) * ops.minimum(step / warmup_steps, 1.0)


@register_keras_serializable(package="hrkeras")
class WarmupMultiStep(keras.optimizers.schedules.LearningRateSchedule):
    """lr * warmup(step) * gamma ** (number of milestones passed).

    Warm-up rises linearly from `lr * warmup_ratio` to `lr` over `warmup_steps`
    optimizer steps; milestones are epochs, turned into steps by `steps_per_epoch`.
    """

    def __init__(self, lr, steps_per_epoch, milestones=(), gamma=0.1, warmup_steps=0, warmup_ratio=1e-3):
        self.lr = float(lr)
        self.steps_per_epoch = int(steps_per_epoch)
        self.milestones = tuple(int(m) for m in milestones)
        self.gamma = float(gamma)
        self.warmup_steps = int(warmup_steps)
        self.warmup_ratio = float(warmup_ratio)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        epoch = ops.floor(step / self.steps_per_epoch)
        passed = sum(ops.cast(epoch >= m, "float32") for m in self.milestones) if self.milestones else 0.0
        return self.lr * ops.power(self.gamma, passed) * _warmup(step, self.warmup_steps, self.warmup_ratio)

    def get_config(self):
        return dict(lr=self.lr, steps_per_epoch=self.steps_per_epoch, milestones=list(self.milestones),
                    gamma=self.gamma, warmup_steps=self.warmup_steps, warmup_ratio=self.warmup_ratio)


@register_keras_serializable(package="hrkeras")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """lr * warmup(step) * (min_ratio + (1 - min_ratio) * (1 + cos(pi * step / total_steps)) / 2).

    The cosine falls from `lr` at step 0 to `lr * min_ratio` at `total_steps` (and stays there); the
    warm-up multiplies its first `warmup_steps` steps as in WarmupMultiStep.
    """

    def __init__(self, lr, total_steps, min_ratio=0.0, warmup_steps=0, warmup_ratio=1e-3):
        self.lr = float(lr)
        self.total_steps = int(total_steps)
        self.min_ratio = float(min_ratio)
        self.warmup_steps = int(warmup_steps)
        self.warmup_ratio = float(warmup_ratio)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        cosine = (1.0 + ops.cos(math.pi * ops.minimum(step / self.total_steps, 1.0))) / 2.0
        decay = self.min_ratio + (1.0 - self.min_ratio) * cosine
        return self.lr * decay * _warmup(step, self.warmup_steps, self.warmup_ratio)

    def get_config(self):
        return dict(lr=self.lr, total_steps=self.total_steps, min_ratio=self.min_ratio,
                    warmup_steps=self.warmup_steps, warmup_ratio=self.warmup_ratio)


@register_keras_serializable(package="hrkeras")
class WarmupPoly(keras.optimizers.schedules.LearningRateSchedule):
    """lr * warmup(step) * (1 - step / total_steps) ** power, 0 from total_steps on."""

    def __init__(self, lr, total_steps, power=0.9, warmup_steps=0, warmup_ratio=1e-3):
        self.lr = float(lr)
        self.total_steps = int(total_steps)
        self.power = float(power)
        self.warmup_steps = int(warmup_steps)
        self.warmup_ratio = float(warmup_ratio)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decay = ops.power(1.0 - ops.minimum(step / self.total_steps, 1.0), self.power)
        return self.lr * decay * _warmup(step, self.warmup_steps, self.warmup_ratio)

    def get_config(self):
        return dict(lr=self.lr, total_steps=self.total_steps, power=self.power, warmup_steps=self.warmup_steps,
                    warmup_ratio=self.warmup_ratio)


@register_keras_serializable(package="hrkeras")
class Stretched(keras.optimizers.schedules.LearningRateSchedule):
    """`schedule` laid over another number of steps: lr(step) = schedule(floor(position)), position =
    anchor_position + (step - anchor_step) * stretch. The three live in variables, so a time budget can set
    them after the training graph is traced, and move the pace at a re-plan without moving the position
    (hrkeras.training.budget)."""

    def __init__(self, schedule, stretch=1.0, anchor_step=0, anchor_position=0.0):
        if isinstance(schedule, dict):
            schedule = keras.saving.deserialize_keras_object(schedule)
        self.schedule = schedule
        self.stretch = keras.Variable(float(stretch), trainable=False, name="schedule_stretch")
        self.anchor_step = keras.Variable(float(anchor_step), trainable=False, name="schedule_anchor_step")
        self.anchor_position = keras.Variable(float(anchor_position), trainable=False, name="schedule_anchor_position")

    def lay_over(self, stretch, anchor_step, anchor_position):
        """Set the pace `stretch` from step `anchor_step`, at schedule position `anchor_position`, on."""
        for variable, value in ((self.stretch, stretch), (self.anchor_step, anchor_step),
                                (self.anchor_position, anchor_position)):
            variable.assign(float(value))

    def __call__(self, step):
        offset = ops.cast(step, "float32") - self.anchor_step
        return self.schedule(ops.floor(self.anchor_position + offset * self.stretch))

    def get_config(self):
        return {"schedule": keras.saving.serialize_keras_object(self.schedule),
                **{name: float(getattr(self, name).numpy()) for name in ("stretch", "anchor_step", "anchor_position")}}


def build_schedule(config, steps_per_epoch):
    """The recipe's learning-rate schedule (config.lr_schedule "step", "cosine" or "poly") over its epochs;
    Stretched over them when the recipe trains for a time budget or a number of steps."""
    total = config.epochs * steps_per_epoch
    warmup = dict(warmup_steps=config.warmup_steps, warmup_ratio=config.warmup_ratio)
    if config.laid_over:
        return Stretched(build_schedule(config.replace(time_budget_minutes=None, steps=None), steps_per_epoch))
    if config.lr_schedule == "step":
        return WarmupMultiStep(config.lr, steps_per_epoch, config.milestones, config.gamma, **warmup)
    if config.lr_schedule == "cosine":
        return WarmupCosine(config.lr, total, config.min_lr_ratio, **warmup)
    if config.lr_schedule == "poly":
        return WarmupPoly(config.lr, total, config.power, **warmup)
    raise ValueError(f"{config.name}: unknown lr_schedule {config.lr_schedule!r}; use 'step', 'cosine' or 'poly'")
