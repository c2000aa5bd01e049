"""Building blocks, one primitive per file."""

from skbuilder.layers.conv_bn_act import ConvBnAct
from skbuilder.layers.head import ClassifierHead
from skbuilder.layers.sk_conv import Fuse, Select, SKConv
from skbuilder.layers.stem import Stem

__all__ = ["ClassifierHead", "ConvBnAct", "Fuse", "SKConv", "Select", "Stem"]
