"""The coordinator believes a chunk only when its files say what its manifest says: checked on
real segments rendered by the chunk's own code path (render(video_only=True))."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.export import render
from filmstudio.render.farm_chunk import (
    ChunkFailed,
    ChunkManifest,
    file_digest,
    project_hash,
    settings_record,
)
from filmstudio.render.farm_join import count_video_packets, verify_manifest
from filmstudio.render.settings import encode_settings


@pytest.fixture
def segment(tmp_path: Path, project: Project) -> tuple[Project, Path, ChunkManifest]:
    """Frames 13-24 of a small render as a farm chunk writes them, and their true manifest."""
    source = project.add_node("test.FrameNumber")
    write = project.connect(source, project.add_node("Write", "out", speed="ultrafast"))
    frames = FrameRange(13, 24)
    path = tmp_path / "segment.mp4"
    render(project, write, path, frames, video_only=True)
    manifest = ChunkManifest(
        0, 1, 13, 24, 1, 12, project_hash(project.to_json()),
        settings_record(encode_settings(project, write, frames)),
        ((path.name, path.stat().st_size, file_digest(path)),), "tcp://w:1", "w", 1, 2.0,
    )  # fmt: skip
    return project, path, manifest


def _verify(project: Project, path: Path, manifest: ChunkManifest, frames: FrameRange) -> None:
    record = settings_record(encode_settings(project, project["out"], FrameRange(1, 24)))
    verify_manifest(manifest, frames, path.parent, project_hash(project.to_json()), record, movie=True)


def test_a_true_manifest_verifies(segment):
    project, path, manifest = segment
    _verify(project, path, manifest, FrameRange(13, 24))
    assert count_video_packets(path) == 12


def test_a_chunk_with_a_wrong_frame_count_is_an_error(segment):
    project, path, manifest = segment
    with pytest.raises(ChunkFailed, match="the worker rendered frames 13-24 instead"):
        _verify(project, path, manifest, FrameRange(13, 25))
    lying = replace(manifest, last=25, frame_count=13)  # "succeeded" with 13 frames, wrote 12
    with pytest.raises(ChunkFailed, match="the segment holds 12 frames, not 13"):
        _verify(project, path, lying, FrameRange(13, 25))
    short = replace(manifest, frame_count=11)
    with pytest.raises(ChunkFailed, match="the worker wrote 11 frames, not 12"):
        _verify(project, path, short, FrameRange(13, 24))


def test_a_segment_changed_after_the_worker_hashed_it_is_an_error(segment):
    project, path, manifest = segment
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ChunkFailed, match="is not what the worker wrote"):
        _verify(project, path, manifest, FrameRange(13, 24))


def test_another_project_or_other_settings_are_errors(segment):
    project, path, manifest = segment
    with pytest.raises(ChunkFailed, match="graph hash mismatch"):
        _verify(project, path, replace(manifest, graph_hash="0" * 64), FrameRange(13, 24))
    faster = (*(p for p in manifest.settings if p[0] != "speed"), ("speed", "medium"))
    with pytest.raises(ChunkFailed, match="speed medium instead of ultrafast"):
        _verify(project, path, replace(manifest, settings=tuple(sorted(faster))), FrameRange(13, 24))
