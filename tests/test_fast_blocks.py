"""The fast engine's block kinds: each gives the object engine's numbers, the cost model picks
them by density, and ``FastEngine.describe()`` shows the choice."""

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim import activations, fast, optim, train

LOSS_NAMES = ["squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"]
# (masked min density, gather max density) that force every partial block into one kind.
FORCING = {"masked": (0.0, 0.0), "sparse": (2.0, 0.0), "gather": (2.0, 2.0)}


@contextlib.contextmanager
def forced(kind, chunk=3):
    """Every partial block compiled in the block is ``kind`` (``gather``: sparse, its gradient
    gathered ``chunk`` links at a time, so that chunk boundaries are crossed)."""
    saved = fast._MASKED_MIN_DENSITY, fast._GATHER_MAX_DENSITY, fast._GATHER_CHUNK
    fast._MASKED_MIN_DENSITY, fast._GATHER_MAX_DENSITY = FORCING[kind]
    fast._GATHER_CHUNK = chunk
    try:
        yield
    finally:
        fast._MASKED_MIN_DENSITY, fast._GATHER_MAX_DENSITY, fast._GATHER_CHUNK = saved


def kinds(engine):
    return {"gather" if block.gather else block.kind for *_, blocks in engine._levels for block in blocks}


def close(a, b, rel=1e-10):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(np.abs(a - b) <= rel * np.maximum(np.abs(a), np.abs(b)) + 1e-13))


@st.composite
def partial_dags(draw):
    """A layered DAG whose level blocks are mostly partial (links kept with probability 0.3 to
    0.7, plus skip links), random activations, a batch of 1-6 cases and a loss."""
    loss = draw(st.sampled_from(LOSS_NAMES))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    sizes = [draw(st.integers(2, 9))] + draw(st.lists(st.integers(2, 10), min_size=1, max_size=3)) \
        + [draw(st.integers(1, 4))]
    density = draw(st.sampled_from([0.3, 0.5, 0.7]))
    acts = activations.available()
    out_act = {"softmax_cross_entropy": "identity", "binary_cross_entropy": "sigmoid"}.get(
        loss, str(rng.choice(acts)))
    layers = [[f"n{l}_{i}" for i in range(size)] for l, size in enumerate(sizes)]
    net = neuronsim.Network()
    for l, names in enumerate(layers):
        for name in names:
            act = "identity" if l == 0 else out_act if l == len(layers) - 1 else str(rng.choice(acts))
            net.add_neuron(name, act, bias=float(rng.uniform(-1, 1)))
    for l, names in enumerate(layers[1:], start=1):
        earlier = [s for layer in layers[:l - 1] for s in layer]
        for dst in names:
            chosen = [s for s in layers[l - 1] if rng.random() < density] or [str(rng.choice(layers[l - 1]))]
            chosen += [s for s in earlier if rng.random() < 0.2]
            for src in chosen:
                net.connect(src, dst, float(rng.uniform(-1.5, 1.5)))
    net.set_inputs(layers[0])
    net.set_outputs(layers[-1])
    n = draw(st.integers(1, 6))
    X = rng.uniform(-2, 2, (n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)] if loss == "softmax_cross_entropy" \
        else rng.uniform(0, 1, (n, sizes[-1]))
    return net, X, Y, loss


def object_sums(net, X, Y, loss):
    net.zero_grad()
    total = sum(net.forward(x) and net.backward(y, loss) for x, y in zip(X.tolist(), Y.tolist()))
    return total, dict(zip(net.parameter_keys(), net.gradients()))


@pytest.mark.parametrize("kind", ["masked", "sparse", "gather"])
@settings(max_examples=40, deadline=None)
@given(case=partial_dags())
def test_each_block_kind_gives_the_object_engines_outputs_loss_and_summed_gradients(kind, case):
    net, X, Y, loss = case
    expected_loss, expected = object_sums(net, X, Y, loss)
    with forced(kind):
        engine = neuronsim.fast.FastEngine(net)
    assert kinds(engine) <= {"dense", kind}
    assert close(engine.forward(X), net.predict(X))
    assert close(engine.backward(Y, loss), expected_loss)
    engine.forward(X)
    engine.backward(Y, loss)  # a second batch adds to the first
    got = dict(zip(engine.keys, engine.grads.tolist()))
    assert set(got) == set(expected)
    assert close([got[k] for k in expected], [2 * v for v in expected.values()])


def mixed_net():
    """200 inputs, then levels whose blocks the cost model makes dense (a <- x, every link),
    masked (b <- a, 10 of 19 columns), sparse (b <- x, 5 %; c <- b, 5 %) and sparse with a
    gathered gradient (c <- x, 0.5 %)."""
    net = neuronsim.Network()
    rng = np.random.default_rng(0)
    xs, a, b, c = ([f"{p}{i}" for i in range(n)] for p, n in (("x", 200), ("a", 20), ("b", 20), ("c", 20)))
    for names, act in ((xs, "identity"), (a, "tanh"), (b, "sigmoid"), (c, "identity")):
        for name in names:
            net.add_neuron(name, act, bias=float(rng.uniform(-0.5, 0.5)))
    edges = [(x, dst) for dst in a for x in xs]
    edges += [(a[i], dst) for dst in b for i in range(0, 20, 2)]
    edges += [(xs[i], b[j]) for j in range(20) for i in range(200) if (i + j) % 20 == 0]
    edges += [(xs[10 * j], c[j]) for j in range(20)] + [(b[j], c[j]) for j in range(20)]
    for src, dst in edges:
        net.connect(src, dst, float(rng.uniform(-0.3, 0.3)))
    net.set_inputs(xs)
    net.set_outputs(c)
    return net


def test_the_cost_model_picks_each_kind_by_density_and_describe_shows_it():
    assert mixed_net().compile().describe() == "\n".join([
        "level  from  kind    shape     links  density  gradient",
        "    1     0  dense   20 x 200  4,000  100.0 %  product",
        "    2     0  sparse  20 x 200    200    5.0 %  product",
        "    2     1  masked  20 x 19     200   52.6 %  product",
        "    3     0  sparse  20 x 191     20    0.5 %  gather",
        "    3     2  sparse  20 x 20      20    5.0 %  product",
        "4 levels (200 inputs, 20, 20, 20 neurons), 4,440 links in 5 blocks, 60 biases"])


def test_a_rectangle_too_big_to_hold_is_sparse_with_a_gathered_gradient(monkeypatch):
    monkeypatch.setattr(fast, "_MASKED_MAX_CELLS", 400)
    rows = mixed_net().compile().describe().splitlines()
    assert rows[1].split()[2:] == ["dense", "20", "x", "200", "4,000", "100.0", "%", "product"]  # a view: no copy
    assert rows[2].split()[2] == "sparse" and rows[2].split()[-1] == "gather"
    assert rows[3].split()[2] == "masked"  # 380 cells: small enough


def test_the_mixed_network_gives_the_object_engines_numbers():
    net = mixed_net()
    X = np.random.default_rng(1).uniform(-1, 1, (5, 200))
    Y = np.random.default_rng(2).uniform(-1, 1, (5, 20))
    expected_loss, expected = object_sums(net, X, Y, "squared_error")
    engine = net.compile()
    assert kinds(engine) == {"dense", "masked", "sparse", "gather"}
    assert close(engine.forward(X), net.predict(X))
    assert close(engine.backward(Y), expected_loss)
    got = dict(zip(engine.keys, engine.grads.tolist()))
    assert close([got[k] for k in expected], list(expected.values()))


@pytest.mark.parametrize("kind", ["masked", "sparse", "gather"])
def test_training_with_each_block_kind_gives_the_object_engines_weights(kind):
    X = np.random.default_rng(3).uniform(-1, 1, (12, 200))
    Y = np.random.default_rng(4).uniform(-1, 1, (12, 20))
    nets = {"object": mixed_net()}
    with forced(kind):
        nets["fast"] = mixed_net()
        assert kinds(nets["fast"].compile()) == {"dense", kind}
    for engine, net in nets.items():
        train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.05, momentum=0.9), epochs=3,
              batch_size=5, seed=1, progress=False, engine=engine)
    a, b = (dict(zip(net.parameter_keys(), net.parameters())) for net in (nets["object"], nets["fast"]))
    assert a.keys() == b.keys()
    assert close([b[k] for k in a], list(a.values()))


def test_a_sparse_blocks_scipy_matrices_view_the_engines_weights():
    net = mixed_net()
    engine = net.compile()
    sparse = [block for *_, blocks in engine._levels for block in blocks if block.kind == "sparse"]
    engine.forward(np.zeros((1, 200)))
    for block in sparse:
        assert np.shares_memory(block.csr.data, engine.params) and np.shares_memory(block.csc.data, engine.params)
    engine.set_params(np.linspace(-0.1, 0.1, len(engine.keys)))  # no rebuild: the matrices see it
    engine.push()
    X = np.random.default_rng(5).uniform(-1, 1, (3, 200))
    assert close(engine.forward(X), net.predict(X))


def test_describe_lists_a_level_without_incoming_links():
    net = neuronsim.Network()
    for name, act in (("x1", "identity"), ("x2", "identity"), ("b", "sigmoid"), ("o", "identity")):
        net.add_neuron(name, act, bias=0.5)
    for src, weight in (("x1", 0.5), ("x2", 0.25), ("b", 1.0)):
        net.connect(src, "o", weight)
    net.set_inputs(["x1", "x2"])
    net.set_outputs(["o"])
    assert net.compile().describe() == "\n".join([
        "level  from  kind   shape  links  density  gradient",
        "    1     -  none   1 x 0      0        -  -",
        "    2     0  dense  1 x 2      2  100.0 %  product",
        "    2     1  dense  1 x 1      1  100.0 %  product",
        "3 levels (2 inputs, 1, 1 neurons), 3 links in 2 blocks, 2 biases"])
