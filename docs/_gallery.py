"""Command-line arguments sphinx-gallery gives the examples it runs while building the site.

The examples that write files take ``--out FOLDER``; during a build they write into a temporary
folder, never into the checkout (``gallery.py`` and ``watch_backprop.py`` would otherwise rewrite
the pictures in ``docs/images``). ``gallery.py`` also trains briefly (``--quick``).
"""

import atexit
import shutil
import tempfile
from pathlib import Path

_OUT = None

# example file name -> its arguments besides --out
_WRITERS = {"autograd_tour.py": [], "micrograd_mlp.py": [], "gallery.py": ["--quick"],
            "watch_backprop.py": [], "torch_distributed.py": []}


def argv(gallery_conf, script_vars):
    """``sys.argv[1:]`` for one example (sphinx-gallery's ``reset_argv`` hook)."""
    global _OUT
    name = Path(script_vars["src_file"]).name
    if name not in _WRITERS:
        return []
    if _OUT is None:
        _OUT = tempfile.mkdtemp(prefix="neuronsim-docs-")
        atexit.register(shutil.rmtree, _OUT, ignore_errors=True)
    return ["--out", str(Path(_OUT) / Path(name).stem)] + _WRITERS[name]


# Examples that close their figures after saving them: their pages show the PNG files they wrote.
_PICTURE_WRITERS = {"gallery.py", "watch_backprop.py"}
_shown = set()


def written_pictures(block, block_vars, gallery_conf):
    """Show the PNG files a block of an example wrote into its ``--out`` folder (an image scraper)."""
    from sphinx_gallery.scrapers import figure_rst

    name = Path(block_vars["src_file"]).name
    if _OUT is None or name not in _PICTURE_WRITERS:
        return ""
    folder = Path(_OUT) / Path(name).stem
    new = [path for path in sorted(folder.glob("*.png")) if path not in _shown]
    targets = []
    for path, target in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(path, target)
        _shown.add(path)
        targets.append(target)
    return figure_rst(targets, gallery_conf["src_dir"]) if targets else ""
