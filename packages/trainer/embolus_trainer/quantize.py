"""
Static int8 quantisation of the phase-1 ONNX graph, in QDQ form, for ONNX Runtime's CPU path.

Every Conv gets per-output-channel symmetric int8 weights (DequantizeLinear, axis 0) and a per-tensor
uint8 QuantizeLinear/DequantizeLinear pair on its input, with the scale calibrated as the 99.99th
percentile of that input over real windows (max/255, zero point 0: every Conv input of the network is
either the [0,1] image or a ReLU output, so nothing is negative). ONNX Runtime fuses these pairs into
int8 convolutions (QLinearConv; VNNI where the CPU has it). The head (mean pooling, linear, CAM) stays
fp32. Calibration runs the PyTorch model with hooks: torch.onnx.export writes Conv nodes in call order,
so the k-th Conv node is the k-th Conv3d call (checked by weight shape).

Why here and not onnxruntime.quantization: Debian ships no Python onnxruntime, and no network at run time.

    python3 -m embolus_trainer.quantize --checkpoint <model>/phase1/best.pt --onnx <dir>/phase1.onnx \\
        --out <dir>/phase1.int8.onnx [--cache <cache> --windows 64]     (without --cache: random inputs,
                                                                         fine for timing only)
"""
import argparse

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from .config import Config
from .data import Cache, WindowDataset
from .models import WindowNet


def conv_input_scales(net: WindowNet, batches) -> list:
    """uint8 scale per Conv3d call, in call order, from the 99.99th percentile of its input."""
    seen: list = []
    hooks = [m.register_forward_pre_hook(lambda m, inp: seen.append((m, inp[0].detach().flatten().float())))
             for m in net.modules() if isinstance(m, torch.nn.Conv3d)]
    samples: dict = {}
    order: list = []
    try:
        with torch.no_grad():
            for x in batches:
                seen.clear()
                net(x)
                for k, (m, v) in enumerate(seen):
                    if k == len(order):
                        order.append(m)
                    step = max(1, v.numel() // 200_000)  # a strided subsample keeps memory bounded
                    samples.setdefault(k, []).append(v[::step])
    finally:
        for h in hooks:
            h.remove()
    scales = []
    for k, m in enumerate(order):
        v = torch.cat(samples[k])
        hi = float(torch.quantile(v[:1_000_000], 0.9999)) if v.numel() else 1.0
        scales.append((m.weight.shape, max(hi, 1e-6) / 255.0))
    return scales


def quantize_onnx(src: str, dst: str, scales: list) -> dict:
    """Writes the QDQ graph; returns counts. `scales`: [(torch weight shape, input scale)] per Conv, in order."""
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    convs = [n for n in g.node if n.op_type == 'Conv' and n.input[1] in inits]
    if len(convs) != len(scales):
        raise ValueError(f'{src}: {len(convs)} Conv nodes but {len(scales)} Conv3d calls were calibrated')
    nodes, new_inits, quantized_inputs, replaced = [], [], {}, set()
    by_node = {id(n): s for n, s in zip(convs, scales)}
    for n in g.node:
        if id(n) in by_node:
            shape, a_scale = by_node[id(n)]
            x, w = n.input[0], n.input[1]
            W = numpy_helper.to_array(inits[w]).astype(np.float32)
            if tuple(W.shape[:2]) != tuple(shape[:2]):
                raise ValueError(f'Conv {n.name}: weight {W.shape} does not match the calibrated Conv3d {tuple(shape)}')
            s = np.maximum(np.abs(W).reshape(W.shape[0], -1).max(1), 1e-12) / 127.0
            q = np.clip(np.round(W / s.reshape(-1, *([1] * (W.ndim - 1)))), -127, 127).astype(np.int8)
            new_inits += [numpy_helper.from_array(q, w + '_int8'), numpy_helper.from_array(s.astype(np.float32), w + '_scale'),
                          numpy_helper.from_array(np.zeros(W.shape[0], np.int8), w + '_zero')]
            nodes.append(helper.make_node('DequantizeLinear', [w + '_int8', w + '_scale', w + '_zero'], [w + '_dq'], axis=0))
            replaced.add(w)
            if x not in quantized_inputs:
                quantized_inputs[x] = a_scale
                new_inits += [numpy_helper.from_array(np.array(a_scale, np.float32), x + '_scale'),
                              numpy_helper.from_array(np.array(0, np.uint8), x + '_zero')]
                nodes += [helper.make_node('QuantizeLinear', [x, x + '_scale', x + '_zero'], [x + '_q']),
                          helper.make_node('DequantizeLinear', [x + '_q', x + '_scale', x + '_zero'], [x + '_dq'])]
            n.input[0], n.input[1] = x + '_dq', w + '_dq'
        nodes.append(n)
    keep = [i for i in g.initializer if i.name not in replaced]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    for o in m.opset_import:
        if o.domain in ('', 'ai.onnx') and o.version < 13:
            o.version = 13  # per-axis DequantizeLinear
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return dict(convs=len(convs), activations=len(quantized_inputs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', help='phase-1 best.pt (its config gives the width)')
    ap.add_argument('--width', type=int, help='without --checkpoint: random weights of this width')
    ap.add_argument('--onnx', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--cache')
    ap.add_argument('--windows', type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.checkpoint:
        ck = torch.load(a.checkpoint, map_location='cpu')
        net = WindowNet.from_config(Config.from_dict(ck['config']).phase1)
        net.load_state_dict(ck['model'])
    else:
        torch.manual_seed(0)
        net = WindowNet(a.width or 64)  # the same seed as bench/inference_torch.py
    net.eval()
    if a.cache:
        cache = Cache(a.cache)
        items = cache.window_items('val') or cache.window_items('train')
        pick = np.linspace(0, len(items) - 1, min(a.windows, len(items))).astype(int)
        ds = WindowDataset(cache, [items[i] for i in pick], 'serve')
        batches = [torch.stack([ds[j][0] for j in range(i, min(i + 8, len(ds)))]).float() / cache.scale for i in range(0, len(ds), 8)]
    else:
        batches = [torch.rand(2, 3, 10, 192, 192)]
    print(quantize_onnx(a.onnx, a.out, conv_input_scales(net, batches)))


if __name__ == '__main__':
    main()
