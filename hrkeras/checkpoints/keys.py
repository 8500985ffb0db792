"""Key layouts of the reference code bases, normalized to module paths of hrkeras layers.

| code base                              | backbone keys        | head keys                     |
|----------------------------------------|----------------------|-------------------------------|
| deep-high-resolution-net.pytorch       | `conv1.weight` ...   | `final_layer.*`               |
| mmpose 0.x, official Lite-HRNet        | `backbone.*`         | `keypoint_head.final_layer.*` |
| mmpose 1.x                             | `backbone.*`         | `head.final_layer.*`          |
| HRNet-Image-Classification, timm       | `conv1.weight` ...   | `incre_modules.*` ... `classifier.*` |
| HRNet-Semantic-Segmentation (trainer)  | `model.conv1.weight` | `model.last_layer.*`, `loss.*` |

Lite-HRNet's `backbone.head_layer.*` (IterativeHead) stays `head_layer.*`.
`nn.DataParallel` adds `module.` in front of any of these.

HR-NAS (dingmyu/HR-NAS) search blocks keep one 1x1 expand conv + BN (`X.ops.{p}.0.{0,1}`) and one 1x1
project conv (`X.ops.{p}.2`) per kernel path p; hrkeras runs each block's paths merged
(hrkeras.models.hrnas.hrnas_layers.SearchBlock), so they are concatenated in path order into
`X.expand.{0,1}` (output channels) and `X.project` (input channels).
"""
import re

import numpy as np

# Stripped wherever they lead a key (repeatedly: `module.backbone.conv1.weight`).
WRAPPER_PREFIXES = ("module.", "model.", "backbone.")
# Pose heads: `keypoint_head.final_layer.weight` -> `final_layer.weight`.
HEAD_PREFIXES = ("keypoint_head.", "head.")
# Not weights of the network: BN step counters, loss class weights, preprocessing constants.
IGNORED_SUFFIXES = ("num_batches_tracked",)
IGNORED_PREFIXES = ("loss.", "data_preprocessor.")
# HR-NAS search blocks' per-kernel "distillation" BNs (`...bns.{i}.*`), which never run in forward.
IGNORED_INFIXES = (".bns.",)


def normalize_key(key):
    """Key of any supported layout -> hrkeras module path + parameter, or None if not a weight."""
    if key.endswith(IGNORED_SUFFIXES) or key.startswith(IGNORED_PREFIXES) or any(s in key for s in IGNORED_INFIXES):
        return None
    stripped = True
    while stripped:
        stripped = False
        for prefix in WRAPPER_PREFIXES + HEAD_PREFIXES:
            if key.startswith(prefix):
                key, stripped = key[len(prefix):], True
    return key


# `X.ops.{p}.{part}.{param}` of a per-path HR-NAS tensor; part -> (merged module, concatenation axis).
_PATH_KEY = re.compile(r"^(.+)\.ops\.(\d+)\.(0\.0|0\.1|2)\.(\w+)$")
_MERGED = {"0.0": ("expand.0", 0), "0.1": ("expand.1", 0), "2": ("project", 1)}


def merge_search_paths(normalized):
    """HR-NAS per-path expand / project tensors merged per block (see the module docstring):
    {normalized key: (original key, array)} -> the same with `X.expand.*` / `X.project.*` entries, whose
    original key names the paths as `X.ops.{0,1,2}.0.0.weight`."""
    out, groups = {}, {}
    for key, item in normalized.items():
        match = _PATH_KEY.match(key)
        if match is None:
            out[key] = item
            continue
        block, path, part, param = match.groups()
        groups.setdefault((block, part, param), {})[int(path)] = item
    for (block, part, param), paths in groups.items():
        module, axis = _MERGED[part]
        order = sorted(paths)
        if order != list(range(len(order))):
            raise ValueError(f"checkpoint has kernel paths {order} of {block}.ops.*.{part}.{param}: not 0, 1, ..."
                             " in order; was a path removed from the file?")
        original = f"{block}.ops.{{{','.join(map(str, order))}}}.{part}.{param}"
        arrays = [np.asarray(paths[p][1]) for p in order]
        out[f"{block}.{module}.{param}"] = (original, np.concatenate(arrays, axis=axis))
    return out


def normalize_state_dict(state):
    """{original key: array} -> {normalized key: (original key, array)}, HR-NAS kernel paths merged
    (merge_search_paths); raises on collisions."""
    out = {}
    for key, value in state.items():
        norm = normalize_key(key)
        if norm is None:
            continue
        if norm in out:
            raise ValueError(
                f"checkpoint keys {out[norm][0]!r} and {key!r} both map to {norm!r}: the file mixes two "
                "models (e.g. a student and a teacher); extract one state dict first"
            )
        out[norm] = (key, value)
    return merge_search_paths(out)
