"""Training pictures: loss curves, |δ| per layer, and animations replayed from snapshots."""

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import animation as mpl_animation  # noqa: E402
from PIL import Image  # noqa: E402

import neuronsim  # noqa: E402
from neuronsim import Network, Recorder, datasets, optim  # noqa: E402
from neuronsim.errors import NeuronsimError  # noqa: E402
from neuronsim.plot.animation import TrainingAnimation, animate_training  # noqa: E402
from neuronsim.plot.training import deltas, loss  # noqa: E402
from conftest import assert_png_has_content  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


def xor_net():
    return Network.from_spec([("identity", 2), ("tanh", 2), ("sigmoid", 1)], seed=2)


def fake_training(net, anim, epochs, X, Y, lr=0.5):
    """Drive the callback protocol by hand: a few SGD sweeps, on_epoch_end after each."""
    history = SimpleNamespace(loss=[], val_loss=[], epochs=0)
    sgd = optim.SGD(lr=lr)
    for _ in range(epochs):
        net.zero_grad()
        total = 0.0
        for x, y in zip(X.tolist(), Y.tolist()):
            net.forward(x)
            total += net.backward(y)
        sgd.step(net)
        history.loss.append(total)
        history.epochs += 1
        anim.on_epoch_end(net, history)
    anim.on_train_end(net, history)
    return history


# --- loss -----------------------------------------------------------------------------------

def test_loss_draws_training_and_validation_curves(tmp_path):
    history = SimpleNamespace(loss=[1.0, 0.6, 0.4, 0.3], val_loss=[1.1, 0.7, 0.6, 0.65], metrics={},
                              val_metrics={})
    ax = loss(history)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["training"].get_ydata()) == history.loss
    assert list(lines["validation"].get_ydata()) == history.val_loss
    assert list(lines["training"].get_xdata()) == [1, 2, 3, 4]  # epochs count from 1
    assert "best: epoch 3" in lines
    assert_png_has_content(ax.figure, tmp_path / "loss.png")


def test_loss_takes_a_plain_list_and_a_log_scale():
    ax = loss([1.0, 0.1, 0.01], log=True)
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == ["training"]


def test_loss_can_add_metrics_on_a_second_axis():
    history = {"loss": [0.5, 0.3], "val_loss": [], "metrics": {"accuracy": [0.6, 0.9]}, "val_metrics": {}}
    ax = loss(history, metrics=True)
    right = ax.neuronsim_metrics_ax
    assert [line.get_label() for line in right.get_lines()] == ["accuracy"]
    assert len(ax.figure.axes) == 2


def test_loss_refuses_what_is_not_a_history():
    with pytest.raises(NeuronsimError):
        loss(42)


def test_loss_curves_come_from_real_training():
    train = neuronsim.train
    net = xor_net()
    X, Y = datasets.xor()
    history = train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5), epochs=5,
                    validation=(X, Y), progress=False)
    ax = loss(history)
    assert len(ax.get_lines()[0].get_ydata()) == 5


# --- deltas ---------------------------------------------------------------------------------

def recorded_deltas(records=6):
    net = Network.from_spec([("identity", 2), ("sigmoid", 3), ("sigmoid", 3), ("sigmoid", 1)], seed=0)
    recorder = Recorder(net, quantities=("delta",))
    X, Y = datasets.xor()
    for step in range(records):
        net.forward(X[step % 4].tolist())
        net.backward(Y[step % 4].tolist())
        recorder.record(step)
    return recorder


def test_deltas_draw_one_line_per_layer_with_a_delta(tmp_path):
    recorder = recorded_deltas()
    ax = deltas(recorder)
    lines = ax.get_lines()
    assert len(lines) == 3  # the input layer has no δ
    assert np.allclose(lines[0].get_ydata(), recorder.by_layer("delta")["h1_1..h1_3"])
    assert ax.get_yscale() == "log"
    assert_png_has_content(ax.figure, tmp_path / "deltas.png")


def test_deltas_per_neuron_draw_every_neuron_with_a_delta():
    recorder = recorded_deltas()
    ax = deltas(recorder, by="neuron", log=False)
    assert len(ax.get_lines()) == 7
    assert len(ax.get_legend().get_texts()) == 3  # one entry per layer


def test_deltas_need_recorded_deltas():
    net = xor_net()
    with pytest.raises(NeuronsimError, match="delta"):
        deltas(Recorder(net, quantities=("a",)))
    with pytest.raises(NeuronsimError, match="no records"):
        deltas(Recorder(net, quantities=("delta",)))


# --- animation ------------------------------------------------------------------------------

def test_the_animation_keeps_epoch_zero_every_kth_epoch_and_the_last():
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, X, Y, every=3)
    fake_training(net, anim, 7, X, Y)
    assert anim.epochs == [0, 3, 6, 7]
    assert len(anim) == 4
    assert anim.losses == pytest.approx([anim.losses[0]] + anim.losses[1:])
    assert len(anim.losses) == 7


def test_the_gif_has_one_frame_per_snapshot(tmp_path):
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, X, Y, every=2, resolution=15)
    fake_training(net, anim, 4, X, Y)
    path = anim.save(tmp_path / "xor.gif", fps=4, dpi=40)
    assert Image.open(path).n_frames == len(anim) == 3


def test_snapshots_are_copies_and_rendering_never_touches_the_network(tmp_path):
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, X, Y, resolution=10)
    first = net.parameters()
    fake_training(net, anim, 2, X, Y)
    assert list(anim._snapshots[0][1].values()) == first  # what epoch 0 was, not what it became
    net.forward([0.5, 0.5])
    net.backward([1.0])
    before = net.parameters(), [(n.z, n.a, n.delta) for n in net.neurons]
    anim.save(tmp_path / "run.gif", dpi=30)
    assert (net.parameters(), [(n.z, n.a, n.delta) for n in net.neurons]) == before


def test_too_many_snapshots_are_thinned():
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, every=1, max_frames=4)
    fake_training(net, anim, 9, X, Y)
    assert len(anim) <= 5
    assert anim.epochs[0] == 0 and anim.epochs[-1] == 9
    assert anim.every > 1


def test_the_animation_works_as_a_callback_of_train(tmp_path):
    train = neuronsim.train
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, X, Y, every=5)
    train(net, X, Y, loss="squared_error", optimizer=optim.SGD(lr=0.5), epochs=12, callbacks=[anim],
          progress=False)
    assert anim.epochs == [0, 5, 10, 12]
    animation = animate_training(anim, path=tmp_path / "train.gif", resolution=10, dpi=30)
    assert isinstance(animation, mpl_animation.FuncAnimation)
    assert Image.open(tmp_path / "train.gif").n_frames == 4


def test_a_frame_shows_topology_boundary_and_loss():
    net = xor_net()
    X, Y = datasets.xor()
    anim = TrainingAnimation(net, X, Y, resolution=10)
    fake_training(net, anim, 2, X, Y)
    fig = anim.frame(1)
    assert fig.get_suptitle() == "epoch 1"
    topology_ax = next(ax for ax in fig.axes if hasattr(ax, "neuronsim_artists") and "nodes" in ax.neuronsim_artists)
    assert len(topology_ax.neuronsim_artists["nodes"].get_offsets()) == len(net)
    assert any(ax.get_ylabel() == "loss" for ax in fig.axes)
    assert any(ax.get_xlabel() == "x1" for ax in fig.axes)


def test_a_recorder_of_weights_and_biases_drives_an_animation(tmp_path):
    net = xor_net()
    X, Y = datasets.xor()
    recorder = Recorder(net, quantities=("weight", "bias"))
    sgd = optim.SGD(lr=0.5)
    losses = []
    for epoch in range(3):
        net.zero_grad()
        losses.append(sum(net.backward(y) for x, y in zip(X.tolist(), Y.tolist()) if net.forward(x)))
        sgd.step(net)
        recorder.record(epoch + 1)
    animate_training(recorder, X, Y, history=losses, path=tmp_path / "rec.gif", resolution=10, dpi=30)
    assert Image.open(tmp_path / "rec.gif").n_frames == 3


def test_a_recorder_without_weights_cannot_animate():
    with pytest.raises(NeuronsimError, match="weight"):
        animate_training(Recorder(xor_net(), quantities=("delta",)))


def test_saving_checks_the_format(tmp_path, monkeypatch):
    net = xor_net()
    anim = TrainingAnimation(net)
    with pytest.raises(NeuronsimError, match=r"\.gif or \.mp4"):
        anim.save(tmp_path / "run.avi")
    monkeypatch.setattr(mpl_animation.writers, "is_available", lambda name: False)
    with pytest.raises(NeuronsimError, match="ffmpeg"):
        anim.save(tmp_path / "run.mp4")


def test_a_validation_loss_is_kept_per_epoch():
    net = xor_net()
    anim = TrainingAnimation(net)
    history = SimpleNamespace(loss=[0.5], val_loss=[0.6])
    anim.on_epoch_end(net, history)
    history.loss.append(0.4)  # no validation this time
    anim.on_epoch_end(net, history)
    assert anim.val_losses[0] == 0.6 and math.isnan(anim.val_losses[1])


# --- the loss legend never covers a curve ---------------------------------------------------

def corner_filling_history():
    """Curves through every corner: falling losses, rising metrics, a validation loss turning up."""
    epochs = np.arange(1, 101)
    return {"loss": list(1 / np.sqrt(epochs)), "val_loss": list(1 / np.sqrt(epochs) + 0.002 * epochs),
            "metrics": {"accuracy": list(1 - 0.5 / np.sqrt(epochs))},
            "val_metrics": {"accuracy": list(0.95 - 0.5 / np.sqrt(epochs))}}


def drawn_points(ax):
    """Display coordinates of every data point of every line on ``ax`` (each line's own axes)."""
    return np.vstack([line.get_transform().transform(np.column_stack(line.get_data()))
                      for line in ax.get_lines()])


def assert_legend_clear_of(legend, axes_list, renderer):
    box = legend.get_window_extent(renderer)
    for axes in axes_list:
        points = drawn_points(axes)
        inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                  & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
        assert not inside.any(), f"the legend covers {int(inside.sum())} plotted points"
        assert not box.overlaps(axes.get_window_extent(renderer)), "the legend lies over the plot area"


def test_loss_legend_covers_no_curve(tmp_path):
    ax = loss(corner_filling_history())
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert_legend_clear_of(ax.get_legend(), [ax], renderer)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation", "best: epoch 40"]
    fig.savefig(tmp_path / "loss.png")
    # the whole legend is on the saved picture: inside the figure
    assert fig.bbox.contains(*ax.get_legend().get_window_extent(renderer).p0)
    assert fig.bbox.contains(*ax.get_legend().get_window_extent(renderer).p1)


def test_loss_legend_covers_no_curve_nor_the_metric_axis_labels():
    ax = loss(corner_filling_history(), metrics=True)
    right = ax.neuronsim_metrics_ax
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    assert_legend_clear_of(legend, [ax, right], renderer)
    box = legend.get_window_extent(renderer)
    assert box.x0 >= right.yaxis.label.get_window_extent(renderer).x1  # beyond the label "metric"
    assert all(box.x0 >= t.get_window_extent(renderer).x1 for t in right.get_yticklabels() if t.get_text())
    assert len(legend.get_texts()) == 5 and fig.bbox.contains(*box.p1)


def test_loss_legend_stays_beside_an_axes_given_by_the_caller():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    ax = loss(corner_filling_history(), ax=left, metrics=True)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert_legend_clear_of(ax.get_legend(), [ax, ax.neuronsim_metrics_ax], renderer)


def test_an_animation_of_a_scaled_network_shows_the_first_raw_row_as_the_neurons_see_it():
    from neuronsim.preprocessing import Scaler

    net = xor_net()
    X, Y = datasets.xor()
    X_raw = X * 100.0 + 7.0
    net.preprocessing = Scaler.fit(X_raw)
    anim = TrainingAnimation(net, X_raw, Y, node_color="activation", resolution=8)
    fake_training(net, anim, 1, X, Y)
    anim.frame(1)
    assert anim.template["x1"].a == pytest.approx(net.preprocessing.transform(X_raw[0])[0])
    assert anim.template["o1"].a == pytest.approx(net.predict(X_raw[0])[0])
