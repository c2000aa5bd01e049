"""Numbers and user text as the program shows them: one formatter for counts."""

from __future__ import annotations

_UNITS = (("E", 10**18), ("P", 10**15), ("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3))


def human(n: int | float) -> str:
    """A count with an SI suffix and two decimals: ``27479784`` -> ``27.48M``, ``4462700000``
    -> ``4.46G``; counts below 1000 as they are, beyond 1000E in scientific notation."""
    size = abs(n)
    if size >= 1000 * 10**18:
        return f"{n:.2e}"
    for unit, scale in _UNITS:
        if size >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:g}" if isinstance(n, float) else str(n)
