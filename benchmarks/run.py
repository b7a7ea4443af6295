"""Run every benchmark row in one process and print the table of targets with PASS / MISS.

The rows are issue 17's (W1 object engine, W1 fast engine, W2, W3, the 1M-link build, digits)
and issue 13's (W2 and the 1M-link network on ``engine="torch"``); each is measured against its
peers in the same run. The header names the machine: date, versions, ``os.cpu_count()``, numpy's
BLAS and its thread count (threadpoolctl, optional), torch's thread count (torch is given numpy's
BLAS thread count, or ``--threads`` for both).

Run:
    python benchmarks/run.py                      # print the header and the table
    python benchmarks/run.py --write              # also rewrite benchmarks/README.md and figures.png
    python benchmarks/run.py --only W2,W3 --repeats 5
    python benchmarks/run.py --quick --scale 0.01 --write --out smoke   # a smoke test in seconds
"""

import argparse
import os
import sys
import time
import traceback

import fast_engine
import harness
import torch_engine
import w1_object_engine

HERE = os.path.dirname(os.path.abspath(__file__))

# the names --only takes, in table order -> what each measures
WORKLOADS = {
    "W1-object": "W1 object engine vs hand-written numpy and micrograd",
    "W1-fast": "W1 fast engine, full batch, vs torch CPU",
    "W2": "W2 fast engine vs hand-written numpy and torch CPU",
    "W3": "W3 sparse DAG vs W2 and the dense-masked / scipy.sparse alternatives (runs W2 too)",
    "build": "the 1M-link build vs a bare networkx DiGraph, bytes per link",
    "digits": "digits 64-32-10 vs scikit-learn MLPClassifier",
    "torch-W2": 'W2 on engine="torch" vs hand-written torch and engine="fast"',
    "torch-1M": 'the 1M-link network\'s epoch on engine="torch" vs hand-written torch and engine="fast"',
}


def parse_only(text):
    """The chosen workload names (canonical spelling), in table order; ValueError on an unknown one."""
    known = {name.lower(): name for name in WORKLOADS}
    chosen = set()
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        if name.lower() not in known:
            raise ValueError(f"--only: unknown workload {name[:40]!r}; known: {', '.join(WORKLOADS)}")
        chosen.add(known[name.lower()])
    return [name for name in WORKLOADS if name in chosen]


def measure(chosen, repeats, scale):
    """Every chosen workload's results, in table order, in this one process."""
    results = []

    def step(name, run):
        started = time.perf_counter()
        try:
            found = run()
        except Exception as error:   # one broken workload must not hide the others' rows
            traceback.print_exc()
            found = [harness.failed(f"{name}: failed", error)]
        print(f"  measured {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        return found

    if "W1-object" in chosen:
        results += step("W1-object", lambda: w1_object_engine.object_engine(repeats, scale))
    if "W1-fast" in chosen:
        results += step("W1-fast", lambda: fast_engine.w1(repeats, scale))
    w2_cost = None
    if "W2" in chosen or "W3" in chosen:   # W3's target is relative to W2 measured in the same run
        w2_results = step("W2", lambda: fast_engine.w2(repeats, scale))
        w2_cost = w2_results[0].extra.get("per_link_sample")
        if "W2" in chosen:
            results += w2_results
    if "W3" in chosen:
        results += step("W3", lambda: fast_engine.w3(repeats, scale, w2_cost))
    if "build" in chosen:
        results += step("build", lambda: fast_engine.million_build(repeats, scale))
    if "digits" in chosen:
        results += step("digits", lambda: fast_engine.digits_results(repeats, scale))
    if "torch-W2" in chosen:
        results += step("torch-W2", lambda: torch_engine.w2_torch(repeats, scale))
    if "torch-1M" in chosen:
        results += step("torch-1M", lambda: torch_engine.million_torch(repeats, scale))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=__doc__.splitlines()[0],
        epilog="workloads: " + "; ".join(f"{name}: {text}" for name, text in WORKLOADS.items()))
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help="comma-separated workloads to run (default: all): " + ",".join(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=None,
                        help="best of this many runs of each contender, interleaved (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="one repeat of everything: a smoke test")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="shrink every workload (samples x scale, widths x sqrt(scale)); 1 = the issue's sizes")
    parser.add_argument("--threads", type=int, default=None,
                        help="thread count for numpy's BLAS and torch (default: numpy's BLAS default, "
                             "given to torch too)")
    parser.add_argument("--write", action="store_true", help="write README.md and figures.png (see --out)")
    parser.add_argument("--out", default=HERE, help="directory for --write (default: benchmarks/)")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error(f"--scale must be in (0, 1], got {args.scale}")
    for option in ("repeats", "threads"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            parser.error(f"--{option} must be >= 1, got {getattr(args, option)}")
    repeats = args.repeats or (1 if args.quick else 3)
    try:
        chosen = parse_only(args.only)
    except ValueError as err:
        parser.error(str(err))

    harness.set_threads(args.threads)
    started = time.perf_counter()
    header = harness.machine_header(args.scale, repeats)
    print("\n".join(header), flush=True)
    results = measure(chosen, repeats, args.scale)
    header.append(f"wall time of the whole run: {time.perf_counter() - started:.0f} s")
    print()
    harness.print_results(results)
    print(header[-1])
    if args.write:
        os.makedirs(args.out, exist_ok=True)
        readme, png = os.path.join(args.out, "README.md"), os.path.join(args.out, "figures.png")
        command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        harness.write_readme(readme, results, header, command.strip())
        harness.plot(png, results)
        print(f"wrote {readme} and {png}")
    return results


def exit_code(results):
    """1 when a workload failed (its traceback is on standard error), else 0 (a MISS is no failure)."""
    return int(any(r.status == harness.ERROR for r in results))


if __name__ == "__main__":
    sys.exit(exit_code(main()))
