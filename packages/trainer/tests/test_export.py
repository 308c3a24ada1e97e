"""The TypeScript parity fixtures: small, and in sync with the Python code that defines them."""
import os

import numpy as np
import onnx
import pytest

from embolus_trainer import fixtures


def test_fixtures_are_small_and_in_sync(tmp_path):
    fixtures.write(str(tmp_path))
    names = sorted(os.listdir(tmp_path))
    assert sum(os.path.getsize(tmp_path / n) for n in names) < 2_000_000
    for n in ('phase1.onnx', 'phase2.onnx'):
        m = onnx.load(str(tmp_path / n))
        onnx.checker.check_model(m)
        assert m.opset_import[0].version == 17
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
    g2 = onnx.load(str(tmp_path / 'phase2.onnx')).graph
    assert [dims(v) for v in g2.input] == [['B', 'L', 48], ['B', 'L']]
    committed = os.path.normpath(fixtures.DEFAULT_OUT)
    if not os.path.isdir(committed):
        pytest.skip('no committed fixtures')
    assert sorted(n for n in os.listdir(committed) if n != 'npy.ts') == names
    for n in names:
        if n.startswith('seq_'):  # the sequence builder's outputs must match exactly
            np.testing.assert_array_equal(np.load(tmp_path / n), np.load(os.path.join(committed, n)), err_msg=n)
        elif n.endswith('.npy'):
            np.testing.assert_allclose(np.load(tmp_path / n), np.load(os.path.join(committed, n)), atol=1e-5, err_msg=n)
