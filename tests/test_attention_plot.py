"""The attention plots: a PNG per network, written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from skbuilder.analysis.attention import attention_stats

pytest.importorskip("matplotlib")

from skbuilder.render.attention_plot import attention_figure, save_attention_plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _stats() -> list:
    torch.manual_seed(0)
    attention = {
        "a.0.conv2": torch.softmax(torch.randn(2, 2, 8), 1),
        "b.0.conv2": torch.softmax(torch.randn(2, 3, 16), 1),  # a stage with M=3
    }
    return attention_stats(attention, {"a.0.conv2": (3, 5), "b.0.conv2": (3, 5, 7)})


def test_figure_has_one_box_and_one_bar_per_branch_per_sk_conv() -> None:
    fig = attention_figure(_stats(), title="tiny")
    top, bottom = fig.axes
    assert len(top.patches) == 2 + 3  # bars: M per SK conv
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["a.0.conv2", "b.0.conv2"]
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert labels == ["branch 1 (3x3 field)", "branch 2 (5x5 field)", "branch 3 (7x7 field)"]


def test_png_is_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    out = save_attention_plot(_stats(), tmp_path / "att.png", title="tiny")
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["att.png"]
    (tmp_path / "plain").write_bytes(b"")
    assert out.stat().st_mode == (tmp_path / "plain").stat().st_mode  # umask applies


def test_a_failed_save_leaves_the_old_file_alone(tmp_path: Path, monkeypatch) -> None:
    from matplotlib.figure import Figure

    target = tmp_path / "att.png"
    target.write_bytes(b"old")

    def fail(self, *args, **kwargs) -> None:
        Path(args[0]).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", fail)
    with pytest.raises(OSError, match="disk full"):
        save_attention_plot(_stats(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["att.png"]


def test_nothing_to_plot_is_an_error() -> None:
    with pytest.raises(ValueError, match="no SK convolutions"):
        attention_figure([])
