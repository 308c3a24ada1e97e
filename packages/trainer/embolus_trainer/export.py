"""
ONNX export (opset 17) of both phases plus manifest.json beside them.

phase1.onnx  input  'input'  float32 [N,3,10,S,S] = uint8 serve window / 255 (S = cache serveSize, 192)
             output 'feature' [N,D], 'logit' [N], 'cam' [N,d,h,w] (exact Grad-CAM of the logit at layer4,
             see models.py; [N,2,12,12] for 10x192x192). N dynamic.
phase2.onnx  inputs 'x' [B,L,3D], 'mask' [B,L] (data.build_sequence; L = 40 in serving)
             outputs 'window_logit' [B,L], 'study_logit' [B,9] (cache label order), 'attention' [B,9,L].
             B and L dynamic; weight norm folded (remove_weight_norm) before export.

    python3 -m embolus_trainer.export --model <model-dir> --cache <cache> [--metrics <model-dir>/metrics.json]
"""
import argparse
import copy
import datetime
import inspect
import json
import os
import re

import onnx
import torch

from . import engine
from .config import Config
from .data import LABELS, Cache
from .models import WindowNet
from .train_phase2 import build_model

THRESHOLDS = {'pe_present_on_image': 0.15, 'negative_exam_for_pe': 0.80, 'indeterminate': 0.05, 'chronic_pe': 0.05,
              'acute_and_chronic_pe': 0.05, 'central_pe': 0.05, 'leftsided_pe': 0.15, 'rightsided_pe': 0.15,
              'rv_lv_ratio_gte_1': 0.15, 'rv_lv_ratio_lt_1': 0.15}
SEQUENCE = dict(
    layout='x[i] = [g[i], g[i] - g[i-1], g[i] - g[i+1]] (3D wide); the difference to a missing neighbour is 0',
    padding='W <= L: g = features, rows W..L-1 of x are 0, mask = 1 for the first W positions, 0 after',
    resize="W > L: g = linear resize of the [W,D] features to L rows (F.interpolate mode='linear', "
           "align_corners=False), resized BEFORE the differences; mask all ones",
    toWindows='W <= L: window j = position j; W > L: the L window logits are resized linearly to W (same formula), '
              'then sigmoid; the training loss used exactly this mapping',
    reference='packages/trainer/embolus_trainer/data.py, packages/inference/src/sequence.ts')


class _Phase1(torch.nn.Module):
    def __init__(self, net: WindowNet):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.outputs(x)


def _export(model, args, path, inputs, outputs, axes):
    kw = dict(input_names=inputs, output_names=outputs, dynamic_axes=axes, opset_version=17, do_constant_folding=True)
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kw['dynamo'] = False  # torch >= 2.9 defaults to the dynamo exporter; keep the TorchScript one
    with torch.no_grad():
        torch.onnx.export(model, args, path, **kw)
    onnx.checker.check_model(onnx.load(path))


def export_phase1(net: WindowNet, path: str, slices: int = 10, size: int = 192):
    net = copy.deepcopy(net).float().cpu().eval()
    x = torch.rand(2, 3, slices, size, size)  # batch 2: torch 1.13 CPU Conv3d at batch 1 is very slow
    _export(_Phase1(net), (x,), path, ['input'], ['feature', 'logit', 'cam'],
            {'input': {0: 'N'}, 'feature': {0: 'N'}, 'logit': {0: 'N'}, 'cam': {0: 'N'}})


def export_phase2(net, path: str, seq_len: int = 40):
    """Folds net's weight norm IN PLACE (deepcopy fails on weight-normed modules after a forward)."""
    net = net.float().cpu().eval().fold_weight_norm()
    in_dim = net.blocks[0].conv1.in_channels
    x, mask = torch.randn(2, seq_len, in_dim), torch.ones(2, seq_len)
    mask[1, seq_len // 2:] = 0
    _export(net, (x, mask), path, ['x', 'mask'], ['window_logit', 'study_logit', 'attention'],
            {'x': {0: 'B', 1: 'L'}, 'mask': {0: 'B', 1: 'L'}, 'window_logit': {0: 'B', 1: 'L'},
             'study_logit': {0: 'B'}, 'attention': {0: 'B', 2: 'L'}})


def _split_summary(cache: Cache) -> dict:
    out = {}
    for s in cache.studies:
        d = out.setdefault(s['split'], dict(studies=0, windows=0, positiveWindows=0, negativeStudies=0))
        d['studies'] += 1
        d['windows'] += s['windows']
        d['positiveWindows'] += s['positiveWindows']
        d['negativeStudies'] += int(s['labels']['negative_exam_for_pe'])
    return out


# An absolute path (POSIX, two segments or more; or a Windows drive) at the start of a value or after
# a separator. Artifacts travel (every result quotes trainedOn), so they must not name the machine
# that trained them. Relative repository paths (e.g. 'packages/trainer/...') stay allowed.
_ABSOLUTE_PATH = re.compile(r'(?:^|[\s"\'(=:,;])(?:~?/[\w.@+-]+){2,}|\b[A-Za-z]:[\\/]\w')


def absolute_paths(value, where='') -> list:
    """The dotted keys of every string in a JSON-like value that holds an absolute path."""
    if isinstance(value, str):
        return [where or '.'] if _ABSOLUTE_PATH.search(value) else []
    if isinstance(value, dict):
        return [k for key, v in value.items() for k in absolute_paths(v, f'{where}.{key}' if where else str(key))]
    if isinstance(value, (list, tuple)):
        return [k for i, v in enumerate(value) for k in absolute_paths(v, f'{where}[{i}]')]
    return []


def describe_training_data(cache: Cache, splits: dict, pairs: list) -> str:
    """A portable description of the training data: what it is and how much, never where it lay."""
    kind = 'SYNTHETIC phantoms' if cache.meta.get('synthetic') else 'CTPA studies'
    total = sum(v['studies'] for v in splits.values())
    return (f'{total} {kind} in an embolus-cache: '
            + ', '.join(f"{k} {v['studies']} studies / {v['windows']} windows" for k, v in sorted(splits.items()))
            + (f'; {len(pairs)} positive phantoms among them come with their embolus-free twins' if pairs else ''))


def export(model_dir: str, cache_root: str, metrics: dict = None, trained_on: str = None) -> str:
    """Writes <model_dir>/{phase1.onnx, phase2.onnx, manifest.json} from phase1/best.pt and phase2/best.pt.

    trained_on: the manifest's description of the training data (default: describe_training_data).
    Raises ValueError, before writing the manifest, if any of its values holds an absolute path.
    """
    cache = Cache(cache_root)
    ck1 = engine.load_checkpoint(os.path.join(model_dir, 'phase1', 'best.pt'))
    ck2 = engine.load_checkpoint(os.path.join(model_dir, 'phase2', 'best.pt'))
    cfg = Config.from_dict(ck2['config'])
    net1 = WindowNet.from_config(cfg.phase1)
    net1.load_state_dict(ck1['model'])
    net2 = build_model(cfg)
    net2.load_state_dict(ck2['model'])
    p1, p2 = os.path.join(model_dir, 'phase1.onnx'), os.path.join(model_dir, 'phase2.onnx')
    export_phase1(net1, p1, cache.slices, cache.serve_size)
    export_phase2(net2, p2, cfg.phase2.seq_len)
    with torch.no_grad():
        cam_shape = list(net1.eval().outputs(torch.zeros(2, 3, cache.slices, cache.serve_size, cache.serve_size))[2].shape[1:])
    best1 = next(h for h in reversed(ck1['history']) if h['best'])
    best2 = next(h for h in reversed(ck2['history']) if h['best'])
    S, D, L = cache.serve_size, cfg.feature_dim, cfg.phase2.seq_len
    h1, h2 = engine.sha256(p1), engine.sha256(p2)
    splits, pairs = _split_summary(cache), cache.pairs()
    trained_on = trained_on or describe_training_data(cache, splits, pairs)
    # Field names follow packages/inference/src/manifest.ts (ModelManifestSchema); extra keys pass through.
    manifest = dict(
        name=f'embolus-{cfg.name}', version=f'{cfg.name}-{h1[:8]}{h2[:8]}', format='embolus-model',
        createdAt=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        trainedOn=trained_on, notForClinicalUse=True, note='Research software, NOT for clinical use.',
        files=dict(phase1=dict(path='phase1.onnx', sha256=h1, bytes=os.path.getsize(p1)),
                   phase2=dict(path='phase2.onnx', sha256=h2, bytes=os.path.getsize(p2))),
        featureDim=D, sequenceLength=L, windowSlices=cache.slices, inputSize=S,
        thresholds=THRESHOLDS, labels=LABELS, windowLabel='pe_present_on_image',
        channels=cache.meta['channels'], quantization=cache.meta['quantization'], sequence=SEQUENCE,
        io=dict(phase1=dict(inputs={'input': ['N', 3, cache.slices, S, S]},
                            outputs={'feature': ['N', D], 'logit': ['N'], 'cam': ['N'] + cam_shape},
                            inputScaling='float32 = uint8 / %g (no mean/std normalisation)' % cache.scale,
                            cam='ReLU(sum_k fc_k / (d*h*w) * A_k) = exact Grad-CAM of the logit at layer4'),
                phase2=dict(inputs={'x': ['B', 'L', 3 * D], 'mask': ['B', 'L']},
                            outputs={'window_logit': ['B', 'L'], 'study_logit': ['B', 9], 'attention': ['B', 9, 'L']})),
        opset=17, torch=torch.__version__, config=cfg.to_dict(),
        trainingData=dict(cacheMeta=cache.meta, splits=splits,
                          featuresRun=ck2.get('run'), phase1Best=best1, phase2Best=best2,
                          phase1CheckpointSha256=engine.sha256(os.path.join(model_dir, 'phase1', 'best.pt'))),
        metrics=metrics or {})
    leaks = absolute_paths(manifest)
    if leaks:
        raise ValueError('the manifest would hold an absolute path (a machine path) in: ' + ', '.join(leaks))
    path = os.path.join(model_dir, 'manifest.json')
    with open(path, 'w') as f:
        json.dump(engine.finite(manifest), f, indent=1, allow_nan=False)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, help='model dir holding phase1/best.pt and phase2/best.pt')
    ap.add_argument('--cache', required=True)
    ap.add_argument('--metrics', help='a metrics.json to embed (default: <model>/metrics.json if present)')
    ap.add_argument('--trained-on', help='the description of the training data (default: counts from the cache; no paths)')
    a = ap.parse_args()
    mpath = a.metrics or os.path.join(a.model, 'metrics.json')
    metrics = json.load(open(mpath)) if os.path.exists(mpath) else None
    engine.setup()
    print(export(a.model, a.cache, metrics, a.trained_on))


if __name__ == '__main__':
    main()
