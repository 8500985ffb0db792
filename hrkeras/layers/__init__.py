"""Keras layers shared by the model families: PyTorch-equivalent conv/BN, resizing, channel shuffle, fusion."""
