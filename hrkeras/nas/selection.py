"""Which search units a shrink removes: the dead ones, then (under a budget) the least useful per MAC.

Units are scored by importance per cost, |gamma| / MACs (the cheapest way to lose the least). A shrink
1. removes every unit with |gamma| < threshold (the official rule), lowest score first, skipping any whose
   removal would take the network below `floor` (the budget: never under it);
2. while the network is still above `target`, removes the lowest-scoring live units, one at a time, so it
   ends within one unit's MACs under `target` (target >= floor).
A transformer's token saves its marginal MACs, which shrink as tokens go (hrkeras.nas.costs).
"""
import numpy as np


def _units(importance, costs, counts):
    """[(score, |gamma|, block, path or None for a token, index)] of every live unit, lowest score first."""
    units = []
    for block, entry in importance.items():
        for p, gammas in enumerate(entry["hidden"]):
            c = costs.channel[block][p]
            units += [(g / c if c else np.inf, g, block, p, i) for i, g in enumerate(gammas)]
        if "tokens" in entry and block in costs.tokens:
            c = costs.token_marginal(block, counts[block][1])
            units += [(g / c if c else np.inf, g, block, None, i) for i, g in enumerate(entry["tokens"])]
    return sorted(units, key=lambda u: (u[0], u[2], -1 if u[3] is None else u[3], u[4]))


def select(importance, costs, counts, threshold, floor=0.0, target=0.0):
    """(keep selection for hrnas_arch, MACs after it, units removed by the threshold, units removed to reach
    `target`). importance: hrnas_arch.importance(model); costs: UnitCosts; counts: live_counts(model)."""
    keep = {block: {"hidden": [np.ones(len(g), bool) for g in entry["hidden"]],
                    **({"tokens": np.ones(len(entry["tokens"]), bool)} if "tokens" in entry else {})}
            for block, entry in importance.items()}
    tokens = {block: n for block, (_, n) in counts.items()}
    macs = costs.macs(counts)

    def saving(block, path):
        return costs.channel[block][path] if path is not None else costs.token_marginal(block, tokens[block])

    def remove(block, path, index):
        nonlocal macs
        macs -= saving(block, path)
        if path is None:
            keep[block]["tokens"][index] = False
            tokens[block] -= 1
        else:
            keep[block]["hidden"][path][index] = False

    units, dead, forced = _units(importance, costs, counts), 0, 0
    for _, gamma, block, path, index in units:
        if gamma < threshold and macs - saving(block, path) >= floor:
            remove(block, path, index)
            dead += 1
    for _, gamma, block, path, index in units:
        if macs <= target:
            break
        alive = keep[block]["hidden"][path][index] if path is not None else keep[block]["tokens"][index]
        if alive:
            remove(block, path, index)
            forced += 1
    return keep, macs, dead, forced
