import os
import subprocess
import sys

import numpy as np
import keras
import pytest
import tensorflow as tf

from hrkeras.training.speedups import use_fused_adam, use_fused_batch_norm


def _model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 5, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    x = keras.layers.ReLU()(x)
    inner = keras.Model(inputs, x)  # nested, as the task models nest their backbone
    outputs = keras.layers.BatchNormalization(center=False)(inner(inputs))
    return keras.Model(inputs, outputs)


def _step(model, x, static_batch):
    weights = np.random.default_rng(1).normal(size=(len(x), *model.output.shape[1:])).astype(np.float32)

    def step(x):
        with tf.GradientTape() as tape:
            y = model(x, training=True)
            loss = tf.reduce_sum(y * weights)
        return y, tape.gradient(loss, model.trainable_variables)

    if not static_batch:  # a graph with an unknown batch size
        step = tf.function(step, input_signature=[tf.TensorSpec((None, *x.shape[1:]), tf.float32)])
    y, grads = step(tf.constant(x))
    return y.numpy(), [g.numpy() for g in grads], [v.numpy() for v in model.non_trainable_variables]


@pytest.mark.parametrize("static_batch", [True, False])
def test_fused_training_step_equals_keras(static_batch):
    x = np.random.default_rng(0).normal(2.0, 3.0, (4, 6, 5, 3)).astype(np.float32)
    reference, fused = _model(), _model()
    assert use_fused_batch_norm(fused) == 2
    (y0, grads0, stats0), (y1, grads1, stats1) = _step(reference, x, True), _step(fused, x, static_batch)
    for u, v in [(y0, y1), *zip(grads0, grads1), *zip(stats0, stats1)]:
        np.testing.assert_allclose(v, u, rtol=1e-4, atol=1e-4 * np.abs(u).max())  # float32 sums in other orders
    # inference is untouched: it uses the (equal) moving statistics
    np.testing.assert_allclose(fused(x, training=False), reference(x, training=False), rtol=1e-4, atol=1e-5)


def _train_steps(model, optimizer, x, steps=3):
    target = np.random.default_rng(1).normal(size=model.output.shape[1:]).astype(np.float32)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - target) ** 2)
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    return [v.numpy() for v in model.trainable_variables + optimizer.variables]


def test_fused_adam_updates_equal_keras_adam():
    x = np.random.default_rng(0).normal(size=(4, 6, 5, 3)).astype(np.float32)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=1, decay_rate=0.5)
    reference, fused = keras.optimizers.Adam(schedule), keras.optimizers.Adam(schedule)
    assert use_fused_adam(fused) and not use_fused_adam(keras.optimizers.Adam(amsgrad=True))
    expected, got = _train_steps(_model(), reference, x), _train_steps(_model(), fused, x)
    assert len(got) == len(expected) and float(fused.iterations) == 3
    for u, v in zip(expected, got):
        np.testing.assert_allclose(v, u, rtol=1e-5, atol=1e-6)
    assert type(fused) is keras.optimizers.Adam  # saves and loads as a plain Adam
    assert not np.allclose(got[0], _model().trainable_variables[0].numpy())  # the weights did move


@pytest.mark.parametrize("pinned", [False, True])
def test_tune_for_cpu_sets_one_thread_per_kernel_on_small_cpus(pinned):
    """pinned: the process may run on one core only (taskset, a container's cpuset): one kernel at a time."""
    cores = 1 if pinned else len(os.sched_getaffinity(0))
    # a fresh process: the thread pools can only be set before TensorFlow's runtime starts
    code = (f"import os; os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:{cores}]); "
            "import tensorflow as tf; from hrkeras.training.speedups import tune_for_cpu; done = tune_for_cpu(); "
            "tf.constant(1.0) + 1.0; print(done, tf.config.threading.get_intra_op_parallelism_threads(), "
            "tf.config.threading.get_inter_op_parallelism_threads(), tune_for_cpu())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}).stdout.split()
    # a second call, with the runtime started, reports the pools as set
    expected = ["True", "1", str(cores), "True"] if cores <= 4 else ["False", "0", "0", "False"]
    assert out == expected
