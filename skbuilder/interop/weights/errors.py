"""What goes wrong when weights meet a model: an unreadable file, or keys that do not fit."""

from __future__ import annotations

from dataclasses import dataclass

#: How many keys of each kind a message lists before it says "and N more".
SHOWN_KEYS = 8


class WeightFileError(ValueError):
    """A weight file that cannot be read: missing, unknown suffix, corrupted, not a state dict."""


@dataclass(frozen=True)
class Mismatch:
    """A key both sides have, with different shapes."""

    key: str
    model_shape: tuple[int, ...]
    given_shape: tuple[int, ...]
    source_key: str | None = None  # the key as the checkpoint names it, when renamed

    def __str__(self) -> str:
        renamed = self.source_key and self.source_key != self.key
        origin = f" (from {self.source_key})" if renamed else ""
        return f"{self.key}{origin}: model {self.model_shape}, given {self.given_shape}"


class WeightImportError(ValueError):
    """A state dict that does not fit the model. Nothing was loaded.

    ``missing``: the model's keys the state dict lacks; ``unexpected``: the state dict's keys the
    model lacks (as the checkpoint names them); ``mismatched``: keys whose shapes differ.
    """

    def __init__(
        self,
        model_name: str,
        *,
        missing: list[str],
        unexpected: list[str],
        mismatched: list[Mismatch],
        hint: str | None = None,
    ) -> None:
        self.model_name = model_name
        self.missing = missing
        self.unexpected = unexpected
        self.mismatched = mismatched
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        counts = (
            f"{len(self.missing)} missing, {len(self.unexpected)} unexpected, "
            f"{len(self.mismatched)} mis-shaped"
        )
        lines = [f"state dict does not fit model {self.model_name!r} ({counts}); nothing loaded"]
        for label, items in (
            ("missing", self.missing),
            ("unexpected", self.unexpected),
            ("mis-shaped", [str(m) for m in self.mismatched]),
        ):
            if not items:
                continue
            lines.append(f"  {label}:")
            lines += [f"    {item}" for item in items[:SHOWN_KEYS]]
            if len(items) > SHOWN_KEYS:
                lines.append(f"    ... and {len(items) - SHOWN_KEYS} more")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)
