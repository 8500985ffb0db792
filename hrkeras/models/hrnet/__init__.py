"""HRNet (V1 pose, V2 segmentation, V2p pyramid, HRNet-C classification): blocks, backbone, variant table."""
