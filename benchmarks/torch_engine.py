"""The torch engine (issue 13): ``train(..., engine="torch")`` beside hand-written torch and the numpy engine.

- W2 (784-128-10 sigmoid, softmax cross-entropy, 10,000 samples, batches of 100, one SGD epoch
  including the sync to the graph, float64): a whole 1-epoch ``train(..., engine="torch")`` call
  vs a hand-written ``nn.Sequential`` loop on the same device (target: ≤ 1.2× on CPU, ≤ 1.5× on
  a GPU), and vs ``engine="fast"`` (the numpy engine; no target).
- The 1,000,000-link network (identity 1000 → relu 1000, 1,000 samples, batches of 100, mean
  squared error, one SGD epoch): ``engine="torch"`` vs a hand-written torch loop and
  ``engine="fast"``, each a whole 1-epoch ``train()`` call (no target: figures only).

CUDA rows appear only when ``torch.cuda.is_available()``; without torch every row is SKIP.
torch gets numpy's BLAS thread count (both are printed in the header).

Run alone:  python benchmarks/torch_engine.py [--only W2,1M] [--repeats 3] [--scale 1]
(or with every other row: python benchmarks/run.py)
"""


import numpy as np

import neuronsim
from neuronsim import optim

import fast_engine
import harness

ROW_W2 = 'W2 on engine="torch" (784-128-10, 10k samples, batch 100), {device}'
ROW_1M = 'engine="torch": 1M-link network, one epoch (1k samples, batch 100), {device}'
TARGET = {"cpu": 1.2, "cuda": 1.5}


def devices():
    """"cpu", and "cuda" when torch sees a GPU."""
    torch = harness.optional("torch")
    return ["cpu"] + (["cuda"] if torch is not None and torch.cuda.is_available() else [])


def _label(device):
    return "CPU" if device == "cpu" else "CUDA"


def w2_torch(repeats, scale=1.0):
    """W2 on ``engine="torch"`` vs hand-written torch and ``engine="fast"``: a list of Results."""
    torch = harness.optional("torch")
    if torch is None:
        return [harness.skipped(ROW_W2.format(device="CPU"), "hand-written torch CPU", "torch not installed: "
                                'pip install -e ".[torch]"', op="<=", bound=TARGET["cpu"], ratio_name="ours/torch")]
    X, Y, sizes = fast_engine.w2_workload(scale)
    spec = [("identity", sizes[0]), ("sigmoid", sizes[1]), ("identity", sizes[2])]
    results = []
    for device in devices():
        row = ROW_W2.format(device=_label(device))
        ours = fast_engine.neuronsim_epoch(neuronsim.Network.from_spec(spec, seed=0), X, Y, engine="torch",
                                           device=device)
        runs = fast_engine.EPOCHS_IN_A_RUN
        contenders = {"ours": ours, "torch": fast_engine.torch_epoch(torch, X, Y, sizes, device=device),
                      "ours xN": fast_engine.neuronsim_epoch(neuronsim.Network.from_spec(spec, seed=0), X, Y,
                                                             engine="torch", device=device, epochs=runs)}
        if device == "cpu":
            contenders["fast"] = fast_engine.neuronsim_epoch(neuronsim.Network.from_spec(spec, seed=0), X, Y)
        timed = harness.interleaved(repeats, contenders, settle=harness.SETTLE)
        best = {name: seconds * 1e3 for name, seconds in timed.items()}
        best["ours xN"] /= runs
        note = "a whole 1-epoch train() call, " + (fast_engine.torch_threads_note() if device == "cpu" else "float64")
        results.append(harness.compare(row, best["ours"], best["torch"], unit="ms/epoch",
                                       peer=f"hand-written torch {_label(device)}", op="<=", bound=TARGET[device],
                                       ratio_name="ours/torch", note=note))
        results.append(harness.compare(row, best["ours xN"], best["torch"], unit="ms/epoch",
                                       peer=f"hand-written torch {_label(device)} (ours: {fast_engine.PER_EPOCH})",
                                       ratio_name="ours/torch",
                                       note=fast_engine.PER_EPOCH_NOTE))
        if "fast" in best:
            results.append(harness.compare(row, best["ours"], best["fast"], unit="ms/epoch",
                                           peer='engine="fast" (numpy)', ratio_name="ours/fast"))
    return results


def million_torch(repeats, scale=1.0):
    """One epoch of the 1M-link network on ``engine="torch"`` beside hand-written torch and the
    numpy engine (figures only)."""
    torch = harness.optional("torch")
    if torch is None:
        return [harness.skipped(ROW_1M.format(device="CPU"), "hand-written torch CPU", "torch not installed")]
    n = fast_engine.shrink(1000, scale, 10)
    samples = fast_engine.count(1000, scale, 100)
    spec = [("identity", n), ("relu", n)]
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(samples, n)), rng.normal(size=(samples, n))

    def epoch(net, engine, device=None):
        extra = {} if device is None else {"device": device}
        if engine == "fast":
            extra.update(harness.same_threads())
        return lambda: neuronsim.train(net, X, Y, loss="mse", optimizer=optim.SGD(lr=0.01), epochs=1,
                                       batch_size=100, seed=0, progress=False, engine=engine, **extra)

    def hand_written(device):
        model = torch.nn.Sequential(torch.nn.Linear(n, n), torch.nn.ReLU()).double().to(device)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        Xt, Yt = torch.tensor(X, device=device), torch.tensor(Y, device=device)
        generator = torch.Generator().manual_seed(0)

        def run():
            order = torch.randperm(len(Xt), generator=generator).to(device)
            for begin in range(0, len(Xt), 100):
                rows = order[begin:begin + 100]
                opt.zero_grad()
                ((model(Xt[rows]) - Yt[rows]) ** 2).mean().backward()
                opt.step()
            if device != "cpu":
                torch.cuda.synchronize()
        return run

    net = neuronsim.Network.from_spec(spec, seed=0, max_links=2_000_000)
    links = f"{net.graph.number_of_edges():,} links, whole train() calls"
    results = []
    rounds = max(1, min(repeats, 2))
    for device in devices():
        row = ROW_1M.format(device=_label(device))
        ours = epoch(net, "torch", device)
        contenders = {"ours": ours, "torch": hand_written(device)}
        if device == "cpu":
            contenders["fast"] = epoch(net, "fast")
        best = harness.interleaved(rounds, contenders, settle=harness.SETTLE)   # after a warm-up call of each
        results.append(harness.compare(row, best["ours"], best["torch"], unit="s",
                                       peer=f"hand-written torch {_label(device)}", ratio_name="ours/torch",
                                       note=links))
        if "fast" in best:
            results.append(harness.compare(row, best["ours"], best["fast"], unit="s", peer='engine="fast" (numpy)',
                                           ratio_name="ours/fast"))
    return results


WORKLOADS = ("W2", "1M")


def measure(chosen, repeats, scale=1.0):
    chosen = {name.lower() for name in chosen}
    results = []
    if "w2" in chosen:
        results += w2_torch(repeats, scale)
    if "1m" in chosen:
        results += million_torch(repeats, scale)
    return results


def main(argv=None):
    harness.script_main(__doc__, WORKLOADS, measure, argv)


if __name__ == "__main__":
    main()
