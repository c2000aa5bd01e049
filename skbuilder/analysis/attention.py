"""Record the select step's attention (how each SK conv mixes its M branches) during a forward.

Every SK conv's ``Select`` returns ``a`` of shape (batch, M, C, 1, 1) with ``a.sum(1) == 1``;
a forward hook on it keeps ``a`` as (batch, M, C), detached, under the SK conv's name in the
network: ``<stage>.<block index>.<attribute>`` (e.g. ``conv3.1.conv2``: stage ``conv3``, its
second block, the SK conv at ``conv2``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import cast

import torch
from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from skbuilder.nn.layers.sk_conv import SKConv
from skbuilder.nn.model import Stage


@dataclass(frozen=True)
class SKSite:
    """Where one SK conv sits: its name, the block it belongs to, and the module itself."""

    name: str  # e.g. "conv3.1.conv2"
    block: str  # e.g. "conv3.1"; the name itself for SK convs found outside stages
    module: SKConv

    @property
    def kernels(self) -> tuple[int, ...]:
        """Receptive field of each branch (a 3x3 with dilation 2 counts as 5)."""
        convs = [cast(nn.Conv2d, branch.conv) for branch in self.module.split]
        return tuple(c.dilation[0] * (c.kernel_size[0] - 1) + 1 for c in convs)


def widest_and_narrowest(extents: tuple[int, ...]) -> tuple[int, int]:
    """Indices of the branch with the largest receptive field and of the one with the smallest
    (the first of each on ties): the paper's "larger minus smaller kernel" is taken between
    these, whatever order a spec lists its kernels in. ValueError when all are equal."""
    if len(set(extents)) < 2:
        raise ValueError(f"branches of receptive fields {list(extents)}: none is larger")
    return extents.index(max(extents)), extents.index(min(extents))


def _selects(module: nn.Module) -> bool:
    """An SK conv with a choice to make (a single branch has no select step)."""
    return isinstance(module, SKConv) and module.attends


def sk_sites(model: nn.Module) -> list[SKSite]:
    """Every SK conv of ``model`` in forward order, named by stage, block and attribute.

    Stages (``Stage`` modules) give their spec names; SK convs elsewhere keep their module path.
    """
    sites: list[SKSite] = []
    in_stages: set[int] = set()
    for stage in (m for m in model.modules() if isinstance(m, Stage)):
        for index, block in enumerate(stage):
            block_name = f"{stage.name}.{index}"
            for attr, module in block.named_modules():
                if _selects(module):
                    name = f"{block_name}.{attr}" if attr else block_name
                    sites.append(SKSite(name, block_name, module))
                    in_stages.add(id(module))
    for path, module in model.named_modules():
        if _selects(module) and id(module) not in in_stages:
            name = path or "sk"
            sites.append(SKSite(name, name, module))
    return sites


class AttentionCapture:
    """Context manager: while open, every forward of ``model`` adds its attention to the record.

    ``attention[name]`` is (batch, M, C); forwards inside one ``with`` are concatenated along
    the batch. Tensors are detached (no graph is kept alive) and, with ``to_cpu``, moved to the
    CPU. Hooks are removed on exit, also when the block raises. Works in train and eval mode.
    """

    def __init__(self, model: nn.Module, *, to_cpu: bool = True) -> None:
        self.model = model
        self.to_cpu = to_cpu
        self.sites = sk_sites(model)
        self._records: dict[str, list[Tensor]] = {s.name: [] for s in self.sites}
        self._handles: list[RemovableHandle] = []

    def __enter__(self) -> AttentionCapture:
        if self._handles:
            raise RuntimeError("this AttentionCapture is already open")
        try:
            for site in self.sites:
                self._handles.append(site.module.select.register_forward_hook(self._hook(site)))
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def remove(self) -> None:
        """Remove every hook this capture registered (safe to call twice)."""
        while self._handles:
            self._handles.pop().remove()

    def clear(self) -> None:
        """Forget what was recorded so far."""
        for records in self._records.values():
            records.clear()

    def _hook(self, site: SKSite) -> Callable[[nn.Module, tuple[Tensor, ...], Tensor], None]:
        def record(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
            a = output.detach().flatten(2)  # a copy, so later in-place ops cannot change it
            self._records[site.name].append(a.to("cpu", copy=True) if self.to_cpu else a.clone())

        return record

    @property
    def attention(self) -> dict[str, Tensor]:
        """Name -> (batch, M, C) attention of every SK conv that ran, in forward order."""
        return {
            name: torch.cat(records) if len(records) > 1 else records[0]
            for name, records in self._records.items()
            if records
        }

    def stats(self) -> list[BlockAttention]:
        """``attention_stats`` of what was recorded, with each branch's kernel size."""
        kernels = {s.name: s.kernels for s in self.sites}
        return attention_stats(self.attention, kernels)


def capture_attention(model: nn.Module, x: Tensor, *, to_cpu: bool = True) -> dict[str, Tensor]:
    """One forward of ``x`` without autograd; the attention of every SK conv (see
    ``AttentionCapture``). The model's train/eval mode is left as it is."""
    with AttentionCapture(model, to_cpu=to_cpu) as capture, torch.no_grad():
        model(x)
    return capture.attention


@dataclass(frozen=True)
class BlockAttention:
    """Statistics of one SK conv's attention over a batch."""

    name: str
    branch_mean: tuple[float, ...]  # mean attention on each branch, over batch and channels
    difference: Tensor  # (C,): batch-mean per channel of a[widest field] - a[narrowest field]
    kernels: tuple[int, ...] | None = None  # receptive field of each branch, when known

    @property
    def M(self) -> int:
        return len(self.branch_mean)


def attention_stats(
    attention: dict[str, Tensor], kernels: dict[str, tuple[int, ...]] | None = None
) -> list[BlockAttention]:
    """Per SK conv: the mean attention on each branch, and per channel the batch-mean of the
    attention on the widest branch minus the narrowest (by ``kernels``, each branch's receptive
    field; without them the last branch minus the first), as in the paper's Figs. 3-4."""
    out = []
    for name, a in attention.items():
        if a.dim() != 3:
            raise ValueError(f"{name}: expected attention of shape (batch, M, C), got {a.shape}")
        a = a.float()
        branch_mean = tuple(float(v) for v in a.mean((0, 2)))
        extents = (kernels or {}).get(name)
        wide, narrow = (
            widest_and_narrowest(extents)
            if extents and len(set(extents)) > 1
            else (a.shape[1] - 1, 0)
        )
        difference = (a[:, wide] - a[:, narrow]).mean(0)
        out.append(BlockAttention(name, branch_mean, difference, (kernels or {}).get(name)))
    return out


def stats_table(stats: list[BlockAttention]) -> str:
    """A fixed-width text table of the statistics, one SK conv a line."""
    width = max([len("sk conv"), *(len(s.name) for s in stats)])
    M = max((s.M for s in stats), default=2)
    head = "  ".join(f"a{m}".rjust(6) for m in range(1, M + 1))  # branches from 1, as drawn
    lines = [f"{'sk conv'.ljust(width)}  {head}  {'wide-narrow mean':>16}  {'std':>6}"]
    for s in stats:
        means = "  ".join(f"{v:6.3f}" for v in s.branch_mean).ljust(len(head))
        d = s.difference
        std = float(d.std()) if d.numel() > 1 else 0.0
        lines.append(f"{s.name.ljust(width)}  {means}  {float(d.mean()):16.4f}  {std:6.4f}")
    return "\n".join(lines)
