"""The public API: every name in hrkeras.__all__ exists, and the docstring examples run (doctest)."""
import doctest
import inspect
import re

import pytest

import hrkeras
from hrkeras import inferencer
from hrkeras.models import constructors, families


def test_all_names_exist_and_every_variant_has_a_constructor():
    assert [n for n in hrkeras.__all__ if not hasattr(hrkeras, n)] == []
    built = {getattr(hrkeras, n).__code__.co_consts for n in constructors.__all__}
    named = {c for consts in built for c in consts if isinstance(c, str)}
    assert set(families.list_models()) <= named


@pytest.mark.parametrize("module", [constructors, inferencer])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.failed == 0 and (result.attempted > 0 or module is inferencer)


def _public_callables():
    from hrkeras import codecs
    from hrkeras.convert import metadata
    from hrkeras.pretrained import table
    from hrkeras.training import configs, pose_model, segmentation_eval
    from hrkeras.training.data import geometry, image_folder, segmentation_pipeline, topdown, warp

    found = {name: getattr(hrkeras, name) for name in hrkeras.__all__}
    for module in (codecs, pose_model, configs, segmentation_eval, geometry, warp, topdown, image_folder,
                   segmentation_pipeline, metadata, table):
        found.update({f"{module.__name__}.{name}": obj for name, obj in vars(module).items()
                      if callable(obj) and not name.startswith("_")
                      and getattr(obj, "__module__", "").startswith(module.__name__)})
    return found


SIZE_PARAM = re.compile(r"(size|shape)$")
NOT_A_PAIR = {"batch_size", "blur_kernel_size", "base_size"}  # counts and single sides
HEIGHT_FIRST = re.compile(r"\((H, W|height, width)")


def _docs(obj):
    """The docstrings that may describe obj's parameters: its own, its __init__'s, its base classes'."""
    owners = inspect.getmro(obj) if inspect.isclass(obj) else (obj,)
    return [d for owner in owners for d in (owner.__doc__, getattr(owner, "__init__", None).__doc__) if d]


def test_every_public_size_parameter_is_documented_height_then_width():
    """A (W, H) parameter cannot come back unnoticed: every public size/shape parameter that holds a pair
    is described as (H, W) / (height, width) right where its docstring names it, and never as (W, H)."""
    checked, wrong = [], []
    for name, obj in _public_callables().items():
        try:
            params = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            continue
        for param in params:
            if not SIZE_PARAM.search(param) or param in NOT_A_PAIR:
                continue
            windows = [doc[m.start():m.start() + 150] for doc in _docs(obj)
                       for m in re.finditer(rf"\b{param}\b", doc)]
            checked.append(f"{name}({param})")
            if not any(HEIGHT_FIRST.search(w) for w in windows) or any("(W, H" in w or "(width, height" in w
                                                                        for w in windows):
                wrong.append(f"{name}({param})")
    assert {"hrkeras.codecs.MSRAHeatmap(input_size)", "hrkeras.codecs.MSRAHeatmap(heatmap_size)",
            "hrkeras.training.pose_model.load_model(input_size)", "create_model(input_shape)",
            "hrkeras.training.configs.PoseConfig(input_size)"} <= set(checked), checked
    assert wrong == []


def test_codec_and_pipeline_refuse_what_an_old_width_height_call_would_pass(tmp_path):
    from hrkeras.codecs import MSRAHeatmap
    from hrkeras.training.data.topdown import TopDownPipeline

    with pytest.raises(ValueError, match=r"\(height, width\)"):
        MSRAHeatmap((192, 256), (64, 48))  # input (W, H) beside a (H, W) heatmap: two strides
    with pytest.raises(TypeError, match="positional"):
        TopDownPipeline(["instance"], MSRAHeatmap(), (192, 256))  # the size comes from the codec now
