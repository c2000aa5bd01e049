"""timm's ResNet-family parameter names -> skbuilder's, as explicit rewrite rules.

timm's ``skresnet18``/``skresnet34``/``skresnext50_32x4d`` are timm ``ResNet``s: stem ``conv1``/
``bn1``, stages ``layer1..layer4``, classifier ``fc``. Inside a block the convs keep their names
(``conv1..conv3``, each a ConvNormAct with ``.conv``/``.bn``), and the SK conv (timm's
``SelectiveKernel``) has ``paths.N`` (our split branches) and ``attn.fc_reduce``/``attn.bn`` (our
fuse) and ``attn.fc_select`` (our select). The projection shortcut is ``downsample.0``/``.1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """Rewrite a key that matches ``pattern`` in full into ``replacement`` (``re`` syntax)."""

    pattern: str
    replacement: str | Callable[[re.Match[str]], str]

    def apply(self, key: str) -> str | None:
        match = re.fullmatch(self.pattern, key)
        if match is None:
            return None
        if callable(self.replacement):
            return self.replacement(match)
        return match.expand(self.replacement)


#: Names inside one block (the part after ``layerI.J.``).
BLOCK_RULES: tuple[Rule, ...] = (
    Rule(r"downsample\.0\.(\w+)", r"shortcut.conv.\1"),
    Rule(r"downsample\.1\.(\w+)", r"shortcut.bn.\1"),
    Rule(r"(conv\d)\.paths\.(\d+)\.(conv|bn)\.(\w+)", r"\1.split.\2.\3.\4"),
    Rule(r"(conv\d)\.attn\.fc_reduce\.(\w+)", r"\1.fuse.fc.\2"),
    Rule(r"(conv\d)\.attn\.bn\.(\w+)", r"\1.fuse.bn.\2"),
    Rule(r"(conv\d)\.attn\.fc_select\.(\w+)", r"\1.select.fc.\2"),
    Rule(r"(conv\d)\.(conv|bn)\.(\w+)", r"\1.\2.\3"),
)


def _block_key(match: re.Match[str]) -> str:
    stage, index, rest = int(match[1]), match[2], match[3]
    for rule in BLOCK_RULES:
        inner = rule.apply(rest)
        if inner is not None:
            return f"stages.{stage - 1}.{index}.{inner}"
    return ""  # a block key no rule knows


#: Names outside the blocks; ``layerI.J.*`` becomes ``stages.(I-1).J.*``.
TOP_RULES: tuple[Rule, ...] = (
    Rule(r"conv1\.weight", "stem.convs.0.conv.weight"),
    Rule(r"bn1\.(\w+)", r"stem.convs.0.bn.\1"),
    Rule(r"layer([1-9]\d*)\.(\d+)\.(.+)", _block_key),
    Rule(r"fc\.(weight|bias)", r"head.fc.\1"),
)


def timm_to_skbuilder_key(key: str) -> str | None:
    """Our name for timm's ``key``; None when no rule covers it."""
    for rule in TOP_RULES:
        ours = rule.apply(key)
        if ours is not None:
            return ours or None
    return None


def looks_like_timm(keys: list[str]) -> bool:
    """Whether state dict keys follow timm's ResNet naming (``conv1.weight``, ``layerN.*``)."""
    return "conv1.weight" in keys and any(k.startswith("layer1.") for k in keys)
