"""Imports point down: every module of the package sits in a layer, and no module imports one of a
higher layer, at module level or inside a function (the source is parsed with ``ast``, nothing is
imported). The layer table is the one the guide's architecture page shows; a test keeps the two
equal."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "neuronsim"
PAGE = ROOT / "docs" / "guide" / "architecture.rst"

# Lowest first. A module may import its own layer and the layers below it.
LAYERS = [
    ("foundation", ["errors", "_checks", "_gc", "_progress", "_reader", "_atomic", "_html", "_culprits"]),
    ("parts", ["activations", "losses", "neuron", "graph", "plan", "preprocessing", "metrics", "history",
               "autograd.value"]),
    ("network", ["network"]),
    ("on a network", ["spec", "init", "fast", "_engines", "steps", "explain", "recorder", "gradcheck",
                      "export", "optim", "stopping", "training", "torch_bridge", "autograd",
                      "autograd.bridge", "autograd.nn"]),
    ("outside world", ["io", "datasets", "tables", "_cli_data", "plot", "plot._checks", "plot.layout",
                       "plot.topology", "plot.html", "plot.training", "plot.boundary", "plot.hinton",
                       "plot.expression", "plot.animation", "plot.stepping", "cli", "__main__", "__init__"]),
]
LAYER = {module: i for i, (_, modules) in enumerate(LAYERS) for module in modules}

# The one kind of upward arrow allowed: Network's convenience methods (``net.compile()``,
# ``net.forward_steps()``, ``net.explain()``, ``Network.from_spec()``, ``net.save()``,
# ``net.to_networkx()``, ``net._repr_html_()``, ``net.to_torch()``) hand over to the module that
# does the work, importing it when called. Nothing below ``network`` may do even that.
CONVENIENCE = {("network", target) for target in
               ("fast", "steps", "explain", "spec", "io", "export", "plot.html", "torch_bridge")}


def module_name(path):
    """'network', 'plot.html', 'autograd' (a package's __init__), '__init__' (the package's)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def is_module(name):
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path):
    """``(target module, line, at module level?)`` for every import of a package module in ``path``."""
    name = module_name(path)
    if path.name == "__init__.py":
        package = [] if name == "__init__" else name.split(".")
    else:
        package = name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        level = id(node) in top
        if isinstance(node, ast.ImportFrom):
            module = node.module.split(".") if node.module else []
            if node.level:
                yield from _targets(package[:len(package) - (node.level - 1)] + module, node, level)
            elif module[:1] == ["neuronsim"]:
                yield from _targets(module[1:], node, level)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("neuronsim."):
                    yield alias.name.removeprefix("neuronsim."), node.lineno, level


def _targets(parts, node, level):
    """``from X import a, b``: the submodules among a, b when they are modules, else X itself."""
    base = ".".join(parts)
    found = False
    for alias in node.names:
        sub = f"{base}.{alias.name}" if base else alias.name
        if is_module(sub):
            found = True
            yield sub, node.lineno, level
    if not found:
        yield base or "__init__", node.lineno, level


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_of_the_package_has_a_layer():
    modules = {module_name(path) for path in SOURCES}
    assert modules - set(LAYER) == set(), "add the new module(s) to LAYERS (and to docs/guide/architecture.rst)"
    assert set(LAYER) - modules == set(), "LAYERS names module(s) that no longer exist"


def test_the_import_parser_sees_module_level_and_function_level_imports():
    found = {(target, level) for target, _, level in imports(PACKAGE / "network.py")}
    assert ("plan", True) in found and ("activations", True) in found
    assert ("fast", False) in found and ("steps", False) in found
    found = {(target, level) for target, _, level in imports(PACKAGE / "autograd" / "bridge.py")}
    assert ("losses", True) in found and ("network", False) in found


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: module_name(path))
def test_no_module_imports_a_higher_layer(path):
    name = module_name(path)
    upward = []
    for target, line, at_module_level in imports(path):
        if LAYER[target] > LAYER[name] and (at_module_level or (name, target) not in CONVENIENCE):
            upward.append(f"line {line}: {name} ({LAYERS[LAYER[name]][0]}) imports {target} "
                          f"({LAYERS[LAYER[target]][0]}){' at module level' if at_module_level else ''}")
    assert not upward, "imports must point down:\n" + "\n".join(upward)


def test_the_lower_layers_do_not_import_network_even_at_call_time():
    for path in SOURCES:
        name = module_name(path)
        if LAYER[name] < LAYER["network"]:
            assert "network" not in {target for target, _, _ in imports(path)}, f"{name} imports network"


def test_without_the_convenience_methods_the_imports_form_no_circle():
    graph = {module_name(path): {t for t, _, _ in imports(path)} for path in SOURCES}
    for name, target in CONVENIENCE:
        graph[name].discard(target)
    done, active = set(), []

    def visit(node):
        if node in active:
            raise AssertionError("import circle: " + " -> ".join(active[active.index(node):] + [node]))
        if node in done:
            return
        active.append(node)
        for target in sorted(graph.get(node, ())):
            if target != node:
                visit(target)
        active.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def test_the_architecture_page_shows_the_same_layer_table():
    text = PAGE.read_text(encoding="utf-8")
    rows = re.findall(r"^   \* - (\d) · (.+)\n     - (.+)$", text, re.M)
    assert [(int(i), title) for i, title, _ in rows] == [(i, title) for i, (title, _) in enumerate(LAYERS)]
    for (_, _, cell), (title, modules) in zip(rows, LAYERS):
        assert re.findall(r"``([\w.]+)``", cell) == modules, f"the page's row {title!r} differs from LAYERS"
