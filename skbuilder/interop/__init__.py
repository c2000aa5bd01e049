"""The model and the outside world: weight files and timm import, export, inference fusion,
several processes."""

#: The batch an exported model is traced with (and keeps with a static batch).
EXAMPLE_BATCH = 2
