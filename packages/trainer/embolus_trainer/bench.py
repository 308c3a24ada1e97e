"""
Timings on this machine (CPU: torch.set_num_threads from engine.setup; CUDA when present, bf16).
Phase 1: ms per window for fwd+bwd+Adam at batch 8 (model only, and with the 224 -> 192 rotation +
crop augmentation from uint8) and for the eval forward (feature extraction, feature+logit+cam).
Phase 2: ms per optimizer step at batch 64 (L = 40) and per 64-study eval forward.

    python3 -m embolus_trainer.bench [--configs lite,paper] [--steps 3]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from . import engine
from .config import preset
from .data import augment
from .models import WindowNet
from .train_phase2 import build_model


def _time(fn, steps, env):
    fn()  # warm-up
    if env.device.type == 'cuda':
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    if env.device.type == 'cuda':
        torch.cuda.synchronize()
    return (time.perf_counter() - t) / steps


def bench(name: str, steps: int, batch: int = 8) -> dict:
    env, cfg = engine.setup(), preset(name)
    torch.manual_seed(0)
    dev, cuda = env.device, env.device.type == 'cuda'
    net = WindowNet.from_config(cfg.phase1).to(dev)
    if cuda:
        net.to(memory_format=torch.channels_last_3d)
    opt = torch.optim.Adam(net.parameters(), lr=4e-4)
    x = torch.rand(batch, 3, 10, 192, 192, device=dev)
    u8 = torch.randint(0, 256, (batch, 3, 10, 224, 224), dtype=torch.uint8)
    y = torch.randint(0, 2, (batch,), device=dev).float()
    g = torch.Generator().manual_seed(0)

    def step(inp=None):
        xx = inp() if inp else x
        if cuda:
            xx = xx.contiguous(memory_format=torch.channels_last_3d)
        with engine.autocast(env, cfg.phase1.amp):
            z = net(xx)
        loss = F.binary_cross_entropy_with_logits(z.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    aug = lambda: augment(u8.to(dev).float().div_(255), 192, 15.0, True, g)

    @torch.no_grad()
    def fwd():
        net.eval()
        with engine.autocast(env, cfg.phase1.amp):
            net.outputs(x)
        net.train()

    net.train()
    r = dict(config=name, device=str(dev), threads=torch.get_num_threads(), batch=batch,
             phase1_params=sum(p.numel() for p in net.parameters()), feature_dim=cfg.feature_dim)
    r['phase1_train_ms_per_window'] = round(1000 * _time(step, steps, env) / batch, 1)
    r['phase1_train_aug_ms_per_window'] = round(1000 * _time(lambda: step(aug), steps, env) / batch, 1)
    r['augment_ms_per_window'] = round(1000 * _time(aug, steps, env) / batch, 1)
    r['features_ms_per_window'] = round(1000 * _time(fwd, steps, env) / batch, 1)
    r['min_for_5000_window_steps'] = round(5000 * r['phase1_train_aug_ms_per_window'] / 60000, 1)

    seq = build_model(cfg).to(dev)
    opt2 = torch.optim.Adam(seq.parameters(), lr=5e-4)
    B, L = cfg.phase2.batch_size, cfg.phase2.seq_len
    xs, m = torch.randn(B, L, 3 * cfg.feature_dim, device=dev), torch.ones(B, L, device=dev)
    yw, ys = torch.rand(B, L, device=dev).round(), torch.rand(B, 9, device=dev).round()

    def step2():
        w, s, _ = seq(xs, m)
        loss = F.binary_cross_entropy_with_logits(w, yw) + F.binary_cross_entropy_with_logits(s, ys)
        opt2.zero_grad(set_to_none=True)
        loss.backward()
        opt2.step()

    @torch.no_grad()
    def fwd2():
        seq(xs, m)

    r['phase2_params'] = sum(p.numel() for p in seq.parameters())
    r['phase2_train_ms_per_step_b64'] = round(1000 * _time(step2, 5 * steps, env), 2)
    r['phase2_eval_ms_per_64_studies'] = round(1000 * _time(fwd2, 5 * steps, env), 2)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--configs', default='lite,paper')
    ap.add_argument('--steps', type=int, default=3)
    a = ap.parse_args()
    for name in a.configs.split(','):
        print(json.dumps(bench(name, a.steps)), flush=True)


if __name__ == '__main__':
    main()
