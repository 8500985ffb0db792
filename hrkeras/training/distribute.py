"""tf.distribute strategy selection for the trainer."""
import json
import os

import tensorflow as tf

STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def _workers_in_tf_config():
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    return len(config.get("cluster", {}).get("worker", []))


def make_strategy(kind="auto", devices=None):
    """A tf.distribute strategy.

    auto: MultiWorkerMirroredStrategy when TF_CONFIG names several workers, else
    MirroredStrategy over the visible GPUs when there are several, else the
    default strategy (CPU or one GPU). `devices` (e.g. ["/cpu:0", "/cpu:1"])
    restricts MirroredStrategy.
    """
    if kind not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {kind!r}")
    if kind == "auto":
        if _workers_in_tf_config() > 1:
            kind = "multiworker"
        elif devices or len(tf.config.list_logical_devices("GPU")) > 1:
            kind = "mirrored"
        else:
            kind = "default"
    if kind == "multiworker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError("strategy 'multiworker' needs TF_CONFIG (cluster.worker and task) in the environment")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.get_strategy()


def is_chief(strategy):
    """True on the worker that writes checkpoints and logs (always, outside multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0
                                             and "chief" not in resolver.cluster_spec().as_dict())


def split_cpu(num_devices):
    """Split the CPU into `num_devices` logical devices (call before TensorFlow initializes)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)
    return [f"/cpu:{i}" for i in range(num_devices)]
