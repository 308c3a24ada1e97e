import numpy as np
import pytest
import torch
import torch.nn.functional as F

from embolus_trainer.data import (Cache, SequenceDataset, WindowDataset, augment, build_sequence, resize_linear,
                                  window_matrix)


def _interp(f, n):
    return F.interpolate(torch.from_numpy(f).T[None], size=n, mode='linear', align_corners=False)[0].T.numpy()


@pytest.mark.parametrize('W,n', [(41, 40), (97, 40), (400, 40), (40, 41), (40, 97), (3, 40)])
def test_resize_linear_is_torch_interpolate(W, n):
    f = np.random.default_rng(W).standard_normal((W, 16)).astype(np.float32)
    np.testing.assert_allclose(resize_linear(f, n), _interp(f, n), rtol=0, atol=1e-6)


def test_build_sequence_conventions():
    f = np.arange(6, dtype=np.float32).reshape(3, 2) ** 2          # W=3 < 40, D=2
    x, m = build_sequence(f, 40)
    assert x.shape == (40, 6) and m.tolist() == [1, 1, 1] + [0] * 37
    np.testing.assert_array_equal(x[0], [0, 1, 0, 0, 0 - 4, 1 - 9])  # no previous neighbour -> 0
    np.testing.assert_array_equal(x[1], [4, 9, 4, 8, 4 - 16, 9 - 25])
    np.testing.assert_array_equal(x[2], [16, 25, 12, 16, 0, 0])      # no next neighbour -> 0
    assert not x[3:].any()
    x1, m1 = build_sequence(np.array([[2.0, -1.0]], np.float32))     # W=1
    assert x1[0].tolist() == [2, -1, 0, 0, 0, 0] and m1.sum() == 1 and not x1[1:].any()
    f40 = np.random.default_rng(0).standard_normal((40, 4)).astype(np.float32)
    x40, m40 = build_sequence(f40)                                    # W=40: no resize, all ones
    np.testing.assert_array_equal(x40[:, :4], f40)
    assert m40.all()
    f97 = np.random.default_rng(1).standard_normal((97, 4)).astype(np.float32)
    x97, m97 = build_sequence(f97)                                    # W>40: resize first, then differences
    g = resize_linear(f97, 40)
    np.testing.assert_array_equal(x97[:, :4], g)
    np.testing.assert_array_equal(x97[1:, 4:8], g[1:] - g[:-1])
    np.testing.assert_array_equal(x97[:-1, 8:], g[:-1] - g[1:])
    assert m97.all() and not x97[0, 4:8].any() and not x97[-1, 8:].any()


@pytest.mark.parametrize('W', [1, 7, 40, 41, 97])
def test_window_matrix_inverts_the_sequence(W):
    v = np.random.default_rng(W).standard_normal(40).astype(np.float32)
    M = window_matrix(W)
    want = v[:W] if W <= 40 else _interp(v[:, None], W)[:, 0]
    np.testing.assert_allclose(M @ v, want, atol=1e-6)


def test_augment_without_rotation_is_a_crop():
    x = torch.rand(2, 3, 10, 40, 40)
    g = torch.Generator().manual_seed(0)
    y = augment(x, 32, 0.0, False, g)
    assert torch.allclose(y, x[..., 4:36, 4:36], atol=1e-4)
    y = augment(x, 32, 15.0, True, g)
    assert y.shape == (2, 3, 10, 32, 32) and torch.isfinite(y).all()


def test_cache_reading(synth_cache, tmp_path):
    c = Cache(synth_cache)
    assert c.train_size == 40 and c.serve_size == 32 and {s['split'] for s in c.studies} == {'train', 'val', 'test'}
    items = c.window_items('train')
    assert len(items) == sum(s['windows'] for s in c.split('train'))
    x, y = WindowDataset(c, items, 'train')[0]
    assert x.dtype == torch.uint8 and x.shape == (3, 10, 40, 40) and y.item() == items[0][2]
    x, _ = WindowDataset(c, c.window_items('val'), 'serve')[0]
    assert x.shape == (3, 10, 32, 32)
    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'cache.json').write_text('{"format": "other", "version": 1}')
    with pytest.raises(ValueError):
        Cache(str(bad))


def test_sequence_dataset_needs_features(synth_cache):
    with pytest.raises(FileNotFoundError):
        SequenceDataset(Cache(synth_cache), 'train', 'no-such-run')


def test_half_res_windows_hold_each_window_2x2_averaged_in_item_order(synth_cache):
    import random
    from embolus_trainer.data import HalfResWindows
    cache = Cache(synth_cache)
    items = cache.window_items('train')
    random.Random(0).shuffle(items)  # rows must follow items, not the studies' order
    ds = HalfResWindows(cache, items)
    for i in (0, len(items) // 2, len(items) - 1):
        uid, w, y = items[i]
        arr = np.load(cache.path(uid, 'train'))
        x, label = ds[i]
        assert x.dtype == torch.uint8 and x.shape[-1] == cache.train_size // 2 and float(label) == y
        ref = F.avg_pool3d(torch.from_numpy(arr[w]).float()[None], (1, 2, 2))[0]  # independent of half_res
        assert torch.equal(x, torch.round(ref).to(torch.uint8))
