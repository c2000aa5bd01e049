"""One process of the two-process training test (run by tests/test_distributed.py).

Usage: python -m tests.ddp_worker RANK WORLD_SIZE RENDEZVOUS_FILE OUT_DIR SYNC(0|1)
Trains the tiny spec for a few steps with DistributedDataParallel over gloo, each rank on its
slice of the same global batches, and saves its final state dict to OUT_DIR/rankN.pt.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from skbuilder import build_model
from skbuilder.interop.distributed import convert_sync_batchnorm
from tests.tiny_specs import tiny_spec

STEPS = 3
GLOBAL_BATCH = 4
SEED = 0


def global_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The same batches on every rank (and in the single-process reference)."""
    gen = torch.Generator().manual_seed(SEED + 1)
    return [
        (
            torch.randn(GLOBAL_BATCH, 3, 32, 32, generator=gen),
            torch.randint(0, 10, (GLOBAL_BATCH,), generator=gen),
        )
        for _ in range(STEPS)
    ]


def fresh_model() -> torch.nn.Module:
    torch.manual_seed(SEED)
    return build_model(tiny_spec())


def make_optimizer(model: torch.nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def main(rank: int, world: int, rendezvous: str, out: Path, sync: bool) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"file://{rendezvous}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=60),
    )
    try:
        model = fresh_model()
        if sync:
            model = convert_sync_batchnorm(model)
        ddp = DistributedDataParallel(model)
        optimizer = make_optimizer(ddp)
        share = GLOBAL_BATCH // world
        for x, y in global_batches():
            xs, ys = x[rank * share : (rank + 1) * share], y[rank * share : (rank + 1) * share]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(ddp(xs), ys).backward()
            optimizer.step()
        torch.save(model.state_dict(), out / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    rank_arg, world_arg, rendezvous_arg, out_arg, sync_arg = sys.argv[1:6]
    main(int(rank_arg), int(world_arg), rendezvous_arg, Path(out_arg), sync_arg == "1")
