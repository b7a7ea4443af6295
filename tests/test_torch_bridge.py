"""The PyTorch bridge: export (net.to_torch), write back, and import (Network.from_torch)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

torch = pytest.importorskip("torch", reason="the PyTorch bridge needs torch: pip install -e '.[torch]'")

from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim import Activation, Network, activations, fast  # noqa: E402
from neuronsim.errors import (ActivationError, NeuronsimError, NeuronsimTypeError, NonFiniteError,  # noqa: E402
                              ShapeError, SpecError, TopologyError, ValueRangeError)
from neuronsim.torch_bridge import torch_loss  # noqa: E402

from conftest import random_dags  # noqa: E402

F64 = torch.float64


def rows_near(x, n, seed):
    """``n`` input rows: ``x`` and small perturbations of it (seeded)."""
    rng = np.random.default_rng(seed)
    return np.vstack([x] + [np.asarray(x) + rng.uniform(-0.05, 0.05, len(x)) for _ in range(n - 1)])


def object_engine(net, X, Y, loss):
    """Outputs and summed gradients (in parameter_keys order) of the object engine over rows."""
    net.zero_grad()
    outputs = []
    for x, y in zip(X.tolist(), Y.tolist()):
        outputs.append(net.forward(x))
        net.backward(y, loss)
    return np.array(outputs), np.array(net.gradients())


def module_grads(module, net):
    """The module's gradients, in ``net.parameter_keys()`` order."""
    by_key = {}
    for name, keys in module.parameter_keys().items():
        by_key.update(zip(keys, getattr(module, name).grad.reshape(-1).tolist()))
    return np.array([by_key[key] for key in net.parameter_keys()])


def assert_relatively_equal(got, expected, rtol=1e-12):
    """Every entry within rtol of the largest magnitude of ``expected`` (a vector-relative bound)."""
    scale = max(np.abs(expected).max(), 1e-300)
    assert np.abs(got - expected).max() <= rtol * scale, (got, expected)


def check_export(case, seed):
    net = case.net
    X = rows_near(case.x, 3, seed)
    Y = np.vstack([case.target] * 3)
    expected_out, expected_grads = object_engine(net, X, Y, case.loss)
    module = net.to_torch()
    out = module(torch.as_tensor(X, dtype=F64))
    assert_relatively_equal(out.detach().numpy(), expected_out)
    torch_loss(case.loss)(out, torch.as_tensor(Y, dtype=F64)).backward()
    assert_relatively_equal(module_grads(module, net), expected_grads)


# --- export: the module computes the network's function and its gradients ----------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(random_dags())
def test_export_equals_the_object_engine_on_random_dags(case):
    check_export(case, seed=0)


@pytest.mark.parametrize("density", [0.0, 2.0], ids=["masked", "sparse"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=random_dags())
def test_export_equals_the_object_engine_with_masked_or_sparse_blocks(density, case):
    saved = fast._MASKED_MIN_DENSITY
    fast._MASKED_MIN_DENSITY = density  # 0: every partial block masked; 2: every one index-based
    try:
        case.net._engine = None
        module = case.net.to_torch()
        kinds = {kind for _, _, blocks in module._levels for kind, *_ in blocks}
        assert kinds <= {"dense", "masked" if density == 0.0 else "sparse"}
        check_export(case, seed=1)
    finally:
        fast._MASKED_MIN_DENSITY = saved
        case.net._engine = None


def test_exported_module_gives_predict_for_a_batch_with_several_outputs():
    net = Network.from_spec({"layers": [("identity", 3), ("tanh", 4), ("elu", 2)], "edges": [["x1", "o2"]]}, seed=3)
    X = np.random.default_rng(0).normal(size=(6, 3))
    out = net.to_torch()(torch.as_tensor(X))
    assert out.shape == (6, 2) and out.dtype == F64
    assert_relatively_equal(out.detach().numpy(), net.predict(X), rtol=1e-15)


def test_exported_module_has_real_parameters_a_torch_optimizer_can_train():
    net = Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
    module = net.to_torch()
    names = [name for name, _ in module.named_parameters()]
    assert names == ["weight_1_0", "bias_1", "weight_2_0", "bias_2"]
    assert all(isinstance(p, nn.Parameter) for p in module.parameters())
    assert module.weight_1_0.shape == (3, 2)
    X, Y = (torch.as_tensor(a, dtype=F64) for a in neuronsim.datasets.xor())
    fn, optimizer = torch_loss("squared_error"), torch.optim.SGD(module.parameters(), lr=0.5)
    first = fn(module(X), Y).item()
    for _ in range(50):
        optimizer.zero_grad()
        fn(module(X), Y).backward()
        optimizer.step()
    assert fn(module(X), Y).item() < first


def test_export_in_float32_computes_in_float32():
    net = Network.from_spec([("identity", 2), ("relu", 3), ("identity", 1)], seed=0)
    module = net.to_torch(dtype=torch.float32)
    out = module(torch.tensor([[1.0, -1.0]]))
    assert out.dtype == torch.float32 and module.weight_1_0.dtype == torch.float32
    assert abs(out.item() - net.predict([1.0, -1.0])[0]) < 1e-6


def test_export_leaves_preprocessing_to_the_caller_and_keeps_it():
    from neuronsim.preprocessing import Scaler

    net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    net.preprocessing = Scaler("standardize", offset=[1.0, 1.0], scale=[2.0, 2.0])
    module = net.to_torch()
    assert module.preprocessing is net.preprocessing
    raw = np.array([[1.0, 3.0]])
    assert module(torch.as_tensor(raw)).item() == 4.0                     # what the neurons see: 1 + 3
    seen = torch.as_tensor(module.preprocessing.transform(raw))
    assert module(seen).item() == net.predict(raw)[0, 0] == 1.0


def test_export_refuses_a_batch_of_the_wrong_width():
    module = Network.from_spec([("identity", 2), ("identity", 1)], init="constant").to_torch()
    with pytest.raises(ShapeError, match=r"expected a batch of shape \(n, 2\).*x1, x2.*got shape \(4, 3\)"):
        module(torch.zeros(4, 3, dtype=F64))


def test_export_refuses_a_dtype_that_is_not_floating():
    net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    with pytest.raises(NeuronsimTypeError, match="dtype must be a floating torch dtype"):
        net.to_torch(dtype=torch.int64)


@pytest.mark.parametrize("device, words", [("nope", "RuntimeError"), (["cpu"], "")])
def test_export_refuses_a_device_that_cannot_hold_tensors_in_one_clear_error(device, words):
    net = Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    with pytest.raises(ValueRangeError, match=rf"to_torch\(\): device .* cannot hold torch.float64 tensors here.*{words}"):
        net.to_torch(device=device)


def test_export_refuses_a_custom_activation_without_torch_form_naming_the_neuron(isolated_registries):
    activations.register(Activation("cube", lambda z: z ** 3, lambda z: 3 * z * z))
    net = Network.from_spec([("identity", 2), ("tanh", 2), ("cube", 1)], seed=0)
    with pytest.raises(ActivationError, match="neuron 'o1' has the custom activation 'cube', which has no torch form"):
        net.to_torch()


def test_export_runs_an_expression_activation_on_tensors(isolated_registries):
    swish = activations.register(Activation.from_expression("my_swish", lambda v: v * v.sigmoid()))
    net = Network.from_spec([("identity", 2), (swish.name, 3), ("identity", 1)], seed=2)
    X, Y = np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([[1.0], [0.0]])
    expected_out, expected_grads = object_engine(net, X, Y, "squared_error")
    module = net.to_torch()
    out = module(torch.as_tensor(X))
    torch_loss("squared_error")(out, torch.as_tensor(Y)).backward()
    assert_relatively_equal(out.detach().numpy(), expected_out)
    assert_relatively_equal(module_grads(module, net), expected_grads)


def test_export_refuses_an_expression_that_branches_on_data(isolated_registries):
    branchy = activations.register(Activation.from_expression(
        "branchy", lambda v: v if v.data > 0 else v * 0.5))
    net = Network.from_spec([("identity", 1), (branchy.name, 1)], init="constant")
    with pytest.raises(ActivationError, match="neuron 'o1' has the custom activation 'branchy', whose expression"):
        net.to_torch()


@pytest.mark.parametrize("name", ["softplus", "softsign", "relu", "elu", "gaussian", "leaky_relu", "silu"])
def test_exported_activation_derivatives_equal_neuronsims_including_at_zero(name):
    act = activations.get(name)
    z = torch.tensor([-40.0, -3.0, -1e-3, 0.0, 1e-3, 0.7, 25.0, 1e6], dtype=F64, requires_grad=True)
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("o", name)
    net.connect("x", "o", 1.0)
    module = net.to_torch()
    out = module(z[:, None])[:, 0]
    out.sum().backward()
    expected_a = act.vf(z.detach().numpy())
    assert np.array_equal(out.detach().numpy(), expected_a) or np.allclose(out.detach().numpy(), expected_a,
                                                                           rtol=1e-15, atol=0)
    expected = act.vdf(z.detach().numpy(), expected_a)
    # atol: for elu at z = −40 torch gives e^z = 4e-18 where neuronsim's a + 1 rounds to 0
    assert np.allclose(z.grad.numpy(), expected, rtol=1e-12, atol=1e-17)


# --- parameter keys and write back ----------------------------------------------------------------

def test_parameter_keys_name_every_edge_and_bias_once_with_its_value():
    net = Network.from_spec({"layers": [("identity", 3), ("sigmoid", 4), ("tanh", 2)],
                             "edges": [["x1", "o1"], ["x3", "o2"]]}, seed=5)
    module = net.to_torch()
    keys = module.parameter_keys()
    flat = [key for group in keys.values() for key in group]
    assert sorted(flat, key=str) == sorted(net.parameter_keys(), key=str) and len(flat) == len(set(flat))
    for name, group in keys.items():
        values = getattr(module, name).detach().reshape(-1).tolist()
        for key, value in zip(group, values):
            expected = net.weight(*key) if isinstance(key, tuple) else net[key].bias
            assert value == expected


def test_write_back_round_trip_after_torch_training():
    net = Network.from_spec([("identity", 2), ("tanh", 4), ("sigmoid", 1)], seed=1)
    module = net.to_torch()
    X, Y = (torch.as_tensor(a, dtype=F64) for a in neuronsim.datasets.xor())
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(20):
        optimizer.zero_grad()
        torch_loss("squared_error")(module(X), Y).backward()
        optimizer.step()
    module.write_back(net)
    assert_relatively_equal(net.predict(X.numpy()), module(X).detach().numpy(), rtol=1e-15)
    again = net.to_torch()
    for (name, p), (_, q) in zip(module.named_parameters(), again.named_parameters()):
        assert torch.equal(p, q), name


def test_write_back_with_grads_sets_the_graphs_gradients():
    net = Network.from_spec({"layers": [("identity", 2), ("relu", 3), ("identity", 2)], "edges": [["x2", "o1"]]},
                            seed=4)
    X, Y = np.array([[0.3, -0.8], [1.2, 0.4]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    _, expected = object_engine(net, X, Y, "softmax_cross_entropy")
    net.zero_grad()
    module = net.to_torch()
    torch_loss("softmax_cross_entropy")(module(torch.as_tensor(X)), torch.as_tensor(Y)).backward()
    module.write_back(net, grads=True)
    assert_relatively_equal(np.array(net.gradients()), expected)


def test_write_back_refuses_a_non_finite_value_and_writes_nothing():
    net = Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    module = net.to_torch()
    with torch.no_grad():
        module.weight_1_0.fill_(0.5)
        module.bias_2[0] = float("nan")
    message = r"the value of neuron 'o1' \(its bias\).*bias_2.*nan; nothing was written"
    with pytest.raises(NonFiniteError, match=message):
        module.write_back(net)
    assert net.weight("x1", "h1") == 1.0


def test_write_back_refuses_a_network_of_another_structure():
    net = Network.from_spec([("identity", 2), ("sigmoid", 2), ("sigmoid", 1)], init="constant")
    module = net.to_torch()
    net.disconnect("h1", "o1")
    with pytest.raises(TopologyError, match="the network has no link h1 -> o1, which the module has"):
        module.write_back(net)
    other = Network.from_spec({"layers": [("identity", 2), ("sigmoid", 2), ("sigmoid", 1)],
                               "edges": [["x1", "o1"]]}, init="constant")
    with pytest.raises(TopologyError, match="the network has link x1 -> o1, which the module lacks"):
        module.write_back(other)


def test_write_back_grads_before_any_backward_is_refused():
    net = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant")
    with pytest.raises(NeuronsimError, match="parameter 'weight_1_0' has no gradient; run loss.backward"):
        net.to_torch().write_back(net, grads=True)


def test_write_back_takes_a_network():
    module = Network.from_spec([("identity", 1), ("sigmoid", 1)], init="constant").to_torch()
    with pytest.raises(NeuronsimTypeError, match="write_back\\(\\) takes a Network, got dict"):
        module.write_back({})


# --- import: nn.Sequential ------------------------------------------------------------------------

def mlp(*layers, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(*layers).double()


def test_sequential_import_names_neurons_as_the_layered_spec_and_copies_weights_exactly():
    model = mlp(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2), nn.Sigmoid())
    net = Network.from_torch(model)
    spec = Network.from_spec([("identity", 3), ("tanh", 4), ("relu", 5), ("sigmoid", 2)])
    assert [n.name for n in net.neurons] == [n.name for n in spec.neurons]
    assert net.parameter_keys() == spec.parameter_keys()
    assert net.graph.edges["x1", "h1_1"]["weight"] == model[0].weight[0, 0].item()
    assert net.graph.edges["x3", "h1_2"]["weight"] == model[0].weight[1, 2].item()
    assert net.graph.edges["h2_5", "o2"]["weight"] == model[4].weight[1, 4].item()
    assert net["h2_3"].bias == model[2].bias[2].item()
    assert [net[n].activation.name for n in ("h1_1", "h2_1", "o1")] == ["tanh", "relu", "sigmoid"]


def test_sequential_import_of_float32_weights_is_exact():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.SiLU(), nn.Linear(3, 1))
    net = Network.from_torch(model)
    assert net.weight("x2", "h3") == float(model[0].weight.detach()[2, 1])


def test_sequential_import_deltas_and_grads_equal_torch_autograd():
    model = mlp(nn.Linear(3, 4), nn.Softplus(), nn.Linear(4, 3), nn.ELU(), nn.Linear(3, 2))
    net = Network.from_torch(model)
    x, t = [0.3, -1.2, 0.8], [0.5, -0.25]
    out = net.forward(x)
    net.backward(t)
    z1 = model[0](torch.tensor([x], dtype=F64))
    z2 = model[2](model[1](z1))
    z3 = model[4](model[3](z2))
    for z in (z1, z2, z3):
        z.retain_grad()
    torch_loss("squared_error")(z3, torch.tensor([t], dtype=F64)).backward()
    assert_relatively_equal(np.array(out), z3.detach().numpy()[0], rtol=1e-15)
    for z, layer in ((z1, "h1_"), (z2, "h2_"), (z3, "o")):
        names = [n for n in net.graph if n.startswith(layer)]
        assert_relatively_equal(np.array([net[n].delta for n in names]), z.grad.numpy()[0])
    grads = np.array([[net.graph.edges[f"h1_{i + 1}", f"h2_{j + 1}"]["grad"] for i in range(4)] for j in range(3)])
    assert_relatively_equal(grads, model[2].weight.grad.numpy())
    assert_relatively_equal(np.array([net[f"o{j}"].bias_grad for j in (1, 2)]), model[4].bias.grad.numpy())


def test_sequential_ending_in_softmax_imports_identity_outputs_for_softmax_cross_entropy():
    model = mlp(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.Softmax(dim=1))
    net = Network.from_torch(model)
    assert {n.activation.name for n in net.outputs} == {"identity"}
    X = torch.randn(6, 4, dtype=F64)
    assert_relatively_equal(net.predict_proba(X.numpy()), model(X).detach().numpy(), rtol=1e-14)
    target = [0.0, 1.0, 0.0]
    net.forward(X[0].tolist())
    net.backward(target, "softmax_cross_entropy")
    F.cross_entropy(model[:3](X[:1]), torch.tensor([1])).backward(inputs=[model[2].weight])
    grads = np.array([[net.graph.edges[f"h{i + 1}", f"o{j + 1}"]["grad"] for i in range(5)] for j in range(3)])
    assert_relatively_equal(grads, model[2].weight.grad.numpy())


def test_nested_sequentials_and_consecutive_linears_import():
    model = mlp(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU()), nn.Linear(3, 3), nn.Linear(3, 1), nn.Identity())
    net = Network.from_torch(model)
    assert [n.activation.name for n in net.neurons if n.name.startswith("h")] == ["leaky_relu"] * 3 + ["identity"] * 3
    X = torch.randn(5, 2, dtype=F64)
    assert_relatively_equal(net.predict(X.numpy()), model(X).detach().numpy(), rtol=1e-14)


# --- import: torch.fx-traced residual and skip networks -------------------------------------------

class Residual(nn.Module):
    """x -> tanh(a x) = h; relu(h + b h); output c(..) + skip(x)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.skip = nn.Linear(3, 4), nn.Linear(4, 4), nn.Linear(4, 2), nn.Linear(3, 2)

    def forward(self, x):
        h = torch.tanh(self.a(x))
        h = F.relu(h + self.b(h))
        return self.c(h) + self.skip(x)


def test_fx_residual_mlp_imports_into_the_matching_dag():
    torch.manual_seed(0)
    model = Residual().double()
    net = Network.from_torch(model)
    names = [n.name for n in net.neurons]
    # h1: tanh(a x); h2: the identities carrying b h (h + b h reads h twice); h3: relu; o: c h3 + skip x
    assert names == ["x1", "x2", "x3"] + [f"h{k}_{j}" for k in (1, 2, 3) for j in (1, 2, 3, 4)] + ["o1", "o2"]
    assert net.weight("h1_2", "h2_3") == model.b.weight[2, 1].item()
    assert net.weight("h1_3", "h3_3") == 1.0 and net.weight("h2_3", "h3_3") == 1.0
    assert not net.graph.has_edge("h1_1", "h3_2")
    assert net.weight("x3", "o2") == model.skip.weight[1, 2].item()
    assert net["o1"].bias == model.c.bias[0].item() + model.skip.bias[0].item()
    X = torch.randn(7, 3, dtype=F64)
    assert_relatively_equal(net.predict(X.numpy()), model(X).detach().numpy(), rtol=1e-14)


def test_fx_residual_mlp_grads_equal_torch_autograd():
    torch.manual_seed(1)
    model = Residual().double()
    net = Network.from_torch(model)
    x, t = [0.4, -0.7, 1.1], [1.0, -1.0]
    net.forward(x)
    net.backward(t)
    torch_loss("squared_error")(model(torch.tensor([x], dtype=F64)), torch.tensor([t], dtype=F64)).backward()
    pairs = {"a": ("x", "h1_", 3, 4), "b": ("h1_", "h2_", 4, 4), "c": ("h3_", "o", 4, 2), "skip": ("x", "o", 3, 2)}
    for layer, (src, dst, n_in, n_out) in pairs.items():
        grads = np.array([[net.graph.edges[f"{src}{i + 1}", f"{dst}{j + 1}"]["grad"] for i in range(n_in)]
                          for j in range(n_out)])
        assert_relatively_equal(grads, getattr(model, layer).weight.grad.numpy())
    assert_relatively_equal(np.array([net[f"h1_{j}"].bias_grad for j in range(1, 5)]), model.a.bias.grad.numpy())


class DenseSkips(nn.Module):
    """Every layer also reads the input: out = lin3(h2) with h2 = silu(lin2(h1) + lin2x(x))."""

    def __init__(self):
        super().__init__()
        self.lin1, self.lin2, self.lin2x, self.lin3 = nn.Linear(2, 3), nn.Linear(3, 3), nn.Linear(2, 3), nn.Linear(3, 1)

    def forward(self, x):
        h1 = self.lin1(x).sigmoid()
        h2 = F.silu(self.lin2(h1) + self.lin2x(x))
        return self.lin3(h2)


def test_fx_skip_links_from_the_input_import_as_direct_links():
    torch.manual_seed(2)
    model = DenseSkips().double()
    net = Network.from_torch(model)
    assert [n.name for n in net.neurons] == ["x1", "x2", "h1_1", "h1_2", "h1_3", "h2_1", "h2_2", "h2_3", "o1"]
    assert net.weight("x2", "h2_1") == model.lin2x.weight[0, 1].item()
    X = torch.randn(4, 2, dtype=F64)
    assert_relatively_equal(net.predict(X.numpy()), model(X).detach().numpy(), rtol=1e-14)


def test_fx_graph_module_is_accepted_as_it_is():
    torch.manual_seed(0)
    traced = torch.fx.symbolic_trace(Residual().double())
    X = torch.randn(3, 3, dtype=F64)
    assert_relatively_equal(Network.from_torch(traced).predict(X.numpy()), traced(X).detach().numpy(), rtol=1e-14)


# --- import: clear errors -------------------------------------------------------------------------

def test_import_refuses_a_conv_layer_naming_it():
    message = r"model\[1\] \(Conv1d\): this module is not supported; neuronsim imports Linear"
    with pytest.raises(SpecError, match=message):
        Network.from_torch(nn.Sequential(nn.Linear(3, 3), nn.Conv1d(1, 1, 2)))


def test_import_refuses_an_unknown_activation_as_an_activation_error():
    with pytest.raises(ActivationError, match=r"model\[1\] \(GELU\): neuronsim has no activation matching GELU"):
        Network.from_torch(nn.Sequential(nn.Linear(3, 3), nn.GELU()))


@pytest.mark.parametrize("module, message", [
    (nn.LeakyReLU(0.2), "LeakyReLU with negative_slope=0.2; neuronsim's leaky_relu has slope 0.01"),
    (nn.ELU(alpha=2.0), "ELU with alpha=2.0; neuronsim's elu has alpha 1"),
    (nn.Softplus(beta=2), "Softplus with beta=2; neuronsim's softplus has beta 1"),
])
def test_import_refuses_activation_parameters_neuronsim_does_not_have(module, message):
    with pytest.raises(ActivationError, match=message):
        Network.from_torch(nn.Sequential(nn.Linear(2, 2), module))


def test_import_refuses_a_softmax_before_the_end():
    with pytest.raises(SpecError, match=r"model\[2\] \(Linear\): uses the result of the Softmax at model\[1\]"):
        Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1), nn.Linear(2, 1)))


def test_import_refuses_a_softmax_over_the_batch():
    with pytest.raises(SpecError, match=r"Softmax over dim=0"):
        Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)))


def test_import_refuses_layers_whose_sizes_do_not_chain():
    with pytest.raises(ShapeError, match=r"model\[2\] \(Linear\): Linear takes 4 features but gets 3"):
        Network.from_torch(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(4, 1)))


def test_import_refuses_a_non_finite_weight_naming_it():
    model = nn.Sequential(nn.Linear(2, 2))
    with torch.no_grad():
        model[0].weight[1, 0] = float("inf")
    with pytest.raises(ValueRangeError, match=r"model\[0\] \(Linear\): weight\[1, 0\] is inf"):
        Network.from_torch(model)


def test_import_refuses_the_first_unsupported_fx_node_by_name():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return torch.tanh(self.lin(x)) * 2.0

    with pytest.raises(SpecError, match=r"node 'mul' \(call_function mul\): this operation is not supported"):
        Network.from_torch(Scaled())


def test_import_refuses_attention_and_untraceable_models():
    with pytest.raises(SpecError, match="torch.fx cannot trace MultiheadAttention"):
        Network.from_torch(nn.MultiheadAttention(4, 2))


def test_import_refuses_models_with_two_inputs():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 1)

        def forward(self, x, y):
            return self.lin(x) + self.lin(y)

    with pytest.raises(SpecError, match=r"the model takes 2 inputs \(x, y\)"):
        Network.from_torch(Two())


def test_import_takes_a_torch_module():
    with pytest.raises(NeuronsimTypeError, match="from_torch\\(\\) takes a torch.nn.Module, got list"):
        Network.from_torch([nn.Linear(2, 2)])


def test_import_then_export_round_trips_the_function():
    model = mlp(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2), nn.Sigmoid())
    X = torch.randn(5, 3, dtype=F64)
    module = Network.from_torch(model).to_torch()
    assert_relatively_equal(module(X).detach().numpy(), model(X).detach().numpy(), rtol=1e-15)


def test_write_back_into_a_copy_of_the_network_and_after_pickling():
    import copy
    import io

    net = Network.from_spec({"layers": [("identity", 2), ("tanh", 3), ("identity", 1)], "edges": [["x1", "o1"]]},
                            seed=6)
    module = net.to_torch()
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(2.0)
    twin = net.copy()
    module.write_back(twin)                     # another network of the same links: the checked path
    assert twin.weight("x1", "o1") == 2 * net.weight("x1", "o1") and twin["h2"].bias == 2 * net["h2"].bias
    buffer = io.BytesIO()
    torch.save(module, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    clone = copy.deepcopy(module)
    X = torch.randn(3, 2, dtype=F64)
    assert torch.equal(loaded(X), module(X)) and torch.equal(clone(X), module(X))
    loaded.write_back(net)
    assert net.parameters() == twin.parameters()


def test_module_parameters_are_independent_of_the_network_and_its_engine():
    net = Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 1)], seed=0)
    module = net.to_torch()
    before = [p.detach().clone() for p in module.parameters()]
    net.set_weight("x1", "h1", 9.0)
    net.compile().forward([[1.0, 2.0]])          # the fast engine re-reads the graph
    assert all(torch.equal(p, q) for p, q in zip(module.parameters(), before))


def test_exported_module_takes_tensors_only():
    module = Network.from_spec([("identity", 2), ("identity", 1)], init="constant").to_torch()
    with pytest.raises(NeuronsimTypeError, match=r"X must be a torch tensor of shape \(n, 2\), got ndarray"):
        module(np.zeros((1, 2)))


def test_two_custom_activations_of_one_name_keep_their_own_forms():
    a = Activation.from_expression("twin", lambda v: v * 2.0)
    b = Activation.from_expression("twin", lambda v: v * 3.0)
    net = Network()
    net.add_neuron("x", "identity")
    net.add_neuron("p", a)
    net.add_neuron("q", b)
    net.connect("x", "p", 1.0)
    net.connect("x", "q", 1.0)
    out = net.to_torch()(torch.tensor([[1.0]], dtype=F64))
    assert out.tolist() == [[2.0, 3.0]] or out.tolist() == [[3.0, 2.0]]
    assert out.tolist()[0] == net.predict([1.0]).tolist()


def test_export_places_parameters_on_the_device_asked_for():
    net = Network.from_spec([("identity", 2), ("tanh", 2), ("identity", 1)], seed=0)
    module = net.to_torch(device=torch.device("cpu"))
    assert {p.device.type for p in module.parameters()} == {"cpu"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_export_on_cuda_equals_the_cpu_module():
    net = Network.from_spec({"layers": [("identity", 3), ("relu", 4), ("sigmoid", 2)], "edges": [["x1", "o2"]]}, seed=0)
    X = torch.randn(5, 3, dtype=F64)
    cpu, gpu = net.to_torch(), net.to_torch(device="cuda")
    assert torch.allclose(gpu(X.cuda()).cpu(), cpu(X), rtol=1e-12, atol=0)


def test_import_refuses_a_model_too_large_for_max_links_before_building():
    model = nn.Sequential(nn.Linear(30, 20), nn.Tanh(), nn.Linear(20, 2))
    with pytest.raises(SpecError, match=r"52 neurons and 640 links would need about .* max_links=100"):
        Network.from_torch(model, max_links=100)
    assert Network.from_torch(model, max_links=1000).graph.number_of_edges() == 640
