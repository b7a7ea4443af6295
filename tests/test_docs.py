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


# --- math offline: MathJax is copied into the site, not fetched from a CDN ---------------------

DOCS = Path(__file__).resolve().parent.parent / "docs"


def math_extensions():
    """``math_extensions`` of docs/conf.py, read without running it."""
    import ast

    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["math_extensions"]:
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py has no math_extensions list")


def offline_checker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_offline", DOCS / "_offline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_math_page(tmp_path, extensions):
    """A one-page site with inline and display math, built with ``extensions``; its output folder."""
    import subprocess
    import sys

    pytest.importorskip("sphinx")
    src, out = tmp_path / "src", tmp_path / "html"
    src.mkdir()
    (src / "conf.py").write_text(f"extensions = {extensions!r}\n", encoding="utf-8")
    (src / "index.rst").write_text("Math\n====\n\n:math:`\\delta_j = f'(z_j) \\sum_k w_{jk} \\delta_k`\n\n"
                                   ".. math:: \\frac{\\partial C}{\\partial w_{ij}} = a_i \\delta_j\n",
                                   encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(src), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def test_the_docs_extra_and_the_site_configuration_use_the_offline_mathjax():
    import configparser

    config = configparser.ConfigParser()
    config.read(DOCS.parent / "setup.cfg", encoding="utf-8")
    extra = config["options.extras_require"]["docs"].split()
    assert any(line.startswith("sphinx-mathjax-offline") for line in extra)
    assert math_extensions() == ["sphinx.ext.mathjax", "sphinx-mathjax-offline"]


def test_a_page_with_math_loads_mathjax_from_the_site_itself(tmp_path):
    import importlib.util

    if importlib.util.find_spec("sphinx-mathjax-offline") is None:
        pytest.skip('sphinx-mathjax-offline is not installed (pip install -e ".[docs]")')
    out = build_math_page(tmp_path, math_extensions())
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<script defer="defer" src="_static/mathjax/tex-chtml.js"></script>' in page
    assert "cdn" not in page.lower()
    assert (out / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    assert (out / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2" / "MathJax_Main-Regular.woff").is_file()
    assert offline_checker().check_site(out) == []


def test_the_offline_check_refuses_a_site_that_fetches_mathjax_from_a_cdn(tmp_path):
    out = build_math_page(tmp_path, ["sphinx.ext.mathjax"])
    problems = offline_checker().check_site(out)
    assert any("index.html loads a script from the network: https://" in p and "mathjax" in p for p in problems)
    assert any("index.html has math but does not load _static/mathjax/tex-chtml.js" in p for p in problems)
