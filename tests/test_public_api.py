"""The public API: every name in hrkeras.__all__ exists, and the docstring examples run (doctest)."""
import doctest

import pytest

import hrkeras
from hrkeras import inferencer
from hrkeras.models import constructors, registry


def test_all_names_exist_and_every_variant_has_a_constructor():
    assert [n for n in hrkeras.__all__ if not hasattr(hrkeras, n)] == []
    built = {getattr(hrkeras, n).__code__.co_consts for n in constructors.__all__}
    named = {c for consts in built for c in consts if isinstance(c, str)}
    assert set(registry.list_models()) <= named


@pytest.mark.parametrize("module", [constructors, inferencer])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.failed == 0 and (result.attempted > 0 or module is inferencer)
