"""Watch backpropagation happen: a GIF and a step-through HTML page of one forward and backward pass.
==================================================================================================

Two networks, one case each:

- seed 004's iris network (4-5-3, sigmoid, every weight 1), x = (5.1, 3.5, 1.4, 0.2), target
  (1, 0, 0): iris_backprop.gif, iris_backprop.html and iris_backprop_frame.png (one frame: the
  δ of h1, for the README);
- a small DAG with skip links (an input straight to the output, an input past the first hidden
  layer), its δ gathered edge by edge: dag_backprop.gif and dag_backprop.html.

Each frame rings the neuron of the step, draws bold the links the step reads and writes the
step's equation with the network's numbers. Open a page in any browser (it needs no network):
Previous/Next, the slider or the arrow keys step through; page.html#step=N opens step N.

Run:  python examples/watch_backprop.py [--out DIR]
      (default DIR: docs/images next to this folder)
"""

import argparse
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, works headless

import matplotlib.pyplot as plt  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim import plot  # noqa: E402

parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
parser.add_argument("--out", type=Path, default=None,
                    help="folder for the GIFs, pages and still (created if missing; default: docs/images)")
args = parser.parse_args()
out = args.out or Path(__file__).resolve().parent.parent / "docs" / "images"
out.mkdir(parents=True, exist_ok=True)


def wrote(path):
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")


# seed 004's iris network
iris = neuronsim.Network.from_spec([("identity", 4), ("sigmoid", 5), ("sigmoid", 3)], init="constant")
x, target = [5.1, 3.5, 1.4, 0.2], [1, 0, 0]
animation = plot.animate_steps(iris, x, target, path=out / "iris_backprop.gif", fps=2)
wrote(out / "iris_backprop.gif")
frames = animation.neuronsim_frames
print(f"iris: {len(frames)} frames; the pass leaves the network as forward() + backward() do:")
print("  " + iris.explain("h1"))

# one still for the README: the backward step of h1
still = next(f.index for f in frames if f.kind == "backward" and f.neuron == "h1")
animation.neuronsim_draw(still)
animation.neuronsim_figure.savefig(out / "iris_backprop_frame.png", dpi=80)
plt.close(animation.neuronsim_figure)
wrote(out / "iris_backprop_frame.png")

iris.zero_grad()  # the page's pass starts from zero gradients again
plot.steps_html(iris, x, target, out / "iris_backprop.html", title="seed 004's iris network, step by step")
wrote(out / "iris_backprop.html")

# a small DAG with skip links, δ gathered edge by edge
dag = neuronsim.Network.from_spec({
    "layers": [("identity", 2), ("tanh", 3), ("tanh", 2), ("sigmoid", 1)],
    "edges": [["x1", "o1"], ["x2", "h2_1"]],
}, seed=0)
x, target = [1.0, 0.0], [1.0]
animation = plot.animate_steps(dag, x, target, by_edge=True, path=out / "dag_backprop.gif", fps=2, preserve=True)
wrote(out / "dag_backprop.gif")
plot.steps_html(dag, x, target, out / "dag_backprop.html", by_edge=True,
                title="a DAG with skip links, δ gathered edge by edge")
wrote(out / "dag_backprop.html")
kinds = Counter(frame.kind for frame in animation.neuronsim_frames)
print(f"dag: {len(animation.neuronsim_frames)} frames: {kinds['forward']} forward steps, {kinds['edge']} links "
      f"gathered into δ, {kinds['backward']} backward steps; the last edge step:")
print("  " + [frame for frame in animation.neuronsim_frames if frame.kind == "edge"][-1].equation)
