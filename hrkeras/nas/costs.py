"""MACs of the search units of an HR-NAS network at its input size (hrkeras.complexity's convention).

A hidden channel of kernel path p of a block costs the same as every other channel of that path: its share of
the block's 1x1 expand and 1x1 project convolutions (merged over the paths, linear in the total hidden width)
and of the path's kxk depthwise convolution (linear in the path's width). A
transformer of m live tokens costs lin * m + quad * m^2 (projections, feed-forward and reverse projection
are linear in m; the two attentions' score and value matmuls are 2 m^2 E each), so removing one of m tokens
saves lin + quad * (2m - 1). Everything else (stem, residual convs, classifier) is `fixed`. So
macs(keep) is exact: it equals count_macs of the compact network (tests/test_nas.py).
"""
import dataclasses

import numpy as np

from hrkeras.complexity import count_macs
from hrkeras.models.hrnas import hrnas_arch
from hrkeras.models.hrnas.hrnas_transformer import TokenAttention
from hrkeras.utils.nested import leaf_layers


@dataclasses.dataclass
class UnitCosts:
    """channel[block]: MACs of one hidden channel per path [P]; tokens[block]: (lin, quad, n); fixed: the rest."""

    channel: dict
    tokens: dict
    fixed: int

    def token_macs(self, block, m):
        lin, quad, _ = self.tokens[block]
        return lin * m + quad * m * m

    def token_marginal(self, block, m):
        """MACs saved by removing one of `m` live tokens of `block`'s transformer."""
        lin, quad, _ = self.tokens[block]
        return lin + quad * (2 * m - 1) if m > 0 else 0.0

    def macs(self, counts):
        """Total MACs of {block: (hidden channels per path [P], live tokens)}."""
        total = self.fixed
        for block, (hidden, tokens) in counts.items():
            total += float(np.dot(self.channel[block], hidden))
            if block in self.tokens:
                total += self.token_macs(block, tokens)
        return total


def unit_costs(model):
    """UnitCosts of `model` (an HR-NAS network, built at its input size)."""
    by_layer = count_macs(model, by_layer=True)
    layers = {layer.name: layer for layer in leaf_layers(model)}
    channel, tokens, units = {}, {}, 0
    for block, choice in hrnas_arch.architecture(model).items():
        hidden = choice["hidden_channels"]
        shared = sum(by_layer.get(f"{block}_{part}", 0) for part in ("expand_0", "project"))  # linear in sum(hidden)
        depthwise = [by_layer.get(f"{block}_ops_{p}_1_0", 0) for p in range(len(hidden))]
        channel[block] = np.array([shared / sum(hidden) + d / h for d, h in zip(depthwise, hidden)], np.float64)
        units += shared + sum(depthwise)
        n = choice["num_tokens"]
        if n:
            prefix = f"{block}_transformer_"
            total = sum(v for name, v in by_layer.items() if name.startswith(prefix))
            quad = sum(2 * layer.input[0].shape[1] * layer.input[1].shape[1] * layer.in_proj.shape[0]
                       for name, layer in layers.items()
                       if name.startswith(prefix) and isinstance(layer, TokenAttention))
            tokens[block] = ((total - quad) / n, quad / (n * n), n)
            units += total
    return UnitCosts(channel, tokens, count_macs(model) - units)


def live_counts(model):
    """{block: (hidden channels per path, tokens)} of `model` as built."""
    return {block: (np.array(c["hidden_channels"], np.float64), c["num_tokens"])
            for block, c in hrnas_arch.architecture(model).items()}


def normalized_costs(costs, counts):
    """Penalty weights: {block: (per-channel weight per path [P], per-token weight)}, each unit's MACs over the
    mean MACs of all units (a token's: its marginal cost with `counts`' live tokens)."""
    per_unit, sizes = [], []
    for block, (hidden, n) in counts.items():
        per_unit += list(costs.channel[block])
        sizes += list(hidden)
        if block in costs.tokens and n:
            per_unit.append(costs.token_marginal(block, n))
            sizes.append(n)
    mean = np.dot(per_unit, sizes) / max(np.sum(sizes), 1)
    return {block: (costs.channel[block] / mean,
                    costs.token_marginal(block, n) / mean if block in costs.tokens and n else 0.0)
            for block, (hidden, n) in counts.items()}
