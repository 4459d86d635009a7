"""Rendering with `dot`: SVG/PNG/PDF, atomic saves, timeouts, and life without Graphviz."""

import shutil
import subprocess

import pytest

import autograd_engine as ae
from autograd_engine import viz
from autograd_engine.errors import AutogradError
from autograd_engine.viz import render

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


@pytest.fixture
def drawing():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    return ae.draw_graph((w * w).sum(), names={"w": w})


@pytest.fixture
def no_dot(monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)


@needs_dot
def test_render_svg_and_png(drawing, tmp_path):
    svg = drawing.save(tmp_path / "g.svg").read_bytes()
    assert b"<svg" in svg and b"parameter" in svg
    png = drawing.save(tmp_path / "g.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert drawing.pipe("pdf").startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png", "g.svg"]  # no temp files


@needs_dot
def test_jupyter_shows_svg(drawing):
    assert "<svg" in drawing._repr_svg_()
    assert "image/svg+xml" in drawing._repr_mimebundle_()


def test_dot_text_saves_without_graphviz(drawing, tmp_path, no_dot):
    path = drawing.save(tmp_path / "g.dot")
    assert path.read_text(encoding="utf-8") == drawing.source


def test_rendering_without_graphviz_says_how_to_install(drawing, tmp_path, no_dot):
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as info:
        drawing.save(tmp_path / "g.svg")
    assert isinstance(info.value, AutogradError) and isinstance(info.value, RuntimeError)
    assert list(tmp_path.iterdir()) == []


def test_jupyter_without_graphviz_shows_the_text_and_hint(drawing, no_dot):
    assert drawing._repr_svg_() is None
    bundle = drawing._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert "apt-get install graphviz" in bundle["text/plain"]
    assert drawing.source in bundle["text/plain"]


def test_timeout_is_reported(drawing, monkeypatch):
    def slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    monkeypatch.setattr(render.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(render.subprocess, "run", slow)
    with pytest.raises(viz.GraphvizError, match="did not finish within 30 s"):
        drawing.pipe("svg")


@needs_dot
def test_dot_failure_is_reported():
    with pytest.raises(viz.GraphvizError, match="dot failed"):
        render.Drawing("digraph { this is not dot").pipe("svg")


def test_unknown_suffix_and_format(drawing, tmp_path):
    with pytest.raises(viz.DrawingError, match="suffix"):
        drawing.save(tmp_path / "g.bmp")
    with pytest.raises(viz.DrawingError, match="format"):
        drawing.pipe("bmp")


def test_repr_is_short(drawing):
    assert repr(drawing).startswith("<Drawing of 4 nodes")
