"""The block kind written in docs/spec.md works as the page says: registered, checked, costed,
drawn and built from its one description."""

from __future__ import annotations

import sys

import torch

from skbuilder import build_model, parse_spec, summarize
from skbuilder.blocks import unregister_block
from skbuilder.render import block_diagram
from skbuilder.testing import check_complexity, spec_cost
from tests.docs_blocks import register_spec_page_kind


def test_the_block_kind_of_the_spec_page() -> None:
    try:
        register_spec_page_kind()
        spec = parse_spec(
            "name: mine\ninput: {image_size: 32}\nstem: {width: 8}\nsk: {G: 2, L: 4}\n"
            "stages:\n  - {depth: 2, mid_width: 8, out_width: 16, stride: 2, block: sk_double}\n"
        )
        assert summarize(spec).stage_rows()[0].attention == "sk"
        assert "SK double block" in block_diagram(spec).source
        model = build_model(spec)
        check_complexity(model, torch.randn(2, 3, 32, 32), spec_cost(spec, 32, 32))
    finally:
        unregister_block("sk_double")
        sys.modules.pop("spec_page_example", None)
