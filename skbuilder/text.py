"""Numbers and user text as the program shows them: one formatter for counts, one for tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence

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


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Collection[int] = (),
    footer: Sequence[Sequence[str]] = (),
) -> str:
    """Fixed-width columns for a terminal: the header, a rule, the rows and, after another rule,
    the ``footer`` rows (totals). Columns whose index is in ``right`` (numbers) align right."""
    lines = [tuple(head), *map(tuple, rows), *map(tuple, footer)]
    widths = [max(len(cells[i]) for cells in lines) for i in range(len(head))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [fmt(head), rule, *map(fmt, rows)]
    if footer:
        body += [rule, *map(fmt, footer)]
    return "\n".join(body)
