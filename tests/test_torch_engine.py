"""train(..., engine="torch"): the same loop, numbers and sync points as the other engines, on
the network exported to PyTorch (issue 13 item 4)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="engine='torch' needs PyTorch (pip install \"neuronsim[torch]\")")

from neuronsim import Network, losses, optim  # noqa: E402
from neuronsim.errors import (DivergenceError, LossError, NeuronsimTypeError, NonFiniteError,  # noqa: E402
                              TopologyError, TrainingError)
from neuronsim.training import EarlyStopping, TargetLoss, train  # noqa: E402

RNG = np.random.default_rng(1)
X = RNG.normal(size=(12, 3))
CASES = {
    "squared_error": ("identity", 2, RNG.normal(size=(12, 2))),
    "binary_cross_entropy": ("sigmoid", 1, (RNG.random((12, 1)) > 0.5).astype(float)),
    "softmax_cross_entropy": ("identity", 3, np.eye(3)[RNG.integers(0, 3, 12)]),
}
OPTIMIZERS = {
    "sgd_momentum": lambda: optim.SGD(lr=0.1, momentum=0.9),
    "nesterov_decay": lambda: optim.SGD(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
    "adam": lambda: optim.Adam(lr=0.05),
}


def skip_net(loss):
    """3-4-k with a skip link from an input straight to the first output."""
    out_act, n_out, _ = CASES[loss]
    net = Network.from_spec([("identity", 3), ("tanh", 4), (out_act, n_out)], seed=0)
    net.connect("x1", "o1", 0.3)
    return net


def parameters(net):
    return np.array([net.graph.edges[key]["weight"] if isinstance(key, tuple) else net[key].bias
                     for key in net.parameter_keys()])


def run(engine, loss="squared_error", optimizer="adam", **kwargs):
    net = skip_net(loss)
    kwargs.setdefault("epochs", 12)
    history = train(net, X, CASES[loss][2], loss=loss, optimizer=OPTIMIZERS[optimizer](), seed=3,
                    engine=engine, progress=False, **kwargs)
    return net, history


@pytest.mark.parametrize("batch_size", [None, 5], ids=["full_batch", "mini_batch"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("loss", sorted(CASES))
def test_torch_engine_gives_the_object_engines_weights(loss, optimizer, batch_size):
    ref, ref_history = run("object", loss, optimizer, batch_size=batch_size)
    net, history = run("torch", loss, optimizer, batch_size=batch_size)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10
    assert np.allclose(history.loss, ref_history.loss, rtol=1e-10, atol=1e-12)
    grads = [net.graph.edges[e]["grad"] for e in net.graph.edges]
    assert np.allclose(grads, [ref.graph.edges[e]["grad"] for e in ref.graph.edges], rtol=1e-9, atol=1e-12)


def test_frozen_parameters_do_not_move():
    before = skip_net("squared_error")
    net, _ = run("torch", freeze=[("x1", "o1"), "h2"], batch_size=4)
    ref, _ = run("object", freeze=[("x1", "o1"), "h2"], batch_size=4)
    assert net.weight("x1", "o1") == before.weight("x1", "o1") == 0.3
    assert net["h2"].bias == before["h2"].bias
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


class Recorder:
    """Reads the graph at every batch end and edits one weight at the end of epoch 2."""

    def __init__(self):
        self.seen = []

    def on_batch_end(self, net, history):
        self.seen.append(net.weight("h1", "o2"))

    def on_epoch_end(self, net, history):
        if history.epochs == 2:
            net.set_weight("h1", "o2", 0.0)


def test_callbacks_see_the_current_weights_and_their_edits_are_read_back():
    ref_hook, hook = Recorder(), Recorder()
    ref, _ = run("object", callbacks=ref_hook, batch_size=5)
    net, _ = run("torch", callbacks=hook, batch_size=5)
    assert len(hook.seen) == len(ref_hook.seen) == 36
    assert np.abs(np.array(hook.seen) - ref_hook.seen).max() <= 1e-10
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


def test_a_structural_edit_in_a_callback_re_exports_the_module():
    def add_link(net, history):
        if history.epochs == 3:
            net.connect("x2", "o2", 0.5)

    ref, _ = run("object", callbacks=add_link)
    net, _ = run("torch", callbacks=add_link)
    assert ("x2", "o2") in net.parameter_keys()
    assert net.weight("x2", "o2") != 0.5
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


def test_stopping_rules_fire_at_the_same_epoch():
    Y = CASES["squared_error"][2]
    kwargs = dict(epochs=200, validation=(X[:4], Y[:4]), stop=[EarlyStopping(patience=3), TargetLoss(0.05)])
    ref, ref_history = run("object", **kwargs)
    net, history = run("torch", **kwargs)
    assert history.stop_reason == ref_history.stop_reason
    assert (history.epochs, history.best_epoch) == (ref_history.epochs, ref_history.best_epoch)
    assert np.allclose(history.val_loss, ref_history.val_loss, rtol=1e-10)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


def test_an_overflowing_pass_is_named_as_the_fast_engine_names_it():
    def exploding(engine):
        net = Network.from_spec([("identity", 1), ("identity", 1), ("identity", 1)], init="constant")
        with pytest.raises(DivergenceError) as info:
            train(net, [[1e200], [1e200]], [[0.0], [1.0]], loss="squared_error", optimizer="sgd", epochs=3,
                  engine=engine, progress=False)
        return info.value, parameters(net)

    (ref, ref_params), (err, params) = exploding("fast"), exploding("torch")
    assert isinstance(err, NonFiniteError) and isinstance(ref, NonFiniteError)
    assert str(err) == str(ref)
    assert "input row 0" in str(err)
    assert params.tolist() == ref_params.tolist()


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu")])
def test_the_cpu_device_is_accepted(device):
    net, _ = run("torch", device=device, epochs=2)
    ref, _ = run("object", epochs=2)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_gives_the_cpu_weights():  # pragma: no cover - run where a GPU is present
    net, _ = run("torch", device="cuda", batch_size=5)
    ref, _ = run("object", batch_size=5)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


@pytest.mark.parametrize("device, words", [("gpu0", "is not a torch device"), ("meta", "holds no numbers")])
def test_a_bad_device_is_refused_before_training(device, words):
    net = skip_net("squared_error")
    before = parameters(net)
    with pytest.raises(TrainingError, match=words):
        train(net, X, CASES["squared_error"][2], epochs=1, engine="torch", device=device, progress=False)
    assert parameters(net).tolist() == before.tolist()


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present here")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(TrainingError, match=r"device 'cuda': CUDA is not available"):
        train(skip_net("squared_error"), X, CASES["squared_error"][2], epochs=1, engine="torch", device="cuda",
              progress=False)


def test_a_device_of_the_wrong_type_is_refused():
    with pytest.raises(NeuronsimTypeError, match="device must be a str or a torch.device.*got int 0"):
        train(skip_net("squared_error"), X, CASES["squared_error"][2], epochs=1, engine="torch", device=0,
              progress=False)


def test_device_is_only_for_the_torch_engine():
    with pytest.raises(TrainingError, match=r"device='cpu' is for engine='torch'; engine='fast'"):
        train(skip_net("squared_error"), X, CASES["squared_error"][2], epochs=1, engine="fast", device="cpu",
              progress=False)


def test_a_custom_loss_is_refused_before_training():
    custom = losses.Loss("half_abs", lambda a, t: sum(abs(x - y) for x, y in zip(a, t)) / 2,
                         lambda a, t: [0.5 if x > y else -0.5 for x, y in zip(a, t)])
    net = skip_net("squared_error")
    before = parameters(net)
    with pytest.raises(LossError, match="custom loss.*no torch form"):
        train(net, X, CASES["squared_error"][2], loss=custom, epochs=1, engine="torch", progress=False)
    assert parameters(net).tolist() == before.tolist()


def test_read_from_copies_the_graphs_numbers_into_the_module():
    net = skip_net("squared_error")
    module = net.to_torch()
    net.set_weight("x1", "o1", -1.25)
    net["h3"].bias = 0.75
    module.read_from(net)
    keys = module.parameter_keys()
    flat = {key: value for name, param in module.named_parameters()
            for key, value in zip(keys[name], param.detach().reshape(-1).tolist())}
    assert flat[("x1", "o1")] == -1.25 and flat["h3"] == 0.75
    assert flat == dict(zip(net.parameter_keys(), parameters(net).tolist()))


def test_read_from_a_network_whose_structure_changed_is_refused():
    net = skip_net("squared_error")
    module = net.to_torch()
    net.connect("x2", "o2", 0.5)
    with pytest.raises(TopologyError, match="neurons or links differ.*export the network again"):
        module.read_from(net)


def test_a_non_finite_weight_written_by_a_callback_is_named():
    def poison(net, history):
        net.graph.edges["h1", "o2"]["weight"] = float("nan")

    with pytest.raises(NonFiniteError, match=r"h1 -> o2"):
        run("torch", callbacks=poison, epochs=3)


# --- the optimizer step runs on the device (issue 13 item 6) ---------------------------------

STEP_OPTIMIZERS = {
    "plain_sgd_mean": (lambda: optim.SGD(lr=0.2), "mean"),
    "plain_sgd_sum": (lambda: optim.SGD(lr=0.05), "sum"),
    "sgd_decays": (lambda: optim.SGD(lr=0.1, momentum=0.5, weight_decay=0.01, decay=0.001), "mean"),
    "adam_weight_decay": (lambda: optim.Adam(lr=0.02, betas=(0.8, 0.99), weight_decay=0.003), "mean"),
}


def trained_with(engine, make, reduction, optimizer=None, **kwargs):
    net = skip_net("softmax_cross_entropy")
    optimizer = optimizer or make()
    history = train(net, X, CASES["softmax_cross_entropy"][2], loss="softmax_cross_entropy", optimizer=optimizer,
                    epochs=6, batch_size=5, reduction=reduction, seed=4, engine=engine, progress=False, **kwargs)
    return net, optimizer, history


@pytest.mark.parametrize("name", sorted(STEP_OPTIMIZERS))
def test_the_device_step_gives_the_object_engines_weights_and_optimizer_state(name):
    make, reduction = STEP_OPTIMIZERS[name]
    ref, ref_opt, _ = trained_with("object", make, reduction)
    net, opt, _ = trained_with("torch", make, reduction)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10
    assert set(opt.state) == set(ref_opt.state) == set(ref.parameter_keys())   # keyed; the order may differ
    for key, slots in ref_opt.state.items():
        assert slots.keys() == opt.state[key].keys()
        assert all(abs(opt.state[key][slot] - value) <= 1e-10 for slot, value in slots.items()), key


def test_an_optimizer_carries_its_state_from_a_torch_run_into_an_object_run():
    make, _ = STEP_OPTIMIZERS["sgd_decays"]
    ref, ref_opt, _ = trained_with("object", make, "mean")
    net, opt, _ = trained_with("torch", make, "mean")
    for engine_net, engine_opt, engine in ((ref, ref_opt, "object"), (net, opt, "object")):
        train(engine_net, X, CASES["softmax_cross_entropy"][2], loss="softmax_cross_entropy", optimizer=engine_opt,
              epochs=2, batch_size=5, seed=5, engine=engine, progress=False)
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


class HalfSGD(optim.SGD):
    """A subclass: the engine cannot know its rule, so it steps through update() in numpy."""

    def _delta(self, w, g, lr, state):
        delta, state = super()._delta(w, g, lr, state)
        return 0.5 * delta, state


def test_an_optimizer_subclass_steps_through_its_own_update():
    net, _, _ = trained_with("torch", lambda: HalfSGD(lr=0.3), "mean")
    half, _, _ = trained_with("object", lambda: optim.SGD(lr=0.15), "mean")   # what HalfSGD(lr=0.3) does
    plain, _, _ = trained_with("object", lambda: optim.SGD(lr=0.3), "mean")
    assert np.abs(parameters(net) - parameters(half)).max() <= 1e-10
    assert np.abs(parameters(net) - parameters(plain)).max() > 1e-3


@pytest.mark.parametrize("name", ["plain_sgd_mean", "adam_weight_decay"])
def test_frozen_parameters_stay_put_on_the_device_step_and_callback_edits_are_read(name):
    make, reduction = STEP_OPTIMIZERS[name]

    class Edit:
        def on_epoch_end(self, net, history):
            if history.epochs == 3:
                net.set_weight("h2", "o3", 0.125)

    frozen = [("x1", "o1"), "h2", ("h4", "o2")]
    ref, _, _ = trained_with("object", make, reduction, freeze=frozen, callbacks=Edit())
    net, _, _ = trained_with("torch", make, reduction, freeze=frozen, callbacks=Edit())
    assert net.weight("x1", "o1") == 0.3 and net["h2"].bias == skip_net("softmax_cross_entropy")["h2"].bias
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10


def test_an_update_that_overflows_is_refused_and_named_as_the_fast_engine_names_it():
    def exploding(engine):
        net = Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        with pytest.raises(DivergenceError) as info:   # a finite pass (∂E/∂w = 1e10), then w − 1e300·1e10
            train(net, [[1e5], [1.0]], [[0.0], [0.0]], loss="squared_error", optimizer=optim.SGD(lr=1e300),
                  epochs=2, batch_size=1, shuffle=False, engine=engine, progress=False)
        return str(info.value), parameters(net)

    (ref, ref_params), (err, params) = exploding("fast"), exploding("torch")
    assert "x1 -> o1" in err and "became" in err
    assert err == ref and params.tolist() == ref_params.tolist() == [1.0, 0.0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", sorted(STEP_OPTIMIZERS))
def test_the_device_step_on_cuda_gives_the_object_engines_weights(name):  # pragma: no cover - GPU only
    make, reduction = STEP_OPTIMIZERS[name]
    ref, ref_opt, _ = trained_with("object", make, reduction, freeze=[("x1", "o1")])
    net, opt, _ = trained_with("torch", make, reduction, freeze=[("x1", "o1")], device="cuda")
    assert np.abs(parameters(net) - parameters(ref)).max() <= 1e-10
    assert set(opt.state) == set(ref_opt.state)


def test_after_a_pass_overflows_the_graph_holds_finite_weights_and_zero_gradients_on_torch():
    net = Network.from_spec([("identity", 2), ("identity", 3), ("identity", 1)], seed=0)
    X, Y = np.array([[1.0, 2.0], [1e308, 1e308], [0.5, 0.5]]), np.array([[1.0], [2.0], [0.0]])
    with pytest.raises(DivergenceError, match="input row 1"):
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.1), epochs=1, batch_size=1,
              shuffle=False, progress=False, engine="torch")
    edges = list(net.graph.edges(data=True))
    assert all(np.isfinite(data["weight"]) for _, _, data in edges)
    assert [data["grad"] for _, _, data in edges] == [0.0] * len(edges)
