"""Wall-clock timing of a callable, as the latency benchmark and the HR-NAS latency table measure it."""
import time

import numpy as np


def median_ms(fn, x, runs, warmup=3):
    """Median milliseconds of `fn(x)` over `runs` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn(x)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - began)
    return 1000 * float(np.median(times))


def rounds_ms(fn, x, runs, rounds):
    """Median over `rounds` of median_ms(fn, x, runs): one busy moment of a shared machine moves one round."""
    return float(np.median([median_ms(fn, x, runs) for _ in range(rounds)]))
