"""HR-NAS architectures: search units, masking, compact networks and their JSON files.

Search units: each hidden channel of each kernel path of a SearchBlock
(importance |gamma| of the BN after its depthwise conv, layer `{block}_ops_{p}_1_1`)
and each token of its transformer (|gamma| of `{block}_transformer_input_norm`).

A *keep* selection is {block: {"hidden": [bool [h_p] per path], "tokens": bool [n]}}
(blocks or entries left out keep everything). Masking it in a network and
building the compact network it describes from the same weights give the same
outputs: a masked channel's depthwise BN is zeroed (its ReLU output is 0), a
masked token is excluded from both attentions' keys, its reverse projection
row and its projector BN are zeroed; a block with no channel left also zeroes `pw_bn`, a transformer
with no token left also zeroes `reverse_norm`, which is what removing them does.

An architecture is {block: {"kernel_sizes", "hidden_channels", "num_tokens"}};
its JSON file is {"format": FORMAT, "backbone": {HRNASBackbone overrides},
"blocks": {...}}, built by `hrkeras.create_model("hrnas", arch=path, task=...)`.
"""
import json
import os

import numpy as np

from hrkeras.utils.atomic import write_json
from hrkeras.utils.nested import leaf_layers

FORMAT = "hrkeras.hrnas.arch/1"
# Channel (token) axis of each weight of the layers a keep selection slices; None = copied whole.
_PATH_AXES = {"1_0": (2,), "1_1": (0, 0, 0, 0)}  # `ops.{p}.1.*`: a path's depthwise conv and BN
_MERGED_AXES = {"expand_0": (3,), "expand_1": (0, 0, 0, 0), "project": (2,)}  # every path's, concatenated
_TOKEN_AXES = {"input_proj": (3,), "input_norm": (0, 0, 0, 0), "query_embed": (0,), "reverse_proj": (2,),
               "encoder_self_attn": (None, 0), "decoder_multihead_attn": (None, 0)}  # `transformer.*`


def _layer_map(model):
    return {layer.name: layer for layer in leaf_layers(model)}


def _arch_config(model):
    backbone = getattr(model, "backbone", model)
    return backbone.get_config()


def architecture(model):
    """{block: {"kernel_sizes", "hidden_channels", "num_tokens"}} of every SearchBlock of `model`."""
    layers, arch = _layer_map(model), {}
    for name, layer in layers.items():
        if name.endswith("_pw_bn") or name.endswith("_transformer_input_norm"):
            arch.setdefault(name.split("_transformer_")[0].removesuffix("_pw_bn"),
                            {"kernel_sizes": [], "hidden_channels": [], "num_tokens": 0})
    for block, choice in arch.items():
        p = 0
        while f"{block}_ops_{p}_1_0" in layers:
            dw = layers[f"{block}_ops_{p}_1_0"]
            choice["kernel_sizes"].append(int(dw.kernel.shape[0]))
            choice["hidden_channels"].append(int(dw.kernel.shape[2]))
            p += 1
        if f"{block}_transformer_input_norm" in layers:
            choice["num_tokens"] = int(layers[f"{block}_transformer_input_norm"].gamma.shape[0])
    for block, choice in (_arch_config(model).get("arch") or {}).items():  # blocks reduced to their residual
        arch.setdefault(block, dict(choice))
    return arch


def importance(model):
    """{block: {"hidden": [|gamma| [h_p] per path], "tokens": |gamma| [n] or absent}}."""
    layers, out = _layer_map(model), {}
    for block, choice in architecture(model).items():
        entry = {"hidden": [np.abs(layers[f"{block}_ops_{p}_1_1"].gamma.numpy())
                            for p in range(len(choice["kernel_sizes"]))]}
        if choice["num_tokens"]:
            entry["tokens"] = np.abs(layers[f"{block}_transformer_input_norm"].gamma.numpy())
        out[block] = entry
    return out


def keep_by_threshold(model, threshold):
    """Keep selection of the units whose importance exceeds `threshold` (the official shrinking rule)."""
    return {block: {k: ([v > threshold for v in vals] if k == "hidden" else vals > threshold)
                    for k, vals in entry.items()}
            for block, entry in importance(model).items()}


def _full_keep(choice, entry):
    hidden = entry.get("hidden") or [np.ones(h, bool) for h in choice["hidden_channels"]]
    tokens = entry.get("tokens")
    tokens = np.ones(choice["num_tokens"], bool) if tokens is None else np.asarray(tokens, bool)
    return [np.asarray(h, bool) for h in hidden], tokens


def _zero(layer, index):
    for var in (layer.gamma, layer.beta):
        value = var.numpy()
        value[index] = 0.0
        var.assign(value)


def apply_masks(model, keep):
    """Mask the units `keep` drops, in place (see the module docstring)."""
    layers, arch = _layer_map(model), architecture(model)
    for block, entry in keep.items():
        hidden, tokens = _full_keep(arch[block], entry)
        for p, kept in enumerate(hidden):
            _zero(layers[f"{block}_ops_{p}_1_1"], ~kept)
        if hidden and not any(k.any() for k in hidden):
            _zero(layers[f"{block}_pw_bn"], slice(None))
        if arch[block]["num_tokens"]:
            t = f"{block}_transformer"
            _zero(layers[f"{t}_input_norm"], ~tokens)  # importance 0, like a masked channel
            for attn in ("encoder_self_attn", "decoder_multihead_attn"):
                layers[f"{t}_{attn}"].token_mask.assign(tokens.astype("float32"))
            proj = layers[f"{t}_reverse_proj"].kernel
            proj.assign(proj.numpy() * tokens[None, None, :, None])
            if not tokens.any():
                _zero(layers[f"{t}_reverse_norm"], slice(None))


def compact_architecture(model, keep):
    """The architecture left when `keep` is applied to `model`'s architecture."""
    arch = {}
    for block, choice in architecture(model).items():
        hidden, tokens = _full_keep(choice, keep.get(block, {}))
        paths = [p for p, k in enumerate(hidden) if k.any()]
        arch[block] = {"kernel_sizes": [choice["kernel_sizes"][p] for p in paths],
                       "hidden_channels": [int(hidden[p].sum()) for p in paths], "num_tokens": int(tokens.sum())}
    return arch


def _source(name, keep, arch):
    """(source layer name, axis per weight, kept indices) of compact-network layer `name`."""
    for part, axes in _MERGED_AXES.items():
        block = name.removesuffix(f"_{part}")
        if block != name and block in arch:  # the kept channels of every path, at the path's offset
            hidden, _ = _full_keep(arch[block], keep.get(block, {}))
            offsets = np.cumsum([0] + [len(h) for h in hidden])
            return name, axes, np.concatenate([o + np.flatnonzero(h) for o, h in zip(offsets, hidden)])
    if "_ops_" in name:
        block, rest = name.split("_ops_", 1)
        p, _, part = rest.partition("_")
        hidden, _ = _full_keep(arch[block], keep.get(block, {}))
        source = [q for q, k in enumerate(hidden) if k.any()][int(p)]
        return f"{block}_ops_{source}_{part}", _PATH_AXES.get(part), np.flatnonzero(hidden[source])
    if "_transformer_" in name:
        block, part = name.split("_transformer_", 1)
        if part in _TOKEN_AXES:
            _, tokens = _full_keep(arch[block], keep.get(block, {}))
            return name, _TOKEN_AXES[part], np.flatnonzero(tokens)
    return name, None, None


def weight_pairs(source, compact, keep):
    """(source variable, compact variable, channel axis or None, kept indices) of every weight of `compact`
    (built from compact_architecture(source, keep)): the compact weight is the source's sliced that way."""
    src_layers, arch = _layer_map(source), architecture(source)
    for name, layer in _layer_map(compact).items():
        if not layer.weights:
            continue
        src_name, axes, index = _source(name, keep, arch)
        axes = axes or (None,) * len(layer.weights)
        yield from ((s, d, a, index) for s, d, a in zip(src_layers[src_name].weights, layer.weights, axes))


def take(value, axis, index):
    """`value` sliced as weight_pairs says: [..., C, ...] -> [..., len(index), ...] along `axis` (None: whole)."""
    return value if axis is None else np.take(value, index, axis=axis)


def transfer_weights(source, compact, keep):
    """Copy `source`'s weights into `compact` (built from compact_architecture(source, keep))."""
    for src, dst, axis, index in weight_pairs(source, compact, keep):
        dst.assign(take(src.numpy(), axis, index))


def arch_file(model, keep=None):
    """The architecture file dict of `model` (after `keep`, if given): {"format", "backbone", "blocks"}."""
    config = {k: _arch_config(model)[k] for k in ("stages", "stem_channels", "expand_ratio", "kernel_sizes")}
    return {"format": FORMAT, "backbone": config, "blocks": compact_architecture(model, keep or {})}


def save_arch(model, path, keep=None):
    """Write the architecture of `model` (after `keep`, if given) as a JSON file."""
    write_json(path, arch_file(model, keep), indent=1)


def load_arch(arch):
    """(backbone overrides, blocks) of an architecture JSON path or its dict."""
    if isinstance(arch, (str, os.PathLike)):
        with open(arch) as f:
            arch = json.load(f)
    if arch.get("format") != FORMAT:
        raise ValueError(f"not an HR-NAS architecture file (format {arch.get('format')!r}, expected {FORMAT!r})")
    return dict(arch.get("backbone", {})), arch["blocks"]


def official_block_names(stages, task, stem_channels=(24, 24)):
    """[(name, identity)] of the SearchBlocks in the order the official code constructs them
    (its `checkpoint.json` / `output_network` lists and `transformer_dict` follow it);
    identity = stride 1 with equal widths, the blocks that may hold a transformer."""
    names, channels = [], [stem_channels[-1]]
    for s, (n_out, blocks, widths) in enumerate(stages):
        fuse, n_in = f"features_{2 * s}_fuse_layers", len(channels)
        rows = n_in if n_out > n_in else n_out
        for i in range(rows):
            names += [(f"{fuse}_{i}_{j}" + ("" if i == j else "_0"), i == j and channels[i] == widths[i])
                      for j in range(max(0, i - 1), min(n_in, i + 2))]
        names += [(f"{fuse}_{b}_0", False) for b in range(rows, n_out)]
        names += [(f"features_{2 * s + 1}_branches_{b}_{k}", True) for b, n in enumerate(blocks) for k in range(n)]
        channels = list(widths)
    if task == "classification":  # head blocks change width or stride
        head = f"features_{2 * len(stages)}"
        names += [(f"{head}_incre_modules_{i}", False) for i in range(len(channels))]
        names += [(f"{head}_downsamp_modules_{i}", False) for i in range(len(channels) - 1)]
    elif task in ("pose", "segmentation"):
        names.append(("transform", False))
    return names


def arch_from_official(blocks, stages, task, stem_channels=(24, 24), tokens=None):
    """Architecture file dict of an official searched network: `blocks` = its list of
    [out_channels, 1, stride, kernel_sizes, hidden_channels, expand] (checkpoint.json),
    `tokens` = its optional token counts of the identity blocks (`transformer_dict`)."""
    names = official_block_names(stages, task, stem_channels)
    if len(blocks) != len(names):
        raise ValueError(f"{len(blocks)} official blocks for a {task} network of {len(names)} blocks")
    arch = {n: {"kernel_sizes": list(b[3]), "hidden_channels": list(b[4]), "num_tokens": 0}
            for (n, _), b in zip(names, blocks)}
    identity = [n for n, is_identity in names if is_identity]
    if tokens is not None:
        if len(tokens) != len(identity):
            raise ValueError(f"{len(tokens)} token counts for {len(identity)} identity blocks")
        for name, n in zip(identity, tokens):
            arch[name]["num_tokens"] = int(n)
    backbone = {"stages": [[n, list(b), list(c)] for n, b, c in stages], "stem_channels": list(stem_channels)}
    return {"format": FORMAT, "backbone": backbone, "blocks": arch}
