"""
Phase 2: the sequence model (TCN + window head + 9 attention heads) on the phase-1 features of
whole studies (data.build_sequence: 40 positions, [f, f-prev, f-next], zero padding + mask, or a
linear resize when W > 40). Loss: losses.phase2_loss (window BCE weighted by w*q_i on the logits
mapped back to the W windows, plus the weighted study BCEs, / sum_i (W_i + 9)). Adam lr 5e-4,
x0.9 every 20 epochs (lr_unit='step' for every 20 optimizer steps), batch 64, 200 epochs; keeps the
lowest validation loss in <out>/best.pt; <out>/last.pt every epoch; resumes from last.pt.

    python3 -m embolus_trainer.train_phase2 --cache <cache> --run <features-run> --out <model-dir>/phase2 \
        --config <model-dir>/phase1/best.pt [--epochs 200]
"""
import argparse
import math
import os
import time

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from . import engine
from .config import Config, override
from .data import Cache, SequenceDataset, collate_sequences, LABELS
from .losses import auroc, loss_terms
from .models import SequenceNet


def build_model(cfg: Config) -> SequenceNet:
    p = cfg.phase2
    return SequenceNet(3 * cfg.feature_dim, p.channels, p.levels, p.kernel_size, p.dropout, p.mlp_hidden)


def _to(batch, device):
    return {k: (v.to(device, non_blocking=True) if torch.is_tensor(v) else v) for k, v in batch.items()}


@torch.no_grad()
def evaluate(model: SequenceNet, dataset, env, cfg: Config) -> dict:
    """Loss (issue normalisation), RSNA weighted log loss, study AUROC per label, window AUROC (W windows)."""
    model.eval()
    num = count = weight = 0.0
    ys, ss, yw, sw = [], [], [], []
    loader = DataLoader(dataset, batch_size=cfg.phase2.batch_size, shuffle=False, collate_fn=collate_sequences)
    for b in loader:
        b = _to(b, env.device)
        with engine.autocast(env, cfg.phase2.amp):
            win, study, _ = model(b['x'], b['mask'])
        n, c, w = loss_terms(win, study, b)
        num, count, weight = num + n.item(), count + c.item(), weight + w.item()
        ys.append(b['y_study'].cpu().numpy())
        ss.append(study.float().cpu().numpy())
        z = torch.matmul(b['M'], win.float()[:, :, None])[..., 0]
        v = b['valid'].bool()
        yw.append(b['y_win'][v].cpu().numpy())
        sw.append(z[v].cpu().numpy())
    if not ys:
        return dict(loss=float('nan'))
    ys, ss = np.concatenate(ys), np.concatenate(ss)
    per_label = {k: auroc(ys[:, i], ss[:, i]) for i, k in enumerate(LABELS)}
    finite = [v for v in per_label.values() if math.isfinite(v)]
    return dict(loss=num / count, rsna_wll=num / weight, study_auroc=per_label,
                mean_study_auroc=float(np.mean(finite)) if finite else float('nan'),
                window_auroc=auroc(np.concatenate(yw), np.concatenate(sw)), studies=len(ys))


def _round(d):
    return {k: (_round(v) if isinstance(v, dict) else round(v, 6) if isinstance(v, float) and math.isfinite(v) else v)
            for k, v in d.items()}


def train(cfg: Config, cache_root: str, run: str, out: str, resume: bool = True) -> str:
    env, p = engine.setup(), cfg.phase2
    cache = Cache(cache_root)
    train_set = SequenceDataset(cache, 'train', run, p.seq_len)
    val_set = SequenceDataset(cache, 'val', run, p.seq_len)
    engine.seed_all(p.seed)
    model = build_model(cfg).to(env.device)
    opt = torch.optim.Adam(model.parameters(), lr=p.lr)
    start, best, history, step = 0, None, [], 0
    last, best_path = os.path.join(out, 'last.pt'), os.path.join(out, 'best.pt')
    if resume and os.path.exists(last):
        ck = engine.load_checkpoint(last)
        engine.check_resume({**ck['config']['phase2'], 'width': ck['config']['phase1']['width']},
                            {**cfg.to_dict()['phase2'], 'width': cfg.phase1.width})
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        start, best, history, step = ck['epoch'] + 1, ck['best'], ck['history'], ck['step']
        engine.log(f'phase2: resuming from {last} at epoch {start}')
    net = DDP(model, device_ids=[env.local_rank] if env.device.type == 'cuda' else None) if env.world > 1 else model
    engine.log(f'phase2: D={cfg.feature_dim} -> input {3 * cfg.feature_dim}, {len(train_set)} train / '
               f'{len(val_set)} val studies, device {env.device}, world {env.world}')
    sampler = DistributedSampler(train_set, num_replicas=env.world, rank=env.rank, shuffle=True, seed=p.seed)
    loader = DataLoader(train_set, batch_size=p.batch_size, sampler=sampler, collate_fn=collate_sequences)
    for epoch in range(start, p.epochs):
        t0 = time.time()
        engine.seed_all(p.seed * 1000 + epoch * 8 + env.rank)  # dropout masks depend on (seed, epoch, rank) only
        sampler.set_epoch(epoch)
        net.train()
        num = count = 0.0
        for b in loader:
            t = epoch if p.lr_unit == 'epoch' else step
            for grp in opt.param_groups:
                grp['lr'] = p.lr * p.lr_gamma ** (t // p.lr_every)
            b = _to(b, env.device)
            with engine.autocast(env, p.amp):
                win, study, _ = net(b['x'], b['mask'])
            n, c, _ = loss_terms(win, study, b)
            loss = n / c
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            num, count = num + n.item(), count + c.item()
        parts = engine.gather((num, count))
        train_loss = sum(a for a, _ in parts) / max(1e-12, sum(c for _, c in parts))
        val = evaluate(model, val_set, env, cfg)
        improved = best is None or (math.isfinite(val['loss']) and val['loss'] < best)
        if improved:
            best = val['loss']
        row = _round(dict(phase='phase2', epoch=epoch, loss=train_loss, val_loss=val['loss'],
                          val_rsna_wll=val.get('rsna_wll'), val_mean_study_auroc=val.get('mean_study_auroc'),
                          val_window_auroc=val.get('window_auroc'), val_study_auroc=val.get('study_auroc'),
                          lr=opt.param_groups[0]['lr'], seconds=time.time() - t0, best=improved))
        history.append(row)
        if env.main:
            state = dict(config=cfg.to_dict(), feature_dim=cfg.feature_dim, run=run, model=model.state_dict(),
                         optimizer=opt.state_dict(), epoch=epoch, step=step, best=best, history=history)
            if improved:
                engine.save_checkpoint(best_path, state)
            engine.save_checkpoint(last, state)
        engine.barrier()
        engine.log_json(**row)
    return best_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cache', required=True)
    ap.add_argument('--run', required=True, help='features run name (<cache>/features/<run>)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--config', required=True, help='the phase-1 checkpoint whose config (and D) to use')
    ap.add_argument('--epochs', type=int)
    ap.add_argument('--batch-size', type=int)
    ap.add_argument('--no-resume', action='store_true')
    a = ap.parse_args()
    cfg = Config.from_dict(engine.load_checkpoint(a.config)['config'])
    cfg = override(cfg, 'phase2', epochs=a.epochs, batch_size=a.batch_size)
    train(cfg, a.cache, a.run, a.out, resume=not a.no_resume)


if __name__ == '__main__':
    main()
