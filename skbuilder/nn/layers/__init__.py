"""Building blocks, one primitive per file."""

from skbuilder.nn.layers.conv_bn_act import ConvBnAct
from skbuilder.nn.layers.head import ClassifierHead
from skbuilder.nn.layers.sk_conv import Fuse, Select, SKConv
from skbuilder.nn.layers.stem import Stem

__all__ = ["ClassifierHead", "ConvBnAct", "Fuse", "SKConv", "Select", "Stem"]
