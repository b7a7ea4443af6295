"""Without PyTorch: neuronsim imports, and the bridge says in one line how to install it.

These tests run whether or not torch is installed (they hide it when it is)."""

import subprocess
import sys

import pytest

import neuronsim
from neuronsim import Network
from neuronsim.errors import NeuronsimError


@pytest.fixture
def no_torch(monkeypatch):
    """Make ``import torch`` fail, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "torch", None)


def test_import_neuronsim_does_not_import_torch():
    code = "import sys, neuronsim; neuronsim.Network.from_spec([('identity', 1), ('sigmoid', 1)]); " \
           "print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_export_without_torch_says_how_to_install_it(no_torch):
    net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    with pytest.raises(NeuronsimError, match=r'PyTorch is not installed; install the extra with: '
                                             r'pip install "neuronsim\[torch\]"') as info:
        net.to_torch()
    assert "\n" not in str(info.value)


def test_import_without_torch_says_how_to_install_it(no_torch):
    with pytest.raises(NeuronsimError, match=r'pip install "neuronsim\[torch\]"'):
        Network.from_torch(object())


def test_the_bridge_module_itself_imports_without_torch():
    code = "import sys; sys.modules['torch'] = None; import neuronsim.torch_bridge as tb; print(tb.torch)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
    assert "torch_bridge" in neuronsim._LAZY


def test_training_on_torch_without_torch_says_how_to_install_it(no_torch):
    net = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    with pytest.raises(NeuronsimError, match=r'pip install "neuronsim\[torch\]"') as info:
        neuronsim.train(net, [[0.0, 1.0]], [[1.0]], epochs=1, engine="torch", progress=False)
    assert "\n" not in str(info.value)
    fresh = Network.from_spec([("identity", 2), ("sigmoid", 1)], init="constant")
    assert net.weight("x1", "o1") == fresh.weight("x1", "o1")   # refused before training
