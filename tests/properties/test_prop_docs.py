"""The worked example of docs/property-testing.md runs, and its properties pass."""

from __future__ import annotations

import re
from pathlib import Path

from skbuilder.blocks import block_kinds, unregister_block

PAGE = Path(__file__).resolve().parents[2] / "docs" / "property-testing.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_the_worked_example_runs() -> None:
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    assert blocks, f"no python code blocks in {PAGE}"
    namespace: dict[str, object] = {"__name__": "property_testing_example"}
    before = set(block_kinds())
    try:
        for code in blocks:
            exec(compile(code, str(PAGE), "exec"), namespace)
        tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
        assert len(tests) >= 2, "the example should define its property tests"
        assert "sk_project" in block_kinds()
        for test in tests:
            test()
    finally:
        for kind in set(block_kinds()) - before:
            unregister_block(kind)
