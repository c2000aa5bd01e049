"""Which module each op builds: the one place where the torch-free descriptions
(``skbuilder.blocks.ops``) meet torch.

The descriptions never import ``skbuilder.nn``; instead every op class is paired here with the
function that builds its module (``@builds(Conv)``). ``build_op`` finds the function by the op's
class, or the nearest base class that has one, so a subclass of ``Conv`` builds a ``ConvBnAct``.
A plugin that defines an op of its own registers its module the same way::

    from skbuilder.nn.ops import builds

    @builds(MyOp)
    def _(op: MyOp, layers: Layers) -> nn.Module:
        return MyModule(op.channels)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from torch import nn

from skbuilder.blocks.guarded import GuardedKind
from skbuilder.blocks.kind import BlockKind, ModuleKind
from skbuilder.blocks.ops import SK, Chain, Conv, Head, Op, Residual, Stem
from skbuilder.blocks.ops.bam import BAM
from skbuilder.blocks.ops.base import Layers
from skbuilder.blocks.ops.cbam import CBAM
from skbuilder.blocks.ops.se import SE
from skbuilder.blocks.ops.shuffle import ShuffleUnit, Steps
from skbuilder.blocks.params import BlockParams
from skbuilder.nn.blocks import ResidualBlock, ShuffleBlock
from skbuilder.nn.layers.bam import BAM as BAMModule
from skbuilder.nn.layers.cbam import CBAM as CBAMModule
from skbuilder.nn.layers.conv_bn_act import ConvBnAct, layer_classes
from skbuilder.nn.layers.head import ClassifierHead
from skbuilder.nn.layers.se import SqueezeExcite
from skbuilder.nn.layers.sk_conv import SKConv
from skbuilder.nn.layers.stem import Stem as StemModule

OpT = TypeVar("OpT", bound=Op)
OpBuilder = Callable[[Any, Layers], nn.Module]

_BUILDERS: dict[type[Op], OpBuilder] = {}


def builds(op_type: type[OpT]) -> Callable[[Callable[[OpT, Layers], nn.Module]], OpBuilder]:
    """Decorator: the function builds the module of every ``op_type`` op (and its subclasses
    without a function of their own)."""

    def register(function: Callable[[OpT, Layers], nn.Module]) -> OpBuilder:
        _BUILDERS[op_type] = function
        return function

    return register


def build_op(op: Op, layers: Layers = Layers()) -> nn.Module:
    """The module of ``op``, built with the layer classes of ``layers``."""
    for cls in type(op).__mro__:
        builder = _BUILDERS.get(cls)
        if builder is not None:
            return builder(op, layers)
    name = type(op).__name__
    raise TypeError(
        f"no module is registered for op {name}: register one with "
        f"@skbuilder.nn.ops.builds({name}) on a function (op, layers) -> nn.Module"
    )


def build_block(
    kind: BlockKind, w_in: int, w_out: int, stride: int, params: BlockParams
) -> nn.Module:
    """The module of one block: a kind written as a module class builds itself; every other
    kind builds the ops of its layout. A kind from outside skbuilder fails in its own name."""
    if isinstance(kind, GuardedKind):
        inner = kind.inner
        return kind.guard(
            "building its module", lambda: build_block(inner, w_in, w_out, stride, params)
        )
    if isinstance(kind, ModuleKind):
        module: nn.Module = kind.cls(w_in, w_out, stride, params)
        return module
    return build_op(kind.layout(w_in, w_out, stride, params), params.layers)


@builds(Conv)
def _conv(op: Conv, layers: Layers) -> nn.Module:
    return ConvBnAct.of(op, layers)


@builds(SK)
def _sk(op: SK, layers: Layers) -> nn.Module:
    norm_layer, act_layer = layer_classes(layers)
    return SKConv(
        op.w_in, op.w_out, stride=op.stride, sk=op.sk, norm_layer=norm_layer, act_layer=act_layer
    )


@builds(SE)
def _se(op: SE, layers: Layers) -> nn.Module:
    _, act_layer = layer_classes(layers)
    return SqueezeExcite(op.channels, op.hidden, act_layer=act_layer)


@builds(CBAM)
def _cbam(op: CBAM, layers: Layers) -> nn.Module:
    norm_layer, act_layer = layer_classes(layers)
    return CBAMModule(op.channels, op.hidden, op.kernel, norm_layer=norm_layer, act_layer=act_layer)


@builds(BAM)
def _bam(op: BAM, layers: Layers) -> nn.Module:
    return BAMModule(op, layers)


@builds(Stem)
def _stem(op: Stem, layers: Layers) -> nn.Module:
    return StemModule(op, layers)


@builds(Head)
def _head(op: Head, layers: Layers) -> nn.Module:
    conv = build_op(op.conv, layers) if op.conv is not None else None
    return ClassifierHead(op.features, op.num_classes, dropout=op.dropout, conv=conv)


def _sequence(steps: Steps, layers: Layers) -> nn.Sequential:
    return nn.Sequential(OrderedDict((name, build_op(op, layers)) for name, op in steps))


@builds(Chain)
def _chain(op: Chain, layers: Layers) -> nn.Module:
    return _sequence(op.steps, layers)


@builds(Residual)
def _residual(op: Residual, layers: Layers) -> nn.Module:
    shortcut = build_op(op.shortcut, layers) if op.shortcut is not None else None
    _, act_layer = layer_classes(layers)
    body = [(name, build_op(child, layers)) for name, child in op.body]
    return ResidualBlock(body, shortcut, act_layer)


@builds(ShuffleUnit)
def _shuffle(op: ShuffleUnit, layers: Layers) -> nn.Module:
    proj = _sequence(op.proj, layers) if op.proj is not None else None
    gate = build_op(op.gate, layers) if op.gate is not None else None
    return ShuffleBlock(_sequence(op.main, layers), proj, gate, op.groups)
