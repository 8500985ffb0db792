"""The per-block table of an HR-NAS network: what a search kept of each SearchBlock, and what it costs."""
from hrkeras.models.hrnas import hrnas_arch
from hrkeras.nas.costs import live_counts, unit_costs


def block_rows(model):
    """[(block, "k:channels" per kernel path, live tokens, block MACs)] of `model`'s SearchBlocks, by name
    (features_1 before features_10: by stage, then branch); a block's MACs are its searchable part's (kernel paths
    and transformer)."""
    costs, rows = unit_costs(model), []
    arch = hrnas_arch.architecture(model)
    by_stage = lambda name: [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in name.split("_")]  # noqa: E731
    for block in sorted(arch, key=by_stage):
        choice = arch[block]
        hidden, tokens = live_counts(model)[block]
        macs = float(costs.channel[block] @ hidden) + (costs.token_macs(block, tokens) if block in costs.tokens else 0)
        paths = " ".join(f"{k}x{k}:{int(h)}" for k, h in zip(choice["kernel_sizes"], hidden)) or "residual only"
        rows.append((block, paths, int(tokens), macs))
    return rows


def arch_table(model):
    """The markdown table of block_rows(model), with the network's total MACs as its last line."""
    lines = ["| block | kernel: hidden channels | tokens | MMACs |", "|---|---|---|---|"]
    lines += [f"| {block} | {paths} | {tokens} | {macs / 1e6:.2f} |" for block, paths, tokens, macs in
              block_rows(model)]
    total = unit_costs(model).macs(live_counts(model))
    return "\n".join(lines + [f"| all (stem, fusions and head included) | | | {total / 1e6:.2f} |"])
