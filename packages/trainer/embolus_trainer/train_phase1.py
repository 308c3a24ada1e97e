"""
Phase 1: the window model (3-D ResNet-18) on single windows of 10 slices, BCE on the window label.
Train on train224 with a random rotation (+-15 deg) and a random 192 crop; validate on serve192;
keep the epoch with the best validation window AUROC (<out>/best.pt, ties/undefined -> lower val loss).
With low_res_epochs > 0 (progressive resizing, the lite recipe) the first epochs train and validate
at half in-plane size, and best.pt is always a full-size epoch once one exists. With input_pool 2
(the demo config) the net itself pools 2x2 first: every epoch trains on the half-size windows and
validation runs the served 192 windows through that pool.
With twin_fraction > 0 (the demo config) each batch starts with pairs of a positive window and the
same window of its phantom's embolus-free twin (<cache>/pairs.json), rotated and cropped alike.
Every epoch writes <out>/last.pt; running again resumes from it (the epoch's shuffle, subset and
augmentation are seeded by (seed, epoch), so a resumed run equals an uninterrupted one).

    python3 -m embolus_trainer.train_phase1 --cache <cache> --out <model-dir>/phase1 --config lite [--epochs 5]
    torchrun --nproc_per_node 8 -m embolus_trainer.train_phase1 --cache <cache> --out <dir>/phase1 --config paper
    # Kinetics-400 initialisation (paper config only): --pretrained r3d_18-b3b3357e.pth
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader

from . import engine
from .config import Config, override, preset, load_json
from .data import Cache, HalfResWindows, WindowDataset, augment_twins, epoch_batches, half_res, twin_clot_target, twin_rows
from .extract import study_outputs
from .losses import auroc
from .models import WindowNet


def finite_gradients(model: torch.nn.Module) -> bool:
    """True when every gradient is finite (under DDP they are already all-reduced, so ranks agree)."""
    flags = [torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None]
    return bool(torch.stack(flags).all()) if flags else True  # one device sync, not one per tensor


def _rank_rows(n: int, k: int, env) -> list:
    """Positions of one global batch [k pos | k twins | singles] that this rank takes: k/world pairs
    (pos and twin together) and an equal share of the singles, so every rank has the same layout."""
    kr, per = k // env.world, (n - 2 * k) // env.world
    pos = list(range(env.rank * kr, (env.rank + 1) * kr))
    return pos + [k + i for i in pos] + [2 * k + env.rank * per + i for i in range(per)]


def lr_at(p, epoch: int, done: int, n_windows: int) -> float:
    """Learning rate after `done` windows of `epoch`: p.lr, or with lr_min_fraction f < 1 a cosine from
    p.lr down to f * p.lr over every window that the run's epochs plan (0 = all n_windows)."""
    if p.lr_min_fraction >= 1:
        return p.lr
    plan = [((p.low_res_windows_per_epoch or p.windows_per_epoch) if e < p.low_res_epochs else p.windows_per_epoch) or n_windows
            for e in range(p.epochs)]
    t = min(1.0, (sum(plan[:epoch]) + done) / max(1, sum(plan)))
    return p.lr * (p.lr_min_fraction + (1 - p.lr_min_fraction) * 0.5 * (1 + math.cos(math.pi * t)))


def validate(model, cache: Cache, env, cfg: Config, low_res: bool = False):
    """(val BCE, val window AUROC) over serve192 windows of the val split (studies sharded by rank);
    low_res: at half in-plane size, as the low-res epochs train."""
    ys, zs = [], []
    for s in cache.split('val')[env.rank::env.world]:
        arr = np.load(cache.path(s['study'], 'serve'), mmap_mode='r')
        arr = half_res(arr) if low_res else arr
        _, z = study_outputs(model, arr, env, cache.scale, cfg.phase1.eval_batch_size, cfg.phase1.amp)
        ys.append(np.asarray(cache.labels(s['study'])['windows'], np.float32))
        zs.append(z)
    parts = engine.gather((np.concatenate(ys) if ys else np.zeros(0), np.concatenate(zs) if zs else np.zeros(0)))
    y, z = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if y.size == 0:
        return float('nan'), float('nan')
    loss = F.binary_cross_entropy_with_logits(torch.from_numpy(z).double(), torch.from_numpy(y).double()).item()
    return loss, auroc(y, z)


def train(cfg: Config, cache_root: str, out: str, resume: bool = True) -> str:
    """Trains (or resumes) phase 1 into `out`; returns the path of best.pt."""
    env, p = engine.setup(), cfg.phase1
    cache = Cache(cache_root)
    engine.seed_all(p.seed)
    model = WindowNet.from_config(p)
    if p.pretrained:
        model.load_kinetics(p.pretrained)
    model.to(env.device)
    if env.device.type == 'cuda':
        model.to(memory_format=torch.channels_last_3d)
    opt = torch.optim.Adam(model.parameters(), lr=p.lr)
    start, best, history = 0, None, []
    last, best_path = os.path.join(out, 'last.pt'), os.path.join(out, 'best.pt')
    if resume and os.path.exists(last):
        ck = engine.load_checkpoint(last)
        engine.check_resume(ck['config']['phase1'], cfg.to_dict()['phase1'])
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        start, best, history = ck['epoch'] + 1, ck['best'], ck['history']
        engine.log(f'phase1: resuming from {last} at epoch {start}')
    net = DDP(model, device_ids=[env.local_rank] if env.device.type == 'cuda' else None) if env.world > 1 else model
    items = cache.window_items('train')
    train_set = WindowDataset(cache, items, 'train')
    labels = np.asarray([y for _, _, y in items])
    half_data = lambda e: e < p.low_res_epochs or p.input_pool == 2  # epochs that train on half-size windows
    low_set = HalfResWindows(cache, items) if start < p.epochs and half_data(start) else None
    twins = twin_rows(cache, items) if p.twin_fraction > 0 else np.zeros((0, 2), np.int64)
    engine.log(f'phase1: width {p.width} (D={cfg.feature_dim}), {len(train_set)} train windows, '
               f'{sum(s["windows"] for s in cache.split("val"))} val windows, {len(twins)} twin pairs, '
               f'device {env.device}, world {env.world}')
    mask_loss = p.twin_mask_weight > 0
    for epoch in range(start, p.epochs):
        t0 = time.time()
        engine.seed_all(p.seed * 1000 + epoch)
        g = torch.Generator().manual_seed(p.seed * 1000 + epoch)
        # Progressive resizing: low-res epochs see every window at half size (train 224 -> 112,
        # crop 96, validated at 96), then full-size epochs adapt the filters to the serving scale.
        # input_pool 2: every epoch trains on those half-size windows, which the net's own 2x2 pool
        # makes of served 192 windows (validated and served at 192 through the pool).
        low = epoch < p.low_res_epochs
        draws = (p.low_res_windows_per_epoch or p.windows_per_epoch) if low else p.windows_per_epoch
        # Batches of [k twin pairs | the rest drawn as positive_fraction asks] (k = 0 without twins).
        batches, k = epoch_batches(labels, twins, draws, p.batch_size * env.world,
                                   p.positive_fraction, p.twin_fraction, g)
        batches = [r for r in ([b[i] for i in _rank_rows(len(b), k, env)] for b in batches) if r]  # each rank: its share
        kr = k // env.world  # twin pairs in this rank's share of each batch
        half = half_data(epoch)
        loader = DataLoader(low_set if half else train_set, batch_sampler=batches, num_workers=0 if half else p.num_workers,
                            pin_memory=env.device.type == 'cuda')
        size = cache.serve_size // 2 if half else cache.serve_size
        aug = torch.Generator().manual_seed((p.seed * 1000 + epoch) * 64 + env.rank)
        net.train()
        tot, n, skipped, drawn = torch.zeros((), dtype=torch.float64), 0, 0, 0
        tot_cells = torch.zeros((), dtype=torch.float64)  # the clot-map loss (twin_mask_weight > 0), logged apart
        lr = lr_at(p, epoch, 0, len(labels))
        for xb, yb in loader:
            lr = lr_at(p, epoch, drawn, len(labels))
            for group in opt.param_groups:
                group['lr'] = lr
            drawn += len(yb) * env.world
            x = xb.to(env.device, non_blocking=True).float().div_(cache.scale)
            x = augment_twins(x, kr, size, p.rotate_deg, p.crop, aug)
            if env.device.type == 'cuda':
                x = x.contiguous(memory_format=torch.channels_last_3d)
            y = yb.to(env.device)
            buffers = [b.detach().clone() for b in model.buffers()]  # BatchNorm running stats (small)
            with engine.autocast(env, p.amp, cpu=p.amp_cpu):
                out = net(x, pooled=p.input_pool > 1, clot_map=mask_loss)  # with the input pool, x is already half size
            z, cells = out if mask_loss else (out, None)
            bce = F.binary_cross_entropy_with_logits(z.float(), y)
            cell_loss = torch.zeros((), device=env.device)
            if cells is not None and kr:
                # Where a twin pair differs is where the clot is: the layer4 features learn to
                # localise it (a training-only head; the served model is unchanged).
                target = twin_clot_target(x, kr, cells.shape[1:])
                cell_loss = F.binary_cross_entropy_with_logits(cells[:2 * kr].float(), target)
            loss = bce + p.twin_mask_weight * cell_loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if not finite_gradients(model):
                # torch 1.13's CPU bf16 kernels now and then return a non-finite gradient: one such
                # Adam step poisons every weight, so the batch is dropped (BatchNorm statistics that its
                # forward pass updated included) and counted instead.
                with torch.no_grad():
                    for b, saved in zip(model.buffers(), buffers):
                        b.copy_(saved)
                skipped += 1
                continue
            opt.step()
            tot += bce.detach().double().cpu() * len(y)  # the logged loss is the window BCE alone
            tot_cells += cell_loss.detach().double().cpu() * len(y)
            n += len(y)
        tot_all = engine.gather((tot.item(), n))
        cells_all = engine.gather(tot_cells.item())
        train_loss = sum(a for a, _ in tot_all) / max(1, sum(b for _, b in tot_all))
        if not half:
            low_set = None  # frees the in-RAM half-size copy
        val_loss, val_auc = validate(model, cache, env, cfg, low_res=low)
        # Serving runs at full size, so any full-size epoch beats every low-res one.
        key = [0 if low else 1, val_auc if math.isfinite(val_auc) else -1.0, -val_loss if math.isfinite(val_loss) else -1e9]
        improved = best is None or key > best
        row = dict(phase='phase1', epoch=epoch, size=size, loss=round(train_loss, 6), val_loss=round(val_loss, 6),
                   val_auroc=round(val_auc, 6) if math.isfinite(val_auc) else val_auc,
                   windows=sum(b for _, b in tot_all), skipped_steps=skipped,
                   **(dict(clot_map_loss=round(sum(cells_all) / max(1, sum(b for _, b in tot_all)), 6)) if mask_loss else {}), lr=lr, seconds=round(time.time() - t0, 2), best=improved)
        history.append(row)
        if improved:
            best = key
        if env.main:
            state = dict(config=cfg.to_dict(), feature_dim=cfg.feature_dim, model=model.state_dict(),
                         optimizer=opt.state_dict(), epoch=epoch, best=best, history=history)
            if improved:
                engine.save_checkpoint(best_path, state)
            engine.save_checkpoint(last, state)
        engine.barrier()
        engine.log_json(**row)
    return best_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cache', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--config', default='lite', help="preset name ('paper', 'lite', 'demo', 'tiny') or a config .json")
    ap.add_argument('--epochs', type=int)
    ap.add_argument('--batch-size', type=int)
    ap.add_argument('--windows-per-epoch', type=int)
    ap.add_argument('--pretrained')
    ap.add_argument('--no-resume', action='store_true')
    a = ap.parse_args()
    cfg = load_json(a.config) if a.config.endswith('.json') else preset(a.config)
    cfg = override(cfg, 'phase1', epochs=a.epochs, batch_size=a.batch_size, windows_per_epoch=a.windows_per_epoch,
                   pretrained=a.pretrained)
    train(cfg, a.cache, a.out, resume=not a.no_resume)


if __name__ == '__main__':
    main()
