"""Training of every task (pose, segmentation, classification): data pipelines, losses, evaluation and the
tf.distribute trainer."""
