"""Typed reads of values parsed from untrusted JSON: ids and numbers, or None when they are something else."""
import math

import numpy as np


def key(value):
    """An id usable as a key (int or str), or None."""
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def number(value):
    """A JSON number as float (integers past float's range become +-inf), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def numbers(value):
    """A JSON list of numbers as a float64 array, or None for anything else."""
    values = [number(v) for v in value] if isinstance(value, list) else [None]
    return None if any(v is None for v in values) else np.array(values, np.float64)
