"""Datasets of every task: COCO keypoints, the synthetic sets, segmentation layouts, image folders, and their
tf.data pipelines."""

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")  # the files tf.io.decode_image reads
