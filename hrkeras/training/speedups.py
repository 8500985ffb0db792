"""Faster training steps on TensorFlow, without changing what is computed.

`use_fused_batch_norm(model)`: TensorFlow's fused BatchNorm kernel. Keras 3
computes BatchNormalization from primitive ops (moments, rsqrt, mul, add:
about ten kernels forward and twenty backward per layer). Lite-HRNet has ~300
BatchNorm layers on small tensors, so on a CPU those launches dominate the step;
TensorFlow's FusedBatchNormV3 does each direction in one kernel (1.5x the
training throughput of Lite-HRNet-18 at 128x96 on 2 cores, see
benchmarks/train_throughput.py). Results equal Keras' own layer: same batch
statistics, same (biased-variance) moving averages, same gradients.

The models stay plain Keras: `use_fused_batch_norm(model)` rebinds `call` on
the model's BatchNormalization instances only, and only for training with
float32 NHWC inputs; everything else takes Keras' path.

`use_fused_adam(optimizer)`: Keras' Adam updates each variable with ~15 small
ops (its step scalars recomputed per variable); Lite-HRNet-18 has 806 trainable
variables, so the update alone took half of a 128x96 training step on 2 cores.
TensorFlow's ResourceApplyAdam does the same update (same formula, the step
scalars computed once per step) in one kernel per variable.

`tune_for_cpu()`: on a machine without a GPU, Grappler's rewrites make the
Lite-HRNet training step ~20% slower and add seconds to every trace; and on a
small CPU, splitting each of the step's ~12,000 small kernels over all cores
costs more in thread hand-offs than it saves: one thread per kernel, with as
many kernels running side by side as there are cores (the parallel branches
provide them), trains Lite-HRNet-18 ~1.45x faster on 2 cores and HRNet-W32 at
the same speed.
"""
import logging
import os
import types

import keras
import tensorflow as tf

from hrkeras.utils.nested import leaf_layers


def _fused_call(self, inputs, training=None, mask=None):
    if not (training and self.trainable) or mask is not None or inputs.dtype != tf.float32 or len(inputs.shape) != 4:
        return keras.layers.BatchNormalization.call(self, inputs, training=training, mask=mask)
    channels = inputs.shape[-1]
    scale = self.gamma if self.scale else tf.ones([channels])
    offset = self.beta if self.center else tf.zeros([channels])
    outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
        inputs, scale, offset, epsilon=self.epsilon, data_format="NHWC", is_training=True)
    # The kernel returns the unbiased variance: scale by (count - 1) / count, from static shapes (the training
    # steps' case) without five scalar kernels per layer.
    n, h, w = inputs.shape[:3]
    if None in (n, h, w):
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
        variance = variance * (count - 1.0) / tf.maximum(count, 2.0)
    else:
        variance = variance * ((n * h * w - 1) / max(n * h * w, 2))
    momentum = self.momentum
    self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
    self.moving_variance.assign(self.moving_variance * momentum + variance * (1.0 - momentum))
    return outputs


def _layers(model):
    for layer in leaf_layers(model):
        if type(layer) is keras.layers.BatchNormalization and layer.axis in (-1, 3) and not layer.renorm:
            yield layer


def use_fused_batch_norm(model):
    """Run the model's channels-last BatchNormalization layers on the fused kernel in training.

    Returns the number of layers switched. A no-op off the TensorFlow backend.
    """
    if keras.backend.backend() != "tensorflow":
        return 0
    count = 0
    for layer in _layers(model):
        layer.call = types.MethodType(_fused_call, layer)
        count += 1
    return count


def _fused_adam_update(self, distribution, grads_and_vars, learning_rate):
    """Replaces Adam._distributed_tf_update_step (cross-replica context: once per step)."""
    dtype = tf.float32
    step = tf.cast(self.iterations + 1, dtype)
    beta_1, beta_2 = tf.constant(self.beta_1, dtype), tf.constant(self.beta_2, dtype)
    scalars = dict(beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), beta1=beta_1, beta2=beta_2,
                   epsilon=tf.constant(self.epsilon, dtype))

    def apply(variable, gradient, lr):  # lr: this device's value of a per-replica learning rate
        index = self._get_variable_index(variable)
        cast = {k: tf.cast(v, variable.dtype) for k, v in {**scalars, "lr": lr}.items()}
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].value.handle, v=self._velocities[index].value.handle,
            grad=tf.cast(gradient, variable.dtype), **cast)

    for gradient, variable in grads_and_vars:
        distribution.extended.update(variable, apply, args=(gradient, learning_rate), group=False)


def use_fused_adam(optimizer):
    """Run a keras.optimizers.Adam's variable updates as TensorFlow's fused Adam kernel.

    The optimizer stays a plain Adam (it saves and loads as one). Returns
    whether it was switched: not off the TensorFlow backend, not for amsgrad or
    other optimizer classes.
    """
    if keras.backend.backend() != "tensorflow" or type(optimizer) is not keras.optimizers.Adam or optimizer.amsgrad:
        return False
    optimizer._distributed_tf_update_step = types.MethodType(_fused_adam_update, optimizer)
    return True


def tune_for_cpu(max_cores=4):
    """Without a GPU: Grappler off, and on CPUs of at most `max_cores` cores one thread per kernel and
    one kernel per core at a time. Returns whether the thread pools were set.

    Process-wide; the thread pools can only be set before TensorFlow's runtime starts (a later call
    logs that they stay as they are).
    """
    if tf.config.list_physical_devices("GPU"):
        return False
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    # the cores this process may run on (a container's cpuset, taskset's), where the OS tells
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cores > max_cores:
        return False
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(cores)
    except RuntimeError:
        if (tf.config.threading.get_intra_op_parallelism_threads(),
                tf.config.threading.get_inter_op_parallelism_threads()) == (1, cores):
            return True
        logging.getLogger(__name__).info("TensorFlow is running already: its thread pools stay as they are")
        return False
    return True
