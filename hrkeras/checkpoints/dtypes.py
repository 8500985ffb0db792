"""dtype helpers shared by the checkpoint readers."""
import numpy as np


def bfloat16_to_float32(bits):
    """uint16 bfloat16 bit patterns -> float32 values (bfloat16 = upper half of a float32)."""
    return (np.asarray(bits, dtype="<u2").astype("<u4") << 16).view("<f4")
