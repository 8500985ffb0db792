"""The person-parts classes of the synthetic segmentation set, as PASCAL-Person-Part groups them."""
BACKGROUND, HEAD, TORSO, UPPER_ARM, LOWER_ARM, UPPER_LEG, LOWER_LEG = range(7)
CLASSES = ("background", "head", "torso", "upper_arms", "lower_arms", "upper_legs", "lower_legs")
PALETTE = ((0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (128, 0, 128), (0, 128, 128))
