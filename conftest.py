"""Root pytest configuration: the PyTorch bridge's doctests need torch, an optional extra."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["neuronsim/torch_bridge.py"]
