"""Parameter names of timm's and torchvision's models -> skbuilder's, as explicit rewrite rules,
one table per family of models. Nothing is matched by position: a key no rule names is
reported, never guessed.

- ``resnet``: timm's ``ResNet`` (``resnext*``, ``seresnext*``, ``skresnet*``, ``skresnext*``)
  and torchvision's ``ResNet`` (``resnext50_32x4d``): stem ``conv1``/``bn1``, stages
  ``layer1..layer4``, classifier ``fc``. A plain block's convs are ``convK`` with norm
  ``bnK``; timm's SK blocks wrap each as ``convK.conv``/``convK.bn`` and their SK conv (timm's
  ``SelectiveKernel``) has ``paths.N`` (our split) and ``attn.fc_reduce``/``attn.bn`` (our
  fuse) and ``attn.fc_select`` (our select); the SE gate is ``se.fc1``/``se.fc2``; the
  projection shortcut ``downsample.0``/``.1``.
- ``legacy_senet``: timm's ``legacy_seresnext*`` (its ``SENet``): the stem is ``layer0.conv1``/
  ``layer0.bn1``, the gate ``se_module.fc1``/``.fc2``, the classifier ``last_linear``.
- ``shufflenet_v2``: torchvision's ``ShuffleNetV2``: stem ``conv1.0``/``.1``, stages
  ``stage2..stage4``, each unit's ``branch1`` (stride 2 only: depthwise 3x3 + BN, 1x1 + BN, our
  ``proj``) and ``branch2`` (1x1 + BN, depthwise 3x3 + BN, 1x1 + BN, our ``main``), then
  ``conv5.0``/``.1`` (our head's conv) and ``fc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


def _first(rules: Iterable[Rule], key: str) -> str | None:
    for rule in rules:
        ours = rule.apply(key)
        if ours is not None:
            return ours or None  # "" is a key inside a block that no block rule knows
    return None


#: Names inside one residual block (the part after ``layerI.J.``).
RESIDUAL_BLOCK_RULES: tuple[Rule, ...] = (
    Rule(r"downsample\.0\.(\w+)", r"shortcut.conv.\1"),
    Rule(r"downsample\.1\.(\w+)", r"shortcut.bn.\1"),
    Rule(r"(conv\d)\.weight", r"\1.conv.weight"),  # a plain conv, its norm is bnK
    Rule(r"bn(\d)\.(\w+)", r"conv\1.bn.\2"),
    Rule(r"(conv\d)\.paths\.(\d+)\.(conv|bn)\.(\w+)", r"\1.split.\2.\3.\4"),
    Rule(r"(conv\d)\.attn\.fc_reduce\.(\w+)", r"\1.fuse.fc.\2"),
    Rule(r"(conv\d)\.attn\.bn\.(\w+)", r"\1.fuse.bn.\2"),
    Rule(r"(conv\d)\.attn\.fc_select\.(\w+)", r"\1.select.fc.\2"),
    Rule(r"(conv\d)\.(conv|bn)\.(\w+)", r"\1.\2.\3"),  # timm's ConvNormAct
    Rule(r"(?:se|se_module)\.(fc[12])\.(weight|bias)", r"gate.\1.\2"),
)


def _residual_block(first_stage: int) -> Callable[[re.Match[str]], str]:
    def rename(match: re.Match[str]) -> str:
        stage, index, rest = int(match[1]), match[2], match[3]
        inner = _first(RESIDUAL_BLOCK_RULES, rest)
        return f"stages.{stage - first_stage}.{index}.{inner}" if inner else ""

    return rename


#: ShuffleNetV2 unit layers: (branch, index in its Sequential) -> our (branch, conv).
SHUFFLE_LAYERS = {
    ("branch1", 0): "proj.conv1.conv",
    ("branch1", 1): "proj.conv1.bn",
    ("branch1", 2): "proj.conv2.conv",
    ("branch1", 3): "proj.conv2.bn",
    ("branch2", 0): "main.conv1.conv",
    ("branch2", 1): "main.conv1.bn",
    ("branch2", 3): "main.conv2.conv",
    ("branch2", 4): "main.conv2.bn",
    ("branch2", 5): "main.conv3.conv",
    ("branch2", 6): "main.conv3.bn",
}


def _shuffle_unit(match: re.Match[str]) -> str:
    stage, index, branch, layer, name = int(match[1]), match[2], match[3], int(match[4]), match[5]
    ours = SHUFFLE_LAYERS.get((branch, layer))
    return f"stages.{stage - 2}.{index}.{ours}.{name}" if ours else ""


@dataclass(frozen=True)
class Family:
    """One family of reference models: how to tell its state dicts, and its naming rules."""

    name: str
    models: str  # which models, in words
    marker: str  # a key every state dict of the family has
    rules: tuple[Rule, ...]

    def key(self, key: str) -> str | None:
        """Our name for ``key``; None when no rule covers it."""
        return _first(self.rules, key)


RESNET = Family(
    "resnet",
    "timm's resnext*/seresnext*/skresnet*/skresnext*, torchvision's resnext50_32x4d",
    "conv1.weight",
    (
        Rule(r"conv1\.weight", "stem.convs.0.conv.weight"),
        Rule(r"bn1\.(\w+)", r"stem.convs.0.bn.\1"),
        Rule(r"layer([1-9]\d*)\.(\d+)\.(.+)", _residual_block(1)),
        Rule(r"fc\.(weight|bias)", r"head.fc.\1"),
    ),
)
LEGACY_SENET = Family(
    "legacy_senet",
    "timm's legacy_seresnext50_32x4d/legacy_seresnext101_32x4d",
    "layer0.conv1.weight",
    (
        Rule(r"layer0\.conv1\.weight", "stem.convs.0.conv.weight"),
        Rule(r"layer0\.bn1\.(\w+)", r"stem.convs.0.bn.\1"),
        Rule(r"layer([1-9]\d*)\.(\d+)\.(.+)", _residual_block(1)),
        Rule(r"last_linear\.(weight|bias)", r"head.fc.\1"),
    ),
)
SHUFFLENET_V2 = Family(
    "shufflenet_v2",
    "torchvision's shufflenet_v2_x0_5/shufflenet_v2_x1_0",
    "conv1.0.weight",
    (
        Rule(r"conv1\.0\.weight", "stem.convs.0.conv.weight"),
        Rule(r"conv1\.1\.(\w+)", r"stem.convs.0.bn.\1"),
        Rule(r"stage([2-9])\.(\d+)\.(branch[12])\.(\d+)\.(\w+)", _shuffle_unit),
        Rule(r"conv5\.0\.weight", "head.conv.conv.weight"),
        Rule(r"conv5\.1\.(\w+)", r"head.conv.bn.\1"),
        Rule(r"fc\.(weight|bias)", r"head.fc.\1"),
    ),
)
TIMM_FAMILIES = (LEGACY_SENET, RESNET)
TORCHVISION_FAMILIES = (SHUFFLENET_V2, RESNET)


@dataclass(frozen=True)
class Refusal:
    """Keys of a module that differs from the one our spec builds, and why it is refused."""

    pattern: str
    reason: str


#: Reference modules whose weights have no exact counterpart in our specs.
REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        r".*\.se\.(channel|spatial)\..*",
        "timm's CBAM is not the paper's: its channel MLP has no biases and its spatial gate "
        "takes [mean, max] where the official CBAM (and resnext50_cbam) take [max, mean] with "
        "biased MLPs; its weights are not loaded",
    ),
)


def family_of(keys: Iterable[str], families: tuple[Family, ...]) -> Family | None:
    """The family whose marker key ``keys`` holds, tried in order (most specific first)."""
    present = set(keys)
    return next((f for f in families if f.marker in present), None)


def refusal_for(keys: Iterable[str]) -> tuple[Refusal, list[str]] | None:
    """The first refusal any key matches, with the keys it matches."""
    keys = list(keys)
    for refusal in REFUSALS:
        hits = [k for k in keys if re.fullmatch(refusal.pattern, k)]
        if hits:
            return refusal, hits
    return None


def timm_to_skbuilder_key(key: str) -> str | None:
    """Our name for a key of timm's ResNet family; None when no rule covers it."""
    return RESNET.key(key)


def looks_like_timm(keys: list[str]) -> bool:
    """Whether state dict keys follow timm's (or torchvision's) naming."""
    return family_of(keys, (*TIMM_FAMILIES, SHUFFLENET_V2)) is not None and any(
        k.startswith(("layer1.", "stage2.")) for k in keys
    )
