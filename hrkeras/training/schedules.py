"""Learning-rate schedule of the HRNet / Lite-HRNet recipes (mmpose LinearLR + MultiStepLR)."""
import keras
from keras import ops
from keras.saving import register_keras_serializable


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
        lr = self.lr * ops.power(self.gamma, passed)
        if self.warmup_steps:
            progress = ops.minimum(step / self.warmup_steps, 1.0)
            lr = lr * (self.warmup_ratio + (1.0 - self.warmup_ratio) * progress)
        return lr

    def get_config(self):
        return dict(lr=self.lr, steps_per_epoch=self.steps_per_epoch, milestones=list(self.milestones),
                    gamma=self.gamma, warmup_steps=self.warmup_steps, warmup_ratio=self.warmup_ratio)
