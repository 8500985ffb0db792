"""The recipes' optimizers: Keras Adam (the pose papers), and SGD as PyTorch defines it (the segmentation and
classification references train with torch.optim.SGD, which Keras' SGD does not reproduce)."""
import keras
from keras import ops
from keras.saving import register_keras_serializable

from hrkeras.training.speedups import use_fused_adam


@register_keras_serializable(package="hrkeras")
class TorchSGD(keras.optimizers.Optimizer):
    """torch.optim.SGD: g' = g + weight_decay * w (L2 on the gradient, every variable), b = momentum * b + g',
    w -= lr * b (nesterov: w -= lr * (g' + momentum * b)); the first step sets b = g'.

    Keras' SGD keeps lr inside its velocity and decays weights apart from the gradient, so under a changing
    rate (poly, step) and with weight decay it follows another trajectory.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False, weight_decay_l2=0.0, name="torch_sgd",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum, self.nesterov, self.weight_decay_l2 = float(momentum), bool(nesterov), float(weight_decay_l2)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.buffers = self.add_optimizer_variables(variables, "momentum_buffer") if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        g = ops.cast(gradient, variable.dtype)
        if self.weight_decay_l2:
            g = g + self.weight_decay_l2 * variable
        if self.momentum:
            buffer = self.buffers[self._get_variable_index(variable)]
            first = ops.cast(ops.equal(self.iterations, 0), variable.dtype)
            self.assign(buffer, first * g + (1.0 - first) * (self.momentum * buffer + g))
            g = g + self.momentum * buffer if self.nesterov else buffer
        self.assign_sub(variable, lr * g)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay_l2": self.weight_decay_l2}


def build_optimizer(config, schedule):
    """The recipe's optimizer ("adam" or "sgd") over a learning-rate schedule."""
    if config.optimizer == "adam":
        optimizer = keras.optimizers.Adam(schedule, weight_decay=config.weight_decay or None)
        use_fused_adam(optimizer)
        return optimizer
    if config.optimizer == "sgd":
        return TorchSGD(schedule, config.momentum, config.nesterov, config.weight_decay)
    raise ValueError(f"{config.name}: unknown optimizer {config.optimizer!r}; use 'adam' or 'sgd'")
