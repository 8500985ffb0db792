"""Keypoint datasets: COCO format loading, the synthetic default, top-down tf.data pipelines."""
