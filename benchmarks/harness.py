"""What every benchmark shares: result records, interleaved timing, the machine header, the table,
the README and the figure.

A benchmark function measures one workload against its peers *in the same run* and returns a list
of :class:`Result` records, one per target of issue 17 / issue 13: our figure, the peer's figure,
their ratio, the target and whether it was met (PASS / MISS), or INFO (a figure with no target) or
SKIP (a peer that is not installed). :func:`table` prints them; :func:`write_readme` and
:func:`plot` write ``README.md`` and ``figures.png``.
"""

import argparse
import datetime
import gc
import math
import os
import platform
import sys
import textwrap
import time
from dataclasses import dataclass, field

import numpy as np

from neuronsim._gc import paused_gc  # noqa: F401  (builds are timed with GC paused as neuronsim pauses it)

PASS, MISS, INFO, SKIP, ERROR = "PASS", "MISS", "INFO", "SKIP", "ERROR"


@dataclass
class Result:
    """One line of the table: a workload's figure against one peer (or an absolute bound).

    ``ratio`` is ``ours / theirs`` when ``ratio_of`` is "ours/theirs" (a time ratio: the target is
    an upper bound) and ``theirs / ours`` when it is "theirs/ours" (a speed-up: the target is a
    lower bound); for an absolute target (``theirs`` None) it is our figure itself.
    """

    row: str
    ours: float = None
    unit: str = ""
    peer: str = ""
    theirs: float = None
    ratio: float = None
    ratio_name: str = ""
    op: str = None             # "<=" or ">=" (None: no target, INFO)
    bound: float = None
    target_unit: str = "x"
    note: str = ""
    skipped: str = ""          # why the peer or the row was not measured
    error: str = ""            # the exception that stopped the workload
    either: str = ""           # rows with the same non-empty key: met when ANY of them is met
    ratio_of: str = "ours/theirs"   # or "theirs/ours" (a speed-up)
    extra: dict = field(default_factory=dict)

    @property
    def status(self):
        if self.error:
            return ERROR
        if self.skipped:
            return SKIP
        if self.op is None or self.ratio is None:
            return INFO
        met = self.ratio <= self.bound if self.op == "<=" else self.ratio >= self.bound
        return PASS if met else MISS

    @property
    def target(self):
        if self.op is None:
            return "none (figure only)"
        sign = "≤" if self.op == "<=" else "≥"
        bound = f"{self.bound:g}×" if self.target_unit == "x" else f"{self.bound:g} {self.target_unit}"
        prefix = f"{self.ratio_name} " if self.ratio_name else ""
        return f"{prefix}{sign} {bound}"

    @property
    def ratio_text(self):
        if self.ratio is None or self.target_unit != "x":   # an absolute target: see our figure
            return "—"
        return f"{_sig(self.ratio)}×"


def compare(row, ours, theirs, *, unit, peer, ratio_of="ours/theirs", op=None, bound=None, ratio_name=None,
            note="", either=""):
    """A Result of our figure against a peer's; ``ratio_of`` says which way the ratio is taken."""
    if ratio_of == "ours/theirs":
        ratio = ours / theirs
        name = ratio_name or f"ours/{_short(peer)}"
    else:
        ratio = theirs / ours
        name = ratio_name or f"{_short(peer)}/ours"
    return Result(row=row, ours=ours, unit=unit, peer=peer, theirs=theirs, ratio=ratio, ratio_name=name, op=op,
                  bound=bound, note=note, either=either, ratio_of=ratio_of)


def absolute(row, value, *, unit, op, bound, note=""):
    """A Result of one figure against an absolute bound (bytes per link, accuracy)."""
    return Result(row=row, ours=value, unit=unit, ratio=value, op=op, bound=bound, target_unit=unit, note=note)


def skipped(row, peer, reason, *, unit="", ours=None, either="", op=None, bound=None, ratio_name=""):
    """A Result whose peer was not measured (e.g. "not installed"); the target it would have had."""
    return Result(row=row, ours=ours, unit=unit, peer=peer, skipped=reason, either=either, op=op, bound=bound,
                  ratio_name=ratio_name)


def failed(row, error):
    """A Result for a workload that raised ``error`` (the run goes on with the next workload)."""
    return Result(row=row, error=f"{type(error).__name__}: {error}"[:200])


def _short(peer):
    return peer.split(" (")[0].replace("hand-written ", "")


def _sig(value):
    """Three significant figures, without scientific notation for the sizes we print."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:,.{digits}f}"


def figure(value, unit):
    return "—" if value is None else f"{_sig(value)} {unit}".strip()


# --- timing -------------------------------------------------------------------------------------

def best_of(repeats, fn, collect=False, warmup=True):
    """The best wall time of ``repeats`` calls of ``fn()``, in seconds (see :func:`interleaved`)."""
    return interleaved(repeats, {"fn": fn}, collect=collect, warmup=warmup)["fn"]


# Before each timed call: the previous contender's thread pools (OpenBLAS, torch's OpenMP) keep
# spinning for a while after their last task, and would take a core from the next contender
# (measured on 2 cores: hand-written torch's W2 epoch 149 ms right after numpy's, 87 ms alone).
SETTLE = 0.2


def interleaved(repeats, fns, collect=False, warmup=True, settle=0.0):
    """Best wall time of each of ``fns`` (a dict name -> callable), calling them in turn.

    Alternating ours and the peers round by round makes the comparison fair on a busy machine:
    a burst of load from other processes hits every contender, not one. What a call returns is
    freed after the clock stops (freeing a million-link graph is not part of building it); with
    ``collect``, a full garbage collection runs before every call, outside the clock. With
    ``warmup``, each is called once, untimed, first (compiling, exporting, first-call costs).
    With ``settle`` (seconds; :data:`SETTLE` for workloads whose peers use thread pools), each
    timed call starts after that pause. Micro-workloads go without: the pause leaves caches cold.
    """
    if warmup:
        for fn in fns.values():
            fn()
    best = {name: float("inf") for name in fns}
    for _ in range(max(1, repeats)):
        for name, fn in fns.items():
            if collect:
                gc.collect()
            if settle:
                time.sleep(settle)
            start = time.perf_counter()
            result = fn()
            best[name] = min(best[name], time.perf_counter() - start)
            del result
    return best


# --- optional peers and threads -------------------------------------------------------------------

def optional(module):
    """The module, or None when it is not installed."""
    try:
        return __import__(module)
    except ImportError:
        return None


def blas_info():
    """numpy's BLAS (library, version, threads) from threadpoolctl; None without threadpoolctl."""
    threadpoolctl = optional("threadpoolctl")
    if threadpoolctl is None:
        return None
    pools = threadpoolctl.threadpool_info()
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    blas = [p for p in pools if p.get("user_api") == "blas"]
    ours = [p for p in blas if "numpy" in p.get("filepath", "")] or blas
    return {"numpy": ours[0] if ours else None, "all": pools, "numpy_dir": numpy_dir}


_limits = None
_threads = None


def threads():
    """The thread count :func:`set_threads` gave numpy's BLAS and torch (None: not known)."""
    return _threads


def same_threads():
    """Keyword arguments that make ``neuronsim.train`` use the peers' BLAS thread count.

    ``train(blas_threads="auto")`` (its default) drops to one BLAS thread on a busy machine;
    the peers keep theirs, so the benchmarks pass the count they share (None: BLAS as it is).
    Empty for a ``train`` without that parameter.
    """
    import inspect

    import neuronsim

    return {"blas_threads": _threads} if "blas_threads" in inspect.signature(neuronsim.train).parameters else {}


def set_threads(threads=None):
    """Give numpy's BLAS and torch the same thread count; returns it (None: left as it is).

    Without a count, torch is given numpy's BLAS thread count (read with threadpoolctl). With a
    count, numpy's BLAS is limited to it too (needs threadpoolctl).
    """
    global _limits, _threads
    info = blas_info()
    if threads is not None and info is not None:
        threadpoolctl = optional("threadpoolctl")
        _limits = threadpoolctl.threadpool_limits(limits=threads, user_api="blas")
    elif threads is None and info is not None and info["numpy"] is not None:
        threads = info["numpy"]["num_threads"]
    torch = optional("torch")
    if torch is not None and threads is not None:
        torch.set_num_threads(threads)
    _threads = threads
    return threads


# --- the header, the table, the README and the figure ---------------------------------------------

def _version(module):
    mod = optional(module)
    return "not installed" if mod is None else getattr(mod, "__version__", "?")


def machine_header(scale=1.0, repeats=None):
    """Lines describing the run: date, versions, cores, BLAS and threads, load."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"date: {now}",
             f"python {platform.python_version()} on {platform.system()} {platform.machine()}; "
             f"numpy {np.__version__}, networkx {_version('networkx')}, torch {_version('torch')}, "
             f"scipy {_version('scipy')}, scikit-learn {_version('sklearn')}, "
             f"micrograd {'installed' if optional('micrograd') else 'not installed'}",
             f"cores: os.cpu_count() = {os.cpu_count()}"]
    info = blas_info()
    if info is None:
        lines.append("BLAS: unknown (threadpoolctl not installed: pip install threadpoolctl)")
    else:
        blas = info["numpy"]
        if blas is not None:
            lines.append(f"BLAS (numpy): {blas.get('internal_api')} {blas.get('version')}, "
                         f"{blas.get('num_threads')} threads ({blas.get('threading_layer', '?')})")
        others = sorted({f"{p.get('prefix')} ({p.get('internal_api')} {p.get('version') or ''}".rstrip()
                         + f", {p.get('num_threads')} threads)" for p in info["all"] if p is not blas})
        if others:
            lines.append("other thread pools loaded: " + "; ".join(others))
    torch = optional("torch")
    if torch is not None:
        cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA"
        lines.append(f"torch: get_num_threads() = {torch.get_num_threads()}, {cuda}")
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()
        lines.append("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in load))
        if load[0] > 0.5 * (os.cpu_count() or 1):
            lines.append("NOTE: measured under load (other processes share the cores): the figures are noisy; "
                         "re-run on an idle machine")
    if scale != 1.0:
        lines.append(f"scale: {scale:g} (sizes shrunk for a smoke test: the figures are NOT the issue's workloads)")
    if repeats is not None:
        lines.append(f"repeats: best of {repeats}, ours and peers interleaved")
    return lines


COLUMNS = ("workload", "neuronsim", "peer", "peer's figure", "ratio", "target", "result", "notes")


def _cells(result, first=True):
    status = result.status
    if result.skipped:
        status = f"{SKIP} ({result.skipped})"
    if result.error:
        status = f"{ERROR} ({result.error})"
    return (result.row if first else "", figure(result.ours, result.unit), result.peer or "—",
            figure(result.theirs, result.unit) if result.theirs is not None else "—",
            result.ratio_text, result.target, status, result.note)


def table(results):
    """A markdown table (padded so that it also reads as plain text) of the results; a workload's
    name is written on its first line only."""
    rows = [COLUMNS] + [_cells(r, n == 0 or results[n - 1].row != r.row) for n, r in enumerate(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def summary(results):
    """One line: how many targets were met (rows sharing an ``either`` key count once)."""
    verdicts = {}
    for r in results:
        if r.status in (PASS, MISS):
            key = r.either or id(r)
            verdicts[key] = verdicts.get(key, False) or r.status == PASS
    met = sum(verdicts.values())
    errors = sum(r.status == ERROR for r in results)
    return (f"targets met: {met} of {len(verdicts)}"
            + (" (an 'either' pair counts once)" if any(r.either for r in results) else "")
            + (f"; {errors} workload(s) failed: see ERROR" if errors else ""))


def write_readme(path, results, header, command, figure_name="figures.png"):
    """``README.md``: the table, the machine it ran on, and how to re-run it."""
    text = "\n".join([
        "# Benchmarks",
        "",
        "Each workload is measured against its peers in the same run (best of several, ours and the",
        "peers interleaved), and each ratio is checked against its target from issue 17 (speed) and",
        "issue 13 (the torch engine). PASS / MISS: target met or not; INFO: a figure with no target;",
        "SKIP: a peer that is not installed. Ratios hold on the machine that ran them; absolute",
        "figures do not travel.",
        "",
        "## Latest run",
        "",
        "```text",
        *header,
        "```",
        "",
        "<!-- table:start -->",
        table(results),
        "<!-- table:end -->",
        "",
        summary(results),
        "",
        f"![ratios against each peer, with the targets]({figure_name})",
        "",
        "## Re-run",
        "",
        "```bash",
        'pip install -e ".[bench,torch]"   # the peers: micrograd, scikit-learn (with scipy, threadpoolctl), torch',
        "python benchmarks/run.py                # print the header and the table",
        "python benchmarks/run.py --write        # and rewrite this README and figures.png",
        "python benchmarks/run.py --only W2,W3 --repeats 5",
        "python benchmarks/run.py --quick --scale 0.01   # a smoke test in seconds (not the real sizes)",
        "```",
        "",
        "Each script also runs alone: `python benchmarks/w1_object_engine.py`,",
        "`python benchmarks/fast_engine.py`, `python benchmarks/torch_engine.py`.",
        "",
        f"This table was written by: `{command}`",
        "",
    ])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def plot(path, results):
    """A bar chart of every ratio against a peer, as "times faster than the peer", with targets.

    Time ratios ``ours/peer`` (target ≤ b) are drawn as ``peer/ours`` (target ≥ 1/b), so that in
    every bar longer is better and the target is a tick the bar has to reach.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [r for r in results if r.theirs is not None and r.ratio is not None and r.target_unit == "x"]
    labels, values, targets, colours = [], [], [], []
    for r in bars:
        lower = r.ratio_of == "ours/theirs"
        values.append(1 / r.ratio if lower else r.ratio)
        targets.append(None if r.op is None else (1 / r.bound if lower else r.bound))
        labels.append(textwrap.fill(r.row.split(" (")[0], 36) + f"\nvs {r.peer}")
        colours.append({PASS: "tab:green", MISS: "tab:red"}.get(r.status, "tab:gray"))
    height = max(3.0, 0.55 * len(bars) + 1.2)
    fig, ax = plt.subplots(figsize=(9, height))
    ypos = np.arange(len(bars))[::-1]
    ax.barh(ypos, values, color=colours, height=0.6)
    for y, v, t in zip(ypos, values, targets):
        if t is not None:
            ax.plot([t, t], [y - 0.4, y + 0.4], color="black", linewidth=2)
    for y, v, t, r in zip(ypos, values, targets, bars):
        ax.text(max(v, t or 0) * 1.08, y, f"{r.ratio_name} = {r.ratio_text}", va="center", fontsize=7)
    ax.axvline(1.0, color="gray", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("speed relative to the peer (peer's time / ours; log scale; > 1: neuronsim is faster)")
    ax.set_title("neuronsim against each peer — black tick: the target; green PASS, red MISS, grey no target\n"
                 "(each bar labelled with the table's ratio)", fontsize=9)
    if values:
        marks = [*values, *(t for t in targets if t), 1.0]
        ax.set_xlim(min(marks) / 2, max(marks) * 15)   # room for the labels right of the bars
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def print_results(results, header=None, out=sys.stdout):
    if header:
        print("\n".join(header), file=out)
        print(file=out)
    print(table(results), file=out)
    print(summary(results), file=out)


def script_main(doc, workloads, measure, argv=None):
    """The command line of a benchmark script run alone: ``--only``, ``--repeats``, ``--scale``;
    ``measure(chosen, repeats, scale)`` gives its results, printed under the machine header."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--only", default=",".join(workloads), help="comma-separated: " + ",".join(workloads))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the workloads (a smoke test)")
    args = parser.parse_args(argv)
    set_threads()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    print_results(measure(chosen, args.repeats, args.scale), header=machine_header(args.scale, args.repeats))
