"""
Phase-2 loss, the RSNA weighted log loss, and a small AUROC (torchmetrics/sklearn are not needed).

Loss (per the issue text), for a batch of studies i with W_i windows, mapped window logits z_ij
(outputs over the 40 sequence positions mapped back to the W_i windows, see data.window_matrix),
window labels y_ij, q_i = share of positive windows, study logits s_ik and labels t_ik:

    L = [ sum_i sum_j w q_i BCE(z_ij, y_ij) + sum_i sum_k w_k BCE(s_ik, t_ik) ] / sum_i (W_i + 9)

with w = 0.07361963 and w_k the RSNA competition weights. NOTE on the denominator: the RSNA
competition metric (the paper's evaluation, and the loss it mirrors) divides by the TOTAL WEIGHT
sum_i (w q_i W_i + sum_k w_k), not by the number of terms sum_i (W_i + 9); the public reference
code (xiaotian0328/pe-detection) uses yet another normalisation (window term / mask count, study
terms as weighted means). We could not check the published equation offline, so we implement the
issue's sum_i (W_i + 9) and also report `rsna_wll` (total-weight normalisation, i.e. the competition
metric) for validation and test. Per batch the two differ only by a positive factor, so gradient
directions agree; the count-normalised loss weighs batches with many windows relatively more.
"""
import numpy as np
import torch
import torch.nn.functional as F

WINDOW_WEIGHT = 0.07361963
STUDY_WEIGHTS = [0.0736196319, 0.09202453988, 0.1042944785, 0.1042944785, 0.1877300613,
                 0.06257668712, 0.06257668712, 0.2346625767, 0.0782208589]


def loss_terms(window_logits: torch.Tensor, study_logits: torch.Tensor, batch: dict):
    """(weighted BCE sum, sum_i (W_i + 9), total weight) for one batch; loss = first / second."""
    z = torch.matmul(batch['M'], window_logits.float()[:, :, None])[..., 0]            # [B,Wmax]
    bw = F.binary_cross_entropy_with_logits(z, batch['y_win'], reduction='none') * batch['valid']
    q = batch['q']
    wk = torch.tensor(STUDY_WEIGHTS, dtype=torch.float32, device=study_logits.device)
    bs = F.binary_cross_entropy_with_logits(study_logits.float(), batch['y_study'], reduction='none')
    num = WINDOW_WEIGHT * (q * bw.sum(1)).sum() + (bs * wk).sum()
    n_win = batch['valid'].sum(1)
    count = (n_win + 9).sum()
    total_weight = (WINDOW_WEIGHT * q * n_win).sum() + wk.sum() * len(q)
    return num, count, total_weight


def phase2_loss(window_logits, study_logits, batch) -> torch.Tensor:
    num, count, _ = loss_terms(window_logits, study_logits, batch)
    return num / count


def auroc(y, s) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); nan if one class only."""
    y, s = np.asarray(y, np.float64).ravel() > 0.5, np.asarray(s, np.float64).ravel()
    n1 = int(y.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float('nan')
    order = np.argsort(s, kind='mergesort')
    _, first, counts = np.unique(s[order], return_index=True, return_counts=True)
    ranks = np.empty(y.size)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))
