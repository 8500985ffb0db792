"""HR-NAS search units: masking equals removing; architecture JSON builds the compact network."""
import keras
import numpy as np
import pytest

import hrkeras
from checkpoint_cases import load_case, relative_error
from hrkeras.complexity import count_macs, count_params
from hrkeras.models.hrnas import hrnas_arch
from test_hrnas import FIXTURES, build

TOL = 1e-5


@pytest.fixture(scope="module")
def supernet():
    """The official-weights tiny segmentation supernet with transformers (4 blocks with 64 tokens)."""
    io, config, checkpoint = load_case(FIXTURES, "hrnas_seg_transformer_official")
    model = build(config)
    hrkeras.load_checkpoint(model, checkpoint)
    return model, io["input"], config


def _keep(model, kind, rng):
    """A keep selection dropping units of `kind` in a few blocks."""
    imp = hrnas_arch.importance(model)
    keep = {}
    for block, entry in imp.items():
        hidden = [np.ones(len(h), bool) for h in entry["hidden"]]
        tokens = np.ones(len(entry["tokens"]), bool) if "tokens" in entry else None
        if kind == "channels" and hidden:
            hidden = [rng.random(len(h)) < 0.6 for h in hidden]
            hidden[0][0] = True
        elif kind == "paths" and hidden:
            hidden[1][:] = False
        elif kind == "tokens" and tokens is not None:
            tokens = rng.random(len(tokens)) < 0.5
            tokens[0] = True
        elif kind == "transformer" and tokens is not None:
            tokens[:] = False
        elif kind == "blocks" and hidden:
            hidden = [np.zeros(len(h), bool) for h in hidden]
        keep[block] = {"hidden": hidden, **({"tokens": tokens} if tokens is not None else {})}
    return keep


@pytest.mark.parametrize("kind", ["channels", "paths", "tokens", "transformer", "blocks"])
def test_masking_equals_removing(supernet, kind, tmp_path):
    model, x, config = supernet
    keep = _keep(model, kind, np.random.default_rng(0))
    arch = hrnas_arch.compact_architecture(model, keep)
    path = tmp_path / "arch.json"
    hrnas_arch.save_arch(model, path, keep)
    compact = hrkeras.create_model("hrnas", arch=str(path), task=config["task"], input_shape=config["input_shape"],
                                   num_classes=config["num_classes"], head_kwargs={"last_channel": config["last_channel"]},
                                   bn_momentum=0.01, bn_epsilon=1e-3)
    assert hrnas_arch.architecture(compact) == arch and compact.name == "hrnas"  # a searched network, not the supernet
    hrnas_arch.transfer_weights(model, compact, keep)
    masked = model.__class__.from_config(model.get_config())
    masked.set_weights(model.get_weights())
    hrnas_arch.apply_masks(masked, keep)
    want = keras.ops.convert_to_numpy(masked(x))
    assert relative_error(compact(x), want) <= TOL
    assert relative_error(want, keras.ops.convert_to_numpy(model(x))) > 1e-3  # the masks did something
    assert count_params(compact) < count_params(model) and count_macs(compact) < count_macs(model)
    if kind == "transformer":
        assert not any("transformer" in layer.name for layer in compact.backbone.layers)
    if kind == "blocks":
        assert all(not c["kernel_sizes"] for c in arch.values())


def test_compact_weights_carry_over_to_a_smaller_architecture(supernet):
    """supernet -> compact A -> compact B equals supernet -> B (weights from a larger architecture)."""
    model, x, config = supernet
    rng = np.random.default_rng(1)
    keep_a = _keep(model, "channels", rng)
    a = _build(model, keep_a, config)
    hrnas_arch.transfer_weights(model, a, keep_a)
    keep_b = _keep(a, "tokens", rng)
    b = _build(a, keep_b, config)
    hrnas_arch.transfer_weights(a, b, keep_b)
    masked = a.__class__.from_config(a.get_config())
    masked.set_weights(a.get_weights())
    hrnas_arch.apply_masks(masked, keep_b)
    assert relative_error(b(x), keras.ops.convert_to_numpy(masked(x))) <= TOL


def _build(model, keep, config):
    arch = {"format": hrnas_arch.FORMAT, "backbone": {}, "blocks": hrnas_arch.compact_architecture(model, keep)}
    overrides = {k: v for k, v in config["overrides"].items() if k != "use_transformer"}
    return hrkeras.create_model("hrnas", arch=arch, task=config["task"], input_shape=config["input_shape"],
                                num_classes=config["num_classes"], head_kwargs={"last_channel": config["last_channel"]},
                                **overrides)


def test_arch_goes_with_the_hrnas_name_only():
    with pytest.raises(ValueError, match="arch= goes with"):
        hrkeras.create_model("hrnas")
    with pytest.raises(ValueError, match="arch= goes with"):
        hrkeras.create_model("hrnas_supernet", arch={})


def test_official_block_order_of_the_supernet():
    """67 blocks in the official searched classifier's list (checkpoint.json); 44 identity blocks
    hold transformers (the length of the official `transformer_dict` lists)."""
    from hrkeras.models.hrnas.hrnas_backbone import SUPERNET_STAGES

    names = hrnas_arch.official_block_names(SUPERNET_STAGES, "classification")
    assert len(names) == 67 and len(set(names)) == 67
    assert sum(identity for _, identity in names) == 44
    assert names[:3] == [("features_0_fuse_layers_0_0", True), ("features_1_branches_0_0", True),
                         ("features_2_fuse_layers_0_0", False)]
    assert hrnas_arch.official_block_names(SUPERNET_STAGES, "pose")[-1] == ("transform", False)


def test_keras_file_round_trip_of_a_compact_network_with_transformers(supernet, tmp_path):
    model, x, config = supernet
    keep = _keep(model, "tokens", np.random.default_rng(2))
    compact = _build(model, keep, config)
    hrnas_arch.transfer_weights(model, compact, keep)
    compact.save(tmp_path / "compact.keras")
    loaded = keras.models.load_model(tmp_path / "compact.keras")
    assert hrnas_arch.architecture(loaded) == hrnas_arch.architecture(compact)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(compact(x)))


def test_masked_units_have_zero_importance(supernet):
    """keep_by_threshold (the official |gamma| rule) finds exactly the units apply_masks masked."""
    model, _, _ = supernet
    keep = _keep(model, "channels", np.random.default_rng(3))
    for block, entry in _keep(model, "tokens", np.random.default_rng(4)).items():
        if "tokens" in entry:
            keep[block]["tokens"] = entry["tokens"]
    masked = model.__class__.from_config(model.get_config())
    masked.set_weights(model.get_weights())
    hrnas_arch.apply_masks(masked, keep)
    found = hrnas_arch.keep_by_threshold(masked, 0.0)
    assert found.keys() == keep.keys()
    for block, entry in keep.items():
        assert all((a == b).all() for a, b in zip(found[block]["hidden"], entry["hidden"]))
        assert ("tokens" in entry) == ("tokens" in found[block])
        if "tokens" in entry:
            assert (found[block]["tokens"] == entry["tokens"]).all()
