"""Two processes train with DistributedDataParallel over gloo (CPU, loopback only) and end where
one process training on the whole batch ends; SyncBatchNorm2d is what makes that true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from skbuilder import build_model
from skbuilder.interop.distributed import SyncBatchNorm2d, convert_sync_batchnorm
from tests import ddp_worker
from tests.tiny_specs import tiny_spec

ROOT = Path(__file__).resolve().parent.parent
WORLD = 2
TIME_LIMIT_S = 120

pytestmark = pytest.mark.skipif(
    not dist.is_available() or not dist.is_gloo_available(), reason="needs torch.distributed gloo"
)


def _loopback_interface() -> str | None:
    names = [name for _, name in socket.if_nameindex()] if hasattr(socket, "if_nameindex") else []
    return next((n for n in names if n.startswith("lo")), None)


def _train_on_two_processes(tmp_path: Path, *, sync: bool) -> list[dict[str, torch.Tensor]]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    if (lo := _loopback_interface()) is not None:
        env["GLOO_SOCKET_IFNAME"] = lo  # gloo talks over loopback only
    rendezvous = tmp_path / "rendezvous"
    worker = [sys.executable, "-m", "tests.ddp_worker"]
    procs = [
        subprocess.Popen(
            [*worker, str(rank), str(WORLD), str(rendezvous), str(tmp_path), str(int(sync))],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for rank in range(WORLD)
    ]
    try:
        outputs = [p.communicate(timeout=TIME_LIMIT_S)[0].decode() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for rank, (p, text) in enumerate(zip(procs, outputs)):
        assert p.returncode == 0, f"rank {rank} failed:\n{text}"
    return [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


def _single_process_reference() -> dict[str, torch.Tensor]:
    model = ddp_worker.fresh_model()
    optimizer = ddp_worker.make_optimizer(model)
    for x, y in ddp_worker.global_batches():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model.state_dict()


def _max_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


@pytest.mark.slow
def test_ddp_with_sync_batchnorm_matches_one_process_on_the_whole_batch(tmp_path):
    ranks = _train_on_two_processes(tmp_path, sync=True)
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0])  # ranks stay in sync
    assert _max_diff(ranks[0], _single_process_reference()) <= 1e-5


@pytest.mark.slow
def test_without_sync_the_statistics_differ(tmp_path):
    ranks = _train_on_two_processes(tmp_path, sync=False)
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0] if "running" not in k)
    assert _max_diff(ranks[0], _single_process_reference()) > 1e-3


def test_conversion_shares_tensors_and_keeps_outputs():
    model = build_model(tiny_spec()).eval()
    before = dict(model.named_parameters())
    before_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(x)
    converted = convert_sync_batchnorm(model)
    norms = [m for m in converted.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == len(before_norms)
    assert all(type(m) is SyncBatchNorm2d for m in norms)
    assert all(p is before[name] for name, p in converted.named_parameters())
    with torch.no_grad():
        assert torch.equal(converted(x), expected)


def test_outside_a_process_group_it_is_batchnorm():
    plain = torch.nn.BatchNorm2d(8, momentum=None)
    synced = convert_sync_batchnorm(torch.nn.Sequential(torch.nn.BatchNorm2d(8, momentum=None)))
    x = torch.randn(4, 8, 5, 5)
    assert torch.equal(synced(x), plain(x))
    assert torch.equal(synced[0].running_var, plain.running_var)


def test_build_with_sync_batchnorm_as_the_norm_layer():
    model = build_model(tiny_spec(), norm_layer=SyncBatchNorm2d)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    plain = build_model(tiny_spec())
    assert len(norms) == sum(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())
    assert all(type(m) is SyncBatchNorm2d for m in norms)
