"""Lite-HRNet (Lite-HRNet-18/30 and the naive variants): blocks, backbone, variant table."""
