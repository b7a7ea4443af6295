"""Specification of the scalar autograd engine, neuronsim.autograd."""

import math

import networkx as nx
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from neuronsim.autograd import Value, topological_order, zero_grad
from neuronsim.errors import NeuronsimTypeError, ValueRangeError


def numerical_derivative(f, xs, i, h=1e-3):
    """∂f/∂xs[i] by central differences, with one Richardson step (error O(h⁴))."""
    h *= max(1.0, abs(xs[i]))

    def central(step):
        up, down = list(xs), list(xs)
        up[i] += step
        down[i] -= step
        return (f(up) - f(down)) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


# --- the seeds' worked examples ----------------------------------------------------------------


def test_seed_expression_gives_the_notebook_value_and_gradients():
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    L = (a * b + c) * f
    L.backward()
    assert L.data == -8.0
    assert (a.grad, b.grad, c.grad, f.grad) == (6.0, -4.0, -2.0, 4.0)
    assert L.grad == 1.0


def test_value_added_to_itself_gets_gradient_two():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_value_multiplied_by_itself_gets_gradient_two_a():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_gradients_accumulate_through_every_use_of_a_value():
    a, b = Value(-2.0), Value(3.0)
    d = a * b
    e = a + b
    (d * e).backward()  # d(a²b + ab²)/da = 2ab + b², /db = a² + 2ab
    assert a.grad == 2 * -2.0 * 3.0 + 9.0
    assert b.grad == 4.0 + 2 * -2.0 * 3.0


def test_backward_twice_accumulates_exactly_twice():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    d = a * b + c
    L = d * f
    L.backward()
    L.backward()
    assert (a.grad, b.grad, c.grad, f.grad) == (12.0, -8.0, -4.0, 8.0)
    assert d.grad == -4.0
    assert L.grad == 2.0


def test_zero_grad_function_resets_the_given_values():
    a, b = Value(2.0), Value(5.0)
    (a * b).backward()
    zero_grad([a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_zero_grad_method_resets_the_whole_expression():
    a, b = Value(2.0), Value(5.0)
    c = a * b + a
    c.backward()
    c.zero_grad()
    assert all(v.grad == 0.0 for v in topological_order(c))


def test_value_unused_by_the_output_keeps_zero_grad():
    a, unused = Value(2.0), Value(5.0)
    (a * 3).backward()
    assert unused.grad == 0.0


# --- each operation: forward value and gradient ------------------------------------------------

OPERATIONS = {
    # name: (function of Values, point, reference forward on floats)
    "add": (lambda a, b: a + b, (1.3, -0.7), lambda a, b: a + b),
    "sub": (lambda a, b: a - b, (1.3, -0.7), lambda a, b: a - b),
    "mul": (lambda a, b: a * b, (1.3, -0.7), lambda a, b: a * b),
    "div": (lambda a, b: a / b, (1.3, -0.7), lambda a, b: a / b),
    "neg": (lambda a: -a, (1.3,), lambda a: -a),
    "square": (lambda a: a ** 2, (-1.3,), lambda a: a * a),
    "cube": (lambda a: a ** 3, (-1.3,), lambda a: a ** 3),
    "sqrt": (lambda a: a ** 0.5, (1.7,), math.sqrt),
    "inverse_cube": (lambda a: a ** -3, (-1.2,), lambda a: a ** -3),
    "zeroth_power": (lambda a: a ** 0, (1.7,), lambda a: 1.0),
    "exp": (lambda a: a.exp(), (0.8,), math.exp),
    "log": (lambda a: a.log(), (0.8,), math.log),
    "tanh": (lambda a: a.tanh(), (0.4,), math.tanh),
    "sigmoid": (lambda a: a.sigmoid(), (-0.9,), lambda a: 1 / (1 + math.exp(-a))),
    "relu_positive": (lambda a: a.relu(), (0.6,), lambda a: a),
    "relu_negative": (lambda a: a.relu(), (-0.6,), lambda a: 0.0),
    "number_plus_value": (lambda a: 2 + a, (0.6,), lambda a: 2 + a),
    "number_minus_value": (lambda a: 1 - a, (0.6,), lambda a: 1 - a),
    "number_times_value": (lambda a: 2 * a, (0.6,), lambda a: 2 * a),
    "number_over_value": (lambda a: 1 / a, (0.6,), lambda a: 1 / a),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_forward_matches_math(name):
    op, point, reference = OPERATIONS[name]
    assert op(*map(Value, point)).data == pytest.approx(reference(*point), rel=1e-15)


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_gradient_matches_central_difference(name):
    op, point, _ = OPERATIONS[name]
    leaves = [Value(x) for x in point]
    op(*leaves).backward()
    for i, leaf in enumerate(leaves):
        expected = numerical_derivative(lambda xs: op(*map(Value, xs)).data, point, i)
        assert leaf.grad == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_relu_gradient_at_zero_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_power_gradient_at_zero_follows_float_semantics():
    roots, squares, constants = Value(0.0), Value(0.0), Value(0.0)
    (roots ** 0.5).backward()
    (squares ** 2).backward()
    (constants ** 0).backward()
    assert roots.grad == math.inf
    assert squares.grad == 0.0
    assert constants.grad == 0.0


@pytest.mark.parametrize("x", [1e4, -1e4])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_squashing_functions_are_stable_at_large_inputs(name, x):
    v = Value(x)
    y = getattr(v, name)()
    y.backward()
    assert math.isfinite(y.data)
    assert abs(y.data) == (1.0 if x > 0 or name == "tanh" else 0.0)
    assert v.grad == 0.0


# --- numbers mix with Values --------------------------------------------------------------------


def test_reflected_operators_put_the_number_on_the_left():
    v = Value(4.0)
    assert (2 * v).data == 8.0
    assert (2 + v).data == 6.0
    assert (1 - v).data == -3.0
    assert (1 / v).data == 0.25


def test_ints_and_floats_mix_with_values_on_either_side():
    v = Value(3)
    y = v * 2 + 1.5 - v / 2 + 10 - 2.5 * v
    y.backward()
    assert isinstance(v.data, float)
    assert y.data == 3 * 2 + 1.5 - 1.5 + 10 - 7.5
    assert v.grad == 2 - 0.5 - 2.5


def test_reflected_subtraction_and_division_have_the_right_sign_of_gradient():
    u, w = Value(4.0), Value(4.0)
    (1 - u).backward()
    (1 / w).backward()
    assert u.grad == -1.0
    assert w.grad == -1 / 16


# --- graph structure --------------------------------------------------------------------------


def test_parents_is_a_read_only_tuple():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    assert c.parents == (a, b)
    assert a.parents == ()
    with pytest.raises(AttributeError):
        c.parents = ()


def test_values_have_no_instance_dict():
    with pytest.raises(AttributeError):
        Value(1.0).colour = "red"


def test_op_names_the_operation():
    a = Value(2.0)
    ops = [(a + 1).op, (a * a).op, (a ** 2).op, (a ** -0.5).op, a.exp().op, (-a).op, a.op]
    assert ops == ["+", "*", "**2", "**-0.5", "exp", "neg", ""]


def test_repr_shows_data_grad_and_label_when_set():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1.5, label="w")) == "Value(data=-1.5, grad=0.0, label='w')"


def test_topological_order_puts_each_value_once_after_its_parents():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    order = topological_order(d * c)
    assert len(order) == len({id(v) for v in order}) == 5
    position = {id(v): i for i, v in enumerate(order)}
    assert all(position[id(p)] < position[id(v)] for v in order for p in v.parents)
    assert order[-1].op == "*" and order[-1].parents == (d, c)


def test_backward_on_a_chain_of_100000_additions_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert y.data == 100_000.5
    assert x.grad == 1.0


def test_to_networkx_has_a_value_node_per_value_and_an_op_node_per_operation():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    y = a * b + a
    y.label = "y"
    y.backward()
    G = y.to_networkx()
    values = [n for n, kind in G.nodes(data="kind") if kind == "value"]
    ops = [n for n, kind in G.nodes(data="kind") if kind == "op"]
    assert (len(values), len(ops), G.number_of_edges()) == (4, 2, 6)
    assert nx.is_directed_acyclic_graph(G)
    root = G.graph["root"]
    assert G.nodes[root] == {"kind": "value", "label": "y", "op": "+", "data": 8.0, "grad": 1.0}
    (op_node,) = G.predecessors(root)
    assert G.nodes[op_node]["kind"] == "op" and G.nodes[op_node]["op"] == "+"
    labels = {G.nodes[n]["label"] for n in G.predecessors(op_node)}
    assert labels == {"a", ""}  # a * b is unlabelled
    leaf_a = next(n for n in values if G.nodes[n]["label"] == "a")
    assert G.nodes[leaf_a]["grad"] == 4.0 and G.nodes[leaf_a]["op"] == ""
    assert G.in_degree(leaf_a) == 0 and G.out_degree(leaf_a) == 2


def test_to_networkx_records_both_argument_positions_of_a_repeated_parent():
    a = Value(3.0)
    G = (a * a).to_networkx()
    assert G.number_of_nodes() == 3
    assert G.edges[("value", 0), ("op", 1)]["positions"] == (0, 1)


def test_to_networkx_of_a_leaf_is_one_node():
    G = Value(1.0, "x").to_networkx()
    assert list(G.nodes(data="label")) == [(("value", 0), "x")]
    assert G.number_of_edges() == 0


# --- errors -----------------------------------------------------------------------------------


def test_value_exponent_is_refused():
    with pytest.raises(NeuronsimTypeError, match="only int/float exponents"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(NeuronsimTypeError, match="only int/float exponents"):
        2 ** Value(3.0)


@pytest.mark.parametrize("operand", ["x", None, [1.0], True])
def test_operand_that_is_not_a_number_is_refused_naming_its_type(operand):
    with pytest.raises(NeuronsimTypeError, match=type(operand).__name__):
        Value(1.0) + operand
    with pytest.raises(NeuronsimTypeError, match=type(operand).__name__):
        operand * Value(1.0)


@pytest.mark.parametrize("data", ["abc", None, True, 1 + 2j])
def test_non_numeric_data_is_refused_naming_its_type(data):
    with pytest.raises(NeuronsimTypeError, match=type(data).__name__):
        Value(data)


@pytest.mark.parametrize("data", [math.nan, math.inf, -math.inf, 10 ** 400])
def test_non_finite_data_is_refused(data):
    with pytest.raises(ValueRangeError, match="Value data"):
        Value(data)


def test_non_finite_number_operand_is_refused():
    with pytest.raises(ValueRangeError, match="nan"):
        Value(1.0) * math.nan


@pytest.mark.parametrize("x", [0.0, -2.5])
def test_log_of_non_positive_number_names_the_value(x):
    with pytest.raises(ValueRangeError, match=rf"log\({x!r}\)"):
        Value(x).log()


def test_exp_overflow_names_the_value():
    with pytest.raises(ValueRangeError, match=r"exp\(1000.0\)"):
        Value(1000.0).exp()


def test_division_by_zero_names_the_operation():
    with pytest.raises(ValueRangeError, match=r"division by zero: 1.0 / 0.0"):
        1 / Value(0.0)


@pytest.mark.parametrize("base, exponent, fragment", [
    (0.0, -1, r"0.0 \*\* -1 divides by zero"),
    (-8.0, 1 / 3, r"-8.0 \*\* 0.333\d* is not a real number"),
    (1e200, 2, r"1e\+200 \*\* 2 overflows"),
    (2.0, math.inf, r"exponent must be finite"),
])
def test_power_outside_the_reals_names_the_operation(base, exponent, fragment):
    with pytest.raises(ValueRangeError, match=fragment):
        Value(base) ** exponent


def test_errors_are_value_and_type_errors():
    with pytest.raises(TypeError):
        Value(1.0) + "x"
    with pytest.raises(ValueError):
        Value(-1.0).log()


def test_zero_grad_refuses_a_non_value_and_changes_nothing():
    a = Value(2.0)
    (a * 3).backward()
    with pytest.raises(NeuronsimTypeError, match="float at position 1"):
        zero_grad([a, 1.0])
    assert a.grad == 3.0


def test_topological_order_refuses_a_non_value():
    with pytest.raises(NeuronsimTypeError, match="float"):
        topological_order(1.0)


# --- random expressions -----------------------------------------------------------------------
# An expression is a tree of tuples, evaluated by `evaluate` on any number type that supports
# + - * / ** (Value, torch tensors). Operations with a restricted domain get a safe argument.

N_LEAVES = 3
CONSTANTS = st.floats(-3, 3, allow_nan=False).filter(lambda c: c != 0)


def expressions():
    leaf = st.tuples(st.just("x"), st.integers(0, N_LEAVES - 1))

    def extend(sub):
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), sub, sub),
            st.tuples(st.sampled_from(["neg", "tanh", "sigmoid", "exp", "log", "relu"]), sub),
            st.tuples(st.just("**"), sub, st.sampled_from([2, 3, -1, -1.5, 0.5, 2.5])),
            st.tuples(st.sampled_from(["c+", "c-", "c*", "c/"]), sub, CONSTANTS),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def evaluate(tree, leaves, fn):
    """Evaluate `tree`; `fn` maps "tanh", "sigmoid", "exp", "log", "relu" to functions."""
    kind = tree[0]
    if kind == "x":
        return leaves[tree[1]]
    a = evaluate(tree[1], leaves, fn)
    if kind in ("+", "-", "*", "/"):
        b = evaluate(tree[2], leaves, fn)
        if kind == "+":
            return a + b
        if kind == "-":
            return a - b
        return a * b if kind == "*" else a / (b * b + 1)
    if kind == "neg":
        return -a
    if kind in ("tanh", "sigmoid", "relu"):
        return fn[kind](a)
    if kind == "exp":
        return fn["exp"](fn["tanh"](a))
    if kind == "log":
        return fn["log"](a * a + 1)
    if kind == "**":
        p = tree[2]
        return a ** p if isinstance(p, int) and p > 0 else (a * a + 1) ** p
    c = tree[2]  # a number on the left exercises the reflected operators
    return {"c+": lambda: c + a, "c-": lambda: c - a, "c*": lambda: c * a,
            "c/": lambda: c / (a * a + 1)}[kind]()


VALUE_FN = {name: getattr(Value, name) for name in ("tanh", "sigmoid", "exp", "log", "relu")}
LEAF_VALUES = st.lists(st.floats(-2, 2, allow_nan=False), min_size=N_LEAVES, max_size=N_LEAVES)


def build(tree, xs):
    leaves = [Value(x) for x in xs]
    try:
        return leaves, evaluate(tree, leaves, VALUE_FN)
    except ValueRangeError:  # e.g. x ** 3 overflowing after many nested powers
        reject()


def magnitude(out):
    """Largest |data| or |grad| in the expression; NaN and inf count as infinite."""
    sizes = [max(abs(v.data), abs(v.grad)) for v in topological_order(out)]
    return max(sizes) if all(math.isfinite(s) for s in sizes) else math.inf


def relu_sides(out):
    """Which side of its kink each relu argument lies on, in graph order."""
    return tuple(v.parents[0].data > 0 for v in topological_order(out) if v.op == "relu")


@settings(max_examples=100, deadline=None)
@given(tree=expressions(), xs=LEAF_VALUES)
def test_random_expression_gradients_match_central_differences(tree, xs):
    leaves, out = build(tree, xs)
    out.backward()
    scale = magnitude(out)
    assume(scale < 1e6)
    sides = relu_sides(out)
    for i, leaf in enumerate(leaves):
        probes = []

        def f(ys):
            probe = build(tree, ys)[1]
            probes.append(relu_sides(probe))
            return probe.data

        expected = numerical_derivative(f, xs, i)
        assume(all(p == sides for p in probes))  # a relu kink between probes: no derivative
        # rounding in f, amplified by 1/h, bounds what the difference quotient can resolve
        assert abs(leaf.grad - expected) <= 1e-6 * abs(expected) + 1e-9 * (1 + scale)


# --- agreement with PyTorch (skipped when torch is not installed) -----------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@settings(max_examples=100, deadline=None)
@given(tree=expressions(), xs=LEAF_VALUES)
def test_random_expressions_match_pytorch_float64(torch, tree, xs):
    leaves, out = build(tree, xs)
    out.backward()
    scale = magnitude(out)
    assume(scale < 1e6)
    # a relu argument within rounding of its kink may fall on the other side in torch
    assume(not any(0 < abs(v.parents[0].data) < 1e-9
                   for v in topological_order(out) if v.op == "relu"))
    fn = {name: getattr(torch, name) for name in ("tanh", "sigmoid", "exp", "log", "relu")}
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    result = evaluate(tree, tensors, fn)
    result.backward()
    # libms differ by an ulp or so; a difference of large intermediates shows it absolutely
    tolerance = dict(rel_tol=1e-12, abs_tol=1e-12 * max(1.0, scale))
    assert math.isclose(out.data, result.item(), **tolerance)
    for leaf, t in zip(leaves, tensors):
        torch_grad = 0.0 if t.grad is None else t.grad.item()  # None: leaf not in expression
        assert math.isclose(leaf.grad, torch_grad, **tolerance)


def test_pytorch_agrees_on_the_seed_expression(torch):
    a, b, c, f = (torch.tensor(x, dtype=torch.float64, requires_grad=True)
                  for x in (2.0, -3.0, 10.0, -2.0))
    L = (a * b + c) * f
    L.backward()
    assert L.item() == -8.0
    assert [t.grad.item() for t in (a, b, c, f)] == [6.0, -4.0, -2.0, 4.0]
