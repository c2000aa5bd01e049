"""The model and the outside world: weight files and timm import, export, inference fusion,
several processes."""
