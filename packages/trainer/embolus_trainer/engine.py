"""
Shared training plumbing: device + torchrun/DDP setup, bf16 autocast on CUDA, seeds, atomic
checkpoints, and logging (one JSON object per line on stdout for the runner, humans on stderr).
"""
import contextlib
import functools
import hashlib
import json
import math
import os
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass
class Env:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


_ENV = None


def setup() -> Env:
    """Single process, or DDP when launched by torchrun (WORLD_SIZE > 1; NCCL on CUDA, else gloo)."""
    global _ENV
    if _ENV is not None:
        return _ENV
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank, local = int(os.environ.get('RANK', '0')), int(os.environ.get('LOCAL_RANK', '0'))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        device = torch.device('cuda', local)
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    else:
        device = torch.device('cpu')
        # Debian's torch starts with 1 thread; use the cores (2 on the dev machine) unless told otherwise.
        torch.set_num_threads(int(os.environ.get('EMBOLUS_THREADS', max(1, (os.cpu_count() or 2) // world))))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group('nccl' if device.type == 'cuda' else 'gloo')
    _ENV = Env(rank, world, local, device)
    return _ENV


def barrier():
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def gather(obj) -> list:
    """List of obj from every rank (a one-element list without DDP)."""
    if not (dist.is_available() and dist.is_initialized()):
        return [obj]
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


@functools.lru_cache(maxsize=None)  # autocast() asks on every training step
def cpu_bf16_supported() -> bool:
    """True when oneDNN has native bf16 kernels here (AVX-512 BF16 or AMX); elsewhere bf16 on CPU is
    emulated and slower than fp32, so CPU autocast is skipped."""
    # torch 1.13 has no torch.ops.mkldnn._is_mkldnn_bf16_supported (asking it raised, so CPU autocast
    # silently never ran): oneDNN being built in plus the CPU flag is the same question.
    if not torch.backends.mkldnn.is_available():
        return False
    try:
        with open('/proc/cpuinfo') as f:
            flags = f.read()
    except OSError:
        return False
    return 'avx512_bf16' in flags or 'amx_bf16' in flags


def autocast(env: Env, enabled: bool, cpu: bool = False):
    """bf16 autocast on CUDA when `enabled`; on CPU only when `cpu` and the CPU has native bf16.
    Weights, optimiser state and the loss stay fp32 (autocast only lowers convolutions and matmuls)."""
    if enabled and env.device.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.bfloat16)
    if cpu and env.device.type == 'cpu' and cpu_bf16_supported():
        return torch.autocast('cpu', dtype=torch.bfloat16)
    return contextlib.nullcontext()


def seed_all(seed: int):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def log(msg: str):
    if setup().main:
        print(msg, file=sys.stderr, flush=True)


def log_json(**kw):
    """One JSON line on stdout (rank 0 only); NaN becomes null so the line stays valid JSON."""
    if setup().main:
        print(json.dumps(finite(kw), allow_nan=False), flush=True)


def finite(obj):
    """obj with every non-finite float (nested too) replaced by None, for strict JSON."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def save_checkpoint(path: str, obj: dict):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    torch.save(obj, path + '.tmp')
    os.replace(path + '.tmp', path)


def load_checkpoint(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def check_resume(saved: dict, current: dict, ignore=('epochs', 'num_workers', 'eval_batch_size')):
    """Resuming needs the same config except the fields in `ignore` (e.g. more epochs)."""
    a = {k: v for k, v in saved.items() if k not in ignore}
    b = {k: v for k, v in current.items() if k not in ignore}
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise ValueError(f'cannot resume: config differs from the checkpoint in {diff}')
