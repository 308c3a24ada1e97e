"""
Configs: plain dataclasses, saved (as dicts) in every checkpoint and in manifest.json.
`Config.from_dict` rejects unknown keys at every level, so a typo never trains silently.

Presets (`preset(name)`): 'paper' (Ma et al.: r3d_18 width 64, D=512, batch 16, 20 epochs, lr 4e-4;
TCN 128 channels, batch 64, 200 epochs, lr 5e-4 x0.9 every 20 epochs), 'lite' (the CPU demo: width 16,
D=128, batch 16, lr 1e-3, half the windows positive; 5 epochs x 7,000 windows at half in-plane size
(~28 ms per window fwd+bwd in bf16 on 2 AVX-512-BF16 cores, 52 in fp32) then 1 epoch x 2,400 windows at
full size (~125 ms per window): ~24 min on this machine), 'demo' (what `npm run train:demo` trains:
lite + twin sampling — 3/4 of each phase-1 batch are phantom twin pairs from <cache>/pairs.json, which
`embolus train demo` writes — with a clot-map loss on the layer4 cells where a pair differs
(twin_mask_weight; a training-only head, the served model is unchanged) + input_pool 2: the net averages 2x2 in-plane pixels first, so all
DEMO_EPOCHS epochs x 7,000 windows train at half size and features and serving cost a quarter of
full size — + a cosine lr from 1e-3 to 1e-4; see the trainer README) and 'tiny' (tests).

Why the lite recipe differs from the paper's: from scratch (no Kinetics weights offline), a small
r3d_18 first learns the z-level where emboli sit and only after ~15,000 windows starts on the clot
itself; at full size on 2 cores that is more than the 45-minute demo budget. Half-size epochs cost a
quarter as much (progressive resizing), and balanced sampling doubles the positives seen. The demo
goes one step further: its one full-size epoch cost as much as two half-size ones and lost accuracy
(val window AUROC 0.83 -> 0.80), so it never leaves half size.
"""
from dataclasses import dataclass, field, fields, asdict, replace, is_dataclass
import json


@dataclass
class Phase1Config:
    width: int = 64              # stem channels; D = 8 * width (64 -> torchvision r3d_18, D=512)
    batch_size: int = 16         # per process (DDP: global batch = batch_size * world size)
    epochs: int = 20
    lr: float = 4e-4
    lr_min_fraction: float = 1.0  # 1 = constant lr (the paper); f < 1 = cosine from lr to f * lr over all phase-1 windows
    rotate_deg: float = 15.0     # train augmentation: rotation in [-rotate_deg, +rotate_deg] ...
    crop: bool = True            # ... and a random serveSize crop of the trainSize window
    windows_per_epoch: int = 0   # 0 = every train window each epoch; N > 0 = a fresh random N each epoch
    positive_fraction: float = 0.0  # 0 = windows as the data has them; p > 0 = drawn (with replacement) so p are positive
    twin_fraction: float = 0.0   # share of each batch drawn as phantom twin pairs (<cache>/pairs.json; see data.epoch_batches)
    twin_mask_weight: float = 0.0  # > 0: plus this x a clot-map loss where twin pairs differ (data.twin_clot_target)
    input_pool: int = 1          # 2 = the network averages 2x2 in-plane first and trains on half-size windows (models.WindowNet)
    low_res_epochs: int = 0      # progressive resizing: the first N epochs at half in-plane size (see train_phase1)
    low_res_windows_per_epoch: int = 0  # windows per low-res epoch (0 = windows_per_epoch)
    eval_batch_size: int = 16    # >= 2 (torch 1.13 CPU Conv3d at batch 1 is pathologically slow)
    num_workers: int = 2
    pretrained: str = ''         # path to torchvision's Kinetics r3d_18 state dict (width 64 only)
    amp: bool = True             # bf16 autocast, CUDA only
    amp_cpu: bool = False        # bf16 autocast in CPU training too, where the CPU has native bf16 (AVX-512 BF16)
    seed: int = 0


@dataclass
class Phase2Config:
    seq_len: int = 40
    channels: int = 128
    levels: int = 2
    kernel_size: int = 3
    dropout: float = 0.2
    mlp_hidden: int = 64
    batch_size: int = 64
    epochs: int = 200
    lr: float = 5e-4
    lr_gamma: float = 0.9
    lr_every: int = 20           # decay period ...
    lr_unit: str = 'epoch'       # ... in 'epoch's (the reference code's StepLR) or optimizer 'step's
    amp: bool = False            # the TCN is tiny; fp32 everywhere by default
    seed: int = 0


@dataclass
class Config:
    name: str = 'paper'
    phase1: Phase1Config = field(default_factory=Phase1Config)
    phase2: Phase2Config = field(default_factory=Phase2Config)

    @property
    def feature_dim(self) -> int:
        return 8 * self.phase1.width

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> 'Config':
        return _build(cls, d, 'config')

    def __post_init__(self):
        p1, p2 = self.phase1, self.phase2
        if p1.width < 1 or p1.batch_size < 1 or p1.eval_batch_size < 2:
            raise ValueError('phase1: width >= 1, batch_size >= 1, eval_batch_size >= 2')
        if p2.kernel_size % 2 == 0 or p2.lr_unit not in ('epoch', 'step') or p2.seq_len < 1:
            raise ValueError("phase2: odd kernel_size, lr_unit 'epoch'|'step', seq_len >= 1")
        if not 0 <= p1.positive_fraction < 1:
            raise ValueError(f'phase1.positive_fraction must be in [0, 1), got {p1.positive_fraction}')
        if not 0 < p1.lr_min_fraction <= 1:
            raise ValueError(f'phase1.lr_min_fraction must be in (0, 1], got {p1.lr_min_fraction}')
        if not 0 <= p1.twin_fraction <= 1:
            raise ValueError(f'phase1.twin_fraction must be in [0, 1], got {p1.twin_fraction}')
        if not 0 <= p1.low_res_epochs <= p1.epochs:
            raise ValueError(f'phase1.low_res_epochs ({p1.low_res_epochs}) must be between 0 and epochs ({p1.epochs}); '
                             'give more epochs (the ones after the low-res epochs train at full size) or fewer low_res_epochs')
        if p1.twin_mask_weight < 0 or (p1.twin_mask_weight > 0 and p1.twin_fraction == 0):
            raise ValueError(f'phase1.twin_mask_weight ({p1.twin_mask_weight}) must be >= 0, and > 0 only with twin_fraction > 0 '
                             '(its targets are where a twin pair differs)')
        if p1.input_pool not in (1, 2):
            raise ValueError(f'phase1.input_pool must be 1 or 2, got {p1.input_pool}')
        if p1.input_pool == 2 and p1.low_res_epochs:
            raise ValueError('phase1.input_pool 2 trains every epoch on half-size windows already; '
                             'low_res_epochs (progressive resizing) must be 0 with it')
        if p1.pretrained and p1.width != 64:
            raise ValueError('phase1.pretrained (Kinetics r3d_18) needs width 64')


DEMO_EPOCHS = 9  # fits `npm run train:demo` in 45 minutes on the 2-core machine (see the trainer README)


def _build(cls, d, where):
    if not isinstance(d, dict):
        raise TypeError(f'{where}: expected an object, got {type(d).__name__}')
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ValueError(f'{where}: unknown key(s) {unknown}; known: {sorted(known)}')
    kw = {}
    for k, v in d.items():
        t = known[k].type
        kw[k] = _build(t, v, f'{where}.{k}') if is_dataclass(t) else v
    return cls(**kw)


def preset(name: str) -> Config:
    if name == 'paper':
        return Config('paper')
    if name == 'lite':
        return Config('lite', Phase1Config(width=16, batch_size=16, epochs=6, low_res_epochs=5, low_res_windows_per_epoch=7000,
                                           windows_per_epoch=2400, positive_fraction=0.5, lr=1e-3, eval_batch_size=8,
                                           amp_cpu=True),
                      Phase2Config(epochs=100))
    if name == 'demo':
        # lite + twin sampling (3/4 of each batch are phantom twin pairs, pairs.json) with a clot-map loss
        # where the pairs differ + a 2x2 input pool (every epoch at half size; features and serving at a
        # quarter of the full-size cost) + cosine lr.
        c = preset('lite')
        return Config('demo', replace(c.phase1, twin_fraction=0.75, twin_mask_weight=1.0, input_pool=2, low_res_epochs=0,
                                      low_res_windows_per_epoch=0, epochs=DEMO_EPOCHS, windows_per_epoch=7000, lr_min_fraction=0.1), c.phase2)
    if name == 'tiny':
        return Config('tiny', Phase1Config(width=2, batch_size=4, epochs=2, eval_batch_size=4, num_workers=0),
                      Phase2Config(channels=8, mlp_hidden=8, batch_size=4, epochs=3, lr_every=2))
    raise ValueError(f"unknown preset {name!r}: 'paper', 'lite', 'demo' or 'tiny'")


def override(cfg: Config, phase: str, **kw) -> Config:
    """A copy of cfg with phase1/phase2 fields replaced (None values ignored); unknown names raise."""
    kw = {k: v for k, v in kw.items() if v is not None}
    sub = getattr(cfg, phase)
    new = replace(sub, **kw)  # raises TypeError on unknown fields
    return Config.from_dict({**cfg.to_dict(), phase: asdict(new)})


def load_json(path: str) -> Config:
    with open(path) as f:
        return Config.from_dict(json.load(f))
