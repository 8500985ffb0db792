"""`hrkeras models`: every variant with params and MACs beside the published figures."""
from hrkeras.complexity import count_macs, count_params, count_torchstat_flops
from hrkeras.models.families import FAMILIES
from hrkeras.models.registry import create_model

# How each family's published complexity is expressed: (label, counter, divisor).
PUBLISHED_UNITS = {
    "hrnet": ("GFLOPs = conv+linear MACs / 2^30", count_macs, 2**30),
    "litehrnet": ("MFLOPs = torchstat convention / 2^20", count_torchstat_flops, 2**20),
    "hrnas": ("GMACs of the official code (FlopCounter / 2) / 1e9", count_macs, 1e9),
}


def table_rows(only=None):
    """Yield dicts: model, task, input, params, MACs, ours/published in the published unit."""
    for family_name, family in FAMILIES.items():
        label, counter, divisor = PUBLISHED_UNITS[family_name]
        for name in family.variants:
            if only and name not in only:
                continue
            published = {(task, shape): (p, f, src) for task, shape, p, f, src in family.published.get(name, [])}
            cases = [("pose", (256, 192, 3))] + [k for k in published if k != ("pose", (256, 192, 3))]
            for task, shape in cases:
                model = create_model(name, task=task, input_shape=shape)
                pub_params, pub_flops, source = published.get((task, shape), (None, None, ""))
                yield dict(
                    model=name, task=task, input=f"{shape[0]}x{shape[1]}", params=count_params(model),
                    macs=count_macs(model), ours_unit=counter(model) / divisor, unit=label,
                    pub_params=pub_params, pub_flops=pub_flops, source=source,
                )


def format_row(r):
    pub_p = f"{r['pub_params']:.1f}M" if r["pub_params"] else "-"
    pub_f = f"{r['pub_flops']:g}" if r["pub_flops"] else "-"
    return (f"{r['model']:<26}{r['task']:<15}{r['input']:>10}{r['params']:>13,}{pub_p:>9}"
            f"{r['macs'] / 1e9:>10.4f}{r['ours_unit']:>11.2f}{pub_f:>9}  {r['unit']}")


HEADER = (f"{'model':<26}{'task':<15}{'input':>10}{'params':>13}{'paper':>9}"
          f"{'GMACs':>10}{'ours':>11}{'paper':>9}  unit of the last two columns")


def print_table(only=None, out=print):
    out(HEADER)
    for row in table_rows(only):
        out(format_row(row))
