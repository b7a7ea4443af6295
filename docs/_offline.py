"""The site works without a network: no page loads a script from elsewhere, and math is typeset
by a MathJax copied into the site (the ``sphinx-mathjax-offline`` extension), not fetched from a
CDN. ``conf.py`` runs :func:`check_site` when a build finishes (a failure fails the build);
``tests/test_docs.py`` runs it on a small site built with the same math extensions."""

import re
from pathlib import Path

# The MathJax entry script, relative to the site's _static folder (what the extension installs).
MATHJAX = "mathjax/tex-chtml.js"

_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
_LINKED = re.compile(r"<(?:link|img)\b[^>]*\b(?:href|src)=\"([^\"]+)\"", re.I)  # stylesheets, fonts, pictures
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def check_site(outdir):
    """Problems found in the HTML site at ``outdir`` (an empty list when it works offline): a
    script, stylesheet or picture from another host, a page with math whose MathJax is missing
    or not the local copy."""
    outdir = Path(outdir)
    problems = []
    if not (outdir / "_static" / MATHJAX).is_file():
        problems.append(f"_static/{MATHJAX} is missing: math would show as raw TeX")
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        sources = _SCRIPT.findall(text)
        name = page.relative_to(outdir).as_posix()
        problems += [f"{name} loads a script from the network: {src}" for src in sources if _REMOTE.match(src)]
        problems += [f"{name} loads a file from the network: {src}" for src in _LINKED.findall(text)
                     if _REMOTE.match(src)]
        if 'class="math' in text and not any(src.endswith("_static/" + MATHJAX) for src in sources):
            problems.append(f"{name} has math but does not load _static/{MATHJAX}")
    return problems


def check_build(app, exc):
    """Sphinx ``build-finished`` handler: fail an HTML build that would need the network."""
    if exc is not None or app.builder.format != "html":
        return
    problems = check_site(app.outdir)
    if problems:
        from sphinx.errors import ExtensionError

        raise ExtensionError("the site would need the network:\n  " + "\n  ".join(problems[:20]))
