"""The documentation site's API pages list every public name: each module's ``__all__`` is
compared with the ``.. auto…::`` entries of its page under ``docs/api`` (the .rst files are
read, the site is not built)."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parent.parent / "docs" / "api"

# Every public module and the page that documents it (packages list their re-exports and link to
# the submodules that document them).
MODULES = ["network", "neuron", "graph", "plan", "activations", "losses", "init", "spec", "io",
           "export", "steps", "explain", "recorder", "gradcheck", "training", "optim", "stopping",
           "history", "metrics", "datasets", "preprocessing", "tables", "fast", "torch_bridge",
           "autograd", "autograd.nn", "autograd.value", "autograd.bridge", "plot",
           "plot.animation", "plot.boundary", "plot.expression", "plot.hinton", "plot.html",
           "plot.layout", "plot.stepping", "plot.topology", "plot.training", "cli", "errors"]

DIRECTIVE = re.compile(r"^\.\. auto(?:class|function|data|exception|attribute)::\s+(\S+)", re.M)
REFERENCE = re.compile(r":(?:class|func|mod|data|exc):`([^`]+)`")


def page(module):
    return (API / f"{module}.rst").read_text(encoding="utf-8")


def documented(module):
    """Fully qualified names the module's page documents (directives) or links to (roles)."""
    text = page(module)
    names = {f"neuronsim.{module}.{name}" for name in DIRECTIVE.findall(text)}
    names |= set(REFERENCE.findall(text))
    return names


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_of_a_module_has_an_entry_on_its_page(module):
    mod = importlib.import_module(f"neuronsim.{module}")
    entries = documented(module)
    missing = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            wanted = obj.__name__
        elif module in ("autograd", "plot"):
            wanted = f"{obj.__module__}.{name}"      # a re-export: linked to where it is defined
        else:
            wanted = f"neuronsim.{module}.{name}"
        if wanted not in entries:
            missing.append(name)
    assert not missing, f"docs/api/{module}.rst lacks entries for {missing}"


@pytest.mark.parametrize("module", ["autograd", "plot"])
def test_a_package_page_links_names_to_pages_that_document_them(module):
    for target in REFERENCE.findall(page(module)):
        owner, _, name = target.rpartition(".")
        if target.count(".") >= 2 and not target.endswith(".nn"):
            sub = owner.removeprefix("neuronsim.")
            assert f"neuronsim.{sub}.{name}" in documented(sub), f"{target} is not documented on docs/api/{sub}.rst"


def test_every_module_page_is_reachable_from_the_api_index():
    index = page("index")
    for module in MODULES:
        top = module.split(".")[0]
        assert re.search(rf"^\s+{re.escape(top)}$", index, re.M), f"docs/api/index.rst lacks {top}"
        if "." in module:
            assert re.search(rf"^\s+{re.escape(module)}$", page(top), re.M), f"docs/api/{top}.rst lacks {module}"


def test_no_public_module_is_left_without_a_page():
    pages = {path.stem for path in API.glob("*.rst")} - {"index"}
    assert pages == set(MODULES)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial" / "backprop_by_hand.py"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda path: path.name)
def test_every_example_opens_with_a_title_for_its_gallery_page(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    title = lines[0].removeprefix('"""')
    assert title and set(lines[1]) == {"="} and len(lines[1]) >= len(title), \
        f"{path.name}: the docstring's first line needs an '=' underline as long as it (sphinx-gallery's title)"


def test_the_tutorial_reproduces_seed_004s_output_delta(capsys):
    import runpy

    runpy.run_path(str(TUTORIAL), run_name="__main__")
    out = capsys.readouterr().out
    assert "δ[o1] by hand: -4.4510827315210804e-05" in out
    assert "δ[o1] on the graph: -4.4510827315210804e-05" in out
    assert "same as by hand: True" in out
    assert "δ[h1] = f′(z=10.2)=3.717e-05 × (w[h1→o1]=1 × δ[o1]=-4.451e-05" in out
