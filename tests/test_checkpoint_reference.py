"""Parity against the live reference implementations (slow; needs .venv-ref from
tests/fixtures/install_reference.sh, or HRKERAS_REFERENCE_PYTHON)."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import hrkeras
from checkpoint_cases import FIXTURES, TOLERANCE, case_names, load_case, parity

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "fixtures" / "make_checkpoint_fixtures.py"
REFERENCE_PYTHON = os.environ.get("HRKERAS_REFERENCE_PYTHON", str(ROOT / ".venv-ref" / "bin" / "python"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(REFERENCE_PYTHON),
                       reason="reference implementations not installed: tests/fixtures/install_reference.sh"),
]


def make_references(out, *flags):
    done = subprocess.run([REFERENCE_PYTHON, str(SCRIPT), "--out", str(out), *flags], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    return case_names(out)


def test_full_size_models_equal_the_references(tmp_path):
    """Registry variants built by timm / mmpose with random non-default weights:
    the importer recognizes the variant from the file alone and reproduces the
    outputs and every recorded branch feature."""
    cases = make_references(tmp_path, "--full")
    assert len(cases) == 5
    report = []
    for case in cases:
        io, config, checkpoint = load_case(tmp_path, case)
        info = hrkeras.describe_checkpoint(checkpoint)
        kwargs = info.create_model_kwargs()
        model = hrkeras.create_model(**kwargs, input_shape=config["input_shape"], weights=str(checkpoint))
        out_err, feat_errs = parity(model, io)
        report.append((case, info.variant, config["model"], out_err, max(feat_errs.values())))
    print("\n".join(f"{c}: recognized {v} (expected {e}), output {o:.1e}, features {f:.1e}" for c, v, e, o, f in report))
    assert all(v == e and o <= TOLERANCE and f <= TOLERANCE for _, v, e, o, f in report), report


def test_committed_fixtures_are_what_the_script_makes(tmp_path):
    cases = make_references(tmp_path)
    assert cases == case_names(FIXTURES)
    for case in cases:
        fresh, _, _ = load_case(tmp_path, case)
        committed, _, _ = load_case(FIXTURES, case)
        assert set(fresh) == set(committed)
        for key in fresh:
            # float32 results of a rerun differ in the last bits (thread-dependent summation order):
            # compare relative to each array's range, as the parity tests do.
            scale = float(np.abs(committed[key]).max()) or 1.0
            np.testing.assert_allclose(fresh[key], committed[key], rtol=1e-5, atol=1e-5 * scale, err_msg=f"{case}: {key}")
