"""Full-size parameter and MAC counts against the reference implementations (timm, mmpose, the official code)."""
import re

import pytest

import hrkeras
from hrkeras.complexity import count_torchstat_flops

POSE = (256, 192, 3)
CLS = (224, 224, 3)

# Measured on timm 1.0.31 / mmpose 1.3.2: model.parameters() of the whole model.
REFERENCE_PARAMS = [
    ("litehrnet_18", "pose", POSE, 1_130_769),
    ("litehrnet_30", "pose", POSE, 1_763_717),
    ("hrnet_w32", "pose", POSE, 28_536_113),
    ("hrnet_w48", "pose", POSE, 63_595_745),
    ("hrnet_w18_small", "classification", CLS, 13_187_464),
    ("hrnet_w18_small_v2", "classification", CLS, 15_597_464),
    ("hrnet_w18", "classification", CLS, 21_299_004),
    ("hrnet_w32", "classification", CLS, 41_232_680),
    ("hrnet_w48", "classification", CLS, 77_469_864),
]


@pytest.mark.parametrize("name,task,shape,expected", REFERENCE_PARAMS)
def test_params_equal_reference(model_cache, name, task, shape, expected):
    assert hrkeras.count_params(model_cache(name, task, shape)) == expected


# torch.utils.flop_counter totals / 2 (conv + matmul multiply-adds).
REFERENCE_MACS = [
    ("hrnet_w32", "pose", POSE, 7.6450e9),
    ("hrnet_w48", "pose", POSE, 15.6918e9),
    ("hrnet_w18", "classification", CLS, 4.2835e9),
    ("hrnet_w18_small", "classification", CLS, 1.6015e9),
    ("hrnet_w32", "classification", CLS, 8.9211e9),
]


@pytest.mark.parametrize("name,task,shape,expected", REFERENCE_MACS)
def test_macs_match_reference(model_cache, name, task, shape, expected):
    macs = hrkeras.count_macs(model_cache(name, task, shape))
    assert abs(macs - expected) / expected < 0.005


@pytest.mark.parametrize("name,expected", [("litehrnet_18", 0.2423e9), ("litehrnet_30", 0.3861e9)])
def test_litehrnet_macs_match_reference_execution(model_cache, name, expected):
    """mmpose's LiteHRModule.forward runs fuse_layers[i][0] twice (`y = f(x0)` then `y += f(x0)`);
    our graph computes it once and doubles it. Ours + that repeated work = the torch counter."""
    by_layer = hrkeras.count_macs(model_cache(name, "pose", POSE), by_layer=True)
    repeated = sum(v for k, v in by_layer.items() if re.search(r"fuse_layers_[1-9]\d*_0_", k))
    assert repeated > 0.15 * sum(by_layer.values())
    assert abs(sum(by_layer.values()) + repeated - expected) / expected < 0.005


@pytest.mark.parametrize("name,task,shape,published", [
    ("hrnet_w32", "pose", POSE, "7.1"),
    ("hrnet_w48", "pose", POSE, "14.6"),
    ("hrnet_w18_small", "classification", CLS, "1.49"),
    ("hrnet_w18_small_v2", "classification", CLS, "2.42"),
    ("hrnet_w18", "classification", CLS, "3.99"),
    ("hrnet_w32", "classification", CLS, "8.31"),
    ("hrnet_w48", "classification", CLS, "16.1"),
])
def test_hrnet_papers_gflops_are_binary_gmacs(model_cache, name, task, shape, published):
    """The HRNet READMEs' "GFLOPs" are conv+linear MACs / 2^30, printed to the digits shown."""
    gflops = hrkeras.count_macs(model_cache(name, task, shape)) / 2**30
    decimals = len(published.split(".")[1])
    assert f"{gflops:.{decimals}f}" == published


@pytest.mark.parametrize("name,published", [
    ("litehrnet_18", 205.2), ("litehrnet_30", 319.2),
    ("naive_litehrnet_18", 194.8), ("wider_naive_litehrnet_18", 311.1),
])
def test_litehrnet_paper_flops_torchstat_convention(model_cache, name, published):
    flops = count_torchstat_flops(model_cache(name, "pose", POSE)) / 2**20
    assert abs(flops - published) / published < 0.0025


def test_segmentation_w48_matches_published(model_cache):
    model = model_cache("hrnet_w48", "segmentation", (1024, 2048, 3))
    assert 65.8e6 <= hrkeras.count_params(model) < 65.9e6  # published "65.8M"
    assert abs(hrkeras.count_macs(model) / 2**30 - 696.2) < 0.05
