"""Sphinx configuration of the neuronsim documentation site.

Build it with ``sphinx-build -W -b html docs docs/_build/html`` (warnings are errors). The
build needs no network access: no intersphinx, no remote images. Nor does reading the site:
math is typeset by a MathJax copied into it (``sphinx-mathjax-offline``), and a build whose pages
would load a script from the network fails (``_offline.py``). The guide's diagrams are drawn with
matplotlib while the site builds (``_diagrams.py``).
"""

import os
import importlib.util
import re
import sys

# The docs build from the checkout next to this folder, whether or not it is installed.
sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("."))  # _gallery.py, the examples' arguments

import neuronsim  # noqa: E402

project = "neuronsim"
author = "the neuronsim authors"
copyright = "the neuronsim authors"
release = neuronsim.__version__
version = release

# Math offline: sphinx-mathjax-offline copies MathJax 3 into _static/mathjax and points
# sphinx.ext.mathjax at it instead of a CDN (tests/test_docs.py builds a page with these two).
math_extensions = ["sphinx.ext.mathjax", "sphinx-mathjax-offline"]

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    *math_extensions,
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "gallery/**/*.ipynb", "tutorial/**/*.ipynb"]
templates_path = []

# The API pages list every name explicitly; autosummary only draws the tables (no stub pages).
autosummary_generate = False
autodoc_member_order = "bysource"
# torch is an optional extra: the torch bridge imports it lazily, but mock it in case.
autodoc_mock_imports = ["torch"]

# numpydoc: the class pages list their members through autodoc, not numpydoc's tables.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# sphinx-gallery: the tutorial (docs/tutorial) and the examples (examples/) are run during the
# build, their printed output and matplotlib figures captured. The torch bridge example runs only
# where torch is installed (an optional extra).
_skipped = [] if importlib.util.find_spec("torch") else ["torch_bridge", "torch_distributed"]
sphinx_gallery_conf = {
    "examples_dirs": ["tutorial", "../examples"],
    "gallery_dirs": ["tutorial_gallery", "gallery"],
    "filename_pattern": r"/(?!(%s)\.py)[^/]+\.py$" % "|".join(_skipped or ["$^"]),
    "ignore_pattern": r"__init__\.py|/notebooks/",
    "reset_argv": "_gallery.argv",
    "image_scrapers": ("matplotlib", "_gallery.written_pictures"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    # its execution-time pages load jQuery and DataTables from CDNs: the site must work offline
    "write_computation_times": False,
    "plot_gallery": "True",
}

html_theme = "furo"
html_title = f"neuronsim {release}"
html_static_path = []


# The docstrings are written for ``help()`` readers and use ``|x|`` for an absolute value; to
# reStructuredText ``|x|`` is a substitution reference (an "Undefined substitution" error). Escape
# those bars when autodoc reads a docstring, outside literals, doctests and literal blocks, so the
# page shows |x| as ``help()`` does, without backslashes in the source.
_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")


def _escape_bars(text):
    parts = _LITERAL.split(text)
    return "".join(part if i % 2 else part.replace("|", r"\|") for i, part in enumerate(parts))


def _plain_bars(app, what, name, obj, options, lines):
    in_doctest = False
    literal_indent = None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped:
            in_doctest = False
            continue
        if literal_indent is not None:
            if indent > literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        if in_doctest or stripped.startswith(("| ", "+-", "+=")) or stripped == "|":
            continue
        if "|" in line:
            lines[i] = _escape_bars(line)
        if stripped.endswith("::"):
            literal_indent = indent


def setup(app):
    import _diagrams
    import _offline

    app.connect("autodoc-process-docstring", _plain_bars)
    app.connect("builder-inited", _diagrams.draw_all)
    app.connect("build-finished", _offline.check_build, priority=900)  # after MathJax is copied
