"""The ``nn.Module`` machinery: registration, traversal, state_dict, modes, hooks, conversion,
containers and default initialization, checked against ``torch.nn`` where PyTorch has an
observable answer (reprs, key order, init bounds)."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import graphc
import graphc.nn as nn
from graphc.errors import GraphcError

torch = pytest.importorskip("torch")


def make_net(lib):
    """The 60-minute-blitz LeNet, built from ``lib.nn`` (graphc or torch)."""
    F = lib.nn.functional

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = lib.nn.Conv2d(1, 6, 5)
            self.conv2 = lib.nn.Conv2d(6, 16, 5)
            self.fc1 = lib.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = lib.nn.Linear(120, 84)
            self.fc3 = lib.nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


class Affine(nn.Module):
    """A module written only with tensor ops, so these tests do not depend on F."""

    def __init__(self, n=3):
        super().__init__()
        self.w = nn.Parameter(graphc.ones(n))
        self.b = nn.Parameter(graphc.zeros(n))
        self.register_buffer("count", graphc.zeros(1))

    def forward(self, x):
        return x * self.w + self.b


# -- Parameter ----------------------------------------------------------------------------------
def test_parameter_is_a_tensor_sharing_storage():
    t = graphc.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, graphc.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    t[0] = 5.0
    assert p.tolist() == [5.0, 2.0]
    assert p._version == t._version
    assert not nn.Parameter(graphc.ones(2), requires_grad=False).requires_grad
    assert tuple(nn.Parameter().shape) == (0,)


def test_parameter_repr_matches_torch():
    assert repr(nn.Parameter(graphc.tensor([1.0, 2.0]))) == \
        repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(nn.Parameter(graphc.tensor([1.0]), requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))


def test_parameter_in_ops_gives_plain_tensors_and_grads():
    p = nn.Parameter(graphc.tensor([1.0, 2.0, 3.0], dtype=graphc.float64))
    y = (p * p).sum()
    assert type(y) is graphc.Tensor
    y.backward()
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 4.0, 6.0])


def test_parameter_deepcopy_keeps_class_and_copies_data():
    p = nn.Parameter(graphc.ones(2))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    q.data.fill_(3.0)
    assert p.tolist() == [1.0, 1.0]


# -- registration and traversal -----------------------------------------------------------------
def test_lenet_parameters_match_torch():
    net, tnet = make_net(graphc), make_net(torch)
    params = list(net.parameters())
    assert len(params) == 10
    assert list(params[0].size()) == [6, 1, 5, 5]
    assert [list(p.shape) for p in params] == [list(p.shape) for p in tnet.parameters()]
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert sum(p.numel() for p in params) == sum(p.numel() for p in tnet.parameters())


def test_lenet_repr_matches_torch_exactly():
    assert repr(make_net(graphc)) == repr(make_net(torch))


def test_named_parameters_dedups_shared_parameters():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    m = Affine()
    m.alias = m.w
    assert [n for n, _ in m.named_parameters()] == ["w", "b"]
    assert [n for n, _ in m.named_parameters(prefix="top")] == ["top.w", "top.b"]
    outer = nn.Sequential(Affine(), nn.Sequential(Affine()))
    assert [n for n, _ in outer.named_parameters(recurse=False)] == []
    assert [n for n, _ in outer.named_parameters()] == ["0.w", "0.b", "1.0.w", "1.0.b"]


def test_modules_children_and_buffers():
    inner = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    model = nn.Sequential(inner, nn.ReLU())
    assert [n for n, _ in model.named_modules()] == ["", "0", "0.0", "0.1", "1"]
    assert list(model.children()) == [inner, model[1]]
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    assert [n for n, _ in model.named_buffers()] == [
        "0.1.running_mean", "0.1.running_var", "0.1.num_batches_tracked"]
    assert len(list(model.buffers())) == 3
    assert model.get_submodule("0.1") is inner[1]
    assert model.get_parameter("0.0.bias") is inner[0].bias
    assert model.get_buffer("0.1.running_var") is inner[1].running_var
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        model.get_submodule("0.nope")


def test_setattr_registration_and_reassignment():
    m = Affine()
    assert list(m._parameters) == ["w", "b"] and list(m._buffers) == ["count"]
    m.sub = nn.Linear(1, 1)
    assert "sub" in m._modules and "sub" not in m.__dict__
    m.sub = None
    assert m.sub is None and list(m.children()) == []
    m.b = None
    assert m.b is None and [n for n, _ in m.named_parameters()] == ["w"]
    with pytest.raises(TypeError, match="cannot assign 'graphc.FloatTensor' as parameter 'w'"):
        m.w = graphc.ones(3)
    with pytest.raises(TypeError, match="as buffer 'count'"):
        m.count = 3
    m.count = graphc.ones(1)  # a Tensor replaces a buffer
    assert m._buffers["count"].tolist() == [1.0]
    m.plain = 5
    assert m.plain == 5 and "plain" in m.__dict__
    del m.w
    assert "w" not in m._parameters


def test_register_errors_and_getattr_message():
    m = Affine()
    with pytest.raises(KeyError, match="attribute 'w' already exists"):
        m.register_buffer("w", graphc.zeros(1))
    with pytest.raises(KeyError, match="can't contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_parameter("q", graphc.ones(1))
    with pytest.raises(ValueError, match="non-leaf"):
        m.register_parameter("q", _non_leaf_parameter())
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'x'") as e:
        _ = m.x
    assert isinstance(e.value, GraphcError)
    assert not hasattr(m, "x")

    class Bare(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(graphc.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bare()


def _non_leaf_parameter():
    p = nn.Parameter(graphc.ones(1))
    p.grad_fn = p.exp().grad_fn  # only reachable by tampering; the check must still hold
    return p


def test_dir_lists_registered_names():
    m = Affine()
    m.lin = nn.Linear(1, 1)
    names = dir(m)
    assert {"w", "b", "count", "lin", "forward", "training"} <= set(names)
    assert names == sorted(names)


def test_non_persistent_buffer_not_in_state_dict():
    m = Affine()
    m.register_buffer("scratch", graphc.zeros(2), persistent=False)
    assert "scratch" not in m.state_dict()
    assert "scratch" in dict(m.named_buffers())


def test_apply_and_requires_grad_():
    net = make_net(graphc)
    seen = []
    net.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Conv2d", "Conv2d", "Linear", "Linear", "Linear", "Net"]
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())


# -- modes, hooks, gradients --------------------------------------------------------------------
def test_train_eval_recursive():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model[1].train(False)
    assert model.training and not model[1][0].training and not model[1][1].training
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_forward_hooks_fire_modify_and_remove():
    m = Affine()
    x = graphc.tensor([1.0, 2.0, 3.0])
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    assert m(x).tolist() == [3.0, 5.0, 7.0]
    assert calls == ["pre", "post"]
    h1.remove()
    assert m(x).tolist() == [2.0, 3.0, 4.0]
    h2.remove()
    assert m(x).tolist() == [1.0, 2.0, 3.0]
    assert calls == ["pre", "post", "post"]
    order = []
    m.register_forward_hook(lambda *a: order.append("b"))
    m.register_forward_hook(lambda *a: order.append("a"), prepend=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs)),
                            with_kwargs=True)
    m(x)
    assert order == ["a", "b", ("kw", {})]


def test_full_backward_hooks_see_and_replace_gradients():
    """``register_full_backward_hook``: ``grad_input`` has one entry per positional argument
    (zeros for a tensor that needs no gradient, None for a non-tensor), ``grad_output`` one per
    output; hooks may replace them; the output's grad_fn is BackwardHookFunctionBackward."""
    class Two(nn.Module):
        def forward(self, a, b, k):
            return a * b * k, a + b

    m, log = Two(), []
    m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", len(go))))
    m.register_full_backward_hook(
        lambda mod, gi, go: log.append(("full", [None if g is None else g.tolist() for g in gi],
                                        [g.tolist() for g in go])))
    a, b = graphc.tensor([1.0, 2.0], requires_grad=True), graphc.tensor([3.0, 4.0])
    x, y = m(a, b, 3.0)
    assert x.grad_fn.name() == "BackwardHookFunctionBackward"
    (x.sum() + 2 * y.sum()).backward()
    assert log == [("pre", 2), ("full", [[11.0, 14.0], [0.0, 0.0], None],
                                [[1.0, 1.0], [2.0, 2.0]])]
    assert a.grad.tolist() == [11.0, 14.0]

    lin = Affine(2)
    lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    h = lin.register_full_backward_hook(lambda mod, gi, go: (graphc.ones(2) * 7,))
    inp = graphc.tensor([1.0, 5.0], requires_grad=True)
    lin(inp).sum().backward()
    assert inp.grad.tolist() == [7.0, 7.0] and lin.w.grad.tolist() == [2.0, 10.0]
    h.remove()
    inp.grad = None
    lin(inp).sum().backward()
    assert inp.grad.tolist() == [2.0, 2.0]

    no_input_grad = Affine(2)
    seen = []
    no_input_grad.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        no_input_grad(graphc.ones(2)).sum().backward()
    assert seen == [(None,)]
    with graphc.no_grad():  # no graph: nothing is wrapped
        assert no_input_grad(graphc.ones(2)).grad_fn is None


def test_missing_forward_raises():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(graphc.ones(1))


def test_zero_grad_none_and_zeros():
    m = Affine()
    m(graphc.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert m.w.grad.tolist() == [1.0, 2.0, 3.0]
    m.zero_grad(set_to_none=False)
    assert m.w.grad.tolist() == [0.0, 0.0, 0.0] and m.b.grad.tolist() == [0.0, 0.0, 0.0]
    m.zero_grad()
    assert m.w.grad is None and m.b.grad is None


# -- state_dict ---------------------------------------------------------------------------------
def test_state_dict_keys_and_aliasing():
    net = make_net(graphc)
    sd = net.state_dict()
    assert list(sd) == list(make_net(torch).state_dict())
    assert all(type(v) is graphc.Tensor and not v.requires_grad for v in sd.values())
    sd["fc3.bias"][0] = 42.0  # detached aliases share storage with the parameters
    assert net.fc3.bias[0].item() == 42.0
    bn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    tbn = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    assert list(bn.state_dict()) == list(tbn.state_dict())
    assert bn.state_dict()["1.num_batches_tracked"].dtype == graphc.int64
    kept = bn.state_dict(keep_vars=True)
    assert kept["0.weight"] is bn[0].weight
    assert list(bn[1].state_dict(prefix="bn.")) == [
        "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]


def _torch_state_as_graphc(tmodule):
    return {k: graphc.tensor(v.detach().numpy()) for k, v in tmodule.state_dict().items()}


def test_load_state_dict_from_torch_weights():
    net, tnet = make_net(graphc), make_net(torch)
    result = net.load_state_dict(_torch_state_as_graphc(tnet))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (n, p), (tn, tp) in zip(net.named_parameters(), tnet.named_parameters()):
        assert n == tn
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
        assert isinstance(p, nn.Parameter) and p.requires_grad


def test_load_state_dict_strict_errors_and_nothing_half_loaded():
    net = make_net(graphc)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    sd = {k: graphc.zeros(*v.shape) for k, v in before.items()}
    del sd["fc2.bias"]
    sd["extra.weight"] = graphc.zeros(1)
    sd["fc3.weight"] = graphc.zeros(10, 80)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert isinstance(e.value, GraphcError)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "fc2.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert ("size mismatch for fc3.weight: copying a param with shape graphc.Size([10, 80]) "
            "from checkpoint, the shape in current model is graphc.Size([10, 84]).") in msg
    for k, v in net.state_dict().items():  # the valid entries were not copied either
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())


def test_load_state_dict_non_strict():
    net = make_net(graphc)
    sd = {"fc1.bias": graphc.full((120,), 0.5), "bogus": graphc.zeros(1)}
    res = net.load_state_dict(sd, strict=False)
    assert res.unexpected_keys == ["bogus"]
    assert "fc1.weight" in res.missing_keys and "fc1.bias" not in res.missing_keys
    missing, unexpected = res
    assert len(missing) == 9 and unexpected == ["bogus"]
    assert net.fc1.bias.tolist() == [0.5] * 120
    with pytest.raises(RuntimeError, match="size mismatch for fc1.bias"):  # even when not strict
        net.load_state_dict({"fc1.bias": graphc.zeros(3)}, strict=False)
    with pytest.raises(RuntimeError, match="expected graphc.Tensor"):
        net.load_state_dict({"fc1.bias": [0.0] * 120}, strict=False)


def test_load_state_dict_casts_and_keeps_identity():
    lin = nn.Linear(2, 2)
    w = lin.weight
    lin.load_state_dict({"weight": graphc.ones(2, 2, dtype=graphc.float64),
                         "bias": graphc.zeros(2)})
    assert lin.weight is w and w.dtype == graphc.float32 and w.tolist() == [[1, 1], [1, 1]]


def test_batchnorm_state_without_num_batches_tracked_loads():
    bn = nn.BatchNorm1d(3)
    sd = {k: v for k, v in _torch_state_as_graphc(torch.nn.BatchNorm1d(3)).items()
          if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd).missing_keys == []  # an old checkpoint (no _metadata)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        bn.load_state_dict(sd)  # our own state_dict carries version 2 metadata


# -- dtype / device -----------------------------------------------------------------------------
def test_to_dtype_keeps_parameter_identity():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(net.parameters())
    net[0].weight.grad = graphc.ones(2, 3)
    assert net.to(graphc.float64) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == graphc.float64 for p in params)
    assert net[0].weight.grad.dtype == graphc.float64
    assert net[1].running_mean.dtype == graphc.float64
    assert net[1].num_batches_tracked.dtype == graphc.int64  # integers are left alone
    net.float()
    assert all(p.dtype == graphc.float32 for p in net.parameters())
    net.double()
    assert net[0].bias.dtype == graphc.float64
    net.to(dtype=graphc.float32)
    assert net[0].bias.dtype == graphc.float32
    assert net.cpu() is net and net.to("cpu") is net
    with pytest.raises(TypeError, match="floating point"):
        net.to(graphc.int64)


@pytest.mark.gpu
def test_cuda_moves_parameters_in_place():
    lin = nn.Linear(3, 2)
    w = lin.weight
    lin.cuda()
    assert lin.weight is w and w.device.type == "cuda"
    out = lin(graphc.ones(4, 3, device="cuda"))
    assert out.device.type == "cuda"
    lin.cpu()
    assert w.device.type == "cpu"


# -- containers ---------------------------------------------------------------------------------
def test_sequential_indexing_slicing_append():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    assert list(seq) == [a, b]
    seq.append(c)
    assert seq[2] is c and len(seq) == 3
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    assert list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError):
        seq[3]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[1] is c
    seq.insert(0, a)
    assert seq[0] is a and len(seq) == 3
    named = nn.Sequential(__import__("collections").OrderedDict([("fc", a), ("act", b)]))
    assert named.fc is a and list(named._modules) == ["fc", "act"]
    tseq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))) == repr(tseq)


def test_sequential_forward_chains():
    seq = nn.Sequential(Affine(), Affine())
    seq[0].w.data.fill_(2.0)
    assert seq(graphc.tensor([1.0, 1.0, 1.0])).tolist() == [2.0, 2.0, 2.0]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Sigmoid())
    assert isinstance(layers[0], nn.Sigmoid) and isinstance(layers[-1], nn.Tanh)
    del layers[0]
    assert list(layers._modules) == [str(i) for i in range(5)]
    tl = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)])
    tl.append(torch.nn.ReLU())
    tl.extend([torch.nn.Tanh()])
    assert repr(layers) == repr(tl)
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    d["dec"] = nn.Linear(3, 2)
    assert list(d.keys()) == ["enc", "act", "dec"] and "act" in d and len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight",
                                                   "dec.bias"]
    assert d.pop("act").__class__ is nn.ReLU and len(d) == 2
    td = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "dec": torch.nn.Linear(3, 2)})
    assert repr(d) == repr(td)


def test_parameter_list_and_dict_and_identity():
    pl = nn.ParameterList([nn.Parameter(graphc.ones(2)), graphc.zeros(3)])
    assert len(pl) == 2 and all(isinstance(p, nn.Parameter) for p in pl)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    tpl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
    assert repr(pl).replace("graphc.", "torch.") == repr(tpl)
    pd = nn.ParameterDict({"a": graphc.ones(1)})
    pd["b"] = nn.Parameter(graphc.zeros(2))
    assert list(pd.keys()) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["a", "b"]
    x = graphc.ones(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == repr(torch.nn.Identity())


def test_module_deepcopy_is_independent():
    lin = nn.Linear(2, 2)
    twin = copy.deepcopy(lin)
    assert isinstance(twin.weight, nn.Parameter)
    twin.weight.data.fill_(0.0)
    assert lin.weight.abs().sum().item() > 0


# -- default initialization ---------------------------------------------------------------------
def test_linear_default_init_bounds():
    lin = nn.Linear(400, 120)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert w.shape == (120, 400) and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound  # uniform over the whole range, not a narrower one
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.05)
    assert abs(w.mean()) < 0.05 * bound


def test_conv_default_init_bounds():
    conv = nn.Conv2d(6, 16, 5)
    bound = 1 / math.sqrt(6 * 5 * 5)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(conv.bias.detach().numpy()).max() <= bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.1)
    assert conv.weight.shape == torch.nn.Conv2d(6, 16, 5).weight.shape
    grouped = nn.Conv2d(4, 6, 3, groups=2, bias=False)
    assert list(grouped.weight.shape) == [6, 2, 3, 3] and grouped.bias is None


def test_norm_and_embedding_default_init():
    bn = nn.BatchNorm2d(5)
    assert bn.weight.tolist() == [1.0] * 5 and bn.bias.tolist() == [0.0] * 5
    assert bn.running_mean.tolist() == [0.0] * 5 and bn.running_var.tolist() == [1.0] * 5
    assert bn.num_batches_tracked.item() == 0
    ln = nn.LayerNorm([2, 3])
    assert ln.weight.shape == (2, 3) and ln.bias.abs().sum().item() == 0
    emb = nn.Embedding(200, 50, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert abs(w.std() - 1.0) < 0.05 and abs(w.mean()) < 0.05
    assert (w[3] == 0).all()
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    pre = nn.Embedding.from_pretrained(graphc.ones(4, 2))
    assert not pre.weight.requires_grad and pre.num_embeddings == 4


def test_constructor_argument_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_layer_reprs_match_torch():
    pairs = [
        lambda L: L.Conv2d(3, 8, 3, padding="same", bias=False),
        lambda L: L.Conv2d(4, 4, (3, 1), stride=2, padding=1, dilation=2, groups=2,
                           padding_mode="reflect"),
        lambda L: L.BatchNorm2d(8), lambda L: L.BatchNorm1d(3, affine=False, momentum=None),
        lambda L: L.LayerNorm(4), lambda L: L.LayerNorm([2, 3], elementwise_affine=False),
        lambda L: L.MaxPool2d(2), lambda L: L.MaxPool2d((3, 2), stride=1, ceil_mode=True),
        lambda L: L.AvgPool2d(3, 2, 1), lambda L: L.AdaptiveAvgPool2d((5, 7)),
        lambda L: L.Dropout(0.2), lambda L: L.Embedding(10, 3, padding_idx=0, max_norm=1.0),
        lambda L: L.Flatten(), lambda L: L.Unflatten(1, (2, 5)), lambda L: L.ReLU(inplace=True),
        lambda L: L.GELU("tanh"), lambda L: L.Softmax(dim=1), lambda L: L.LogSoftmax(-1),
        lambda L: L.LeakyReLU(0.2), lambda L: L.ELU(0.5, True), lambda L: L.SiLU(),
        lambda L: L.Tanh(), lambda L: L.Sigmoid(), lambda L: L.Linear(3, 2, bias=False),
        lambda L: L.CrossEntropyLoss(label_smoothing=0.1), lambda L: L.MSELoss(),
        lambda L: L.BCEWithLogitsLoss(),
    ]
    for make in pairs:
        assert repr(make(nn)) == repr(make(torch.nn))


def test_loss_weights_are_buffers():
    ce = nn.CrossEntropyLoss(weight=graphc.tensor([1.0, 2.0]))
    tce = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0]))
    assert list(ce.state_dict()) == list(tce.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=graphc.ones(2)).state_dict()) == ["pos_weight"]
    with pytest.warns(UserWarning):
        assert nn.L1Loss(size_average=False).reduction == "sum"


# -- nn.init ------------------------------------------------------------------------------------
def test_init_functions_in_place_and_bounds():
    init = nn.init
    w = nn.Parameter(graphc.empty(300, 200))
    assert init.xavier_uniform_(w) is w and w.requires_grad
    a = math.sqrt(6 / 500)
    assert np.abs(w.detach().numpy()).max() <= a
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    np.testing.assert_allclose(w.detach().numpy().std(), math.sqrt(2 / 300), rtol=0.05)
    init.xavier_normal_(w, gain=2.0)
    np.testing.assert_allclose(w.detach().numpy().std(), 2 * math.sqrt(2 / 500), rtol=0.05)
    init.trunc_normal_(w, std=2.0, a=-1.0, b=1.5)
    arr = w.detach().numpy()
    assert arr.min() >= -1.0 and arr.max() <= 1.5 and arr.std() > 0.5
    init.constant_(w, 0.3)
    assert np.all(w.detach().numpy() == np.float32(0.3))
    init.ones_(w)
    init.zeros_(w)
    assert w.detach().abs().sum().item() == 0
    e = graphc.empty(3, 4)
    assert init.eye_(e).tolist() == np.eye(3, 4).tolist()
    q = init.orthogonal_(graphc.empty(4, 6, dtype=graphc.float64))
    np.testing.assert_allclose(q.numpy() @ q.numpy().T, np.eye(4), atol=1e-10)
    d = init.dirac_(graphc.empty(2, 2, 3, 3))
    assert d.sum().item() == 2 and d[1, 1, 1, 1].item() == 1
    u = init.uniform_(graphc.empty(1000), -0.5, 0.25)
    assert u.min().item() >= -0.5 and u.max().item() <= 0.25
    n = init.normal_(graphc.empty(5000, dtype=graphc.float64), 1.0, 0.5)
    assert abs(n.mean().item() - 1.0) < 0.05 and abs(n.std().item() - 0.5) < 0.05


def test_init_gain_and_fans_match_torch():
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                      ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    for shape in [(5, 3), (6, 2, 5, 5), (4, 3, 7)]:
        assert nn.init._calculate_fan_in_and_fan_out(graphc.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.kaiming_uniform_(graphc.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        nn.init.calculate_gain("swish")


# -- nn.utils -----------------------------------------------------------------------------------
def _grads_pair(seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    gp = [nn.Parameter(graphc.zeros(*a.shape, dtype=graphc.float64)) for a in arrays]
    tp = [torch.nn.Parameter(torch.zeros(*a.shape, dtype=torch.float64)) for a in arrays]
    for p, t, a in zip(gp, tp, arrays):
        p.grad, t.grad = graphc.tensor(a * 3), torch.tensor(a * 3)
    return gp, tp


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    gp, tp = _grads_pair()
    total = nn.utils.clip_grad_norm_(gp, max_norm=1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tp, max_norm=1.5, norm_type=norm_type)
    assert total.ndim == 0
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    for p, t in zip(gp, tp):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), atol=1e-12)


def test_clip_grad_value_and_vector_conversion():
    gp, tp = _grads_pair(1)
    nn.utils.clip_grad_value_(gp, 0.5)
    torch.nn.utils.clip_grad_value_(tp, 0.5)
    for p, t in zip(gp, tp):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert list(vec.shape) == [8] and vec.requires_grad
    nn.utils.vector_to_parameters(graphc.arange(8.0), lin.parameters())
    assert lin.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert lin.bias.tolist() == [6.0, 7.0]
    assert nn.utils.clip_grad_norm_([nn.Parameter(graphc.ones(1))], 1.0).item() == 0.0
