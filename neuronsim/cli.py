"""The ``neuronsim`` command line: ``demo``, ``train``, ``predict``, ``plot``, ``explain`` and ``check``.

Run ``neuronsim --help`` or ``neuronsim COMMAND --help`` (also ``python -m neuronsim``). Exit
codes: 0 success; 1 an error in a file, spec, data set or option value, reported on one line of
standard error as ``neuronsim: error: ...``; 2 a usage error (argparse's own message). Any other
exception is a bug: one line says so, and ``--debug`` adds its traceback.

Every command names a network the same way (``NET``): a saved network, a spec file or a layered
shorthand such as ``2-8-1`` (see :func:`neuronsim._cli_data.load_network`). A saved network is a
complete predictor: the commands that take ``--input`` apply its stored preprocessing (e.g. the
standardisation ``train --standardize`` learnt) before the values reach the input neurons, and
``predict`` answers with its class names. Nothing in the package imports this module.

Examples
--------
>>> main(["check", "2-3-1"])
network: 6 neurons (2 inputs, 1 output), 9 links
case: x = [0.1257, -0.1321], target = [0.04097], loss binary_cross_entropy
gradcheck ok: worst ...
0
"""

import argparse
import contextlib
import csv
import io
import math
import os
import re
import sys
import traceback
from pathlib import Path

import numpy as np

from . import __version__, datasets, losses, metrics, optim
from ._atomic import atomic_write
from ._checks import shown
from ._cli_data import TRUTH_TABLES, is_csv, layered, load_data, load_network
from .errors import FileFormatError, NeuronsimError, NonFiniteError, ShapeError, TopologyError
from .gradcheck import gradcheck
from .preprocessing import Scaler
from .tables import _number, _read_table    # the CSV reader of load_csv, for rows without labels
from .training import default_loss, train

__all__ = ["main"]

DEMO_SPEC = "2-tanh:16-tanh:16-sigmoid:1"
NET_HELP = "saved network (.json), spec file (.json/.yaml) or layered shorthand like 2-8-1"
LOSS_RULE = ("default: softmax_cross_entropy for several identity outputs, binary_cross_entropy for "
             "sigmoid outputs, else squared_error; aliases such as bce, ce, mse are accepted")
SMALL_DATA = 50            # fewer rows than this: train on all of them unless --holdout says otherwise
# The train command's recipe for the built-in digits, shown in its help (measured, fast engine: 97.6 % held
# out with the default --seed 0; over --seed 0..7, each its own split, 97.5 % mean, 96.0 % min).
# examples/digits.py's recipe adds L2 weight decay and a falling learning rate.
DIGITS_ARGS = "64-relu:32-10 --data digits --standardize --batch-size 32 --epochs 30"
DIGITS_RECIPE = f"A recipe for digits (about 97.5 % held out):\n  neuronsim train {DIGITS_ARGS} --out DIR"
MESSAGE_LIMIT = 400        # characters of a one-line error message
_SCALED = {"standardize": "standardized", "minmax": "min-max scaled"}
_NUMBER_LISTS = ("--input", "--target")   # options whose value may start with a minus sign
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
_LOOKS_LAYERED = re.compile(r"^\s*\d[\w:\s-]*$")


def main(argv=None):
    """Run the command line; return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``). ``--debug`` anywhere
        prints the traceback of an error as well as its one-line message.

    Returns
    -------
    int
        0 success; 1 an error reported on one line of standard error; 2 a usage error (and 0
        after ``--help`` or ``--version``), as argparse reports them.

    Examples
    --------
    >>> main(["explain", "1-1", "--input", "2", "--target", "1", "--seed", "3"])
    forward pass, a = f(b + Σ w·a), input x1=2:
      a[x1] = 2 (input, clamped)
      a[o1] = sigmoid(b[o1]=0 + w[x1→o1]=... × a[x1]=2) = sigmoid(...) = ...
    output o1=...
    backward pass, δ_j = f′(z_j) (∂C/∂a_j + Σ_k w_jk δ_k), target o1=1, loss binary_cross_entropy:
      δ[o1] = ∂C/∂z (binary_cross_entropy)=... = ...
      loss C = ...
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = _negative_values_attached([arg for arg in argv if arg != "--debug"])
    with _escaping_output():
        return _run(argv, debug)


def _run(argv, debug):
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except SystemExit as exit:      # argparse: --help or --version (0), or a usage error (2)
        return exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 2
    except BrokenPipeError:         # e.g. `neuronsim explain ... | head`: stop quietly
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except KeyboardInterrupt:
        print("neuronsim: interrupted", file=sys.stderr)
        return 130
    except NeuronsimError as err:
        return _fail(str(err), debug)
    except MemoryError:
        return _fail("out of memory (a network, data set or file too large for this machine)", debug)
    except RecursionError:
        return _fail("nested too deeply to read (maximum recursion depth exceeded)", debug)
    except OSError as err:          # e.g. an output folder that cannot be made
        return _fail(f"{err.filename}: {err.strerror}" if err.filename and err.strerror else str(err), debug)
    except Exception as err:        # anything else is a bug in neuronsim
        if debug:
            traceback.print_exc()
        print(_one_line(f"neuronsim: internal error (a bug, please report): {type(err).__name__}: {err}",
                        suffix="" if debug else "; rerun with --debug for the traceback"), file=sys.stderr)
        return 1


def _fail(message, debug=False):
    if debug:
        traceback.print_exc()
    print(_one_line(f"neuronsim: error: {message}"), file=sys.stderr)
    return 1


def _one_line(text, suffix=""):
    """``text`` on one line, cut to :data:`MESSAGE_LIMIT` characters, then ``suffix``."""
    text = " ".join(str(text).split())
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT - 3] + "..."
    return text + suffix


@contextlib.contextmanager
def _escaping_output():
    """Standard output and error escape what their encoding cannot show (``\\udc80``), so any
    name a file can hold prints; their previous error handlers come back afterwards."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors is None or errors == "backslashreplace":
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            continue
        changed.append((stream, errors))
    try:
        yield
    finally:
        for stream, errors in changed:
            with contextlib.suppress(AttributeError, ValueError, OSError, io.UnsupportedOperation):
                stream.reconfigure(errors=errors)


def _negative_values_attached(argv):
    """``--input -1,0`` as ``--input=-1,0``, so a leading minus reads as a value, not an option."""
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return out + argv[i:]
        if arg in _NUMBER_LISTS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


# --- commands -----------------------------------------------------------------------------------

def _demo(args):
    """Two moons, a 2-16-16-1 tanh network, Adam: the README's first run."""
    data = datasets.moons(n=300, noise=0.15, seed=args.seed)
    net = layered(DEMO_SPEC, args.seed)
    print(f"neuronsim demo: a {DEMO_SPEC} network learns to separate two noisy moons")
    return _fit(net, data, loss="binary_cross_entropy", optimizer=optim.Adam(lr=0.005), epochs=args.epochs,
                batch_size=16, seed=args.seed, engine="fast", holdout=0.25, standardize=False,
                out=Path(args.out), extra={"command": "demo", "spec": DEMO_SPEC, "data": "moons"})


def _train(args):
    if _is_shorthand(args.net):     # build after reading the data: its kind picks the output layer
        data = load_data(args.data, args.label, args.task, inputs=_leading_width(args.net))
        # numbers to predict (not classes, not 0/1 bit vectors such as encoder's): identity outputs
        regression = data.labels is None and (args.task == "regress" or not np.isin(data.Y, (0.0, 1.0)).all())
        net, saved_optimizer, _ = _network(args.net, args.seed, regression=regression)
    else:
        net, saved_optimizer, _ = _network(args.net, args.seed)
        data = load_data(args.data, args.label, args.task, inputs=len(net.inputs))
    return _fit(net, data, loss=args.loss, optimizer=_optimizer(args, saved_optimizer),
                epochs=args.epochs, batch_size=args.batch_size, seed=0 if args.seed is None else args.seed,
                engine=args.engine, holdout=args.holdout, standardize=args.standardize, out=Path(args.out),
                extra={"command": "train", "spec": args.net, "data": args.data}, source=args.net)


def _optimizer(args, saved):
    """The optimizer the options ask for; else a saved network's own, which resumes with its state."""
    if args.momentum is not None and args.optimizer != "sgd":
        args.usage("--momentum needs --optimizer sgd")
    if saved is not None and args.optimizer is None and args.lr is None:
        return saved
    if (args.optimizer or "adam") == "adam":
        return optim.Adam(lr=0.01 if args.lr is None else args.lr)
    return optim.SGD(lr=0.1 if args.lr is None else args.lr, momentum=0.9 if args.momentum is None else args.momentum)


def _predict(args):
    if (args.input is None) == (args.data is None):
        args.usage("give either --input X1,X2,... (one case) or --data FILE.csv (one case per row)")
    net, _, _ = _network(args.net, args.seed)
    if args.input is not None:
        X = np.array([_checked_input(net, args.input)])
    else:
        X = _rows(net, args.data, args.label)
    header, table = _predictions(net, X)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(table)
    if args.output is None:
        sys.stdout.write(buffer.getvalue())
        return 0
    path = Path(args.output)
    if path.is_dir():
        raise FileFormatError(f"{args.output}: is a directory; -o names the CSV file to write")
    data = buffer.getvalue().encode("utf-8", errors="backslashreplace")
    atomic_write(path, lambda file: file.write(data))
    print(f"wrote {_counted(len(table), 'row')} to {args.output}")
    return 0


def _plot(args):
    if args.target is not None and args.input is None:
        args.usage("--target needs --input")
    if (args.color == "delta" or args.edge_color == "grad") and args.target is None:
        args.usage("δ and gradient colours need a backward pass: give --input and --target")
    net, _, _ = _network(args.net, args.seed)
    lines = []
    if args.input is not None:
        x, scaled = _seen_input(net, args.input)
        loss, target = _case_loss(net, args.loss, args.target)
        lines += [scaled] if scaled else []
        net.forward(x)
        if target is not None:
            net.zero_grad()
            net.backward(target, loss)
    topology = _plotting().topology
    ax = topology(net, node_color=None if args.color == "none" else args.color, edge_color=args.edge_color,
                  values=args.values, layout=args.layout)
    _save(ax.figure, Path(args.output))
    print("\n".join(lines + [f"wrote {args.output}"]))
    return 0


def _explain(args):
    """Every line is made before the first is printed: a bad case prints nothing but the error."""
    net, _, _ = _network(args.net, args.seed)
    chosen = None if args.neuron is None else _neuron(net, args.neuron)
    heading, item, note = _LAYOUTS[args.format]
    x, scaled = _seen_input(net, args.input)        # checks the input's width
    loss, target = _case_loss(net, args.loss, args.target)  # and the target's, before any output
    if args.html is not None and target is None:
        raise NeuronsimError("--html needs --target: the page steps through the backward pass too")
    decision = _decision(net, args.input)
    lines = [note(scaled)] if scaled else []
    if target is not None and net.target_scaler is not None:
        lines.append(note(_scaled_line("target", net.target_scaler, net.target_names or [n.name for n in net.outputs],
                                       args.target, target)))

    def say(name, kind="delta"):
        lines.append(item(net.explain(name, kind, args.format, args.precision)))  # explain writes no -0

    steps = net.forward_steps(x)
    lines.append(heading(f"forward pass, a = f(b + Σ w·a), input {_listed(net.inputs, x)}"))
    for step in steps:
        if chosen in (None, step.neuron):
            say(step.neuron.name, "activation")
    lines.append(note(f"output {_listed(net.outputs, [n.a for n in net.outputs])}{decision}"))
    if target is not None:
        net.zero_grad()
        steps = net.backward_steps(target, loss)
        lines.append(heading(f"backward pass, δ_j = f′(z_j) (∂C/∂a_j + Σ_k w_jk δ_k), target "
                             f"{_listed(net.outputs, target)}, loss {loss.name}"))
        for step in steps:
            neuron = step.neuron
            if chosen in (None, neuron):
                say(neuron.name)
            if chosen is neuron or (chosen is None and args.grads):
                for src, _ in neuron.upstream:
                    say((src.name, neuron.name))
                say(neuron.name, "bias")
        if chosen is not None and chosen in net.inputs:
            lines.append(item(f"({chosen.name} is an input: inputs are clamped and have no δ)"))
        lines.append(item(f"loss C = {_num(step.loss, args.precision)}"))
    if args.html is not None:  # the same case as a page of pictures; the network keeps the state printed above
        _plotting().steps_html(net, x, target, args.html, loss=loss, preserve=True, precision=args.precision)
        lines.append(f"wrote {args.html}")
    print("\n".join(lines))
    return 0


def _check(args):
    net, _, _ = _network(args.net, args.seed)
    rng = np.random.default_rng(0 if args.seed is None else args.seed)
    if args.input is not None:
        x, scaled = _seen_input(net, args.input)
    else:
        x, scaled = rng.normal(size=len(net.inputs)).tolist(), None
    loss, target = _case_loss(net, args.loss, args.target)
    if target is None:
        target = _random_target(loss, len(net.outputs), rng)
    report = gradcheck(net, x, target, loss, oracle=args.oracle)
    lines = [_described(net)] + ([scaled] if scaled else [])
    lines.append(f"case: x = {_rounded(x)}, target = {_rounded(target)}, loss {loss.name}")
    print("\n".join(lines + [report.describe()]))
    return 0 if report.ok else 1


# --- one case through a network: what the neurons see, what the target may be ---------------------

def _checked_input(net, values):
    """``values`` (raw, one per input neuron) as a list, or a ShapeError naming the inputs."""
    width = len(net.inputs)
    if len(values) != width:
        raise ShapeError(f"--input: the network has {_counted(width, 'input neuron')} "
                         f"({_names(net.inputs)}), got {_counted(len(values), 'value')}")
    return values


def _seen_input(net, values):
    """``(x, line)``: the raw ``--input`` as the input neurons see it (through the network's stored
    preprocessing), and a line showing raw → scaled values (None without preprocessing)."""
    if values is None:
        return None, None
    values = _checked_input(net, values)
    scaler = net.preprocessing
    if scaler is None:
        return values, None
    x = net.preprocess(np.array(values, dtype=float)).tolist()   # checks the scaler still fits the inputs
    return x, _scaled_line("input", scaler, scaler.names or [n.name for n in net.inputs], values, x)


def _scaled_line(what, scaler, names, raw, seen):
    """``input (standardized): a 5.1 → -0.9, ...``: raw values and what the neurons see."""
    pairs = ", ".join(f"{name} {_num(r)} → {_num(s)}" for name, r, s in zip(names, raw, seen))
    return f"{what} ({_SCALED.get(scaler.kind, scaler.kind)}): {pairs}"


def _case_loss(net, name, target):
    """``(loss, target)`` of a case: the named loss (else the network's default), and ``--target``
    as numbers checked against it and the outputs (or None): before anything is printed."""
    loss = losses.get(name or default_loss(net))
    return loss, None if target is None else _case_target(net, target, loss)


def _case_target(net, target, loss):
    """``--target`` as numbers, one per output: as given, or a class name's target (one-hot, or
    0/1 for a single output), checked against the loss's range."""
    if isinstance(target, str):
        if net.classes is None or target not in net.classes:
            known = (f"the network's classes are {', '.join(net.classes)}" if net.classes
                     else "the network has no class names")
            raise NeuronsimError(f"--target: {shown(target, 60)} is neither numbers such as 1,0 nor a class name; "
                                 f"{known}")
        index = list(net.classes).index(target)
        target = [float(index)] if len(net.outputs) == 1 else np.eye(len(net.outputs))[index].tolist()
    width = len(net.outputs)
    if len(target) != width:
        raise ShapeError(f"--target: the network has {_counted(width, 'output neuron')} "
                         f"({_names(net.outputs)}), got {_counted(len(target), 'value')}")
    if net.target_scaler is not None:   # a regression network trained on scaled targets
        target = net.target_scaler.transform(np.array(target, dtype=float)).tolist()
    losses.check_targets(loss, target, "--target")
    return target


def _decision(net, values):
    """`` → class NAME (p = P)`` for a network with class names, `` → predicts NAME=VALUE, ...``
    for one with a target scaler (its answers in the targets' units), else ''."""
    if values is None or (net.classes is None and net.target_scaler is None):
        return ""
    row = np.array(values, dtype=float)
    if net.target_scaler is not None:
        names = net.target_names or [n.name for n in net.outputs]
        return " → predicts " + ", ".join(f"{name}={_num(v)}" for name, v in zip(names, net.predict(row)))
    try:
        name = net.predict_classes(row)
        p = net.predict_proba(row)[list(net.classes).index(name)]
    except NonFiniteError:
        raise
    except NeuronsimError:      # outputs that are not probabilities: the pass is still worth showing
        return ""
    return f" → class {name} (p = {_num(p, 3)})"


def _neuron(net, name):
    if name not in net:
        raise TopologyError(f"--neuron: no neuron {shown(name)}; the network has {_names(net.neurons, 12)}")
    return net[name]


def _random_target(loss, width, rng):
    if loss.name == "softmax_cross_entropy":
        return np.eye(width)[rng.integers(width)].tolist()
    low, high = loss.target_range or (-1.0, 1.0)
    return rng.uniform(low, high, size=width).tolist()


# --- predict: rows in, answers out ----------------------------------------------------------------

def _rows(net, source, label):
    """The raw rows of ``--data`` for ``predict``: a built-in set's X, or a CSV's feature columns.

    The CSV needs a header. Its columns are picked by the network's input names (as the
    training data named them) when it has them all; else it must hold one column per input,
    or one more (a label column, as in training: ``--label``, else the last), which is left out.
    """
    path = Path(source)   # a NUL byte was refused by the _path type of --data
    if _is_dir(source):
        raise FileFormatError(f"{source}: is a directory; --data takes a CSV file or a built-in data set")
    if not is_csv(source):
        return load_data(source, inputs=len(net.inputs)).X
    header, rows = _read_table(source)   # a str: the reader takes the path as given
    width = len(net.inputs)
    wanted = _feature_names(net)
    if wanted is not None and set(wanted) <= set(header) and (label is None or label not in wanted):
        columns = [header.index(name) for name in wanted]
    else:
        if label is not None and label not in header:
            raise NeuronsimError(f"{source}: no column {shown(label)} for the labels; columns: {', '.join(header)}")
        drop = header.index(label) if label is not None else len(header) - 1 if len(header) == width + 1 else None
        columns = [i for i in range(len(header)) if i != drop]
        if len(columns) != width:
            raise ShapeError(f"{source}: {_counted(len(header), 'column')} ({', '.join(header)}); the network "
                             f"takes {_counted(width, 'input')} ({', '.join(wanted or [n.name for n in net.inputs])})"
                             ", so give those columns (and at most one label column)")
    X = np.empty((len(rows), width))
    for i, (row_number, cells) in enumerate(rows):
        if len(cells) != len(header):
            raise NeuronsimError(f"{path}: row {row_number} has {len(cells)} cells; the header has {len(header)}")
        for j, column in enumerate(columns):
            X[i, j] = _number(cells[column], f"{path}: row {row_number}, column {shown(header[column])}")
    return X


def _feature_names(net):
    """The names of the network's inputs as its training data had them, or None."""
    if net.preprocessing is not None and net.preprocessing.names is not None:
        return list(net.preprocessing.names)
    names = (net.metadata or {}).get("feature_names")
    if isinstance(names, list) and len(names) == len(net.inputs) and all(isinstance(n, str) for n in names):
        return names
    return None


def _predictions(net, X):
    """``(header, rows)`` of the answers: class and probability per class, or output values."""
    if net.classes is not None:
        proba = net.predict_proba(X).reshape(len(X), -1)
        chosen = net.predict_classes(X)
        header = ["class"] + [f"p({name})" for name in net.classes]
        return header, [[str(c)] + [_num(p, 6) for p in row] for c, row in zip(chosen, proba)]
    out = net.predict(X).reshape(len(X), -1)
    header = list(net.target_names or [n.name for n in net.outputs])
    return header, [[_num(v, 6) for v in row] for row in out]


# --- training shared by demo and train ------------------------------------------------------------

def _fit(net, data, *, loss, optimizer, epochs, batch_size, seed, engine, holdout, standardize, out, extra,
         source=None):
    """Split, train, evaluate, then write network.json and the plots into ``out``; ``loss`` None
    chooses one from the output neurons and the targets."""
    _check_widths(net, data)
    _check_classes(net, data, source)
    loss = loss or default_loss(net, data.Y)
    classes = data.labels is not None
    holdout, why_all = _holdout(data, holdout)
    X, Y = data.X, data.Y
    if holdout:
        X, X_test, Y, Y_test = datasets.train_test_split(X, Y, test_size=holdout, seed=seed,
                                                         stratify=data.labels if classes else None)
    else:
        X_test = Y_test = None
    scaler, scaling = _preprocessing(net, X, data, standardize, source)
    if out.exists() and not out.is_dir():
        raise NeuronsimError(f"{out}: exists and is not a folder; --out names the folder to write into")
    if data.classes is not None:
        net.classes = data.classes
    if net.target_names is None and len(data.target_names) == len(net.outputs):
        net.target_names = data.target_names
    out.mkdir(parents=True, exist_ok=True)
    history = train(net, X, Y, loss=loss, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                    seed=seed, engine=engine, metrics=("accuracy",) if classes else (),
                    validation=None if X_test is None else (X_test, Y_test), progress=True,
                    preprocessing=scaler)
    score_name, score = ("accuracy", metrics.accuracy) if classes else ("mse", metrics.mse)
    X_eval, Y_eval = (X, Y) if X_test is None else (X_test, Y_test)
    value = float(score(Y_eval, net.predict(X_eval)))
    where = "training" if X_test is None else "held-out"
    batch = "full" if batch_size is None else batch_size
    n_test = 0 if X_test is None else len(X_test)
    print(_described(net))
    print(f"data: {data.name}, {_counted(len(data), 'row')} " +
          (f"({len(X)} training, {n_test} held out)" if n_test else f"(all used for training: {why_all})") +
          (f", {scaling}" if scaling else ""))
    print(f"training: {_counted(history.epochs, 'epoch')} of {optimizer!r}, batch {batch}, "
          f"loss {losses.get(loss).name}, engine {engine}: {history.elapsed:.2f} s")
    held = f", held-out loss {_num(history.val_loss[-1])}" if history.val_loss else ""
    print(f"final loss {_num(history.loss[-1])}{held}")
    print(f"{where} {score_name}: " + (f"{value:.1%}" if classes else _num(value)) +
          f" ({_counted(len(X_eval), 'row')})")

    metadata = dict(extra, epochs=history.epochs, loss=losses.get(loss).name, final_loss=history.loss[-1],
                    history={"loss": history.loss, "val_loss": history.val_loss}, seed=seed,
                    feature_names=list(data.feature_names), holdout=n_test)
    metadata[f"{where.replace('-', '_')}_{score_name}"] = value
    net.save(out / "network.json", optimizer=optimizer, metadata=metadata, indent=1)
    written = ["network.json"] + _pictures(net, history, X_eval, Y_eval if classes else None, where, out, data)
    print(f"wrote {', '.join(written)} to {out.resolve()}")
    return 0


def _holdout(data, holdout):
    """``(share or rows held out, why all rows train)``: ``--holdout`` as given, else 0 for a
    truth table or fewer than :data:`SMALL_DATA` rows, else 0.25."""
    if holdout is None:
        if data.name in TRUTH_TABLES:
            return 0, f"{data.name} is a truth table, every case is needed; --holdout F holds some out"
        if len(data) < SMALL_DATA:
            return 0, f"fewer than {SMALL_DATA} rows; --holdout F holds some out"
        return 0.25, ""
    n = len(data)
    rows = holdout if isinstance(holdout, int) else math.ceil(holdout * n)
    if holdout and not 1 <= rows <= n - 1:
        raise NeuronsimError(f"--holdout {holdout}: would hold out {_counted(rows, 'row')} of {n}; "
                             f"hold out 1 to {n - 1} (or 0 for none)")
    return holdout, "--holdout 0"


def _preprocessing(net, X, data, standardize, source):
    """``(scaler for train, words for the data line)``: a saved network's own preprocessing is
    kept (never silently dropped, never refitted); ``--standardize`` fits one on the training rows."""
    current = net.preprocessing
    if current is not None:
        if standardize and current.kind != "standardize":
            raise NeuronsimError(
                f"{source}: the network already scales its inputs ({current.kind}, fitted when it was "
                "trained, and its weights fit that scaling); --standardize would replace it: leave it out "
                "to train on with the stored scaling")
        return None, f"inputs {_SCALED.get(current.kind, current.kind)} as stored with the network"
    if not standardize:
        return None, ""
    return (Scaler.fit(X, "standardize", names=data.feature_names),
            "inputs standardized with the training rows' mean and std (stored with the network)")


def _check_classes(net, data, source):
    """A saved classifier trains on data with the same class names, in the same order."""
    if net.classes is not None and data.classes is not None and tuple(net.classes) != tuple(data.classes):
        raise NeuronsimError(f"{source}: the network answers with classes {', '.join(map(str, net.classes))}, "
                             f"but the data {shown(data.name)} has classes {', '.join(data.classes)}")


def _pictures(net, history, X, labels, where, out, data):
    """Draw topology, loss and (for 2 inputs) decision-boundary PNGs into ``out``; return their names."""
    plot = _plotting()
    net.predict(X[0])     # live activations on the picture (as the neurons saw the first row)
    ax = plot.topology(net)
    ax.set_title(f"activations for the first {where} row", fontsize=9)
    written = [_save(ax.figure, out / "topology.png"),
               _save(plot.loss(history, metrics=labels is not None).figure, out / "loss.png")]
    if X.shape[1] == 2:
        ax = plot.decision_boundary(net, X, labels, class_names=data.classes if labels is not None else None)
        ax.set_title(f"{where} data", fontsize=9)
        ax.set_xlabel(data.feature_names[0])
        ax.set_ylabel(data.feature_names[1])
        written.append(_save(ax.figure, out / "decision_boundary.png"))
    return written


def _check_widths(net, data):
    for side, neurons, width, names in (("input", net.inputs, data.X.shape[1], data.feature_names),
                                        ("output", net.outputs, data.Y.shape[1], data.target_names)):
        if len(neurons) != width:
            raise ShapeError(
                f"the network has {_counted(len(neurons), side + ' neuron')} ({_names(neurons)}) but the data "
                f"{shown(data.name)} has {_counted(width, 'feature column' if side == 'input' else 'target column')} "
                f"({', '.join(names)})")


# --- networks, data and pictures ------------------------------------------------------------------

def _is_shorthand(text):
    return bool(_LOOKS_LAYERED.match(text)) and not _exists(text)


def _exists(text):
    """Whether a file or folder ``text`` exists (False for a name the system cannot even look up,
    such as one too long or holding a NUL byte)."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def _is_dir(text):
    try:
        return Path(text).is_dir()
    except (OSError, ValueError):
        return False


def _leading_width(text):
    digits = re.match(r"\s*(\d+)", text).group(1)
    return int(digits) if len(digits) <= 7 else None


def _network(text, seed, *, regression=False):
    """``(net, optimizer, metadata)`` for a ``NET`` argument (see :func:`load_network`)."""
    if not text.strip():
        raise NeuronsimError(f"empty network argument; give a {NET_HELP}")
    if _is_shorthand(text):
        return layered(text.strip(), 0 if seed is None else seed, regression=regression), None, None
    if _is_dir(text):
        inner = Path(text) / "network.json"
        hint = f"; did you mean {inner}?" if inner.is_file() else f"; NET is a {NET_HELP}"
        raise FileFormatError(f"{text}: is a folder, not a network file{hint}")
    return load_network(text, seed)


def _plotting():
    """The plot package, with matplotlib drawing to files only (no window, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from . import plot

    return plot


def _save(fig, path):
    import matplotlib.pyplot as plt

    kinds = fig.canvas.get_supported_filetypes()
    kind = path.suffix.lower().lstrip(".")
    try:
        if kind not in kinds:
            raise NeuronsimError(f"{path}: cannot write a {kind or 'suffix-less'} picture; use one of "
                                 f"{', '.join('.' + k for k in sorted(kinds))}")
        if path.is_dir():
            raise NeuronsimError(f"{path}: is a directory; -o names the picture file to write")
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path.name


# --- words and numbers ----------------------------------------------------------------------------

def _described(net):
    n_in, n_out = len(net.inputs), len(net.outputs)
    return (f"network: {_counted(len(net), 'neuron')} ({_counted(n_in, 'input')}, {_counted(n_out, 'output')}), "
            f"{_counted(net.graph.number_of_edges(), 'link')}")


def _counted(n, noun):
    """``1 row``, ``2 rows``, ``0 rows``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names(neurons, limit=None):
    names = [n.name for n in neurons]
    if limit is not None and len(names) > limit:
        names = names[:limit] + [f"... ({len(neurons)} in all)"]
    return ", ".join(names)


def _num(value, digits=4):
    """``value`` to ``digits`` significant digits, never ``-0``."""
    return f"{float(value) + 0.0:.{digits}g}"


def _rounded(values):
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _listed(neurons, values):
    return ", ".join(f"{n.name}={_num(v)}" for n, v in zip(neurons, values))


_LAYOUTS = {  # (heading, item, note) per --format
    "text": (lambda h: f"{h}:", lambda line: f"  {line}", lambda line: line),
    "markdown": (lambda h: f"\n#### {h}\n", lambda line: f"- {line}", lambda line: f"\n{line}"),
    "latex": (lambda h: f"% {h}", lambda line: f"\\[ {line} \\]", lambda line: f"% {line}"),
}


# --- the parser ------------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors cut to one bounded line (a value may be huge)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, _one_line(f"{self.prog}: error: {message}") + "\n")


def _numbers(text):
    """An argparse type: comma-separated finite numbers, e.g. ``1,0`` or ``-0.5,2e3``."""
    values = []
    for position, item in enumerate(text.split(","), start=1):
        try:
            value = float(item)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{shown(text, 60)} is not a list of numbers such as 1,0 "
                                             f"(value {position}: {shown(item, 40)})") from None
        if not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"value {position} ({shown(item, 40)}) is not a finite number "
                                             "(nan, inf or beyond the float range)")
        values.append(value)
    return values


def _target_argument(text):
    """An argparse type: numbers as :func:`_numbers` reads them, or one class name (text in which no
    item is a number), looked up in the network's classes later."""
    try:
        return _numbers(text)
    except argparse.ArgumentTypeError:
        if "," in text or not text.strip() or any(_is_float(item) for item in text.split(",")):
            raise
        return text.strip()


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _path(text):
    """An argparse type: a file or folder name (a NUL byte, which no system accepts, is refused)."""
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{shown(text, 60)}: a file name cannot hold a NUL byte")
    return text


def _loss(text):
    """An argparse type: a registered loss name or alias (``bce``, ``ce``, ``mse``, ...)."""
    try:
        return losses.get(text).name
    except NeuronsimError:
        raise argparse.ArgumentTypeError(f"unknown loss {shown(text, 60)}; known: {', '.join(losses.available())}"
                                         ) from None


def _checked(convert, ok, expected):
    """An argparse type: ``convert`` the text, then require ``ok(value)``."""
    def parse(text):
        try:
            value = convert(text)
            valid = ok(value)
        except (ValueError, OverflowError):
            valid = False
        if not valid:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {shown(text, 60)}")
        return value
    return parse


def _integer(text):
    text = text.strip()
    if len(text.lstrip("+-")) > 18:       # beyond every range below: no huge int conversions
        raise ValueError(text)
    return int(text)


def _holdout_value(text):
    text = text.strip()
    return _integer(text) if text.isdigit() else float(text)


_count = _checked(_integer, lambda v: 1 <= v <= 10**9, "an integer from 1 to 1000000000")
_seed = _checked(_integer, lambda v: 0 <= v <= 2**32 - 1, "an integer from 0 to 4294967295")
_precision = _checked(_integer, lambda v: 1 <= v <= 17, "an integer from 1 to 17")
_positive = _checked(float, lambda v: 0 < v < float("inf"), "a number > 0")
_momentum = _checked(float, lambda v: 0 <= v < 1, "a number in [0, 1)")
_batch = _checked(lambda t: None if t.strip() == "full" else _integer(t), lambda v: v is None or v >= 1,
                  "an integer >= 1 or 'full'")
_holdout_type = _checked(_holdout_value, lambda v: 0 <= v < 1 or isinstance(v, int),
                         "a fraction in [0, 1) or a number of rows")


def _parser():
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="neuronsim", formatter_class=formatter,
        description="A neuron-level neural network simulator: train networks, draw them, and watch "
                    "backpropagation neuron by neuron.",
        epilog="examples:\n  neuronsim demo\n"
               "  neuronsim train 4-8-3 --data iris --standardize --out iris-run\n"
               "  neuronsim predict iris-run/network.json --input 5.1,3.5,1.4,0.2\n"
               "  neuronsim plot iris-run/network.json -o topology.png\n"
               "  neuronsim explain net.json --input 1,0 --target 1\n  neuronsim check net.json\n\n"
               f"NET is a {NET_HELP}\n"
               "(hidden layers tanh unless written ACTIVATION:WIDTH, e.g. 2-relu:16-1).\n"
               "A saved network applies its stored preprocessing to every --input.\n"
               "Exit codes: 0 ok, 1 error (one line on stderr), 2 usage error.")
    parser.add_argument("--version", action="version", version=f"neuronsim {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, also print its traceback (may be given anywhere)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name, run, summary, **kwargs):
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=formatter,
                                  **kwargs)
        sub.set_defaults(run=run, usage=sub.error)
        return sub

    def net_argument(sub):
        sub.add_argument("net", type=_path, metavar="NET", help=NET_HELP)

    def input_argument(sub, required=False, help="one raw value per input neuron, e.g. -1,0 (the network's "
                                                  "stored preprocessing is applied)"):
        sub.add_argument("--input", type=_numbers, required=required, metavar="X1,X2,...", help=help)

    def case_arguments(sub, required=False):
        input_argument(sub, required)
        sub.add_argument("--target", type=_target_argument, metavar="T1,...|CLASS",
                         help="one value per output neuron, or a class name of the network")
        sub.add_argument("--loss", type=_loss, help=LOSS_RULE)

    sub = command("demo", _demo, "Train a 2-16-16-1 network on two moons and write its pictures.")
    sub.add_argument("--out", type=_path, default="neuronsim-demo", metavar="DIR",
                     help="output folder (default: %(default)s)")
    sub.add_argument("--seed", type=_seed, default=0, help="seed of data, weights and shuffling (default: 0)")
    sub.add_argument("--epochs", type=_count, default=100, help="epochs (default: 100)")

    sub = command("train", _train, "Train a network on a built-in data set or a CSV file; save it and its plots.",
                  epilog=f"data sets: {', '.join(datasets.available())}\n"
                         "(parity and encoder take their size from the network's inputs).\n"
                         "CSV: a header row, numeric feature columns and a label column (default: the last).\n"
                         "--task auto: text or integer labels are classes (a 0/1 column for two, one-hot for\n"
                         "more), other numbers are regression targets; a shorthand's output layer is then\n"
                         "identity, trained with squared error.\n"
                         "Held out by default: 25% of the rows, none for truth tables (xor, parity, encoder,\n"
                         f"negation, mirror_symmetry) and sets under {SMALL_DATA} rows.\n"
                         f"{DIGITS_RECIPE}\n"
                         "A saved network resumes with its saved optimizer unless --optimizer or --lr is given,\n"
                         "and keeps its stored preprocessing and class names.\n"
                         "Writes DIR/network.json, DIR/loss.png, DIR/topology.png and, for 2 inputs,\n"
                         "DIR/decision_boundary.png.")
    net_argument(sub)
    sub.add_argument("--data", type=_path, required=True, metavar="NAME|FILE.csv", help="built-in data set or CSV file")
    sub.add_argument("--label", metavar="COLUMN", help="CSV label column (default: the last column)")
    sub.add_argument("--task", choices=("auto", "classify", "regress"), default="auto",
                     help="are the CSV labels classes or numbers to predict (default: auto)")
    sub.add_argument("--out", type=_path, required=True, metavar="DIR", help="output folder (made if missing)")
    sub.add_argument("--epochs", type=_count, default=100, help="epochs (default: 100)")
    sub.add_argument("--optimizer", choices=("adam", "sgd"), help="default: adam")
    sub.add_argument("--lr", type=_positive, help="learning rate (default: 0.01 for adam, 0.1 for sgd)")
    sub.add_argument("--momentum", type=_momentum, help="sgd momentum (default: 0.9)")
    sub.add_argument("--batch-size", type=_batch, default=16, metavar="N|full",
                     help="cases per update, or full sweeps (default: 16)")
    sub.add_argument("--loss", type=_loss, help=LOSS_RULE)
    sub.add_argument("--seed", type=_seed, help="seed of weights, split and shuffling (default: 0; the spec's own "
                     "seed, if any, for its weights)")
    sub.add_argument("--engine", choices=("fast", "object"), default="fast",
                     help="fast: batched numpy; object: neuron by neuron (same results up to rounding; default: fast)")
    sub.add_argument("--holdout", "--test-size", dest="holdout", type=_holdout_type, metavar="FRACTION|N",
                     help="held-out share (or number) of the rows, 0 for none (default: 0.25; 0 for truth "
                          f"tables and sets under {SMALL_DATA} rows)")
    sub.add_argument("--standardize", action="store_true",
                     help="scale features to mean 0, std 1 with the training rows' statistics (stored with the "
                          "network and applied to every later --input)")

    sub = command("predict", _predict,
                  "Answer for raw cases: the class and the probability of each class, or the output values.",
                  epilog="Writes CSV with a header: one row per case. The network's stored preprocessing is\n"
                         "applied. A --data CSV gives its columns by the names the training data had, or one\n"
                         "column per input (plus at most one label column, left out).")
    net_argument(sub)
    input_argument(sub, help="one case: one raw value per input, e.g. 5.1,3.5,1.4,0.2")
    sub.add_argument("--data", type=_path, metavar="FILE.csv|NAME",
                     help="cases to answer: a CSV file or a built-in data set")
    sub.add_argument("--label", metavar="COLUMN", help="a CSV column to leave out (the labels)")
    sub.add_argument("-o", "--output", type=_path, metavar="FILE.csv",
                     help="write the answers here (default: standard output)")
    sub.add_argument("--seed", type=_seed, help="weight seed for a spec or shorthand (default: 0)")

    sub = command("plot", _plot, "Draw a network's topology to a picture file.")
    net_argument(sub)
    sub.add_argument("-o", "--output", type=_path, default="topology.png", metavar="FILE",
                     help="picture file: .png, .svg, .pdf, ... (default: %(default)s)")
    sub.add_argument("--color", choices=("activation", "delta", "bias", "none"), default="activation",
                     help="what colours the neurons (default: activation)")
    sub.add_argument("--edge-color", choices=("weight", "grad"), default="weight",
                     help="what colours the links (default: weight)")
    sub.add_argument("--values", action="store_true", help="write each neuron's value under it")
    sub.add_argument("--layout", default="layered",
                     help="layered (default), spring, kamada_kawai, circular, shell, spectral, ...")
    sub.add_argument("--seed", type=_seed, help="weight seed for a spec or shorthand (default: 0)")
    case_arguments(sub)

    sub = command("explain", _explain,
                  "Print a forward and a backward pass, neuron by neuron, with every equation and its numbers.")
    net_argument(sub)
    case_arguments(sub, required=True)
    sub.add_argument("--neuron", metavar="NAME", help="only this neuron: its activation, δ and gradients")
    sub.add_argument("--grads", action="store_true", help="also print every weight's and bias's gradient")
    sub.add_argument("--format", choices=tuple(_LAYOUTS), default="text", help="default: text")
    sub.add_argument("--precision", type=_precision, default=4, help="significant digits, 1 to 17 (default: 4)")
    sub.add_argument("--seed", type=_seed, help="weight seed for a spec or shorthand (default: 0)")
    sub.add_argument("--html", type=_path, metavar="PAGE",
                     help="also write PAGE, a self-contained HTML page stepping through the pass "
                          "(Previous/Next, slider, arrow keys; open PAGE#step=N at step N)")

    sub = command("check", _check, "Validate a network and check its backprop gradients against finite differences.",
                  epilog="Without --input/--target a random case is drawn with --seed. Exit 0 when the gradients\n"
                         "agree, 1 when they do not.")
    net_argument(sub)
    case_arguments(sub)
    sub.add_argument("--oracle", choices=("finite_difference", "autograd", "both"), default="finite_difference",
                     help="the reference gradients (default: finite_difference)")
    sub.add_argument("--seed", type=_seed,
                     help="seed of a spec's or shorthand's weights and of the random case (default: 0)")
    return parser
