"""Shared test helpers: a hypothesis strategy for random DAG networks, and finite differences
written independently of :mod:`neuronsim.gradcheck`."""

from collections import namedtuple

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from neuronsim import Network, activations, losses

# Snapshots taken at import, before any test registers an activation or loss of its own.
BUILTIN_ACTIVATIONS = tuple(activations.available())
BUILTIN_LOSSES = tuple(losses.available())

# Activations whose f or f' is smooth at every z. The others (relu, leaky_relu: kink in f;
# elu, softsign: jump in f'') are kept in random networks, but only where no pre-activation
# lies near 0, so a finite-difference step of up to 1e-4 never straddles the kink.
SMOOTH_ACTIVATIONS = frozenset({"identity", "sigmoid", "tanh", "softplus", "silu", "gaussian"})
KINK_MARGIN = 1e-2

DagCase = namedtuple("DagCase", "net x target loss")

_parameter = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)


@st.composite
def random_dags(draw, loss_names=BUILTIN_LOSSES):
    """A random DAG :class:`Network` with a matching input, target and loss.

    2–4 identity inputs, 1–8 hidden neurons with random built-in activations, 1–3 outputs;
    each non-input neuron takes links from a random non-empty subset of the neurons before it
    (skip links included, outputs may feed later outputs), and every input and hidden neuron
    feeds at least one later neuron. Neurons are added and links made in random orders, and
    inputs/outputs are named explicitly or left to inference. Weights, biases in [-1.5, 1.5],
    inputs in [-2, 2]. Output activations and targets suit the loss: identity outputs and a
    probability vector for softmax cross-entropy, sigmoid outputs and targets in [0, 1] for
    binary cross-entropy.
    """
    loss = losses.get(draw(st.sampled_from(loss_names)))
    n_in = draw(st.integers(2, 4))
    n_hidden = draw(st.integers(1, 8))
    n_out = draw(st.integers(1, 3))
    inputs = [f"x{i}" for i in range(1, n_in + 1)]
    hidden = [f"h{i}" for i in range(1, n_hidden + 1)]
    outputs = [f"o{i}" for i in range(1, n_out + 1)]
    rank = inputs + hidden + outputs  # a topological order of the DAG

    if loss.output_activation is not None:
        output_activation = st.just(loss.output_activation)
    elif loss.name == "binary_cross_entropy":
        output_activation = st.just("sigmoid")
    else:
        output_activation = st.sampled_from(BUILTIN_ACTIVATIONS)
    activation = {name: "identity" for name in inputs}
    for name in hidden:
        activation[name] = draw(st.sampled_from(BUILTIN_ACTIVATIONS))
    for name in outputs:
        activation[name] = draw(output_activation)

    edges = set()
    for position, dst in enumerate(rank[n_in:], start=n_in):
        earlier = rank[:position]
        sources = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=len(earlier), unique=True))
        edges.update((src, dst) for src in sources)
    for position, src in enumerate(rank[:n_in + n_hidden]):
        if not any(s == src for s, _ in edges):
            later = rank[max(position + 1, n_in):]
            edges.add((src, draw(st.sampled_from(later))))

    net = Network()
    for name in draw(st.permutations(rank)):
        net.add_neuron(name, activation[name], bias=0.0 if name in inputs else draw(_parameter))
    for src, dst in draw(st.permutations(sorted(edges))):
        net.connect(src, dst, draw(_parameter))
    outputs_feed_on = any(src in outputs for src, _ in edges)
    if draw(st.booleans()):
        net.set_inputs(inputs)
    if outputs_feed_on or draw(st.booleans()):
        net.set_outputs(outputs)

    x = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=n_in, max_size=n_in))
    if loss.name == "softmax_cross_entropy":
        mass = draw(st.lists(st.floats(0.01, 1.0), min_size=n_out, max_size=n_out))
        target = [m / sum(mass) for m in mass]
    elif loss.target_range is not None:
        low, high = loss.target_range
        target = draw(st.lists(st.floats(low, high), min_size=n_out, max_size=n_out))
    else:
        target = draw(st.lists(st.floats(-1.5, 1.5), min_size=n_out, max_size=n_out))

    net.forward(x)
    clamped = set(id(neuron) for neuron in net.inputs)
    for neuron in net.neurons:
        if id(neuron) not in clamped and neuron.activation.name not in SMOOTH_ACTIVATIONS:
            assume(abs(neuron.z) > KINK_MARGIN)
    return DagCase(net, x, target, loss.name)


def finite_difference_gradients(net, x, target, loss="squared_error", eps=1e-4):
    """∂C/∂p for every parameter p, in ``net.parameter_keys()`` order, by central differences.

    One Richardson step over steps ``eps`` and ``eps / 2`` (error O(eps⁴)); the divisor is the
    step actually taken in floating point. Parameters are perturbed through
    ``net.set_parameters`` and the cost read with ``net.loss``; they are restored afterwards.
    """
    base = net.parameters()

    def cost(values):
        net.set_parameters(values)
        return net.loss(x, target, loss)

    def central(i, step):
        up, down = list(base), list(base)
        up[i] += step
        down[i] -= step
        return (cost(up) - cost(down)) / (up[i] - down[i])

    grads = []
    try:
        for i in range(len(base)):
            grads.append((4.0 * central(i, eps / 2) - central(i, eps)) / 3.0)
    finally:
        net.set_parameters(base)
    return grads


def close(analytic, numeric, rtol=1e-6, atol=1e-9):
    """Robust agreement of two derivatives: |a − n| ≤ rtol·max(|a|, |n|) + atol."""
    return abs(analytic - numeric) <= rtol * max(abs(analytic), abs(numeric)) + atol


@pytest.fixture
def isolated_registries(monkeypatch):
    """Let a test register activations and losses without leaking them into other tests."""
    monkeypatch.setattr(activations, "_REGISTRY", dict(activations._REGISTRY))
    monkeypatch.setattr(losses, "_REGISTRY", dict(losses._REGISTRY))


def chain_net(*links, activations_=None):
    """x1 -> ... a chain or small DAG given as (src, dst, weight), every unit identity unless
    ``activations_`` says otherwise; biases 0."""
    names = []
    for src, dst, _ in links:
        names += [n for n in (src, dst) if n not in names]
    acts = activations_ or {}
    return Network.from_spec({
        "neurons": [{"name": n, "activation": acts.get(n, "identity")} for n in names],
        "edges": [[s, d, w] for s, d, w in links]})


# --- plotting helpers ----------------------------------------------------------------------------

@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened (the plot test modules use it for every test)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def assert_png_has_content(fig, path):
    """Save ``fig`` as a PNG, check the picture is not blank, and return its RGB pixels."""
    import matplotlib.image

    fig.savefig(path, dpi=60)
    pixels = matplotlib.image.imread(path)[..., :3]
    assert pixels.std() > 0.02, "the image is blank"
    return pixels
