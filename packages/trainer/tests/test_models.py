import torch
from torchvision.models.video import r3d_18

from embolus_trainer.config import preset
from embolus_trainer.models import SequenceNet, WindowNet, _r3d18_trunk
from embolus_trainer.train_phase2 import build_model


def _count(m):
    return sum(p.numel() for p in m.parameters())


def test_window_net_paper_shapes_and_kinetics(tmp_path):
    net = WindowNet(64).eval()
    assert _count(net) == 33_166_785  # r3d_18 with fc 512 -> 1
    with torch.no_grad():
        f, z, cam = net.outputs(torch.rand(2, 3, 10, 192, 192))
    assert f.shape == (2, 512) and z.shape == (2,) and cam.shape == (2, 2, 12, 12)
    # Kinetics weights: torchvision's r3d_18 state dict loads into everything but the new fc
    tv = r3d_18(weights=None)
    torch.save(tv.state_dict(), tmp_path / 'k.pth')
    net.load_kinetics(str(tmp_path / 'k.pth'))
    assert torch.equal(net.layer4[1].conv2[0].weight, tv.layer4[1].conv2[0].weight)


def test_lite_has_the_same_block_structure():
    ref = {k: v.shape for k, v in r3d_18(weights=None).state_dict().items() if not k.startswith('fc.')}
    ours = {k: v.shape for k, v in _r3d18_trunk(64).state_dict().items()}
    built = {k: v.shape for k, v in WindowNet(8).state_dict().items() if not k.startswith('fc.')}
    assert ours == ref and built.keys() == ref.keys()
    assert all(built[k][0] * 8 == ref[k][0] for k in ref if len(ref[k]) == 5)  # conv out-channels / 8
    net = WindowNet(8).eval()
    assert net.feature_dim == 64
    with torch.no_grad():
        f, z, cam = net.outputs(torch.rand(2, 3, 10, 192, 192))
    assert f.shape == (2, 64) and z.shape == (2,) and cam.shape == (2, 2, 12, 12)


def test_cam_is_exact_grad_cam():
    torch.manual_seed(0)
    net = WindowNet(2).eval()
    x = torch.rand(2, 3, 10, 48, 48)
    a = net.trunk(x).detach().requires_grad_(True)
    logit = net.fc(a.mean(dim=(2, 3, 4)))[:, 0]
    grad, = torch.autograd.grad(logit.sum(), a)
    alpha = grad.mean(dim=(2, 3, 4), keepdim=True)                 # Grad-CAM weights
    ref = torch.relu((alpha * a).sum(1))
    _, z, cam = net.outputs(x)
    assert torch.allclose(cam, ref, atol=1e-6) and torch.allclose(z, logit, atol=1e-6)
    assert cam.max() > 0


def test_sequence_net_shapes():
    for name, d in (('paper', 512), ('lite', 128)):
        cfg = preset(name)
        net = build_model(cfg).eval()
        assert net.blocks[0].conv1.in_channels == 3 * d
        x, mask = torch.randn(3, 40, 3 * d), torch.ones(3, 40)
        mask[0, 7:] = 0
        w, s, a = net(x, mask)
        assert w.shape == (3, 40) and s.shape == (3, 9) and a.shape == (3, 9, 40)
        assert torch.allclose(a.sum(-1), torch.ones(3, 9)) and a[0, :, 7:].max() < 1e-6


def test_padding_does_not_change_valid_outputs():
    torch.manual_seed(0)
    net = SequenceNet(12, channels=8, mlp_hidden=8).eval()
    x = torch.randn(1, 7, 12)
    outs = []
    for L in (7, 20, 40):
        xp, m = torch.zeros(1, L, 12), torch.zeros(1, L)
        xp[:, :7], m[:, :7] = x, 1
        outs.append(net(xp, m))
    for w, s, a in outs[1:]:
        assert torch.allclose(w[:, :7], outs[0][0], atol=1e-6) and torch.allclose(s, outs[0][1], atol=1e-6)
        assert torch.allclose(a[..., :7], outs[0][2], atol=1e-6)


def test_fold_weight_norm_keeps_outputs():
    torch.manual_seed(0)
    net = SequenceNet(12, channels=8, mlp_hidden=8).eval()
    with torch.no_grad():
        net.blocks[0].conv1.weight_g.mul_(1.7)
    x, m = torch.randn(2, 40, 12), torch.ones(2, 40)
    before = net(x, m)
    net.fold_weight_norm()
    assert not any('weight_g' in k for k in net.state_dict())
    for u, v in zip(before, net(x, m)):
        assert torch.allclose(u, v, atol=1e-6)


def test_cpu_bf16_autocast_trains_in_fp32_weights():
    from embolus_trainer import engine
    env = engine.Env(rank=0, world=1, local_rank=0, device=torch.device('cpu'))
    m = WindowNet(2)
    x, y = torch.rand(2, 3, 10, 32, 32), torch.tensor([0.0, 1.0])
    with engine.autocast(env, False, cpu=True):
        z = m(x)
    # Lowered only where the CPU has native bf16; the loss and the weights stay fp32 either way.
    assert z.dtype == (torch.bfloat16 if engine.cpu_bf16_supported() else torch.float32)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z.float(), y)
    loss.backward()
    assert torch.isfinite(loss) and m.fc.weight.grad is not None and m.fc.weight.dtype == torch.float32
    with engine.autocast(env, False, cpu=False):
        assert m(x).dtype == torch.float32


def test_cpu_bf16_detection_follows_the_cpu_flags():
    # It once asked torch for an operator that torch 1.13 lacks, so CPU autocast never ran.
    from embolus_trainer import engine
    with open('/proc/cpuinfo') as f:
        flags = f.read()
    native = ('avx512_bf16' in flags or 'amx_bf16' in flags) and torch.backends.mkldnn.is_available()
    assert engine.cpu_bf16_supported() == native


def test_input_pool_averages_2x2_inside_the_net_and_adds_no_weights():
    from embolus_trainer.data import half_res
    torch.manual_seed(0)
    net = WindowNet(2, input_pool=2).eval()
    plain = WindowNet(2).eval()
    assert net.state_dict().keys() == plain.state_dict().keys()  # checkpoints stay interchangeable
    plain.load_state_dict(net.state_dict())
    x = torch.rand(2, 3, 10, 48, 48)
    pooled = torch.nn.functional.avg_pool3d(x, (1, 2, 2))
    with torch.no_grad():
        z, z_pre = net(x), net(torch.from_numpy(half_res(x.numpy())), pooled=True)
        f, logit, cam = net.outputs(x)
        f_ref, logit_ref, cam_ref = plain.outputs(pooled)
        z_unpooled = plain(x)
    assert torch.allclose(z, z_pre, atol=1e-6) and torch.allclose(logit, logit_ref, atol=1e-6)
    assert torch.allclose(f, f_ref, atol=1e-6) and cam.shape == cam_ref.shape == (2, 2, 2, 2)
    assert not torch.allclose(z, z_unpooled, atol=1e-3)  # the pool does change what the net sees
    assert WindowNet.from_config(preset('demo').phase1).input_pool == 2
