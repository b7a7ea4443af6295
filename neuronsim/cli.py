"""The ``neuronsim`` command line: ``demo``, ``train``, ``plot``, ``explain`` and ``check``.

Run ``neuronsim --help`` or ``neuronsim COMMAND --help`` (also ``python -m neuronsim``). Exit
codes: 0 success; 1 an error in a file, spec, data set or option value, reported on one line of
standard error as ``neuronsim: error: ...``; 2 a usage error (argparse's own message). Any other
exception is a bug and keeps its traceback.

Every command names a network the same way (``NET``): a saved network, a spec file or a layered
shorthand such as ``2-8-1`` (see :func:`neuronsim._cli_data.load_network`). Nothing in the
package imports this module.

Examples
--------
>>> main(["check", "2-3-1"])
network: 6 neurons (2 inputs, 1 output), 9 links
case: x = [0.1257, -0.1321], target = [0.04097], loss binary_cross_entropy
gradcheck ok: worst ...
0
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from . import datasets, losses, metrics, optim
from ._cli_data import layered, load_data, load_network
from .errors import NeuronsimError, ShapeError
from .gradcheck import gradcheck
from .training import train

__all__ = ["main"]

DEMO_SPEC = "2-tanh:16-tanh:16-sigmoid:1"
NET_HELP = "saved network (.json), spec file (.json/.yaml) or layered shorthand like 2-8-1"
LOSS_RULE = ("default: softmax_cross_entropy for several identity outputs, binary_cross_entropy for "
             "sigmoid outputs, else squared_error")


def main(argv=None):
    """Run the command line; return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 success; 1 an error reported on one line of standard error; 2 a usage error (and 0
        after ``--help``), as argparse reports them.

    Examples
    --------
    >>> main(["explain", "1-1", "--input", "2", "--target", "1", "--seed", "3"])
    forward pass, a = f(b + Σ w·a), input x1=2:
      a[x1] = 2 (input, clamped)
      a[o1] = sigmoid(b[o1]=0 + w[x1→o1]=... × a[x1]=2) = sigmoid(...) = ...
    backward pass, δ_j = f′(z_j) (∂C/∂a_j + Σ_k w_jk δ_k), target o1=1, loss binary_cross_entropy:
      δ[o1] = ∂C/∂z (binary_cross_entropy)=... = ...
      loss C = ...
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except SystemExit as exit:      # argparse: --help (0) or a usage error (2)
        return 0 if exit.code is None else exit.code
    except NeuronsimError as err:
        return _fail(str(err))
    except BrokenPipeError:         # e.g. `neuronsim explain ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as err:     # e.g. an output folder that cannot be made
        return _fail(f"{err.filename}: {err.strerror}" if err.filename and err.strerror else str(err))
    except KeyboardInterrupt:
        print("neuronsim: interrupted", file=sys.stderr)
        return 130


def _fail(message):
    print(f"neuronsim: error: {' '.join(message.split())}", file=sys.stderr)
    return 1


# --- commands -----------------------------------------------------------------------------------

def _demo(args):
    """Two moons, a 2-16-16-1 tanh network, Adam: the README's first run."""
    data = datasets.moons(n=300, noise=0.15, seed=args.seed)
    net = layered(DEMO_SPEC, args.seed)
    print(f"neuronsim demo: a {DEMO_SPEC} network learns to separate two noisy moons")
    return _fit(net, data, loss="binary_cross_entropy", optimizer=optim.Adam(lr=0.005), epochs=args.epochs,
                batch_size=16, seed=args.seed, engine="fast", test_size=0.25, standardize=False,
                out=Path(args.out), extra={"command": "demo", "spec": DEMO_SPEC, "data": "moons"})


def _train(args):
    net, saved_optimizer, _ = load_network(args.net, args.seed)
    data = load_data(args.data, args.label)
    return _fit(net, data, loss=args.loss or _default_loss(net), optimizer=_optimizer(args, saved_optimizer),
                epochs=args.epochs, batch_size=args.batch_size, seed=0 if args.seed is None else args.seed,
                engine=args.engine, test_size=args.test_size, standardize=args.standardize, out=Path(args.out),
                extra={"command": "train", "spec": args.net, "data": args.data})


def _optimizer(args, saved):
    """The optimizer the options ask for; else a saved network's own, which resumes with its state."""
    if args.momentum is not None and args.optimizer != "sgd":
        args.usage("--momentum needs --optimizer sgd")
    if saved is not None and args.optimizer is None and args.lr is None:
        return saved
    if (args.optimizer or "adam") == "adam":
        return optim.Adam(lr=0.01 if args.lr is None else args.lr)
    return optim.SGD(lr=0.1 if args.lr is None else args.lr, momentum=0.9 if args.momentum is None else args.momentum)


def _plot(args):
    if args.target is not None and args.input is None:
        args.usage("--target needs --input")
    if (args.color == "delta" or args.edge_color == "grad") and args.target is None:
        args.usage("δ and gradient colours need a backward pass: give --input and --target")
    net, _, _ = load_network(args.net, args.seed)
    if args.input is not None:
        net.forward(args.input)
    if args.target is not None:
        net.zero_grad()
        net.backward(args.target, args.loss or _default_loss(net))
    topology = _plotting().topology
    ax = topology(net, node_color=None if args.color == "none" else args.color, edge_color=args.edge_color,
                  values=args.values, layout=args.layout)
    _save(ax.figure, Path(args.output))
    print(f"wrote {args.output}")
    return 0


def _explain(args):
    net, _, _ = load_network(args.net, args.seed)
    chosen = None if args.neuron is None else net[args.neuron]
    heading, item = _LAYOUTS[args.format]

    def say(name, kind="delta"):
        print(item(net.explain(name, kind, args.format, args.precision)))

    steps = net.forward_steps(args.input)  # checks the input's width before any output
    print(heading(f"forward pass, a = f(b + Σ w·a), input {_listed(net.inputs, args.input)}"))
    for step in steps:
        if chosen in (None, step.neuron):
            say(step.neuron.name, "activation")
    if args.target is None:
        print(f"output {_listed(net.outputs, [n.a for n in net.outputs])}")
        return 0
    loss = args.loss or _default_loss(net)
    net.zero_grad()
    steps = net.backward_steps(args.target, loss)
    print(heading(f"backward pass, δ_j = f′(z_j) (∂C/∂a_j + Σ_k w_jk δ_k), target "
                  f"{_listed(net.outputs, args.target)}, loss {losses.get(loss).name}"))
    for step in steps:
        neuron = step.neuron
        if chosen in (None, neuron):
            say(neuron.name)
        if chosen is neuron or (chosen is None and args.grads):
            for src, _ in neuron.upstream:
                say((src.name, neuron.name))
            say(neuron.name, "bias")
    if chosen is not None and chosen in net.inputs:
        print(item(f"({chosen.name} is an input: inputs are clamped and have no δ)"))
    print(item(f"loss C = {step.loss:.{args.precision}g}"))
    return 0


def _check(args):
    net, _, _ = load_network(args.net, args.seed)
    loss = losses.get(args.loss or _default_loss(net))
    rng = np.random.default_rng(0 if args.seed is None else args.seed)
    n_in, n_out = len(net.inputs), len(net.outputs)
    x = args.input if args.input is not None else rng.normal(size=n_in).tolist()
    target = args.target if args.target is not None else _random_target(loss, n_out, rng)
    report = gradcheck(net, x, target, loss, oracle=args.oracle)
    print(_described(net))
    print(f"case: x = {_rounded(x)}, target = {_rounded(target)}, loss {loss.name}")
    print(report.describe())
    return 0 if report.ok else 1


# --- training shared by demo and train ------------------------------------------------------------

def _fit(net, data, *, loss, optimizer, epochs, batch_size, seed, engine, test_size, standardize, out, extra):
    """Split, train, evaluate, then write network.json and the plots into ``out``."""
    _check_widths(net, data)
    classes = data.labels is not None
    X, Y = data.X, data.Y
    if test_size:
        X, X_test, Y, Y_test = datasets.train_test_split(X, Y, test_size=test_size, seed=seed,
                                                         stratify=data.labels if classes else None)
    else:
        X_test = Y_test = None
    scaling = None
    if standardize:
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[np.ptp(X, axis=0) == 0] = 1.0     # a constant column is only centred
        X = (X - mean) / scale
        X_test = None if X_test is None else (X_test - mean) / scale
        scaling = {"mean": mean.tolist(), "std": scale.tolist()}
    if out.exists() and not out.is_dir():
        raise NeuronsimError(f"{out}: exists and is not a folder; --out names the folder to write into")
    out.mkdir(parents=True, exist_ok=True)
    history = train(net, X, Y, loss=loss, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                    seed=seed, engine=engine, metrics=("accuracy",) if classes else (),
                    validation=None if X_test is None else (X_test, Y_test), progress=True)
    score_name, score = ("accuracy", metrics.accuracy) if classes else ("mse", metrics.mse)
    X_eval, Y_eval = (X, Y) if X_test is None else (X_test, Y_test)
    value = float(score(Y_eval, net.predict(X_eval)))
    where = "training" if X_test is None else "held-out"
    batch = "full" if batch_size is None else batch_size
    print(_described(net))
    print(f"data: {data.name}, {len(data)} rows ({len(X)} training, {0 if X_test is None else len(X_test)} "
          f"held out){', standardized' if standardize else ''}")
    print(f"training: {history.epochs} epochs of {optimizer!r}, batch {batch}, loss {losses.get(loss).name}, "
          f"engine {engine}: {history.elapsed:.2f} s")
    held = f", held-out loss {history.val_loss[-1]:.4g}" if history.val_loss else ""
    print(f"final loss {history.loss[-1]:.4g}{held}")
    print(f"{where} {score_name}: " + (f"{value:.1%}" if classes else f"{value:.4g}") + f" ({len(X_eval)} rows)")

    metadata = dict(extra, epochs=history.epochs, loss=losses.get(loss).name, final_loss=history.loss[-1],
                    history={"loss": history.loss, "val_loss": history.val_loss}, standardize=scaling, seed=seed)
    metadata[f"{where.replace('-', '_')}_{score_name}"] = value
    net.save(out / "network.json", optimizer=optimizer, metadata=metadata, indent=1)
    written = ["network.json"] + _pictures(net, history, X_eval, Y_eval if classes else None, where, out)
    print(f"wrote {', '.join(written)} to {out.resolve()}")
    return 0


def _pictures(net, history, X, labels, where, out):
    """Draw topology, loss and (for 2 inputs) decision-boundary PNGs into ``out``; return their names."""
    plot = _plotting()
    net.forward(X[0])     # live activations on the picture
    ax = plot.topology(net)
    ax.set_title(f"activations for the first {where} row", fontsize=9)
    written = [_save(ax.figure, out / "topology.png"),
               _save(plot.loss(history, metrics=labels is not None).figure, out / "loss.png")]
    if X.shape[1] == 2:
        ax = plot.decision_boundary(net, X, labels)
        ax.set_title(f"{where} data", fontsize=9)
        written.append(_save(ax.figure, out / "decision_boundary.png"))
    return written


def _check_widths(net, data):
    for side, neurons, width, names in (("input", net.inputs, data.X.shape[1], data.feature_names),
                                        ("output", net.outputs, data.Y.shape[1], data.target_names)):
        if len(neurons) != width:
            raise ShapeError(
                f"the network has {len(neurons)} {side} neuron{'s' * (len(neurons) != 1)} "
                f"({', '.join(n.name for n in neurons)}) but the data {data.name!r} has {width} "
                f"{'feature' if side == 'input' else 'target'} column{'s' * (width != 1)} ({', '.join(names)})")


def _default_loss(net):
    names = [n.activation.name for n in net.outputs]
    if len(names) > 1 and set(names) == {"identity"}:
        return "softmax_cross_entropy"
    if set(names) == {"sigmoid"}:
        return "binary_cross_entropy"
    return "squared_error"


def _random_target(loss, width, rng):
    if loss.name == "softmax_cross_entropy":
        return np.eye(width)[rng.integers(width)].tolist()
    low, high = loss.target_range or (-1.0, 1.0)
    return rng.uniform(low, high, size=width).tolist()


# --- networks, data and pictures ------------------------------------------------------------------

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
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return path.name


def _described(net):
    n_in, n_out = len(net.inputs), len(net.outputs)
    return (f"network: {len(net)} neurons ({n_in} input{'s' * (n_in != 1)}, "
            f"{n_out} output{'s' * (n_out != 1)}), {net.graph.number_of_edges()} links")


def _rounded(values):
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def _listed(neurons, values):
    return ", ".join(f"{n.name}={v:.4g}" for n, v in zip(neurons, values))


_LAYOUTS = {  # (heading, item) per --format
    "text": (lambda h: f"{h}:", lambda line: f"  {line}"),
    "markdown": (lambda h: f"\n#### {h}\n", lambda line: f"- {line}"),
    "latex": (lambda h: f"% {h}", lambda line: f"\\[ {line} \\]"),
}


# --- the parser ------------------------------------------------------------------------------------

def _numbers(text):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of numbers such as 1,0") from None
    if not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"{text!r}: values must be finite")
    return values


def _checked(convert, ok, expected):
    """An argparse type: ``convert`` the text, then require ``ok(value)``."""
    def parse(text):
        try:
            value = convert(text)
            valid = ok(value)
        except ValueError:
            valid = False
        if not valid:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


_count = _checked(int, lambda v: v >= 1, "an integer >= 1")
_seed = _checked(int, lambda v: v >= 0, "an integer >= 0")
_positive = _checked(float, lambda v: 0 < v < float("inf"), "a number > 0")
_batch = _checked(lambda t: None if t == "full" else int(t), lambda v: v is None or v >= 1, "an integer >= 1 or 'full'")
_test_size = _checked(lambda t: int(t) if t.isdigit() else float(t), lambda v: 0 <= v < 1 or isinstance(v, int),
                      "a fraction in [0, 1) or a number of rows")


def _parser():
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="neuronsim", formatter_class=formatter,
        description="A neuron-level neural network simulator: train networks, draw them, and watch "
                    "backpropagation neuron by neuron.",
        epilog="examples:\n  neuronsim demo\n  neuronsim train 4-8-3 --data iris --out iris-run\n"
               "  neuronsim plot iris-run/network.json -o topology.png\n"
               "  neuronsim explain net.json --input 1,0 --target 1\n  neuronsim check net.json\n\n"
               f"NET is a {NET_HELP}\n"
               "(hidden layers tanh unless written ACTIVATION:WIDTH, e.g. 2-relu:16-1).\n"
               "Exit codes: 0 ok, 1 error (one line on stderr), 2 usage error.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name, run, summary, **kwargs):
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=formatter,
                                  **kwargs)
        sub.set_defaults(run=run, usage=sub.error)
        return sub

    def net_argument(sub):
        sub.add_argument("net", metavar="NET", help=NET_HELP)

    def case_arguments(sub, required=False):
        sub.add_argument("--input", type=_numbers, required=required, metavar="X1,X2,...",
                         help="one value per input neuron (write --input=-1,0 for a leading minus)")
        sub.add_argument("--target", type=_numbers, metavar="T1,...", help="one value per output neuron")
        sub.add_argument("--loss", choices=losses.available(), help=LOSS_RULE)

    sub = command("demo", _demo, "Train a 2-16-16-1 network on two moons and write its pictures.")
    sub.add_argument("--out", default="neuronsim-demo", metavar="DIR",
                     help="output folder (default: %(default)s)")
    sub.add_argument("--seed", type=_seed, default=0, help="seed of data, weights and shuffling (default: 0)")
    sub.add_argument("--epochs", type=_count, default=100, help="epochs (default: 100)")

    sub = command("train", _train, "Train a network on a built-in data set or a CSV file; save it and its plots.",
                  epilog=f"data sets: {', '.join(datasets.available())}\n"
                         "CSV: a header row, numeric feature columns and a label column (default: the last).\n"
                         "Labels that are not numbers (or are all 0/1) are classes: a 0/1 column for two,\n"
                         "one-hot for more; other numeric labels are regression targets.\n"
                         "A saved network resumes with its saved optimizer unless --optimizer or --lr is given.\n"
                         "Writes DIR/network.json, DIR/loss.png, DIR/topology.png and, for 2 inputs,\n"
                         "DIR/decision_boundary.png.")
    net_argument(sub)
    sub.add_argument("--data", required=True, metavar="NAME|FILE.csv", help="built-in data set or CSV file")
    sub.add_argument("--label", metavar="COLUMN", help="CSV label column (default: the last column)")
    sub.add_argument("--out", required=True, metavar="DIR", help="output folder (made if missing)")
    sub.add_argument("--epochs", type=_count, default=100, help="epochs (default: 100)")
    sub.add_argument("--optimizer", choices=("adam", "sgd"), help="default: adam")
    sub.add_argument("--lr", type=_positive, help="learning rate (default: 0.01 for adam, 0.1 for sgd)")
    sub.add_argument("--momentum", type=float, help="sgd momentum (default: 0.9)")
    sub.add_argument("--batch-size", type=_batch, default=16, metavar="N|full",
                     help="cases per update, or full sweeps (default: 16)")
    sub.add_argument("--loss", choices=losses.available(), help=LOSS_RULE)
    sub.add_argument("--seed", type=_seed, help="seed of weights, split and shuffling (default: 0; the spec's own "
                     "seed, if any, for its weights)")
    sub.add_argument("--engine", choices=("fast", "object"), default="fast",
                     help="fast: batched numpy; object: neuron by neuron (same results up to rounding; default: fast)")
    sub.add_argument("--test-size", type=_test_size, default=0.25, metavar="FRACTION|N",
                     help="held-out share (or number) of the rows, 0 for none (default: 0.25)")
    sub.add_argument("--standardize", action="store_true",
                     help="scale features to mean 0, std 1 with the training rows' statistics")

    sub = command("plot", _plot, "Draw a network's topology to a picture file.")
    net_argument(sub)
    sub.add_argument("-o", "--output", default="topology.png", metavar="FILE",
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
    sub.add_argument("--precision", type=_count, default=4, help="significant digits (default: 4)")
    sub.add_argument("--seed", type=_seed, help="weight seed for a spec or shorthand (default: 0)")

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
