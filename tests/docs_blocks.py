"""The block kind that docs/spec.md writes ("Your own block"), registered from the page itself,
so the tests that use it follow the page."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "spec.md"


def register_spec_page_kind() -> dict[str, object]:
    """Run the page's Python blocks (they register ``sk_double``); returns their namespace."""
    code = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict[str, object] = {"__name__": "spec_page_example"}
    for block in code:
        exec(compile(block, str(PAGE), "exec"), namespace)
    return namespace
