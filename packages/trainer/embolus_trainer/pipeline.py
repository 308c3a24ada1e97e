"""
The whole sequence: phase 1 -> features -> phase 2 -> evaluation on the test split -> ONNX export +
manifest.json (with the test metrics). Each stage resumes / skips what is already done, so rerunning
the same command after an interruption continues where it stopped.

    python3 -m embolus_trainer.pipeline --cache <cache> --out <model-dir> --config lite|paper|tiny|cfg.json \
        [--epochs-phase1 N] [--epochs-phase2 N] [--batch-phase1 N] [--windows-per-epoch N] \
        [--pretrained r3d_18-b3b3357e.pth] [--run NAME] [--no-resume]
    torchrun --nproc_per_node 8 -m embolus_trainer.pipeline --cache <cache> --out <model-dir> --config paper

Writes <model-dir>/{config.json, phase1/{best,last}.pt, phase2/{best,last}.pt, metrics.json,
phase1.onnx, phase2.onnx, manifest.json} and <cache>/features/<run>/ (run defaults to the
basename of --out). stdout: one JSON line per epoch / stage; stderr: human logs.
"""
import argparse
import json
import os
import time

from . import engine, export, extract, evaluate, train_phase1, train_phase2
from .config import Config, load_json, override, preset


def run(cfg: Config, cache: str, out: str, run_name: str = None, resume: bool = True) -> dict:
    env = engine.setup()
    run_name = run_name or os.path.basename(os.path.normpath(out))
    if env.main:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'config.json'), 'w') as f:
            json.dump(cfg.to_dict(), f, indent=1)
    t = {}
    t0 = time.time()
    best1 = train_phase1.train(cfg, cache, os.path.join(out, 'phase1'), resume)
    t['phase1'] = time.time() - t0
    t0 = time.time()
    extract.extract(cache, best1, run_name)
    t['features'] = time.time() - t0
    t0 = time.time()
    train_phase2.train(cfg, cache, run_name, os.path.join(out, 'phase2'), resume)
    t['phase2'] = time.time() - t0
    result = {}
    if env.main:
        t0 = time.time()
        metrics = evaluate.evaluate(out, cache, 'test')
        t['evaluate'] = time.time() - t0
        t0 = time.time()
        export.export(out, cache, metrics)
        t['export'] = time.time() - t0
        result = dict(metrics=metrics, manifest=os.path.join(out, 'manifest.json'))
    engine.barrier()
    engine.log_json(phase='pipeline', seconds={k: round(v, 2) for k, v in t.items()}, out=out)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cache', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--config', default='lite', help="'paper', 'lite', 'demo', 'tiny' or a config .json")
    ap.add_argument('--epochs-phase1', type=int)
    ap.add_argument('--epochs-phase2', type=int)
    ap.add_argument('--batch-phase1', type=int)
    ap.add_argument('--batch-phase2', type=int)
    ap.add_argument('--windows-per-epoch', type=int)
    ap.add_argument('--pretrained')
    ap.add_argument('--run')
    ap.add_argument('--no-resume', action='store_true')
    a = ap.parse_args()
    cfg = load_json(a.config) if a.config.endswith('.json') else preset(a.config)
    cfg = override(cfg, 'phase1', epochs=a.epochs_phase1, batch_size=a.batch_phase1,
                   windows_per_epoch=a.windows_per_epoch, pretrained=a.pretrained)
    cfg = override(cfg, 'phase2', epochs=a.epochs_phase2, batch_size=a.batch_phase2)
    run(cfg, a.cache, a.out, a.run, resume=not a.no_resume)


if __name__ == '__main__':
    main()
