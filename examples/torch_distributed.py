"""Outgrowing one machine: a neuronsim DAG trained with PyTorch's DistributedDataParallel.
=========================================================================================

A network designed in neuronsim — here one with skip links (the inputs straight into the
output neuron, and a first-layer neuron into it past the second layer) — is exported with
``net.to_torch()`` and trained by ``torch.nn.parallel.DistributedDataParallel`` (DDP) on
several processes: the gloo backend on the CPU, nccl on GPUs (``--device cuda``). neuronsim
has no distributed engine of its own; PyTorch's is the one it runs on.

Each step takes one fixed **global batch** of rows (the same shuffled order on every
process, seeded per epoch) and gives each process its share of it, every world-size-th row
(as ``torch.utils.data.DistributedSampler`` splits a data set). Each process's loss is its
rows' summed loss scaled by ``world size / global batch``; DDP averages the gradients over the
processes, so every step uses the gradient of the global batch's mean loss — the training is
the same, to rounding, whether it runs on one process or many. At the end the first process
(rank 0) writes the trained weights back into the graph (``module.write_back(net)``) and saves
the network with ``neuronsim.io.save``, ready for ``neuronsim.load``, ``net.explain`` and the plots.

Run on 2 processes:   torchrun --nproc_per_node=2 examples/torch_distributed.py [--out FILE]
Run on 1 process:     python examples/torch_distributed.py [--out FILE]
Options: --epochs N  --batch N (the global batch)  --seed N  --device cpu|cuda  --lr X

Needs PyTorch (``pip install "neuronsim[torch]"``); without it the example says so and exits.
"""

import argparse
import os
import sys
from pathlib import Path

import neuronsim
from neuronsim import datasets, io

SPEC = {"layers": [("identity", 2), ("tanh", 12), ("tanh", 6), ("sigmoid", 1)],
        "edges": [["x1", "o1"], ["x2", "o1"],          # skip links: inputs straight to the output
                  ["h1_1", "o1"]]}                      # and a first-layer neuron past the second layer


def setup(device_name):
    """Join the process group: the one torchrun describes in the environment, or else a group
    of one process (an in-memory store: no port, nothing to wait for)."""
    import torch
    import torch.distributed as dist

    launched = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rank = int(os.environ.get("RANK", 0))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if device_name == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: CUDA is not available here; use --device cpu")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    if launched:
        dist.init_process_group(backend)                 # MASTER_ADDR/PORT, RANK, WORLD_SIZE from torchrun
    else:
        dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1)
    return rank, dist.get_world_size(), device


def train(args):
    """Join the process group, train, and leave the group (also when training fails)."""
    import torch.distributed as dist

    rank, world, device = setup(args.device)
    try:
        train_and_save(args, rank, world, device)
        dist.barrier()              # nobody leaves before the file is written
    finally:                        # DDP and its buffers are gone by now: the group can go
        dist.destroy_process_group()


def train_and_save(args, rank, world, device):
    """Train the exported network with DDP; on rank 0 write it back and save it."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from neuronsim.torch_bridge import torch_loss

    # Every process builds the same network and data (same seeds); DDP also broadcasts rank 0's
    # parameters when it wraps the module, so all processes start from the same weights.
    net = neuronsim.Network.from_spec(SPEC, seed=args.seed)
    X, Y = datasets.moons(n=args.samples, seed=args.seed)
    module = net.to_torch(device=device)             # float64: the same numbers as neuronsim's
    model = DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=device)
    Yt = torch.as_tensor(Y, dtype=torch.float64, device=device)
    loss_fn = torch_loss("binary_cross_entropy")     # summed over the rows it is given
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    if rank == 0:
        print(f"{world} process(es), backend {dist.get_backend()}, device {device}; "
              f"network: {net!r}")
        print(f"exported as {module.extra_repr()}; global batch {args.batch}, "
              f"{-(-args.batch // world)} rows per process")
    n = len(X)
    for epoch in range(args.epochs):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(args.seed + epoch)).to(device)
        total = torch.zeros((), dtype=torch.float64, device=device)
        for begin in range(0, n, args.batch):
            batch = order[begin:begin + args.batch]          # the global batch, the same everywhere
            mine = batch[rank::world]                         # this process's share of it
            optimizer.zero_grad()
            loss = loss_fn(model(Xt[mine]), Yt[mine])
            (loss * (world / len(batch))).backward()          # DDP averages: the global batch's mean
            optimizer.step()
            total += loss.detach()
        dist.all_reduce(total)                                # the epoch's summed loss, all rows
        if rank == 0 and (epoch + 1) % max(1, args.epochs // 5) == 0:
            print(f"epoch {epoch + 1:3d}: mean loss {total.item() / n:.4f}")
    if rank == 0:
        module.write_back(net)                                # the graph holds the trained weights
        accuracy = float(((net.predict(X) > 0.5) == (Y > 0.5)).mean())
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        io.save(net, out, metadata={"trained_by": "DistributedDataParallel", "processes": world,
                                "global_batch": args.batch, "epochs": args.epochs})
        print(f"accuracy on the training data {accuracy:.3f}; saved the network to {out}")
        print(f"skip link x1 -> o1 now has the weight {net.weight('x1', 'o1'):.6f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--out", default=os.path.join("torch_distributed_out", "network.json"),
                        help="the JSON file the trained network is saved to "
                             "(default torch_distributed_out/network.json)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32, help="the global batch (default 32)")
    parser.add_argument("--samples", type=int, default=200, help="rows of the two-moons data (default 200)")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cpu (gloo backend) or cuda (nccl backend, one GPU per process)")
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print('PyTorch is not installed: pip install "neuronsim[torch]" to run this example (skipped)')
        return 0
    import torch.distributed as dist

    if not dist.is_available() or (args.device == "cpu" and not dist.is_gloo_available()):
        print("this PyTorch build has no torch.distributed gloo backend; the example needs it (skipped)")
        return 0
    train(args)
    return 0


if __name__ == "__main__":
    status = main()
    if status:   # exit only on failure: a clean sys.exit(0) would also end a sphinx-gallery build
        sys.exit(status)
