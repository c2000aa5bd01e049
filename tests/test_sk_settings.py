"""SK settings written out branch by branch, and how a stage's override replaces the list."""

from __future__ import annotations

import pytest
import torch

from skbuilder import build_model, parse_spec, summarize
from skbuilder.blocks import SKSpec
from skbuilder.spec import SpecError
from skbuilder.testing import check_complexity, spec_cost

ONE_STAGE = """name: branches
input: {{image_size: 32}}
stem: {{width: 16}}
sk: {sk}
stages:
  - {{depth: 2, mid_width: 16, out_width: 32, stride: 2, block: sk_bottleneck}}
head: {{num_classes: 10}}
"""


def test_written_out_branches_build_as_written() -> None:
    sk = "{G: 4, L: 8, branches: [{kernel: 3}, {kernel: 5, groups: 8}, {kernel: 3, dilation: 3}]}"
    spec = parse_spec(ONE_STAGE.format(sk=sk))
    assert spec.sk.M == 3 and spec.sk.kernel_sizes == (3, 5, 7)
    model = build_model(spec)
    convs = [b.conv for b in model.stages[0][0].conv2.split]
    assert [(c.kernel_size[0], c.dilation[0], c.groups) for c in convs] == [
        (3, 1, 4),
        (5, 1, 8),
        (3, 3, 4),
    ]
    assert [c.padding[0] for c in convs] == [1, 2, 3]
    check_complexity(model, torch.randn(2, 3, 32, 32), spec_cost(spec, 32, 32))


@pytest.mark.parametrize(
    ("sk", "words"),
    [
        ("{kernels: [3, 5], branches: [{kernel: 3}]}", "not both"),
        ("{M: 3, branches: [{kernel: 3}, {kernel: 5}]}", "M=3 but 2 branches are given"),
        ("{branches: [{kernel: 4}]}", "kernel sizes must be odd"),
        ("{branches: [{kernel: 3, dilation: 0}]}", "must be at least 1"),
        ("{branches: [{kernel: 3, group: 2}]}", "unknown key 'group'"),
        ("{G: 4, branches: [{kernel: 3}, {kernel: 5, groups: 3}]}", "groups=3 (branch 2) must"),
    ],
)
def test_bad_branches_are_reported_where_they_are(sk: str, words: str) -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(ONE_STAGE.format(sk=sk), source="b.yaml")
    issue = err.value.issues[0]
    assert words in str(issue)
    assert issue.line is not None and issue.line in (4, 6)


def test_a_stage_list_replaces_the_network_list() -> None:
    network = SKSpec.model_validate({"branches": [{"kernel": 3}, {"kernel": 5, "groups": 2}]})
    assert network.overridden_by(SKSpec.model_validate({"kernels": [3, 5, 7]})).branches is None
    assert network.overridden_by(SKSpec.model_validate({"M": 3})).kernel_sizes == (3, 5, 7)
    kept = network.overridden_by(SKSpec.model_validate({"G": 4}))
    assert kept.branches == network.branches and kept.G == 4


def test_paper_kernel_ablation_counts() -> None:
    """Second-branch settings of the paper's ablation: a 5x5 with G=64 and a 7x7 with G=128."""
    base = open_spec("sknet50")
    counts = {}
    for large, groups in ((5, 64), (7, 128)):
        sk = f"{{G: 32, branches: [{{kernel: 3}}, {{kernel: {large}, groups: {groups}}}]}}"
        text = base.replace("sk: {M: 2, G: 32, r: 16, L: 32, dilate: true}", f"sk: {sk}")
        counts[large] = summarize(parse_spec(text)).params
    assert counts == {5: 28_029_928, 7: 27_990_632}


def open_spec(name: str) -> str:
    from tests.conftest import SPECS

    return (SPECS / f"{name}.yaml").read_text(encoding="utf-8")
