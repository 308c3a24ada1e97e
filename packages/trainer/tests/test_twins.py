"""Twin sampling: phantom pairs that differ only in the clot, drawn together and augmented alike."""
import json
import shutil

import numpy as np
import pytest
import torch

from embolus_trainer import engine, train_phase1
from embolus_trainer.config import DEMO_EPOCHS, override, preset
from embolus_trainer.data import Cache, augment, augment_twins, epoch_batches, twin_clot_target, twin_rows
from embolus_trainer.models import WindowNet


def test_epoch_batches_put_each_pair_side_by_side():
    y = np.array([1, 1, 0, 0, 0, 0, 1, 0], np.float32)
    twins = np.array([[0, 2], [1, 3]])
    batches, k = epoch_batches(y, twins, 40, 8, 0.5, 0.5, torch.Generator().manual_seed(0))
    assert k == 2 and len(batches) == 5 and all(len(b) == 8 for b in batches)
    pairs = {(0, 2), (1, 3)}
    for b in batches:
        assert {(b[i], b[k + i]) for i in range(k)} <= pairs
    # Without twins the plain sampler is used; asking for twins without pairs says what to do.
    plain, k0 = epoch_batches(y, np.zeros((0, 2), np.int64), 0, 3, 0.0, 0.0, torch.Generator().manual_seed(0))
    assert k0 == 0 and sorted(sum(plain, [])) == list(range(8)) and [len(b) for b in plain] == [3, 3, 2]
    with pytest.raises(ValueError, match='pairs.json'):
        epoch_batches(y, np.zeros((0, 2), np.int64), 8, 8, 0.5, 0.5, torch.Generator())


def test_augment_twins_gives_a_pair_the_same_rotation_and_crop():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 3, 2, 40, 40, generator=g)
    x[2:4] = x[0:2]                     # rows 2, 3 are twins of rows 0, 1 (k = 2)
    x[2, :, :, 18:22, 18:22] = 0        # ... and row 2 has a "clot"
    y = augment_twins(x, 2, 32, 15.0, True, torch.Generator().manual_seed(1))
    assert y.shape == (6, 3, 2, 32, 32)
    assert torch.equal(y[1], y[3])      # identical inputs stay identical
    d = (y[0] - y[2]).abs().amax(dim=(0, 1))
    assert d.max() > 0.1 and (d > 1e-6).sum() < 60   # they differ only around the clot
    z = augment(x[:4], 32, 15.0, True, torch.Generator().manual_seed(1))
    assert not torch.equal(z[1], z[3])  # independent augmentation would break the pair


def _twin_cache(synth_cache, tmp_path):
    """A copy of the synthetic cache in which each positive train study gets a stand-in twin: the same
    arrays (the synthetic cache has no clot to remove), every window labelled negative."""
    root = tmp_path / 'cache'
    shutil.copytree(synth_cache, root)
    c = Cache(str(root))
    pairs = []
    with open(root / 'index.jsonl', 'a') as index:
        for s in [s for s in c.split('train') if s['positiveWindows'] > 0]:
            twin = s['study'] + '.1'
            shutil.copytree(root / 'studies' / s['study'], root / 'studies' / twin)
            lab = c.labels(s['study'])
            lab = dict(study={k: int(k == 'negative_exam_for_pe') for k in lab['study']}, windows=[0] * len(lab['windows']))
            (root / 'studies' / twin / 'labels.json').write_text(json.dumps(lab))
            index.write(json.dumps({**s, 'study': twin, 'positiveWindows': 0, 'labels': lab['study']}) + '\n')
            pairs.append([s['study'], twin])
    (root / 'pairs.json').write_text(json.dumps({'pairs': pairs}))
    return str(root), Cache(str(root))


def test_twin_rows_pair_the_positive_windows_of_each_pair(synth_cache, tmp_path):
    root, _ = _twin_cache(synth_cache, tmp_path)
    c = Cache(root)
    items = c.window_items('train')
    rows = twin_rows(c, items)
    assert len(rows) == sum(s['positiveWindows'] for s in c.split('train'))  # every positive window, once
    for a, b in rows:
        (ua, wa, ya), (ub, wb, yb) = items[a], items[b]
        assert (ua, ub) in c.pairs() and wa == wb and ya == 1 and yb == 0


def test_phase1_trains_with_twin_sampling(synth_cache, tmp_path):
    root, _ = _twin_cache(synth_cache, tmp_path)
    cfg = override(preset('tiny'), 'phase1', epochs=2, windows_per_epoch=8, twin_fraction=0.5, positive_fraction=0.5)
    train_phase1.train(cfg, root, str(tmp_path / 'p1'))
    h = engine.load_checkpoint(tmp_path / 'p1' / 'last.pt')['history']
    assert [r['windows'] for r in h] == [8, 8]
    with pytest.raises(ValueError, match='twin_fraction'):
        train_phase1.train(cfg, synth_cache, str(tmp_path / 'no-pairs'))  # no pairs.json


def test_twin_clot_target_marks_the_cells_where_a_pair_differs():
    x = torch.rand(5, 3, 4, 24, 24, generator=torch.Generator().manual_seed(0))
    x[2:4] = x[0:2]                            # rows 2, 3 twin rows 0, 1 (k = 2); row 4 is a single
    x[0, 1, 2:4, 3:6, 14:18] += 0.3            # a "clot" in row 0: slices 2-3, rows 3-5, columns 14-17
    x[1, 0, 0, 0, 0] += 0.05                   # a difference below the threshold in row 1
    t = twin_clot_target(x, 2, (2, 3, 3))      # cells of 2 slices x 8 x 8 pixels
    assert t.shape == (4, 2, 3, 3)
    expect = torch.zeros(2, 3, 3)
    expect[1, 0, 1] = expect[1, 0, 2] = 1      # slices 2-3 -> cell 1; rows 3-5 -> cell 0; columns 14-17 -> cells 1, 2
    assert torch.equal(t[0], expect)
    assert not t[1:].any()                     # row 1 differs too little; twin rows are clot-free


def test_phase1_learns_a_clot_map_from_twins_and_serves_without_it(synth_cache, tmp_path, monkeypatch):
    root, _ = _twin_cache(synth_cache, tmp_path)
    cfg = override(preset('tiny'), 'phase1', epochs=1, windows_per_epoch=8, twin_fraction=0.5, positive_fraction=0.5,
                   twin_mask_weight=1.0)
    targets = []
    real = train_phase1.twin_clot_target
    monkeypatch.setattr(train_phase1, 'twin_clot_target', lambda x, k, grid: targets.append((x.shape[0], k, tuple(grid))) or real(x, k, grid))
    train_phase1.train(cfg, root, str(tmp_path / 'p1'))
    assert targets and all(n == 4 and k == 1 and len(g) == 3 for n, k, g in targets)  # batch 4: one pair + 2 singles
    ck = engine.load_checkpoint(tmp_path / 'p1' / 'last.pt')
    assert ck['history'][0]['clot_map_loss'] > 0
    head = {k: v for k, v in ck['model'].items() if k.startswith('clot_head.')}
    fresh = WindowNet.from_config(cfg.phase1)
    assert set(head) == {'clot_head.weight', 'clot_head.bias'}
    assert not torch.equal(head['clot_head.weight'], fresh.clot_head.weight.detach())  # it was trained
    # The served outputs ignore the head: dropping it changes nothing.
    net = WindowNet.from_config(cfg.phase1)
    net.load_state_dict(ck['model'])
    plain = WindowNet(cfg.phase1.width, cfg.phase1.input_pool)
    plain.load_state_dict({k: v for k, v in ck['model'].items() if not k.startswith('clot_head.')})
    x = torch.rand(2, 3, 10, 32, 32)
    for a, b in zip(net.eval().outputs(x), plain.eval().outputs(x)):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match='twin_mask_weight'):
        override(preset('tiny'), 'phase1', twin_mask_weight=1.0)   # no twins, no targets
    with pytest.raises(ValueError, match='clot-map head'):
        plain(x, clot_map=True)


def test_demo_preset_is_lite_with_twin_sampling_and_the_input_pool():
    lite, demo = preset('lite'), preset('demo')
    assert demo.phase1.twin_fraction == 0.75 and lite.phase1.twin_fraction == 0.0
    assert demo.phase1.input_pool == 2 and lite.phase1.input_pool == 1
    assert demo.phase1.low_res_epochs == 0 and demo.phase1.epochs == DEMO_EPOCHS and demo.phase1.windows_per_epoch == 7000
    assert demo.phase1.lr_min_fraction == 0.1 and lite.phase1.lr_min_fraction == 1.0
    assert demo.phase1.twin_mask_weight == 1.0 and lite.phase1.twin_mask_weight == 0.0
    same = {k for k in lite.to_dict()['phase1']} - {'twin_fraction', 'twin_mask_weight', 'input_pool', 'low_res_epochs', 'low_res_windows_per_epoch',
                                                     'epochs', 'windows_per_epoch', 'lr_min_fraction'}
    assert {k: demo.to_dict()['phase1'][k] for k in same} == {k: lite.to_dict()['phase1'][k] for k in same}
    assert demo.phase2 == lite.phase2
    with pytest.raises(ValueError, match='twin_fraction'):
        override(lite, 'phase1', twin_fraction=1.5)


def test_cosine_lr_falls_from_lr_to_its_floor_over_the_planned_windows():
    from embolus_trainer.train_phase1 import lr_at
    p = override(preset('lite'), 'phase1', lr_min_fraction=0.1).phase1   # 5 x 7000 half size + 1 x 2400
    total = 5 * 7000 + 2400
    steps = [lr_at(p, e, d, 3000) for e in range(6) for d in range(0, 7000 if e < 5 else 2400, 400)]
    assert steps[0] == p.lr and all(a >= b for a, b in zip(steps, steps[1:]))
    assert abs(lr_at(p, 5, 2400, 3000) - 0.1 * p.lr) < 1e-12
    assert abs(lr_at(p, 2, total // 2 - 14000, 3000) - 0.55 * p.lr) < 1e-12   # halfway: the midpoint
    assert lr_at(preset('lite').phase1, 3, 100, 3000) == preset('lite').phase1.lr  # f = 1: constant
    with pytest.raises(ValueError, match='lr_min_fraction'):
        override(preset('lite'), 'phase1', lr_min_fraction=0)


def test_phase1_logs_the_decayed_lr(synth_cache, tmp_path):
    cfg = override(preset('tiny'), 'phase1', epochs=2, windows_per_epoch=8, lr_min_fraction=0.5)
    train_phase1.train(cfg, synth_cache, str(tmp_path))
    h = engine.load_checkpoint(tmp_path / 'last.pt')['history']
    assert cfg.phase1.lr > h[0]['lr'] > h[1]['lr'] >= 0.5 * cfg.phase1.lr


def test_pairs_json_must_hold_uid_pairs_and_twins_must_share_their_window_count(synth_cache, tmp_path):
    root, c = _twin_cache(synth_cache, tmp_path)
    (tmp_path / 'cache' / 'pairs.json').write_text(json.dumps({'pairs': [['only-one-uid']]}))
    with pytest.raises(ValueError, match='pairs.json: expected'):
        Cache(root).pairs()
    train = c.split('train')
    a, b = next((x, y) for x in train for y in train if x['windows'] != y['windows'])  # not twins
    (tmp_path / 'cache' / 'pairs.json').write_text(json.dumps({'pairs': [[a['study'], b['study']]]}))
    with pytest.raises(ValueError, match='not one scan'):
        twin_rows(Cache(root), Cache(root).window_items('train'))


def test_each_ddp_rank_takes_whole_pairs_and_an_equal_share_of_the_rest():
    from types import SimpleNamespace
    from embolus_trainer.train_phase1 import _rank_rows
    n, k = 16, 6                        # [6 positives | their 6 twins | 4 singles]
    shares = [_rank_rows(n, k, SimpleNamespace(rank=r, world=2)) for r in range(2)]
    assert shares[0] == [0, 1, 2, 6, 7, 8, 12, 13] and shares[1] == [3, 4, 5, 9, 10, 11, 14, 15]
    assert _rank_rows(n, k, SimpleNamespace(rank=0, world=1)) == list(range(16))
