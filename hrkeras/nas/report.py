"""The per-block table of an HR-NAS network: what a search kept of each SearchBlock, and what it costs."""
from hrkeras.models.hrnas import hrnas_arch
from hrkeras.nas.costs import live_counts, unit_costs


def _by_stage(name):
    """Sort key of a block name: features_1 before features_10 (by stage, then branch)."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in name.split("_")]


def arch_table(model):
    """The markdown table of `model`'s SearchBlocks by stage and branch: the hidden channels kept per kernel path,
    the live tokens and the block's MACs (its searchable part: kernel paths and transformer); the network's total
    MACs as its last line."""
    arch, costs, counts = hrnas_arch.architecture(model), unit_costs(model), live_counts(model)
    lines = ["| block | kernel: hidden channels | tokens | MMACs |", "|---|---|---|---|"]
    for block in sorted(arch, key=_by_stage):
        hidden, tokens = counts[block]
        macs = float(costs.channel[block] @ hidden) + (costs.token_macs(block, tokens) if block in costs.tokens else 0)
        paths = " ".join(f"{k}x{k}:{int(h)}" for k, h in zip(arch[block]["kernel_sizes"], hidden)) or "residual only"
        lines.append(f"| {block} | {paths} | {int(tokens)} | {macs / 1e6:.2f} |")
    total = costs.macs(counts)
    return "\n".join(lines + [f"| all (stem, fusions and head included) | | | {total / 1e6:.2f} |"])
