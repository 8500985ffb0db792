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


def round_medians(fns, x, runs, rounds, pause=0.0):
    """{key: [median ms of each round]}: each fn timed in `rounds` alternating rounds of `runs` calls, `pause`
    seconds apart."""
    medians = {key: [] for key in fns}
    for round_ in range(rounds):
        if round_ and pause:
            time.sleep(pause)
        for key, fn in fns.items():
            medians[key].append(median_ms(fn, x, runs))
    return medians


def interleaved_ms(fns, x, runs, rounds, pause=0.0, statistic=np.median):
    """{key: statistic of its round_medians}. The median (the default): a busy moment of a shared machine, or a
    drift in its speed, moves one round and weighs on every fn alike, for ratios. np.min with a pause: the
    latency on the machine undisturbed, for an absolute figure on a VM whose second core is taken for seconds
    at a time (here a 2-thread TFLite network timed 2.0 ms, then 4.8 ms for 10-20 s, then 2.0 ms again: rounds
    within one second all fall in one such moment)."""
    return {key: float(statistic(m)) for key, m in round_medians(fns, x, runs, rounds, pause).items()}
