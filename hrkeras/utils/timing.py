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



def interleaved_ms(fns, x, runs, rounds):
    """{key: median ms} of each fn, timed in `rounds` alternating rounds of `runs` calls (median of medians):
    a busy moment of a shared machine, or a drift in its speed, moves one round, and weighs on every fn alike."""
    medians = {key: [] for key in fns}
    for _ in range(rounds):
        for key, fn in fns.items():
            medians[key].append(median_ms(fn, x, runs))
    return {key: float(np.median(m)) for key, m in medians.items()}
