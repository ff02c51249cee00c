"""Fixtures for the media tests: the generated clips are written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.clips import ClipSpec, make_clips

CLIP_NAMES = [
    "h264_long_gop",
    "h264_audio",
    "h265_10bit",
    "prores_4444_alpha",
    "vfr",
    "odd_853x481",
    "rotated",
]


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ClipSpec]:
    return make_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture(params=CLIP_NAMES)
def clip(request: pytest.FixtureRequest, clips: dict[str, ClipSpec]) -> ClipSpec:
    return clips[request.param]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for a test's output."""
    out = tmp_path / "out"
    out.mkdir()
    return out
