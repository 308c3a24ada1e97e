"""
PyTorch side of `npm run bench:inference`: exports the paper-config phase-1 network (random
weights, seed 0) to ONNX and times the same graph in PyTorch eager (feature, logit and CAM) at
batch 1 and 8 on CPU with 2 threads. Prints one JSON object on stdout.

    python3 bench/inference_torch.py --out /tmp/embolus-bench-inference [--width 64] [--runs 3]
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'packages', 'trainer'))
import torch  # noqa: E402

from embolus_trainer.export import export_phase1  # noqa: E402
from embolus_trainer.models import WindowNet  # noqa: E402
from embolus_trainer.quantize import conv_input_scales, quantize_onnx  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--width', type=int, default=64)
    ap.add_argument('--runs', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    os.makedirs(a.out, exist_ok=True)
    net = WindowNet(a.width).eval()
    path = os.path.join(a.out, f'phase1-w{a.width}.onnx')
    if not os.path.exists(path):
        export_phase1(net, path)
    # int8 QDQ variant of the same graph; random weights, so calibration on random windows (timing only).
    qpath = os.path.join(a.out, f'phase1-w{a.width}.int8.onnx')
    if not os.path.exists(qpath):
        quantize_onnx(path, qpath, conv_input_scales(net, [torch.rand(2, 3, 10, 192, 192)]))
    res = dict(onnx=path, int8=qpath, width=a.width, torch=torch.__version__, threads=torch.get_num_threads(), msPerWindow={})
    with torch.no_grad():
        for batch in (1, 8):
            x = torch.rand(batch, 3, 10, 192, 192)
            net.outputs(x)  # warm-up
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                net.outputs(x)
                times.append((time.perf_counter() - t) * 1000 / batch)
            res['msPerWindow'][str(batch)] = dict(median=statistics.median(times), runs=times)
            print(f'torch batch {batch}: {statistics.median(times):.0f} ms/window', file=sys.stderr)
    print(json.dumps(res))


if __name__ == '__main__':
    main()
