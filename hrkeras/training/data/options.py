"""The end of every tf.data pipeline of hrkeras: a prefetch, and no autotuning thread.

tf.data's autotuning runs a model thread per iterator that sleeps for its optimization period, which doubles up
to 60 s, and deleting the iterator waits for that thread to wake: a `fit` epoch or an evaluation then ended up
to a minute after its last batch (51.7 s of one deletion in 2 measured here, after 90 s of iteration; a
15-minute pose training lost 93 s in two such waits). Without autotuning, AUTOTUNE parallelism takes
tf.data's default (the CPU count, at most 16) and a prefetch buffer grows while its consumer waits: the pose
pipeline delivers its batches at the same speed either way (docs/training.md, "A minute lost at the end of an
epoch").
"""
import tensorflow as tf

_OPTIONS = tf.data.Options()
_OPTIONS.autotune.enabled = False


def prefetched(dataset):
    """`dataset` prefetched (an AUTOTUNE buffer), without autotuning."""
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(_OPTIONS)
