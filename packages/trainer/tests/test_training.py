"""Resume == uninterrupted (both phases), and the whole pipeline on a tiny synthetic cache."""
import json
import os

import onnx
import torch

from embolus_trainer import engine, export, extract, pipeline, train_phase1, train_phase2
from embolus_trainer.config import override, preset


def _same_state(a, b):
    sa, sb = engine.load_checkpoint(a)['model'], engine.load_checkpoint(b)['model']
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _strip(history):
    return engine.finite([{k: v for k, v in h.items() if k != 'seconds'} for h in history])  # nan != nan


def test_resume_equals_uninterrupted(synth_cache, tmp_path):
    cfg = override(preset('tiny'), 'phase1', epochs=3, windows_per_epoch=9)
    full, part = tmp_path / 'full', tmp_path / 'part'
    train_phase1.train(cfg, synth_cache, str(full))
    train_phase1.train(override(cfg, 'phase1', epochs=1), synth_cache, str(part))
    train_phase1.train(cfg, synth_cache, str(part))  # resumes at epoch 1
    assert _same_state(full / 'last.pt', part / 'last.pt')
    h_full, h_part = (engine.load_checkpoint(p / 'last.pt')['history'] for p in (full, part))
    assert _strip(h_full) == _strip(h_part) and len(h_full) == 3

    extract.extract(synth_cache, str(full / 'best.pt'), 'resume-test')
    cfg2 = override(cfg, 'phase2', epochs=4, batch_size=3)
    train_phase2.train(cfg2, synth_cache, 'resume-test', str(full / 'p2'))
    train_phase2.train(override(cfg2, 'phase2', epochs=2), synth_cache, 'resume-test', str(part / 'p2'))
    train_phase2.train(cfg2, synth_cache, 'resume-test', str(part / 'p2'))
    assert _same_state(full / 'p2' / 'last.pt', part / 'p2' / 'last.pt')
    assert _strip(engine.load_checkpoint(full / 'p2' / 'last.pt')['history']) == \
        _strip(engine.load_checkpoint(part / 'p2' / 'last.pt')['history'])


def test_resume_rejects_a_changed_config(synth_cache, tmp_path):
    cfg = override(preset('tiny'), 'phase1', epochs=1, windows_per_epoch=4)
    train_phase1.train(cfg, synth_cache, str(tmp_path))
    try:
        train_phase1.train(override(cfg, 'phase1', lr=1e-3, epochs=2), synth_cache, str(tmp_path))
    except ValueError as e:
        assert 'lr' in str(e)
    else:
        raise AssertionError('resume with another lr must fail')


def test_pipeline_end_to_end(synth_cache, tmp_path, capsys):
    out = tmp_path / 'model'
    result = pipeline.run(preset('tiny'), synth_cache, str(out))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [r['phase'] for r in lines].count('phase1') == 2 and lines[-1]['phase'] == 'pipeline'
    assert all({'epoch', 'loss', 'val_loss', 'seconds'} <= set(r) for r in lines if r['phase'].startswith('phase'))
    m = json.loads((out / 'manifest.json').read_text())
    assert m['featureDim'] == 16 and m['sequenceLength'] == 40 and m['notForClinicalUse'] is True
    assert m['thresholds']['negative_exam_for_pe'] == 0.8 and m['thresholds']['pe_present_on_image'] == 0.15
    # Portable: the cache and model lie under an absolute tmp path that must not reach the manifest.
    text = (out / 'manifest.json').read_text()
    assert str(tmp_path) not in text and synth_cache not in text and export.absolute_paths(m) == []
    assert m['trainedOn'].startswith('12 SYNTHETIC phantoms in an embolus-cache: ')
    for key in ('phase1', 'phase2'):
        f = out / m['files'][key]['path']
        assert engine.sha256(str(f)) == m['files'][key]['sha256']
        onnx.checker.check_model(onnx.load(str(f)))
    g1, g2 = onnx.load(str(out / 'phase1.onnx')).graph, onnx.load(str(out / 'phase2.onnx')).graph
    assert [o.name for o in g1.output] == ['feature', 'logit', 'cam']
    assert [o.name for o in g2.output] == ['window_logit', 'study_logit', 'attention']
    assert not any('weight_g' in i.name or 'weight_v' in i.name for i in g2.initializer)
    assert set(m['metrics']['study_auroc']) == set(m['labels']) and 'window_auroc' in m['metrics']
    assert result['metrics']['split'] == 'test'
    assert os.path.exists(os.path.join(synth_cache, 'features', 'model', 'meta.json'))


def test_ddp_two_processes_on_cpu(synth_cache, tmp_path):
    """DistributedDataParallel over gloo, launched like torchrun does (env://); rank 0 alone logs JSON."""
    import socket
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = []
    for r in (0, 1):
        env = dict(os.environ, MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), WORLD_SIZE='2', RANK=str(r),
                   LOCAL_RANK=str(r), EMBOLUS_THREADS='1', CUDA_VISIBLE_DEVICES='')
        procs.append(subprocess.Popen([sys.executable, '-m', 'embolus_trainer.pipeline', '--cache', synth_cache,
                                       '--out', str(tmp_path / 'm'), '--config', 'tiny', '--run', 'ddp'],
                                      cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs[0][1][-2000:] + outs[1][1][-2000:]
    rows = [json.loads(line) for line in outs[0][0].splitlines()]
    assert outs[1][0] == '' and rows[-1]['phase'] == 'pipeline'
    p1 = [r for r in rows if r['phase'] == 'phase1']
    n_train = sum(json.loads(line)['windows'] for line in open(os.path.join(synth_cache, 'index.jsonl'))
                  if json.loads(line)['split'] == 'train')
    assert p1[0]['windows'] == n_train - n_train % 2  # both ranks' shards, trimmed to equal step counts
    assert (tmp_path / 'm' / 'manifest.json').exists()


def test_phase1_drops_a_batch_with_non_finite_gradients(synth_cache, tmp_path, monkeypatch):
    real, calls = train_phase1.augment_twins, []

    def poisoned(x, *a, **kw):
        y = real(x, *a, **kw)
        calls.append(1)
        return y * float('nan') if len(calls) == 1 else y  # only the first batch
    monkeypatch.setattr(train_phase1, 'augment_twins', poisoned)
    cfg = override(preset('tiny'), 'phase1', epochs=1, windows_per_epoch=12)
    train_phase1.train(cfg, synth_cache, str(tmp_path))
    ck = engine.load_checkpoint(tmp_path / 'last.pt')
    assert ck['history'][0]['skipped_steps'] == 1 and len(calls) == 3
    assert all(torch.isfinite(v).all() for v in ck['model'].values() if v.is_floating_point())
    assert ck['history'][0]['windows'] == 8  # the 4 windows of the dropped batch are not counted


def test_progressive_resizing_trains_half_size_then_keeps_a_full_size_epoch(synth_cache, tmp_path):
    cfg = override(preset('tiny'), 'phase1', epochs=3, low_res_epochs=2, windows_per_epoch=8,
                   low_res_windows_per_epoch=12, positive_fraction=0.5)
    train_phase1.train(cfg, synth_cache, str(tmp_path))
    ck = engine.load_checkpoint(tmp_path / 'best.pt')
    h = ck['history']
    assert [r['size'] for r in h] == [h[0]['size'], h[0]['size'], 2 * h[0]['size']]
    assert h[2]['best'] is True
    assert [r['windows'] for r in h] == [12, 12, 8]
    assert ck['epoch'] == 2  # best.pt is always a full-size epoch once one exists


def test_epoch_indices_balance_positives():
    import numpy as np
    from embolus_trainer.data import epoch_indices
    y = np.array([1] * 10 + [0] * 90, np.float32)
    idx = epoch_indices(y, 4000, 0.5, torch.Generator().manual_seed(0))
    share = y[idx].mean()
    assert len(idx) == 4000 and 0.47 < share < 0.53
    plain = epoch_indices(y, 0, 0.0, torch.Generator().manual_seed(0))
    assert sorted(plain) == list(range(100))


def test_input_pool_trains_every_epoch_at_half_size_and_validates_through_the_pool(synth_cache, tmp_path, monkeypatch):
    import numpy as np
    from embolus_trainer.data import Cache, half_res
    from embolus_trainer.extract import load_phase1, study_outputs
    from embolus_trainer.losses import auroc
    from embolus_trainer.models import WindowNet
    seen, real = set(), WindowNet.from_config

    def spy(p1):  # the in-plane size that reaches the first convolution, in training and validation
        net = real(p1)
        net.stem.register_forward_pre_hook(lambda m, inp: seen.add(inp[0].shape[-1]))
        return net
    monkeypatch.setattr(WindowNet, 'from_config', staticmethod(spy))
    cfg = override(preset('tiny'), 'phase1', epochs=2, windows_per_epoch=8, input_pool=2)
    train_phase1.train(cfg, synth_cache, str(tmp_path))
    cache, env = Cache(synth_cache), engine.setup()
    assert seen == {cache.serve_size // 2}  # half-size windows are not pooled a second time
    h = engine.load_checkpoint(tmp_path / 'last.pt')['history']
    assert [r['size'] for r in h] == [cache.serve_size // 2] * 2 and [r['windows'] for r in h] == [8, 8]
    # Validation ran the served windows through the net's own pool: the same as half_res + pooled=True.
    model, _ = load_phase1(str(tmp_path / 'last.pt'), env)
    assert model.input_pool == 2
    ys, zs = [], []
    with torch.no_grad():
        for s in cache.split('val'):
            x = torch.from_numpy(half_res(np.load(cache.path(s['study'], 'serve')))).div_(cache.scale)
            zs.append(model(x, pooled=True).numpy())
            ys.append(np.asarray(cache.labels(s['study'])['windows'], np.float32))
            _, z_served = study_outputs(model, np.load(cache.path(s['study'], 'serve')), env, cache.scale, 4, False)
            np.testing.assert_allclose(z_served, zs[-1], atol=1e-5)
    y, z = np.concatenate(ys), np.concatenate(zs)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(z).double(), torch.from_numpy(y).double()).item()
    assert abs(loss - h[-1]['val_loss']) < 1e-5
    if np.isfinite(h[-1]['val_auroc']):
        assert abs(auroc(y, z) - h[-1]['val_auroc']) < 1e-5


def test_absolute_paths_finds_machine_paths_and_allows_relative_ones():
    assert export.absolute_paths({'a': 'cache at /work/main/data/cache: 8 studies', 'b': ['x', '/home/u/m']}) == ['a', 'b[1]']
    assert export.absolute_paths({'w': 'C:\\data\\cache', 't': '~/data/cache'}) == ['w', 't']
    assert export.absolute_paths({'r': 'packages/trainer/x.py, packages/inference/src/sequence.ts',
                                  's': 'float32 = uint8 / 255', 'v': 'RV/LV ratio; 3050 / 625 windows', 'n': 3}) == []
