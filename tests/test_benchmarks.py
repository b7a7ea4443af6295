"""The benchmark runner, as a smoke test: ``benchmarks/run.py --quick`` on tiny sizes prints every
row of issue 17's and issue 13's table with its target and PASS / MISS, names the machine, and
``--write --out DIR`` writes a README table and a PNG there (never the repository's own files).

The figures of a tiny run mean nothing; only the shape of the output is checked here.
"""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronsim

ROOT = Path(neuronsim.__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
PNG = b"\x89PNG\r\n\x1a\n"
ROWS = ("W1 object engine (2-16-16-1 tanh, per-sample fwd+bwd)", "W1 fast engine, full batch",
        "W2 fast engine (784-128-10, 10k samples, batch 100, one SGD epoch incl. sync)",
        "W3 sparse DAG (100k links, ~10 % density, skip links)", "1M-link build (layered 1000 → 1000)",
        "digits 64-32-10", 'W2 on engine="torch" (784-128-10, 10k samples, batch 100), CPU',
        'engine="torch": 1M-link network, one epoch (1k samples, batch 100), CPU')
VERDICTS = ("PASS", "MISS", "INFO", "SKIP")


def run_benchmarks(*args, cwd=ROOT):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600)


def table_lines(text):
    """The cells of each body line of the first markdown table in ``text``."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in lines[1:]]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = run_benchmarks("--quick", "--scale", "0.001", "--write", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, out


def test_every_row_is_printed_with_a_target_and_a_verdict(smoke):
    result, _ = smoke
    cells = table_lines(result.stdout)
    current, seen = None, set()
    for row in cells:
        current = row[0] or current
        seen.add(current)
        target, verdict = row[5], row[6]
        assert target, row
        assert verdict.startswith(VERDICTS), row
        if target != "none (figure only)" and not verdict.startswith("SKIP"):
            assert verdict in ("PASS", "MISS"), row
    assert seen == set(ROWS)


def test_issue_17_targets_are_the_ones_checked(smoke):
    result, _ = smoke
    targets = {row[5] for row in table_lines(result.stdout)}
    for target in ("ours/numpy ≤ 3×", "micrograd/ours ≥ 100×", "torch/ours ≥ 3×",
                   "ours/numpy ≤ 1.3×",
                   "torch/ours ≥ 1×", "W3/W2 ≤ 2×", "ours/best ≤ 1.2×", "ours/DiGraph ≤ 1.3×", "≤ 300 B/link",
                   "≥ 97.5 %", "ours/sklearn ≤ 1×"):
        assert target in targets or not importable_peers_for(target), target


def importable_peers_for(target):
    """False when the target's peer is an optional package that is not installed here."""
    needs = {"micrograd": "micrograd", "torch": "torch", "sklearn": "sklearn"}
    for word, module in needs.items():
        if word in target and importlib.util.find_spec(module) is None:
            return False
    return True


def test_the_header_names_cores_blas_and_threads(smoke):
    result, _ = smoke
    out = result.stdout
    assert f"os.cpu_count() = {os.cpu_count()}" in out
    assert re.search(r"BLAS(?: \(numpy\): .*\d+ threads| unknown)", out)
    if importlib.util.find_spec("torch") is not None:
        assert re.search(r"torch: get_num_threads\(\) = \d+", out)
    assert "scale: 0.001" in out and "NOT the issue's workloads" in out
    assert re.search(r"targets met: \d+ of \d+", out)


def test_write_puts_the_readme_table_and_the_figure_in_out(smoke):
    result, out = smoke
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "<!-- table:start -->" in readme and "<!-- table:end -->" in readme
    assert "date: " in readme and "os.cpu_count()" in readme
    body = readme.split("<!-- table:start -->")[1].split("<!-- table:end -->")[0]
    assert {row[0] for row in table_lines(body)} - {""} == set(ROWS)
    assert "python benchmarks/run.py" in readme and "(figures.png)" in readme
    assert (out / "figures.png").read_bytes().startswith(PNG)
    assert f"wrote {out / 'README.md'}" in result.stdout


def test_an_unknown_workload_is_refused_naming_it_and_the_known_ones(tmp_path):
    result = run_benchmarks("--only", "W2,W9", "--out", tmp_path)
    assert result.returncode == 2
    assert "unknown workload 'W9'" in result.stderr and "W1-object" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_scale_outside_0_1_is_a_usage_error():
    result = run_benchmarks("--scale", "2")
    assert result.returncode == 2
    assert "--scale must be in (0, 1], got 2" in result.stderr


def test_the_hand_written_sparse_alternatives_make_the_fast_engines_update(monkeypatch):
    """W3's peers compute the same epoch as neuronsim (one full batch: the order does not matter)."""
    pytest.importorskip("scipy.sparse")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    fast_engine = importlib.import_module("fast_engine")
    alternatives = importlib.import_module("sparse_alternatives")
    net = fast_engine.sparse_dag(inputs=12, hidden=15, density=0.3)
    X, Y = fast_engine.random_data(n=50, inputs=12)
    layout = alternatives.Layout.of(net)
    masked = alternatives.dense_masked_epoch(layout, X, Y, batch=50)
    csr = alternatives.csr_epoch(layout, X, Y, batch=50)
    neuronsim.train(net, X, Y, loss="softmax_cross_entropy", optimizer=neuronsim.optim.SGD(lr=0.1), epochs=1,
                    batch_size=50, shuffle=False, progress=False, engine="fast")
    masked()
    csr()
    after = alternatives.Layout.of(net)
    for epoch in (masked, csr):
        weights = epoch.weights()
        for block in ("hidden", "output", "skip"):
            np.testing.assert_allclose(weights[block], after.dense(block)[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(weights["b1"], after.b1, rtol=0, atol=1e-12)
        np.testing.assert_allclose(weights["b2"], after.b2, rtol=0, atol=1e-12)
