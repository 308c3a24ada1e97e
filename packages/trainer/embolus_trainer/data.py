"""
Reading the TypeScript-built cache, training augmentation, and the phase-2 sequence builder.

The trainer never preprocesses images: windows come from <cache>/studies/<uid>/{train224,serve192}.npy
(uint8 [W,3,10,S,S]); the only image ops here are uint8 -> float (value / quantization.scale) and,
for phase-1 training, a random in-plane rotation in [-15, 15] degrees plus a random serveSize crop
of the trainSize window, done as ONE bilinear grid_sample (zeros outside) on the device.

Phase-2 sequence convention (mirrored by packages/inference/src/sequence.ts; L = 40):
  features f [W,D] float32 of the study's W windows, in cache order.
  1. W <= L: n = W, g = f.  W > L: n = L, g = linear resize of f along the window axis to L rows,
     exactly F.interpolate(mode='linear', align_corners=False) in float32:
       scale = W/L; src = max(0, scale*(i+0.5)-0.5); i0 = floor(src); i1 = min(i0+1, W-1);
       l1 = src-i0; g[i] = f[i0]*(1-l1) + f[i1]*l1   (precisions pinned in `resize_linear`).
  2. x [L,3D] = 0; for i < n: x[i] = [g[i], g[i]-g[i-1], g[i]-g[i+1]]; the difference to a missing
     neighbour (i=0 backwards, i=n-1 forwards) is 0, and rows n..L-1 are all 0.
  3. mask [L]: 1 for i < n, else 0 (all ones when W >= L).
Back to windows (outputs over L positions -> W windows, `window_matrix`): W <= L takes positions
0..W-1; W > L resizes the L logits linearly to W (same formula, L -> W). The phase-2 window loss is
computed on these W mapped logits, so training optimises exactly what serving reports.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

LABELS = ['negative_exam_for_pe', 'indeterminate', 'chronic_pe', 'acute_and_chronic_pe', 'central_pe',
          'leftsided_pe', 'rightsided_pe', 'rv_lv_ratio_gte_1', 'rv_lv_ratio_lt_1']


class Cache:
    """cache.json + index.jsonl of a cache directory."""

    def __init__(self, root: str):
        self.root = root
        with open(os.path.join(root, 'cache.json')) as f:
            self.meta = json.load(f)
        m = self.meta
        if m.get('format') != 'embolus-cache' or m.get('version') != 1:
            raise ValueError(f'{root}: not an embolus-cache v1')
        if m['labels'] != LABELS:
            raise ValueError(f'{root}: labels {m["labels"]} != {LABELS}')
        if m['quantization']['dtype'] != 'uint8':
            raise ValueError('only uint8 quantization is supported')
        self.scale = float(m['quantization']['scale'])
        self.train_size, self.serve_size, self.slices = m['trainSize'], m['serveSize'], m['windowSlices']
        with open(os.path.join(root, 'index.jsonl')) as f:
            self.studies = [json.loads(line) for line in f if line.strip()]

    def split(self, name: str) -> list:
        return [s for s in self.studies if s['split'] == name]

    def path(self, uid: str, kind: str) -> str:
        """kind: 'train' or 'serve' -> studies/<uid>/train224.npy | serve192.npy."""
        size = self.train_size if kind == 'train' else self.serve_size
        return os.path.join(self.root, 'studies', uid, f'{kind}{size}.npy')

    def pairs(self) -> list:
        """[(positive study, its embolus-free twin)] from <root>/pairs.json ([] when absent): phantom
        twins that differ only in the clot voxels (written by `embolus train demo`)."""
        f = os.path.join(self.root, 'pairs.json')
        if not os.path.exists(f):
            return []
        with open(f) as fh:
            pairs = json.load(fh).get('pairs')
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 and all(isinstance(u, str) for u in p) for p in pairs):
            raise ValueError(f'{f}: expected {{"pairs": [[positive study UID, twin study UID], ...]}}')
        return [tuple(p) for p in pairs]

    def labels(self, uid: str) -> dict:
        with open(os.path.join(self.root, 'studies', uid, 'labels.json')) as f:
            return json.load(f)

    def window_items(self, split: str) -> list:
        """[(uid, window index, label)] for every window of the split, in index order."""
        items = []
        for s in self.split(split):
            win = self.labels(s['study'])['windows']
            if len(win) != s['windows']:
                raise ValueError(f"{s['study']}: labels.json has {len(win)} windows, index says {s['windows']}")
            items += [(s['study'], i, float(y)) for i, y in enumerate(win)]
        return items


class WindowDataset(torch.utils.data.Dataset):
    """(uint8 window [3,10,S,S], label) from the train224 or serve192 arrays (memory-mapped)."""

    def __init__(self, cache: Cache, items: list, kind: str):
        self.cache, self.items, self.kind, self._open = cache, items, kind, {}

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        uid, w, y = self.items[i]
        if uid not in self._open:
            self._open[uid] = np.load(self.cache.path(uid, self.kind), mmap_mode='r')
        return torch.from_numpy(np.array(self._open[uid][w])), torch.tensor(y)


def half_res(a: np.ndarray) -> np.ndarray:
    """2x2 in-plane mean of windows [..., S, S] (S even) -> float32 [..., S/2, S/2], same value scale."""
    S = a.shape[-1]
    return np.asarray(a, np.float32).reshape(*a.shape[:-2], S // 2, 2, S // 2, 2).mean(axis=(-1, -3))


class HalfResWindows(torch.utils.data.Dataset):
    """Every window of `items` from the train arrays at half in-plane size, held in RAM as uint8
    (lite: ~6 MB per study) for the low-res epochs of progressive resizing."""

    def __init__(self, cache: Cache, items: list, kind: str = 'train'):
        rows_of = {}  # uid -> ([row in items], [window index])
        for row, (uid, w, _) in enumerate(items):
            rows, ws = rows_of.setdefault(uid, ([], []))
            rows.append(row)
            ws.append(w)
        x = None
        for uid, (rows, ws) in rows_of.items():
            pooled = np.rint(half_res(np.load(cache.path(uid, kind), mmap_mode='r')[ws])).astype(np.uint8)
            if x is None:
                x = np.empty((len(items), *pooled.shape[1:]), np.uint8)
            x[rows] = pooled
        self.x = torch.from_numpy(x)
        self.y = torch.tensor([y for _, _, y in items], dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def epoch_indices(labels: np.ndarray, n: int, positive_fraction: float, gen: torch.Generator) -> list:
    """The windows of one epoch: a random permutation (first n; n = 0: all), or, with
    positive_fraction p > 0, n draws with replacement in which p of the windows are positive."""
    N = len(labels)
    n = n if 0 < n else N
    pos = labels > 0
    if positive_fraction <= 0 or pos.all() or not pos.any():
        return torch.randperm(N, generator=gen)[:n].tolist()
    w = np.where(pos, positive_fraction / pos.sum(), (1 - positive_fraction) / (~pos).sum())
    return torch.multinomial(torch.from_numpy(w), n, replacement=True, generator=gen).tolist()


def twin_rows(cache: Cache, items: list) -> np.ndarray:
    """[P,2] rows of `items`: (a positive window, the same window of its study's embolus-free twin),
    for every positive window of every pair in cache.pairs() whose two studies are both in `items`."""
    row = {(uid, w): i for i, (uid, w, _) in enumerate(items)}
    windows = {}
    for uid, _, _ in items:
        windows[uid] = windows.get(uid, 0) + 1
    out = []
    for pos, twin in cache.pairs():
        if pos not in windows or twin not in windows:
            continue
        if windows[pos] != windows[twin]:  # twins share the scan, so their lung crops and windows match
            raise ValueError(f'{cache.root}/pairs.json: {pos} has {windows[pos]} windows, its twin {twin} {windows[twin]}: not one scan')
        out += [(row[(pos, w)], row[(twin, w)]) for w in range(windows[pos]) if items[row[(pos, w)]][2] > 0]
    return np.asarray(out, np.int64).reshape(-1, 2)


def epoch_batches(labels: np.ndarray, twins: np.ndarray, n: int, batch: int, positive_fraction: float,
                  twin_fraction: float, gen: torch.Generator) -> tuple:
    """The batches of one epoch (n windows; 0 = as many as there are) and k, the twin pairs in each.
    k = round(batch * twin_fraction / 2) = 0: `epoch_indices` cut into batches. k > 0 (twin sampling):
    n // batch batches of [k positive rows, their twins' rows, batch - 2k rows drawn as
    `epoch_indices` draws them]; pairs are drawn with replacement from `twins` ([P,2], `twin_rows`)."""
    n = n if n > 0 else len(labels)
    k = min(int(round(batch * twin_fraction / 2)), batch // 2)
    if k == 0:
        idx = epoch_indices(labels, n, positive_fraction, gen)
        return [idx[i:i + batch] for i in range(0, len(idx), batch)], 0
    if len(twins) == 0:
        raise ValueError('phase1.twin_fraction > 0 needs twin pairs in the train split (<cache>/pairs.json, which '
                         '`embolus train demo` writes); for other data use twin_fraction 0 (the lite or paper preset)')
    nb, m = max(1, n // batch), batch - 2 * k
    pick = torch.randint(0, len(twins), (nb, k), generator=gen).numpy()
    singles = epoch_indices(labels, nb * m, positive_fraction, gen) if m else []
    return [[int(i) for i in twins[pick[b], 0]] + [int(i) for i in twins[pick[b], 1]] + list(singles[b * m:(b + 1) * m])
            for b in range(nb)], k


def augment_twins(x: torch.Tensor, k: int, out: int, rotate_deg: float, crop: bool, gen: torch.Generator) -> torch.Tensor:
    """`augment` for a twin-sampled batch: rows i and k+i (i < k) get the same rotation and crop, so
    the pair still differs only in the clot; the other rows are augmented independently."""
    if k == 0:
        return augment(x, out, rotate_deg, crop, gen)
    C = x.shape[1]
    pairs = augment(torch.cat([x[:k], x[k:2 * k]], 1), out, rotate_deg, crop, gen)
    parts = [pairs[:, :C], pairs[:, C:]]
    if x.shape[0] > 2 * k:
        parts.append(augment(x[2 * k:], out, rotate_deg, crop, gen))
    return torch.cat(parts, 0)


def twin_clot_target(x: torch.Tensor, k: int, grid, threshold: float = 0.1) -> torch.Tensor:
    """Clot-map targets [2k, *grid] for the twin rows of an augmented batch (rows i and k+i, i < k,
    are a positive window and its embolus-free twin, identical except in the clot voxels): a cell
    is 1 where any voxel of the pair differs by more than `threshold` (0.1 = 25/255; the clot is
    ~0.35 darker than contrast-filled blood in the (100, 700) channel), 0 everywhere in the twin."""
    diff = (x[:k] - x[k:2 * k]).abs().amax(dim=1) > threshold          # [k,D,S,S]
    pos = F.adaptive_max_pool3d(diff[:, None].float(), tuple(grid))[:, 0]
    return torch.cat([pos, torch.zeros_like(pos)], 0)


def augment(x: torch.Tensor, out: int, rotate_deg: float, crop: bool, gen: torch.Generator) -> torch.Tensor:
    """Random rotation + random out x out crop of float windows [B,C,D,T,T] (same for all slices of a window)."""
    B, C, D, T, _ = x.shape
    ang = (torch.rand(B, generator=gen) * 2 - 1) * rotate_deg * torch.pi / 180
    off = torch.randint(0, T - out + 1, (B, 2), generator=gen).float() if crop else torch.full((B, 2), (T - out) / 2)
    # output pixel centre p (pixels, relative to the output centre) samples input R p + (off + out/2);
    # in grid_sample's normalised coords (align_corners=False): theta = [(out/T) R | (2(off+out/2)-T)/T].
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1) * (out / T)
    theta = torch.cat([theta, ((2 * off + out - T) / T)[:, :, None]], 2).to(x.device, x.dtype)
    grid = F.affine_grid(theta, [B, C * D, out, out], align_corners=False)
    y = F.grid_sample(x.reshape(B, C * D, T, T), grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    return y.reshape(B, C, D, out, out)


# ---- phase-2 sequences ---------------------------------------------------------------------------

def resize_linear(f: np.ndarray, n: int) -> np.ndarray:
    """Linear resize of f [W,D] along axis 0 to n rows: F.interpolate(mode='linear', align_corners=False)
    (within 1 float32 ulp of torch 1.13). Pinned arithmetic, mirrored by sequence.ts: scale = float32(W/n);
    src = max(0, scale*(i+0.5)-0.5) in float64; l1 = float32(src-floor(src)); l0 = float32(1-l1);
    out = float32(float32(f[i0]*l0) + float32(f[i1]*l1))."""
    W = f.shape[0]
    f = np.asarray(f, np.float32)
    scale = np.float64(np.float32(W) / np.float32(n))
    src = np.maximum(scale * (np.arange(n, dtype=np.float64) + 0.5) - 0.5, 0.0)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, W - 1)
    l1 = (src - i0).astype(np.float32)[:, None]
    l0 = np.float32(1) - l1
    return f[i0] * l0 + f[i1] * l1


def build_sequence(f: np.ndarray, seq_len: int = 40):
    """features [W,D] -> (x [L,3D], mask [L]) float32, per the module docstring."""
    W, D = f.shape
    if W < 1:
        raise ValueError('a study needs at least one window')
    g = resize_linear(f, seq_len) if W > seq_len else np.asarray(f, np.float32)
    n = g.shape[0]
    x = np.zeros((seq_len, 3 * D), np.float32)
    x[:n, :D] = g
    x[1:n, D:2 * D] = g[1:] - g[:-1]
    x[:n - 1, 2 * D:] = g[:-1] - g[1:]
    mask = np.zeros(seq_len, np.float32)
    mask[:n] = 1
    return x, mask


def window_matrix(W: int, seq_len: int = 40) -> np.ndarray:
    """M [W,L] with (M @ v)[j] = value of window j, for v over the L sequence positions."""
    if W <= seq_len:
        return np.eye(W, seq_len, dtype=np.float32)
    return resize_linear(np.eye(seq_len, dtype=np.float32), W)


def features_dir(cache_root: str, run: str) -> str:
    return os.path.join(cache_root, 'features', run)


class SequenceDataset(torch.utils.data.Dataset):
    """Per study: x [L,3D], mask [L], back-projection M [W,L], window labels [W], q, study labels [9].
    Features are held in memory; x / mask / M are built per access (cheap, and 6x smaller in RAM)."""

    def __init__(self, cache: Cache, split: str, run: str, seq_len: int = 40):
        self.seq_len, self.items = seq_len, []
        for s in cache.split(split):
            uid = s['study']
            feat = np.load(os.path.join(features_dir(cache.root, run), f'{uid}.npz'))['feature']
            lab = cache.labels(uid)
            win = np.asarray(lab['windows'], np.float32)
            if feat.shape[0] != len(win):
                raise ValueError(f'{uid}: {feat.shape[0]} feature rows, {len(win)} windows')
            self.items.append(dict(uid=uid, feat=feat.astype(np.float32), y_win=win, q=np.float32(win.mean()),
                                   y_study=np.asarray([lab['study'][k] for k in LABELS], np.float32)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        it = self.items[i]
        x, mask = build_sequence(it['feat'], self.seq_len)
        return dict(it, x=x, mask=mask, M=window_matrix(len(it['y_win']), self.seq_len))


def collate_sequences(batch: list) -> dict:
    """Stacks studies; M / y_win / valid are zero-padded to the batch's largest W."""
    B, Wmax, L = len(batch), max(len(b['y_win']) for b in batch), batch[0]['mask'].shape[0]
    M, y, valid = np.zeros((B, Wmax, L), np.float32), np.zeros((B, Wmax), np.float32), np.zeros((B, Wmax), np.float32)
    for i, b in enumerate(batch):
        W = len(b['y_win'])
        M[i, :W], y[i, :W], valid[i, :W] = b['M'], b['y_win'], 1
    t = torch.from_numpy
    return dict(uid=[b['uid'] for b in batch], x=t(np.stack([b['x'] for b in batch])),
                mask=t(np.stack([b['mask'] for b in batch])), M=t(M), y_win=t(y), valid=t(valid),
                q=t(np.stack([b['q'] for b in batch])), y_study=t(np.stack([b['y_study'] for b in batch])))
