"""The worked example of docs/property-testing.md runs, and its properties pass."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from skbuilder.blocks import block_kinds, unregister_block
from skbuilder.spec import spec_from_dict
from skbuilder.testing.strategies import network_spec_dicts

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
        every_drawing_is_valid()
    finally:
        for kind in set(block_kinds()) - before:
            unregister_block(kind)


def every_drawing_is_valid() -> None:
    """The page's block takes no attention but "none": the strategy draws only specs it
    accepts (none thrown away, so the page's examples stay fast)."""

    @settings(max_examples=40, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(network_spec_dicts(block_kinds=["sk_project", "basic"]))
    def valid(data: dict[str, object]) -> None:
        spec_from_dict(data)

    valid()
