"""neuronsim.autograd.nn: micrograd's and the seeds' Value networks, their conversions to and from
the neuron graph, and the micrograd spellings of Value (``_prev``, ``_op``, the seeds' constructor)."""

import math
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neuronsim
from neuronsim.activations import Activation
from neuronsim.autograd import Value
from neuronsim.autograd.nn import MLP, Layer, Module, Neuron
from neuronsim.errors import (ActivationError, NeuronsimError, NeuronsimTypeError, ShapeError,
                              TopologyError, ValueRangeError)

SEED_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
SEED_YS = [1.0, -1.0, -1.0, 1.0]

# micrograd's demo.ipynb run with micrograd 0.1.0 itself (make_moons(100, noise=0.1) under
# np.random.seed(1337), random.seed(1337), MLP(2, [16, 16, 1]), SVM max-margin loss + 1e-4 L2,
# lr 1.0 - 0.9 k / 100): the loss and accuracy printed at each of the 100 steps. micrograd adds
# gradients in the order of a set of Values (it varies between runs in the last bits), so losses
# are compared to 1e-9 relative.
LOSSES = [
    0.8958441028683222, 1.723590533697202, 0.7429006313851131, 0.7705641260584202,
    0.3692793385976538, 0.31354548191852205, 0.2814234349772434, 0.2688873331398391,
    0.2567147286057416, 0.2704862551637922, 0.2450702385365804, 0.25099055297915035,
    0.21560951851922946, 0.23090378446402723, 0.2015215122789945, 0.22574506279282217,
    0.19447987596204114, 0.21089496199246355, 0.15983077356303602, 0.18453748746883916,
    0.18977522856087642, 0.19072704042579644, 0.11733695088756486, 0.12173524408232453,
    0.12615712612770458, 0.1604909778080167, 0.18747197705245813, 0.167418378910594,
    0.095865834914554, 0.08778783707420916, 0.11731297569011845, 0.09340146460619837,
    0.12454454903103444, 0.0798400265277728, 0.07727519232921677, 0.07661250143094472,
    0.10610492379198358, 0.09062808429265981, 0.10671887043036923, 0.052256599219758504,
    0.06016009895234466, 0.08596724533333937, 0.051121079431796015, 0.052401424016428326,
    0.04530684179001568, 0.07211073370655097, 0.03334238651310238, 0.03143222795751119,
    0.03658536747111516, 0.048291393823902844, 0.09875114765619622, 0.054490639658754635,
    0.03392679435708298, 0.05261517263568447, 0.032502952514249325, 0.028883273872078098,
    0.041391511040272444, 0.018987407426128484, 0.02523833523883747, 0.020796565213418827,
    0.032597111578102356, 0.017863351693480307, 0.023008717832211718, 0.022079325463581427,
    0.02943291785352973, 0.01625151464409188, 0.028468534483264495, 0.013994365546208743,
    0.015552344843651325, 0.033891199461601754, 0.014229870065926933, 0.013255281583285516,
    0.012300277590022089, 0.012676052498355942, 0.020593811955954788, 0.011845398205364474,
    0.016012697472883003, 0.02545836023922215, 0.014382930289661932, 0.011698962425818015,
    0.012318500800515714, 0.014121117031464256, 0.011664591962446251, 0.011589314549188717,
    0.010990299347735228, 0.010989226720691615, 0.010988193757655071, 0.010987200447388707,
    0.010986246779084925, 0.010985332742365276, 0.010984458327280174, 0.010983623524308863,
    0.010982828324359073, 0.010982072718767001, 0.010981356699297042, 0.010980680258141725,
    0.010980043387921508, 0.010979446081684675, 0.010978888332907229, 0.010978370135492717,
]
ACCURACIES = [
    0.5, 0.81, 0.77, 0.82, 0.84, 0.86, 0.89, 0.91, 0.91, 0.91,
    0.91, 0.92, 0.91, 0.93, 0.92, 0.93, 0.92, 0.93, 0.94, 0.93,
    0.91, 0.93, 0.97, 0.95, 0.95, 0.95, 0.92, 0.95, 0.97, 0.96,
    0.95, 0.97, 0.95, 0.97, 0.97, 0.98, 0.96, 0.99, 0.95, 0.98,
    1.0, 0.96, 0.99, 0.97, 1.0, 0.97, 0.99, 1.0, 0.99, 0.99,
    0.96, 0.99, 1.0, 0.97, 0.99, 1.0, 0.98, 1.0, 1.0, 1.0,
    0.99, 1.0, 1.0, 1.0, 0.99, 1.0, 0.99, 1.0, 1.0, 0.99,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
]

SLOW = os.environ.get("NEURONSIM_SLOW_TESTS") == "1"


def moons_demo(value, mlp, steps):
    """micrograd's demo on a Value class and an MLP class: the model and (loss, accuracy) per step."""
    np = pytest.importorskip("numpy")
    sk_datasets = pytest.importorskip("sklearn.datasets", reason="micrograd's demo data is sklearn's make_moons")
    np.random.seed(1337)
    random.seed(1337)
    X, y = sk_datasets.make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = mlp(2, [16, 16, 1])
    log = []
    for k in range(steps):
        inputs = [list(map(value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]       # max-margin
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores)) / len(y)
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        log.append((float(total.data), float(accuracy)))
    return model, log


def seed_loop(n, steps, lr=0.05):
    """Seeds 002/003's loop on the toy set; the loss of each step."""
    losses = []
    for _ in range(steps):
        ypred = [n(x) for x in SEED_XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(SEED_YS, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -lr * p.grad
        losses.append(loss.data)
    return losses


def seed_style(seed=0, sizes=(4, 4, 1)):
    random.seed(seed)
    return MLP(3, list(sizes), activation="tanh", output_activation="tanh", bias="uniform")


# --- micrograd's demo, number for number ------------------------------------------------------

@pytest.mark.parametrize("steps", [5, pytest.param(100, marks=pytest.mark.skipif(
    not SLOW, reason="100 steps take ~1 min of CPU; set NEURONSIM_SLOW_TESTS=1"))])
def test_micrograd_moons_demo_reproduces_micrograds_losses_and_accuracies(steps):
    _, log = moons_demo(Value, MLP, steps)
    assert [acc for _, acc in log] == ACCURACIES[:steps]
    for k, (loss, expected) in enumerate(zip([loss for loss, _ in log], LOSSES)):
        assert math.isclose(loss, expected, rel_tol=1e-9), (k, loss, expected)
    assert log[0][0] == LOSSES[0]  # before any update the sums are the same floats


def test_micrograd_demo_side_by_side_same_first_step_as_micrograd():
    micrograd_engine = pytest.importorskip("micrograd.engine", reason="compares with micrograd itself")
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="compares with micrograd itself")
    ours, our_log = moons_demo(Value, MLP, 1)
    theirs, their_log = moons_demo(micrograd_engine.Value, micrograd_nn.MLP, 1)
    assert repr(ours) == repr(theirs)
    assert our_log == their_log  # loss and accuracy before the first update: the same floats
    for p, q in zip(ours.parameters(), theirs.parameters()):  # after it: gradient sums' rounding
        assert math.isclose(p.data, q.data, rel_tol=1e-12, abs_tol=1e-15)


def test_mlp_draws_exactly_what_micrograd_draws_and_computes_the_same_floats():
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="compares with micrograd itself")
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    after_micrograd = random.random()
    random.seed(1337)
    for _ in range(2 * 16 + 16 * 16 + 16):  # one draw per weight, none for the biases
        random.uniform(-1, 1)
    assert random.random() == after_micrograd
    for x in ([0.5, -0.2], [1.5, 0.25], [-1.0, 2.0]):
        assert ours(x).data == theirs(x).data


# --- the seeds' toy loop ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 4])
def test_seed_toy_loop_converges_below_0_01_within_100_steps(seed):
    n = seed_style(seed)
    losses = seed_loop(n, 100)
    assert losses[0] > 1.0 and losses[-1] < 0.01
    ypred = [n(x) for x in SEED_XS]
    assert all(isinstance(y, Value) for y in ypred)
    assert [math.copysign(1, y.data) for y in ypred] == SEED_YS


def test_seed_style_draws_each_bias_after_its_weights():
    rng = random.Random(7)
    n = Neuron(3, activation="tanh", bias="uniform", rng=random.Random(7))
    assert [p.data for p in n.parameters()] == [rng.uniform(-1, 1) for _ in range(4)]
    assert Neuron(3, rng=random.Random(7)).b.data == 0.0


def test_default_rng_is_the_random_module_like_micrograd():
    random.seed(5)
    a = [p.data for p in Neuron(4).parameters()]
    random.seed(5)
    assert a == [random.uniform(-1, 1) for _ in range(4)] + [0.0]


# --- calling convention -----------------------------------------------------------------------

def test_mlp_returns_a_value_for_one_output_and_a_list_for_several():
    rng = random.Random(0)
    one, three = MLP(2, [3, 1], rng=rng), MLP(2, [3, 3], rng=rng)
    assert isinstance(one([1.0, 2.0]), Value)
    out = three([Value(1.0), 2.0])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)


def test_layer_of_one_neuron_feeds_the_next_layer():
    mlp = MLP(2, [1, 2], rng=random.Random(0))  # micrograd would fail: a Value is not a list
    h = mlp.layers[0]([1.0, -1.0])
    assert isinstance(h, Value)
    assert [v.data for v in mlp([1.0, -1.0])] == [v.data for v in mlp.layers[1](h)]


def test_neuron_computes_f_of_bias_plus_weighted_sum():
    n = Neuron(2, activation="tanh", bias="uniform", rng=random.Random(3))
    w0, w1, b = (p.data for p in n.parameters())
    assert n([0.5, -2.0]).data == math.tanh(b + w0 * 0.5 + w1 * -2.0)


def test_zero_grad_and_parameters_follow_micrograd_order():
    mlp = MLP(2, [2, 1], rng=random.Random(0))
    params = mlp.parameters()
    assert len(params) == 2 * 3 + 3
    assert params[:3] == mlp.layers[0].neurons[0].w + [mlp.layers[0].neurons[0].b]
    mlp([1.0, 1.0]).backward()
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in params)
    assert Module().parameters() == []


def test_reprs_follow_micrograd_and_name_the_activation():
    mlp = MLP(2, [2, 1], rng=random.Random(0))
    assert repr(mlp) == "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    assert repr(Layer(3, 1, activation="leaky_relu", rng=random.Random(0))) == "Layer of [LeakyReluNeuron(3)]"
    assert repr(Layer(3, 1, nonlin=False, rng=random.Random(0))) == "Layer of [LinearNeuron(3)]"


def test_parameters_are_labelled_with_their_network_keys():
    mlp = MLP(2, [1], rng=random.Random(0))
    assert [p.label for p in mlp.parameters()] == ["w[x1->o1]", "w[x2->o1]", "b[o1]"]


def test_activation_is_chosen_per_layer():
    mlp = MLP(2, [3, 2, 1], activation=["tanh", "sigmoid"], output_activation="softplus",
              rng=random.Random(0))
    assert [layer.neurons[0].activation.name for layer in mlp.layers] == ["tanh", "sigmoid", "softplus"]
    z = mlp.layers[2].neurons[0]
    h = [v.data for v in mlp.layers[1](mlp.layers[0]([0.3, 0.1]))]
    pre = z.b.data + sum(w.data * hi for w, hi in zip(z.w, h))
    assert math.isclose(mlp([0.3, 0.1]).data, math.log1p(math.exp(pre)), rel_tol=1e-15)


def test_activation_made_from_an_expression_is_accepted():
    cube = Activation.from_expression("test_nn_cube", lambda v: v * v * v)
    n = Neuron(1, activation=cube, rng=random.Random(0))
    w = n.w[0].data
    assert math.isclose(n([2.0]).data, (2.0 * w) ** 3, rel_tol=1e-15)


# --- bad input --------------------------------------------------------------------------------

def test_wrong_input_length_is_a_shape_error_not_a_silent_truncation():
    mlp = MLP(3, [2, 1], rng=random.Random(0))
    with pytest.raises(ShapeError, match=r"MLP input: expected 3 values, got 2"):
        mlp([1.0, 2.0])
    with pytest.raises(ShapeError, match=r"Neuron input: expected 3 values, got 4"):
        mlp.layers[0].neurons[0]([1.0, 2.0, 3.0, 4.0])


def test_non_numeric_input_names_its_position():
    mlp = MLP(2, [1], rng=random.Random(0))
    with pytest.raises(NeuronsimTypeError, match=r"MLP input\[1\] must be a number or a Value, got str"):
        mlp([1.0, "2"])
    with pytest.raises(NeuronsimTypeError, match=r"MLP input must be a list of 2 numbers"):
        mlp("12")
    with pytest.raises(ValueRangeError, match="finite"):
        mlp([1.0, float("nan")])


@pytest.mark.parametrize("args, error, words", [
    ((0, [1]), ValueRangeError, "MLP nin must be a positive integer, got 0"),
    ((2.0, [1]), NeuronsimTypeError, "MLP nin must be a positive integer, got float"),
    ((2, []), ValueRangeError, "at least one layer"),
    ((2, 3), NeuronsimTypeError, "MLP nouts must be a list of layer sizes, got int"),
    ((2, [4, True]), NeuronsimTypeError, r"MLP nouts\[1\] must be a positive integer, got bool"),
    ((2, [4, 4, 1], ["tanh"]), ShapeError, r"one entry per hidden layer \(2\), got 1"),
])
def test_mlp_sizes_and_activation_lists_are_checked(args, error, words):
    with pytest.raises(error, match=words):
        MLP(*args)


def test_bad_bias_choice_and_rng_are_refused():
    with pytest.raises(ValueRangeError, match=r"bias must be 'zero' .* or 'uniform' .*got 'normal'"):
        Neuron(2, bias="normal")
    with pytest.raises(NeuronsimTypeError, match=r"rng must be None or a random.Random, got int"):
        MLP(2, [1], rng=3)


def test_unknown_activation_or_one_without_expression_form_is_refused():
    with pytest.raises(ActivationError, match=r"unknown activation 'nope'"):
        MLP(2, [2, 1], activation="nope")
    plain = Activation("test_nn_plain", lambda z: 2 * z, lambda z: 2.0)
    with pytest.raises(ActivationError, match=r"'test_nn_plain' of MLP layer 1 has no expression form"):
        MLP(2, [2, 1], activation=plain)


def test_activation_reusing_a_builtin_name_with_another_f_is_refused():
    fake = Activation("tanh", lambda z: 2 * z, lambda z: 2.0)
    with pytest.raises(ActivationError, match=r"'tanh' of a Neuron: its f disagrees with its expression form"):
        Neuron(2, activation=fake)


def test_nonlin_false_with_a_nonlinear_activation_is_a_contradiction():
    with pytest.raises(ActivationError, match=r"nonlin=False makes a linear neuron, but activation 'tanh'"):
        Neuron(2, nonlin=False, activation="tanh")
    assert Neuron(2, nonlin=False, activation="identity", rng=random.Random(0)).nonlin is False


# --- conversions to and from the neuron graph -------------------------------------------------

def value_loss(mlp, x, target):
    """½ Σ (a − t)², neuronsim's squared_error, written with Values."""
    out = mlp(x)
    out = out if isinstance(out, list) else [out]
    return 0.5 * sum((a - t) ** 2 for a, t in zip(out, target))


def assert_same_outputs_and_gradients(mlp, net, x, target):
    out = mlp(x)
    out = out if isinstance(out, list) else [out]
    assert net.forward(x) == pytest.approx([v.data for v in out], rel=1e-12, abs=1e-12)
    mlp.zero_grad()
    value_loss(mlp, x, target).backward()
    net.zero_grad()
    net.forward(x)
    net.backward(target)
    edge = dict(zip(net.parameter_keys(), net.gradients()))
    keys = mlp.parameter_keys()
    assert sorted(keys, key=str) == sorted(edge, key=str)
    for key, p in zip(keys, mlp.parameters()):
        assert abs(p.grad - edge[key]) <= 1e-12, (key, p.grad, edge[key])


def test_to_network_names_layers_and_copies_every_weight_and_bias():
    mlp = seed_style(3, (4, 4, 1))
    net = mlp.to_network()
    assert [n.name for n in net.inputs] == ["x1", "x2", "x3"]
    assert [n.name for n in net.outputs] == ["o1"]
    assert [n.name for n in net.neurons][3:] == [f"h1_{i}" for i in range(1, 5)] + \
        [f"h2_{i}" for i in range(1, 5)] + ["o1"]
    assert {n.activation.name for n in net.neurons[3:]} == {"tanh"}
    assert dict(zip(net.parameter_keys(), net.parameters())) == \
        {key: p.data for key, p in zip(mlp.parameter_keys(), mlp.parameters())}
    assert net.forward(SEED_XS[1]) == [mlp(SEED_XS[1]).data]   # same floats, same order


def test_to_network_makes_the_linear_output_layer_identity_outputs():
    net = MLP(2, [3, 2], rng=random.Random(0)).to_network()
    assert [(n.name, n.activation.name) for n in net.neurons] == [
        ("x1", "identity"), ("x2", "identity"), ("h1", "relu"), ("h2", "relu"), ("h3", "relu"),
        ("o1", "identity"), ("o2", "identity")]


def test_to_network_after_training_gives_the_same_gradients():
    mlp = seed_style(0)
    seed_loop(mlp, 5)
    assert_same_outputs_and_gradients(mlp, mlp.to_network(), SEED_XS[2], [SEED_YS[2]])


def test_to_network_refuses_a_diverged_parameter():
    mlp = MLP(2, [1], rng=random.Random(0))
    mlp.layers[0].neurons[0].w[1].data = float("inf")
    with pytest.raises(ValueRangeError, match=r"weight of edge x2 -> o1 must be finite"):
        mlp.to_network()


_ACTS = ["identity", "tanh", "sigmoid", "relu", "softplus", "silu", "leaky_relu", "elu"]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_round_trips_give_equal_outputs_and_gradients(data):
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="nouts")
    nin = data.draw(st.integers(1, 3), label="nin")
    hidden = data.draw(st.lists(st.sampled_from(_ACTS), min_size=len(sizes) - 1, max_size=len(sizes) - 1))
    out_act = data.draw(st.sampled_from(_ACTS))
    mlp = MLP(nin, sizes, activation=hidden, output_activation=out_act,
              bias=data.draw(st.sampled_from(["zero", "uniform"])),
              rng=random.Random(data.draw(st.integers(0, 2 ** 32))))
    x = data.draw(st.lists(st.floats(-2, 2), min_size=nin, max_size=nin), label="x")
    target = data.draw(st.lists(st.floats(-1, 1), min_size=sizes[-1], max_size=sizes[-1]))
    net = mlp.to_network()
    assert_same_outputs_and_gradients(mlp, net, x, target)
    back = MLP.from_network(net)
    assert repr(back) == repr(mlp)
    assert [p.data for p in back.parameters()] == [p.data for p in mlp.parameters()]
    assert_same_outputs_and_gradients(back, net, x, target)


def test_from_network_reads_a_layered_spec_network():
    net = neuronsim.Network.from_spec([("identity", 3), ("tanh", 4), ("sigmoid", 2), ("identity", 2)], seed=2)
    mlp = MLP.from_network(net)
    assert mlp.nin == 3 and mlp.nouts == [4, 2, 2]
    assert repr(mlp.layers[1]) == "Layer of [SigmoidNeuron(4), SigmoidNeuron(4)]"
    assert_same_outputs_and_gradients(mlp, net, [0.5, -1.0, 2.0], [0.2, -0.3])
    again = mlp.to_network()
    assert dict(zip(again.parameter_keys(), again.parameters())) == \
        dict(zip(net.parameter_keys(), net.parameters()))


def test_from_network_keeps_the_output_order():
    net = neuronsim.Network.from_spec([("identity", 2), ("identity", 2)], seed=0)
    net.set_outputs(["o2", "o1"])
    mlp = MLP.from_network(net)
    assert [v.data for v in mlp([1.0, 2.0])] == net.forward([1.0, 2.0])


def test_from_network_refuses_a_skip_link_naming_it():
    net = neuronsim.Network.from_spec({"layers": [("identity", 2), ("tanh", 2), ("sigmoid", 1)],
                                       "edges": [["x1", "o1"]]}, seed=0)
    with pytest.raises(TopologyError, match=r"link x1 -> o1 skips a layer \('x1' is in layer 0, 'o1' in layer 2\)"):
        MLP.from_network(net)


def test_from_network_refuses_a_missing_link_naming_it():
    net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=0)
    net.disconnect("x2", "h1")
    with pytest.raises(TopologyError, match=r"link x2 -> h1 is missing"):
        MLP.from_network(net)


def test_from_network_refuses_outputs_in_different_layers():
    net = neuronsim.Network()
    for name in ("x", "h", "a", "b"):
        net.add_neuron(name, "identity")
    net.connect("x", "h", 1.0)
    net.connect("h", "a", 1.0)
    net.connect("x", "b", 1.0)
    with pytest.raises(TopologyError, match=r"output 'b' is in layer 1, but the deepest output is in layer 2"):
        MLP.from_network(net)


def test_from_network_refuses_an_activation_without_expression_form():
    plain = Activation("test_nn_plain2", lambda z: 2 * z, lambda z: 2.0)
    net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], seed=0)
    net["o1"].activation = plain
    with pytest.raises(ActivationError, match=r"'test_nn_plain2' of neuron 'o1' has no expression form"):
        MLP.from_network(net)


def test_from_network_needs_a_network():
    with pytest.raises(NeuronsimTypeError, match=r"MLP.from_network takes a Network, got list"):
        MLP.from_network([("identity", 2)])


# --- Value in the seeds' and micrograd's spelling ---------------------------------------------

def test_value_takes_the_seeds_constructor():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = Value(-6.0, (a, b), "*", label="e")
    assert (e.data, e.op, e._op, e.label, e.parents) == (-6.0, "*", "*", "e", (a, b))
    assert e._prev == {a, b}
    assert Value(1.0, set(), "")._prev == frozenset()


def test_value_second_positional_str_is_still_the_label():
    v = Value(2.0, "a")
    assert (v.label, v.parents, v.op) == ("a", (), "")


def test_value_constructor_refuses_ambiguous_or_wrong_children():
    with pytest.raises(NeuronsimTypeError, match=r"second argument is the label 'a' or the _children"):
        Value(1.0, "a", label="b")
    with pytest.raises(NeuronsimTypeError, match=r"_children must hold Values, got float at position 1"):
        Value(1.0, (Value(1.0), 2.0), "+")
    with pytest.raises(NeuronsimTypeError, match=r"_children must be a tuple of Values, got int"):
        Value(1.0, 5)
    with pytest.raises(NeuronsimTypeError, match=r"_op must be a str, got int"):
        Value(1.0, (), 3)


def test_prev_and_op_are_read_only_aliases():
    a = Value(1.0)
    c = a * 2
    assert c._prev == frozenset(c.parents) and c._op == c.op == "*"
    with pytest.raises(AttributeError):
        c._prev = set()
    with pytest.raises(AttributeError):
        c._op = "+"


def test_backward_refuses_a_hand_made_node_and_changes_no_grad():
    a, b = Value(2.0), Value(3.0)
    made = Value(6.0, (a, b), "*", label="m")
    out = made * a
    with pytest.raises(NeuronsimError, match=r"Value 'm' \(data=6.0, op='\*'\) was made with _children"):
        out.backward()
    assert (a.grad, b.grad, made.grad, out.grad) == (0.0, 0.0, 0.0, 0.0)
    with pytest.raises(NeuronsimError, match="no local derivatives"):
        made._backward()


def test_manual_backward_node_by_node_like_seed_002_matches_backward():
    def neuron():
        x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
        w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
        b = Value(6.8813735870195432, label="b")
        x1w1, x2w2 = x1 * w1, x2 * w2
        s = x1w1 + x2w2
        n = s + b
        o = n.tanh()
        return o, [o, n, s, x1w1, x2w2], [x1, x2, w1, w2, b]

    o, inner, leaves = neuron()
    o.grad = 1.0
    for v in inner:          # reverse topological order, by hand
        v._backward()
    by_hand = [v.grad for v in leaves]
    o, _, leaves = neuron()
    o.backward()
    assert by_hand == [v.grad for v in leaves]
    assert by_hand[2] == pytest.approx(1.0, rel=1e-6)  # dL/dw1 = x1 (1 − o²) = 2 · 0.5


class _Digraph:
    """Just enough of graphviz.Digraph to record what a draw_dot helper asks for."""

    def __init__(self, **kwargs):
        self.nodes, self.edges = {}, []

    def node(self, name, label, **kwargs):
        self.nodes[name] = label

    def edge(self, tail, head):
        self.edges.append((tail, head))


def trace(root):
    """All Values and (child, parent) links behind `root`, read through micrograd's ``_prev``."""
    nodes, edges, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for child in v._prev:
            edges.add((child, v))
            stack.append(child)
    return nodes, edges


def draw_dot(root):
    """A seed-style picture: a record per Value, an op node per operation (via ``_op``)."""
    dot = _Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_a_seed_style_draw_dot_helper_runs_on_neuronsim_values():
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    dot = draw_dot(L)
    records = sorted(label for label in dot.nodes.values() if label.startswith("{"))
    assert len(records) == 7 and "{ a | data 2.0000 | grad 6.0000 }" in records
    assert sorted(label for label in dot.nodes.values() if not label.startswith("{")) == ["*", "*", "+"]
    assert len(dot.edges) == 3 + 6


def test_draw_dot_runs_on_a_whole_mlp_expression():
    mlp = MLP(2, [2, 1], rng=random.Random(0))
    dot = draw_dot(mlp([1.0, -1.0]))
    assert "{ w[x1->h1] | data " in " ".join(dot.nodes.values())
