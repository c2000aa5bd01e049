"""Weights in and out of built models: state dict files (``.pt``/``.pth``/``.safetensors``),
checked loading, import of timm's and torchvision's checkpoints, and a model saved as one folder
(spec + weights: ``skbuilder.interop.weights.model_folder``)."""

from skbuilder.interop.weights.errors import Mismatch, WeightFileError, WeightImportError
from skbuilder.interop.weights.files import load_state_dict_file, save_state_dict_file
from skbuilder.interop.weights.load import (
    import_timm_state_dict,
    import_torchvision_state_dict,
    load_weights,
)
from skbuilder.interop.weights.timm_keys import timm_to_skbuilder_key

__all__ = [
    "Mismatch",
    "WeightFileError",
    "WeightImportError",
    "import_timm_state_dict",
    "import_torchvision_state_dict",
    "load_state_dict_file",
    "load_weights",
    "save_state_dict_file",
    "timm_to_skbuilder_key",
]
