"""
The two networks of Ma et al. (Sci Rep 2022).

Phase 1, `WindowNet`: a 3-D ResNet-18 (torchvision `r3d_18`, block structure [2,2,2,2] of
BasicBlock + Conv3DSimple) on one window [N,3,10,S,S]; the Kinetics fc is replaced by one logit.
`width` is the stem/layer1 channel count: 64 is torchvision's r3d_18 itself (channels 64,128,256,512);
`lite` and `demo` use width 16 (16,32,64,128). No projection is added: the feature dimension is
D = 8 * width (512 paper, 128 lite and demo), recorded in every checkpoint and in manifest.json. Features are the global
average pool of layer4, so the Grad-CAM of the logit is exact in closed form:
    cam = ReLU(sum_k alpha_k A_k),  alpha_k = mean of dlogit/dA_k = fc.weight[k] / (d*h*w)
(layer4 output A [N,C,d,h,w]; Selvaraju et al.'s definition, bias excluded). tests/test_models.py
checks it against autograd. With `input_pool` 2 (demo) the net first averages 2x2 in-plane pixels,
so a served 192 window gives a 6x6 CAM instead of 12x12 (upsampled to the slices either way).

Phase 2, `SequenceNet`: TCN (weight-normed Conv1d, kernel 3, dilation 2^i, ReLU, dropout, residual
1x1 conv when widths differ) with NON-causal 'same' padding ((k-1)*dilation/2 each side). The
hidden sequence is multiplied by the mask after every conv, so padded positions behave exactly like
the conv's own zero padding: outputs at valid positions do not depend on how much padding follows.
Heads: a per-position window logit, and 9 attention heads a = softmax(tanh(H w_k)) over unmasked
positions, e = a H, each followed by Linear-ReLU-Dropout-Linear to one logit.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.video import r3d_18
from torchvision.models.video.resnet import BasicBlock, Conv3DSimple

NUM_STUDY_LABELS = 9


def _r3d18_trunk(width: int) -> nn.ModuleDict:
    """stem + layer1..4 of r3d_18 with channels width*(1,2,4,8); width 64 is torchvision's own model."""
    if width == 64:
        m = r3d_18(weights=None)
        return nn.ModuleDict({k: getattr(m, k) for k in ('stem', 'layer1', 'layer2', 'layer3', 'layer4')})
    stem = nn.Sequential(nn.Conv3d(3, width, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False),
                         nn.BatchNorm3d(width), nn.ReLU(inplace=True))
    mods, cin = {'stem': stem}, width
    for i, stride in enumerate((1, 2, 2, 2)):
        planes = width * 2 ** i
        down = None
        if stride != 1 or cin != planes:
            down = nn.Sequential(nn.Conv3d(cin, planes, 1, stride=stride, bias=False), nn.BatchNorm3d(planes))
        mods[f'layer{i + 1}'] = nn.Sequential(BasicBlock(cin, planes, Conv3DSimple, stride, down),
                                              BasicBlock(planes, planes, Conv3DSimple))
        cin = planes
    trunk = nn.ModuleDict(mods)
    for m in trunk.modules():  # torchvision VideoResNet's init
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, nn.BatchNorm3d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)
    return trunk


class WindowNet(nn.Module):
    """Phase 1. forward(x [N,3,10,S,S] in [0,1]) -> logit [N]; `outputs` gives (feature, logit, cam).

    input_pool p > 1: the network first averages p x p in-plane pixels (no weights), so it sees a
    served 192 window at 192/p. That is the CPU demo's budget: a quarter of the compute in training,
    feature extraction and serving alike, with the serving graph still taking 192. Training feeds
    windows already pooled (`forward(x, pooled=True)`): `half_res` of the cache's train windows,
    kept as uint8 (a rounding step of 1/255 below what the pool computes from served windows)."""

    def __init__(self, width: int = 64, input_pool: int = 1, clot_map: bool = False):
        super().__init__()
        t = _r3d18_trunk(width)
        self.stem, self.layer1, self.layer2, self.layer3, self.layer4 = (t[k] for k in t)
        self.feature_dim = 8 * width
        self.input_pool = input_pool
        self.fc = nn.Linear(self.feature_dim, 1)
        # Training-only head (twin_mask_weight > 0): a clot logit per layer4 cell, supervised where
        # twin pairs differ. Neither `outputs` nor the ONNX graph uses it.
        self.clot_head = nn.Conv3d(self.feature_dim, 1, 1) if clot_map else None

    @classmethod
    def from_config(cls, p1) -> 'WindowNet':
        """The phase-1 network a Phase1Config describes (width, input_pool, the clot-map head)."""
        return cls(p1.width, p1.input_pool, clot_map=p1.twin_mask_weight > 0)

    def trunk(self, x: torch.Tensor, pooled: bool = False) -> torch.Tensor:
        if self.input_pool > 1 and not pooled:
            p = self.input_pool
            x = F.avg_pool3d(x, (1, p, p))
        return self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))

    def forward(self, x: torch.Tensor, pooled: bool = False, clot_map: bool = False):
        """logit [N]; with clot_map, (logit [N], clot logits [N,d,h,w] on the layer4 grid)."""
        a = self.trunk(x, pooled)
        logit = self.fc(a.mean(dim=(2, 3, 4)))[:, 0]
        if not clot_map:
            return logit
        if self.clot_head is None:
            raise ValueError('this WindowNet has no clot-map head (phase1.twin_mask_weight is 0)')
        return logit, self.clot_head(a)[:, 0]

    def outputs(self, x: torch.Tensor):
        a = self.trunk(x)                                   # [N,C,d,h,w]
        feature = a.mean(dim=(2, 3, 4))                     # [N,C]
        logit = self.fc(feature)[:, 0]                      # [N]
        alpha = self.fc.weight[0] / (a.shape[2] * a.shape[3] * a.shape[4])
        cam = F.relu((a * alpha[None, :, None, None, None]).sum(1))  # [N,d,h,w]
        return feature, logit, cam

    def load_kinetics(self, path: str) -> None:
        """Loads torchvision's r3d_18 Kinetics-400 state dict (e.g. r3d_18-b3b3357e.pth) except its fc."""
        sd = torch.load(path, map_location='cpu', weights_only=True)
        sd = {k: v for k, v in sd.items() if not k.startswith('fc.')}
        missing, unexpected = self.load_state_dict(sd, strict=False)
        if set(missing) != {'fc.weight', 'fc.bias'} or unexpected:
            raise ValueError(f'{path}: not an r3d_18 state dict for width {self.feature_dim // 8} '
                             f'(missing {missing}, unexpected {unexpected})')


class TemporalBlock(nn.Module):
    def __init__(self, cin: int, cout: int, k: int, dilation: int, dropout: float):
        super().__init__()
        pad = (k - 1) * dilation // 2
        wn = nn.utils.weight_norm
        self.conv1 = wn(nn.Conv1d(cin, cout, k, padding=pad, dilation=dilation))
        self.conv2 = wn(nn.Conv1d(cout, cout, k, padding=pad, dilation=dilation))
        self.drop = nn.Dropout(dropout)
        self.down = nn.Conv1d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:  # x [B,C,L], m [B,1,L]
        h = self.drop(F.relu(self.conv1(x))) * m
        h = self.drop(F.relu(self.conv2(h))) * m
        res = x if self.down is None else self.down(x)
        return F.relu(h + res) * m


class SequenceNet(nn.Module):
    """Phase 2. forward(x [B,L,3D], mask [B,L]) -> window logits [B,L], study logits [B,9], attention [B,9,L]."""

    def __init__(self, in_dim: int, channels: int = 128, levels: int = 2, kernel_size: int = 3,
                 dropout: float = 0.2, mlp_hidden: int = 64):
        super().__init__()
        assert kernel_size % 2 == 1, "'same' padding needs an odd kernel"
        self.blocks = nn.ModuleList(
            TemporalBlock(in_dim if i == 0 else channels, channels, kernel_size, 2 ** i, dropout) for i in range(levels))
        self.drop = nn.Dropout(dropout)
        self.window_head = nn.Linear(channels, 1)
        self.query = nn.Parameter(nn.init.xavier_uniform_(torch.empty(NUM_STUDY_LABELS, channels)))
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(channels, mlp_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(mlp_hidden, 1))
            for _ in range(NUM_STUDY_LABELS))

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        h, m = x.transpose(1, 2), mask[:, None, :].to(x.dtype)
        for block in self.blocks:
            h = block(h, m)
        h = h.transpose(1, 2)                                             # [B,L,C]
        window = self.window_head(self.drop(h))[..., 0]                   # [B,L]
        score = torch.tanh(torch.matmul(h, self.query.t())).transpose(1, 2)  # [B,9,L]
        score = torch.where(m > 0, score, torch.full_like(score, -1e4))   # masked positions get weight 0
        att = torch.softmax(score, dim=-1)
        e = torch.matmul(att, h)                                          # [B,9,C]
        study = torch.cat([head(e[:, k]) for k, head in enumerate(self.heads)], dim=1)  # [B,9]
        return window, study, att

    def fold_weight_norm(self) -> 'SequenceNet':
        """Removes the weight-norm reparametrisation in place (for export); outputs are unchanged."""
        for b in self.blocks:
            nn.utils.remove_weight_norm(b.conv1)
            nn.utils.remove_weight_norm(b.conv2)
        return self
