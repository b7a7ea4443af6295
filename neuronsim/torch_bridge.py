"""The PyTorch bridge: a network out to a ``torch.nn.Module``, its numbers back, torch MLPs in.

PyTorch is an optional extra (``pip install "neuronsim[torch]"``): ``import neuronsim`` never
imports it, and this module imports it only when one of its functions is called (without it
they raise a one-line :class:`~neuronsim.errors.NeuronsimError` saying how to install it).

- :func:`to_torch` (``net.to_torch()``) exports **any DAG the core builds** — skip links,
  several outputs, per-neuron activations — as a :class:`NetworkModule` computing, for a batch
  ``X`` of shape (n, inputs), the (n, outputs) activations of the output neurons. It reuses the
  fast engine's grouping (:mod:`neuronsim.fast`): neurons by level, the links between two levels
  as one block, a dense weight matrix where the block is dense, a vector of the present links
  scattered into a matrix where it is mostly full ("masked"), and gather / ``index_add`` over
  index tensors where it is sparse. Weights and biases are real ``nn.Parameter`` objects, so
  torch optimizers, ``torch.compile``, AMP and DistributedDataParallel work on the module.
- :meth:`NetworkModule.write_back` copies the module's weights (and, with ``grads=True``, its
  gradients) into the graph — the graph stays the single store of truth — and
  :meth:`NetworkModule.parameter_keys` says which edge or bias each tensor element is.
- :func:`from_torch` (``Network.from_torch(model)``) imports an ``nn.Sequential`` of ``nn.Linear``
  layers and known activations, or a ``torch.fx``-traceable module made of those and additions
  (residual and skip connections), as the matching network, weights copied exactly.
- :func:`torch_loss` gives the torch form of a neuronsim loss (summed over the batch, as the
  engines sum it).

Activations map to torch functions whose derivatives are neuronsim's (a table for the built-ins;
a custom activation made by :meth:`~neuronsim.activations.Activation.from_expression` is
evaluated on tensors through its expression; any other custom activation is refused with an
:class:`~neuronsim.errors.ActivationError` naming the neuron).

Examples
--------
>>> import torch, neuronsim
>>> net = neuronsim.Network.from_spec([("identity", 2), ("tanh", 3), ("sigmoid", 1)], seed=0)
>>> module = net.to_torch()                      # float64 on the CPU by default
>>> X = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
>>> bool(torch.allclose(module(X), torch.as_tensor(net.predict(X.numpy())), rtol=1e-12, atol=0))
True
>>> loss = neuronsim.torch_bridge.torch_loss("squared_error")(module(X), torch.ones(2, 1, dtype=torch.float64))
>>> loss.backward()
>>> module.write_back(net, grads=True)           # weights and summed gradients into the graph
>>> back = neuronsim.Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
...                                                          torch.nn.Linear(3, 1)))
>>> [n.name for n in back.neurons]
['x1', 'x2', 'h1', 'h2', 'h3', 'o1']
"""

import bisect
import operator
import weakref

import numpy as np

from ._checks import network as _checked_network
from ._checks import shown
from .errors import (ActivationError, NeuronsimError, NeuronsimTypeError, NonFiniteError, ShapeError,
                     SpecError, TopologyError, ValueRangeError)

try:  # guarded: the module must import without torch (its functions then explain what to install)
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised by the tests that hide torch
    torch = nn = None

__all__ = ["NetworkModule", "to_torch", "from_torch", "torch_loss", "INSTALL_HINT"]

INSTALL_HINT = 'PyTorch is not installed; install the extra with: pip install "neuronsim[torch]"'


def _require_torch():
    """The torch module, or a one-line NeuronsimError saying how to install it."""
    try:
        import torch as found  # noqa: F811 (re-imported at call time: honours a hidden torch)
    except ImportError:
        raise NeuronsimError(INSTALL_HINT) from None
    if torch is None:  # torch appeared after this module was imported: a restart is needed
        raise NeuronsimError(INSTALL_HINT + " (and restart Python)")
    return found


# --- activations on tensors -----------------------------------------------------------------

def _identity(z):
    return z


def _leaky_relu(z):
    from .activations import LEAKY_SLOPE

    return torch.nn.functional.leaky_relu(z, LEAKY_SLOPE)


def _softplus(z):
    # max(z, 0) + log1p(e^−|z|), as neuronsim's: never overflows, and its derivative e^(z − f)
    # is σ(z) everywhere (torch's F.softplus turns linear above z = 20: off by up to 2e-9).
    return torch.logaddexp(z, torch.zeros_like(z))


def _gaussian(z):
    return torch.exp(-torch.square(torch.clamp(torch.abs(z), max=30.0)))  # e^−900 is 0, as neuronsim's


class _SoftsignFunction(torch.autograd.Function if torch is not None else object):
    """z / (1 + |z|) with the derivative 1 / (1 + |z|)² (autograd of the quotient would cancel)."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z / (1.0 + torch.abs(z))

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad / torch.square(1.0 + torch.abs(z))


def _softsign(z):
    return _SoftsignFunction.apply(z)


_FORMS = {}  # the built-in activations' torch forms by name, filled on first use


def _builtin_forms():
    if not _FORMS:
        F = torch.nn.functional
        _FORMS.update({"identity": _identity, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                       "leaky_relu": _leaky_relu, "softplus": _softplus, "elu": F.elu, "silu": F.silu,
                       "softsign": _softsign, "gaussian": _gaussian})
    return _FORMS


class _TensorValue:
    """A tensor dressed as a :class:`neuronsim.autograd.Value`, so that an activation's expression
    (``lambda v: v * v.sigmoid()``) runs on a whole tensor at once, torch autograd deriving it."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    @staticmethod
    def _raw(other):
        if isinstance(other, _TensorValue):
            return other.data
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return other
        raise NeuronsimTypeError(f"an activation expression combined a Value with {type(other).__name__}")

    def __add__(self, other):
        return _TensorValue(self.data + self._raw(other))

    def __radd__(self, other):
        return _TensorValue(self._raw(other) + self.data)

    def __sub__(self, other):
        return _TensorValue(self.data - self._raw(other))

    def __rsub__(self, other):
        return _TensorValue(self._raw(other) - self.data)

    def __mul__(self, other):
        return _TensorValue(self.data * self._raw(other))

    def __rmul__(self, other):
        return _TensorValue(self._raw(other) * self.data)

    def __truediv__(self, other):
        return _TensorValue(self.data / self._raw(other))

    def __rtruediv__(self, other):
        return _TensorValue(self._raw(other) / self.data)

    def __neg__(self):
        return _TensorValue(-self.data)

    def __abs__(self):
        return _TensorValue(torch.abs(self.data))

    def __pow__(self, p):
        if isinstance(p, _TensorValue) or isinstance(p, bool) or not isinstance(p, (int, float)):
            raise NeuronsimTypeError("an activation expression raised a Value to a non-number power")
        return _TensorValue(torch.pow(self.data, p))

    def exp(self):
        return _TensorValue(torch.exp(self.data))

    def expm1(self):
        return _TensorValue(torch.expm1(self.data))

    def log(self):
        return _TensorValue(torch.log(self.data))

    def log1p(self):
        return _TensorValue(torch.log1p(self.data))

    def tanh(self):
        return _TensorValue(torch.tanh(self.data))

    def sigmoid(self):
        return _TensorValue(torch.sigmoid(self.data))

    def relu(self):
        return _TensorValue(torch.relu(self.data))

    def softplus(self):
        return _TensorValue(_softplus(self.data))


class _ExpressionForm:
    """The torch form of an activation made with ``Activation.from_expression``."""

    def __init__(self, expression):
        self.expression = expression

    def __call__(self, z):
        out = self.expression(_TensorValue(z))
        if not isinstance(out, _TensorValue):
            raise NeuronsimTypeError(f"the activation expression returned {type(out).__name__}, not a Value")
        return out.data


# Points where a custom activation's torch form is compared with its own f before export.
_PROBES = np.linspace(-4.0, 4.0, 33)


def _torch_form(neuron):
    """The name under which a :class:`NetworkModule` finds the neuron's activation on tensors,
    and the callable when it is a custom one; ActivationError naming the neuron otherwise."""
    from . import activations

    act = neuron.activation
    builtin = {a.name: a for a in activations._BUILTINS}
    if builtin.get(act.name) is act:
        return act.name, None
    where = f"neuron {shown(neuron.name)} has the custom activation {shown(act.name)}"
    if act.expression is None:
        raise ActivationError(f"{where}, which has no torch form: write it with Activation.from_expression "
                              "(its Value expression then runs on tensors) to export it")
    form = _ExpressionForm(act.expression)
    try:
        with torch.no_grad():
            got = form(torch.as_tensor(_PROBES, dtype=torch.float64)).numpy()
        expected = np.array([act.f(float(z)) for z in _PROBES])
    except Exception as err:
        raise ActivationError(f"{where}, whose expression does not run on tensors ({type(err).__name__}: "
                              f"{shown(str(err))})") from err
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
        raise ActivationError(f"{where}, whose expression on tensors disagrees with its f "
                              "(does it branch on v.data?)")
    return act.name, form


# --- export ---------------------------------------------------------------------------------

def to_torch(net, dtype=None, device=None):
    """A :class:`NetworkModule` computing ``net``'s function (also ``net.to_torch()``).

    Parameters
    ----------
    net : Network
    dtype : torch.dtype, optional
        A floating dtype for the parameters; default ``torch.float64`` (then outputs and
        gradients equal neuronsim's to ~1e-15 relative).
    device : torch.device or str, optional
        Where the parameters live; default the CPU.

    Returns
    -------
    NetworkModule
        ``module(X)`` maps a batch of shape (n, inputs) to the (n, outputs) activations of the
        output neurons, **as the neurons see them**: ``net.preprocessing`` is not applied (it is
        kept as ``module.preprocessing``: apply ``module.preprocessing.transform`` to raw rows
        first) and neither is ``net.target_scaler``.

    Raises
    ------
    NeuronsimError
        PyTorch is not installed (the message says how to install it).
    NeuronsimTypeError
        ``net`` is not a Network, or ``dtype`` is not a floating torch dtype.
    ActivationError
        A neuron's activation has no torch form (the neuron is named).
    ValueRangeError
        ``device`` is not a device that can hold tensors of ``dtype`` here (e.g. "cuda" without CUDA).
    TopologyError, NonFiniteError
        The network has no inputs or outputs, or a weight in the graph is not finite.

    Examples
    --------
    >>> import torch, neuronsim
    >>> net = neuronsim.Network.from_spec([("identity", 2), ("identity", 1)], init="constant")
    >>> to_torch(net)(torch.tensor([[1.0, 2.0]], dtype=torch.float64))
    tensor([[3.]], dtype=torch.float64, grad_fn=<...>)
    """
    _require_torch()
    net = _checked_network(net, "to_torch()")
    if dtype is None:
        dtype = torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise NeuronsimTypeError(f"to_torch(): dtype must be a floating torch dtype, got {shown(dtype)}")
    if device is not None:  # torch's own failures here are a RuntimeError, an AssertionError, ...
        try:
            torch.zeros(1, dtype=dtype, device=device)
        except (RuntimeError, AssertionError, TypeError, ValueError) as err:
            raise ValueRangeError(f"to_torch(): device {shown(device)} cannot hold {dtype} tensors here "
                                  f"({type(err).__name__}: {shown(str(err))})") from None
    return NetworkModule(net, dtype=dtype, device=device)


class NetworkModule(nn.Module if nn is not None else object):
    """A network as a ``torch.nn.Module`` (made by :func:`to_torch`; see the module documentation).

    Parameters are named ``weight_<level>_<block>`` (a block's links: a (destinations, sources)
    matrix for a dense block, a vector of the present links otherwise) and ``bias_<level>``;
    :meth:`parameter_keys` says which edge or bias each element is.

    Attributes
    ----------
    input_names, output_names : tuple of str
        The input neurons (the columns of ``X``) and the output neurons (of the result), in order.
    preprocessing : Scaler or None
        The network's :attr:`~neuronsim.Network.preprocessing`, which ``forward`` does not apply.
    """

    def __init__(self, net, dtype, device, engine=None):
        super().__init__()
        if engine is None:  # the fast engine's levels and blocks: one grouping, not two
            engine = net.compile()  # (training passes the engine it has just compiled: one pull)
        rows, n_in = engine.rows, engine.n_inputs
        self.input_names = tuple(rows[:n_in])
        self.output_names = tuple(rows[r] for r in engine.output_rows.tolist())
        self.preprocessing = net.preprocessing
        # write_back's fast path: the same network, unchanged since export, takes the numbers
        # through its fast engine's own sync (push); the weak reference is dropped on pickling.
        self._source = (weakref.ref(net), net.plan().key, engine.keys)
        self._ranges = {}  # parameter name -> its slice of the engine's flat parameter vector
        n_edges = len(engine.weights)
        starts = [0] + [d0 for d0, *_ in engine.levels]
        forms, self._custom, custom_keys = _builtin_forms(), {}, {}
        # per level: (width, [(form name, lo, hi)], [(kind, block, source level, lo, hi, shape)])
        self._levels = []
        self._keys = {}
        weights, biases = engine.weights, engine.biases

        def tensor(values, kind=dtype):  # a copy: never a view of the engine's arrays
            return torch.tensor(np.array(values), dtype=kind, device=device)

        for k, (d0, d1, groups, blocks) in enumerate(engine.levels, start=1):
            width = d1 - d0
            level_groups = []
            for act, r0, r1 in groups:  # a group: neurons sharing one Activation object
                if id(act) in custom_keys:
                    name = custom_keys[id(act)]
                else:
                    name, custom = _torch_form(net.graph.nodes[rows[r0]]["neuron"])
                    if custom is not None:  # keyed apart: two custom activations may share a name
                        name = custom_keys[id(act)] = f"custom_{len(self._custom)}"
                        self._custom[name] = custom
                    elif name not in forms:  # pragma: no cover - the table covers every built-in
                        raise ActivationError(f"activation {name!r} has no torch form")
                level_groups.append((name, r0 - d0, r1 - d0))
            level_blocks = []
            for b, block in enumerate(blocks):
                src_level = bisect.bisect_right(starts, block.s0) - 1
                base = starts[src_level]
                pname = f"weight_{k}_{b}"
                values = weights[block.w0:block.w1]
                if block.kind == "dense":
                    values = values.reshape(block.d1 - block.d0, block.s1 - block.s0)
                elif block.kind == "masked":
                    self.register_buffer(f"rows_{k}_{b}", tensor(block.rows, torch.long))
                    self.register_buffer(f"cols_{k}_{b}", tensor(block.cols, torch.long))
                else:
                    self.register_buffer(f"src_{k}_{b}", tensor(block.src - base, torch.long))
                    self.register_buffer(f"dst_{k}_{b}", tensor(block.dst - d0, torch.long))
                self.register_parameter(pname, nn.Parameter(tensor(values)))
                self._keys[pname] = engine.keys[block.w0:block.w1]
                self._ranges[pname] = (block.w0, block.w1)
                level_blocks.append((block.kind, b, src_level, block.s0 - base, block.s1 - base,
                                     (block.d1 - block.d0, block.s1 - block.s0)))
            self.register_parameter(f"bias_{k}", nn.Parameter(tensor(biases[d0 - n_in:d1 - n_in])))
            self._keys[f"bias_{k}"] = tuple(rows[d0:d1])
            self._ranges[f"bias_{k}"] = (n_edges + d0 - n_in, n_edges + d1 - n_in)
            self._levels.append((width, level_groups, level_blocks))
        # The outputs as (level, lo, hi) slices in output order, a run per contiguous stretch (a
        # layered network: one run, the whole last level, returned without a copy).
        out_rows = engine.output_rows.tolist()
        level_of = [bisect.bisect_right(starts, r) - 1 for r in out_rows]
        runs = []
        for r, lv in zip(out_rows, level_of):
            if runs and runs[-1][0] == lv and runs[-1][2] == r - starts[lv]:
                runs[-1][2] += 1
            else:
                runs.append([lv, r - starts[lv], r - starts[lv] + 1])
        self._output_runs = [tuple(run) for run in runs]

    def forward(self, X):
        """The output neurons' activations for a batch ``X`` of shape (n, inputs).

        Raises
        ------
        NeuronsimTypeError
            ``X`` is not a tensor.
        ShapeError
            ``X`` is not 2-D with one column per input neuron.
        """
        if not isinstance(X, torch.Tensor):
            raise NeuronsimTypeError(f"X must be a torch tensor of shape (n, {len(self.input_names)}), "
                                     f"got {type(X).__name__}; convert with torch.as_tensor(X, dtype=torch.float64)")
        if X.dim() != 2 or X.shape[1] != len(self.input_names):
            names = ", ".join(self.input_names[:8]) + (", ..." if len(self.input_names) > 8 else "")
            raise ShapeError(f"X: expected a batch of shape (n, {len(self.input_names)}), one column per input "
                             f"neuron ({names}), got shape {tuple(X.shape)}")
        return self._pass(X, False)

    def _pass(self, X, with_z):
        """The outputs' activations for a checked batch ``X``; with ``with_z``, the pair
        (activations, z) of the output neurons (a fused loss is computed from the z's)."""
        F = torch.nn.functional
        acts, zs = [X], [X]
        for k, (width, groups, blocks) in enumerate(self._levels, start=1):
            bias = getattr(self, f"bias_{k}")
            z = None
            for kind, b, src_level, lo, hi, shape in blocks:
                a = acts[src_level]
                w = getattr(self, f"weight_{k}_{b}")
                if kind != "sparse":
                    a = a[:, lo:hi]
                if kind == "dense":
                    term = F.linear(a, w, bias if z is None else None)
                elif kind == "masked":  # the present links scattered into a zero matrix, then one product
                    where = (getattr(self, f"rows_{k}_{b}"), getattr(self, f"cols_{k}_{b}"))
                    term = F.linear(a, w.new_zeros(shape).index_put(where, w), bias if z is None else None)
                else:  # z_j += Σ w_ij a_i over index tensors (src numbers the source level's neurons)
                    src, dst = getattr(self, f"src_{k}_{b}"), getattr(self, f"dst_{k}_{b}")
                    term = (bias.expand(a.shape[0], width) if z is None else a.new_zeros(a.shape[0], width))
                    term = term.index_add(1, dst, a[:, src] * w)
                z = term if z is None else z + term
            if z is None:  # neurons without incoming links: z = b
                z = bias.expand(X.shape[0], width)
            zs.append(z)
            if len(groups) == 1:
                acts.append(self._form(groups[0][0])(z))
            else:
                acts.append(torch.cat([self._form(name)(z[:, lo:hi]) for name, lo, hi in groups], dim=1))
        out = self._gather(acts)
        return (out, self._gather(zs)) if with_z else out

    def _gather(self, values):
        pieces = [values[lv] if (lo == 0 and hi == values[lv].shape[1]) else values[lv][:, lo:hi]
                  for lv, lo, hi in self._output_runs]
        return pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=1)

    def _form(self, name):
        return self._custom.get(name) or _FORMS[name]

    def parameter_keys(self):
        """Which edge or bias each parameter element is.

        Returns
        -------
        dict
            ``{parameter name: tuple of keys}``, one key per element of the parameter in
            row-major (``flatten()``) order: ``(src, dst)`` for the weight of a link, a neuron's
            name for its bias (the keys of :meth:`neuronsim.Network.parameter_keys`).

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
        >>> net.to_torch().parameter_keys()
        {'weight_1_0': (('x1', 'o1'), ('x2', 'o1')), 'bias_1': ('o1',)}
        """
        return dict(self._keys)

    def write_back(self, net, grads=False):
        """Copy the module's weights and biases (and, with ``grads``, their gradients) into ``net``.

        Parameters
        ----------
        net : Network
            The exported network, or any network with the same neurons and links.
        grads : bool, default False
            Also set every edge's ``grad`` and every neuron's ``bias_grad`` to the parameter's
            ``.grad`` (they replace what the graph held; a parameter that does not require a
            gradient writes 0).

        Raises
        ------
        NeuronsimTypeError
            ``net`` is not a Network.
        TopologyError
            ``net`` lacks a link or neuron of the module, or has a link the module lacks.
        NonFiniteError
            A weight, bias or gradient is NaN or infinite (named); nothing is written then.
        NeuronsimError
            ``grads=True`` and a parameter that requires a gradient has none (no backward yet).

        Examples
        --------
        >>> import torch, neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> module = net.to_torch()
        >>> with torch.no_grad():
        ...     module.weight_1_0.fill_(0.5)
        Parameter containing:
        tensor([[0.5000]], dtype=torch.float64, requires_grad=True)
        >>> module.write_back(net)
        >>> net.weight("x1", "o1")
        0.5
        """
        net = _checked_network(net, "write_back()")
        engine = self._source_engine(net)
        if engine is None:
            self._check_same_links(net)
        values, gradients = {}, {}
        for pname, param in self.named_parameters():
            values[pname] = self._finite_values(param.detach(), pname, "value")
            if grads:
                if param.grad is None:
                    if param.requires_grad:
                        raise NeuronsimError(f"write_back(grads=True): parameter {pname!r} has no gradient; run "
                                             "loss.backward() first")
                    gradients[pname] = np.zeros(param.numel())
                else:
                    gradients[pname] = self._finite_values(param.grad.detach(), pname, "gradient")
        if engine is not None:
            params = np.empty(len(engine.keys))
            for pname, (start, stop) in self._ranges.items():
                params[start:stop] = values[pname]
                if grads:
                    engine.grads[start:stop] = gradients[pname]
            engine.set_params(params)
            engine.push(grads=grads)
            return
        values = {pname: array.tolist() for pname, array in values.items()}
        gradients = {pname: array.tolist() for pname, array in gradients.items()}
        graph = net.graph
        for pname, keys in self._keys.items():
            if pname.startswith("bias_"):
                for name, value in zip(keys, values[pname]):
                    graph._node[name]["neuron"]._bias = value
                if grads:
                    for name, g in zip(keys, gradients[pname]):
                        graph._node[name]["neuron"].bias_grad = g
                continue
            succ = graph._succ
            for (src, dst), value in zip(keys, values[pname]):
                succ[src][dst]["weight"] = value
            if grads:
                for (src, dst), g in zip(keys, gradients[pname]):
                    succ[src][dst]["grad"] = g

    def read_from(self, net):
        """Copy ``net``'s current weights and biases into the module (the inverse of
        :meth:`write_back`; gradients are left as they are).

        Parameters
        ----------
        net : Network
            The exported network, its structure unchanged since the export.

        Raises
        ------
        NeuronsimTypeError
            ``net`` is not a Network.
        TopologyError
            ``net``'s neurons or links are no longer those the module was exported from (export
            it again).
        NonFiniteError, NeuronsimTypeError
            A weight or bias in the graph is not a finite real number (named); nothing changes.

        Examples
        --------
        >>> import neuronsim
        >>> net = neuronsim.Network.from_spec([("identity", 1), ("identity", 1)], init="constant")
        >>> module = net.to_torch()
        >>> net.set_weight("x1", "o1", 2.5)
        >>> module.read_from(net)
        >>> module.weight_1_0.item()
        2.5
        """
        net = _checked_network(net, "read_from()")
        engine = net.compile()  # reads (and checks) the graph's current numbers
        source = getattr(self, "_source", None)
        expected = source[2] if source is not None else tuple(key for keys in self._keys.values() for key in keys)
        if not (engine.keys is expected or engine.keys == expected):
            if source is None and set(engine.keys) == set(expected):
                position = {key: i for i, key in enumerate(engine.keys)}
                params = engine.params
                with torch.no_grad():
                    for pname, param in self.named_parameters():
                        picked = np.array([params[position[key]] for key in self._keys[pname]])
                        param.copy_(torch.as_tensor(picked, dtype=param.dtype).view_as(param))
                return
            raise TopologyError("read_from(): the network's neurons or links differ from the module's; export "
                                "the network again after changing its structure")
        params = engine.params
        with torch.no_grad():
            for pname, param in self.named_parameters():
                start, stop = self._ranges[pname]
                param.copy_(torch.as_tensor(params[start:stop], dtype=param.dtype).view_as(param))

    def _source_engine(self, net):
        """The exported network's fast engine when ``net`` is that network, structurally unchanged."""
        source = getattr(self, "_source", None)
        if source is None or source[0]() is not net or net.plan().key != source[1]:
            return None
        try:
            engine = net.compile()
        except NeuronsimError:  # a bad number edited into the graph: the slow path overwrites it
            return None
        return engine if (engine.keys is source[2] or engine.keys == source[2]) else None

    def __getstate__(self):  # pickling (torch.save, deepcopy): without the weak reference
        state = self.__dict__.copy()
        state["_source"] = None
        return state

    def _check_same_links(self, net):
        theirs = net.parameter_keys()
        mine = [key for keys in self._keys.values() for key in keys]
        their_set, my_set = set(theirs), set(mine)
        if len(theirs) != len(mine) or their_set != my_set:
            missing = [key for key in mine if key not in their_set]  # the sets once: no n² scan
            if missing:
                raise TopologyError(f"write_back(): the network has no {_describe(missing[0])}, which the module "
                                    "has; write back into the exported network (or a copy of it)")
            extra = [key for key in theirs if key not in my_set]
            raise TopologyError(f"write_back(): the network has {_describe(extra[0])}, which the module lacks; "
                                "export the network again after changing its structure")

    def _finite_values(self, tensor, pname, what):
        flat = tensor.reshape(-1).to("cpu", torch.float64)
        if not bool(torch.isfinite(flat).all()):
            bad = int(torch.nonzero(~torch.isfinite(flat))[0])
            raise NonFiniteError(f"write_back(): the {what} of {_describe(self._keys[pname][bad])} (parameter "
                                 f"{pname!r}, element {bad}) is {float(flat[bad])!r}; nothing was written")
        return flat.numpy()

    def extra_repr(self):
        return (f"inputs={len(self.input_names)}, outputs={len(self.output_names)}, "
                f"levels={len(self._levels)}")


def _describe(key):
    if isinstance(key, tuple):
        return f"link {key[0]} -> {key[1]}"
    return f"neuron {shown(key)} (its bias)"


# --- losses ---------------------------------------------------------------------------------

def torch_loss(loss):
    """The torch form of a neuronsim loss: ``fn(outputs, targets)`` summed over the batch.

    Summed over the cases as neuronsim's engines sum them, so that after ``fn(module(X),
    Y).backward()`` the parameters' ``.grad`` equal the gradients ``len(X)`` calls of
    :meth:`~neuronsim.Network.backward` accumulate. ``softmax_cross_entropy`` takes the identity
    outputs (the logits), as neuronsim's does.

    Parameters
    ----------
    loss : str or Loss
        ``"squared_error"``, ``"mse"``, ``"binary_cross_entropy"``, ``"softmax_cross_entropy"``
        (or one of their aliases).

    Raises
    ------
    LossError
        An unknown name, or a custom loss (which has no torch form).

    Examples
    --------
    >>> import torch
    >>> fn = torch_loss("squared_error")
    >>> fn(torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [1.0]]))   # ½ (1² + 2²)
    tensor(2.5000)
    """
    from . import losses
    from .errors import LossError

    _require_torch()
    found = losses.get(loss)
    forms = {"squared_error": _squared_error, "mse": _mse, "binary_cross_entropy": _bce,
             "softmax_cross_entropy": _softmax_ce}
    builtin = {item.name: item for item in losses._BUILTINS}
    if builtin.get(found.name) is not found:
        raise LossError(f"loss {found.name!r} is a custom loss, which has no torch form; known: {', '.join(forms)}")
    return forms[found.name]


def _squared_error(out, target):
    return 0.5 * torch.square(out - target).sum()


def _mse(out, target):
    return torch.square(out - target).mean(dim=1).sum()


def _bce(out, target):
    a = torch.clamp(out, 1e-15, 1.0 - 1e-15)
    return -(target * torch.log(a) + (1.0 - target) * torch.log1p(-a)).sum()


def _bce_fused(z, target):
    # binary cross-entropy of sigmoid outputs from their z, as neuronsim's fused form:
    # softplus(z) − t·z, whose gradient is σ(z) − t = a − t (no clipping, no cancellation)
    return (_softplus(z) - target * z).sum()


def _softmax_ce(out, target):
    terms = target * torch.log_softmax(out, dim=1)
    return -torch.where(target != 0, terms, torch.zeros_like(terms)).sum()


# --- import ---------------------------------------------------------------------------------

_SUPPORTED = ("Linear layers, the activations Tanh, Sigmoid, ReLU, LeakyReLU(0.01), Softplus, ELU(1), SiLU, "
              "Softsign, Identity, additions, and Softmax/LogSoftmax as the last step")


class _Group:
    """Neurons made by the import: one layer-like set, with its links' sources and weights."""

    __slots__ = ("size", "activation", "bias", "terms")

    def __init__(self, size, activation, bias, terms):
        self.size, self.activation, self.bias, self.terms = size, activation, bias, terms


class _Pending:
    """A pre-activation not yet given to neurons: Σ_k W_k a(group_k) + b (W None is the identity)."""

    __slots__ = ("size", "terms", "bias")

    def __init__(self, size, terms, bias):
        self.size, self.terms, self.bias = size, terms, bias


class _Softmaxed:
    """A value after Softmax/LogSoftmax: only returning it is allowed."""

    __slots__ = ("inner", "where")

    def __init__(self, inner, where):
        self.inner, self.where = inner, where


class _Importer:
    """Builds groups of neurons from the operations of a torch model, in topological order."""

    def __init__(self, n_inputs, max_links):
        self.max_links = max_links
        self.input = _Group(n_inputs, "identity", None, [])
        self.groups = [self.input]

    def _materialize(self, pending, activation):
        bias = pending.bias if pending.bias is not None else np.zeros(pending.size)
        group = _Group(pending.size, activation, bias, pending.terms)
        self.groups.append(group)
        return group

    @staticmethod
    def _as_pending(value):
        return value if isinstance(value, _Pending) else _Pending(value.size, [(value, None)], None)

    def _plain(self, value, where):
        if isinstance(value, _Softmaxed):
            raise SpecError(f"{where}: uses the result of the Softmax at {value.where}; neuronsim imports "
                            "Softmax/LogSoftmax only as the model's last step")
        return value

    def linear(self, value, layer, where):
        value = self._plain(value, where)
        if isinstance(value, _Pending):
            value = self._materialize(value, "identity")
        if value.size != layer.in_features:
            raise ShapeError(f"{where}: Linear takes {layer.in_features} features but gets {value.size}")
        weight = _finite_array(layer.weight, f"{where}: weight")
        bias = None if layer.bias is None else _finite_array(layer.bias, f"{where}: bias")
        return _Pending(layer.out_features, [(value, weight)], bias)

    def activation(self, value, name, where):
        value = self._plain(value, where)
        if isinstance(value, _Group):
            if name == "identity":
                return value
            value = self._as_pending(value)
        return self._materialize(value, name)

    def add(self, left, right, where):
        left, right = self._plain(left, where), self._plain(right, where)
        if left.size != right.size:
            raise ShapeError(f"{where}: adds {left.size} features to {right.size}")
        left, right = self._as_pending(left), self._as_pending(right)
        terms = list(left.terms)
        for source, weight in right.terms:
            if any(source is s for s, _ in terms):  # one link per pair of neurons: route one via identities
                source = self._materialize(_Pending(right.size, [(source, weight)], None), "identity")
                weight = None
            terms.append((source, weight))
        if left.bias is None or right.bias is None:
            bias = left.bias if right.bias is None else right.bias
        else:
            bias = left.bias + right.bias
        return _Pending(left.size, terms, bias)

    def softmax_of(self, value, where):
        return _Softmaxed(self._plain(value, where), where)

    def finish(self, value, where):
        softmax = isinstance(value, _Softmaxed)
        if softmax:
            value = value.inner
        if isinstance(value, _Pending):
            value = self._materialize(value, "identity")
        if value is self.input:
            raise SpecError(f"{where}: the model returns its input unchanged; there is no network to import")
        if softmax and value.activation != "identity":
            raise SpecError(f"{where}: Softmax follows the activation {value.activation!r}; neuronsim imports a "
                            "Softmax only straight after a Linear layer (identity outputs, softmax cross-entropy)")
        self.groups.remove(value)
        self.groups.append(value)  # the output layer comes last, named o1, o2, ...
        return self.build()

    def build(self):
        from .network import Network
        from .spec import check_size, layer_names

        links = sum(g.size * (1 if w is None else source.size) for g in self.groups for source, w in g.terms)
        check_size(sum(g.size for g in self.groups), links, self.max_links)  # before building anything
        names = layer_names([g.size for g in self.groups])
        named = {id(g): layer for g, layer in zip(self.groups, names)}
        net = Network()
        for group, layer in zip(self.groups, names):
            bias = [0.0] * group.size if group.bias is None else group.bias.tolist()
            for name, b in zip(layer, bias):
                net.add_neuron(name, group.activation, b)
        graph = net.graph
        for group in self.groups:
            dst = named[id(group)]
            for source, weight in group.terms:
                src = named[id(source)]
                if weight is None:
                    graph.add_edges_from((s, d, {"weight": 1.0, "grad": 0.0}) for s, d in zip(src, dst))
                else:
                    rows = weight.T.tolist()  # rows[i][j] = W[j, i]: the link src_i -> dst_j
                    graph.add_edges_from((s, d, {"weight": w, "grad": 0.0})
                                         for s, row in zip(src, rows) for d, w in zip(dst, row))
        if [n.name for n in net.inputs] != names[0]:
            net.set_inputs(names[0])
        if [n.name for n in net.outputs] != names[-1]:
            net.set_outputs(names[-1])
        return net


def _finite_array(tensor, what):
    values = tensor.detach().to("cpu", torch.float64).numpy()
    if not np.isfinite(values).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
        raise ValueRangeError(f"{what}{list(index)} is {float(values[index])!r}, not a finite number")
    return values.copy()


def from_torch(model, *, max_links=None):
    """The network computing a torch model: an ``nn.Sequential`` MLP or an fx-traceable one.

    Parameters
    ----------
    model : torch.nn.Module
        An ``nn.Sequential`` (nested ones are flattened) of ``nn.Linear`` layers and activations,
        or any module that ``torch.fx.symbolic_trace`` traces (or an ``fx.GraphModule``) into
        Linear layers, activations (modules, ``torch.*``/``F.*`` functions or tensor methods) and
        additions — residual and skip connections. One input tensor, one output tensor.
    max_links : int, optional
        The size limit, as for :func:`neuronsim.spec.build` (default
        :data:`neuronsim.spec.MAX_LINKS`): a model whose network would take more memory is
        refused with a SpecError before anything is built.

    Returns
    -------
    Network
        Neurons named as the layered spec names them (:func:`neuronsim.spec.layer_names`):
        ``x1…`` for the input features, ``h1_1…`` (``h1…`` with one hidden layer) for each layer
        of neurons the model makes, ``o1…`` for the outputs. ``Linear`` weights are copied
        exactly (``net.graph.edges["x1", "h1_1"]["weight"] == model[0].weight[0, 0]``): the
        weight ``W[j, i]`` of a Linear becomes the link from its input i to its output j.

    Notes
    -----
    - A Linear followed by an activation is one layer of neurons with that activation; a
      Linear that is not followed by one gives identity neurons.
    - An addition ``a + b`` becomes links of weight 1 from the neurons holding ``a`` and ``b``
      into the neurons of the next activation (or identity neurons): ``relu(x + lin(x))`` is one
      layer of relu neurons reading ``x`` through links of weight 1 and through ``lin``'s
      weights. Where both terms read the same neurons, one goes through identity neurons first
      (a graph has one link per pair). Biases of added Linear layers are summed.
    - A ``Softmax`` (or ``LogSoftmax``) as the last step gives **identity output neurons**: the
      network's outputs are the logits, and the matching loss is ``"softmax_cross_entropy"``
      (``net.predict_proba`` applies the softmax). Nothing else may use a Softmax's result.
    - torch's ``Softplus`` is linear above its ``threshold`` (20): there neuronsim's softplus is
      larger by at most log1p(e^-20) ≈ 2e-9.

    Raises
    ------
    NeuronsimError
        PyTorch is not installed (the message says how to install it).
    NeuronsimTypeError
        ``model`` is not a torch module.
    SpecError
        A module or operation neuronsim does not import (Conv, attention, a multiplication, ...):
        the message names the first one (its index in the Sequential or its fx node); a model
        fx cannot trace; a network larger than ``max_links`` allows.
    ActivationError
        An activation neuronsim has no match for (GELU, LeakyReLU with another slope, ...).
    ShapeError
        Layers whose sizes do not chain.
    ValueRangeError
        A weight or bias that is NaN or infinite (named).

    Examples
    --------
    >>> import torch, neuronsim
    >>> torch.manual_seed(0) and None
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2),
    ...                             torch.nn.Softmax(dim=1))
    >>> net = from_torch(model)
    >>> [n.name for n in net.outputs], net["o1"].activation.name
    (['o1', 'o2'], 'identity')
    >>> net.graph.edges["x1", "h1"]["weight"] == model[0].weight[0, 0].item()
    True
    """
    _require_torch()
    if not isinstance(model, nn.Module):
        raise NeuronsimTypeError(f"from_torch() takes a torch.nn.Module, got {type(model).__name__}")
    if isinstance(model, nn.Sequential):
        return _from_sequential(model, max_links)
    return _from_fx(model, max_links)


def _flattened(model, prefix="model"):
    for index, child in enumerate(model):
        where = f"{prefix}[{index}]"
        if isinstance(child, nn.Sequential):
            yield from _flattened(child, where)
        else:
            yield where, child


def _from_sequential(model, max_links):
    steps = list(_flattened(model))
    for where, child in steps:  # the first unsupported module is named before anything else
        if not isinstance(child, (nn.Linear, nn.Softmax, nn.LogSoftmax)):
            _module_activation(child, f"{where} ({type(child).__name__})")
    first = next(((where, m) for where, m in steps if isinstance(m, nn.Linear)), None)
    if first is None:
        raise SpecError(f"from_torch(): the Sequential has no Linear layer; neuronsim imports {_SUPPORTED}")
    importer = _Importer(first[1].in_features, max_links)
    value = importer.input
    for where, child in steps:
        value = _apply_module(importer, value, child, where)
    return importer.finish(value, "the model's output")


def _apply_module(importer, value, module, where):
    """One module applied to a value of the import; SpecError/ActivationError for the unknown."""
    label = f"{where} ({type(module).__name__})"
    if isinstance(module, nn.Linear):
        return importer.linear(value, module, label)
    if isinstance(module, (nn.Softmax, nn.LogSoftmax)):
        _check_softmax_dim(module.dim, label)
        return importer.softmax_of(value, label)
    return importer.activation(value, _module_activation(module, label), label)


_MODULE_ACTIVATIONS = {"Tanh": "tanh", "Sigmoid": "sigmoid", "ReLU": "relu", "SiLU": "silu",
                       "Identity": "identity", "Softsign": "softsign"}
_KNOWN_ACTIVATION_MODULES = ("GELU", "Mish", "Hardtanh", "Hardswish", "Hardsigmoid", "ReLU6", "SELU", "CELU",
                             "PReLU", "RReLU", "Tanhshrink", "Softshrink", "Hardshrink", "LogSigmoid", "Threshold",
                             "GLU", "Softmin", "Softmax2d")


def _module_activation(module, label):
    kind = type(module).__name__
    if type(module).__module__.startswith("torch.nn") and kind in _MODULE_ACTIVATIONS:
        return _MODULE_ACTIVATIONS[kind]
    if isinstance(module, nn.LeakyReLU):
        return _leaky_name(module.negative_slope, label)
    if isinstance(module, nn.ELU):
        return _elu_name(module.alpha, label)
    if isinstance(module, nn.Softplus):
        return _softplus_name(module.beta, label)
    if kind in _KNOWN_ACTIVATION_MODULES:
        raise ActivationError(f"{label}: neuronsim has no activation matching {kind}; supported: {_SUPPORTED}")
    raise SpecError(f"{label}: this module is not supported; neuronsim imports {_SUPPORTED}")


def _leaky_name(slope, label):
    from .activations import LEAKY_SLOPE

    if slope != LEAKY_SLOPE:
        raise ActivationError(f"{label}: LeakyReLU with negative_slope={shown(slope)}; neuronsim's leaky_relu has "
                              f"slope {LEAKY_SLOPE}")
    return "leaky_relu"


def _elu_name(alpha, label):
    if alpha != 1.0:
        raise ActivationError(f"{label}: ELU with alpha={shown(alpha)}; neuronsim's elu has alpha 1")
    return "elu"


def _softplus_name(beta, label):
    if beta != 1.0:
        raise ActivationError(f"{label}: Softplus with beta={shown(beta)}; neuronsim's softplus has beta 1")
    return "softplus"


def _check_softmax_dim(dim, label):
    if dim not in (-1, 1):
        raise SpecError(f"{label}: Softmax over dim={shown(dim)}; neuronsim imports a softmax over the features "
                        "(dim=1 or -1) of a (batch, features) output")


def _from_fx(model, max_links):
    import torch.fx

    if isinstance(model, torch.fx.GraphModule):
        traced = model
    else:
        try:
            traced = torch.fx.symbolic_trace(model)
        except Exception as err:
            raise SpecError(f"from_torch(): torch.fx cannot trace {type(model).__name__} ({type(err).__name__}: "
                            f"{shown(str(err))}); neuronsim imports an nn.Sequential or an fx-traceable module "
                            f"of {_SUPPORTED}") from err
    graph = traced.graph
    graph.eliminate_dead_code()
    nodes = list(graph.nodes)
    placeholders = [node for node in nodes if node.op == "placeholder"]
    if len(placeholders) != 1:
        raise SpecError(f"from_torch(): the model takes {len(placeholders)} inputs "
                        f"({', '.join(n.name for n in placeholders)}); neuronsim imports models of one input tensor")
    importer = _Importer(_input_width(traced, placeholders[0]), max_links)
    values = {placeholders[0]: importer.input}
    for node in nodes:
        if node.op == "placeholder":
            continue
        where = f"node {node.name!r} ({node.op} {_target_name(node.target)})"
        if node.op == "output":
            result = node.args[0]
            if not isinstance(result, torch.fx.Node):
                raise SpecError(f"from_torch(): the model returns {type(result).__name__}; neuronsim imports "
                                "models with one output tensor")
            return importer.finish(values[result], where)
        values[node] = _apply_node(importer, traced, node, values, where)
    raise SpecError("from_torch(): the traced model has no output")  # pragma: no cover - fx always has one


def _target_name(target):
    return target if isinstance(target, str) else getattr(target, "__name__", shown(target))


def _input_width(traced, placeholder):
    """in_features of the first Linear the input reaches through activations and additions."""
    seen, todo = set(), [placeholder]
    while todo:
        node = todo.pop(0)
        for user in node.users:
            if user in seen:
                continue
            seen.add(user)
            if user.op == "call_module" and isinstance(traced.get_submodule(user.target), nn.Linear):
                return traced.get_submodule(user.target).in_features
            todo.append(user)
    raise SpecError("from_torch(): no Linear layer reads the model's input; neuronsim imports " + _SUPPORTED)


_ADD_FUNCTIONS = {operator.add, operator.iadd} | ({torch.add} if torch is not None else set())


def _function_activations():
    F = torch.nn.functional
    return {torch.tanh: "tanh", F.tanh: "tanh", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
            torch.relu: "relu", F.relu: "relu", F.silu: "silu", F.softsign: "softsign"}


def _argument(node, position, name, default):
    if name in node.kwargs:
        return node.kwargs[name]
    if len(node.args) > position:
        return node.args[position]
    return default


def _apply_node(importer, traced, node, values, where):
    def operand(arg):
        if arg not in values:
            raise SpecError(f"{where}: an operand is not a tensor of the model ({shown(arg)}); neuronsim imports "
                            f"{_SUPPORTED}")
        return values[arg]

    F = torch.nn.functional
    if node.op == "call_module":
        return _apply_module(importer, operand(node.args[0]), traced.get_submodule(node.target),
                             f"node {node.name!r} (module {node.target})")
    if node.op == "call_function":
        fn = node.target
        if fn in _ADD_FUNCTIONS and len(node.args) == 2 and not node.kwargs:
            return importer.add(operand(node.args[0]), operand(node.args[1]), where)
        simple = _function_activations()
        if fn in simple:
            return importer.activation(operand(node.args[0]), simple[fn], where)
        if fn is F.leaky_relu:
            return importer.activation(operand(node.args[0]), _leaky_name(_argument(node, 1, "negative_slope", 0.01),
                                                                           where), where)
        if fn is F.elu:
            return importer.activation(operand(node.args[0]), _elu_name(_argument(node, 1, "alpha", 1.0), where), where)
        if fn is F.softplus:
            return importer.activation(operand(node.args[0]), _softplus_name(_argument(node, 1, "beta", 1.0), where),
                                       where)
        if fn in (torch.softmax, F.softmax, torch.log_softmax, F.log_softmax):
            _check_softmax_dim(_argument(node, 1, "dim", None), where)
            return importer.softmax_of(operand(node.args[0]), where)
    if node.op == "call_method":
        method = node.target
        if method in ("add", "add_", "__add__") and len(node.args) == 2 and not node.kwargs:
            return importer.add(operand(node.args[0]), operand(node.args[1]), where)
        if method in ("tanh", "sigmoid", "relu") and len(node.args) == 1:
            return importer.activation(operand(node.args[0]), method, where)
        if method in ("softmax", "log_softmax"):
            _check_softmax_dim(_argument(node, 1, "dim", None), where)
            return importer.softmax_of(operand(node.args[0]), where)
    raise SpecError(f"{where}: this operation is not supported; neuronsim imports {_SUPPORTED}")
