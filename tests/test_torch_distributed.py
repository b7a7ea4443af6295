"""examples/torch_distributed.py: a neuronsim DAG trained by DistributedDataParallel on 2 CPU
processes (torchrun, gloo) ends with the same weights as one process given the same global
batch; as a plain script it runs as a single process; without torch it says how to install it."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronsim

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "torch_distributed.py"
# a short run: 3 epochs of 200 rows in global batches of 40 (20 rows per process on 2)
ARGS = ("--epochs", "3", "--batch", "40", "--samples", "200", "--seed", "3")


def needs_gloo():
    torch = pytest.importorskip("torch", reason="the example needs torch: pip install -e '.[torch]'")
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip(f"this torch build ({torch.__version__}) has no torch.distributed gloo backend")


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result.stdout


def saved_parameters(path):
    net = neuronsim.load(path)
    return net.parameter_keys(), np.array(net.parameters())


def test_two_processes_end_with_the_weights_of_one_process_with_the_same_global_batch(tmp_path):
    needs_gloo()
    # --standalone: a rendezvous on a free port of this machine (no fixed port to collide on)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    two = run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               str(EXAMPLE), "--out", str(tmp_path / "two.json"), *ARGS], env=env)
    example = load_example()       # the one-process reference runs here (one torch import less)
    assert example.main(["--out", str(tmp_path / "one.json"), *ARGS]) == 0
    assert "2 process(es), backend gloo, device cpu" in two
    assert "global batch 40, 20 rows per process" in two
    keys_two, two_params = saved_parameters(tmp_path / "two.json")
    keys_one, one_params = saved_parameters(tmp_path / "one.json")
    assert keys_two == keys_one and ("x1", "o1") in keys_one     # the skip link was trained too
    start = np.array(neuronsim.Network.from_spec(load_example().SPEC, seed=3).parameters())
    assert np.abs(one_params - start).max() > 0.01                # training moved the weights
    assert np.abs(two_params - one_params).max() <= 1e-10


def load_example():
    spec = importlib.util.spec_from_file_location("torch_distributed_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_script_runs_as_one_process_and_saves_a_loadable_trained_network(tmp_path):
    needs_gloo()
    out = run([sys.executable, str(EXAMPLE), "--out", str(tmp_path / "sub" / "net.json")])
    losses = [float(v) for v in re.findall(r"mean loss ([0-9.]+)", out)]
    assert len(losses) == 5 and losses[-1] < losses[0] / 3
    accuracy = float(re.search(r"accuracy on the training data ([0-9.]+)", out).group(1))
    assert accuracy >= 0.95
    net = neuronsim.load(tmp_path / "sub" / "net.json")
    assert net.metadata["trained_by"] == "DistributedDataParallel" and net.metadata["processes"] == 1
    weight = float(re.search(r"x1 -> o1 now has the weight (-?[0-9.]+)", out).group(1))
    assert net.weight("x1", "o1") == pytest.approx(weight, abs=1e-6)


def test_in_process_runs_leave_no_process_group_behind(tmp_path):
    # sphinx-gallery runs examples inside its own process: two runs in a row must both work
    needs_gloo()
    import torch.distributed as dist

    example = load_example()
    for name in ("a.json", "b.json"):
        assert example.main(["--out", str(tmp_path / name), *ARGS]) == 0
    assert not dist.is_initialized()
    assert saved_parameters(tmp_path / "a.json")[1].tolist() == saved_parameters(tmp_path / "b.json")[1].tolist()


def test_without_torch_it_says_how_to_install_it(tmp_path):
    (tmp_path / "torch.py").write_text("raise ImportError('torch hidden for this test')\n")  # found first
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    out = run([sys.executable, str(EXAMPLE), "--out", str(tmp_path / "net.json")], env=env)
    assert 'PyTorch is not installed: pip install "neuronsim[torch]" to run this example (skipped)' in out
    assert not (tmp_path / "net.json").exists()
