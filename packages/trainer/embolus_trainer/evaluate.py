"""
Evaluation of the trained pair on a split (default: test) with the PyTorch models: study-level
AUROC per label, window-level AUROC of the phase-2 window logits mapped back to each study's W
windows, the phase-1-only window AUROC, the loss (issue normalisation) and the RSNA weighted log
loss. Writes <model-dir>/metrics.json.

    python3 -m embolus_trainer.evaluate --model <model-dir> --cache <cache> [--split test]
"""
import argparse
import json
import os

import numpy as np

from . import engine
from .config import Config
from .data import Cache, SequenceDataset, features_dir
from .losses import auroc
from .train_phase2 import build_model, evaluate as evaluate_phase2


def evaluate(model_dir: str, cache_root: str, split: str = 'test') -> dict:
    env = engine.setup()
    ck = engine.load_checkpoint(os.path.join(model_dir, 'phase2', 'best.pt'))
    cfg = Config.from_dict(ck['config'])
    cache = Cache(cache_root)
    model = build_model(cfg).to(env.device)
    model.load_state_dict(ck['model'])
    data = SequenceDataset(cache, split, ck['run'], cfg.phase2.seq_len)
    m = evaluate_phase2(model, data, env, cfg)
    y, z = [], []
    for s in cache.split(split):  # phase 1 alone, from the extracted window logits
        y.append(np.asarray(cache.labels(s['study'])['windows'], np.float32))
        z.append(np.load(os.path.join(features_dir(cache_root, ck['run']), s['study'] + '.npz'))['logit'])
    m['phase1_window_auroc'] = auroc(np.concatenate(y), np.concatenate(z)) if y else float('nan')
    m['windows'] = int(sum(len(v) for v in y))
    m['split'] = split
    out = engine.finite(m)
    with open(os.path.join(model_dir, 'metrics.json'), 'w') as f:
        json.dump(out, f, indent=1, allow_nan=False)
    engine.log_json(phase='evaluate', **out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--cache', required=True)
    ap.add_argument('--split', default='test')
    a = ap.parse_args()
    evaluate(a.model, a.cache, a.split)


if __name__ == '__main__':
    main()
