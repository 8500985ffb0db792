"""Top-down pose training: data pipelines, losses, evaluation and the tf.distribute trainer."""
