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
"""
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


def normalize_state_dict(state):
    """{original key: array} -> {normalized key: (original key, array)}; raises on collisions."""
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
    return out
