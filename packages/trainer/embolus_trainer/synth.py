"""
A small synthetic cache in the TypeScript pipeline's format, for tests and CPU demos (NOT CT data).
Each window is low-level noise; a positive window carries a bright blob (a stand-in for a filling
defect) near the centre; study labels follow the windows (negative iff no positive window; the
other PE labels are random among positive studies). serve<S> is the centre crop of train<T>.

    python3 -m embolus_trainer.synth --out /tmp/synth-cache --studies 24 --windows 3-9 [--train-size 224 --serve-size 192]
"""
import argparse
import json
import os

import numpy as np

from .data import LABELS

CHANNELS = [[-600, 1500], [100, 700], [40, 400]]


def _window(rng, positive: bool, T: int, D: int) -> np.ndarray:
    x = rng.integers(0, 60, size=(3, D, T, T), dtype=np.uint8)
    if positive:
        r = max(2, T // 10)
        cz, cy, cx = rng.integers(0, D), rng.integers(T // 3, 2 * T // 3), rng.integers(T // 3, 2 * T // 3)
        z, y, xx = np.ogrid[:D, :T, :T]
        blob = ((z - cz) / 3.0) ** 2 + ((y - cy) / r) ** 2 + ((xx - cx) / r) ** 2 <= 1
        x[1][blob] = 230
    return x


def make_cache(out: str, studies: int = 24, windows=(3, 9), train_size: int = 224, serve_size: int = 192,
               slices: int = 10, seed: int = 0, splits=(0.6, 0.2, 0.2)) -> str:
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(out, 'studies'), exist_ok=True)
    meta = dict(format='embolus-cache', version=1, windowSlices=slices, trainSize=train_size, serveSize=serve_size,
                channels=CHANNELS, quantization=dict(dtype='uint8', scale=255), labels=LABELS, synthetic=True)
    with open(os.path.join(out, 'cache.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    n_train, n_val = round(studies * splits[0]), round(studies * splits[1])
    lo = (train_size - serve_size) // 2
    with open(os.path.join(out, 'index.jsonl'), 'w') as index:
        for i in range(studies):
            uid = f'1.2.826.0.1.3680043.8.498.{seed}.{i}'
            split = 'train' if i < n_train else 'val' if i < n_train + n_val else 'test'
            W = int(rng.integers(windows[0], windows[1] + 1))
            pe = i % 2 == 1  # alternate so every split has both classes
            win = (rng.random(W) < 0.5).astype(int) if pe else np.zeros(W, int)
            if pe and win.sum() == 0:
                win[rng.integers(0, W)] = 1
            pe = bool(win.sum())
            lab = {k: 0 for k in LABELS}
            lab['negative_exam_for_pe'] = int(not pe)
            if pe:
                for k in LABELS[2:]:
                    lab[k] = int(rng.random() < 0.5)
            else:
                lab['indeterminate'] = int(rng.random() < 0.2)
            train = np.stack([_window(rng, bool(y), train_size, slices) for y in win])
            d = os.path.join(out, 'studies', uid)
            os.makedirs(d, exist_ok=True)
            np.save(os.path.join(d, f'train{train_size}.npy'), train)
            np.save(os.path.join(d, f'serve{serve_size}.npy'),
                    np.ascontiguousarray(train[..., lo:lo + serve_size, lo:lo + serve_size]))
            with open(os.path.join(d, 'labels.json'), 'w') as f:
                json.dump(dict(study=lab, windows=win.tolist()), f)
            index.write(json.dumps(dict(study=uid, split=split, windows=W, positiveWindows=int(win.sum()), labels=lab)) + '\n')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    ap.add_argument('--studies', type=int, default=24)
    ap.add_argument('--windows', default='3-9', help='min-max windows per study')
    ap.add_argument('--train-size', type=int, default=224)
    ap.add_argument('--serve-size', type=int, default=192)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    lo, hi = (int(v) for v in a.windows.split('-'))
    make_cache(a.out, a.studies, (lo, hi), a.train_size, a.serve_size, seed=a.seed)


if __name__ == '__main__':
    main()
