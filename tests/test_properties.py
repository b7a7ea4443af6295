"""Properties over random networks: the two engines agree, files round-trip bit for bit, and a
call that raises leaves everything as it was.

- **Engines agree.** On random DAGs (layered, and with skip links), weights up to 1e6 and
  inputs up to 1e3, the object engine and the batched engine give the same outputs, loss, edge
  gradients and bias gradients to a relative 1e-9 — beyond the rounding error that the
  problem's own conditioning allows (an error bound propagated through the network, see
  :func:`error_bounds`). With weights up to 1e300 a pass may overflow: then both engines raise
  :class:`NonFiniteError` naming the same culprit (neuron, or the loss).
- **save → load is bit-exact**: parameters, structure and outputs.
- **A refused call changes nothing.** For forward, backward, loss, the batched engine, train,
  an optimizer's update and step, connect, set_weight and set_parameters given bad values
  (strings, NaN, infinities, 10**400, wrong lengths, unknown names): every weight, bias,
  gradient, the structure, the input/output names and the optimizer's state (a deep copy) are
  exactly as before; so are the neurons' z, a and δ, since every such call is refused at the
  door before any pass runs. (A pass that *overflows*, by contrast, may leave z and a unset
  after the culprit — the object engine's documented way of making sure no backward pass mixes
  it with an older one; weights, gradients and optimizer state are unchanged then too.) A file
  whose fields are replaced by bad values is refused by ``load`` with the project's error, never
  a raw exception, and the file is left as it was.
"""

import copy
import json
import math
import os
import re
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim import optim
from neuronsim.errors import NeuronsimError, NonFiniteError

from conftest import random_dags

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.filter_too_much])
U = 1e-13          # rounding allowance per operation (generous: ~900 ulps)
LIPSCHITZ = 1.2    # |f′| ≤ 1.2 for every built-in activation (silu's is ~1.1)
CURVATURE = 2.0    # |f″| ≤ 2 for every built-in activation (gaussian's and softsign's)
KINKED = {"relu", "leaky_relu"}   # f′ jumps at z = 0


# --- strategies --------------------------------------------------------------------------------

@st.composite
def layered_nets(draw):
    """A layered network with random built-in activations, a loss that suits its outputs, an
    input and a target (weights and biases in [-1.5, 1.5] before scaling)."""
    loss = draw(st.sampled_from(["squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy"]))
    acts = neuronsim.activations.available()
    sizes = [draw(st.integers(1, 4))] + draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    n_out = draw(st.integers(2 if loss == "softmax_cross_entropy" else 1, 3))
    out_act = {"softmax_cross_entropy": "identity", "binary_cross_entropy": "sigmoid"}.get(
        loss, draw(st.sampled_from(acts)))
    spec = [("identity", sizes[0])] + [(draw(st.sampled_from(acts)), n) for n in sizes[1:]] + [(out_act, n_out)]
    net = neuronsim.Network.from_spec(spec, init="uniform", seed=draw(st.integers(0, 2**16)))
    values = draw(st.lists(st.floats(-1.5, 1.5), min_size=len(net.parameters()), max_size=len(net.parameters())))
    net.set_parameters(values)
    x = draw(st.lists(st.floats(-2.0, 2.0), min_size=sizes[0], max_size=sizes[0]))
    if loss == "softmax_cross_entropy":
        mass = draw(st.lists(st.floats(0.01, 1.0), min_size=n_out, max_size=n_out))
        target = [m / sum(mass) for m in mass]
    elif loss == "binary_cross_entropy":
        target = draw(st.lists(st.floats(0.0, 1.0), min_size=n_out, max_size=n_out))
    else:
        target = draw(st.lists(st.floats(-1.5, 1.5), min_size=n_out, max_size=n_out))
    return net, x, target, loss


def any_net():
    """Layered networks and DAGs with skip links (several outputs, outputs feeding outputs)."""
    return st.one_of(layered_nets(), random_dags().map(lambda case: (case.net, case.x, case.target, case.loss)))


def scaled(draw, case, weight_scales, input_scales):
    """The case with its weights and biases multiplied by one drawn scale, its input by another."""
    net, x, target, loss = case
    w, s = draw(st.sampled_from(weight_scales)), draw(st.sampled_from(input_scales))
    net.set_parameters([p * w for p in net.parameters()])
    return net, [v * s for v in x], target, loss


# --- the two engines on one case ------------------------------------------------------------------

def object_engine(net, x, target, loss):
    """(outputs, loss, {parameter key: gradient}) from forward/backward, or the NonFiniteError."""
    net.zero_grad()
    try:
        out = net.forward(x)
        value = net.backward(target, loss)
    except NonFiniteError as err:
        return err
    return out, value, dict(zip(net.parameter_keys(), net.gradients()))


def fast_engine(net, x, target, loss):
    engine = net.compile()
    engine.zero_grad()
    try:
        out = engine.forward([x])[0].tolist()
        value = engine.backward([target], loss)
    except NonFiniteError as err:
        return err
    finally:
        net.zero_grad()     # the batched engine adds its gradients to the graph's too
    return out, value, dict(zip(engine.keys, engine.grads.tolist()))


def error_bounds(net, x, target, loss_name):
    """Bounds on the rounding error that any correct evaluation order may make, propagated
    forward (z, a) and backward (δ, gradients) with the object engine's own values; None when
    a relu-like kink lies within the error of its z (the derivative itself is then uncertain).

    z_j = b_j + Σ w_ij a_i:  E_z = U (|b| + Σ|w a|) + Σ |w| E_a;   E_a = 1.2 E_z + U |a|
    δ_j = f′(z_j) (Σ w_jk δ_k + ℓ_j):  E_δ = |f′| E_Σ + 2 E_z (Σ|w δ| + |ℓ|) + E_ℓ + U |δ|
    """
    net.forward(x)
    net.zero_grad()
    net.backward(target, loss_name)
    neurons = net.neurons
    inputs = {n.name for n in net.inputs}
    outputs = [n.name for n in net.outputs]
    E_z, E_a = {}, {}
    for neuron in neurons:
        name = neuron.name
        if name in inputs:
            E_z[name] = E_a[name] = 0.0
            continue
        terms = abs(neuron.bias) + sum(abs(w * src.a) for src, w in neuron.upstream)
        E_z[name] = U * terms + sum(abs(w) * E_a[src.name] for src, w in neuron.upstream)
        E_a[name] = LIPSCHITZ * E_z[name] + U * abs(neuron.a)
        if neuron.activation.name in KINKED and abs(neuron.z) <= 10 * E_z[name] + 1e-300:
            return None
    last = net.plan().last_loss       # the loss terms the object engine used
    fused, terms = last.fused, list(last.output_terms)
    by_z = {n: (E_z if fused else E_a)[n] for n in outputs}
    ell = dict(zip(outputs, terms))
    spread = sum(by_z.values())          # a loss term may depend on every output
    E_d = {}
    for neuron in reversed(neurons):
        name = neuron.name
        if name in inputs:
            continue
        down = sum(abs(w * dst.delta) for dst, w in neuron.downstream)
        E_sum = U * down + sum(abs(w) * E_d[dst.name] for dst, w in neuron.downstream)
        fprime = abs(neuron.activation.df(neuron.z, neuron.a))
        own = abs(ell.get(name, 0.0))
        E_d[name] = (max(fprime, 1.0) * E_sum + CURVATURE * E_z[name] * (down + own)
                     + (max(fprime, 1.0) * spread if name in ell else 0.0) + U * abs(neuron.delta))
    bounds = {}
    for neuron in neurons:
        if neuron.name in inputs:
            continue
        for src, _ in neuron.upstream:
            bounds[(src.name, neuron.name)] = (abs(src.a) * E_d[neuron.name] + E_a[src.name] * abs(neuron.delta)
                                               + U * abs(src.a * neuron.delta))
        bounds[neuron.name] = E_d[neuron.name]
    E_loss = sum((abs(ell[n]) + by_z[n]) * by_z[n] for n in outputs) + U * abs(net.loss(x, target, loss_name))
    return [E_a[n] for n in outputs], E_loss, bounds


def agree(a, b, bound):
    # 1e-300: below the smallest normal float (2.2e-308) rounding is absolute, not relative (math.exp
    # and numpy's exp may give 0 and 5e-324 for the same z), which the relative bounds do not cover
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + bound + 1e-300


def culprit(err):
    """What an overflow error blames: the neuron it names, else 'loss'."""
    found = re.search(r"neuron '([^']+)'", str(err))
    if found:
        return found.group(1)
    return "loss" if "loss" in str(err) else str(err)


@FAST
@given(st.data())
def test_the_two_engines_agree_on_outputs_loss_and_gradients(data):
    net, x, target, loss = scaled(data.draw, data.draw(any_net()), [1.0, 1e3, 1e6], [1.0, 10.0, 500.0])
    bounds = error_bounds(net, x, target, loss)
    assume(bounds is not None)
    out_bounds, loss_bound, grad_bounds = bounds
    slow, fast = object_engine(net, x, target, loss), fast_engine(net, x, target, loss)
    assert not isinstance(slow, Exception) and not isinstance(fast, Exception), (slow, fast)
    for a, b, e in zip(slow[0], fast[0], out_bounds):
        assert agree(a, b, e), ("output", a, b, e)
    assert agree(slow[1], fast[1], loss_bound), ("loss", slow[1], fast[1], loss_bound)
    assert slow[2].keys() == fast[2].keys()
    for key, g in slow[2].items():
        assert agree(g, fast[2][key], grad_bounds[key]), (key, g, fast[2][key], grad_bounds[key])


BORDER = 1e306   # a sum whose terms add up to more than this may or may not overflow, by order


def forward_reference(net, x):
    """The forward pass in exact arithmetic (math.fsum) up to the first overflow: ("ok", None),
    ("overflow", neuron name), or ("borderline", name) where a sum of finite terms is so large that
    whether it overflows depends on the order of the additions (either engine may be right)."""
    inputs = {n.name for n in net.inputs}
    a = dict(zip([n.name for n in net.inputs], x))
    for neuron in net.neurons:
        if neuron.name in inputs:
            continue
        terms = [neuron.bias] + [w * a[src.name] for src, w in neuron.upstream]
        if not all(map(math.isfinite, terms)):
            return "overflow", neuron.name          # a product overflowed: in any order
        if sum(map(abs, terms)) >= BORDER:
            return "borderline", neuron.name
        z = math.fsum(terms)
        a[neuron.name] = neuron.activation.f(z)
        if not math.isfinite(a[neuron.name]):
            return "overflow", neuron.name
    return "ok", None


def loss_borderline(net):
    """Whether an output is where a loss may or may not overflow by the order of its operations:
    near √(1.8e308) (squares: ½(a − t)²) or near the border itself (sums of z or a)."""
    return any(1e150 <= abs(v) <= 1e156 or abs(v) >= 1e305 for n in net.outputs for v in (n.z, n.a))


def delta_borderline(net, name):
    """Whether δ of neuron ``name`` sums terms Σ w δ (from the object engine's δ downstream)
    near the overflow border (or its loss term is near it)."""
    neuron = net[name]
    try:
        down = sum(abs(w * dst.delta) for dst, w in neuron.downstream)
    except TypeError:
        return True
    return not math.isfinite(down) or down >= BORDER or loss_borderline(net)


@FAST
@given(st.data())
def test_where_a_pass_overflows_both_engines_refuse_it_naming_the_same_culprit(data):
    net, x, target, loss = scaled(data.draw, data.draw(any_net()), [1e100, 1e160, 1e300], [1.0, 1e3, 1e10])
    verdict, where = forward_reference(net, x)
    event(f"forward: {verdict}")
    assume(verdict != "borderline")
    slow, fast = object_engine(net, x, target, loss), fast_engine(net, x, target, loss)
    if verdict == "overflow":
        assert isinstance(slow, NonFiniteError) and isinstance(fast, NonFiniteError), (slow, fast)
        assert culprit(slow) == culprit(fast) == where, (str(slow), str(fast), where)
        return
    # the forward pass is finite in both; the backward pass may still overflow
    if isinstance(fast, NonFiniteError) and "gradient of" in str(fast):
        # The batched engine also checks each gradient summed over the batch; the object engine
        # accumulates a_i δ_j unchecked (train() refuses it at its next update): it holds ±inf.
        assert not isinstance(slow, Exception), slow
        key = fast_key(str(fast))
        assert not math.isfinite(slow[2][key]), (key, slow[2][key])
        return
    blamed = [culprit(err) for err in (slow, fast) if isinstance(err, NonFiniteError)]
    if blamed:
        net.forward(x)
        try:
            net.backward(target, loss)
        except NonFiniteError:
            pass
        assume(not any(loss_borderline(net) if name == "loss" else delta_borderline(net, name) for name in blamed))
    assert isinstance(slow, NonFiniteError) == isinstance(fast, NonFiniteError), (slow, fast)
    event(f"backward: {'refused' if blamed else 'finite'}")
    if isinstance(slow, NonFiniteError):
        assert culprit(slow) == culprit(fast), (str(slow), str(fast))
    else:
        assert all(map(math.isfinite, slow[0] + [slow[1]] + list(slow[2].values())))


def fast_key(message):
    edge = re.search(r"the weight of edge (\S+) -> (\S+) summed", message)
    if edge:
        return edge.group(1), edge.group(2)
    return re.search(r"the bias of neuron '([^']+)' summed", message).group(1)


# --- files --------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.data())
def test_save_then_load_is_bit_exact(data):
    net, x, _, _ = scaled(data.draw, data.draw(any_net()), [1.0, 1e-7, 1e6], [1.0])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.json")
        net.save(path)
        twin = neuronsim.load(path)
    assert twin.parameter_keys() == net.parameter_keys()
    assert [p.hex() for p in twin.parameters()] == [p.hex() for p in net.parameters()]
    assert [(n.name, n.activation.name) for n in twin.neurons] == [(n.name, n.activation.name) for n in net.neurons]
    assert [n.name for n in twin.inputs] == [n.name for n in net.inputs]
    assert [n.name for n in twin.outputs] == [n.name for n in net.outputs]
    assert [a.hex() for a in twin.forward(x)] == [a.hex() for a in net.forward(x)]


BAD_VALUES = st.sampled_from(["a", "", None, float("nan"), float("inf"), -float("inf"), 10**400, [], {},
                              True, "1.5", [1.0, "x"]])


def saved_document(net):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "net.json")
        net.save(path, optimizer=optim.Adam(lr=0.01))
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)


def json_leaves(value, path=()):
    """Paths of every number (and boolean) inside a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_leaves(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from json_leaves(item, path + (i,))
    elif isinstance(value, (int, float)):
        yield path


JSON_BAD = st.sampled_from(['"a"', "null", "NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 400,
                            "[]", "{}", '"1.5"', "true"])


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_file_with_a_bad_number_is_refused_with_the_projects_error_and_left_as_it_was(data):
    net, *_ = data.draw(any_net())
    document = saved_document(net)
    paths = list(json_leaves(document))
    path = data.draw(st.sampled_from(paths))
    marker = "__BAD__"
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    bad = data.draw(JSON_BAD)
    text = json.dumps(document).replace(json.dumps(marker), bad)
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, "net.json")
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            neuronsim.load(file)
        except NeuronsimError:
            pass        # refused with the project's error (a raw exception fails the test)
        with open(file, encoding="utf-8") as handle:
            assert handle.read() == text


# --- a call that raises leaves everything as it was -----------------------------------------------

def state_of(net, optimizer=None):
    """Everything a refused call must leave alone (deep copies)."""
    graph = net.graph
    return {
        "edges": sorted((s, d, repr(data.get("weight")), repr(data.get("grad"))) for s, d, data in graph.edges(data=True)),
        "neurons": [(n.name, n.activation.name, repr(n.bias), repr(n.bias_grad), repr(n.z), repr(n.a), repr(n.delta))
                    for n in net.neurons],
        "io": ([n.name for n in net.inputs], [n.name for n in net.outputs]),
        "optimizer": None if optimizer is None else (copy.deepcopy(optimizer.state), optimizer.lr),
    }


def holds_true(vector):
    return isinstance(vector, list) and any(value is True for value in vector)


def bad_vector(data, length):
    """A vector that is wrong in one way: a bad entry, or the wrong length, or not a vector."""
    kind = data.draw(st.sampled_from(["entry", "length", "whole"]))
    if kind == "entry":
        values = [0.5] * length
        values[data.draw(st.integers(0, length - 1))] = data.draw(BAD_VALUES)
        return values
    if kind == "length":
        return [0.5] * data.draw(st.sampled_from([0, length + 1, length + 3]))
    return data.draw(st.sampled_from(["abc", None, 3.0, {"x": 1.0}]))


def as_batch(vector):
    """A one-row batch of a bad row (a bad scalar or text stays as it is: [3.0] is a fine batch)."""
    return [vector] if isinstance(vector, list) else vector


OPERATIONS = ["forward", "backward", "loss", "fast_forward", "fast_backward", "train", "update", "step",
              "connect", "set_weight", "set_parameters"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_call_that_raises_leaves_the_network_and_the_optimizer_as_they_were(data):
    net, x, target, loss = data.draw(any_net())
    adam = optim.Adam(lr=0.01)
    net.forward(x)
    net.backward(target, loss)
    adam.step(net)                                    # some optimizer state to keep
    net.forward(x)
    net.zero_grad()
    net.backward(target, loss)
    n_in, n_out = len(net.inputs), len(net.outputs)
    operation = data.draw(st.sampled_from(OPERATIONS))
    names = [n.name for n in net.neurons]
    bad = data.draw(BAD_VALUES)

    if operation == "forward":
        call = lambda: net.forward(bad_vector(data, n_in))
    elif operation == "backward":
        call = lambda: net.backward(bad_vector(data, n_out), loss)
    elif operation == "loss":
        call = lambda: net.loss(x, bad_vector(data, n_out), loss)
    elif operation == "fast_forward":
        call = lambda: net.compile().forward(as_batch(bad_vector(data, n_in)))
    elif operation == "fast_backward":
        engine = net.compile()
        engine.forward([x])
        call = lambda: engine.backward(as_batch(bad_vector(data, n_out)), loss)
    elif operation == "train":
        which = data.draw(st.sampled_from(["X", "Y", "epochs", "batch_size", "engine", "stop", "freeze"]))
        kwargs = dict(loss=loss, optimizer=adam, epochs=2, progress=False,
                      engine=data.draw(st.sampled_from(["object", "fast"])))
        X, Y = [x], [target]
        if which == "X":
            X = [bad_vector(data, n_in)]
            assume(not holds_true(X[0]))   # train() takes boolean data (0/1 features)
        elif which == "Y":
            Y = [bad_vector(data, n_out)]
            assume(not holds_true(Y[0]))
        elif which == "stop":
            rule = data.draw(st.sampled_from([neuronsim.TargetLoss, neuronsim.Tolerance, "rule"]))
            empty = bad is None or (hasattr(bad, "__len__") and not isinstance(bad, float) and len(bad) == 0)
            assume(not (rule == "rule" and empty))      # no stop rule at all is legitimate
            kwargs["stop"] = bad if rule == "rule" else (lambda: rule(bad))
        elif which == "freeze":
            kwargs["freeze"] = [data.draw(st.sampled_from(["nobody", ("x1", "nowhere"), 3.5]))]
        else:
            assume(not (which == "batch_size" and bad is None))   # None: full sweeps
            assume(not (which in ("epochs", "batch_size") and bad == 10**400))   # a count, if a long one
            kwargs[which] = bad

        def call():
            if callable(kwargs.get("stop")):
                kwargs["stop"] = kwargs["stop"]()    # the rule refuses the bad value itself
            return neuronsim.train(net, X, Y, **kwargs)
    elif operation == "update":
        keys = net.parameter_keys()
        which = data.draw(st.sampled_from(["w", "g", "lr"]))
        w, g, lr = net.parameters(), net.gradients(), None
        if which == "w":
            w = bad_vector(data, len(keys))
        elif which == "g":
            g = bad_vector(data, len(keys))
        else:
            assume(bad is not None)        # lr=None is the optimizer's own rate
            lr = bad

        def call():
            new = adam.update(keys, w, g, lr)
            if not np.isfinite(new).all():      # update returns a non-finite result as it is...
                raise NonFiniteError("update gave a non-finite result")   # ...and keeps its state
            raise AssertionError(f"update accepted {w!r}, {g!r}, {lr!r}")
    elif operation == "step":
        if data.draw(st.booleans()):
            assume(bad is not None)         # lr=None is the optimizer's own rate
            call = lambda: adam.step(net, lr=bad)
        else:
            assume(not isinstance(bad, (str, list, dict)))   # a collection of (unknown) keys is fine
            call = lambda: adam.step(net, freeze=bad)
    elif operation == "connect":
        which = data.draw(st.sampled_from(["src", "dst", "weight"]))
        src, dst, weight = names[0], names[-1], 0.5
        if which == "src":
            src = data.draw(st.sampled_from(["nobody", None, 3, names[-1]]))
        elif which == "dst":
            dst = data.draw(st.sampled_from(["nobody", None, names[0]]))
        else:
            weight = bad
            assume(not net.graph.has_edge(src, dst))
        call = lambda: net.connect(src, dst, weight)
    elif operation == "set_weight":
        src, dst = next(iter(net.graph.edges()))
        which = data.draw(st.sampled_from(["weight", "edge"]))
        call = (lambda: net.set_weight(src, dst, bad)) if which == "weight" else (lambda: net.set_weight(dst, src, 0.5))
    else:
        call = lambda: net.set_parameters(bad_vector(data, len(net.parameters())))

    before = state_of(net, adam)
    fast_before = engine.grads.copy() if operation == "fast_backward" else None
    try:
        call()
    except NeuronsimError:
        pass
    else:
        pytest.fail(f"{operation} accepted a bad value")
    assert state_of(net, adam) == before
    if fast_before is not None:
        assert engine.grads.tolist() == fast_before.tolist()
