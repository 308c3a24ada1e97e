"""
Feature extraction with the best phase-1 model: for every window of every study in the cache
(all splits, serve192 arrays), the D-dim penultimate feature (layer4 global average pool) and the
window logit -> <cache>/features/<run>/<uid>.npz {feature: float32 [W,D], logit: float32 [W]},
plus <cache>/features/<run>/meta.json (checkpoint sha256, feature_dim). Skips when meta.json
already names the same checkpoint and every file exists. Under torchrun, studies are sharded by rank.

    python3 -m embolus_trainer.extract --cache <cache> --checkpoint <model-dir>/phase1/best.pt --run <name>
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from . import engine
from .config import Config
from .data import Cache, features_dir
from .models import WindowNet


@torch.no_grad()
def study_outputs(model: WindowNet, arr: np.ndarray, env: engine.Env, scale: float, batch: int, amp: bool):
    """(feature [W,D], logit [W]) for uint8 windows arr [W,3,10,S,S]; batches of >= 2 (torch CPU batch-1 Conv3d is slow)."""
    model.eval()
    feats, logits = [], []
    for i in range(0, arr.shape[0], batch):
        x = torch.from_numpy(np.array(arr[i:i + batch])).to(env.device)
        n = x.shape[0]
        if n == 1:
            x = x.repeat(2, 1, 1, 1, 1)
        x = x.float().div_(scale)
        if env.device.type == 'cuda':
            x = x.contiguous(memory_format=torch.channels_last_3d)
        with engine.autocast(env, amp):
            f, z, _ = model.outputs(x)
        feats.append(f[:n].float().cpu())
        logits.append(z[:n].float().cpu())
    return torch.cat(feats).numpy(), torch.cat(logits).numpy()


def load_phase1(checkpoint: str, env: engine.Env):
    ck = engine.load_checkpoint(checkpoint)
    cfg = Config.from_dict(ck['config'])
    model = WindowNet.from_config(cfg.phase1)
    model.load_state_dict(ck['model'])
    model.to(env.device)
    if env.device.type == 'cuda':
        model.to(memory_format=torch.channels_last_3d)
    return model.eval(), cfg


def extract(cache_root: str, checkpoint: str, run: str) -> str:
    env = engine.setup()
    cache = Cache(cache_root)
    out = features_dir(cache_root, run)
    meta = dict(checkpoint_sha256=engine.sha256(checkpoint))
    meta_path = os.path.join(out, 'meta.json')
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            old = json.load(f)
        if old.get('checkpoint_sha256') == meta['checkpoint_sha256'] and all(
                os.path.exists(os.path.join(out, s['study'] + '.npz')) for s in cache.studies):
            engine.log(f'features: {out} is up to date')
            return out
    model, cfg = load_phase1(checkpoint, env)
    os.makedirs(out, exist_ok=True)
    t0, n_win = time.time(), 0
    for s in cache.studies[env.rank::env.world]:
        arr = np.load(cache.path(s['study'], 'serve'), mmap_mode='r')
        f, z = study_outputs(model, arr, env, cache.scale, cfg.phase1.eval_batch_size, cfg.phase1.amp)
        np.savez(os.path.join(out, s['study'] + '.npz'), feature=f.astype(np.float32), logit=z.astype(np.float32))
        n_win += arr.shape[0]
    n_win = sum(engine.gather(n_win))
    engine.barrier()
    dt = time.time() - t0
    if env.main:
        meta.update(feature_dim=cfg.feature_dim, studies=len(cache.studies), windows=n_win, config=cfg.to_dict())
        with open(meta_path, 'w') as f:
            json.dump(meta, f, indent=1)
    engine.log_json(phase='features', studies=len(cache.studies), windows=n_win, seconds=round(dt, 2),
                    ms_per_window=round(1000 * dt / max(n_win, 1), 1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cache', required=True)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--run', required=True)
    a = ap.parse_args()
    extract(a.cache, a.checkpoint, a.run)


if __name__ == '__main__':
    main()
