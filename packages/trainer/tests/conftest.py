import pytest
import torch

# embolus_trainer is importable through pyproject.toml's `pythonpath`.
torch.set_num_threads(2)

from embolus_trainer.synth import make_cache  # noqa: E402


@pytest.fixture(scope='session')
def synth_cache(tmp_path_factory):
    """12 studies of 1-4 windows at 40 -> 32 px (the cache format allows any train/serve size)."""
    return make_cache(str(tmp_path_factory.mktemp('cache')), studies=12, windows=(1, 4), train_size=40, serve_size=32)
