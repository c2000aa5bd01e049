"""The SK-overhead benchmark on tiny specs: parts add up, and ResNeXt has no SK parts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from benchmarks import sk_overhead
from skbuilder import build_model
from tests.tiny_specs import bottleneck_spec_file


def _tiny(tmp_path: Path, name: str, block: str) -> Path:
    return bottleneck_spec_file(tmp_path, name, block, [(2, 16, 32, 1)])


def test_parts_add_up_and_plain_blocks_have_no_sk_parts(tmp_path: Path) -> None:
    sk = build_model(_tiny(tmp_path, "sk", "sk_bottleneck")).eval()
    plain = build_model(_tiny(tmp_path, "plain", "bottleneck")).eval()
    x = torch.randn(1, 3, 32, 32)
    assert [len(m) for m in sk_overhead.roles(sk).values()] == [2, 2, 2, 0]
    assert [len(m) for m in sk_overhead.roles(plain).values()] == [0, 0, 0, 2]
    parts = sk_overhead.parts_of(sk, x)
    assert all(parts[p] > 0 for p in sk_overhead.PARTS)
    assert sum(parts[p] for p in sk_overhead.PARTS[:-1]) == pytest.approx(parts["total"])
    plain_parts = sk_overhead.parts_of(plain, x)
    assert plain_parts["dilated 3x3 branch"] == 0
    assert plain_parts["fuse + select + weighted sum"] == 0
    assert not any(h for m in sk.modules() for h in (m._forward_hooks, m._forward_pre_hooks))


def test_report_compares_every_part(tmp_path: Path) -> None:
    argv = ["--batch", "1", "--image-size", "32", "--repeats", "2"]
    argv += ["--sk-spec", str(_tiny(tmp_path, "sk", "sk_bottleneck"))]
    argv += ["--baseline-spec", str(_tiny(tmp_path, "plain", "bottleneck"))]
    lines: list[str] = []
    out = sk_overhead.run(sk_overhead.parse_args(argv), lines.append)
    for part in sk_overhead.PARTS:
        assert any(line.startswith(part) for line in out.splitlines())
    assert out.splitlines()[-1].startswith("sk / plain: ")
    assert lines[0].startswith(f"torch {torch.__version__}")


def test_conv_share_of_an_eager_model(tmp_path: Path) -> None:
    from benchmarks import conv_share

    spec = str(_tiny(tmp_path, "sk", "sk_bottleneck"))
    argv = [spec, "--mode", "eager", "--batch", "1", "--image-size", "32", "--calls", "1"]
    lines: list[str] = []
    shares = conv_share.run(conv_share.parse_args(argv), lines.append)
    assert 0 < shares["sk"] < 1
    assert "fuse_for_inference, channels_last" in lines[0]
    assert conv_share.is_convolution("mkldnn::_convolution_pointwise")
    assert not conv_share.is_convolution("aten::lerp_")
