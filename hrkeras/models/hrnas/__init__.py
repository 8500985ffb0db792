"""HR-NAS (Ding et al., CVPR 2021): the searchable supernet (SearchBlock, LightweightTransformer) and its heads."""
