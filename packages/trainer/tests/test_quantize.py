"""int8 QDQ quantisation of the phase-1 graph: structure, calibration and weight round trip."""
import numpy as np
import onnx
import torch
from onnx import numpy_helper

from embolus_trainer.export import export_phase1
from embolus_trainer.models import WindowNet
from embolus_trainer.quantize import conv_input_scales, quantize_onnx


def test_quantize_phase1_qdq(tmp_path):
    torch.manual_seed(0)
    net = WindowNet(2).eval()
    src, dst = str(tmp_path / 'p1.onnx'), str(tmp_path / 'p1.int8.onnx')
    export_phase1(net, src, size=64)
    x = torch.rand(2, 3, 10, 64, 64)
    scales = conv_input_scales(net, [x])
    assert len(scales) == 20  # stem + 8 blocks x 2 + 3 downsamples
    # The first conv sees the [0,1] image: its uint8 scale is about 1/255.
    assert abs(scales[0][1] - 1 / 255) < 2e-5
    counts = quantize_onnx(src, dst, scales)
    assert counts['convs'] == 20 and 0 < counts['activations'] <= 20
    m = onnx.load(dst)
    ops = [n.op_type for n in m.graph.node]
    assert ops.count('QuantizeLinear') == counts['activations']
    assert ops.count('DequantizeLinear') == counts['convs'] + counts['activations']
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    src_inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(src).graph.initializer}
    for conv in (n for n in m.graph.node if n.op_type == 'Conv'):
        w = conv.input[1][:-len('_dq')]
        q, s = inits[w + '_int8'], inits[w + '_scale']
        assert q.dtype == np.int8 and np.abs(q).max() == 127
        W = src_inits[w]
        err = np.abs(q.astype(np.float32) * s.reshape(-1, *([1] * (q.ndim - 1))) - W)
        assert (err <= s.reshape(-1, *([1] * (q.ndim - 1))) / 2 + 1e-7).all()  # round to nearest
    assert (tmp_path / 'p1.int8.onnx').stat().st_size < (tmp_path / 'p1.onnx').stat().st_size
