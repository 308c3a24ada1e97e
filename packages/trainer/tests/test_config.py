import json

import pytest

from embolus_trainer.config import Config, Phase1Config, load_json, override, preset


def test_presets_roundtrip():
    for name in ('paper', 'lite', 'tiny'):
        cfg = preset(name)
        assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert preset('paper').feature_dim == 512 and preset('lite').feature_dim == 128
    p = preset('paper')
    assert (p.phase1.batch_size, p.phase1.epochs, p.phase1.lr) == (16, 20, 4e-4)
    assert (p.phase2.batch_size, p.phase2.epochs, p.phase2.lr, p.phase2.lr_gamma, p.phase2.lr_every) == (64, 200, 5e-4, 0.9, 20)
    assert (p.phase2.channels, p.phase2.levels, p.phase2.kernel_size, p.phase2.dropout, p.phase2.seq_len) == (128, 2, 3, 0.2, 40)


def test_unknown_keys_are_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown key'):
        Config.from_dict({'name': 'x', 'colour': 'red'})
    with pytest.raises(ValueError, match=r'config\.phase1: unknown key.*widht'):
        Config.from_dict({'phase1': {'widht': 8}})
    with pytest.raises(ValueError, match=r'config\.phase2: unknown key'):
        Config.from_dict({'phase2': {'hidden': 8}})
    with pytest.raises(TypeError):
        Config.from_dict({'phase1': 8})
    with pytest.raises(TypeError):
        override(preset('lite'), 'phase1', no_such_field=1)
    f = tmp_path / 'c.json'
    f.write_text(json.dumps({**preset('lite').to_dict(), 'extra': 1}))
    with pytest.raises(ValueError, match='extra'):
        load_json(str(f))


def test_validation_and_override():
    with pytest.raises(ValueError):
        Config(phase1=Phase1Config(eval_batch_size=1))
    with pytest.raises(ValueError):
        Config.from_dict({'phase2': {'kernel_size': 4}})
    with pytest.raises(ValueError):
        Config.from_dict({'phase1': {'width': 8, 'pretrained': 'k.pth'}})
    with pytest.raises(ValueError, match='low_res_epochs'):
        override(preset('lite'), 'phase1', epochs=3)  # fewer epochs than its half-size ones
    with pytest.raises(ValueError, match='input_pool'):
        override(preset('tiny'), 'phase1', input_pool=3)
    with pytest.raises(ValueError, match='low_res_epochs'):
        override(preset('lite'), 'phase1', input_pool=2)  # progressive resizing and the input pool exclude each other
    c = override(preset('lite'), 'phase1', epochs=7, batch_size=None)
    assert c.phase1.epochs == 7 and c.phase1.batch_size == preset('lite').phase1.batch_size
