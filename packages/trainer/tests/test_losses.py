import math

import numpy as np
import torch

from embolus_trainer.data import collate_sequences, window_matrix
from embolus_trainer.losses import STUDY_WEIGHTS, WINDOW_WEIGHT, auroc, loss_terms, phase2_loss

LN2 = math.log(2)


def _study(y_win, y_study, L=40):
    y = np.asarray(y_win, np.float32)
    return dict(uid='s', x=np.zeros((L, 3), np.float32), mask=np.ones(L, np.float32), M=window_matrix(len(y), L),
                y_win=y, q=np.float32(y.mean()), y_study=np.asarray(y_study, np.float32))


def test_zero_logits():
    # one study, W=2, windows [1,0] -> q = 0.5; every BCE at logit 0 is ln 2
    b = collate_sequences([_study([1, 0], [1] + [0] * 8)])
    loss = phase2_loss(torch.zeros(1, 40), torch.zeros(1, 9), b).item()
    want = (WINDOW_WEIGHT * 0.5 * 2 * LN2 + sum(STUDY_WEIGHTS) * LN2) / (2 + 9)
    assert abs(loss - want) < 1e-7


def test_two_studies_padding_and_weights():
    # study A: W=1, positive window, logit z; study B: W=3, no positive window (q=0 -> window term 0)
    z, s = 1.5, torch.tensor([[0.3, -1.0, 2.0, 0, 0, 0, 0, 0, 0.5], [0.0] * 9])
    ya, yb = [0, 1, 0, 0, 1, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0]
    b = collate_sequences([_study([1], ya), _study([0, 0, 0], yb)])
    win = torch.zeros(2, 40)
    win[0, 0] = z
    win[1, :3] = torch.tensor([5.0, 5.0, 5.0])  # would be costly if B's window term were not weighted by q=0
    bce = lambda x, y: math.log1p(math.exp(-x)) if y else math.log1p(math.exp(x))
    num = WINDOW_WEIGHT * 1.0 * bce(z, 1)
    num += sum(w * bce(float(s[0, k]), ya[k]) for k, w in enumerate(STUDY_WEIGHTS))
    num += sum(w * bce(0.0, yb[k]) for k, w in enumerate(STUDY_WEIGHTS))
    n, c, tw = loss_terms(win, s, b)
    assert abs(n.item() - num) < 1e-5
    assert c.item() == (1 + 9) + (3 + 9)
    assert abs(tw.item() - (WINDOW_WEIGHT * 1 * 1 + 2 * sum(STUDY_WEIGHTS))) < 1e-6
    assert abs(phase2_loss(win, s, b).item() - num / 22) < 1e-6


def test_resized_study_uses_all_W_windows():
    # W = 80 > 40: the 40 logits are mapped back to 80 windows; a constant logit stays constant
    y = [1] * 20 + [0] * 60
    b = collate_sequences([_study(y, [0] * 9)])
    n, c, _ = loss_terms(torch.full((1, 40), 0.7), torch.zeros(1, 9), b)
    q = 0.25
    want = WINDOW_WEIGHT * q * (20 * math.log1p(math.exp(-0.7)) + 60 * math.log1p(math.exp(0.7))) + sum(STUDY_WEIGHTS) * LN2
    assert abs(n.item() - want) < 1e-5 and c.item() == 80 + 9


def test_auroc():
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auroc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert auroc([0, 1], [0.5, 0.5]) == 0.5
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert auroc([0, 1, 0, 1, 1], [0.2, 0.2, 0.6, 0.9, 0.1]) == (1 * 0.5 + 2 + 0) / 6  # ties count half
    assert math.isnan(auroc([1, 1], [0.1, 0.2]))
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 500), rng.standard_normal(500).round(1)
    pos, neg = s[y == 1], s[y == 0]
    ref = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg))
    assert abs(auroc(y, s) - ref) < 1e-12
